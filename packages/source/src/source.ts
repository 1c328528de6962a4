import { ByteBudget, DEFAULT_MAX_INPUT_BYTES } from './files/limits.js';
import { decodeSource } from '@kordon/engine';
import { emptyText, readPath, type SourceText } from './files/read.js';
import { SourceError } from './files/problems.js';
import { parseRevision, readRevision } from './git.js';

/** The argument that names the live cluster instead of files (`kordon diff cluster: ./policies/`). */
export const CLUSTER_SPEC = 'cluster:';

/** Where one input argument's objects come from. */
export type SourceSpec =
  | { kind: 'stdin' }
  | { kind: 'path'; path: string }
  | { kind: 'revision'; rev: string; path: string; spec: string }
  | { kind: 'cluster' };

export function parseSpec(arg: string): SourceSpec {
  if (arg === '-') return { kind: 'stdin' };
  if (arg === CLUSTER_SPEC) return { kind: 'cluster' };
  const r = parseRevision(arg);
  return r ? { kind: 'revision', ...r, spec: arg } : { kind: 'path', path: arg };
}

export interface ReadOptions {
  /** All of stdin, or more than `maxBytes` bytes when it holds more (the reader stops there). */
  readStdin?: (maxBytes: number) => Promise<Uint8Array>;
  /** Most bytes read over all inputs together (default 256 MiB). */
  maxInputBytes?: number;
  /** Read FIFOs and devices named as paths. */
  allowSpecialFiles?: boolean;
  /** Reads the live cluster for the `cluster:` argument; without it, `cluster:` is refused. */
  readCluster?: () => Promise<SourceText>;
}

/**
 * The one way in for every command and the agent: files, directories, `-` (stdin), `REV:path` git revisions and
 * `cluster:`, read into text for the engine's loader. A missing path or revision stops the run (the answer would
 * silently miss what was meant); a path that exists but cannot be read is reported in `unreadable` and the rest is read.
 */
export async function readSources(args: readonly string[], opts: ReadOptions = {}): Promise<SourceText> {
  if (args.length === 0) throw new SourceError('no-input', 'no input: give files, directories or - for stdin', 'kordon <command> manifests/ or kubectl get ... -o yaml | kordon <command> -');
  const budget = new ByteBudget(opts.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES);
  const into = emptyText();
  let stdinRead = false;
  for (const arg of args) {
    const spec = parseSpec(arg);
    switch (spec.kind) {
      case 'stdin': {
        if (stdinRead) throw new SourceError('stdin-twice', '- (stdin) is given twice');
        stdinRead = true;
        const bytes = opts.readStdin ? await opts.readStdin(budget.remaining) : new Uint8Array();
        budget.take('<stdin>', bytes.length);
        into.files.push(decodeSource('<stdin>', bytes));
        break;
      }
      case 'path':
        await readPath(spec.path, into, { budget, ...(opts.allowSpecialFiles ? { allowSpecialFiles: true } : {}) });
        break;
      case 'revision':
        await readRevision(spec.spec, spec, into, budget);
        break;
      case 'cluster': {
        if (!opts.readCluster) throw new SourceError('cluster', 'this command cannot read cluster:');
        const c = await opts.readCluster();
        for (const f of c.files) {
          budget.take(f.name, f.text.length);
          into.files.push(f);
        }
        into.diagnostics.push(...c.diagnostics);
        into.unreadable.push(...c.unreadable);
        break;
      }
    }
  }
  return into;
}
