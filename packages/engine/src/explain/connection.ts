/**
 * Builds the explanation tree (`tree.ts`) of a connection from the verdict `evaluate` gave it: the same walk, with
 * every policy named by kind, namespace and name and every rule by where it is written.
 */
import type { Location } from '../diagnostics.js';
import type { DirectionVerdict, NearMiss, RuleRef, Verdict } from '../eval/types.js';
import type { Cluster, Direction, Policy, Protocol } from '../model/types.js';
import type { ClusterPolicy, PolicyRef, TierAction, TierNearMiss, TierStep } from '../tiers/types.js';
import type { ClusterTierStep, ConnectionExplanation, DirectionExplanation, ExplainedMiss, ExplanationStep, NetworkPolicyStep, PolicyCite, RuleCite } from './tree.js';

/** One connection as `checkConnection` hands it out (a `Hop`): its ends in words, its port and its verdict. */
export interface ExplainedConnection {
  purpose?: 'dns' | 'connect';
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  verdict: Verdict;
}

interface Index {
  policies: Map<string, Policy>;
  clusterPolicies: Map<string, ClusterPolicy>;
}

const indexes = new WeakMap<Cluster, Index>();
const refKey = (r: PolicyRef): string => `${r.kind}/${r.namespace ?? ''}/${r.name}`;

function indexOf(cluster: Cluster): Index {
  let ix = indexes.get(cluster);
  if (!ix) {
    ix = { policies: new Map(cluster.policies.map((p) => [p.id, p])), clusterPolicies: new Map(cluster.clusterPolicies.map((p) => [p.id, p])) };
    for (const p of cluster.clusterPolicies) ix.clusterPolicies.set(refKey(p.ref), p);
    indexes.set(cluster, ix);
  }
  return ix;
}

/** The NetworkPolicy a verdict names by `ns/name`. */
export function networkPolicyRef(id: string): PolicyRef {
  const slash = id.indexOf('/');
  return { kind: 'NetworkPolicy', namespace: id.slice(0, slash), name: id.slice(slash + 1) };
}

/** Where a rule (or the peer and port entry a RuleRef names) is written. */
export function locateRule(policy: Policy, ref: Pick<RuleRef, 'direction' | 'rule'> & Partial<Pick<RuleRef, 'peer' | 'port'>>): Location | undefined {
  if (!policy.locate) return policy.source;
  return policy.locate(['spec', ref.direction, ref.rule]);
}

function citeRuleRef(ix: Index, ref: RuleRef): RuleCite {
  const c: RuleCite = { policy: networkPolicyRef(ref.policy), direction: ref.direction, rule: ref.rule };
  if (ref.peer !== undefined) c.peer = ref.peer;
  if (ref.port !== undefined) c.port = ref.port;
  const p = ix.policies.get(ref.policy);
  const src = p ? locateRule(p, ref) : undefined;
  if (src) c.source = src;
  return c;
}

/** A NetworkPolicy rule of a verdict (`RuleRef`) cited as the tree cites it, with where it is written. */
export function citeRule(cluster: Cluster, ref: RuleRef): RuleCite {
  return citeRuleRef(indexOf(cluster), ref);
}

function citePolicy(ix: Index, id: string): PolicyCite {
  const p = ix.policies.get(id);
  return p?.source ? { policy: networkPolicyRef(id), source: p.source } : { policy: networkPolicyRef(id) };
}

function networkPolicyMiss(ix: Index, m: NearMiss): ExplainedMiss {
  return { tier: 'NetworkPolicy', rule: citeRuleRef(ix, m.ref), failed: m.failed, why: m.why };
}

function networkPolicyStep(ix: Index, v: DirectionVerdict, outcome: NetworkPolicyStep['outcome']): NetworkPolicyStep {
  const rulesOf = (p: Policy | undefined) => (p ? (v.direction === 'ingress' ? p.ingress : p.egress) : []);
  const isolated = outcome !== 'not-isolated';
  const denied = outcome === 'deny';
  return {
    tier: 'NetworkPolicy',
    outcome,
    isolatedBy: isolated ? v.selectedBy.map((id) => citePolicy(ix, id)) : [],
    withoutRules: isolated ? v.selectedBy.filter((id) => ix.policies.has(id) && rulesOf(ix.policies.get(id)).length === 0).map((id) => citePolicy(ix, id)) : [],
    admittedBy: isolated ? v.allowedBy.map((r) => citeRuleRef(ix, r)) : [],
    nearMisses: denied ? v.nearMisses.map((m) => networkPolicyMiss(ix, m)) : [],
    ignored: denied
      ? (v.ignored ?? []).map((r) => {
          const p = ix.policies.get(r.policy);
          const types: ('Ingress' | 'Egress')[] = p ? [...(p.ingressIsolation ? ['Ingress' as const] : []), ...(p.egressIsolation ? ['Egress' as const] : [])] : [];
          return { rule: citeRuleRef(ix, r), policyTypes: types };
        })
      : [],
    dependsOnPodIP: denied ? [...(v.dependsOnPodIP ?? [])] : [],
  };
}

