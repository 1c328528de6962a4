import { closeSync, createReadStream, fstatSync, openSync, readdirSync, readSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { join } from 'node:path';
import { decodeSource, type Diagnostic, type SourceFile } from '@kordon/engine';
import { ByteBudget } from './limits.js';
import { isDocumentation, isManifestName, MANIFEST_EXTENSIONS } from './names.js';
import { readingNote, reason, SourceError } from './problems.js';

/** The text of a run's inputs, as the engine's loader takes it. */
export interface SourceText {
  files: SourceFile[];
  /** Notes about the reading: skipped files, text that is not UTF-8, files that could not be read. */
  diagnostics: Diagnostic[];
  /** Inputs that could not be read (permissions, I/O errors, refused kinds of file): the answer misses them. */
  unreadable: string[];
}

export interface FileReadOptions {
  budget: ByteBudget;
  /** Read FIFOs and devices named on the command line (default: refused, since they may never end). */
  allowSpecialFiles?: boolean;
}

export const emptyText = (): SourceText => ({ files: [], diagnostics: [], unreadable: [] });

/**
 * One path as the commands take it: a file (whatever its extension) or a directory, read recursively (only .yaml,
 * .yml and .json; anything else is noted as skipped). A path that does not exist is an error for the whole run (a
 * typo); one that exists but cannot be read is reported and the rest goes on.
 */
export async function readPath(path: string, into: SourceText, opts: FileReadOptions): Promise<void> {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT' || (err as { code?: string }).code === 'ENOTDIR') {
      throw new SourceError('not-found', `cannot read ${path}: ${reason(err)}`, 'check the path; use - to read from stdin');
    }
    unreadable(into, path, err);
    return;
  }
  if (st.isDirectory()) {
    readDirectory(path, into, opts);
  } else if (st.isFile()) push(into, readRegular(path, into, opts));
  else if (opts.allowSpecialFiles) push(into, decodeSource(path, await readStream(path, opts.budget)));
  else refuseSpecial(into, path, st);
}

function refuseSpecial(into: SourceText, path: string, st: Stats): void {
  const what = st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() ? 'a character device' : st.isBlockDevice() ? 'a block device' : st.isSocket() ? 'a socket' : 'not a regular file';
  into.unreadable.push(path);
  into.diagnostics.push(
    readingNote(path, 'input-not-regular', `${what}, not a regular file: not read, since it may never end`, 'error', 'pipe it to - (stdin) instead, or pass --allow-special-files to read it'),
  );
}

function unreadable(into: SourceText, path: string, err: unknown, what = 'cannot read'): void {
  into.unreadable.push(path);
  into.diagnostics.push(readingNote(path, 'input-unreadable', `${what} ${path}: ${reason(err)}; left out of the answer`, 'error', 'fix its permissions or leave it out'));
}

const push = (into: SourceText, f: SourceFile | undefined): void => {
  if (f) into.files.push(f);
};

