import type { Location } from '../diagnostics.js';
import { clusterModel } from '../model/compiled.js';
import { isolatingPolicies, peerMatches } from '../eval/evaluate.js';
import { formatLabels, formatSelector } from '../labels/selector.js';
import { resolveNamedPort } from '../ports/ports.js';
import type { Cluster, Direction, Peer, Pod, Policy, PortSpec, Rule } from '../model/types.js';
import { describePeer, describePortSpec, describeRule, describeSelector, ruleIsActive } from './words.js';

/** One peer of a rule: what it says, and which pods of the input it matches. */
export interface PeerExplanation {
  index: number;
  kind: 'pods' | 'ipBlock';
  text: string;
  /** Pods (`ns/name`) the peer matches; for an ipBlock, pods whose IP lies inside it. */
  pods: string[];
}

export interface RuleExplanation {
  direction: Direction;
  index: number;
  /** False when policyTypes does not list the rule's direction: the API server keeps the rule, but it does nothing. */
  active: boolean;
  /** null: every peer (`from`/`to` absent or empty). */
  peers: PeerExplanation[] | null;
  /** null: every port; otherwise each entry in words. */
  ports: string[] | null;
  text: string;
  location?: Location;
}

export interface PolicyExplanation {
  id: string;
  namespace: string;
  name: string;
  location?: Location;
  /** kubectl's selector text; '' selects every pod of the namespace. */
  podSelector: string;
  selectedPods: string[];
  /** Effective policyTypes after defaulting. */
  policyTypes: Direction[];
  policyTypesDefaulted: boolean;
  ingress: RuleExplanation[];
  egress: RuleExplanation[];
  /** The policy in sentences. */
  summary: string[];
}

/** What one rule of one policy lets reach (or leave) a pod. */
export interface PodRuleAllowance {
  policy: string;
  rule: number;
  /** True when the rule has no peers: every pod and every address. */
  anyPeer: boolean;
  peers: string[];
  /** Pods the rule's peers match. */
  pods: string[];
  /** ipBlock peers in words. */
  ipBlocks: string[];
  /** null: every port. Named ports of ingress rules are resolved on this pod: `http/TCP (8080)`. */
  ports: string[] | null;
  location?: Location;
}

export interface PodDirectionExplanation {
  direction: Direction;
  /** Some policy selects the pod with this policyType. */
  isolated: boolean;
  /** Why policies do not apply at all. */
  bypass?: 'host-network';
  /** The isolating policies. */
  policies: string[];
  /** Not isolated, or some rule admits every peer on every port. */
  allowsAll: boolean;
  /** Each matching rule of the isolating policies (their union is what is allowed). */
  allowed: PodRuleAllowance[];
  text: string;
}

export interface PodExplanation {
  pod: string;
  namespace: string;
  name: string;
  labels: string;
  /** A stand-in made from a workload's pod template. */
  fromTemplate: boolean;
  owner?: string;
  ingress: PodDirectionExplanation;
  egress: PodDirectionExplanation;
}

/** One row of the `kubectl get netpol`-like listing. */
export interface PolicyListingRow {
  namespace: string;
  name: string;
  podSelector: string;
  policyTypes: string;
  pods: number;
  ingressRules: number;
  egressRules: number;
}

export interface ClusterExplanation {
  policies: PolicyExplanation[];
  pods: PodExplanation[];
  listing: PolicyListingRow[];
  /** Invalid policies left out, as `ns/name`. */
  rejected: string[];
}

const podId = (p: Pod): string => `${p.namespace}/${p.name}`;

/** Pods the policy selects: its namespace, its podSelector; hostNetwork pods are never selected. */
export function selectedPods(cluster: Cluster, policy: Policy): Pod[] {
  return [...clusterModel(cluster).selectedPods(policy)];
}

function peerPods(cluster: Cluster, policy: Policy, peer: Peer): string[] {
  const ctx = clusterModel(cluster);
  return cluster.pods.filter((pod) => peerMatches(ctx, policy, peer, { kind: 'pod', pod })).map(podId);
}

