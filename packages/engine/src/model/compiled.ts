import { selectorKey, selectorMatches, selectorMiss } from '../labels/selector.js';
import type { PeerMiss } from '../eval/misses.js';
import { ipBlockContains, parseCidr, parseIP, type IP, type IPBlock } from '../net/ip.js';
import { portSpecMatches } from '../ports/ports.js';
import type { Cluster, LabelSelector, Labels, Peer, Pod, Policy, PortSpec, Protocol, Service } from './types.js';
import { compileTiers, type TierModel } from './tiers.js';

export type SelectorPeer = Extract<Peer, { kind: 'pods' }>;
export type IPBlockPeer = Extract<Peer, { kind: 'ipBlock' }>;

/**
 * Where a connection's named ports are looked up: the destination pod, an address outside the cluster (which has no
 * named ports), or any pod of the cluster (a question about every destination at once, as diff asks).
 */
export type PortDestination = Pod | 'outside' | 'any-pod';

/**
 * The NetworkPolicy model compiled once per cluster and read by every evaluator and consumer: `evaluate`, the matrix
 * classes, explain, lint, diff, the page and the nft compiler. Who a peer selects, which namespaces a selector
 * matches (with the `kubernetes.io/metadata.name` fallback) and which port a rule admits are decided here and nowhere
 * else. Everything is computed on first use and kept for the cluster object's lifetime.
 */
export interface ClusterModel {
  readonly cluster: Cluster;
  /** Labels of a namespace; one not in the input still carries its name label, as the API server sets it. */
  namespaceLabels(namespace: string): Labels;
  /** Every namespace the input names (declared, or implied by a pod or a policy in it), sorted. */
  namespaceNames(): readonly string[];
  /** The namespaces (of `namespaceNames`) whose labels match a namespaceSelector, sorted. */
  namespacesMatching(sel: LabelSelector): readonly string[];
  /** NetworkPolicies of one namespace, in cluster order. */
  policiesIn(namespace: string): readonly Policy[];
  /** Pods of one namespace that selectors can see: never hostNetwork ones, which carry their node's address. */
  selectablePods(namespace: string): readonly Pod[];
  /**
   * Pods of `namespaces` whose labels match `sel` (null: every pod), in cluster order; with `limit`, the first found,
   * namespace by namespace. Policy selectors never see hostNetwork pods; a question about the pods themselves (the
   * selectors of `kordon test`'s expectations) asks for them with `hostNetwork: true`.
   */
  podsMatching(namespaces: readonly string[], sel: LabelSelector | null, opts?: { hostNetwork?: boolean; limit?: number }): readonly Pod[];
  /**
   * The pods a Service's selector picks, ready or not, hostNetwork ones included (as the EndpointSlice controller picks
   * them), in cluster order. A Service with no selector or an empty one: none (its endpoints are kept by hand).
   */
  servicePods(service: Service): readonly Pod[];
  /** Pods a policy's podSelector selects, in cluster order. */
  selectedPods(policy: Policy): readonly Pod[];
  /** Whether a policy selects the pod: its namespace, its podSelector, never a hostNetwork pod. */
  policySelects(policy: Policy, pod: Pod): boolean;
  /** What a peer selects, as text: two peers with one key select the same endpoints (in any policy). */
  peerKey(policy: Policy, peer: Peer): string;
  /** Pods a selector peer selects, in cluster order; an ipBlock peer selects addresses, not pods: none. */
  peerPods(policy: Policy, peer: Peer): readonly Pod[];
  /** Whether a selector peer selects at least one pod; stops at the first (an ipBlock peer: false). */
  peerSelectsAny(policy: Policy, peer: Peer): boolean;
  /** Whether a selector peer selects the pod (an ipBlock peer: false; see `ipBlock`). */
  peerSelectsPod(policy: Policy, peer: Peer, pod: Pod): boolean;
  /**
   * Why a selector peer does not select the pod, read with the same rules as `peerSelectsPod` (hostNetwork, the
   * policy's own namespace for a podSelector alone, the namespace labels with their fallback); undefined when it does.
   * An ipBlock peer: undefined (see `ipBlock`).
   */
  peerMissOf(policy: Policy, peer: Peer, pod: Pod): PeerMiss | undefined;
  /** The parsed ipBlock of a peer; undefined when its CIDR does not parse. */
  ipBlock(peer: IPBlockPeer): IPBlock | undefined;
  /**
   * The pod's addresses an ipBlock peer holds (an ipBlock matches pod IPs too, hostNetwork pods' node addresses
   * included); none when the CIDR does not parse. A pod with no IP: none (see `podInBlock` for stand-ins).
   */
  addressesInBlock(peer: IPBlockPeer, pod: Pod): readonly IP[];
  /**
   * The cluster policies (ClusterNetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy) compiled with this
   * model's namespace labels: tiers in evaluation order, who subjects and peers select (`model/tiers.ts`).
   */
  readonly tiers: TierModel;
  /** The port numbers that pods of the cluster give a container port name on a protocol. */
  namedPortNumbers(name: string, protocol: Protocol): ReadonlySet<number>;
  /** Whether one `ports` entry admits port/protocol toward the destination (named ports resolve on it). */
  portAdmits(spec: PortSpec, port: number, protocol: Protocol, dest: PortDestination): boolean;
  /** Whether a rule's `ports` (null: every port) admits port/protocol toward the destination. */
  portsAdmit(ports: readonly PortSpec[] | null, port: number, protocol: Protocol, dest: PortDestination): boolean;
}

