/**
 * One tier's answer for one direction of one connection, for consumers (lint, explain) that ask about a tier on its
 * own: the same walk `evaluate` makes, with the namespace labels looked up as `evaluate` looks them up.
 */
import { clusterModel } from '../model/compiled.js';
import type { Endpoint } from '../eval/types.js';
import type { Cluster, Pod, Protocol } from '../model/types.js';
import { evaluateTier, tierRuleMatches, type TierInput } from './evaluate.js';
import { parseIP } from '../net/ip.js';
import type { ClusterPolicy, TierPeer, TierRule, TierStep } from './types.js';

export interface TierQuery {
  tier: 'Admin' | 'Baseline';
  direction: 'ingress' | 'egress';
  /** The pod whose side is evaluated: the source for egress, the destination for ingress. */
  local: Pod;
  remote: Endpoint;
  port: number;
  protocol: Protocol;
}

/** The step of the tier walk `evaluate` would record for this side: which policy and rule decide, or pass, or none. */
export function tierDecision(cluster: Cluster, q: TierQuery): TierStep {
  return evaluateTier(inputOf(cluster, q), q.tier);
}

/** Whether one rule (of a policy of `q.tier`) matches this side of the connection, peer and port. */
export function tierRuleCovers(cluster: Cluster, q: TierQuery, rule: TierRule): boolean {
  return rule.direction === q.direction && tierRuleMatches(inputOf(cluster, q), rule);
}

function inputOf(cluster: Cluster, q: TierQuery): TierInput {
  const m = clusterModel(cluster);
  return {
    model: m.tiers,
    direction: q.direction,
    local: q.local,
    localNs: m.namespaceLabels(q.local.namespace),
    remote: q.remote,
    remoteNs: q.remote.kind === 'pod' ? m.namespaceLabels(q.remote.pod.namespace) : undefined,
    port: q.port,
    protocol: q.protocol,
  };
}

/** The cluster policies of each tier in evaluation order (priority, then name), as `evaluate` walks them. */
export function tierPolicies(cluster: Cluster): { admin: readonly ClusterPolicy[]; baseline: readonly ClusterPolicy[] } {
  const m = clusterModel(cluster).tiers;
  return { admin: m.admin, baseline: m.baseline };
}

/** Whether the policy's subject selects the pod, with the namespace labels `evaluate` uses. */
export function subjectSelectsPod(cluster: Cluster, policy: ClusterPolicy, pod: Pod): boolean {
  return clusterModel(cluster).tiers.subjectSelects(policy, pod);
}

/** The address ranges a `networks` or `nodes` peer matches (a Node address as a one-address range); other peers: none. */
export function tierPeerRanges(cluster: Cluster, peer: TierPeer): Array<{ family: 4 | 6; start: bigint; end: bigint }> {
  const m = clusterModel(cluster).tiers;
  if (peer.kind === 'networks') return m.cidrs(peer).map((c) => ({ family: c.family, start: c.start, end: c.end }));
  if (peer.kind !== 'nodes') return [];
  const out: Array<{ family: 4 | 6; start: bigint; end: bigint }> = [];
  for (const a of m.nodeAddresses(peer)) {
    const ip = parseIP(a);
    if (ip) out.push({ family: ip.family, start: ip.value, end: ip.value });
  }
  return out;
}

/** Whether a `namespaces` or `pods` peer matches the pod (never a host-network one); address peers: false. */
export function tierPeerSelectsPod(cluster: Cluster, peer: TierPeer, pod: Pod): boolean {
  if (peer.kind !== 'namespaces' && peer.kind !== 'pods') return false;
  return clusterModel(cluster).tiers.peerSelectsPod(peer, pod);
}

/**
 * Every address range a cluster policy peer matches: the CIDRs of `networks` peers and the addresses of the Nodes that
 * `nodes` peers select (as /32 or /128). Pod classes must tell their members apart by these, as by ipBlocks.
 */
export function tierAddressRanges(cluster: Cluster): string[] {
  return [...clusterModel(cluster).tiers.addressRanges()];
}
