import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { SourceText } from './files/read.js';
import type { ByteBudget } from './files/limits.js';
import { isManifestName } from './files/names.js';
import { SourceError } from './files/problems.js';

const run = promisify(execFile);

async function git(args: string[], maxBuffer = 1 << 30): Promise<string> {
  const { stdout } = await run('git', args, { maxBuffer, encoding: 'utf8' });
  return stdout;
}

const stderrOf = (err: unknown): string => ((err as { stderr?: string }).stderr ?? String(err)).trim();

export interface Revision {
  rev: string;
  path: string;
}

/**
 * `REV:path` when the argument is not a path on disk and has a colon after something that could name a revision.
 * Whether REV exists is checked when reading, so that a mistyped revision is named as such.
 */
export function parseRevision(spec: string): Revision | undefined {
  const colon = spec.indexOf(':');
  if (colon <= 0 || existsSync(spec)) return undefined;
  return { rev: spec.slice(0, colon), path: spec.slice(colon + 1) };
}

/** The manifests at a git revision: one file whatever its extension, or a directory's manifests. */
export async function readRevision(spec: string, r: Revision, into: SourceText, budget: ByteBudget): Promise<void> {
  try {
    await git(['rev-parse', '--verify', '--quiet', `${r.rev}^{commit}`]);
  } catch {
    const inRepo = await git(['rev-parse', '--git-dir']).then(
      () => true,
      () => false,
    );
    if (!inRepo) throw new SourceError('not-found', `cannot read ${spec}: no such file, and not in a git repository to read a revision from`, 'REV:path reads path at git revision REV; run inside the repository');
    throw new SourceError('unknown-revision', `${spec}: unknown revision ${r.rev}`, 'name a branch, tag or commit (git log --oneline shows them)');
  }
  const path = r.path === '' ? '.' : r.path;
  let listed: string;
  try {
    listed = await git(['ls-tree', '-r', '--full-name', '--name-only', r.rev, '--', path]);
  } catch (err) {
    throw new SourceError('git', `cannot list ${spec} in git: ${stderrOf(err)}`);
  }
  const names = listed.split('\n').filter((n) => n !== '');
  if (names.length === 0) throw new SourceError('not-found', `${spec}: no such path at revision ${r.rev}`, 'paths after REV: are relative to the working directory');
  for (const name of names) {
    // A single file is taken whatever its extension, as for paths on disk; a directory gives its manifests.
    if (names.length > 1 && !isManifestName(name)) continue;
    const at = `${r.rev}:${name}`;
    let text: string;
    try {
      text = await git(['show', at], budget.remaining + 1);
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') budget.take(at, budget.remaining + 1);
      throw new SourceError('git', `cannot read ${at} from git: ${stderrOf(err)}`);
    }
    budget.take(at, Buffer.byteLength(text));
    into.files.push({ name: `${r.rev}:${name}`, text });
  }
}