export function explainRule(cluster: Cluster, policy: Policy, rule: Rule): RuleExplanation {
  const r: RuleExplanation = {
    direction: rule.direction,
    index: rule.index,
    active: ruleIsActive(policy, rule),
    peers: rule.peers === null ? null : rule.peers.map((peer) => ({ index: peer.index, kind: peer.kind, text: describePeer(policy, peer), pods: peerPods(cluster, policy, peer) })),
    ports: rule.ports === null ? null : rule.ports.map(describePortSpec),
    text: describeRule(policy, rule),
  };
  const loc = policy.locate?.(['spec', rule.direction, rule.index]);
  if (loc) r.location = loc;
  return r;
}

/** A policy in words: whom it selects, what it isolates, what each rule allows. */
export function explainPolicy(cluster: Cluster, policy: Policy): PolicyExplanation {
  const pods = selectedPods(cluster, policy).map(podId);
  const types: Direction[] = [];
  if (policy.ingressIsolation) types.push('ingress');
  if (policy.egressIsolation) types.push('egress');
  const ingress = policy.ingress.map((r) => explainRule(cluster, policy, r));
  const egress = policy.egress.map((r) => explainRule(cluster, policy, r));
  const summary: string[] = [];
  const who = `${describeSelector(policy.podSelector, 'pods')} in namespace ${policy.namespace}`;
  summary.push(`Selects ${who}: ${pods.length === 0 ? 'no pod of the input' : pods.length === 1 ? `1 pod (${pods[0]})` : `${pods.length} pods`}.`);
  if (types.length === 0) summary.push('Isolates nothing.');
  else summary.push(`Isolates them for ${types.join(' and ')}${policy.policyTypesDefaulted ? ' (policyTypes not written: defaulted from the rules present)' : ''}.`);
  for (const dir of ['ingress', 'egress'] as const) {
    const isolates = dir === 'ingress' ? policy.ingressIsolation : policy.egressIsolation;
    const rules = dir === 'ingress' ? ingress : egress;
    const noun = dir === 'ingress' ? 'Ingress' : 'Egress';
    if (!isolates) {
      if (rules.length > 0) summary.push(`${noun} rules are ignored: policyTypes does not list ${noun}.`);
      continue;
    }
    if (rules.length === 0) summary.push(`${noun}: allows nothing; every ${dir === 'ingress' ? 'incoming' : 'outgoing'} connection of the selected pods is denied unless another policy allows it.`);
    for (const r of rules) summary.push(`${noun} rule ${r.index}: allows ${r.text}.`);
  }
  const e: PolicyExplanation = {
    id: policy.id,
    namespace: policy.namespace,
    name: policy.name,
    podSelector: formatSelector(policy.podSelector),
    selectedPods: pods,
    policyTypes: types,
    policyTypesDefaulted: policy.policyTypesDefaulted,
    ingress,
    egress,
    summary,
  };
  if (policy.source) e.location = policy.source;
  return e;
}

function podPorts(ports: readonly PortSpec[] | null, pod: Pod, direction: Direction): string[] | null {
  if (ports === null) return null;
  return ports.map((s) => {
    // An ingress rule's named port is looked up on the selected pod itself; an egress rule's on each remote pod.
    if (typeof s.port === 'string' && direction === 'ingress') {
      const nums = resolveNamedPort(pod, s.port, s.protocol);
      return nums.length ? `${s.port}/${s.protocol} (${nums.join(', ')})` : `${s.port}/${s.protocol} (no such container port: matches nothing)`;
    }
    return describePortSpec(s);
  });
}

