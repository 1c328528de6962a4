import { describeDifferences } from '../nft/digest.js';
import { monitorTable, type TableMonitor } from '../nft/monitor.js';
import type { Agent } from './agent.js';

export interface KernelWatchOptions {
  /** Compare the kernel's table with the ruleset this often; 0 never. */
  verifyMs: number;
  /** Follow `nft monitor`, so a change by another process is repaired at once. */
  monitor: boolean;
  /** Quiet time after a foreign change before looking (a tamper script's commands come in a burst). */
  settleMs?: number;
}

export interface KernelWatch {
  /** Look soon (after a failed sync, whose effect on the kernel is unknown). */
  poke(why: string): void;
  stop(): void;
}

/**
 * Keeps the kernel's table equal to the agent's ruleset: on a timer, and at once when another process changed the
 * table. Each repair is counted and told; a check that finds the table as it should be says nothing.
 */
export function watchKernel(agent: Agent, opts: KernelWatchOptions, say: (kind: 'repaired' | 'failed' | 'warning', message: string) => void): KernelWatch {
  let timer: NodeJS.Timeout | undefined;
  let queued = false;
  let stopped = false;
  const reasons = new Set<string>();

  const check = async (): Promise<void> => {
    queued = false;
    const why = [...reasons].join(', ');
    reasons.clear();
    try {
      const r = await agent.verify();
      if (r.state !== 'repaired') return;
      say('repaired', `repaired the table (repair ${agent.repairs}; ${why}): ${describeDifferences(r.differences)}; ${r.mode === 'full' ? 'replaced it whole' : 'put back what differed'} (${r.ms.toFixed(1)} ms)`);
    } catch (e) {
      say('failed', `could not check or repair the table (${why}): ${(e as Error).message.split('\n')[0]}; trying again at the next check`);
    }
  };

  const poke = (why: string): void => {
    if (stopped) return;
    reasons.add(why);
    if (queued) return;
    queued = true;
    timer = setTimeout(() => void check(), opts.settleMs ?? 20);
  };

  const periodic = opts.verifyMs > 0 ? setInterval(() => poke('periodic check'), opts.verifyMs) : undefined;
  const monitor: TableMonitor | undefined = opts.monitor
    ? monitorTable(agent.table, agent.nftTarget, (by) => poke(`changed by ${by}`), (line) => say('warning', line))
    : undefined;
  return {
    poke,
    stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(periodic);
      monitor?.stop();
    },
  };
}