const models = new WeakMap<Cluster, ClusterModel>();

/** The compiled model of a cluster, built on first use and shared by every query on the same cluster object. */
export function clusterModel(cluster: Cluster): ClusterModel {
  let m = models.get(cluster);
  if (!m) models.set(cluster, (m = compile(cluster)));
  return m;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string, keep: (t: T) => boolean = () => true): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    if (!keep(t)) continue;
    const k = key(t);
    const l = out.get(k);
    if (l) l.push(t);
    else out.set(k, [t]);
  }
  return out;
}

function blockKey(peer: IPBlockPeer): string {
  return `ip:${peer.cidr}|${[...peer.except].sort().join(',')}`;
}

function compile(cluster: Cluster): ClusterModel {
  const nsLabels = new Map<string, Labels>();
  for (const ns of cluster.namespaces) nsLabels.set(ns.name, ns.labels);
  const policiesByNs = groupBy(cluster.policies, (p) => p.namespace);
  const selectable = groupBy(cluster.pods, (p) => p.namespace, (p) => !p.hostNetwork);
  let everyPod: Map<string, Pod[]> | undefined;
  const servicePods = serviceIndex(cluster);
  let names: string[] | undefined;
  let podIndex: Map<Pod, number> | undefined;
  const nsMatch = new Map<string, string[]>();
  const byPeerKey = new Map<string, Pod[]>();
  const peerKeys = new WeakMap<Peer, string>();
  const selected = new WeakMap<Policy, Pod[]>();
  const anyByKey = new Map<string, boolean>();
  const blocks = new WeakMap<IPBlockPeer, IPBlock | undefined>();
  let named: Map<string, Set<number>> | undefined;
  const podIPs = new WeakMap<Pod, IP[]>();

  const namespaceLabels = (ns: string): Labels => nsLabels.get(ns) ?? { 'kubernetes.io/metadata.name': ns };
  const namespaceNames = (): readonly string[] => {
    if (!names) {
      const all = new Set<string>(nsLabels.keys());
      for (const ns of selectable.keys()) all.add(ns);
      for (const ns of policiesByNs.keys()) all.add(ns);
      for (const p of cluster.pods) all.add(p.namespace);
      names = [...all].sort();
    }
    return names;
  };
  const namespacesMatching = (sel: LabelSelector): readonly string[] => {
    const k = selectorKey(sel);
    let r = nsMatch.get(k);
    if (!r) nsMatch.set(k, (r = namespaceNames().filter((ns) => selectorMatches(sel, namespaceLabels(ns)))));
    return r;
  };
  let sorted: boolean | undefined;
  // buildCluster sorts pods by namespace: then namespaces asked in name order (as namespacesMatching gives them) already
  // give cluster order, with no sort.
  const sortedByNamespace = (): boolean => (sorted ??= cluster.pods.every((p, i) => i === 0 || cluster.pods[i - 1]!.namespace <= p.namespace));
  /** Pods of `namespaces` matching `sel` (null: all), in cluster order. */
  const podsOf = (namespaces: readonly string[], sel: LabelSelector | null, hostNetwork = false, limit = Infinity): Pod[] => {
    const out: Pod[] = [];
    const pool = hostNetwork ? (everyPod ??= groupBy(cluster.pods, (p) => p.namespace)) : selectable;
    collect: for (const ns of namespaces) {
      for (const p of pool.get(ns) ?? []) {
        if (sel !== null && !selectorMatches(sel, p.labels)) continue;
        out.push(p);
        if (out.length >= limit) break collect;
      }
    }
    if (namespaces.length > 1 && !(sortedByNamespace() && namespaces.every((ns, i) => i === 0 || namespaces[i - 1]! < ns))) {
      podIndex ??= new Map(cluster.pods.map((p, i) => [p, i]));
      const at = podIndex;
      out.sort((a, b) => at.get(a)! - at.get(b)!);
    }
    return out;
  };
  const peerKey = (policy: Policy, peer: Peer): string => {
    let k = peerKeys.get(peer);
    if (k === undefined) {
      // A peer's key reads its policy's namespace only when it has no namespaceSelector; peer objects belong to one policy.
      if (peer.kind === 'ipBlock') k = blockKey(peer);
      else {
        const scope = peer.namespaceSelector === null ? `ns:${policy.namespace}` : `sel:${selectorKey(peer.namespaceSelector)}`;
        k = `${scope}|${peer.podSelector === null ? '*' : selectorKey(peer.podSelector)}`;
      }
      peerKeys.set(peer, k);
    }
    return k;
  };

  let tiers: TierModel | undefined;
  const model: ClusterModel = {
    cluster,
    get tiers() {
      return (tiers ??= compileTiers(cluster, namespaceLabels));
    },
    namespaceLabels,
    namespaceNames,
    namespacesMatching,
    policiesIn: (ns) => policiesByNs.get(ns) ?? [],
    selectablePods: (ns) => selectable.get(ns) ?? [],
    podsMatching: (namespaces, sel, opts) => podsOf(namespaces, sel, opts?.hostNetwork ?? false, opts?.limit),
    servicePods,
    selectedPods(policy) {
      let r = selected.get(policy);
      if (!r) {
        const k = `ns:${policy.namespace}|${selectorKey(policy.podSelector)}`;
        r = byPeerKey.get(k);
        if (!r) byPeerKey.set(k, (r = podsOf([policy.namespace], policy.podSelector)));
        selected.set(policy, r);
      }
      return r;
    },
    policySelects: (policy, pod) => !pod.hostNetwork && pod.namespace === policy.namespace && selectorMatches(policy.podSelector, pod.labels),
    peerKey,
    peerPods(policy, peer) {
      if (peer.kind === 'ipBlock') return [];
      const k = peerKey(policy, peer);
      let r = byPeerKey.get(k);
      if (!r) {
        const namespaces = peer.namespaceSelector === null ? [policy.namespace] : namespacesMatching(peer.namespaceSelector);
        byPeerKey.set(k, (r = podsOf(namespaces, peer.podSelector)));
      }
      return r;
    },
    peerSelectsAny(policy, peer) {
      if (peer.kind === 'ipBlock') return false;
      const k = peerKey(policy, peer);
      const known = byPeerKey.get(k);
      if (known) return known.length > 0;
      let r = anyByKey.get(k);
      if (r === undefined) {
        const namespaces = peer.namespaceSelector === null ? [policy.namespace] : namespacesMatching(peer.namespaceSelector);
        const sel = peer.podSelector;
        r = namespaces.some((ns) => (selectable.get(ns) ?? []).some((p) => sel === null || selectorMatches(sel, p.labels)));
        anyByKey.set(k, r);
      }
      return r;
    },
    peerSelectsPod(policy, peer, pod) {
      if (peer.kind === 'ipBlock' || pod.hostNetwork) return false;
      if (peer.namespaceSelector === null) {
        if (pod.namespace !== policy.namespace) return false;
      } else if (!selectorMatches(peer.namespaceSelector, namespaceLabels(pod.namespace))) return false;
      return peer.podSelector === null || selectorMatches(peer.podSelector, pod.labels);
    },
    peerMissOf(policy, peer, pod) {
      if (peer.kind === 'ipBlock') return undefined;
      const who = `${pod.namespace}/${pod.name}`;
      if (pod.hostNetwork) return { code: 'host-network', who };
      if (peer.namespaceSelector === null) {
        if (pod.namespace !== policy.namespace) return { code: 'other-namespace', who, policyNamespace: policy.namespace, namespace: pod.namespace };
      } else {
        const mismatch = selectorMiss(peer.namespaceSelector, namespaceLabels(pod.namespace));
        if (mismatch) return { code: 'namespace-selector', namespace: pod.namespace, selector: peer.namespaceSelector, mismatch };
      }
      const mismatch = peer.podSelector === null ? undefined : selectorMiss(peer.podSelector, pod.labels);
      return mismatch && peer.podSelector ? { code: 'pod-selector', who, selector: peer.podSelector, mismatch } : undefined;
    },
    ipBlock(peer) {
      if (blocks.has(peer)) return blocks.get(peer);
      const cidr = parseCidr(peer.cidr);
      const b = cidr ? { cidr, except: peer.except.map(parseCidr).filter((c) => c !== undefined) } : undefined;
      blocks.set(peer, b);
      return b;
    },
    addressesInBlock(peer, pod) {
      const block = model.ipBlock(peer);
      if (!block || pod.ips.length === 0) return NO_IPS;
      let ips = podIPs.get(pod);
      if (!ips) podIPs.set(pod, (ips = pod.ips.map(parseIP).filter((x): x is IP => x !== undefined)));
      const inside = ips.filter((ip) => ipBlockContains(block, ip));
      return inside.length === ips.length ? ips : inside;
    },
    namedPortNumbers(name, protocol) {
      if (!named) {
        named = new Map();
        for (const p of cluster.pods) {
          for (const cp of p.containerPorts) {
            if (cp.name === undefined) continue;
            const k = `${cp.name}/${cp.protocol}`;
            let s = named.get(k);
            if (!s) named.set(k, (s = new Set()));
            s.add(cp.port);
          }
        }
      }
      return named.get(`${name}/${protocol}`) ?? EMPTY;
    },
    portAdmits(spec, port, protocol, dest) {
      if (dest === 'outside') return portSpecMatches(spec, port, protocol, undefined);
      if (dest !== 'any-pod' || typeof spec.port !== 'string') return portSpecMatches(spec, port, protocol, dest === 'any-pod' ? undefined : dest);
      return spec.protocol === protocol && model.namedPortNumbers(spec.port, protocol).has(port);
    },
    portsAdmit(ports, port, protocol, dest) {
      return ports === null || ports.some((s) => model.portAdmits(s, port, protocol, dest));
    },
  };
  return model;
}

