import { readdirSync, readFileSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { extname, join } from 'node:path';
import { decodeSource, type Diagnostic, type SourceFile } from '@kordon/engine';
import { UsageError, type Io } from './io.js';

export const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface Inputs {
  files: SourceFile[];
  /** Notes about the reading itself: skipped files, text that is not UTF-8. */
  diagnostics: Diagnostic[];
}

const note = (file: string, code: string, message: string, severity: Diagnostic['severity'] = 'info', hint?: string): Diagnostic => {
  const d: Diagnostic = { code, severity, message, path: '', file, line: 1, column: 1 };
  if (hint) d.hint = hint;
  return d;
};

/**
 * Reads PATHS as the commands take them: files (whatever their extension), directories recursively (only .yaml, .yml
 * and .json; anything else is noted as skipped), and `-` for stdin. A path that cannot be read is a usage error (exit
 * 2): the answer would silently miss what the user meant to give.
 */
export async function readInputs(paths: readonly string[], io: Io): Promise<Inputs> {
  if (paths.length === 0) throw new UsageError('no input: give files, directories or - for stdin', 'kordon <command> manifests/ or kubectl get ... -o yaml | kordon <command> -');
  const files: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  let stdinRead = false;
  for (const p of paths) {
    if (p === '-') {
      if (stdinRead) throw new UsageError('- (stdin) is given twice');
      stdinRead = true;
      push(files, decode('<stdin>', await io.readStdin(), diagnostics));
      continue;
    }
    let st;
    try {
      // Synchronous reads: a CLI reads its inputs before anything else, and fs/promises costs more per file.
      st = statSync(p);
    } catch (err) {
      throw new UsageError(`cannot read ${p}: ${reason(err)}`, 'check the path; use - to read from stdin');
    }
    if (st.isDirectory()) readDirectory(p, files, diagnostics, new Set([realpathSync(p)]));
    else push(files, readOne(p, diagnostics));
  }
  return { files, diagnostics };
}

const push = (files: SourceFile[], f: SourceFile | undefined): void => {
  if (f) files.push(f);
};

function readOne(path: string, diagnostics: Diagnostic[]): SourceFile | undefined {
  try {
    return decode(path, readFileSync(path), diagnostics);
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${reason(err)}`);
  }
}

function readDirectory(dir: string, files: SourceFile[], diagnostics: Diagnostic[], seen: Set<string>): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    throw new UsageError(`cannot read directory ${dir}: ${reason(err)}`);
  }
  // Plain string order, so that output (and "defined again" notes) do not depend on the file system.
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const path = join(dir, e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      try {
        const st = statSync(path);
        isDir = st.isDirectory();
        isFile = st.isFile();
      } catch {
        diagnostics.push(note(path, 'input-skipped', 'broken symbolic link; skipped'));
        continue;
      }
    }
    if (isDir) {
      if (e.name.startsWith('.')) continue; // .git and friends hold no manifests
      const real = realpathSync(path);
      if (seen.has(real)) continue; // a link back up the tree
      seen.add(real);
      readDirectory(path, files, diagnostics, seen);
    } else if (isFile) {
      if (MANIFEST_EXTENSIONS.includes(extname(e.name).toLowerCase())) push(files, readOne(path, diagnostics));
      else if (!e.name.startsWith('.') && !isDocumentation(e.name)) diagnostics.push(note(path, 'input-skipped', `not a manifest (${MANIFEST_EXTENSIONS.join(', ')}); skipped`));
    }
  }
}

/** Files that commonly sit beside manifests to describe them: skipped without a note, which would only be noise. */
function isDocumentation(name: string): boolean {
  return /\.(md|markdown|txt|rst|adoc)$/i.test(name) || /^(LICEN[CS]E|NOTICE|OWNERS|CODEOWNERS)(\..*)?$/.test(name);
}

/** UTF-8 text (a BOM dropped); bytes that are not are listed, so the loader can point at them and keep the rest. */
function decode(name: string, bytes: Uint8Array, _diagnostics: Diagnostic[]): SourceFile | undefined {
  return decodeSource(name, bytes);
}

function reason(err: unknown): string {
  const code = (err as { code?: string } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
