/** Cluster policy peers, ports and misses in words; the explanations and the near misses of the tier walk use them. */
import { formatSelector, selectorMismatch } from '../labels/selector.js';
import type { LabelSelector } from '../model/types.js';
import type { TierModel, TierRemote } from './model.js';
import { policyRefText, type TierPeer, type TierPort, type TierRule, type TierStep } from './types.js';

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

/** Why the remote end matches no peer of the rule. */
export function tierPeerMiss(model: TierModel, peers: readonly TierPeer[], remote: TierRemote, who: string): string {
  const out: string[] = [];
  for (const peer of peers) {
    if (peer.kind === 'namespaces' || peer.kind === 'pods') {
      if (!remote.pod) out.push(`${who} is not a pod, so ${peer.kind} peers cannot match it`);
      else if (remote.pod.hostNetwork) out.push(`${who} uses hostNetwork: only networks or nodes peers match it`);
      else {
        const nsWhy = selectorMismatch(peer.namespaceSelector, remote.nsLabels!);
        if (nsWhy) out.push(`namespace ${remote.pod.namespace} ${nsWhy} (${describeTierPeer(peer)})`);
        else if (peer.kind === 'pods') {
          const why = selectorMismatch(peer.podSelector, remote.pod.labels);
          if (why) out.push(`pod ${who} ${why} (${describeTierPeer(peer)})`);
        }
      }
    } else if (peer.kind === 'networks') out.push(remote.ips.length === 0 ? `${who} has no IP for networks ${peer.cidrs.join(', ')}` : `${who} is not in networks ${peer.cidrs.join(', ')}`);
    else if (peer.kind === 'nodes') out.push(`${who} is not an address of nodes ${sel(peer.nodeSelector)} (${[...model.nodeAddresses(peer)].join(', ') || 'no such node'})`);
    else if (peer.kind === 'domainNames') out.push(`domainNames ${peer.names.join(', ')} cannot be decided from manifests`);
  }
  return out.join('; ');
}

const ACTION_WORD: Readonly<Record<string, string>> = { accept: 'Accept', deny: 'Deny', pass: 'Pass' };

/**
 * One step of a tier walk in a few words: `[Admin] cnp/x rule 2 (Pass)`, `[NetworkPolicy] not isolated`,
 * `[Baseline] cnp/default rule 0: Deny`, `[Admin] no rule matches`.
 */
export function describeTierStep(step: TierStep): string {
  const head = `[${step.tier}]`;
  if (step.tier === 'NetworkPolicy') {
    if (step.outcome === 'not-isolated') return `${head} not isolated`;
    return `${head} ${step.outcome === 'accept' ? 'allowed' : 'denied'} (isolated by ${(step.policies ?? []).join(', ')})`;
  }
  if (step.outcome === 'no-match' || !step.policy) return `${head} ${step.policies && step.policies.length > 0 ? 'no rule matches' : 'no policy selects it'}`;
  const rule = `${policyRefText(step.policy)} rule ${step.rule}${step.ruleName ? ` "${step.ruleName}"` : ''}`;
  return step.outcome === 'pass' ? `${head} ${rule} (Pass)` : `${head} ${rule}: ${ACTION_WORD[step.outcome]}`;
}

/** The whole walk of one direction on one line; a walk that ends without a decision ends in the default allow. */
export function describeTierWalk(steps: readonly TierStep[]): string {
  const parts = steps.map(describeTierStep);
  const last = steps[steps.length - 1];
  if (last && last.tier === 'Baseline' && (last.outcome === 'no-match' || last.outcome === 'pass')) parts.push('allowed by default');
  return parts.join(' → ');
}
