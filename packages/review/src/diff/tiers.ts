/**
 * Cluster policies in a diff: which ones changed between the versions, which pod ends they touch, and the changed
 * cluster policy behind a flipped verdict, read from the tier walk each verdict carries (`DirectionVerdict.tiers`).
 */
import {
  formatRuleCite,
  parseCidr,
  policyRefText,
  subjectSelectsPod,
  tierAddressRanges,
  type Cidr,
  type Cluster,
  type ClusterPolicy,
  type Direction,
  type DirectionVerdict,
  type Pod,
  type TierStep,
} from '@kordon/engine';
import type { Cause, PolicyChange } from './diff.js';

/** What a cluster policy decides, without where it is written: equal texts mean equal policies. */
function clusterPolicyText(p: ClusterPolicy): string {
  const rule = (r: ClusterPolicy['ingress'][number]) => [r.direction, r.index, r.name ?? '', r.action, r.failClosed ?? '', r.peers, r.ports];
  return JSON.stringify([p.tier, p.priority, p.subject, p.ingress.map(rule), p.egress.map(rule)]);
}

/** Cluster policies added, removed or modified, by id (`cnp/name`, `anp/name`, `banp/name`). */
export function clusterPolicyChanges(old: Cluster, next: Cluster): Map<string, { change: PolicyChange; old?: ClusterPolicy; next?: ClusterPolicy }> {
  const o = new Map(old.clusterPolicies.map((p) => [p.id, p]));
  const n = new Map(next.clusterPolicies.map((p) => [p.id, p]));
  const out = new Map<string, { change: PolicyChange; old?: ClusterPolicy; next?: ClusterPolicy }>();
  for (const [id, p] of n) {
    const before = o.get(id);
    if (!before) out.set(id, { change: 'added', next: p });
    else if (clusterPolicyText(before) !== clusterPolicyText(p)) out.set(id, { change: 'modified', old: before, next: p });
  }
  for (const [id, p] of o) if (!n.has(id)) out.set(id, { change: 'removed', old: p });
  return out;
}

/** Whether a changed cluster policy with rules for the direction selects the pod in either version. */
export function tierTouches(old: Cluster, next: Cluster, changes: ReturnType<typeof clusterPolicyChanges>, pod: { old: Pod; next: Pod }, d: Direction): boolean {
  const has = (p: ClusterPolicy | undefined) => p !== undefined && (d === 'ingress' ? p.ingress : p.egress).length > 0;
  for (const c of changes.values()) {
    if (has(c.old) && subjectSelectsPod(old, c.old!, pod.old)) return true;
    if (has(c.next) && subjectSelectsPod(next, c.next!, pod.next)) return true;
  }
  return false;
}

/** The address ranges cluster policy peers match (`networks`, Node addresses), as one-CIDR blocks. */
export function tierBlocks(clusters: readonly Cluster[]): Cidr[][] {
  const seen = new Map<string, Cidr[]>();
  for (const c of clusters) for (const r of tierAddressRanges(c)) {
    const cidr = parseCidr(r);
    if (cidr && !seen.has(r)) seen.set(r, [cidr]);
  }
  return [...seen.values()];
}

const ACTION: Readonly<Record<string, string>> = { accept: 'Accept', deny: 'Deny', pass: 'Pass' };

/** The step that decided a direction: the last of its walk (Admin accept/deny, NetworkPolicy, or Baseline). */
const decider = (v: DirectionVerdict): TierStep | undefined => v.tiers?.[v.tiers.length - 1];

/**
 * Causes of a flipped direction that are cluster policies, and whether NetworkPolicy decided the new verdict (then the
 * NetworkPolicy attribution applies as without tiers).
 */
export function tierCauses(o: DirectionVerdict, n: DirectionVerdict, local: string, changes: ReturnType<typeof clusterPolicyChanges>): { causes: Cause[]; networkPolicyDecides: boolean } {
  const causes: Cause[] = [];
  const dn = decider(n);
  const stepKey = (st: TierStep) => `${st.tier}|${st.policy ? policyRefText(st.policy) : ''}|${st.rule ?? ''}|${st.outcome}`;
  const add = (step: TierStep, before: boolean) => {
    if (!step.policy || step.tier === 'NetworkPolicy') return;
    const id = policyRefText(step.policy);
    const ch = changes.get(id);
    if (!ch) return;
    const action = ACTION[step.outcome] as NonNullable<Cause['action']>;
    const rule = `spec.${step.direction}[${step.rule}]`;
    const verb = step.outcome === 'pass' ? (before ? 'passed it on before' : 'now passes it on') : before ? 'decided it before' : 'now decides it';
    const c: Cause = { kind: 'policy', subject: id, change: ch.change, rule, tier: step.tier as 'Admin' | 'Baseline', action, effect: `[${step.tier}] ${formatRuleCite({ policy: step.policy, direction: step.direction, rule: step.rule!, ...(step.ruleName ? { name: step.ruleName } : {}) })} (${action}) ${verb} for ${local}` };
    if (step.source) c.location = step.source;
    causes.push(c);
  };
  // Steps of the new walk that a changed cluster policy takes, then the old walk's steps that are gone.
  const now = new Set((n.tiers ?? []).map(stepKey));
  for (const st of n.tiers ?? []) add(st, false);
  for (const st of o.tiers ?? []) if (!now.has(stepKey(st))) add(st, true);
  return { causes, networkPolicyDecides: dn === undefined || dn.tier === 'NetworkPolicy' };
}
