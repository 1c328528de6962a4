import { describeRuleRef, describeTierStep, describeTierWalk, locateRule, policyRefText, type CheckResult, type Cluster, type DirectionVerdict, type Hop, type Location, type RuleRef, type TierStep } from '@kordon/engine';

/** A place in the YAML a line of the explanation points at. */
export interface SourceLink {
  file: string;
  line: number;
  column: number;
}

export interface ExplainLine {
  text: string;
  /** Indentation depth (0: a hop's headline). */
  depth: number;
  tone?: 'allowed' | 'denied' | 'note';
  link?: SourceLink;
}

export interface Explanation {
  verdict: 'allowed' | 'denied' | 'partial';
  title: string;
  summary: string;
  lines: ExplainLine[];
}

const MAX_HOPS = 12;

/** The text of `kordon check`, as lines the page can link to the YAML. */
export function explainCheck(cluster: Cluster, r: CheckResult): Explanation {
  const lines: ExplainLine[] = [];
  for (const p of r.problems) lines.push({ text: `problem: ${p}`, depth: 0, tone: 'denied' });
  for (const n of r.notes) lines.push({ text: `note: ${n}`, depth: 0, tone: 'note' });
  if (r.dns) {
    lines.push({ text: `DNS lookup: ${r.dns.allowed ? 'allowed' : 'blocked'}${r.dns.needed ? '' : ' (source is not isolated for egress)'}${r.dns.assumed ? ' (DNS pods assumed)' : ''}`, depth: 0, tone: r.dns.allowed ? 'allowed' : 'denied' });
    // As `kordon check` does: the lookups are shown whenever policies decide them (the client is egress-isolated).
    if (r.dns.needed || !r.dns.allowed) for (const h of r.dns.hops.slice(0, 3)) hopLines(cluster, h, lines, 1);
  }
  if (r.service) {
    lines.push({ text: `Service ${r.service.namespace}/${r.service.name} port ${r.service.port}/${r.service.protocol} → targetPort ${r.service.targetPort}; endpoints: ${r.service.endpoints.join(', ') || 'none'}`, depth: 0 });
  }
  for (const h of r.hops.slice(0, MAX_HOPS)) hopLines(cluster, h, lines, 0);
  if (r.hops.length > MAX_HOPS) lines.push({ text: `… and ${r.hops.length - MAX_HOPS} more endpoint pairs`, depth: 0, tone: 'note' });
  return {
    verdict: r.partial ? 'partial' : r.verdict,
    title: `${r.from} → ${r.to}${r.port ? ` on ${r.port}` : ''}`,
    summary: r.summary,
    lines,
  };
}

function hopLines(cluster: Cluster, h: Hop, out: ExplainLine[], depth: number): void {
  const v = h.verdict;
  const always = v.always === 'same-pod' ? ' (a pod always reaches itself)' : v.always === 'own-node' ? ' (traffic between a pod and its own node is always allowed)' : '';
  out.push({ text: `${h.from} → ${h.to} ${h.port}/${h.protocol}: ${v.allowed ? 'allowed' : 'denied'}${always}`, depth, tone: v.allowed ? 'allowed' : 'denied' });
  directionLines(cluster, v.egress, `egress of ${h.from}`, out, depth + 1);
  directionLines(cluster, v.ingress, `ingress of ${h.to}`, out, depth + 1);
}

function directionLines(cluster: Cluster, d: DirectionVerdict, who: string, out: ExplainLine[], depth: number): void {
  if (d.bypass === 'not-a-pod') {
    out.push({ text: `${who}: an address outside the cluster's pods has no policy`, depth, tone: 'note' });
    return;
  }
  if (d.bypass === 'host-network') {
    out.push({ text: `${who}: hostNetwork pods are not selected by NetworkPolicy`, depth, tone: 'note' });
    return;
  }
  if (d.tiers && d.tiers.length > 0) {
    tierLines(cluster, d, d.tiers, who, out, depth);
    return;
  }
  networkPolicyLines(cluster, d, who, out, depth);
}

const STEP_TONE: Readonly<Record<TierStep['outcome'], ExplainLine['tone']>> = { accept: 'allowed', deny: 'denied', pass: 'note', 'no-match': 'note', 'not-isolated': 'note' };

/**
 * The walk through the tiers, as `kordon check` prints it: one line per tier, linked to the deciding (or passing) rule,
 * with ties and the nearest misses under it; the NetworkPolicy tier, when it decides, with its own rule-level lines.
 */
