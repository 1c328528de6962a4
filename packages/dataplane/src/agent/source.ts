import { readlinkSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DirectoryWatcher } from './dirwatch.js';
import { isManifestName, ManifestDir, type LoadedState } from './manifests.js';

/** What a source tells the agent. */
export interface SourceEvents {
  /** Something may have changed; `since` is when the first event of the batch came (performance.now()). */
  changed(since: number): void;
  /** The source cannot be read any more (its directory was deleted): the agent stops, saying why. */
  gone(reason: string): void;
  /** Worth a line in the log, changes nothing by itself. */
  warn(message: string): void;
}

/**
 * Where the agent's cluster comes from. The agent asks for the state after each `changed` and on its rescan timer;
 * a source may be a directory of manifests or anything else that can say what the cluster is now.
 */
export interface ClusterSource {
  /** In words, for the log. */
  readonly name: string;
  /** Reads everything (at start and on the rescan timer); throws when the source cannot be read. */
  readAll(): LoadedState;
  /** Reads what the events since the last call may have changed; undefined when nothing did. */
  readChanges(): LoadedState | undefined;
  /** Starts following; a source that must connect first (the API server) finishes that before it resolves. */
  start(events: SourceEvents): void | Promise<void>;
  stop(): void;
}

export interface DirectorySourceOptions {
  /** Quiet time after a file event before the agent reads, default 10 ms. */
  debounceMs?: number;
  /** Most bytes the files may hold together (default: the commands' limit). */
  maxInputBytes?: number;
  /** Files this agent writes (its connection log): never read as manifests, their writes raise no event. */
  ownFiles?: readonly string[];
}

/** The paths this process writes its output to, when they are files (a log redirected inside the directory). */
function ownOutputs(): Set<string> {
  const out = new Set<string>();
  for (const fd of [1, 2])
    try {
      const p = readlinkSync(`/proc/self/fd/${fd}`);
      if (p.startsWith('/') && statSync(p).isFile()) out.add(p);
    } catch {
      // Not Linux, or not a file: nothing to leave out.
    }
  return out;
}

/**
 * A directory (or one file) of manifests, watched. Events of ignored names (hidden files and directories, files that
 * are not manifests, the agent's own log) are dropped where they arrive: they cause no read, no sync, no log line.
 * After every batch of events the directory's names are read again, so no deletion goes unseen.
 */
export class DirectorySource implements ClusterSource {
  readonly name: string;
  private readonly dir: ManifestDir;
  private readonly root: string;
  /** For a file source, the one name watched in its directory. */
  private readonly only: string | undefined;
  private readonly skip: Set<string>;
  private watcher: DirectoryWatcher | undefined;
  private named = new Set<string>();
  private unnamed = false;
  private since: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    source: string,
    private readonly opts: DirectorySourceOptions = {},
  ) {
    this.name = source;
    const abs = resolve(source);
    this.skip = ownOutputs();
    for (const f of opts.ownFiles ?? []) this.skip.add(f);
    this.dir = new ManifestDir(source, { skip: (p) => this.skip.has(resolve(p)), ...(opts.maxInputBytes !== undefined ? { maxInputBytes: opts.maxInputBytes } : {}) });
    const isDir = statSync(abs).isDirectory();
    this.root = isDir ? abs : dirname(abs);
    this.only = isDir ? undefined : basename(abs);
  }

  readAll(): LoadedState {
    this.named.clear();
    this.unnamed = false;
    this.dir.rescan();
    this.watchDirs();
    return this.dir.state();
  }

  readChanges(): LoadedState | undefined {
    this.checkRoot();
    const named = this.named;
    const unnamed = this.unnamed;
    this.named = new Set();
    this.unnamed = false;
    let changed = unnamed ? this.dir.rescan() : this.dir.reconcile(this.only === undefined ? named : []);
    // Files written into a directory before its watch existed raised no event: read the names once more.
    if (this.watchDirs()) changed = this.dir.reconcile([]) || changed;
    return changed ? this.dir.state() : undefined;
  }

  start(events: SourceEvents): void {
    const ignored = (rel: string): boolean => {
      if (this.only !== undefined) return rel !== this.only;
      if (this.skip.has(join(this.root, rel))) return true;
      if (isManifestName(rel)) return false;
      // A directory (new, or one that went away) is news; any other name is not.
      return rel.split(sep).some((p) => p.startsWith('.')) || !(this.watcher?.watches(rel) || isDirectory(join(this.root, rel)));
    };
    this.watcher = new DirectoryWatcher(
      this.root,
      ignored,
      (rel) => this.event(rel, events),
      (dir, e) => events.warn(`cannot watch ${join(this.name, dir)}: ${e.message}; changes there wait for the next rescan`),
    );
    this.watchDirs();
    this.gone = (reason) => events.gone(reason);
  }

  private gone: (reason: string) => void = () => {};

  private event(rel: string | undefined, events: SourceEvents): void {
    this.since ??= performance.now();
    if (rel === undefined) this.unnamed = true;
    else this.named.add(rel);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const since = this.since ?? performance.now();
      this.since = undefined;
      if (this.rootProblem()) this.gone(this.rootProblem() as string);
      else events.changed(since);
    }, this.opts.debounceMs ?? 10);
  }

  /** Why the source cannot be read any more, or undefined. */
  private rootProblem(): string | undefined {
    const what = this.only === undefined ? 'directory' : 'file';
    try {
      statSync(this.only === undefined ? this.root : join(this.root, this.only));
      return undefined;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return code === 'ENOENT' ? `the watched ${what} ${this.name} was deleted or moved away` : `the watched ${what} ${this.name} can no longer be read (${code ?? (e as Error).message})`;
    }
  }

  private checkRoot(): void {
    const problem = this.rootProblem();
    if (problem) throw new SourceGoneError(problem);
  }

  private watchDirs(): boolean {
    if (!this.watcher) return false;
    return this.watcher.watchDirs(this.only === undefined ? this.dir.dirs : ['']);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }
}

/** The source went away between its event and the read. */
export class SourceGoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceGoneError';
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
