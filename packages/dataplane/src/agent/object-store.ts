import { BuildCache, buildCluster, loadSource, type BuildResult, type LoadedObject } from '@kordon/engine';

type Obj = Record<string, unknown>;

/**
 * The objects an agent follows, each loaded once when it arrives, and the cluster built from them. Builds share one
 * cache, so an object that did not change keeps its model (the very same pod and policy objects), which the nft
 * compiler's cache reads to skip what a change did not touch.
 */
export class ObjectStore {
  private readonly objects = new Map<string, LoadedObject>();
  private readonly cache = new BuildCache();

  /** Loads (or replaces) the object under `key`; one that does not load is dropped. */
  put(key: string, raw: Obj): void {
    const obj = loadSource({ name: `cluster:${key}`, text: JSON.stringify(raw) }).objects[0];
    if (obj) this.objects.set(key, obj);
    else this.objects.delete(key);
  }

  /** Whether there was an object to remove. */
  remove(key: string): boolean {
    return this.objects.delete(key);
  }

  /** The cluster of every object held, reusing the models of the objects the last build saw. */
  build(): BuildResult {
    return buildCluster([...this.objects.values()], { cache: this.cache });
  }

  entries(): IterableIterator<[string, LoadedObject]> {
    return this.objects.entries();
  }

  get size(): number {
    return this.objects.size;
  }
}
