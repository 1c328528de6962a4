import { coverageRules } from './coverage.js';
import { dnsRules } from './dns.js';
import { namingRules } from './naming.js';
import { peerRules } from './peers.js';
import { policyTypeRules } from './policytypes.js';
import { redundancyRules } from './redundancy.js';
import type { LintRule } from './rule.js';
import { selectionRules } from './selection.js';
import { servicePortRules } from './serviceports.js';
import { tierRules } from './tiers/index.js';

/** Every lint rule, in the order `kordon lint --list-rules` shows them. IDs are stable: configs and SARIF refer to them. */
export const RULES: readonly LintRule[] = [
  ...policyTypeRules,
  ...peerRules,
  ...dnsRules,
  ...namingRules,
  ...selectionRules,
  ...servicePortRules,
  ...redundancyRules,
  ...coverageRules,
  ...tierRules,
];

export function ruleById(id: string): LintRule | undefined {
  return RULES.find((r) => r.id === id);
}
