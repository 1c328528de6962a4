// A check result in a few lines for `kordon test` and review comments, rendered from the engine's explanation tree
// (`explainConnection`) with the engine's words for steps, rule references and near misses, as `kordon check` and the
// page render them.
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
  type Hop,
  type NetworkPolicyStep,
} from '@kordon/engine';

/** With cluster policies, the walk through the tiers; the NetworkPolicy detail when that tier decided. */
function directionLine(d: DirectionExplanation): string {
  const dir = d.direction;
  if (d.bypass === 'not-a-pod') return `${dir}: ${d.endpoint} is not a pod, no policy applies`;
  if (d.bypass === 'host-network') return `${dir}: ${d.endpoint} uses hostNetwork, policies do not select it`;
  const npAt = d.steps.findIndex((s) => s.tier === 'NetworkPolicy' && s.outcome !== 'not-isolated');
  const np = d.steps.find((s): s is NetworkPolicyStep => s.tier === 'NetworkPolicy');
  if (!d.tiered) return networkPolicyLine(d, np);
  if (npAt < 0) return `${dir}: ${d.allowed ? 'allowed' : 'denied'}: ${describeWalk(d)}`;
  const before = d.steps.slice(0, npAt).map((s) => `${describeStep(s)} → `).join('');
  return `${dir}: ${d.allowed ? 'allowed' : 'denied'}: ${before}[NetworkPolicy] ${networkPolicyLine(d, np).slice(dir.length + 2)}`;
}

function networkPolicyLine(d: DirectionExplanation, np: NetworkPolicyStep | undefined): string {
  const dir = d.direction;
  if (!np || np.outcome === 'not-isolated') return `${dir}: allowed, no policy selects ${d.endpoint} for ${dir}`;
  if (np.outcome === 'accept') return `${dir}: allowed by ${np.admittedBy.map((c) => formatRuleCite(c)).join(', ')}`;
  const near = np.nearMisses.slice(0, 3).map((m) => `${formatRuleCite(m.rule)}: ${describeMiss(m)}`);
  const isolatedBy = `${d.endpoint} is isolated for ${dir} by ${np.isolatedBy.map((p) => policyRefText(p.policy)).join(', ')} and no rule matches`;
  return near.length > 0 ? `${dir}: denied, ${isolatedBy}; closest: ${near.join('; ')}` : `${dir}: denied, ${isolatedBy}`;
}

/** The lines that say why one hop was allowed or denied. */
export function explainHop(cluster: Cluster, h: Hop): string[] {
  const t = explainConnection(cluster, h);
  const head = `${t.from} -> ${t.to} ${t.port}/${t.protocol}${t.purpose === 'dns' ? ' (DNS lookup)' : ''}: ${t.allowed ? 'allowed' : 'denied'}`;
  if (t.always === 'same-pod') return [`${head} (a pod always reaches itself)`];
  if (t.always === 'own-node') return [`${head} (traffic between a pod and its own node is always allowed)`];
  return [head, `  ${directionLine(t.egress)}`, `  ${directionLine(t.ingress)}`];
}

/** An explanation of a check result: the summary, then the hops that decided it (denied ones first). */
export function explainCheck(cluster: Cluster, r: CheckResult, maxHops = 4): string[] {
  const out: string[] = [r.summary];
  for (const p of r.problems) if (p !== r.summary) out.push(`problem: ${p}`);
  if (r.dns && !r.dns.allowed) {
    const blocked = r.dns.hops.filter((h) => !h.verdict.allowed);
    for (const h of blocked.slice(0, maxHops)) out.push(...explainHop(cluster, h));
    return [...out, ...r.notes.map((n) => `note: ${n}`)];
  }
  const hops = [...r.hops].sort((a, b) => Number(a.verdict.allowed) - Number(b.verdict.allowed));
  for (const h of hops.slice(0, maxHops)) out.push(...explainHop(cluster, h));
  if (hops.length > maxHops) out.push(`(${hops.length - maxHops} more connections)`);
  return [...out, ...r.notes.map((n) => `note: ${n}`)];
}