function explainPodDirection(cluster: Cluster, pod: Pod, direction: Direction): PodDirectionExplanation {
  const dirWord = direction === 'ingress' ? 'incoming' : 'outgoing';
  if (pod.hostNetwork) {
    return { direction, isolated: false, bypass: 'host-network', policies: [], allowsAll: true, allowed: [], text: `uses hostNetwork: no policy selects it; every ${dirWord} connection is allowed` };
  }
  const policies = isolatingPolicies(cluster, pod, direction);
  if (policies.length === 0) {
    return { direction, isolated: false, policies: [], allowsAll: true, allowed: [], text: `not isolated for ${direction}: every ${dirWord} connection is allowed` };
  }
  const allowed: PodRuleAllowance[] = [];
  const ctx = clusterModel(cluster);
  for (const policy of policies) {
    for (const rule of direction === 'ingress' ? policy.ingress : policy.egress) {
      const a: PodRuleAllowance = {
        policy: policy.id,
        rule: rule.index,
        anyPeer: rule.peers === null,
        peers: rule.peers === null ? [] : rule.peers.map((p) => describePeer(policy, p)),
        pods: [],
        ipBlocks: [],
        ports: podPorts(rule.ports, pod, direction),
      };
      if (rule.peers === null) a.pods = cluster.pods.map(podId);
      else {
        const seen = new Set<string>();
        for (const peer of rule.peers) {
          if (peer.kind === 'ipBlock') a.ipBlocks.push(describePeer(policy, peer));
          for (const other of cluster.pods) if (!seen.has(podId(other)) && peerMatches(ctx, policy, peer, { kind: 'pod', pod: other })) seen.add(podId(other));
        }
        a.pods = cluster.pods.map(podId).filter((id) => seen.has(id));
      }
      const loc = policy.locate?.(['spec', direction, rule.index]);
      if (loc) a.location = loc;
      allowed.push(a);
    }
  }
  const allowsAll = allowed.some((a) => a.anyPeer && a.ports === null);
  const names = policies.map((p) => p.id).join(', ');
  const text =
    allowed.length === 0
      ? `isolated for ${direction} by ${names}, which allow nothing: every ${dirWord} connection is denied`
      : allowsAll
        ? `isolated for ${direction} by ${names}, but a rule allows every ${dirWord} connection`
        : `isolated for ${direction} by ${names}: only what the ${allowed.length === 1 ? 'rule below allows' : `${allowed.length} rules below allow`}`;
  return { direction, isolated: true, policies: policies.map((p) => p.id), allowsAll, allowed, text };
}

/** A pod's isolation per direction, the policies that cause it, and what each of their rules allows. */
export function explainPod(cluster: Cluster, pod: Pod): PodExplanation {
  const e: PodExplanation = {
    pod: podId(pod),
    namespace: pod.namespace,
    name: pod.name,
    labels: formatLabels(pod.labels),
    fromTemplate: pod.fromTemplate,
    ingress: explainPodDirection(cluster, pod, 'ingress'),
    egress: explainPodDirection(cluster, pod, 'egress'),
  };
  if (pod.owner) e.owner = `${pod.owner.kind}/${pod.owner.name}`;
  return e;
}

/** The `kubectl get netpol -A` listing, with what kubectl cannot show: policy types, pods selected, rule counts. */
export function policyListing(cluster: Cluster): PolicyListingRow[] {
  return cluster.policies.map((p) => ({
    namespace: p.namespace,
    name: p.name,
    podSelector: formatSelector(p.podSelector) || '<none>',
    policyTypes: [p.ingressIsolation ? 'Ingress' : '', p.egressIsolation ? 'Egress' : ''].filter(Boolean).join(','),
    pods: selectedPods(cluster, p).length,
    ingressRules: p.ingress.length,
    egressRules: p.egress.length,
  }));
}

export function explainCluster(cluster: Cluster): ClusterExplanation {
  return {
    policies: cluster.policies.map((p) => explainPolicy(cluster, p)),
    pods: cluster.pods.map((p) => explainPod(cluster, p)),
    listing: policyListing(cluster),
    rejected: cluster.rejectedPolicies.map((r) => `${r.namespace}/${r.name}`),
  };
}