const ACTION: Readonly<Record<string, TierAction>> = { accept: 'Accept', deny: 'Deny', pass: 'Pass' };

function tierMiss(tier: 'Admin' | 'Baseline', direction: Direction, m: TierNearMiss): ExplainedMiss {
  const rule: RuleCite = { policy: m.policy, direction, rule: m.rule };
  if (m.ruleName) rule.name = m.ruleName;
  if (m.source) rule.source = m.source;
  return { tier, rule, action: m.action, failed: m.failed, why: m.why };
}

function clusterTierStep(ix: Index, s: TierStep & { tier: 'Admin' | 'Baseline' }): ClusterTierStep {
  const policies = (s.policies ?? []).map((id) => ix.clusterPolicies.get(id)?.ref).filter((r): r is PolicyRef => r !== undefined);
  const step: ClusterTierStep = {
    tier: s.tier,
    outcome: s.outcome === 'not-isolated' ? 'no-match' : s.outcome,
    policies,
    ambiguousWith: [...(s.ambiguousWith ?? [])],
    nearMisses: (s.nearMisses ?? []).map((m) => tierMiss(s.tier, s.direction, m)),
  };
  if (s.policy && s.rule !== undefined && (s.outcome === 'accept' || s.outcome === 'deny' || s.outcome === 'pass')) {
    const decided: RuleCite & { action: TierAction; priority: number | null } = { policy: s.policy, direction: s.direction, rule: s.rule, action: ACTION[s.outcome]!, priority: ix.clusterPolicies.get(refKey(s.policy))?.priority ?? null };
    if (s.ruleName) decided.name = s.ruleName;
    if (s.peer !== undefined) decided.peer = s.peer;
    if (s.port !== undefined) decided.port = s.port;
    if (s.source) decided.source = s.source;
    step.decidedBy = decided;
  }
  return step;
}

function directionSteps(ix: Index, v: DirectionVerdict): ExplanationStep[] {
  if (!v.tiers) return [networkPolicyStep(ix, v, !v.isolated ? 'not-isolated' : v.allowed ? 'accept' : 'deny')];
  return v.tiers.map((s): ExplanationStep => {
    if (s.tier === 'NetworkPolicy') return networkPolicyStep(ix, v, s.outcome === 'not-isolated' ? 'not-isolated' : s.outcome === 'accept' ? 'accept' : 'deny');
    return clusterTierStep(ix, s as TierStep & { tier: 'Admin' | 'Baseline' });
  });
}

/** One direction of the tree, from that direction's verdict; `endpoint` names the pod or address on this side. */
export function explainDirection(cluster: Cluster, v: DirectionVerdict, endpoint: string): DirectionExplanation {
  const ix = indexOf(cluster);
  const out: DirectionExplanation = { direction: v.direction, endpoint, allowed: v.allowed, steps: [], tiered: v.tiers !== undefined, byDefault: false };
  if (v.bypass === 'not-a-pod' || v.bypass === 'host-network') {
    out.bypass = v.bypass;
    return out;
  }
  out.steps = directionSteps(ix, v);
  const last = out.steps[out.steps.length - 1];
  out.byDefault = out.tiered && last !== undefined && last.tier === 'Baseline' && (last.outcome === 'no-match' || last.outcome === 'pass');
  return out;
}

/** The explanation tree of one connection: both directions, and whether it is allowed whatever the policies say. */
export function explainConnection(cluster: Cluster, c: ExplainedConnection): ConnectionExplanation {
  const e: ConnectionExplanation = {
    purpose: c.purpose ?? 'connect',
    from: c.from,
    to: c.to,
    port: c.port,
    protocol: c.protocol,
    allowed: c.verdict.allowed,
    egress: explainDirection(cluster, c.verdict.egress, c.from),
    ingress: explainDirection(cluster, c.verdict.ingress, c.to),
  };
  if (c.verdict.always) e.always = c.verdict.always;
  return e;
}

/** Where a cited rule is written in the model, for renderers that describe the rule itself. */
export function citedNetworkPolicy(cluster: Cluster, cite: { policy: PolicyRef }): Policy | undefined {
  return cite.policy.kind === 'NetworkPolicy' ? indexOf(cluster).policies.get(`${cite.policy.namespace}/${cite.policy.name}`) : undefined;
}

/** The cluster policy a cite names. */
export function citedClusterPolicy(cluster: Cluster, cite: { policy: PolicyRef }): ClusterPolicy | undefined {
  return cite.policy.kind === 'NetworkPolicy' ? undefined : indexOf(cluster).clusterPolicies.get(refKey(cite.policy));
}
