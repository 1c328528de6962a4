import { spawn, type ChildProcess } from 'node:child_process';
import { isOwnNftPid, type NftTarget } from './apply.js';

export interface TableMonitor {
  stop(): void;
}

/**
 * Follows `nft monitor` and calls `changed` when a transaction by another process touched `inet TABLE`: each
 * transaction's events end in `# new generation N by process PID (COMM)`, and the agent knows the pids of its own
 * nft runs. A monitor that dies is started again after a growing wait, and says so.
 */
/** The longest part of a line kept: what is read is the start of each line. */
const LINE_KEEP = 512;

/**
 * Splits a stream into lines, keeping at most LINE_KEEP characters of each, so that a line without end (nft has
 * printed megabytes of garbage on one line) costs no memory; `whole` says whether the line was kept whole.
 */
export function lineSplitter(onLine: (line: string, whole: boolean) => void): (chunk: Buffer) => void {
  let partial = '';
  let cut = false;
  return (chunk) => {
    const text = chunk.toString('latin1');
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const piece = text.slice(start, nl);
      const line = (cut ? partial : partial + piece).slice(0, LINE_KEEP);
      onLine(line, !cut && partial.length + piece.length <= LINE_KEEP);
      partial = '';
      cut = false;
      start = nl + 1;
    }
    if (!cut) {
      partial = (partial + text.slice(start)).slice(0, LINE_KEEP + 1);
      cut = partial.length > LINE_KEEP;
    }
  };
}

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
    const onLine = (line: string, whole: boolean): void => {
      const gen = /^# new generation \d+ by process (\d+) \(([^)]*)\)/.exec(line);
      if (gen) {
        clearTimeout(fallback);
        if (touched && !isOwnNftPid(Number(gen[1]))) changed(`process ${gen[1]} (${gen[2]})`);
        touched = false;
        restartMs = 500;
        return;
      }
      // nft 1.0.6 prints some elements of concatenated interval sets as an empty line or as endless garbage: a line
      // that cannot be read may be about this table.
      if (!touched && (ours.test(line) || line.trim() === '' || !whole)) {
        touched = true;
        // An nft that prints no generation lines: look anyway, a little later.
        fallback = setTimeout(() => {
          if (touched) changed('an unknown process');
          touched = false;
        }, 1000);
      }
    };
    c.stdout!.on('data', lineSplitter(onLine));
    let err = '';
    c.stderr!.on('data', (b: Buffer) => (err = (err + b.toString('utf8')).slice(-500)));
    c.on('error', (e) => log(`nft monitor could not start: ${e.message}`));
    c.on('close', (code, signal) => {
      clearTimeout(fallback);
      if (stopped) return;
      log(`nft monitor ended (${signal ?? `exit ${code}`}${err.trim() ? `: ${err.trim().split('\n')[0]}` : ''}); starting it again in ${restartMs / 1000} s, the periodic check goes on meanwhile`);
      timer = setTimeout(start, restartMs);
      restartMs = Math.min(restartMs * 2, 5_000);
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
