// The cluster policy tiers of a check as JSON: the verdict's own walk (`tiers`), beside the explanation tree.
import { describeTierStep, policyRefText, type TierStep } from '@kordon/engine';

/** A step as JSON: the data, the policy reference as text, and its place. */
export function tierStepJson(step: TierStep): Record<string, unknown> {
  const o: Record<string, unknown> = { tier: step.tier, direction: step.direction, outcome: step.outcome, text: describeTierStep(step) };
  if (step.policy) o['policy'] = { ...step.policy, text: policyRefText(step.policy) };
  for (const k of ['rule', 'ruleName', 'peer', 'port'] as const) if (step[k] !== undefined) o[k] = step[k];
  if (step.source) {
    o['file'] = step.source.file;
    o['line'] = step.source.line;
    o['column'] = step.source.column;
  }
  if (step.policies) o['policies'] = step.policies;
  if (step.ambiguousWith) o['ambiguousWith'] = step.ambiguousWith.map((r) => ({ ...r, text: policyRefText(r) }));
  if (step.nearMisses) o['nearMisses'] = step.nearMisses.map((m) => ({ ...m, policy: { ...m.policy, text: policyRefText(m.policy) } }));
  return o;
}
