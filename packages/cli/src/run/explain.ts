import {
  explainClusterPolicy,
  explainPod,
  explainPodTiers,
  explainPolicy,
  formatLocation,
  policyListing,
  clusterModel,
  type Cluster,
  type ClusterPolicyExplanation,
  type PodDirectionExplanation,
  type PodTiersExplanation,
  type PodExplanation,
  type PolicyExplanation,
  type PolicyListingRow,
  type RuleExplanation,
} from '@kordon/engine';
import type { ExplainOptions } from '../commands/explain.js';
import { colorsFor, UsageError, type CliContext, type Colors } from '../io.js';
import { mdTable } from '../output/markdown.js';
import { renderTable } from '../output/table.js';
import { clusterPolicyMd, clusterPolicyText, podTierLines, tierListing } from './explain-tiers.js';
import { loadInput, namespaceFilter, parseFormat, rejectedSentence, reportDiagnostics, requireObjects } from '../pipeline.js';

export interface ExplainJson {
  listing: PolicyListingRow[];
  policies: PolicyExplanation[];
  pods: PodExplanation[];
  rejectedPolicies: string[];
  /** Present when the input has cluster policies: each in evaluation order, and the tiers of each pod shown. */
  clusterPolicies?: ClusterPolicyExplanation[];
  podTiers?: PodTiersExplanation[];
}

export async function runExplain(ctx: CliContext, paths: readonly string[], opts: ExplainOptions): Promise<number> {
  const format = parseFormat(opts.output, ['text', 'wide', 'json', 'md'] as const);
  const keep = namespaceFilter(opts);
  const loaded = await loadInput(paths, ctx);
  reportDiagnostics(ctx, loaded);
  requireObjects(loaded);
  const data = explainData(loaded.cluster, opts, keep);
  if (format === 'json') ctx.io.out(`${JSON.stringify(data, null, 2)}\n`);
  else if (format === 'md') ctx.io.out(renderMd(data, loaded.cluster));
  else ctx.io.out(renderText(data, loaded.cluster, colorsFor(ctx, 'out'), format === 'wide'));
  return 0;
}

/**
 * The explanation, narrowed to one policy (and its pods) or one pod (and its policies) when asked, and to the
 * namespaces `keep` shows (each explanation still counts every policy of the input).
 */
export function explainData(cluster: Cluster, opts: Pick<ExplainOptions, 'policy' | 'pod'>, keep?: (ns: string) => boolean): ExplainJson {
  let policies = keep ? cluster.policies.filter((p) => keep(p.namespace)) : cluster.policies;
  let pods = keep ? cluster.pods.filter((p) => keep(p.namespace)) : cluster.pods;
  let clusterPolicies = cluster.clusterPolicies;
  const cp = opts.policy === undefined ? undefined : clusterPolicies.find((x) => x.id === opts.policy);
  if (cp) {
    const selected = new Set(explainClusterPolicy(cluster, cp).subject.pods);
    const its = pods.filter((p) => selected.has(`${p.namespace}/${p.name}`));
    return withTiers(cluster, { listing: [], policies: [], pods: its.map((p) => explainPod(cluster, p)), rejectedPolicies: cluster.rejectedPolicies.map((r) => `${r.namespace}/${r.name}`) }, [cp], its);
  }
  if (opts.policy !== undefined) {
    clusterPolicies = [];
    const p = policies.find((x) => x.id === opts.policy);
    if (!p) throw new UsageError(`--policy ${opts.policy}: no valid NetworkPolicy of that name in the input (nor a cluster policy)`, 'write ns/name, or cnp/name, anp/name, banp/name for a cluster policy; kordon explain lists them');
    policies = [p];
    pods = [...clusterModel(cluster).selectedPods(p)];
  }
  if (opts.pod !== undefined) {
    const pod = pods.find((x) => `${x.namespace}/${x.name}` === opts.pod);
    if (!pod) throw new UsageError(`--pod ${opts.pod}: no pod of that name in the input`, 'write ns/name; a workload stands for its pods by its own name');
    pods = pods.filter((x) => x === pod);
    policies = policies.filter((p) => clusterModel(cluster).policySelects(p, pod));
    clusterPolicies = clusterPolicies.filter((c) => explainClusterPolicy(cluster, c).subject.pods.includes(opts.pod!));
  }
  const ids = new Set(policies.map((p) => p.id));
  return withTiers(
    cluster,
    {
      listing: policyListing(cluster).filter((r) => ids.has(`${r.namespace}/${r.name}`)),
      policies: policies.map((p) => explainPolicy(cluster, p)),
      pods: pods.map((p) => explainPod(cluster, p)),
      rejectedPolicies: cluster.rejectedPolicies.map((r) => `${r.namespace}/${r.name}`),
    },
    clusterPolicies,
    pods,
  );
}

