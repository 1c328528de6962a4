import { formatPath, type Location, type ObjectRef, type PathSegment, type Policy, type Severity } from '@kordon/engine';
import type { Finding } from '../types.js';
import type { LintModel } from './model.js';

/** A lint rule is data: what it is called, how bad, what it means, and a pure check over the model. */
export interface LintRule {
  id: string;
  severity: Severity;
  /** Short name for lists and SARIF. */
  title: string;
  /** What the rule catches and why it matters. */
  description: string;
  check(model: LintModel): Finding[];
  /** Findings of these rules at the same field are dropped when this rule reports: it explains them better. */
  supersedes?: readonly string[];
}

export interface FindingText {
  message: string;
  explanation: string;
  fix: string;
  related?: Finding['related'];
}

export function policyRef(p: Policy): ObjectRef {
  return { kind: 'NetworkPolicy', namespace: p.namespace, name: p.name };
}

/** A finding at a field of a policy. */
export function atPolicy(rule: LintRule, model: LintModel, policy: Policy, path: readonly PathSegment[], text: FindingText): Finding {
  const f: Finding = { rule: rule.id, severity: rule.severity, path: formatPath(path), object: policyRef(policy), ...text };
  const loc = model.at(policy, path);
  if (loc) f.location = loc;
  if (!text.related) delete f.related;
  return f;
}

/** A finding about some other object (pod, namespace), at its source when known. */
export function atObject(rule: LintRule, object: ObjectRef, location: Location | undefined, text: FindingText): Finding {
  const f: Finding = { rule: rule.id, severity: rule.severity, path: '', object, ...text };
  if (location) f.location = location;
  if (!text.related) delete f.related;
  return f;
}

/** `a, b, c and 4 more`: lists stay readable when a finding names many pods. */
export function few(items: readonly string[], n = 3): string {
  if (items.length <= n) return items.join(', ');
  return `${items.slice(0, n).join(', ')} and ${items.length - n} more`;
}

export const policyName = (p: Policy): string => `${p.namespace}/${p.name}`;
