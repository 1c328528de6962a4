import {
  describeMiss,
  describeStep,
  describeWalk,
  explainConnection,
  formatRuleCite,
  policyRefText,
  type CheckResult,
  type Cluster,
  type DirectionExplanation,
  type ExplanationStep,
  type Hop,
  type Location,
  type NetworkPolicyStep,
  type RuleCite,
} from '@kordon/engine';

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

/** The text of `kordon check`, as lines the page can link to the YAML: rendered from the engine's explanation tree. */
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
  const t = explainConnection(cluster, h);
  const always = t.always === 'same-pod' ? ' (a pod always reaches itself)' : t.always === 'own-node' ? ' (traffic between a pod and its own node is always allowed)' : '';
  out.push({ text: `${t.from} → ${t.to} ${t.port}/${t.protocol}: ${t.allowed ? 'allowed' : 'denied'}${always}`, depth, tone: t.allowed ? 'allowed' : 'denied' });
  directionLines(t.egress, `egress of ${t.from}`, out, depth + 1);
  directionLines(t.ingress, `ingress of ${t.to}`, out, depth + 1);
}

function directionLines(d: DirectionExplanation, who: string, out: ExplainLine[], depth: number): void {
  if (d.bypass === 'not-a-pod') {
    out.push({ text: `${who}: an address outside the cluster's pods has no policy`, depth, tone: 'note' });
    return;
  }
  if (d.bypass === 'host-network') {
    out.push({ text: `${who}: hostNetwork pods are not selected by NetworkPolicy`, depth, tone: 'note' });
    return;
  }
  if (d.tiered) {
    tierLines(d, who, out, depth);
    return;
  }
  networkPolicyLines(d, who, out, depth);
}

const STEP_TONE: Readonly<Record<ExplanationStep['outcome'], ExplainLine['tone']>> = { accept: 'allowed', deny: 'denied', pass: 'note', 'no-match': 'note', 'not-isolated': 'note' };

/**
 * The walk through the tiers, as `kordon check` prints it: one line per tier, linked to the deciding (or passing) rule,
 * with ties and the nearest misses under it; the NetworkPolicy tier, when it decides, with its own rule-level lines.
 */
function tierLines(d: DirectionExplanation, who: string, out: ExplainLine[], depth: number): void {
  out.push({ text: `${who}: ${d.allowed ? 'allowed' : 'denied'}: ${describeWalk(d)}`, depth, tone: d.allowed ? 'allowed' : 'denied' });
  for (const st of d.steps) {
    out.push({ text: describeStep(st), depth: depth + 1, tone: STEP_TONE[st.outcome], ...linkOf(st.tier === 'NetworkPolicy' ? undefined : st.decidedBy?.source) });
    if (st.tier === 'NetworkPolicy') {
      if (st.outcome !== 'not-isolated') networkPolicyLines(d, who, out, depth + 2);
      continue;
    }
    if (st.ambiguousWith.length) out.push({ text: `tie: ${st.ambiguousWith.map(policyRefText).join(', ')} ${st.ambiguousWith.length === 1 ? 'has' : 'have'} the same priority and would decide otherwise; the API leaves the order to the implementation`, depth: depth + 2, tone: 'note' });
    for (const m of st.nearMisses.slice(0, 3)) out.push({ text: `closest: ${formatRuleCite(m.rule)}${m.tier === 'NetworkPolicy' ? '' : ` (${m.action})`} — ${m.failed} does not match: ${describeMiss(m)}`, depth: depth + 2, tone: 'note', ...linkOf(m.rule.source) });
  }
  if (d.byDefault) out.push({ text: 'no tier decided: allowed by default', depth: depth + 1, tone: 'allowed' });
}

function networkPolicyLines(d: DirectionExplanation, who: string, out: ExplainLine[], depth: number): void {
  const np = d.steps.find((s): s is NetworkPolicyStep => s.tier === 'NetworkPolicy');
  if (!np || np.outcome === 'not-isolated') {
    out.push({ text: `${who}: allowed, no policy selects it for ${d.direction}`, depth, tone: 'allowed' });
    return;
  }
  if (np.outcome === 'accept') {
    out.push({ text: `${who}: allowed`, depth, tone: 'allowed' });
    for (const ref of np.admittedBy) out.push(ruleLine(ref, 'by', depth + 1));
    return;
  }
  out.push({ text: `${who}: denied, isolated by ${np.isolatedBy.map((p) => policyRefText(p.policy)).join(', ')} and no rule admits it`, depth, tone: 'denied' });
  for (const p of np.withoutRules) out.push({ text: `${policyRefText(p.policy)} has no ${d.direction} rules: it denies all ${d.direction}`, depth: depth + 1, ...linkOf(p.source) });
  for (const m of np.nearMisses.slice(0, 6)) {
    const l = ruleLine(m.rule, 'closest:', depth + 1);
    l.text += ` — ${m.failed} does not match: ${describeMiss(m)}`;
    l.tone = 'note';
    out.push(l);
  }
  // Rules that would admit it but do nothing: their policy's policyTypes leave this direction out.
  for (const x of np.ignored) {
    const type = d.direction === 'ingress' ? 'Ingress' : 'Egress';
    const l = ruleLine(x.rule, 'ignored:', depth + 1);
    l.text += ` would admit it, but policyTypes [${x.policyTypes.join(', ')}] leaves out ${type}; add ${type} to spec.policyTypes to make the rule count`;
    l.tone = 'note';
    out.push(l);
  }
}

function ruleLine(ref: RuleCite, verb: string, depth: number): ExplainLine {
  // The engine's words for a rule reference, as `kordon check` prints them: the indices are the manifest's.
  return { text: `${verb} ${formatRuleCite(ref)}`, depth, tone: 'allowed', ...linkOf(ref.source) };
}

function linkOf(loc: Location | undefined): { link?: SourceLink } {
  return loc && loc.line > 0 ? { link: { file: loc.file, line: loc.line, column: loc.column } } : {};
}
