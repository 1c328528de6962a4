/**
 * The explanation tree in words, shared by every renderer so that a verdict reads the same in the terminal, on the
 * page and in a review: one rule-reference style (`ns/name ingress rule 0 (from[1], ports[0])`,
 * `cnp/name egress rule 2 "dns"`), one wording of each tier step and of each near miss.
 */
import { describeNearMiss } from '../eval/misses.js';
import { describeTierMiss } from '../tiers/describe.js';
import { policyRefText } from '../tiers/types.js';
import { formatRuleCite } from './cite.js';
import type { DirectionExplanation, ExplainedMiss, ExplanationStep } from './tree.js';

const ACTION_WORD: Readonly<Record<string, string>> = { accept: 'Accept', deny: 'Deny', pass: 'Pass' };

/**
 * One step of a walk in a few words: `[Admin] cnp/x ingress rule 2 (Pass)`, `[NetworkPolicy] not isolated`,
 * `[NetworkPolicy] denied (isolated by ns/a)`, `[Baseline] cnp/default ingress rule 0: Deny`, `[Admin] no rule matches`.
 */
export function describeStep(step: ExplanationStep): string {
  const head = `[${step.tier}]`;
  if (step.tier === 'NetworkPolicy') {
    if (step.outcome === 'not-isolated') return `${head} not isolated`;
    return `${head} ${step.outcome === 'accept' ? 'allowed' : 'denied'} (isolated by ${step.isolatedBy.map((p) => policyRefText(p.policy)).join(', ')})`;
  }
  if (!step.decidedBy) return `${head} ${step.policies.length > 0 ? 'no rule matches' : 'no policy selects it'}`;
  const rule = formatRuleCite(step.decidedBy, false);
  return step.outcome === 'pass' ? `${head} ${rule} (Pass)` : `${head} ${rule}: ${ACTION_WORD[step.outcome]}`;
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
