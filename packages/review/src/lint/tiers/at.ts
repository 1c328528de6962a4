import { formatPath, formatRuleCite, policyRefText, type ClusterPolicy, type Endpoint, type PathSegment, type PolicyRef, type TierQuery } from '@kordon/engine';
import type { Finding } from '../../types.js';
import type { FindingText, LintRule } from '../rule.js';

/** A finding at a field of a cluster policy (cluster-scoped: the object has no namespace). */
export function atClusterPolicy(rule: LintRule, policy: ClusterPolicy, path: readonly PathSegment[], text: FindingText): Finding {
  const f: Finding = { rule: rule.id, severity: rule.severity, path: formatPath(path), object: { kind: policy.ref.kind, name: policy.ref.name }, ...text };
  const loc = policy.locate?.(path) ?? policy.source;
  if (loc) f.location = loc;
  if (!text.related) delete f.related;
  return f;
}

export const endpointText = (e: Endpoint): string => (e.kind === 'ip' ? e.ip : `${e.pod.namespace}/${e.pod.name}`);

/** `a/x → b/y 80/TCP` for a connection seen from one side. */
export function sideText(q: TierQuery): string {
  const local = `${q.local.namespace}/${q.local.name}`;
  const [from, to] = q.direction === 'egress' ? [local, endpointText(q.remote)] : [endpointText(q.remote), local];
  return `${from} → ${to} ${q.port}/${q.protocol}`;
}

export const sameRef = (a: PolicyRef | undefined, b: PolicyRef): boolean => a !== undefined && a.kind === b.kind && a.name === b.name;

export const ruleText = (policy: ClusterPolicy, direction: 'ingress' | 'egress', index: number, name?: string): string =>
  formatRuleCite({ policy: policy.ref, direction, rule: index, ...(name ? { name } : {}) });

/** Where one rule of a cluster policy is written, for `related`. */
export function ruleRelated(policy: ClusterPolicy, direction: 'ingress' | 'egress', index: number, message: string): NonNullable<Finding['related']> {
  const loc = policy.locate?.(['spec', direction, index]) ?? policy.source;
  return loc ? [{ location: loc, message }] : [];
}

/** The connection to show as an example: one on a port the destination declares, when there is one. */
export function example(sides: readonly TierQuery[]): TierQuery | undefined {
  const declared = (q: TierQuery) => {
    const dest = q.direction === 'ingress' ? q.local : q.remote.kind === 'pod' ? q.remote.pod : undefined;
    return dest?.containerPorts.some((c) => c.port === q.port && c.protocol === q.protocol) ?? false;
  };
  return sides.find(declared) ?? sides[0];
}
