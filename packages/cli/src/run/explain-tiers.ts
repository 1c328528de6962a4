/** `kordon explain` for cluster policies: a listing in evaluation order, each policy's rules in order, each pod's tiers. */
import { formatLocation, type ClusterPolicyExplanation, type PodTierDirection, type PodTiersExplanation, type TierRuleExplanation } from '@kordon/engine';
import type { Colors } from '../io.js';
import { mdTable } from '../output/markdown.js';
import { renderTable } from '../output/table.js';

const LIMIT = 12;
const names = (xs: readonly string[], none = 'no pod of the input'): string => (xs.length === 0 ? none : xs.length <= LIMIT ? xs.join(', ') : `${xs.slice(0, LIMIT).join(', ')} and ${xs.length - LIMIT} more`);
const where = (loc: Parameters<typeof formatLocation>[0]): string => {
  const f = formatLocation(loc);
  return f ? ` (${f})` : '';
};

const HEADER = ['TIER', 'ORDER', 'PRIORITY', 'POLICY', 'SUBJECT', 'PODS', 'INGRESS-RULES', 'EGRESS-RULES'];
const row = (p: ClusterPolicyExplanation): string[] => [p.tier, String(p.order), p.priority === null ? '-' : String(p.priority), p.id, p.subject.text, String(p.subject.pods.length), String(p.ingress.length), String(p.egress.length)];

/** Admin first, then Baseline, each in evaluation order. */
const ordered = (ps: readonly ClusterPolicyExplanation[]) => [...ps].sort((a, b) => (a.tier === b.tier ? a.order - b.order : a.tier === 'Admin' ? -1 : 1));

export function tierListing(ps: readonly ClusterPolicyExplanation[], c: Colors): string[] {
  if (ps.length === 0) return ['  none selected'];
  return [renderTable(HEADER, ordered(ps).map(row), { headerStyle: c.dim, align: ['left', 'right', 'right', 'left', 'left', 'right', 'right', 'right'] }).trimEnd()];
}

function actionWord(r: TierRuleExplanation, c: Colors): string {
  const w = r.failClosed === 'deny-all' ? `${r.writtenAction} (fails closed: denies everything)` : r.failClosed === 'match-nothing' ? `${r.writtenAction} (fails closed: matches nothing)` : r.writtenAction;
  return r.action === 'Deny' ? c.red(w) : r.action === 'Accept' ? c.green(w) : c.yellow(w);
}

function ruleLines(r: TierRuleExplanation, c: Colors): string[] {
  const field = r.direction === 'ingress' ? 'from' : 'to';
  const noun = r.direction === 'ingress' ? 'Ingress' : 'Egress';
  const lines = [`  ${c.bold(`${noun} rule ${r.index}`)}${r.name ? ` "${r.name}"` : ''}${where(r.location)}: ${actionWord(r, c)} on ${r.protocols === null ? 'every port' : r.protocols.join(', ')}`];
  for (const p of r.peers) lines.push(`      ${field}[${p.index}] ${p.text}: ${names(p.pods, p.kind === 'networks' ? 'no pod IP of the input inside' : p.kind === 'domainNames' ? 'cannot be decided from manifests' : 'no pod of the input')}${p.addresses ? ` (addresses ${p.addresses.join(', ') || 'none'})` : ''}`);
  return lines;
}

export function clusterPolicyText(p: ClusterPolicyExplanation, c: Colors): string[] {
  const lines = [`${c.bold(`Cluster policy ${p.id}`)}${where(p.location)}`, `  ${p.summary[0]}`, `  Selects ${p.subject.text}: ${names(p.subject.pods)}.`];
  for (const dir of ['ingress', 'egress'] as const) {
    const rules = dir === 'ingress' ? p.ingress : p.egress;
    if (rules.length === 0) lines.push(c.dim(`  ${dir === 'ingress' ? 'Ingress' : 'Egress'}: no rules; the policy does not affect ${dir}`));
    for (const r of rules) lines.push(...ruleLines(r, c));
  }
  return lines;
}

export function podTierLines(d: PodTierDirection, c: Colors): string[] {
  return [`  ${d.direction} tiers: ${d.admin.length || d.baseline.length ? d.text : c.dim(d.text)}`];
}

export function clusterPolicyMd(ps: readonly ClusterPolicyExplanation[], pods: readonly PodTiersExplanation[]): string[] {
  const out: string[] = ['# Cluster policies', ''];
  out.push(ps.length ? mdTable(HEADER.map((h) => h.toLowerCase()), ordered(ps).map(row), ['left', 'right', 'right', 'left', 'left', 'right', 'right', 'right']) : 'None selected.\n');
  for (const p of ordered(ps)) {
    out.push(`## ${p.id}`, '');
    for (const s of p.summary) out.push(`- ${s}`);
    out.push('');
  }
  if (pods.length) {
    out.push('# Tiers per pod', '');
    out.push(mdTable(['pod', 'ingress', 'egress'], pods.map((t) => [t.pod, t.ingress.text, t.egress.text])));
  }
  return out;
}
