import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { isOwnNftPid, type NftTarget } from './apply.js';

export interface TableMonitor {
  stop(): void;
}

/**
 * Follows `nft monitor` and calls `changed` when a transaction by another process touched `inet TABLE`: each
 * transaction's events end in `# new generation N by process PID (COMM)`, and the agent knows the pids of its own
 * nft runs. A monitor that dies is started again after a growing wait, and says so.
 */
export function monitorTable(table: string, target: NftTarget, changed: (by: string) => void, log: (line: string) => void): TableMonitor {
  const ours = new RegExp(`\\binet ${table}(\\s|$)`);
  let child: ChildProcess | undefined;
  let stopped = false;
  let restartMs = 500;
  let timer: NodeJS.Timeout | undefined;
  let restarts = 0;

  const start = (): void => {
    // Whatever happened while no monitor ran is unknown: look.
    if (restarts++ > 0) changed('nothing seen while the monitor was down');
    const nft = target.nftProgram ?? 'nft';
    const [cmd, args] = target.netns ? ['ip', ['netns', 'exec', target.netns, nft, 'monitor']] : [nft, ['monitor']];
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    let touched = false;
    let fallback: NodeJS.Timeout | undefined;
    const lines = createInterface({ input: c.stdout! });
    lines.on('line', (line) => {
      const gen = /^# new generation \d+ by process (\d+) \(([^)]*)\)/.exec(line);
      if (gen) {
        clearTimeout(fallback);
        if (touched && !isOwnNftPid(Number(gen[1]))) changed(`process ${gen[1]} (${gen[2]})`);
        touched = false;
        restartMs = 500;
        return;
      }
      if (!touched && ours.test(line)) {
        touched = true;
        // An nft that prints no generation lines: look anyway, a little later.
        fallback = setTimeout(() => {
          if (touched) changed('an unknown process');
          touched = false;
        }, 1000);
      }
    });
    let err = '';
    c.stderr!.on('data', (b: Buffer) => (err = (err + b.toString('utf8')).slice(-500)));
    c.on('error', (e) => log(`nft monitor could not start: ${e.message}`));
    c.on('close', (code, signal) => {
      clearTimeout(fallback);
      if (stopped) return;
      log(`nft monitor ended (${signal ?? `exit ${code}`}${err.trim() ? `: ${err.trim().split('\n')[0]}` : ''}); starting it again in ${restartMs / 1000} s, the periodic check goes on meanwhile`);
      timer = setTimeout(start, restartMs);
      restartMs = Math.min(restartMs * 2, 30_000);
    });
  };
  start();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      child?.kill('SIGTERM');
    },
  };
}
