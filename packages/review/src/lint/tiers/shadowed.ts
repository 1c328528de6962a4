import { formatRuleCite, policyRefText, tierDecision, type ClusterPolicy, type Cluster, type TierQuery, type TierRule, type TierStep } from '@kordon/engine';
import type { Finding } from '../../types.js';
import type { LintRule } from '../rule.js';
import { few } from '../rule.js';
import { atClusterPolicy, example, ruleText, sameRef, sideText } from './at.js';
import { tierSides } from './sides.js';

const ACTION: Readonly<Record<string, string>> = { accept: 'Accept', deny: 'Deny', pass: 'Pass' };

/**
 * A rule no connection of the input ever reaches: every connection it matches is decided earlier in its tier, by an
 * earlier rule of its own policy or by a policy that comes first (lower priority value, or the same priority and an
 * earlier name). Asked of the engine's tier walk, connection by connection, for the pods of the input and for a pod with
 * no labels in each namespace: a rule that only a workload deployed later would reach is not reported.
 */
export const clusterRuleShadowed: LintRule = {
  id: 'cluster-rule-shadowed',
  severity: 'warning',
  title: 'Cluster policy rule never reached',
  description: 'A ClusterNetworkPolicy (or AdminNetworkPolicy/BaselineAdminNetworkPolicy) rule whose every matching connection in the given cluster is decided first by an earlier rule of the same policy or by a higher-priority policy of the same tier: the rule never acts.',
  check(model) {
    const out: Finding[] = [];
    for (const policy of model.cluster.clusterPolicies) {
      for (const rule of [...policy.ingress, ...policy.egress]) {
        const f = shadowed(model.cluster, policy, rule);
        if (f) out.push(f);
      }
    }
    return out;
  },
};

function shadowed(cluster: Cluster, policy: ClusterPolicy, rule: TierRule): Finding | undefined {
  if (rule.failClosed === 'match-nothing') return undefined;
  const { sides, complete } = tierSides(cluster).covered(policy, rule, { newPods: true });
  if (!complete || sides.length === 0) return undefined;
  const deciders = new Map<string, { step: TierStep; sides: TierQuery[] }>();
  for (const q of sides) {
    const step = tierDecision(cluster, q);
    if (sameRef(step.policy, policy.ref) && step.rule === rule.index) return undefined;
    const k = `${step.policy ? policyRefText(step.policy) : ''}#${step.rule}`;
    const d = deciders.get(k);
    if (d) d.sides.push(q);
    else deciders.set(k, { step, sides: [q] });
  }
  const order = (st: TierStep) => cluster.clusterPolicies.findIndex((p) => sameRef(st.policy, p.ref)) * 1000 + (st.rule ?? 0);
  const by = [...deciders.values()].sort((x, y) => order(x.step) - order(y.step)).map(({ step, sides: qs }) => ({ text: `${step.policy && step.rule !== undefined ? formatRuleCite({ policy: step.policy, direction: step.direction, rule: step.rule, ...(step.ruleName ? { name: step.ruleName } : {}) }) : '?'} (${ACTION[step.outcome] ?? step.outcome})`, step, example: sideText(example(qs)!) }));
  const own = by.every((b) => sameRef(b.step.policy, policy.ref));
  const related = by.flatMap((b) => (b.step.source ? [{ location: b.step.source, message: `decides first: ${b.text}, e.g. ${b.example}` }] : []));
  return atClusterPolicy(clusterRuleShadowed, policy, ['spec', rule.direction, rule.index], {
    message: `${ruleText(policy, rule.direction, rule.index, rule.name)} is never reached: ${few(by.map((b) => b.text))} ${by.length === 1 ? 'decides' : 'decide'} every connection it matches`,
    explanation: `In the ${policy.tier} tier the first matching rule decides. All ${sides.length} kinds of connection this rule matches in the input (e.g. ${by[0]!.example}) are matched first by ${own ? 'an earlier rule of the same policy' : 'a rule that comes earlier in the tier (lower priority value, or the same priority and an earlier name)'}, so this ${rule.writtenAction || rule.action} never acts.`,
    fix: own ? 'move the rule above the one that shadows it, narrow the earlier rule, or delete this one' : 'give this policy a lower priority value than the one that decides first, narrow that rule, or delete this one',
    ...(related.length ? { related } : {}),
  });
}
