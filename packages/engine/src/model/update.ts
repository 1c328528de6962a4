/**
 * A build brought up to date by the objects that changed, instead of a walk over every object: an agent follows ten
 * thousand pods and most events are one pod added, changed or removed. Only changes whose effect is local to the pod
 * are taken this way; for anything else the answer is "build again" (undefined), so the result is always what
 * `buildCluster` gives for the objects after the changes.
 */
import type { LoadedObject } from '../load/load.js';
import { kindEntry } from '../kinds/registry.js';
import { validateObject } from '../validate/index.js';
import { builtWithoutWorkloads, dnsOf, markBuiltWithoutWorkloads, podOf, topOwner, type BuildOptions, type BuildResult } from './build.js';
import type { Cluster, Pod } from './types.js';

/** One object of the input: replaced (`before` and `after`), added (no `before`) or removed (no `after`). */
export interface ObjectChange {
  before?: LoadedObject;
  after?: LoadedObject;
}

/**
 * The build of the objects after `changes`, from `previous`, the build of the objects before them with the same
 * options; undefined when a full build is needed. Taken here: pods of declared namespaces that validate cleanly and
 * are not finished, in a cluster built without workloads (so no pod's model depends on another object). Unchanged pods
 * stay the very same objects, as with a build cache.
 */
export function updateCluster(previous: BuildResult, changes: readonly ObjectChange[], options: BuildOptions = {}): BuildResult | undefined {
  const prev = previous.cluster;
  if (!builtWithoutWorkloads(prev) || previous.diagnostics.some((d) => d.code === 'object-duplicate')) return undefined;
  const declared = new Set(prev.namespaces.filter((n) => n.declared).map((n) => n.name));
  const gone: Pod[] = [];
  const came: Pod[] = [];
  for (const c of changes) {
    for (const obj of [c.before, c.after]) if (obj && !quietPod(obj, declared, options)) return undefined;
    if (c.before) gone.push(podOf(c.before, namespaceOf(c.before)));
    if (c.after) {
      const pod = podOf(c.after, namespaceOf(c.after));
      if (finished(pod)) return undefined;
      const top = topOwner(pod, new Map(), new Set());
      if (top) pod.owner = top;
      came.push(pod);
    }
  }
  const pods = prev.pods.slice();
  for (const p of gone) {
    const i = indexOf(pods, p);
    // Not held: it was finished (the build's note about it goes too), or it is not the object the build read.
    if (i >= pods.length || compare(pods[i] as Pod, p) !== 0) return undefined;
    pods.splice(i, 1);
  }
  for (const p of came) {
    const i = indexOf(pods, p);
    // Two objects for one pod: the build reports the duplicate.
    if (i < pods.length && compare(pods[i] as Pod, p) === 0) return undefined;
    pods.splice(i, 0, p);
  }
  const dns = [...gone, ...came].some((p) => p.namespace === prev.dns.namespace) ? dnsOf(pods, options) : prev.dns;
  const cluster: Cluster = { ...prev, pods, dns };
  markBuiltWithoutWorkloads(cluster);
  return { cluster, diagnostics: previous.diagnostics.slice() };
}

const namespaceOf = (obj: LoadedObject): string => obj.namespace ?? 'default';
/** The build leaves a finished pod out, with a note: not a quiet change. */
const finished = (pod: Pod): boolean => pod.phase === 'Succeeded' || pod.phase === 'Failed';

/** A pod whose build says nothing (no validation finding) and adds no namespace. */
function quietPod(obj: LoadedObject, declared: ReadonlySet<string>, options: BuildOptions): boolean {
  if (kindEntry(obj)?.model.role !== 'pod' || !declared.has(namespaceOf(obj))) return false;
  return options.trusted === true || validateObject(obj).length === 0;
}

/** The build's order of pods: by namespace, then name. */
function compare(a: Pod, b: Pod): number {
  return a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Where `p` is or would go in pods sorted by `compare`. */
function indexOf(pods: readonly Pod[], p: Pod): number {
  let lo = 0;
  let hi = pods.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compare(pods[mid] as Pod, p) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
