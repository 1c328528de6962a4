import { describeDifferences } from '../nft/digest.js';
import { NftLister } from '../nft/lister.js';
import { monitorTable, type TableMonitor } from '../nft/monitor.js';
import type { Agent, VerifyResult } from './agent.js';
import { backgroundCheck } from './background-check.js';

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
 * How a look is taken. `now`: the whole table listed inside the agent's queue, exact but holding up the syncs for
 * as long (about 1.4 s at 10,000 pods), for when something is known to have happened: another process's transaction
 * on the table, a failed sync. `background`: in pieces that let syncs go first (`backgroundCheck`), for the
 * periodic check and for what a monitor that was down may have missed.
 */
type Look = 'now' | 'background';

/**
 * Keeps the kernel's table equal to the agent's ruleset: on a timer, and at once when another process changed the
 * table. Each repair is counted and told; a check that finds the table as it should be says nothing.
 */
export function watchKernel(agent: Agent, opts: KernelWatchOptions, say: (kind: 'repaired' | 'failed' | 'warning', message: string) => void): KernelWatch {
  const lister = new NftLister(agent.nftTarget);
  let stopped = false;
  const looks = { now: lookLoop(() => agent.verify(), opts.settleMs ?? 20), background: lookLoop(() => backgroundCheck(agent, lister), opts.settleMs ?? 20) };

  function lookLoop(check: () => Promise<VerifyResult>, settleMs: number): { poke(why: string): void; stop(): void } {
    let timer: NodeJS.Timeout | undefined;
    let running = false;
    const reasons = new Set<string>();
    const run = async (): Promise<void> => {
      timer = undefined;
      running = true;
      const why = [...reasons].join(', ');
      reasons.clear();
      try {
        const r = await check();
        if (r.state === 'repaired') say('repaired', `repaired the table (repair ${agent.repairs}; ${why}): ${describeDifferences(r.differences)}; ${r.mode === 'full' ? 'replaced it whole' : 'put back what differed'} (${r.ms.toFixed(1)} ms)`);
      } catch (e) {
        // Stopping ends the nft runs of a check under way: that is no failure to tell.
        if (!stopped)
          say('failed', `could not check or repair the table (${why}): ${(e as Error).message.split('\n')[0]}; trying again at the next check`);
      } finally {
        running = false;
        // Asked again while it ran: what it listed may be older than the reason.
        if (reasons.size > 0 && !stopped) timer = setTimeout(() => void run(), settleMs);
      }
    };
    return {
      poke(why) {
        reasons.add(why);
        if (!running && !timer) timer = setTimeout(() => void run(), settleMs);
      },
      stop: () => clearTimeout(timer),
    };
  }

  const poke = (why: string, how: Look): void => {
    if (!stopped) looks[how].poke(why);
  };
  const periodic = opts.verifyMs > 0 ? setInterval(() => poke('periodic check', 'background'), opts.verifyMs) : undefined;
  const monitor: TableMonitor | undefined = opts.monitor
    ? monitorTable(
        agent.table,
        agent.nftTarget,
        (change) => poke(change.why, change.seen ? 'now' : 'background'),
        (line) => say('warning', line),
      )
    : undefined;
  return {
    poke: (why) => poke(why, 'now'),
    stop() {
      stopped = true;
      looks.now.stop();
      looks.background.stop();
      clearInterval(periodic);
      monitor?.stop();
      lister.close();
    },
  };
}
