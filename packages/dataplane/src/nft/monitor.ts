import { spawn, type ChildProcess } from 'node:child_process';
import { isOwnNftPid, nftCommand, runInBackground, type NftTarget } from './apply.js';

export interface TableMonitor {
  stop(): void;
}

/** Why the table should be looked at. */
export interface TableChange {
  why: string;
  /** A transaction of another process was seen; false when the monitor was down and may have missed one. */
  seen: boolean;
}

/** The first wait before a monitor that died is started again, and the longest. */
const RESTART_FIRST_MS = 500;
const RESTART_MAX_MS = 30_000;
/** A monitor that ran this long is taken to be well again: the next restart waits the first wait. */
const HEALTHY_MS = 60_000;
/**
 * nft 1.0.6's monitor sometimes goes on printing garbage on one line and never again anything else (seen in the
 * soak: alive, silent, a core busy): a line this long is taken for that, and the monitor started again. Its real lines
 * are one event each, well under a kilobyte.
 */
const RUNAWAY_BYTES = 1 << 20;

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

/**
 * Follows `nft monitor` and calls `changed` when a transaction by another process touched `inet TABLE`: each
 * transaction's events end in `# new generation N by process PID (COMM)`, and the agent knows the pids of its own
 * nft runs. A monitor that dies is started again after a wait that doubles, up to 30 s, until one has run for a
 * minute, and says so: nft 1.0.6's monitor dies on the agent's own deletes from concatenated interval sets, and each
 * start reads the whole ruleset (about 0.4 s of CPU and 130 MB at 10,000 pods), so restarting it at once after every
 * sync would cost more than the periodic check it backs up.
 */
export function monitorTable(table: string, target: NftTarget, changed: (change: TableChange) => void, log: (line: string) => void): TableMonitor {
  const ours = new RegExp(`\\binet ${table}(\\s|$)`);
  let child: ChildProcess | undefined;
  let stopped = false;
  let restartMs = RESTART_FIRST_MS;
  let timer: NodeJS.Timeout | undefined;
  let restarts = 0;
  /** This nft ends each transaction's events with its generation line. */
  let printsGenerations = false;

  const start = (): void => {
    // Whatever happened while no monitor ran is unknown: look.
    if (restarts++ > 0) changed({ why: 'nothing seen while the monitor was down', seen: false });
    const [cmd, args] = nftCommand(target, ['monitor']);
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (c.pid !== undefined) runInBackground(c.pid);
    const startedAt = Date.now();
    child = c;
    let touched = false;
    let fallback: NodeJS.Timeout | undefined;
    const onLine = (line: string, whole: boolean): void => {
      const gen = /^# new generation \d+ by process (\d+) \(([^)]*)\)/.exec(line);
      if (gen) {
        printsGenerations = true;
        clearTimeout(fallback);
        if (touched && !isOwnNftPid(Number(gen[1]))) changed({ why: `changed by process ${gen[1]} (${gen[2]})`, seen: true });
        touched = false;
        return;
      }
      // nft 1.0.6 prints some elements of concatenated interval sets as an empty line or as endless garbage: a line
      // that cannot be read may be about this table.
      if (!touched && (ours.test(line) || line.trim() === '' || !whole)) {
        touched = true;
        // An nft that prints no generation lines: look anyway, a little later. One that does may print it late (it
        // runs at a low priority and reads each transaction's elements into its cache first): wait for it.
        if (printsGenerations) return;
        fallback = setTimeout(() => {
          if (touched) changed({ why: 'changed by an unknown process', seen: true });
          touched = false;
        }, 1000);
      }
    };
    const split = lineSplitter(onLine);
    let unended = 0;
    c.stdout!.on('data', (chunk: Buffer) => {
      const nl = chunk.lastIndexOf(10);
      unended = nl === -1 ? unended + chunk.length : chunk.length - nl - 1;
      if (unended > RUNAWAY_BYTES) {
        if (!c.killed) log(`nft monitor printed ${RUNAWAY_BYTES >> 20} MiB without a line end and nothing else: ending it`);
        c.kill('SIGKILL');
        return;
      }
      split(chunk);
    });
    let err = '';
    c.stderr!.on('data', (b: Buffer) => (err = (err + b.toString('utf8')).slice(-500)));
    c.on('error', (e) => log(`nft monitor could not start: ${e.message}`));
    c.on('close', (code, signal) => {
      clearTimeout(fallback);
      if (stopped) return;
      if (Date.now() - startedAt >= HEALTHY_MS) restartMs = RESTART_FIRST_MS;
      log(`nft monitor ended (${signal ?? `exit ${code}`}${err.trim() ? `: ${err.trim().split('\n')[0]}` : ''}); starting it again in ${restartMs / 1000} s, the periodic check goes on meanwhile`);
      timer = setTimeout(start, restartMs);
      restartMs = Math.min(restartMs * 2, RESTART_MAX_MS);
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
