import {
  clusterModel,
  isolatingPolicies,
  type Cluster,
  type ClusterModel,
  type Direction,
  type LabelSelector,
  type Labels,
  type Location,
  type Namespace,
  type PathSegment,
  type Peer,
  type Pod,
  type Policy,
  type Service,
} from '@kordon/engine';

/**
 * The cluster as lint rules read it: the engine's model plus the indexes every rule would otherwise rebuild.
 * Everything is computed on first use and kept, so a rule pays only for what it asks.
 */
export interface LintModel {
  cluster: Cluster;
  /** Pods policies can select (hostNetwork pods are never selected), by namespace. */
  podsIn(namespace: string): readonly Pod[];
  /** Every pod of the input, hostNetwork ones included. */
  hasPods: boolean;
  namespace(name: string): Namespace | undefined;
  namespaceLabels(name: string): Labels;
  /** Pods a policy's podSelector selects. */
  selected(policy: Policy): readonly Pod[];
  /** Namespaces (known to the input) a namespaceSelector matches. */
  namespacesMatching(sel: LabelSelector): readonly Namespace[];
  /** Pods a selector peer matches (ipBlock peers: none): the engine's model answers. */
  peerPods(policy: Policy, peer: Peer): readonly Pod[];
  /** Whether a selector peer matches at least one pod; stops at the first. */
  peerMatchesAny(policy: Policy, peer: Peer): boolean;
  /** Up to `limit` pods (never hostNetwork ones) matching a pod selector inside the given namespaces: the engine's model answers. */
  findPods(namespaces: readonly string[], sel: LabelSelector, limit: number): readonly Pod[];
  /** How many pods and namespaces carry each label key and key=value. */
  podLabelCount(key: string, value?: string): number;
  namespaceLabelCount(key: string, value?: string): number;
  podLabelValues(key: string): readonly string[];
  podLabelKeys(): readonly string[];
  namespaceLabelKeys(): readonly string[];
  namespaceLabelValues(key: string): readonly string[];
  /** Pods of a Service's namespace that its selector matches, ready or not, in cluster order (no or an empty selector: none): the engine's model answers. */
  servicePods(service: Service): readonly Pod[];
  /** Policies that isolate the pod in the direction. */
  isolating(pod: Pod, direction: Direction): readonly Policy[];
  /** Where a field of a policy is written. */
  at(policy: Policy, path: readonly PathSegment[]): Location | undefined;
}

function countIndex(items: Iterable<Labels>): { count: Map<string, number>; values: Map<string, Set<string>> } {
  const count = new Map<string, number>();
  const values = new Map<string, Set<string>>();
  for (const labels of items) {
    for (const [k, v] of Object.entries(labels)) {
      count.set(k, (count.get(k) ?? 0) + 1);
      const kv = `${k}=${v}`;
      count.set(kv, (count.get(kv) ?? 0) + 1);
      let s = values.get(k);
      if (!s) values.set(k, (s = new Set()));
      s.add(v);
    }
  }
  return { count, values };
}

const NONE: readonly Policy[] = [];

/** Per pod, the policies that isolate it in the direction, in cluster order (as `isolatingPolicies` lists them). */
function isolationIndex(engine: ClusterModel, cluster: Cluster, direction: Direction): Map<Pod, Policy[]> {
  const out = new Map<Pod, Policy[]>();
  for (const p of cluster.policies) {
    if (!(direction === 'ingress' ? p.ingressIsolation : p.egressIsolation)) continue;
    for (const pod of engine.selectedPods(p)) {
      const l = out.get(pod);
      if (l) l.push(p);
      else out.set(pod, [p]);
    }
  }
  return out;
}

export function lintModel(cluster: Cluster): LintModel {
  const engine = clusterModel(cluster);
  const nsByName = new Map(cluster.namespaces.map((n) => [n.name, n]));
  const nsSelCache = new Map<LabelSelector, Namespace[]>();
  let podIdx: ReturnType<typeof countIndex> | undefined;
  let nsIdx: ReturnType<typeof countIndex> | undefined;
  const pods = () => (podIdx ??= countIndex(cluster.pods.filter((p) => !p.hostNetwork).map((p) => p.labels)));
  const nss = () => (nsIdx ??= countIndex(cluster.namespaces.map((n) => n.labels)));
  const isoCache = new Map<string, Policy[]>();
  const clusterPods = new Set(cluster.pods);
  let isoIngress: Map<Pod, Policy[]> | undefined;
  let isoEgress: Map<Pod, Policy[]> | undefined;
  const m: LintModel = {
    cluster,
    podsIn: (ns) => engine.selectablePods(ns),
    hasPods: cluster.pods.length > 0,
    namespace: (name) => nsByName.get(name),
    namespaceLabels: (name) => engine.namespaceLabels(name),
    selected: (policy) => engine.selectedPods(policy),
    namespacesMatching(sel) {
      let r = nsSelCache.get(sel);
      if (!r) nsSelCache.set(sel, (r = engine.namespacesMatching(sel).flatMap((ns) => nsByName.get(ns) ?? [])));
      return r;
    },
    peerPods: (policy, peer) => engine.peerPods(policy, peer),
    peerMatchesAny: (policy, peer) => engine.peerSelectsAny(policy, peer),
    findPods: (namespaces, sel, limit) => engine.podsMatching(namespaces, sel, { limit }),
    podLabelCount: (k, v) => pods().count.get(v === undefined ? k : `${k}=${v}`) ?? 0,
    namespaceLabelCount: (k, v) => nss().count.get(v === undefined ? k : `${k}=${v}`) ?? 0,
    podLabelValues: (k) => [...(pods().values.get(k) ?? [])].sort(),
    podLabelKeys: () => [...pods().values.keys()].sort(),
    namespaceLabelKeys: () => [...nss().values.keys()].sort(),
    namespaceLabelValues: (k) => [...(nss().values.get(k) ?? [])].sort(),
    servicePods: (service) => engine.servicePods(service),
    isolating(pod, direction) {
      // A pod of the cluster: the policies whose selections (the model's) hold it, indexed once per direction.
      if (clusterPods.has(pod)) return (direction === 'ingress' ? (isoIngress ??= isolationIndex(engine, cluster, 'ingress')) : (isoEgress ??= isolationIndex(engine, cluster, 'egress'))).get(pod) ?? NONE;
      // Any other pod (a stand-in, as for the assumed DNS pods): pods with the same namespace and labels are isolated by the same policies.
      const key = `${direction}\u0000${pod.namespace}\u0000${pod.hostNetwork}\u0000${JSON.stringify(pod.labels)}`;
      let r = isoCache.get(key);
      if (!r) isoCache.set(key, (r = isolatingPolicies(cluster, pod, direction)));
      return r;
    },
    at: (policy, path) => (policy.locate ? policy.locate(path) : policy.source),
  };
  return m;
}

/** Rules of a direction that count: those of a direction the policy's policyTypes lists. */
export function effectiveRules(policy: Policy, direction: Direction) {
  if (direction === 'ingress') return policy.ingressIsolation ? policy.ingress : [];
  return policy.egressIsolation ? policy.egress : [];
}

export const peerField = (d: Direction): 'from' | 'to' => (d === 'ingress' ? 'from' : 'to');