/** A regular file, its size checked against the limit before any byte is read. */
function readRegular(path: string, into: SourceText, opts: FileReadOptions): SourceFile | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    unreadable(into, path, err);
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    opts.budget.take(path, st.size);
    const bytes = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, bytes, off, st.size - off, null);
      if (n === 0) break;
      off += n;
    }
    // Bytes that are not UTF-8 are listed by the engine, which points at them and keeps the other documents.
    return decodeSource(path, bytes.subarray(0, off));
  } catch (err) {
    if (err instanceof SourceError) throw err;
    unreadable(into, path, err);
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** A stream that may never end (stdin, a FIFO, a device): read up to the limit and no further. */
export async function readStream(name: string, budget: ByteBudget, stream: AsyncIterable<Buffer | string> = createReadStream(name)): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of stream) {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    budget.take(name, b.length);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

function readDirectory(dir: string, into: SourceText, opts: FileReadOptions): void {
  for (const e of walkDirectory(dir)) {
    switch (e.kind) {
      case 'manifest':
        push(into, readRegular(e.path, into, opts));
        break;
      case 'unreadable':
        unreadable(into, e.path, e.error, 'cannot read directory');
        break;
      case 'other':
        into.diagnostics.push(readingNote(e.path, 'input-skipped', `not a manifest (${MANIFEST_EXTENSIONS.join(', ')}); skipped`));
        break;
      case 'broken-link':
        into.diagnostics.push(readingNote(e.path, 'input-skipped', 'broken symbolic link; skipped'));
        break;
      case 'directory':
        break;
      case 'special':
        // A FIFO or socket named like a manifest inside a directory: never opened, since it could block forever.
        into.diagnostics.push(readingNote(e.path, 'input-skipped', 'not a regular file; skipped'));
        break;
    }
  }
}

/** What a directory walk finds; hidden entries and documentation are passed over without a word. */
type DirEntry =
  | { kind: 'manifest' | 'other' | 'broken-link' | 'special' | 'directory'; path: string }
  | { kind: 'unreadable'; path: string; error: unknown };

/**
 * The rules for a directory, in one place for every command and the agent: recursive, hidden files and folders
 * skipped, symbolic links followed except back up the tree, entries in plain string order (so that output and
 * "defined again" notes do not depend on the file system).
 */
function* walkDirectory(dir: string): Generator<DirEntry> {
  let root: string;
  try {
    root = realpathSync(dir);
  } catch (error) {
    yield { kind: 'unreadable', path: dir, error };
    return;
  }
  const seen = new Set([root]);
  function* walk(d: string): Generator<DirEntry> {
    yield { kind: 'directory', path: d };
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch (error) {
      yield { kind: 'unreadable', path: d, error };
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue; // .git and friends hold no manifests
      const path = join(d, e.name);
      let st: Stats | Dirent = e;
      if (e.isSymbolicLink()) {
        try {
          st = statSync(path);
        } catch {
          yield { kind: 'broken-link', path };
          continue;
        }
      }
      if (st.isDirectory()) {
        let real: string;
        try {
          real = realpathSync(path);
        } catch (error) {
          yield { kind: 'unreadable', path, error };
          continue;
        }
        if (seen.has(real)) continue; // a link back up the tree
        seen.add(real);
        yield* walk(path);
      } else if (st.isFile()) {
        if (isManifestName(e.name)) yield { kind: 'manifest', path };
        else if (!isDocumentation(e.name)) yield { kind: 'other', path };
      } else if (isManifestName(e.name)) yield { kind: 'special', path };
    }
  }
  yield* walk(dir);
}


/**
 * One manifest file read on its own, as the agent re-reads a changed file: the same checks as for a run (regular file,
 * size, UTF-8), every problem a diagnostic.
 */
export function readManifestFile(path: string, budget: ByteBudget = new ByteBudget()): { file: SourceFile | undefined; diagnostics: Diagnostic[] } {
  const into = emptyText();
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    unreadable(into, path, err);
    return { file: undefined, diagnostics: into.diagnostics };
  }
  if (!st.isFile()) refuseSpecial(into, path, st);
  else push(into, readRegular(path, into, { budget }));
  return { file: into.files[0], diagnostics: into.diagnostics };
}

/**
 * The manifest files a directory holds, by the same rules as a run's directories, and the directories walked (the
 * agent watches each).
 */
export function listManifestFiles(dir: string): { paths: string[]; dirs: string[]; diagnostics: Diagnostic[] } {
  const paths: string[] = [];
  const dirs: string[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const e of walkDirectory(dir)) {
    if (e.kind === 'manifest') paths.push(e.path);
    else if (e.kind === 'directory') dirs.push(e.path);
    else if (e.kind === 'unreadable') diagnostics.push(readingNote(e.path, 'input-unreadable', `cannot read directory ${e.path}: ${reason(e.error)}`, 'error'));
  }
  return { paths, dirs, diagnostics };
}