/** Adds the cluster policies and each pod's tiers when the input has cluster policies (the JSON is unchanged without). */
function withTiers(cluster: Cluster, data: ExplainJson, clusterPolicies: Cluster['clusterPolicies'], pods: Cluster['pods']): ExplainJson {
  if (cluster.clusterPolicies.length === 0) return data;
  return { ...data, clusterPolicies: clusterPolicies.map((p) => explainClusterPolicy(cluster, p)), podTiers: pods.map((p) => explainPodTiers(cluster, p)) };
}

const LIST_LIMIT = 12;

/** `a, b, c and 9 more`. */
function names(xs: readonly string[], none = 'no pod of the input'): string {
  if (xs.length === 0) return none;
  if (xs.length <= LIST_LIMIT) return xs.join(', ');
  return `${xs.slice(0, LIST_LIMIT).join(', ')} and ${xs.length - LIST_LIMIT} more`;
}

const where = (loc: { file: string; line: number; column: number } | undefined): string => {
  const f = formatLocation(loc);
  return f ? ` (${f})` : '';
};

function listingRows(rows: readonly PolicyListingRow[]): string[][] {
  return rows.map((r) => [r.namespace, r.name, r.podSelector, r.policyTypes || '-', String(r.pods), String(r.ingressRules), String(r.egressRules)]);
}

const LISTING_HEADER = ['NAMESPACE', 'NAME', 'POD-SELECTOR', 'POLICY-TYPES', 'PODS', 'INGRESS-RULES', 'EGRESS-RULES'];

/** `-o wide`, as kubectl widens a listing: the pods each policy selects and where it is written. */
function wideListingRows(data: ExplainJson): string[][] {
  const byId = new Map(data.policies.map((p) => [p.id, p]));
  return data.listing.map((r) => {
    const p = byId.get(`${r.namespace}/${r.name}`);
    return [...listingRows([r])[0]!, p ? names(p.selectedPods.map((x) => x.slice(x.indexOf('/') + 1)), '-') : '-', formatLocation(p?.location) || '-'];
  });
}

function ruleLines(r: RuleExplanation, c: Colors): string[] {
  const field = r.direction === 'ingress' ? 'from' : 'to';
  const noun = r.direction === 'ingress' ? 'Ingress' : 'Egress';
  const lines = [`  ${c.bold(`${noun} rule ${r.index}`)}${where(r.location)}${r.active ? '' : c.yellow(' (ignored: policyTypes does not list it)')}: allows ${r.text}`];
  if (r.peers) for (const p of r.peers) lines.push(`      ${field}[${p.index}] ${p.text}: ${names(p.pods, p.kind === 'ipBlock' ? 'no pod IP of the input inside' : 'no pod of the input')}`);
  return lines;
}

function policyText(p: PolicyExplanation, c: Colors): string[] {
  const lines = [`${c.bold(`Policy ${p.id}`)}${where(p.location)}`];
  lines.push(`  Selects ${p.podSelector ? `pods with ${p.podSelector}` : 'every pod'} in namespace ${p.namespace}: ${names(p.selectedPods)}.`);
  if (p.policyTypes.length === 0) lines.push('  Isolates nothing.');
  else lines.push(`  Isolates them for ${p.policyTypes.join(' and ')}${p.policyTypesDefaulted ? ' (policyTypes not written: defaulted from the rules present)' : ''}.`);
  for (const dir of ['ingress', 'egress'] as const) {
    const rules = dir === 'ingress' ? p.ingress : p.egress;
    if (p.policyTypes.includes(dir) && rules.length === 0) lines.push(`  ${c.red(`${dir === 'ingress' ? 'Ingress' : 'Egress'}: no rules, so it allows nothing`)}`);
    for (const r of rules) lines.push(...ruleLines(r, c));
  }
  return lines;
}

function directionCell(d: PodDirectionExplanation): string {
  if (d.bypass === 'host-network') return 'hostNetwork: open';
  if (!d.isolated) return 'open';
  const by = d.policies.join(', ');
  return d.allowsAll ? `isolated, all allowed (${by})` : d.allowed.length === 0 ? `isolated, nothing allowed (${by})` : `isolated (${by})`;
}

/** The cluster policies that apply to a pod in either direction, in tier order. */
function clusterPoliciesCell(t: PodTiersExplanation | undefined): string {
  if (!t) return '-';
  const ids = [...new Set([...t.ingress.admin, ...t.egress.admin, ...t.ingress.baseline, ...t.egress.baseline])];
  return ids.length ? ids.join(', ') : '-';
}

