/**
 * Cluster policies compiled once per cluster, as part of the one compiled model (`ClusterModel.tiers`): the policies
 * of each tier in evaluation order, every `networks` peer's CIDRs parsed, every `nodes` peer resolved to the addresses
 * of the Nodes it selects, and who a subject or a peer selects, with the model's namespace labels. `evaluate`, the
 * matrix, explain, lint and the nft compiler read this; none re-derives who a subject or a peer selects.
 */
import { selectorMatches, selectorMiss } from '../labels/selector.js';
import { cidrContains, parseCidr, parseIP, type Cidr } from '../net/ip.js';
import type { Cluster, Labels, Pod, Protocol } from './types.js';
import type { ClusterPolicy, TierPeer, TierPeerMiss, TierPort, TierRule } from '../tiers/types.js';

export interface TierModel {
  admin: readonly ClusterPolicy[];
  baseline: readonly ClusterPolicy[];
  /** Parsed CIDRs of a `networks` peer. */
  cidrs(peer: Extract<TierPeer, { kind: 'networks' }>): readonly Cidr[];
  /** Canonical addresses of the Nodes a `nodes` peer selects. */
  nodeAddresses(peer: Extract<TierPeer, { kind: 'nodes' }>): ReadonlySet<string>;
  /** Whether a policy's subject selects the pod (never a host-network one), with the model's namespace labels. */
  subjectSelects(policy: ClusterPolicy, pod: Pod): boolean;
  /** Whether a peer matches the pod as the remote end of a connection (`tierPeerMatches`), with its addresses. */
  peerSelectsPod(peer: TierPeer, pod: Pod): boolean;
  /** Every address range a peer of an egress rule matches (`tierAddressRanges`), computed once. */
  addressRanges(): readonly string[];
}

/** The tier part of `clusterModel`; `namespaceLabels` is the model's (with the name-label fallback). */
export function compileTiers(cluster: Cluster, namespaceLabels: (namespace: string) => Labels): TierModel {
  const cidrCache = new WeakMap<object, Cidr[]>();
  const nodeCache = new WeakMap<object, Set<string>>();
  let ranges: string[] | undefined;
  const m: TierModel = {
    admin: cluster.clusterPolicies.filter((p) => p.tier === 'Admin'),
    baseline: cluster.clusterPolicies.filter((p) => p.tier === 'Baseline'),
    cidrs(peer) {
      let c = cidrCache.get(peer);
      if (!c) cidrCache.set(peer, (c = peer.cidrs.map(parseCidr).filter((x): x is Cidr => x !== undefined)));
      return c;
    },
    nodeAddresses(peer) {
      let s = nodeCache.get(peer);
      if (!s) {
        s = new Set<string>();
        for (const n of cluster.nodes) if (selectorMatches(peer.nodeSelector, n.labels)) for (const a of n.addresses) s.add(a);
        nodeCache.set(peer, s);
      }
      return s;
    },
    subjectSelects: (policy, pod) => subjectSelects(policy, pod, namespaceLabels(pod.namespace)),
    peerSelectsPod: (peer, pod) => tierPeerMatches(m, peer, { pod, nsLabels: namespaceLabels(pod.namespace), ips: pod.ips }),
    addressRanges: () => (ranges ??= addressRangesOf(cluster, m)),
  };
  return m;
}

/** Whether a cluster policy's subject selects the pod. Host-network pods are never subjects. */
export function subjectSelects(policy: ClusterPolicy, pod: Pod, nsLabels: Labels): boolean {
  if (pod.hostNetwork) return false;
  const s = policy.subject;
  if (!selectorMatches(s.namespaceSelector, nsLabels)) return false;
  return s.kind === 'namespaces' || selectorMatches(s.podSelector, pod.labels);
}

/** The remote end of a connection as cluster policy peers see it. */
export interface TierRemote {
  /** The pod, when the remote end is one. */
  pod?: Pod;
  /** Its namespace's labels (pods only). */
  nsLabels?: Labels;
  /** Its addresses: the pod's IPs, or the outside address. */
  ips: readonly string[];
}

/**
 * Whether one peer matches the remote end. `namespaces`/`pods` see pods only, never host-network ones; `networks` and
 * `nodes` match addresses, pod IPs included. `domainNames` cannot be decided from manifests: no match.
 */
