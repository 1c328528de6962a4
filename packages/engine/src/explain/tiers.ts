/**
 * Cluster policies in words: per policy its subject and its rules in evaluation order; per pod the tiers that apply to
 * it in each direction. Read from the tier model (`model/tiers.ts`, `ClusterModel.tiers`), the same one `evaluate` walks.
 */
import type { Location } from '../diagnostics.js';
import { isolatingPolicies } from '../eval/evaluate.js';
import { formatSelector } from '../labels/selector.js';
import { clusterModel } from '../model/compiled.js';
import type { Cluster, Direction, Pod } from '../model/types.js';
import { describeTierPeer, describeTierPort, describeTierRule } from '../tiers/describe.js';
import { effectiveAction } from '../model/tiers.js';
import type { ClusterPolicy, PolicyKind, TierAction, TierPeer, TierRule } from '../tiers/types.js';

export interface TierPeerExplanation {
  index: number;
  kind: TierPeer['kind'];
  text: string;
  /** Pods (`ns/name`) of the input the peer matches: by selectors, or by their IPs for `networks` and `nodes`. */
  pods: string[];
  /** The Node addresses a `nodes` peer resolves to. */
  addresses?: string[];
}

export interface TierRuleExplanation {
  direction: Direction;
  index: number;
  name?: string;
  /** The action as evaluated: a fail-closed Deny or Pass rule denies. */
  action: TierAction;
  /** As written (`Allow` in v1alpha1). */
  writtenAction: string;
  failClosed?: 'match-nothing' | 'deny-all';
  peers: TierPeerExplanation[];
  /** null: every protocol and port. */
  protocols: string[] | null;
  text: string;
  location?: Location;
}

export interface ClusterPolicyExplanation {
  /** `cnp/name`, `anp/name`, `banp/name`. */
  id: string;
  kind: PolicyKind;
  name: string;
  tier: 'Admin' | 'Baseline';
  priority: number | null;
  /** 1-based place in the tier's evaluation order (priority, then name). */
  order: number;
  subject: { kind: 'namespaces' | 'pods'; text: string; pods: string[] };
  ingress: TierRuleExplanation[];
  egress: TierRuleExplanation[];
  summary: string[];
  location?: Location;
}

export interface PodTierDirection {
  direction: Direction;
  /** Admin policies that select the pod and have rules for this direction, in evaluation order. */
  admin: string[];
  /** NetworkPolicies that isolate the pod in this direction (`ns/name`); empty: not isolated. */
  networkPolicy: string[];
  /** Baseline policies that select the pod and have rules for this direction, in evaluation order. */
  baseline: string[];
  /** Baseline is consulted only for a direction no NetworkPolicy isolates. */
  baselineReached: boolean;
  text: string;
}

export interface PodTiersExplanation {
  pod: string;
  hostNetwork: boolean;
  ingress: PodTierDirection;
  egress: PodTierDirection;
}

const podId = (p: Pod): string => `${p.namespace}/${p.name}`;
const rulesOf = (p: ClusterPolicy, d: Direction): readonly TierRule[] => (d === 'ingress' ? p.ingress : p.egress);

function peerPods(cluster: Cluster, peer: TierPeer): string[] {
  const model = clusterModel(cluster).tiers;
  return cluster.pods.filter((pod) => model.peerSelectsPod(peer, pod)).map(podId);
}

function explainTierRule(cluster: Cluster, policy: ClusterPolicy, rule: TierRule): TierRuleExplanation {
  const r: TierRuleExplanation = {
    direction: rule.direction,
    index: rule.index,
    action: effectiveAction(rule),
    writtenAction: rule.writtenAction || rule.action,
    peers: rule.peers.map((peer) => {
      const e: TierPeerExplanation = { index: peer.index, kind: peer.kind, text: describeTierPeer(peer), pods: peerPods(cluster, peer) };
      if (peer.kind === 'nodes') e.addresses = [...clusterModel(cluster).tiers.nodeAddresses(peer)];
      return e;
    }),
    protocols: rule.ports === null ? null : rule.ports.map(describeTierPort),
    text: describeTierRule(rule),
  };
  if (rule.name) r.name = rule.name;
  if (rule.failClosed) r.failClosed = rule.failClosed;
  const loc = policy.locate?.(['spec', rule.direction, rule.index]);
  if (loc) r.location = loc;
  return r;
}

