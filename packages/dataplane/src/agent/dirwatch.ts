import { lstatSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

/**
 * Watches directories themselves, one inotify watch per directory, never file handles: a file replaced by rename
 * (editors, atomic writers) and later deleted is still an event of its directory, where a watch on the file would
 * have followed the old inode. Events are hints only; whoever receives them reads the directory names again.
 */
export class DirectoryWatcher {
  /** Watched directories by path relative to the root ('' is the root), with the inode watched. */
  private readonly watchers = new Map<string, { ino: number; watcher: FSWatcher }>();
  private closed = false;

  constructor(
    readonly root: string,
    /** Whether an event naming this path (relative to the root) says nothing the receiver needs. */
    private readonly ignored: (rel: string) => boolean,
    /** A path relative to the root that may have changed; undefined when the kernel named none. */
    private readonly onEvent: (rel: string | undefined) => void,
    private readonly onError: (dir: string, e: Error) => void,
  ) {}

  /** Whether `rel` is a directory watched now. */
  watches(rel: string): boolean {
    return this.watchers.has(rel);
  }

  /**
   * Watches exactly these directories (relative to the root), each by its current inode: a directory replaced by
   * rename is watched anew. Returns whether any watch was added, since files written into a new directory before
   * its watch existed raised no event.
   */
  watchDirs(dirs: Iterable<string>): boolean {
    if (this.closed) return false;
    const want = new Map<string, number>();
    for (const rel of dirs) {
      const ino = inodeOf(join(this.root, rel));
      if (ino !== undefined) want.set(rel, ino);
    }
    for (const [rel, w] of this.watchers)
      if (want.get(rel) !== w.ino) {
        w.watcher.close();
        this.watchers.delete(rel);
      }
    let added = false;
    for (const [rel, ino] of want) {
      if (this.watchers.has(rel)) continue;
      try {
        const watcher = watch(join(this.root, rel), { persistent: true }, (_type, name) => this.event(rel, name));
        watcher.on('error', (e: Error) => this.onError(rel, e));
        this.watchers.set(rel, { ino, watcher });
        added = true;
      } catch (e) {
        this.onError(rel, e as Error);
      }
    }
    return added;
  }

  private event(dir: string, name: string | Buffer | null): void {
    if (this.closed) return;
    if (name === null) return this.onEvent(undefined);
    const rel = dir === '' ? String(name) : join(dir, String(name));
    if (!this.ignored(rel)) this.onEvent(rel);
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers.values()) w.watcher.close();
    this.watchers.clear();
  }
}

function inodeOf(path: string): number | undefined {
  try {
    const st = lstatSync(path);
    return st.isDirectory() ? st.ino : undefined;
  } catch {
    return undefined;
  }
}
