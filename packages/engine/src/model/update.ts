/**
 * A build brought up to date by the objects that changed, instead of a walk over every object: an agent follows ten
 * thousand pods and most events are one pod, policy or namespace added, changed or removed. A change is taken this
 * way when its effect on the model is that object's own model alone; for anything else the answer is "build again"
 * (undefined), so the result is always what `buildCluster` gives for the objects after the changes.
 */
import type { LoadedObject } from '../load/load.js';
import { kindEntry } from '../kinds/registry.js';
import {
  builtWithoutWorkloads,
  declaredNamespace,
  dnsOf,
  impliedNamespace,
  markBuiltWithoutWorkloads,
  Models,
  ORDER,
  topOwner,
  type BuildOptions,
  type BuildResult,
} from './build.js';
import type { Cluster, Namespace, Pod, Policy } from './types.js';
import type { ClusterPolicy } from '../tiers/types.js';

/** One object of the input: replaced (`before` and `after`), added (no `before`) or removed (no `after`). */
export interface ObjectChange {
  before?: LoadedObject;
  after?: LoadedObject;
}

/** The kinds an update takes; services and workloads (which pods' owners and stand-ins read) build again. */
type Role = 'pod' | 'networkpolicy' | 'clusterpolicy' | 'node' | 'namespace';
const ROLES: ReadonlySet<string> = new Set<Role>(['pod', 'networkpolicy', 'clusterpolicy', 'node', 'namespace']);

/** The changed objects of one role: removed and added (a replaced object is both). */
interface Moves {
  gone: LoadedObject[];
  came: LoadedObject[];
}

/**
 * The build of the objects after `changes`, from `previous`, the build of the objects before them with the same
 * options (and the same cache, which then keeps the models this update makes); undefined when a full build is
 * needed. Taken here: pods (in a cluster built without workloads, so no pod's model depends on another object),
 * NetworkPolicies, cluster policies of the three kinds, nodes and namespaces, each of which validates with no finding
 * at all before and after (so the diagnostics stay those of the last build) and is not a second object of one kind
 * and name. A namespace a change leaves undeclared stays, as an implied one, while an object is in it. Unchanged
 * models stay the very same objects, as with a build cache.
 */
export function updateCluster(previous: BuildResult, changes: readonly ObjectChange[], options: BuildOptions = {}): BuildResult | undefined {
  const prev = previous.cluster;
  if (previous.diagnostics.some((d) => d.code === 'object-duplicate')) return undefined;
  const models = new Models(options.cache);
  const moves = movesOf(changes, models, options);
  if (!moves) return undefined;
  const withoutWorkloads = builtWithoutWorkloads(prev);
  if (!withoutWorkloads && (moves.pod.gone.length || moves.pod.came.length)) return undefined;
  const pods = podsAfter(prev.pods, moves.pod, models);
  const policies = spliced(prev.policies, moves.networkpolicy, (o) => models.policy(o), ORDER.policies);
  const clusterPolicies = clusterPoliciesAfter(prev.clusterPolicies, moves.clusterpolicy, models);
  const nodes = spliced(prev.nodes, moves.node, (o) => models.node(o), ORDER.nodes);
  if (!pods || !policies || !clusterPolicies || !nodes) return undefined;
  const after: Cluster = { ...prev, pods, policies, clusterPolicies, nodes };
  const namespaces = namespacesAfter(previous, after, moves, withoutWorkloads);
  if (!namespaces) return undefined;
  const podChanged = [...moves.pod.gone, ...moves.pod.came];
  const dns = podChanged.some((o) => namespaceOf(o) === prev.dns.namespace) ? dnsOf(pods, options) : prev.dns;
  const cluster: Cluster = { ...after, namespaces, dns };
  if (withoutWorkloads) markBuiltWithoutWorkloads(cluster);
  models.finishUpdate(Object.values(moves).flatMap((m) => m.gone));
  return { cluster, diagnostics: previous.diagnostics.slice() };
}

const namespaceOf = (obj: LoadedObject): string => obj.namespace ?? 'default';

/** The changes by role; undefined when one is not taken here (another kind, or a validation finding). */
function movesOf(changes: readonly ObjectChange[], models: Models, options: BuildOptions): Record<Role, Moves> | undefined {
  const moves: Record<Role, Moves> = { pod: none(), networkpolicy: none(), clusterpolicy: none(), node: none(), namespace: none() };
  for (const c of changes) {
    for (const [obj, list] of [[c.before, 'gone'], [c.after, 'came']] as const) {
      if (!obj) continue;
      const role = kindEntry(obj)?.model.role;
      if (role === undefined || !ROLES.has(role)) return undefined;
      if (!options.trusted && models.validated(obj).length > 0) return undefined;
      moves[role as Role][list].push(obj);
    }
  }
  return moves;
}

const none = (): Moves => ({ gone: [], came: [] });

/**
 * `items` (sorted by `order`) without the models of the objects gone and with those of the objects that came;
 * undefined when one gone is not held (not the object the build read), one that came is held already (two objects
 * for one: the build reports the duplicate) or has no model of its own here. `items` itself when nothing changed.
 */
