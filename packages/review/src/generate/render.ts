import type { LabelSelector } from '@kordon/engine';
import type { PlannedPeer, PlannedPolicy, PlannedRule } from './plan.js';

const KEYWORDS = /^(true|false|yes|no|on|off|y|n|null|~)$/i;

/** A YAML scalar: plain when it reads back as the same string, else double-quoted (JSON escapes are YAML's too). */
export function scalar(s: string): string {
  if (s !== '' && /^[A-Za-z_][A-Za-z0-9_./-]*$/.test(s) && !KEYWORDS.test(s)) return s;
  return JSON.stringify(s);
}

/** Comment text on one line, whatever the input's names hold. */
const comment = (s: string): string => s.replace(/[\r\n]+/g, ' ');

function selectorLines(sel: LabelSelector, indent: string): string[] {
  const labels = Object.entries(sel.matchLabels);
  if (labels.length === 0 && sel.matchExpressions.length === 0) return [' {}'];
  const out: string[] = [''];
  if (labels.length > 0) {
    out.push(`${indent}matchLabels:`);
    for (const [k, v] of labels) out.push(`${indent}  ${scalar(k)}: ${scalar(v)}`);
  }
  if (sel.matchExpressions.length > 0) {
    out.push(`${indent}matchExpressions:`);
    for (const e of sel.matchExpressions) {
      out.push(`${indent}  - key: ${scalar(e.key)}`, `${indent}    operator: ${e.operator}`);
      if (e.operator === 'In' || e.operator === 'NotIn') out.push(`${indent}    values: [${e.values.map(scalar).join(', ')}]`);
    }
  }
  return out;
}

/** `key:` followed by the selector, on its line when empty (`key: {}`), else below. */
function selectorField(key: string, sel: LabelSelector, indent: string): string[] {
  const [first, ...rest] = selectorLines(sel, `${indent}  `);
  return [`${indent}${key}:${first}`, ...rest];
}

const nsSelector = (ns: string): LabelSelector => ({ matchLabels: { 'kubernetes.io/metadata.name': ns }, matchExpressions: [] });

function peerLines(p: PlannedPeer, policyNs: string, dns: { namespace: string; selector: Record<string, string> }, indent: string): string[] {
  const out = [`${indent}# ${comment(p.note)}`];
  const item = (lines: string[]) => [`${indent}- ${lines[0]!.trimStart()}`, ...lines.slice(1)];
  const inner = `${indent}  `;
  if (p.kind === 'cidr') return [...out, `${indent}- ipBlock:`, `${inner}  cidr: ${p.cidr}`];
  if (p.kind === 'dns') return [...out, ...item([...selectorField('namespaceSelector', nsSelector(dns.namespace), inner), ...selectorField('podSelector', { matchLabels: dns.selector, matchExpressions: [] }, inner)])];
  if (p.kind === 'namespace') {
    if (p.namespace === policyNs) return [...out, ...item(selectorField('podSelector', { matchLabels: {}, matchExpressions: [] }, inner))];
    return [...out, ...item(selectorField('namespaceSelector', nsSelector(p.namespace), inner))];
  }
  if (p.unit.namespace === policyNs) return [...out, ...item(selectorField('podSelector', p.unit.selector, inner))];
  return [...out, ...item([...selectorField('namespaceSelector', nsSelector(p.unit.namespace), inner), ...selectorField('podSelector', p.unit.selector, inner)])];
}

function ruleLines(r: PlannedRule, key: 'from' | 'to', policyNs: string, dns: { namespace: string; selector: Record<string, string> }): string[] {
  const out = [`    - ${key}:`];
  for (const p of r.peers) out.push(...peerLines(p, policyNs, dns, '        '));
  out.push('      ports:');
  for (const p of r.ports) out.push(`        - protocol: ${p.protocol}`, `          port: ${typeof p.port === 'number' ? p.port : scalar(p.port)}`);
  return out;
}

/** One NetworkPolicy as a YAML document, with the comments that say where each rule comes from. */
export function renderPolicy(p: PlannedPolicy, dns: { namespace: string; selector: Record<string, string> }): string {
  const lines = [...p.comment.map((c) => `# ${comment(c)}`), 'apiVersion: networking.k8s.io/v1', 'kind: NetworkPolicy', 'metadata:', `  name: ${scalar(p.name)}`, `  namespace: ${scalar(p.namespace)}`, '  labels:', '    app.kubernetes.io/managed-by: kordon-generate', 'spec:'];
  lines.push(...selectorField('podSelector', p.selector, '  '));
  lines.push('  policyTypes:', ...p.policyTypes.map((t) => `    - ${t}`));
  if (p.ingress.length > 0) {
    lines.push('  ingress:');
    for (const r of p.ingress) lines.push(...ruleLines(r, 'from', p.namespace, dns));
  }
  if (p.egress.length > 0) {
    lines.push('  egress:');
    for (const r of p.egress) lines.push(...ruleLines(r, 'to', p.namespace, dns));
  }
  return `${lines.join('\n')}\n`;
}

/** Every policy of a namespace in one file, `---` between documents. */
export function renderFiles(policies: readonly PlannedPolicy[], dns: { namespace: string; selector: Record<string, string> }): Array<{ name: string; namespace: string; text: string }> {
  const byNs = new Map<string, PlannedPolicy[]>();
  for (const p of policies) byNs.set(p.namespace, [...(byNs.get(p.namespace) ?? []), p]);
  return [...byNs.entries()].map(([ns, ps]) => ({ name: `${ns}.yaml`, namespace: ns, text: ps.map((p) => renderPolicy(p, dns)).join('---\n') }));
}

type Data = Record<string, unknown>;
/** A label selector as plain data, as it is written in a manifest. */
export const selectorData = (sel: LabelSelector): Data => {
  const out: Data = {};
  if (Object.keys(sel.matchLabels).length > 0) out['matchLabels'] = { ...sel.matchLabels };
  if (sel.matchExpressions.length > 0) out['matchExpressions'] = sel.matchExpressions.map((e) => (e.operator === 'In' || e.operator === 'NotIn' ? { key: e.key, operator: e.operator, values: [...e.values] } : { key: e.key, operator: e.operator }));
  return out;
};

function peerData(p: PlannedPeer, policyNs: string, dns: { namespace: string; selector: Record<string, string> }): Data {
  if (p.kind === 'cidr') return { ipBlock: { cidr: p.cidr } };
  if (p.kind === 'dns') return { namespaceSelector: selectorData(nsSelector(dns.namespace)), podSelector: { matchLabels: { ...dns.selector } } };
  if (p.kind === 'namespace') return p.namespace === policyNs ? { podSelector: {} } : { namespaceSelector: selectorData(nsSelector(p.namespace)) };
  if (p.unit.namespace === policyNs) return { podSelector: selectorData(p.unit.selector) };
  return { namespaceSelector: selectorData(nsSelector(p.unit.namespace)), podSelector: selectorData(p.unit.selector) };
}

/** One planned rule as plain data (to extend a policy of the input), the same fields `renderPolicy` writes. */
export function ruleData(r: PlannedRule, key: 'from' | 'to', policyNs: string, dns: { namespace: string; selector: Record<string, string> }): Data {
  return { [key]: r.peers.map((p) => peerData(p, policyNs, dns)), ports: r.ports.map((p) => ({ protocol: p.protocol, port: p.port })) };
}
