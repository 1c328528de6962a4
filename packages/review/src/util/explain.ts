import { describeTierStep, describeTierWalk, type CheckResult, type DirectionVerdict, type Hop, type RuleRef } from '@kordon/engine';

/** `ns/name spec.ingress[0].from[1]`: a rule reference as a person finds it in the manifest. */
export function formatRuleRef(r: RuleRef): string {
  const field = r.direction === 'ingress' ? 'from' : 'to';
  const peer = r.peer === undefined ? '' : `.${field}[${r.peer}]`;
  const port = r.port === undefined ? '' : ` (ports[${r.port}])`;
  return `${r.policy} spec.${r.direction}[${r.rule}]${peer}${port}`;
}

/** With cluster policies, the walk through the tiers; the NetworkPolicy detail when that tier decided. */
function directionLine(v: DirectionVerdict, who: string): string {
  const dir = v.direction;
  if (v.bypass === 'not-a-pod') return `${dir}: ${who} is not a pod, no policy applies`;
  if (v.bypass === 'host-network') return `${dir}: ${who} uses hostNetwork, policies do not select it`;
  if (!v.tiers || v.tiers.length === 0) return networkPolicyLine(v, who);
  const np = v.tiers.findIndex((s) => s.tier === 'NetworkPolicy' && s.outcome !== 'not-isolated');
  if (np < 0) return `${dir}: ${v.allowed ? 'allowed' : 'denied'}: ${describeTierWalk(v.tiers)}`;
  const before = v.tiers.slice(0, np).map((s) => `${describeTierStep(s)} → `).join('');
  return `${dir}: ${v.allowed ? 'allowed' : 'denied'}: ${before}[NetworkPolicy] ${networkPolicyLine(v, who).slice(dir.length + 2)}`;
}

function networkPolicyLine(v: DirectionVerdict, who: string): string {
  const dir = v.direction;
  if (v.bypass === 'not-isolated') return `${dir}: allowed, no policy selects ${who} for ${dir}`;
  if (v.allowed) return `${dir}: allowed by ${v.allowedBy.map(formatRuleRef).join(', ')}`;
  const near = v.nearMisses.slice(0, 3).map((n) => `${formatRuleRef(n.ref)}: ${n.reason}`);
  const isolatedBy = `${who} is isolated for ${dir} by ${v.selectedBy.join(', ')} and no rule matches`;
  return near.length > 0 ? `${dir}: denied, ${isolatedBy}; closest: ${near.join('; ')}` : `${dir}: denied, ${isolatedBy}`;
}

/** The lines that say why one hop was allowed or denied. */
export function explainHop(h: Hop): string[] {
  const head = `${h.from} -> ${h.to} ${h.port}/${h.protocol}${h.purpose === 'dns' ? ' (DNS lookup)' : ''}: ${h.verdict.allowed ? 'allowed' : 'denied'}`;
  if (h.verdict.always === 'same-pod') return [`${head} (a pod always reaches itself)`];
  if (h.verdict.always === 'own-node') return [`${head} (traffic between a pod and its own node is always allowed)`];
  return [head, `  ${directionLine(h.verdict.egress, h.from)}`, `  ${directionLine(h.verdict.ingress, h.to)}`];
}

/** An explanation of a check result: the summary, then the hops that decided it (denied ones first). */
export function explainCheck(r: CheckResult, maxHops = 4): string[] {
  const out: string[] = [r.summary];
  for (const p of r.problems) if (p !== r.summary) out.push(`problem: ${p}`);
  if (r.dns && !r.dns.allowed) {
    const blocked = r.dns.hops.filter((h) => !h.verdict.allowed);
    for (const h of blocked.slice(0, maxHops)) out.push(...explainHop(h));
    return [...out, ...r.notes.map((n) => `note: ${n}`)];
  }
  const hops = [...r.hops].sort((a, b) => Number(a.verdict.allowed) - Number(b.verdict.allowed));
  for (const h of hops.slice(0, maxHops)) out.push(...explainHop(h));
  if (hops.length > maxHops) out.push(`(${hops.length - maxHops} more connections)`);
  return [...out, ...r.notes.map((n) => `note: ${n}`)];
}