function spliced<T>(items: readonly T[], moves: Moves, model: (obj: LoadedObject) => T | undefined, order: (a: T, b: T) => number): readonly T[] | undefined {
  if (!moves.gone.length && !moves.came.length) return items;
  const out = items.slice();
  for (const obj of moves.gone) {
    const m = model(obj);
    const i = m === undefined ? out.length : indexOf(out, m, order);
    if (i >= out.length || order(out[i] as T, m as T) !== 0) return undefined;
    out.splice(i, 1);
  }
  for (const obj of moves.came) {
    const m = model(obj);
    if (m === undefined) return undefined;
    const i = indexOf(out, m, order);
    if (i < out.length && order(out[i] as T, m) === 0) return undefined;
    out.splice(i, 0, m);
  }
  return out;
}

/**
 * Pods as the build makes them, owners resolved; a finished pod has no model here (the build leaves it out with a
 * note, and one held is not in the pods).
 */
function podsAfter(pods: readonly Pod[], moves: Moves, models: Models): readonly Pod[] | undefined {
  return spliced(pods, moves, (o) => {
    const pod = models.pod(o, namespaceOf(o));
    return finished(pod) ? undefined : owned(models, pod);
  }, ORDER.pods);
}

/** With no workload in the input, a pod's top owner is read from the pod alone (its pod-template-hash). */
function owned(models: Models, pod: Pod): Pod {
  const top = topOwner(pod, new Map(), new Set());
  return top ? models.withOwner(pod, top) : pod;
}

const finished = (pod: Pod): boolean => pod.phase === 'Succeeded' || pod.phase === 'Failed';

/** Cluster policies in evaluation order; one kind and name is one object, whatever its priority. */
function clusterPoliciesAfter(items: readonly ClusterPolicy[], moves: Moves, models: Models): readonly ClusterPolicy[] | undefined {
  const model = (o: LoadedObject): ClusterPolicy => {
    const entry = kindEntry(o)!.model;
    return models.clusterPolicy(o, (entry as Extract<typeof entry, { role: 'clusterpolicy' }>).spec);
  };
  const out = spliced(items, { gone: moves.gone, came: [] }, model, ORDER.clusterPolicies);
  if (!out || !moves.came.length) return out;
  const held = new Set(out.map((p) => `${p.ref.kind}/${p.ref.name}`));
  for (const o of moves.came) {
    const key = `${o.kind}/${o.name}`;
    if (held.has(key)) return undefined;
    held.add(key);
  }
  return spliced(out, { gone: [], came: moves.came }, model, ORDER.clusterPolicies);
}

/**
 * The namespaces after the changes: a changed Namespace object's model, and for every other namespace a change
 * touched, as the build decides it: declared, implied by an object still in it, or gone. Undefined when that cannot
 * be told from the model (a workload may be in it) or a Namespace object is not held or held twice.
 */
function namespacesAfter(previous: BuildResult, after: Cluster, moves: Record<Role, Moves>, withoutWorkloads: boolean): readonly Namespace[] | undefined {
  const prev = previous.cluster.namespaces;
  const came = new Map<string, LoadedObject>();
  for (const o of moves.namespace.came) {
    if (came.has(o.name)) return undefined;
    came.set(o.name, o);
  }
  const gone = new Set<string>();
  for (const o of moves.namespace.gone) {
    if (!held(prev, o.name)?.declared || gone.has(o.name)) return undefined;
    gone.add(o.name);
  }
  const touched = new Set<string>([...came.keys(), ...gone]);
  // An object added to or removed from a declared namespace leaves it as it is.
  for (const role of ['pod', 'networkpolicy'] as const)
    for (const o of [...moves[role].gone, ...moves[role].came]) if (!held(prev, namespaceOf(o))?.declared) touched.add(namespaceOf(o));
  if (!touched.size) return prev;
  const byName = new Map(prev.map((n) => [n.name, n]));
  for (const name of touched) {
    const was = byName.get(name);
    const obj = came.get(name);
    const kept = was?.declared && !gone.has(name);
    if (obj && kept) return undefined;
    byName.delete(name);
    if (obj) byName.set(name, declaredNamespace(obj));
    else if (kept) byName.set(name, was);
    else if (!withoutWorkloads) return undefined;
    else if (occupied(previous, after, name)) byName.set(name, was && !was.declared ? was : impliedNamespace(name));
  }
  return [...byName.values()].sort(ORDER.namespaces);
}

function held(namespaces: readonly Namespace[], name: string): Namespace | undefined {
  const i = indexOf(namespaces, { name } as Namespace, ORDER.namespaces);
  return namespaces[i]?.name === name ? namespaces[i] : undefined;
}

/**
 * Whether an object the build reads is in the namespace after the changes, in a cluster built without workloads: a
 * pod (finished ones too, which the build leaves out with a note), a NetworkPolicy, a Service.
 */
function occupied(previous: BuildResult, after: Cluster, ns: string): boolean {
  const p = indexOf(after.pods, { namespace: ns, name: '' } as Pod, ORDER.pods);
  if (after.pods[p]?.namespace === ns) return true;
  const q = indexOf(after.policies, { id: `${ns}/` } as Policy, ORDER.policies);
  if (after.policies[q]?.id.startsWith(`${ns}/`)) return true;
  if (after.services.some((s) => s.namespace === ns)) return true;
  return previous.diagnostics.some((d) => d.code === 'pod-finished' && (d.object?.namespace ?? 'default') === ns);
}

/** Where `item` is or would go in `items` sorted by `order`. */
function indexOf<T>(items: readonly T[], item: T, order: (a: T, b: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (order(items[mid] as T, item) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
