import { spawn } from 'node:child_process';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  /** It ran past `timeoutMs` and was killed, with every process it started. */
  timedOut?: boolean;
}

export interface ExecOptions {
  /** Kill the program (its whole process group) after this long. */
  timeoutMs?: number;
  /** Called with the pid as soon as the program runs. */
  onSpawn?: (pid: number) => void;
}

/** Runs a program to completion, feeding `input` on stdin; never throws for a non-zero exit. */
export function exec(cmd: string, args: readonly string[], input?: string, opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    // Its own process group when it may be killed, so that a wrapper's children go with it.
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: opts.timeoutMs !== undefined });
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            try {
              if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
            } catch {
              child.kill('SIGKILL');
            }
          }, opts.timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ...(timedOut ? { timedOut } : {}),
      });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/** Like exec, but a non-zero exit is an Error carrying the command and its stderr. */
export async function execOk(cmd: string, args: readonly string[], input?: string): Promise<string> {
  const r = await exec(cmd, args, input);
  if (r.code !== 0) {
    const firstLines = input ? `\n--- input (first lines) ---\n${input.split('\n').slice(0, 8).join('\n')}` : '';
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}${firstLines}`);
  }
  return r.stdout;
}

/** Runs async jobs with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