function tierLines(cluster: Cluster, d: DirectionVerdict, steps: readonly TierStep[], who: string, out: ExplainLine[], depth: number): void {
  out.push({ text: `${who}: ${d.allowed ? 'allowed' : 'denied'}: ${describeTierWalk(steps)}`, depth, tone: d.allowed ? 'allowed' : 'denied' });
  for (const st of steps) {
    out.push({ text: describeTierStep(st), depth: depth + 1, tone: STEP_TONE[st.outcome], ...linkOf(st.source) });
    if (st.ambiguousWith?.length) out.push({ text: `tie: ${st.ambiguousWith.map(policyRefText).join(', ')} ${st.ambiguousWith.length === 1 ? 'has' : 'have'} the same priority and would decide otherwise; the API leaves the order to the implementation`, depth: depth + 2, tone: 'note' });
    for (const m of (st.nearMisses ?? []).slice(0, 3)) out.push({ text: `closest: ${policyRefText(m.policy)} rule ${m.rule}${m.ruleName ? ` "${m.ruleName}"` : ''} (${m.action}) — ${m.failed} does not match: ${m.reason}`, depth: depth + 2, tone: 'note', ...linkOf(m.source) });
    if (st.tier === 'NetworkPolicy' && st.outcome !== 'not-isolated') networkPolicyLines(cluster, d, who, out, depth + 2);
  }
  const last = steps[steps.length - 1];
  if (last && last.tier === 'Baseline' && (last.outcome === 'no-match' || last.outcome === 'pass')) out.push({ text: 'no tier decided: allowed by default', depth: depth + 1, tone: 'allowed' });
}

function networkPolicyLines(cluster: Cluster, d: DirectionVerdict, who: string, out: ExplainLine[], depth: number): void {
  if (d.bypass === 'not-isolated') {
    out.push({ text: `${who}: allowed, no policy selects it for ${d.direction}`, depth, tone: 'allowed' });
    return;
  }
  if (d.allowed) {
    out.push({ text: `${who}: allowed`, depth, tone: 'allowed' });
    for (const ref of d.allowedBy) out.push(ruleLine(cluster, ref, 'by', depth + 1));
    return;
  }
  out.push({ text: `${who}: denied, isolated by ${d.selectedBy.join(', ')} and no rule admits it`, depth, tone: 'denied' });
  for (const p of d.selectedBy) {
    const pol = cluster.policies.find((x) => x.id === p);
    const rules = pol ? (d.direction === 'ingress' ? pol.ingress : pol.egress).length : 0;
    if (pol && rules === 0) out.push({ text: `${p} has no ${d.direction} rules: it denies all ${d.direction}`, depth: depth + 1, ...linkOf(pol.source) });
  }
  for (const m of d.nearMisses.slice(0, 6)) {
    const l = ruleLine(cluster, m.ref, 'closest:', depth + 1);
    l.text += ` — ${m.failed} does not match: ${m.reason}`;
    l.tone = 'note';
    out.push(l);
  }
  // Rules that would admit it but do nothing: their policy's policyTypes leave this direction out.
  for (const ref of d.ignored ?? []) {
    const pol = cluster.policies.find((x) => x.id === ref.policy);
    const types = pol ? [pol.ingressIsolation ? 'Ingress' : '', pol.egressIsolation ? 'Egress' : ''].filter(Boolean).join(', ') : '';
    const type = d.direction === 'ingress' ? 'Ingress' : 'Egress';
    const l = ruleLine(cluster, ref, 'ignored:', depth + 1);
    l.text += ` would admit it, but policyTypes [${types}] leaves out ${type}; add ${type} to spec.policyTypes to make the rule count`;
    l.tone = 'note';
    out.push(l);
  }
}

function ruleLine(cluster: Cluster, ref: RuleRef, verb: string, depth: number): ExplainLine {
  const pol = cluster.policies.find((p) => p.id === ref.policy);
  const loc = pol ? locateRule(pol, ref) : undefined;
  // The engine's words for a rule reference, as `kordon check` prints them: the indices are the manifest's.
  return { text: `${verb} ${describeRuleRef(ref)}`, depth, tone: 'allowed', ...linkOf(loc) };
}

function linkOf(loc: Location | undefined): { link?: SourceLink } {
  return loc && loc.line > 0 ? { link: { file: loc.file, line: loc.line, column: loc.column } } : {};
}
