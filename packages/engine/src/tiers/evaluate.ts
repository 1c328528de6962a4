/**
 * One direction of one connection through the tiers: Admin, then NetworkPolicy for pods it isolates in this direction,
 * then Baseline, then allow. Each tier answers accept, deny, or passes; the first answer that is not a pass wins.
 */
import type { Labels, Pod, Protocol } from '../model/types.js';
import { endpointAddresses, endpointText, type DirectionVerdict, type Endpoint } from '../eval/types.js';
import { describeTierMiss } from './describe.js';
import { effectiveAction, matchRule, ruleMatches, subjectSelects, tierPeerMiss, type TierModel, type TierRemote } from '../model/tiers.js';
import type { ClusterPolicy, PolicyRef, TierAction, TierMissWhy, TierNearMiss, TierPeerMiss, TierRule, TierStep } from './types.js';

export interface TierInput {
  model: TierModel;
  direction: 'ingress' | 'egress';
  local: Pod;
  localNs: Labels;
  remote: Endpoint;
  remoteNs: Labels | undefined;
  port: number;
  protocol: Protocol;
}

function remoteOf(e: Endpoint, nsLabels: Labels | undefined): TierRemote {
  return e.kind === 'pod' ? { pod: e.pod, nsLabels: nsLabels!, ips: endpointAddresses(e) } : { ips: [e.ip] };
}

/** The destination whose named ports count: for ingress the local pod, for egress the remote one. */
const destOf = (input: TierInput): Pod | undefined => (input.direction === 'ingress' ? input.local : input.remote.kind === 'pod' ? input.remote.pod : undefined);

const rulesOf = (p: ClusterPolicy, direction: 'ingress' | 'egress'): readonly TierRule[] => (direction === 'ingress' ? p.ingress : p.egress);

/** The first rule of one policy that matches, if any. */
function firstMatch(input: TierInput, remote: TierRemote, policy: ClusterPolicy): { rule: TierRule; peer: number; port: number | null } | undefined {
  for (const rule of rulesOf(policy, input.direction)) {
    const m = matchRule(input.model, rule, remote, input.port, input.protocol, destOf(input));
    if (ruleMatches(m)) return { rule, peer: m.peer, port: m.port };
  }
  return undefined;
}

/** Whether one rule matches the connection of the input (peer and port), as the tier walk decides it. */
export function tierRuleMatches(input: TierInput, rule: TierRule): boolean {
  return ruleMatches(matchRule(input.model, rule, remoteOf(input.remote, input.remoteNs), input.port, input.protocol, destOf(input)));
}

const OUTCOME: Readonly<Record<TierAction, TierStep['outcome']>> = { Accept: 'accept', Deny: 'deny', Pass: 'pass' };

/** Walks the policies of one tier that select the local pod, by priority, rules in order. */
export function evaluateTier(input: TierInput, tier: 'Admin' | 'Baseline'): TierStep {
  const policies = (tier === 'Admin' ? input.model.admin : input.model.baseline).filter((p) => subjectSelects(p, input.local, input.localNs));
  const remote = remoteOf(input.remote, input.remoteNs);
  const who = endpointText(input.remote);
  const nearMisses: TierNearMiss[] = [];
  const base = { tier, direction: input.direction, policies: policies.map((p) => p.id) };
  for (const policy of policies) {
    for (const rule of rulesOf(policy, input.direction)) {
      const m = matchRule(input.model, rule, remote, input.port, input.protocol, destOf(input));
      if (!ruleMatches(m)) {
        const miss = nearMiss(input, remote, who, policy, rule, m);
        if (miss) nearMisses.push(miss);
        continue;
      }
      const action = effectiveAction(rule);
      const step: TierStep = { ...base, outcome: OUTCOME[action], policy: policy.ref, rule: rule.index };
      if (rule.name) step.ruleName = rule.name;
      if (!rule.failClosed) step.peer = m.peer;
      if (m.port !== null) step.port = m.port;
      const src = policy.locate?.(['spec', input.direction, rule.index]);
      if (src) step.source = src;
      const tied = ambiguity(input, remote, policies, policy, action);
      if (tied.length > 0) step.ambiguousWith = tied;
      if (nearMisses.length > 0) step.nearMisses = nearMisses;
      return step;
    }
  }
  const step: TierStep = { ...base, outcome: 'no-match' };
  if (nearMisses.length > 0) step.nearMisses = nearMisses;
  return step;
}

/** Policies of the same priority as the deciding one whose own first match would act otherwise. */
function ambiguity(input: TierInput, remote: TierRemote, policies: readonly ClusterPolicy[], decider: ClusterPolicy, action: TierAction): PolicyRef[] {
  const out: PolicyRef[] = [];
  for (const q of policies) {
    if (q === decider || q.priority !== decider.priority) continue;
    const m = firstMatch(input, remote, q);
    if (m && effectiveAction(m.rule) !== action) out.push(q.ref);
  }
  return out;
}

function nearMiss(input: TierInput, remote: TierRemote, who: string, policy: ClusterPolicy, rule: TierRule, m: { peer: number; port: number | null }): TierNearMiss | undefined {
  if (rule.failClosed) return undefined;
  const peerOk = m.peer >= 0;
  const portOk = m.port === null || m.port >= 0;
  if (peerOk === portOk) return undefined;
  const why: TierMissWhy = peerOk
    ? { failed: 'port', port: input.port, protocol: input.protocol, ports: rule.ports!, outsideNamedPorts: rule.ports!.some((p) => p.kind === 'named') && destOf(input) === undefined }
    : { failed: 'peer', peers: rule.peers.map((p) => tierPeerMiss(input.model, p, remote, who)).filter((x): x is TierPeerMiss => x !== undefined) };
  const miss: TierNearMiss = { policy: policy.ref, rule: rule.index, action: rule.action, failed: why.failed, reason: describeTierMiss(why), why };
  if (rule.name) miss.ruleName = rule.name;
  const src = policy.locate?.(['spec', input.direction, rule.index]);
  if (src) miss.source = src;
  return miss;
}

/**
 * The whole chain for one direction, given the NetworkPolicy verdict of that direction: Admin; NetworkPolicy when it
 * isolates the pod; Baseline; allow. The verdict keeps its NetworkPolicy fields and gets the walk in `tiers`.
 */
export function chainDirection(input: TierInput, np: DirectionVerdict): DirectionVerdict {
  const steps: TierStep[] = [];
  const admin = evaluateTier(input, 'Admin');
  steps.push(admin);
  if (admin.outcome === 'accept' || admin.outcome === 'deny') return { ...np, allowed: admin.outcome === 'accept', tiers: steps };
  if (np.isolated) {
    steps.push({ tier: 'NetworkPolicy', direction: input.direction, outcome: np.allowed ? 'accept' : 'deny', policies: np.selectedBy });
    return { ...np, tiers: steps };
  }
  steps.push({ tier: 'NetworkPolicy', direction: input.direction, outcome: 'not-isolated' });
  const baseline = evaluateTier(input, 'Baseline');
  steps.push(baseline);
  return { ...np, allowed: baseline.outcome !== 'deny', tiers: steps };
}
