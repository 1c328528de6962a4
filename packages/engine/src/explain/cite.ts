/** The one rule-reference style of every explanation. */
import { policyRefText } from '../tiers/types.js';
import type { RuleCite } from './tree.js';

/**
 * A rule as a person finds it in the manifest: the policy, the direction, the rule's index (and its name, for a
 * cluster policy); with `entries`, the indices of the peer and port entries that matched.
 */
export function formatRuleCite(c: RuleCite, entries = true): string {
  const name = c.name ? ` "${c.name}"` : '';
  const parts: string[] = [];
  if (entries && c.peer !== undefined) parts.push(`${c.direction === 'ingress' ? 'from' : 'to'}[${c.peer}]`);
  if (entries && c.port !== undefined) parts.push(`${c.policy.kind === 'ClusterNetworkPolicy' ? 'protocols' : 'ports'}[${c.port}]`);
  return `${policyRefText(c.policy)} ${c.direction} rule ${c.rule}${name}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

const ACTION_WORD: Readonly<Record<string, string>> = { accept: 'Accept', deny: 'Deny', pass: 'Pass' };

/** What one step of a walk says, for `stepWords`: the deciding rule, or whether any policy of the tier selects the pod. */
export type StepFacts =
  | { tier: 'NetworkPolicy'; outcome: 'accept' | 'deny' | 'not-isolated'; isolatedBy: readonly string[] }
  | { tier: 'Admin' | 'Baseline'; outcome: 'accept' | 'deny' | 'pass' | 'no-match'; selects: boolean; decidedBy?: RuleCite };

/**
 * One step of a walk in a few words, the one wording of a step for the tree (`describeStep`) and the verdict's own walk
 * (`describeTierStep`): `[Admin] cnp/x ingress rule 2 (Pass)`, `[NetworkPolicy] not isolated`, `[NetworkPolicy] denied
 * (isolated by ns/a)`, `[Baseline] cnp/default ingress rule 0: Deny`, `[Admin] no rule matches`.
 */
export function stepWords(f: StepFacts): string {
  const head = `[${f.tier}]`;
  if (f.tier === 'NetworkPolicy') return f.outcome === 'not-isolated' ? `${head} not isolated` : `${head} ${f.outcome === 'accept' ? 'allowed' : 'denied'} (isolated by ${f.isolatedBy.join(', ')})`;
  if (!f.decidedBy || f.outcome === 'no-match') return `${head} ${f.selects ? 'no rule matches' : 'no policy selects it'}`;
  const rule = formatRuleCite(f.decidedBy, false);
  return f.outcome === 'pass' ? `${head} ${rule} (Pass)` : `${head} ${rule}: ${ACTION_WORD[f.outcome]}`;
}
