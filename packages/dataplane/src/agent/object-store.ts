import { BuildCache, buildCluster, loadSource, updateCluster, type BuildResult, type LoadedObject, type ObjectChange } from '@kordon/engine';

type Obj = Record<string, unknown>;

/**
 * The object without `metadata.resourceVersion`, which every write changes: the informer's bookkeeping, no part of
 * the model, and with it no event would ever deliver the same object again.
 */
function unversioned(raw: Obj): Obj {
  const meta = raw['metadata'];
  if (typeof meta !== 'object' || meta === null || !('resourceVersion' in meta)) return raw;
  const { resourceVersion: _, ...rest } = meta as Obj;
  return { ...raw, metadata: rest };
}

/**
 * The objects an agent follows, each loaded once when it arrives, and the cluster built from them. A batch of pod,
 * NetworkPolicy, cluster policy, node or namespace changes updates the last build (`updateCluster`); anything else
 * (an object with a validation finding, a duplicate) builds again. Both go through one cache, so an object that did
 * not change keeps its model (the very same pod and policy objects), which the nft compiler's cache reads to skip
 * what a change did not touch.
 */
export class ObjectStore {
  private readonly objects = new Map<string, LoadedObject>();
  private readonly cache = new BuildCache();
  private last: BuildResult | undefined;
  /** Since the last build, by key: the object that build read (undefined: none). */
  private readonly changed = new Map<string, LoadedObject | undefined>();

  /**
   * Loads (or replaces) the object under `key`; one that does not load is dropped. Whether anything changed: the
   * object held again, field for field (an update of a field the informers trim away, a relist), changes nothing and
   * keeps the object held, so its model and the ruleset parts made from it stay as they are.
   */
  put(key: string, raw: Obj): boolean {
    const text = JSON.stringify(unversioned(raw));
    const held = this.objects.get(key);
    if (held && JSON.stringify(held.raw) === text) return false;
    const obj = loadSource({ name: `cluster:${key}`, text }).objects[0];
    this.note(key);
    if (obj) this.objects.set(key, obj);
    else this.objects.delete(key);
    return true;
  }

  /** Whether there was an object to remove. */
  remove(key: string): boolean {
    this.note(key);
    return this.objects.delete(key);
  }

  private note(key: string): void {
    if (!this.changed.has(key)) this.changed.set(key, this.objects.get(key));
  }

  /**
   * The cluster of every object held: the last build updated by the changes since, when they allow it, else built
   * again reusing the models of the objects the last build saw. `full`: build again in any case.
   */
  build(opts: { full?: boolean } = {}): BuildResult {
    const changes: ObjectChange[] = [];
    for (const [key, before] of this.changed) {
      const after = this.objects.get(key);
      if (before !== after) changes.push({ ...(before ? { before } : {}), ...(after ? { after } : {}) });
    }
    this.changed.clear();
    const updated = this.last && !opts.full ? updateCluster(this.last, changes, { cache: this.cache }) : undefined;
    this.last = updated ?? buildCluster([...this.objects.values()], { cache: this.cache });
    return this.last;
  }

  entries(): IterableIterator<[string, LoadedObject]> {
    return this.objects.entries();
  }

  get size(): number {
    return this.objects.size;
  }
}
