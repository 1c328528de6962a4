import { existsSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { BuildCache, buildCluster, loadSource, type Cluster, type Diagnostic, type LoadedObject, type LoadResult } from '@kordon/engine';
import { isHidden, isManifestName, listManifestFiles, readManifestFile } from '@kordon/source';

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

/**
 * The manifests of a directory, parsed file by file. A change re-reads only the files the watcher names, so one
 * changed file costs one read and one parse however many files the directory holds.
 */
export class ManifestDir {
  /** Parsed files by path. */
  private readonly files = new Map<string, { name: string; text: string; result: LoadResult; unreadable?: true }>();
  /** Validation and models of unchanged files' objects, carried from one build to the next. */
  private readonly buildCache = new BuildCache();
  /** Folders of the last rescan that could not be read. */
  private listingProblems: Diagnostic[] = [];

  constructor(readonly source: string) {}

  /** Reads every file again (at start, and when an event names no file or a directory). */
  rescan(): void {
    const seen = new Set<string>();
    if (!statSync(this.source).isDirectory()) {
      this.read(this.source);
      return;
    }
    // The directory rules of every command (kordon check DIR reads what the agent enforces).
    const listed = listManifestFiles(this.source);
    this.listingProblems = listed.diagnostics;
    for (const p of listed.paths) {
      seen.add(p);
      this.read(p);
    }
    for (const p of [...this.files.keys()]) if (!seen.has(p)) this.files.delete(p);
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
        for (const k of [...this.files.keys()]) if (k === p || k.startsWith(p + sep)) this.files.delete(k);
      } else if (statSync(p).isFile()) {
        if (isManifestName(p)) this.read(p);
      } else {
        this.rescan();
        return false;
      }
    }
    return true;
  }

  private read(path: string): void {
    const name = relative(process.cwd(), path) || path;
    const r = readManifestFile(path);
    if (!r.file) {
      // Unreadable (permissions, not a regular file, too large, not UTF-8): an error, so the last good state stays.
      this.files.set(path, { name, text: '', unreadable: true, result: { objects: [], diagnostics: r.diagnostics.map((d) => ({ ...d, file: name })) } });
      return;
    }
    const text = r.file.text;
    const known = this.files.get(path);
    if (known && !known.unreadable && known.text === text) return;
    this.files.set(path, { name, text, result: loadSource({ name, text }) });
  }

  sources(): Array<{ name: string; text: string }> {
    return this.sorted()
      .filter((f) => !f.unreadable)
      .map(({ name, text }) => ({ name, text }));
  }

  private sorted(): Array<{ name: string; text: string; result: LoadResult; unreadable?: true }> {
    return [...this.files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, f]) => f);
  }

  /** The cluster the files describe; a rejected policy is an error, since leaving it out could open traffic. */
  state(): LoadedState {
    const objects: LoadedObject[] = [];
    const diagnostics: Diagnostic[] = [...this.listingProblems];
    for (const f of this.sorted()) {
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
