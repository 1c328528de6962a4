import type { Location } from '../diagnostics.js';
import { formatSelector, selectorIsEmpty } from '../labels/selector.js';
import { formatPortSpec } from '../ports/ports.js';
import type { LabelSelector, Peer, Policy, PortSpec, Rule } from '../model/types.js';
import type { RuleRef } from '../eval/types.js';
import { networkPolicyRef } from './connection.js';
import type { RuleCite } from './tree.js';
import { formatRuleCite } from './cite.js';

/** `pods with app=web`, `all pods`; `namespaces with team=a`, `all namespaces`. */
export function describeSelector(sel: LabelSelector, noun: 'pods' | 'namespaces'): string {
  return selectorIsEmpty(sel) ? `all ${noun}` : `${noun} with ${formatSelector(sel)}`;
}

/**
 * One peer in words, with the namespace rule spelled out: a podSelector alone means the policy's own namespace, a
 * namespaceSelector alone every pod of the matching namespaces, both together the matching pods inside them.
 */
export function describePeer(policy: Policy, peer: Peer): string {
  if (peer.kind === 'ipBlock') return `addresses in ${peer.cidr}${peer.except.length ? ` except ${peer.except.join(', ')}` : ''}`;
  const pods = peer.podSelector === null ? 'all pods' : describeSelector(peer.podSelector, 'pods');
  if (peer.namespaceSelector === null) return `${pods} in namespace ${policy.namespace}`;
  if (selectorIsEmpty(peer.namespaceSelector)) return `${pods} in all namespaces`;
  const byName = namespaceByName(peer.namespaceSelector);
  if (byName !== undefined) return `${pods} in namespace ${byName}`;
  return `${pods} in ${describeSelector(peer.namespaceSelector, 'namespaces')}`;
}

/** A selector on the label the API server sets (`kubernetes.io/metadata.name`) alone names one namespace. */
function namespaceByName(sel: LabelSelector): string | undefined {
  const keys = Object.keys(sel.matchLabels);
  if (sel.matchExpressions.length === 0 && keys.length === 1 && keys[0] === 'kubernetes.io/metadata.name') return sel.matchLabels['kubernetes.io/metadata.name'];
  return undefined;
}

/** `80/TCP`, `8000-8100/TCP`, `port named http/TCP`, `every UDP port`. */
export function describePortSpec(spec: PortSpec): string {
  if (spec.port === null) return `every ${spec.protocol} port`;
  if (typeof spec.port === 'string') return `port named ${spec.port}/${spec.protocol}`;
  return formatPortSpec(spec);
}

export function describePorts(ports: readonly PortSpec[] | null): string {
  return ports === null ? 'every port' : ports.map(describePortSpec).join(', ');
}

/** `from pods with app=api in namespace app, on 80/TCP`; `to anywhere, on every port`. */
export function describeRule(policy: Policy, rule: Rule): string {
  const dir = rule.direction === 'ingress' ? 'from' : 'to';
  const peers = rule.peers === null ? 'anywhere (every pod and every address)' : rule.peers.map((p) => describePeer(policy, p)).join(' or ');
  return `${dir} ${peers}, on ${describePorts(rule.ports)}`;
}

/** Whether the policy's policyTypes make this rule count. */
export function ruleIsActive(policy: Policy, rule: Rule): boolean {
  return rule.direction === 'ingress' ? policy.ingressIsolation : policy.egressIsolation;
}

/** `policy.yaml:12`. */
export function formatLocation(loc: Location | undefined): string | undefined {
  if (!loc || loc.line <= 0) return undefined;
  return `${loc.file}:${loc.line}`;
}

/**
 * A RuleRef in words: `app/allow-api ingress rule 0 (from[1], ports[0])`: the indices are the ones of the manifest,
 * so that a person finds the exact lines. The same style as every rule of an explanation (`formatRuleCite`).
 */
export function describeRuleRef(ref: RuleRef): string {
  const c: RuleCite = { policy: networkPolicyRef(ref.policy), direction: ref.direction, rule: ref.rule };
  if (ref.peer !== undefined) c.peer = ref.peer;
  if (ref.port !== undefined) c.port = ref.port;
  return formatRuleCite(c);
}
