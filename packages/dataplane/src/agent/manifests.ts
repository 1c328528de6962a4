import { existsSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { BuildCache, buildCluster, loadSource, type Cluster, type Diagnostic, type LoadedObject, type LoadResult } from '@kordon/engine';
import { ByteBudget, DEFAULT_MAX_INPUT_BYTES, isHidden, isManifestName as isManifestFile, listManifestFiles, readManifestFile } from '@kordon/source';

/** Every manifest file under `dir` (or `dir` itself when it is a file), sorted, as the engine's sources. */
export async function readManifestDir(dir: string): Promise<Array<{ name: string; text: string }>> {
  const m = new ManifestDir(dir);
  m.rescan();
  return m.sources();
}

export interface LoadedState {
  cluster: Cluster;
  /** Errors that make the state unsafe to enforce: a policy the API server would reject, an unreadable file. */
  errors: Diagnostic[];
  diagnostics: Diagnostic[];
}

/** Whether the agent reads a file of this name (relative to the source): a manifest, not hidden. */
export function isManifestName(rel: string): boolean {
  // The directory rules of every command: kordon check DIR reads what the agent enforces.
  return isManifestFile(rel) && !isHidden(rel);
}

export interface ManifestDirOptions {
  /** Files never read, by absolute path (the agent's own log when it is written inside the directory). */
  skip?: (path: string) => boolean;
  /** Most bytes the files may hold together (default: the commands' limit, 256 MiB). */
  maxInputBytes?: number;
}

/**
 * The manifests of a directory, parsed file by file. A change re-reads only the files the watcher names, so one
 * changed file costs one read and one parse however many files the directory holds.
 */
export class ManifestDir {
  /** Parsed files by path. */
  private readonly files = new Map<string, { name: string; text: string; bytes: number; result: LoadResult; reading: Diagnostic[] }>();
  /** Bytes of every file held, against the size limit. */
  private bytes = 0;
  /** Problems of the last walk (a directory that cannot be read). */
  private walkProblems: Diagnostic[] = [];
  /** Validation and models of unchanged files' objects, carried from one build to the next. */
  private readonly buildCache = new BuildCache();
  /** Directories found by the last walk, relative to the source ('' is the source itself). */
  private dirList: string[] = [];

  constructor(
    readonly source: string,
    private readonly opts: ManifestDirOptions = {},
  ) {}

  /** The directories under the source (relative, '' first) as last read; none when the source is a file. */
  get dirs(): readonly string[] {
    return this.dirList;
  }

  /** Reads every file again (at start, and when an event names no file or a directory); true when any changed. */
  rescan(): boolean {
    if (!statSync(this.source).isDirectory()) return this.read(this.source);
    const seen = this.walk();
    let changed = false;
    for (const p of seen) changed = this.read(p) || changed;
    return this.forgetAllBut(seen) || changed;
  }

  /**
   * After a batch of events: reads the names of every directory again, so a file that came or went without an event
   * naming it (a rename over it, a directory moved in or out) is found, and re-reads the files the events named.
   * Returns whether the content of any file changed.
   */
  reconcile(named: Iterable<string>): boolean {
    if (!statSync(this.source).isDirectory()) return this.read(this.source);
    const seen = this.walk();
    let changed = this.forgetAllBut(seen);
    for (const p of seen) if (!this.files.has(p)) changed = this.read(p) || changed;
    for (const rel of named) {
      const p = join(this.source, rel);
      if (seen.has(p)) changed = this.read(p) || changed;
    }
    return changed;
  }

  /**
   * The manifest files under the source, by path, by the rules of every command (`@kordon/source`: extensions,
   * hidden names, links, FIFOs named like manifests skipped); records the directories on the way.
   */
  private walk(): Set<string> {
    const found = listManifestFiles(this.source);
    this.dirList = found.dirs.map((d) => relative(this.source, d));
    this.walkProblems = found.diagnostics;
    return new Set(found.paths.filter((p) => !this.opts.skip?.(p)));
  }

  private forgetAllBut(seen: ReadonlySet<string>): boolean {
    let changed = false;
    for (const p of [...this.files.keys()])
      if (!seen.has(p)) {
        this.forget(p);
        changed = true;
      }
    return changed;
  }

  /** Re-reads the files the watcher named, relative to the source; returns false when it had to rescan instead. */
  update(names: Iterable<string>): boolean {
    if (!statSync(this.source).isDirectory()) {
      this.read(this.source);
      return true;
    }
    for (const rel of names) {
      if (isHidden(rel)) continue;
      const p = join(this.source, rel);
      if (!existsSync(p)) {
        // A file or a whole directory went away.
        for (const k of [...this.files.keys()]) if (k === p || k.startsWith(p + sep)) this.forget(k);
      } else if (statSync(p).isFile()) {
        if (isManifestFile(p)) this.read(p);
      } else {
        this.rescan();
        return false;
      }
    }
    return true;
  }

  private forget(path: string): boolean {
    const f = this.files.get(path);
    if (!f) return false;
    this.bytes -= f.bytes;
    return this.files.delete(path);
  }

  /**
   * Reads one file through `@kordon/source` (a regular file only, the size limit over all files, bytes that are
   * not UTF-8 located); true when its text is new. A file gone since the directory was read is forgotten; one that
   * cannot be read is an error of the state, so nothing is enforced without it.
   */
  private read(path: string): boolean {
    try {
      statSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && path !== this.source) return this.forget(path);
    }
    const known = this.files.get(path);
    const limit = this.opts.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
    const { file, diagnostics } = readManifestFile(path, new ByteBudget(Math.max(0, limit - (this.bytes - (known?.bytes ?? 0)))));
    const text = file?.text ?? '';
    if (known && known.text === text && file && diagnostics.length === 0 && known.reading.length === 0) return false;
    const name = relative(process.cwd(), path) || path;
    this.forget(path);
    const bytes = file ? Buffer.byteLength(text) : 0;
    const result: LoadResult = file ? loadSource({ ...file, name }) : { objects: [], diagnostics: [] };
    this.files.set(path, { name, text, bytes, result, reading: diagnostics });
    this.bytes += bytes;
    return true;
  }

  sources(): Array<{ name: string; text: string }> {
    return this.sorted().map(({ name, text }) => ({ name, text }));
  }

  private sorted(): Array<{ name: string; text: string; result: LoadResult; reading: Diagnostic[] }> {
    return [...this.files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, f]) => f);
  }

  /** The cluster the files describe; a rejected policy is an error, since leaving it out could open traffic. */
  state(): LoadedState {
    const objects: LoadedObject[] = [];
    const diagnostics: Diagnostic[] = [];
    for (const d of this.walkProblems) diagnostics.push(d);
    for (const f of this.sorted()) {
      for (const d of f.reading) diagnostics.push(d);
      for (const o of f.result.objects) objects.push(o);
      for (const d of f.result.diagnostics) diagnostics.push(d);
    }
    const built = buildCluster(objects, { cache: this.buildCache });
    for (const d of built.diagnostics) diagnostics.push(d);
    return { cluster: built.cluster, diagnostics, errors: diagnostics.filter((d) => d.severity === 'error') };
  }
}

/** Reads a directory (or file) of manifests into a cluster. */
export async function loadState(dir: string): Promise<LoadedState> {
  const m = new ManifestDir(dir);
  m.rescan();
  return m.state();
}
