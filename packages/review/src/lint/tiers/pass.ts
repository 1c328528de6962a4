import { describeTierStep, tierDecision, type ClusterPolicy, type Pod, type TierQuery, type TierRule } from '@kordon/engine';
import type { Finding } from '../../types.js';
import type { LintModel } from '../model.js';
import { few, type LintRule } from '../rule.js';
import { atClusterPolicy, example, ruleText, sameRef, sideText } from './at.js';
import { tierSides } from './sides.js';

/**
 * A Pass hands the connection to the NetworkPolicy tier. Where no NetworkPolicy isolates the pod in that direction,
 * it falls through to Baseline and then to the default allow: usually not what "let the namespace decide" meant. A
 * Pass in the Baseline tier has nothing below it at all: it allows.
 */
export const passWithoutNetworkPolicy: LintRule = {
  id: 'pass-without-networkpolicy',
  severity: 'warning',
  title: 'Pass with no NetworkPolicy below it',
  description: 'A cluster policy Pass rule whose connections reach pods that no NetworkPolicy isolates in that direction: the NetworkPolicy tier says nothing, so Baseline (or the default allow) decides. A Baseline Pass always ends in the default allow.',
  check(model) {
    const out: Finding[] = [];
    for (const policy of model.cluster.clusterPolicies) {
      for (const rule of [...policy.ingress, ...policy.egress]) {
        if (rule.action !== 'Pass' || rule.failClosed) continue;
        const f = passFinding(model, policy, rule);
        if (f) out.push(f);
      }
    }
    return out;
  },
};

function passFinding(model: LintModel, policy: ClusterPolicy, rule: TierRule): Finding | undefined {
  const cluster = model.cluster;
  const open = new Map<Pod, TierQuery[]>();
  for (const q of tierSides(cluster).covered(policy, rule).sides) {
    if (policy.tier === 'Admin' && model.isolating(q.local, rule.direction).length > 0) continue;
    const step = tierDecision(cluster, q);
    if (!sameRef(step.policy, policy.ref) || step.rule !== rule.index) continue;
    const l = open.get(q.local);
    if (l) l.push(q);
    else open.set(q.local, [q]);
  }
  if (open.size === 0) return undefined;
  const pods = [...open.keys()].map((p) => `${p.namespace}/${p.name}`);
  const shown = example([...open.values()].flat())!;
  const path = ['spec', rule.direction, rule.index, 'action'];
  if (policy.tier === 'Baseline') {
    return atClusterPolicy(passWithoutNetworkPolicy, policy, path, {
      message: `${ruleText(policy, rule.direction, rule.index, rule.name)} passes in the Baseline tier, which allows: nothing comes after Baseline`,
      explanation: `Pass skips the rest of the Baseline tier and ends in the default allow, for ${few(pods)} (e.g. ${sideText(shown)}).`,
      fix: 'write Accept if allowing is meant; to leave the decision to a later Baseline rule, narrow this rule instead',
    });
  }
  const baseline = tierDecision(cluster, { ...shown, tier: 'Baseline' });
  return atClusterPolicy(passWithoutNetworkPolicy, policy, path, {
    message: `${ruleText(policy, rule.direction, rule.index, rule.name)} passes ${rule.direction} of ${few(pods)} to NetworkPolicy, but no NetworkPolicy isolates ${pods.length === 1 ? 'it' : 'them'} for ${rule.direction}`,
    explanation: `Pass hands the connection to the NetworkPolicy tier, which decides only for pods a NetworkPolicy isolates in that direction. For these pods it says nothing, so the Baseline tier decides: for ${sideText(shown)}, ${describeTierStep(baseline)}${baseline.outcome === 'deny' || baseline.outcome === 'accept' ? '' : ', then the default allow'}.`,
    fix: `add a NetworkPolicy for ${rule.direction} in ${few([...new Set([...open.keys()].map((p) => p.namespace))])}, or Accept/Deny here if the cluster policy should decide`,
  });
}
