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
