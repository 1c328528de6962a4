import { policyRefText, tierDecision, tierRuleAction, tierRuleCovers, type Cluster, type ClusterPolicy, type TierQuery } from '@kordon/engine';
import type { Finding } from '../../types.js';
import type { LintRule } from '../rule.js';
import { atClusterPolicy, example, sameRef, sideText } from './at.js';
import { tierSides } from './sides.js';

/**
 * Two policies of one tier at the same priority that decide some connection differently. The API leaves the order of
 * such policies to the implementation; kordon takes them by name, another plugin may not. The engine's walk marks the
 * tie (`ambiguousWith`); lint looks for one connection where it happens.
 */
export const priorityTie: LintRule = {
  id: 'priority-tie',
  severity: 'warning',
  title: 'Cluster policies at the same priority disagree',
  description: 'Two ClusterNetworkPolicies (or AdminNetworkPolicies) of one tier share a priority and decide some connection of the given cluster differently: which one wins is left to the implementation.',
  check(model) {
    const out: Finding[] = [];
    const cluster = model.cluster;
    const ps = cluster.clusterPolicies;
    for (let i = 0; i < ps.length; i++) {
      for (let j = i + 1; j < ps.length; j++) {
        const [a, b] = [ps[i]!, ps[j]!];
        if (a.tier !== b.tier || a.priority === null || a.priority !== b.priority) continue;
        const q = disagreement(cluster, a, b);
        if (q) out.push(finding(cluster, a, b, q));
      }
    }
    return out;
  },
};

/** A connection both policies' subjects cover where the walk reports the decider ambiguous with the other. */
function disagreement(cluster: Cluster, a: ClusterPolicy, b: ClusterPolicy): TierQuery | undefined {
  const sides = tierSides(cluster);
  const bSubjects = new Set(sides.subjects(b));
  for (const rule of [...a.ingress, ...a.egress, ...b.ingress, ...b.egress]) {
    const owner = a.ingress.includes(rule) || a.egress.includes(rule) ? a : b;
    const found: TierQuery[] = [];
    for (const q of sides.covered(owner, rule).sides) {
      if (owner === a && !bSubjects.has(q.local)) continue;
      if (owner === b && !sides.subjects(a).includes(q.local)) continue;
      const step = tierDecision(cluster, q);
      const other = sameRef(step.policy, a.ref) ? b : sameRef(step.policy, b.ref) ? a : undefined;
      if (other && step.ambiguousWith?.some((r) => sameRef(r, other.ref))) found.push(q);
    }
    if (found.length > 0) return example(found);
  }
  return undefined;
}

function decisionOf(cluster: Cluster, p: ClusterPolicy, q: TierQuery): string {
  const rule = (q.direction === 'ingress' ? p.ingress : p.egress).find((r) => tierRuleCovers(cluster, q, r));
  return rule ? `rule ${rule.index} (${tierRuleAction(rule)})` : 'no rule';
}

function finding(cluster: Cluster, a: ClusterPolicy, b: ClusterPolicy, q: TierQuery): Finding {
  const aLoc = a.locate?.(['spec', 'priority']) ?? a.source;
  return atClusterPolicy(priorityTie, b, ['spec', 'priority'], {
    message: `${policyRefText(b.ref)} and ${policyRefText(a.ref)} share priority ${b.priority} in the ${b.tier} tier and disagree on ${sideText(q)}`,
    explanation: `${policyRefText(a.ref)} decides it by ${decisionOf(cluster, a, q)} and ${policyRefText(b.ref)} by ${decisionOf(cluster, b, q)}. The API lets an implementation apply either of two policies with the same priority; kordon takes ${policyRefText(a.ref)} first (by name), another plugin may not.`,
    fix: `give one of the two a different priority (lower values win)`,
    ...(aLoc ? { related: [{ location: aLoc, message: `${policyRefText(a.ref)} has the same priority` }] } : {}),
  });
}
