import type { LabelSelector, Peer, Pod, Policy, Rule } from '../model/types.js';
import type { ClusterPolicy, TierRule } from '../tiers/types.js';

/**
 * What the policies can observe of a pod. Two pods of one namespace that agree on all of it are told apart by no
 * rule, so they share a matrix class: a label no selector names (`statefulset.kubernetes.io/pod-name`,
 * `pod-template-hash`) or a value no selector names splits nothing, and neither does a port name no rule uses.
 */
export interface Observed {
  /** Per label key some pod selector names: the values that selectors name (empty: only presence is asked). */
  labels: ReadonlyMap<string, ReadonlySet<string>>;
  /** The keys of `labels`, sorted, so that every pod's key lists them in the same order. */
  keys: readonly string[];
  /** Port names that some rule's `ports` uses. */
  portNames: ReadonlySet<string>;
}

/**
 * Every pod selector the policies apply to pods, and every port name they use: NetworkPolicies and cluster policies
 * alike, since a label only a ClusterNetworkPolicy's subject or peer names still tells pods apart.
 */
export function observedBy(policies: readonly Policy[], clusterPolicies: readonly ClusterPolicy[] = []): Observed {
  const labels = new Map<string, Set<string>>();
  const portNames = new Set<string>();
  const see = (sel: LabelSelector | null) => {
    if (!sel) return;
    for (const k of Object.keys(sel.matchLabels)) valuesOf(labels, k).add(sel.matchLabels[k]!);
    for (const r of sel.matchExpressions) {
      const values = valuesOf(labels, r.key);
      // Exists / DoesNotExist ask only whether the key is there, which the key records anyway.
      if (r.operator === 'In' || r.operator === 'NotIn') for (const v of r.values) values.add(v);
    }
  };
  const seeRule = (rule: Rule) => {
    for (const peer of rule.peers ?? []) if (peer.kind === 'pods') see(peer.podSelector);
    for (const s of rule.ports ?? []) if (typeof s.port === 'string') portNames.add(s.port);
  };
  for (const p of policies) {
    see(p.podSelector);
    p.ingress.forEach(seeRule);
    p.egress.forEach(seeRule);
  }
  const seeTierRule = (rule: TierRule) => {
    for (const peer of rule.peers) if (peer.kind === 'pods') see(peer.podSelector);
    for (const port of rule.ports ?? []) if (port.kind === 'named') portNames.add(port.name);
  };
  for (const cp of clusterPolicies) {
    if (cp.subject.kind === 'pods') see(cp.subject.podSelector);
    cp.ingress.forEach(seeTierRule);
    cp.egress.forEach(seeTierRule);
  }
  return { labels, keys: [...labels.keys()].sort(), portNames };
}

function valuesOf(m: Map<string, Set<string>>, key: string): Set<string> {
  let s = m.get(key);
  if (!s) m.set(key, (s = new Set()));
  return s;
}

/**
 * A pod's labels as the selectors see them: each observed key it carries, with its value when some selector names
 * that value, else only as present (`key` + U+0001). U+0000 and U+0001 cannot occur in label keys or values.
 */
export function observedLabels(o: Observed, pod: Pod): string {
  let out = '';
  const labels = pod.labels;
  for (const k of o.keys) {
    if (!Object.prototype.hasOwnProperty.call(labels, k)) continue;
    const v = labels[k]!;
    out += o.labels.get(k)!.has(v) ? `${k}=${v}\u0000` : `${k}\u0001\u0000`;
  }
  return out;
}

/** The named container ports rules can resolve, as `name:protocol:port`, sorted. */
export function observedPorts(o: Observed, pod: Pod): string {
  if (o.portNames.size === 0) return '';
  const out: string[] = [];
  for (const c of pod.containerPorts) if (c.name !== undefined && o.portNames.has(c.name)) out.push(`${c.name}:${c.protocol}:${c.port}`);
  return out.sort().join(',');
}

/** ipBlock peers of the rules that take effect: those of a direction the policy isolates. */
export function effectiveBlockPeers(policies: readonly Policy[]): Extract<Peer, { kind: 'ipBlock' }>[] {
  const out: Extract<Peer, { kind: 'ipBlock' }>[] = [];
  for (const p of policies) {
    const rules = [...(p.ingressIsolation ? p.ingress : []), ...(p.egressIsolation ? p.egress : [])];
    for (const r of rules) for (const peer of r.peers ?? []) if (peer.kind === 'ipBlock') out.push(peer);
  }
  return out;
}