export function tierPeerMatches(model: TierModel, peer: TierPeer, remote: TierRemote): boolean {
  switch (peer.kind) {
    case 'namespaces':
      return remote.pod !== undefined && !remote.pod.hostNetwork && selectorMatches(peer.namespaceSelector, remote.nsLabels!);
    case 'pods':
      return remote.pod !== undefined && !remote.pod.hostNetwork && selectorMatches(peer.namespaceSelector, remote.nsLabels!) && selectorMatches(peer.podSelector, remote.pod.labels);
    case 'networks': {
      const cidrs = model.cidrs(peer);
      for (const t of remote.ips) {
        const ip = parseIP(t);
        if (ip && cidrs.some((c) => cidrContains(c, ip))) return true;
      }
      return false;
    }
    case 'nodes': {
      const addrs = model.nodeAddresses(peer);
      return remote.ips.some((ip) => addrs.has(ip));
    }
    default:
      return false;
  }
}

/**
 * Why one peer does not match the remote end (`who` names it), read beside `tierPeerMatches` so that a miss is explained
 * by the same reading that decided it; undefined when the peer matches (an `unknown` peer has nothing to say).
 */
export function tierPeerMiss(model: TierModel, peer: TierPeer, remote: TierRemote, who: string): TierPeerMiss | undefined {
  if (tierPeerMatches(model, peer, remote)) return undefined;
  switch (peer.kind) {
    case 'namespaces':
    case 'pods': {
      if (!remote.pod) return { code: 'not-a-pod', who, peer };
      if (remote.pod.hostNetwork) return { code: 'host-network', who, peer };
      const nsWhy = selectorMiss(peer.namespaceSelector, remote.nsLabels!);
      if (nsWhy) return { code: 'namespace-selector', namespace: remote.pod.namespace, peer, mismatch: nsWhy };
      const why = peer.kind === 'pods' ? selectorMiss(peer.podSelector, remote.pod.labels) : undefined;
      return why ? { code: 'pod-selector', who, peer, mismatch: why } : undefined;
    }
    case 'networks':
      return { code: remote.ips.length === 0 ? 'no-ip-for-networks' : 'outside-networks', who, cidrs: peer.cidrs };
    case 'nodes':
      return { code: 'not-node-address', who, nodeSelector: peer.nodeSelector, addresses: [...model.nodeAddresses(peer)] };
    case 'domainNames':
      return { code: 'domain-names', names: peer.names };
    default:
      return undefined;
  }
}

/** Whether one `protocols`/`ports` entry admits the connection; a named port is looked up on the destination pod. */
export function tierPortMatches(entry: TierPort, port: number, protocol: Protocol, dest: Pod | undefined): boolean {
  if (entry.kind === 'named') {
    if (!dest || (entry.protocol !== undefined && entry.protocol !== protocol)) return false;
    return dest.containerPorts.some((cp) => cp.name === entry.name && cp.protocol === protocol && cp.port === port);
  }
  if (entry.protocol !== protocol) return false;
  return entry.kind === 'protocol' || (port >= entry.start && port <= entry.end);
}

/** How one rule meets a connection: the index of the peer and port entry that match (-1: none; null: no list). */
export interface RuleMatch {
  peer: number;
  port: number | null;
}

export function matchRule(model: TierModel, rule: TierRule, remote: TierRemote, port: number, protocol: Protocol, dest: Pod | undefined): RuleMatch {
  const peer = rule.failClosed === 'deny-all' ? 0 : rule.failClosed === 'match-nothing' ? -1 : rule.peers.findIndex((p) => tierPeerMatches(model, p, remote));
  const portIdx = rule.failClosed === 'deny-all' || rule.ports === null ? null : rule.ports.findIndex((e) => tierPortMatches(e, port, protocol, dest));
  return { peer, port: portIdx };
}

export const ruleMatches = (m: RuleMatch): boolean => m.peer >= 0 && (m.port === null || m.port >= 0);

/** The action a matching rule takes: a fail-closed Deny or Pass rule denies. */
export const effectiveAction = (rule: TierRule) => (rule.failClosed === 'deny-all' ? 'Deny' : rule.action);

/**
 * Every address range a cluster policy peer matches: the CIDRs of `networks` peers and the addresses of the Nodes that
 * `nodes` peers select (as /32 or /128). Pod classes must tell their members apart by these, as by ipBlocks.
 */
function addressRangesOf(cluster: Cluster, model: TierModel): string[] {
  const out = new Set<string>();
  for (const p of cluster.clusterPolicies) {
    for (const rule of p.egress) {
      for (const peer of rule.peers) {
        if (peer.kind === 'networks') for (const c of peer.cidrs) out.add(c);
        else if (peer.kind === 'nodes') for (const a of model.nodeAddresses(peer)) out.add(`${a}/${a.includes(':') ? 128 : 32}`);
      }
    }
  }
  return [...out];
}
