/**
 * The explanation tree in words, shared by every renderer so that a verdict reads the same in the terminal, on the
 * page and in a review: one rule-reference style (`ns/name ingress rule 0 (from[1], ports[0])`,
 * `cnp/name egress rule 2 "dns"`), one wording of each tier step and of each near miss.
 */
import { describeNearMiss } from '../eval/misses.js';
import { describeTierMiss } from '../tiers/describe.js';
import { policyRefText } from '../tiers/types.js';
import { stepWords } from './cite.js';
import type { DirectionExplanation, ExplainedMiss, ExplanationStep } from './tree.js';

/** One step of a walk in a few words (see `stepWords`). */
export function describeStep(step: ExplanationStep): string {
  if (step.tier === 'NetworkPolicy') return stepWords({ tier: step.tier, outcome: step.outcome, isolatedBy: step.isolatedBy.map((p) => policyRefText(p.policy)) });
  return stepWords({ tier: step.tier, outcome: step.outcome, selects: step.policies.length > 0, ...(step.decidedBy ? { decidedBy: step.decidedBy } : {}) });
}

/** The walk of one direction on one line; a walk that ends without a decision ends in the default allow. */
export function describeWalk(d: DirectionExplanation): string {
  const parts = d.steps.map(describeStep);
  if (d.byDefault) parts.push('allowed by default');
  return parts.join(' → ');
}

/** Why a near miss missed, in words. */
export function describeMiss(m: ExplainedMiss): string {
  return m.tier === 'NetworkPolicy' ? describeNearMiss(m.why) : describeTierMiss(m.why);
}

/** Which half of the rule failed. */
export function describeMissFailure(m: ExplainedMiss): string {
  return m.failed === 'port' ? 'the peer matches but the port does not' : 'the port matches but the peer does not';
}