function subjectText(p: ClusterPolicy): string {
  const ns = formatSelector(p.subject.namespaceSelector);
  const where = ns ? `namespaces with ${ns}` : 'every namespace';
  if (p.subject.kind === 'namespaces') return `every pod in ${where}`;
  const pods = formatSelector(p.subject.podSelector);
  return `${pods ? `pods with ${pods}` : 'every pod'} in ${where}`;
}

/** Whom a cluster policy selects, and its rules in the order they are tried. */
export function explainClusterPolicy(cluster: Cluster, policy: ClusterPolicy): ClusterPolicyExplanation {
  const m = clusterModel(cluster).tiers;
  const pods = cluster.pods.filter((pod) => m.subjectSelects(policy, pod)).map(podId);
  const tier = policy.tier === 'Admin' ? m.admin : m.baseline;
  const ingress = policy.ingress.map((r) => explainTierRule(cluster, policy, r));
  const egress = policy.egress.map((r) => explainTierRule(cluster, policy, r));
  const order = tier.indexOf(policy) + 1;
  const summary = [
    `${policy.tier} tier, ${policy.priority === null ? 'after every Baseline ClusterNetworkPolicy (a BaselineAdminNetworkPolicy has no priority)' : `priority ${policy.priority}`}: ${order === 1 ? 'tried first' : `tried ${ordinal(order)}`} of ${tier.length} in the tier.`,
    `Selects ${subjectText(policy)}: ${pods.length === 0 ? 'no pod of the input' : pods.length === 1 ? `1 pod (${pods[0]})` : `${pods.length} pods`}.`,
  ];
  for (const [dir, rules] of [['ingress', ingress], ['egress', egress]] as const) {
    const noun = dir === 'ingress' ? 'Ingress' : 'Egress';
    if (rules.length === 0) summary.push(`${noun}: no rules; the policy does not affect ${dir}.`);
    for (const r of rules) summary.push(`${noun} rule ${r.index}${r.name ? ` "${r.name}"` : ''}: ${r.text}.`);
  }
  const e: ClusterPolicyExplanation = {
    id: policy.id,
    kind: policy.ref.kind,
    name: policy.ref.name,
    tier: policy.tier,
    priority: policy.priority,
    order,
    subject: { kind: policy.subject.kind, text: subjectText(policy), pods },
    ingress,
    egress,
    summary,
  };
  if (policy.source) e.location = policy.source;
  return e;
}

const ordinal = (n: number): string => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`;

function podDirection(cluster: Cluster, pod: Pod, direction: Direction): PodTierDirection {
  const model = clusterModel(cluster).tiers;
  const applying = (tier: readonly ClusterPolicy[]) => tier.filter((p) => rulesOf(p, direction).length > 0 && model.subjectSelects(p, pod)).map((p) => p.id);
  const admin = applying(model.admin);
  const baseline = applying(model.baseline);
  const networkPolicy = pod.hostNetwork ? [] : isolatingPolicies(cluster, pod, direction).map((p) => p.id);
  const baselineReached = networkPolicy.length === 0;
  const parts = [
    `[Admin] ${admin.length ? admin.join(', ') : 'none'}`,
    `[NetworkPolicy] ${networkPolicy.length ? `isolated by ${networkPolicy.join(', ')}` : 'not isolated'}`,
    baselineReached ? `[Baseline] ${baseline.length ? baseline.join(', ') : 'none'}` : `[Baseline] ${baseline.length ? `${baseline.join(', ')}, ` : ''}not reached`,
  ];
  const end = baselineReached ? 'allowed when nothing decides' : 'NetworkPolicy decides what Admin passes or leaves';
  const text = pod.hostNetwork ? 'uses hostNetwork: no cluster policy or NetworkPolicy selects it' : `${parts.join(' → ')} → ${end}`;
  return { direction, admin, networkPolicy, baseline, baselineReached, text };
}

/** The tiers that apply to one pod in each direction, in the order a connection meets them. */
export function explainPodTiers(cluster: Cluster, pod: Pod): PodTiersExplanation {
  return { pod: podId(pod), hostNetwork: pod.hostNetwork, ingress: podDirection(cluster, pod, 'ingress'), egress: podDirection(cluster, pod, 'egress') };
}
