/** Cluster policy peers, ports and misses in words; the explanations and the near misses of the tier walk use them. */
import { describeSelectorMiss, formatSelector } from '../labels/selector.js';
import type { LabelSelector } from '../model/types.js';
import { stepWords } from '../explain/cite.js';
import { type TierMissWhy, type TierPeer, type TierPeerMiss, type TierPort, type TierRule, type TierStep } from './types.js';

const sel = (s: LabelSelector): string => formatSelector(s) || '{}';

export function describeTierPeer(peer: TierPeer): string {
  switch (peer.kind) {
    case 'namespaces':
      return `namespaces ${sel(peer.namespaceSelector)}`;
    case 'pods':
      return `pods ${sel(peer.podSelector)} in namespaces ${sel(peer.namespaceSelector)}`;
    case 'networks':
      return `networks ${peer.cidrs.join(', ')}`;
    case 'nodes':
      return `nodes ${sel(peer.nodeSelector)}`;
    case 'domainNames':
      return `domainNames ${peer.names.join(', ')}`;
    default:
      return 'a peer with no field kordon knows (fails closed)';
  }
}

export function describeTierPort(p: TierPort): string {
  if (p.kind === 'named') return `named port ${p.name}`;
  if (p.kind === 'protocol') return `any/${p.protocol}`;
  return p.start === p.end ? `${p.start}/${p.protocol}` : `${p.start}-${p.end}/${p.protocol}`;
}

export function describeTierRule(rule: TierRule): string {
  const peers = rule.failClosed ? `${rule.peers.map(describeTierPeer).join('; ') || 'no peers'} (fails closed: ${rule.failClosed === 'deny-all' ? 'denies everything' : 'matches nothing'})` : rule.peers.map(describeTierPeer).join('; ');
  const ports = rule.ports === null ? 'every port' : rule.ports.map(describeTierPort).join(', ');
  return `${rule.writtenAction || rule.action} ${rule.direction === 'ingress' ? 'from' : 'to'} ${peers} on ${ports}`;
}

/** One cluster policy peer miss in words, as `kordon check` prints it. */
export function describeTierPeerMiss(m: TierPeerMiss): string {
  switch (m.code) {
    case 'not-a-pod':
      return `${m.who} is not a pod, so ${m.peer.kind} peers cannot match it`;
    case 'host-network':
      return `${m.who} uses hostNetwork: only networks or nodes peers match it`;
    case 'namespace-selector':
      return `namespace ${m.namespace} ${describeSelectorMiss(m.mismatch)} (${describeTierPeer(m.peer)})`;
    case 'pod-selector':
      return `pod ${m.who} ${describeSelectorMiss(m.mismatch)} (${describeTierPeer(m.peer)})`;
    case 'no-ip-for-networks':
      return `${m.who} has no IP for networks ${m.cidrs.join(', ')}`;
    case 'outside-networks':
      return `${m.who} is not in networks ${m.cidrs.join(', ')}`;
    case 'not-node-address':
      return `${m.who} is not an address of nodes ${sel(m.nodeSelector)} (${m.addresses.join(', ') || 'no such node'})`;
    case 'domain-names':
      return `domainNames ${m.names.join(', ')} cannot be decided from manifests`;
  }
}

/** A cluster policy near miss's reason in words: the `reason` of `TierNearMiss`. */
export function describeTierMiss(why: TierMissWhy): string {
  if (why.failed === 'peer') return why.peers.map(describeTierPeerMiss).join('; ');
  const note = why.outsideNamedPorts ? ' (named ports never match an address outside the cluster)' : '';
  return `${why.port}/${why.protocol} is not in ${why.ports.map(describeTierPort).join(', ')}${note}`;
}

/** One step of the verdict's own tier walk in words: the same words as a step of the explanation tree (`stepWords`). */
export function describeTierStep(step: TierStep): string {
  if (step.tier === 'NetworkPolicy') return stepWords({ tier: 'NetworkPolicy', outcome: step.outcome === 'not-isolated' ? 'not-isolated' : step.outcome === 'accept' ? 'accept' : 'deny', isolatedBy: step.policies ?? [] });
  const decidedBy = step.policy && step.rule !== undefined ? { policy: step.policy, direction: step.direction, rule: step.rule, ...(step.ruleName ? { name: step.ruleName } : {}) } : undefined;
  return stepWords({ tier: step.tier, outcome: step.outcome === 'not-isolated' ? 'no-match' : step.outcome, selects: (step.policies ?? []).length > 0, ...(decidedBy ? { decidedBy } : {}) });
}
