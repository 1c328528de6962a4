import type { ClusterSettings } from './cluster.js';
import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;

/**
 * Everything a command touches outside its arguments. Tests pass their own to run commands in-process and read what
 * they print; `defaultIo()` is the real terminal.
 */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whole stdin (for the `-` path), or its first bytes past `maxBytes` when it holds more (reading stops there). */
  readStdin(maxBytes?: number): Promise<Uint8Array>;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  /** Terminal width for tables; undefined when not a terminal. */
  columns?: number;
}

/**
 * A write to a closed pipe (`kordon matrix … | head`) ends that stream's output quietly, as for any Unix tool: the
 * reader has what it wanted, and the command still ends with its documented exit code, never a stack trace.
 */
function pipeWriter(stream: NodeJS.WriteStream): (t: string) => void {
  let closed = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') closed = true;
    else throw err;
  });
  return (t) => {
    if (!closed) stream.write(t);
  };
}

export function defaultIo(): Io {
  const io: Io = {
    out: pipeWriter(process.stdout),
    err: pipeWriter(process.stderr),
    readStdin: async (maxBytes = Number.POSITIVE_INFINITY) => {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of process.stdin) {
        const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
        chunks.push(b);
        size += b.length;
        // `kordon lint - < /dev/zero` must end with a message, not grow until the heap gives out.
        if (size > maxBytes) break;
      }
      return Buffer.concat(chunks);
    },
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
  };
  if (process.stdout.columns) io.columns = process.stdout.columns;
  return io;
}

/** What a command run shares with main: the io, the colour choice and the exit code it settles on. */
export interface CliContext {
  io: Io;
  /** Set by a command; main returns it. */
  exitCode: number;
  /** `--no-color` given. */
  noColor: boolean;
  /** `--max-input-size` given. */
  maxInputSize?: string;
  /** `--allow-special-files` given: FIFOs and devices named as paths are read. */
  allowSpecialFiles?: boolean;
  /** Inputs that could not be read; the answer covers the rest and the run exits 2. */
  unreadable?: string[];
  /** How to reach the cluster (--kubeconfig, --context, --cluster, --request-timeout). */
  cluster?: ClusterSettings;
}

/**
 * Colour only where a person reads it: on a TTY, unless NO_COLOR is set or --no-color given; FORCE_COLOR forces it
 * (https://no-color.org, https://force-color.org).
 */
export function colorsFor(ctx: CliContext, stream: 'out' | 'err'): Colors {
  return pc.createColors(colorEnabled(ctx, stream));
}

export function colorEnabled(ctx: CliContext, stream: 'out' | 'err'): boolean {
  if (ctx.noColor) return false;
  const env = ctx.io.env;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return stream === 'out' ? ctx.io.stdoutIsTTY : ctx.io.stderrIsTTY;
}

/** A usage problem: main prints it and exits 2. */
export class UsageError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'UsageError';
  }
}
