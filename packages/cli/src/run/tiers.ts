// The cluster policy tiers of a check: the walk of each direction, rendered from the engine's verdict data.
import {
  describeTierRule,
  describeTierStep,
  describeTierWalk,
  policyRefText,
  type Cluster,
  type ClusterPolicy,
  type DirectionVerdict,
  type Location,
  type PolicyRef,
  type TierStep,
} from '@kordon/engine';
import type { Colors } from '../io.js';

const keyOf = (r: PolicyRef): string => `${r.kind}/${r.name}`;
const at = (loc: Location | undefined): string => (loc && loc.line > 0 ? ` at ${loc.file}:${loc.line}` : '');

export class TierPolicies {
  private readonly byKey: Map<string, ClusterPolicy>;

  constructor(cluster: Cluster) {
    this.byKey = new Map(cluster.clusterPolicies.map((p) => [keyOf(p.ref), p]));
  }

  policy(ref: PolicyRef): ClusterPolicy | undefined {
    return this.byKey.get(keyOf(ref));
  }
}

/** The first line's verdict text: the walk, `[Admin] … → [NetworkPolicy] … → [Baseline] …`. */
export const tierWalk = (v: DirectionVerdict): string => describeTierWalk(v.tiers ?? []);

/** The lines under the walk: each cluster policy step with its rule and place, ties, and (when denied) nearest misses. */
export function tierDetailLines(tp: TierPolicies, v: DirectionVerdict, c: Colors, indent: string): string[] {
  const lines: string[] = [];
  for (const step of v.tiers ?? []) {
    if (step.tier === 'NetworkPolicy' || !step.policy) continue;
    const rule = ruleOf(tp, step);
    const mark = step.outcome === 'accept' ? c.green('✓') : step.outcome === 'deny' ? c.red('✗') : c.dim('→');
    lines.push(`${indent}${mark} ${describeTierStep(step)}${at(step.source)}${rule ? `: ${describeTierRule(rule)}` : ''}`);
    if (step.ambiguousWith && step.ambiguousWith.length > 0) {
      const p = tp.policy(step.policy);
      lines.push(`${indent}    ${c.yellow('!')} ambiguous: ${step.ambiguousWith.map(policyRefText).join(', ')} ${step.ambiguousWith.length === 1 ? 'has' : 'have'} the same priority (${p?.priority ?? '?'}) and would decide otherwise; the API leaves their order undefined (kordon orders them by name)`);
    }
  }
  if (!v.allowed) {
    const misses = (v.tiers ?? []).flatMap((s) => (s.nearMisses ?? []).map((m) => ({ step: s, m })));
    if (misses.length > 0) {
      lines.push(`${indent}nearest ${misses.length === 1 ? 'miss' : 'misses'} among the cluster policies:`);
      for (const { step, m } of misses.slice(0, 6)) {
        const what = m.failed === 'port' ? 'the peer matches but the port does not' : 'the port matches but the peer does not';
        lines.push(`${indent}${c.yellow('~')} [${step.tier}] ${policyRefText(m.policy)} rule ${m.rule}${m.ruleName ? ` "${m.ruleName}"` : ''} (${m.action})${at(m.source)}: ${what}`);
        lines.push(`${indent}    ${m.reason}`);
      }
      if (misses.length > 6) lines.push(`${indent}  … and ${misses.length - 6} more (see -o json)`);
    }
  }
  return lines;
}

function ruleOf(tp: TierPolicies, step: TierStep) {
  const p = step.policy ? tp.policy(step.policy) : undefined;
  if (!p || step.rule === undefined) return undefined;
  return (step.direction === 'ingress' ? p.ingress : p.egress)[step.rule];
}

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
