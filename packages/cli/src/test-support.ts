import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Cluster } from '@kordon/engine';
import type { CliContext, Io } from './io.js';
import { main } from './main.js';
import { loadInput } from './pipeline.js';

export interface RunResult {
  code: number;
  out: string;
  err: string;
}

function captureIo(options: RunOptions): { io: Io; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const io: Io = {
    out: (s) => void (out += s),
    err: (s) => void (err += s),
    readStdin: async () => (typeof options.stdin === 'string' ? new TextEncoder().encode(options.stdin) : (options.stdin ?? new Uint8Array())),
    stdoutIsTTY: options.tty ?? false,
    stderrIsTTY: options.tty ?? false,
    env: options.env ?? {},
  };
  return { io, out: () => out, err: () => err };
}

/** The cluster exactly as the commands build it from these paths. */
export async function loadFor(paths: readonly string[]): Promise<Cluster> {
  const ctx: CliContext = { io: captureIo({}).io, exitCode: 0, noColor: true };
  return (await loadInput(paths, ctx)).cluster;
}

export interface RunOptions {
  stdin?: string | Uint8Array;
  tty?: boolean;
  env?: Record<string, string | undefined>;
}

/** Runs the CLI in-process with a captured terminal. */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const c = captureIo(options);
  const code = await main(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

/** A temporary folder of files, removed by `cleanup`. */
export function tempTree(files: Record<string, string | Uint8Array>): { dir: string; path: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'kordon-cli-'));
  for (const [name, content] of Object.entries(files)) {
    const p = join(dir, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A stack trace line, which a person must never see. */
export const STACK_TRACE = /\n\s+at .+[(:]\d+/;

/** Strips indentation common to every line, so that YAML can be written inline in tests. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}