/**
 * A Service's pods, found through an index of each namespace's pods by `key=value`: the selector is held against the
 * pods that carry its rarest label only, so that thousands of Services do not each scan their namespace.
 */
function serviceIndex(cluster: Cluster): (service: Service) => readonly Pod[] {
  let byLabel: Map<string, Map<string, Pod[]>> | undefined;
  const cache = new WeakMap<Service, readonly Pod[]>();
  const index = (): Map<string, Map<string, Pod[]>> => {
    const out = new Map<string, Map<string, Pod[]>>();
    for (const p of cluster.pods) {
      let ns = out.get(p.namespace);
      if (!ns) out.set(p.namespace, (ns = new Map()));
      for (const [k, v] of Object.entries(p.labels)) {
        const kv = `${k}=${v}`;
        const l = ns.get(kv);
        if (l) l.push(p);
        else ns.set(kv, [p]);
      }
    }
    return out;
  };
  const find = (service: Service): readonly Pod[] => {
    const terms = Object.entries(service.selector ?? {});
    if (terms.length === 0) return NO_PODS;
    const ns = (byLabel ??= index()).get(service.namespace);
    let candidates: Pod[] | undefined;
    for (const [k, v] of terms) {
      const l = ns?.get(`${k}=${v}`) ?? [];
      if (!candidates || l.length < candidates.length) candidates = l;
    }
    const sel: LabelSelector = { matchLabels: service.selector!, matchExpressions: [] };
    return candidates!.filter((p) => selectorMatches(sel, p.labels));
  };
  return (service) => {
    let r = cache.get(service);
    if (!r) cache.set(service, (r = find(service)));
    return r;
  };
}

const NO_PODS: readonly Pod[] = [];
const EMPTY: ReadonlySet<number> = new Set();
const NO_IPS: readonly IP[] = [];