function podText(p: PodExplanation, c: Colors, tiers?: PodTiersExplanation): string[] {
  const lines = [`${c.bold(`Pod ${p.pod}`)}${p.labels ? ` ${c.dim(`(${p.labels})`)}` : ''}${p.fromTemplate && p.owner ? c.dim(` stand-in for ${p.owner}`) : ''}`];
  for (const d of [p.ingress, p.egress]) {
    const t = tiers?.[d.direction];
    if (t) lines.push(...podTierLines(t, c));
    if (t && !d.isolated && !d.bypass && (t.admin.length > 0 || t.baseline.length > 0)) {
      lines.push(`  ${d.direction} NetworkPolicy: not isolated by any NetworkPolicy (the cluster policies above decide)`);
      continue;
    }
    const state = d.isolated ? (d.allowed.length === 0 ? c.red(d.text) : c.yellow(d.text)) : c.green(d.text);
    lines.push(`  ${tiers ? `${d.direction} NetworkPolicy` : d.direction === 'ingress' ? 'ingress' : 'egress '}: ${state}`);
    const towards = d.direction === 'ingress' ? 'from' : 'to';
    for (const a of d.allowed) {
      const peers = a.anyPeer ? 'anywhere (every pod and address)' : [a.pods.length ? `pods ${names(a.pods)}` : '', ...a.ipBlocks].filter(Boolean).join('; ') || 'no peer of the input';
      lines.push(`    ${a.policy} rule ${a.rule}${where(a.location)}: ${towards} ${peers}; on ${a.ports === null ? 'every port' : a.ports.join(', ')}`);
    }
  }
  return lines;
}

export function renderText(data: ExplainJson, cluster: Cluster, c: Colors, wide = false): string {
  const out: string[] = [];
  out.push(c.bold('NetworkPolicies'));
  const align = ['left', 'left', 'left', 'left', 'right', 'right', 'right'] as const;
  if (data.listing.length && wide) out.push(renderTable([...LISTING_HEADER, 'SELECTED-PODS', 'SOURCE'], wideListingRows(data), { headerStyle: c.dim, align: [...align, 'left', 'left'] }).trimEnd());
  else if (data.listing.length) out.push(renderTable(LISTING_HEADER, listingRows(data.listing), { headerStyle: c.dim, align: [...align] }).trimEnd());
  else out.push(cluster.clusterPolicies.length ? '  none' : '  none: every pod is open in both directions');
  if (cluster.rejectedPolicies.length) out.push(c.yellow(`note: ${rejectedSentence(cluster)}`));
  for (const p of data.policies) out.push('', ...policyText(p, c));
  if (data.clusterPolicies) {
    out.push('', c.bold('Cluster policies'), ...tierListing(data.clusterPolicies, c));
    for (const p of data.clusterPolicies) out.push('', ...clusterPolicyText(p, c));
  }
  const tiersOf = new Map((data.podTiers ?? []).map((t) => [t.pod, t]));
  if (data.pods.length) {
    out.push('', c.bold('Pods'));
    const tierCol = (p: PodExplanation): string[] => (data.podTiers ? [clusterPoliciesCell(tiersOf.get(p.pod))] : []);
    const tierHead = data.podTiers ? ['CLUSTER-POLICIES'] : [];
    if (wide) out.push(renderTable(['POD', 'INGRESS', 'EGRESS', ...tierHead, 'LABELS', 'OWNER'], data.pods.map((p) => [p.pod, directionCell(p.ingress), directionCell(p.egress), ...tierCol(p), p.labels || '-', p.owner ?? '-']), { headerStyle: c.dim }).trimEnd());
    else out.push(renderTable(['POD', 'INGRESS', 'EGRESS', ...tierHead], data.pods.map((p) => [p.pod, directionCell(p.ingress), directionCell(p.egress), ...tierCol(p)]), { headerStyle: c.dim }).trimEnd());
    for (const p of data.pods) out.push('', ...podText(p, c, tiersOf.get(p.pod)));
  }
  return `${out.join('\n')}\n`;
}

export function renderMd(data: ExplainJson, cluster: Cluster): string {
  const out: string[] = ['# NetworkPolicies', ''];
  out.push(data.listing.length ? mdTable(LISTING_HEADER, listingRows(data.listing), ['left', 'left', 'left', 'left', 'right', 'right', 'right']) : cluster.clusterPolicies.length ? 'None.\n' : 'None: every pod is open in both directions.\n');
  if (cluster.rejectedPolicies.length) out.push(`> ${rejectedSentence(cluster)}\n`);
  for (const p of data.policies) {
    out.push(`## ${p.id}`, '');
    for (const s of p.summary) out.push(`- ${s}`);
    out.push('');
  }
  if (data.clusterPolicies) out.push(...clusterPolicyMd(data.clusterPolicies, data.podTiers ?? []));
  if (data.pods.length) {
    out.push('# Pods', '');
    out.push(mdTable(['pod', 'ingress', 'egress'], data.pods.map((p) => [p.pod, directionCell(p.ingress), directionCell(p.egress)])));
  }
  return `${out.join('\n')}\n`;
}
