import { computeMatrix, evaluate, formatIP, formatSelector, parseIP, type Cluster, type DirectionVerdict, type Endpoint, type Pod, type Protocol, type RuleRef } from '@kordon/engine';
import type { PlannedPeer, PlannedPolicy } from './plan.js';
import { endKey, type End, type Need, type Requirements } from './required.js';
import type { Unit } from './units.js';

/** A group of connections the generated policies allow although nobody asked for them. */
export interface ExtraFlow {
  /** Workload (or address) to workload, as `kordon check` names them. */
  from: string;
  to: string;
  port: string;
  /** How many pod (or address) pairs of the group. */
  pairs: number;
  /** One of them. */
  example: string;
  /** Every pair of the group with its port, `ns/a -> ns/b 80/TCP` (the first 1000). */
  pairList: string[];
  /** Why the policies allow it, from the rules the engine says admit it. */
  reason: string;
  kind: 'workload' | 'shared-label' | 'cidr' | 'dns' | 'not-isolated' | 'existing' | 'guardrail';
}

export interface FlowCheck {
  total: number;
  /** Connections that came out wrong, each with the engine's reason. */
  failures: Array<{ flow: string; origins: string[]; reason: string }>;
}

export interface PolicyProof {
  /** Every connection asked for (expectations, flows), checked in the matrix with the generated policies. */
  allowed: FlowCheck;
  /** Every connection an expectation says must be denied. */
  denied: FlowCheck;
  extras: ExtraFlow[];
  extraPairs: number;
}

interface Context {
  final: Cluster;
  base: Cluster;
  unitOf: ReadonlyMap<Pod, Unit>;
  planned: ReadonlyMap<string, PlannedPolicy>;
  scope: ReadonlySet<string>;
  /** The input's pods by `ns/name`: the final cluster's pods are rebuilt objects. */
  basePod: ReadonlyMap<string, Pod>;
}

/**
 * Computes the matrix with the generated policies (the engine's `computeMatrix`) over every pod and every address the
 * inputs name, and compares it with what was asked: every allowed connection must be allowed, every denied one denied,
 * and each other allowed cell that touches a generated namespace is an extra flow, explained from the rules the engine
 * says admit it (`evaluate`).
 */
export function provePolicies(ctx: Context, req: Requirements, samples: readonly string[]): PolicyProof {
  const { final } = ctx;
  const ips = [...new Set([...req.allow, ...req.deny].flatMap((n) => [n.src, n.dst]).filter((e): e is Extract<End, { kind: 'ip' }> => e.kind === 'ip').map((e) => e.ip).concat(samples))];
  const m = computeMatrix(final, { ips });
  const n = m.endpoints.length;
  const index = new Map(m.endpoints.map((e, i) => [e, i]));
  const finalPod = new Map(final.pods.map((p) => [`${p.namespace}/${p.name}`, p]));
  const basePod = ctx.basePod;
  const colOf = new Map(m.columns.map((c, i) => [c.label, i]));
  const endpoint = (i: number): Endpoint => (i < m.podCount ? { kind: 'pod', pod: finalPod.get(m.endpoints[i]!)! } : { kind: 'ip', ip: m.endpoints[i]! });

  const required = new Map<number, Set<number>>();
  const check = (needs: readonly Need[], want: boolean): FlowCheck => {
    const failures: FlowCheck['failures'] = [];
    for (const nd of needs) {
      const i = index.get(endKey(nd.src));
      const j = index.get(endKey(nd.dst));
      if (i === undefined || j === undefined) continue;
      const col = colOf.get(`${nd.port}/${nd.protocol}`);
      let ok: boolean;
      if (col !== undefined) {
        ok = m.allowed(col, i, j) ?? false;
        if (want) {
          const s = required.get(col) ?? new Set<number>();
          s.add(i * n + j);
          required.set(col, s);
        }
      } else ok = evaluate(final, { from: endpoint(i), to: endpoint(j), port: nd.port, protocol: nd.protocol }).allowed;
      if (ok !== want) {
        const v = evaluate(final, { from: endpoint(i), to: endpoint(j), port: nd.port, protocol: nd.protocol });
        const reason = want ? deniedReason(v.egress, v.ingress) : extraReason(ctx, v.egress, v.ingress, endpoint(i), endpoint(j)).reason;
        failures.push({ flow: `${endKey(nd.src)} -> ${endKey(nd.dst)} ${nd.port}/${nd.protocol}`, origins: nd.origins, reason });
      }
    }
    return { total: needs.length, failures };
  };
  const allowed = check(req.allow, true);
  const denied = check(req.deny, false);

  // Extra cells, grouped by workload pair and column; each group explained from one of its cells.
  const inScope = (i: number): boolean => {
    if (i >= m.podCount) return false;
    const p = basePod.get(m.endpoints[i]!);
    return p !== undefined && !p.hostNetwork && ctx.scope.has(p.namespace);
  };
  const scoped = Array.from({ length: n }, (_, i) => inScope(i));
  const group = Array.from({ length: n }, (_, i) => {
    if (i >= m.podCount) return m.endpoints[i]!;
    const p = basePod.get(m.endpoints[i]!);
    const u = p ? ctx.unitOf.get(p) : undefined;
    return u ? u.id : m.endpoints[i]!;
  });
  const groups = new Map<string, { from: string; to: string; col: number; pairs: number; i: number; j: number; list: string[] }>();
  // Endpoints of one matrix class answer alike: test one pair per class pair, and expand only the allowed ones.
  const K = m.stats.classes;
  const members: number[][] = Array.from({ length: K }, () => []);
  for (let i = 0; i < n; i++) members[m.classOf(i)]!.push(i);
  const scopedClass = members.map((ms) => ms.some((i) => scoped[i]));
  const sameCols = new Map<number, number[]>();
  m.columns.forEach((_, col) => {
    const first = m.sameAs(col);
    sameCols.set(first, [...(sameCols.get(first) ?? []), col]);
  });
  const record = (col: number, i: number, j: number) => {
    if (required.get(col)?.has(i * n + j)) return;
    const k = `${group[i]}\u0000${group[j]}\u0000${col}`;
    const g = groups.get(k);
    const pair = `${m.endpoints[i]} -> ${m.endpoints[j]} ${m.columns[col]!.label}`;
    if (g) {
      g.pairs++;
      if (g.list.length < 1000) g.list.push(pair);
    } else groups.set(k, { from: group[i]!, to: group[j]!, col, pairs: 1, i, j, list: [pair] });
  };
  for (const [first, cols] of sameCols) {
    for (let a = 0; a < K; a++) {
      const as = members[a]!;
      for (let b = 0; b < K; b++) {
        if (!(scopedClass[a] || scopedClass[b])) continue;
        const bs = members[b]!;
        // A representative pair of two distinct endpoints (a class paired with itself needs two members).
        const i = as[0]!;
        const j = a === b ? bs[1] : bs[0]!;
        if (j === undefined || !m.allowed(first, i, j)) continue;
        for (const x of as) {
          for (const y of bs) {
            if (x === y || !(scoped[x] || scoped[y]) || !m.allowed(first, x, y)) continue;
            for (const col of cols) record(col, x, y);
          }
        }
      }
    }
  }
  const extras: ExtraFlow[] = [];
  for (const g of groups.values()) {
    const c = m.columns[g.col]!;
    const from = endpoint(g.i);
    const to = endpoint(g.j);
    const v = evaluate(final, { from, to, port: c.port, protocol: c.protocol });
    if (v.always) continue; // a pod and its own node: allowed whatever the policies say
    const r = extraReason(ctx, v.egress, v.ingress, from, to);
    extras.push({ from: titleOf(ctx, g.i < m.podCount ? basePod.get(m.endpoints[g.i]!) : undefined, g.from), to: titleOf(ctx, g.j < m.podCount ? basePod.get(m.endpoints[g.j]!) : undefined, g.to), port: c.label, pairs: g.pairs, example: g.list[0]!, pairList: g.list, ...r });
  }
  mergeDns(extras);
  extras.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : a.port < b.port ? -1 : 1));
  return { allowed, denied, extras, extraPairs: extras.reduce((s, e) => s + e.pairs, 0) };
}

function titleOf(ctx: Context, pod: Pod | undefined, fallback: string): string {
  const u = pod ? ctx.unitOf.get(pod) : undefined;
  return u ? u.title : fallback;
}

function deniedReason(egress: DirectionVerdict, ingress: DirectionVerdict): string {
  const parts: string[] = [];
  if (!egress.allowed) parts.push(`egress denied (isolated by ${egress.selectedBy.join(', ')}; no rule matches)`);
  if (!ingress.allowed) parts.push(`ingress denied (isolated by ${ingress.selectedBy.join(', ')}; no rule matches)`);
  return parts.join('; ');
}

const name = (e: Endpoint): string => (e.kind === 'pod' ? `${e.pod.namespace}/${e.pod.name}` : e.ip);

/** Why one direction admits a connection it was not asked to: undefined when its rule was written for exactly these ends. */
function sideReason(ctx: Context, v: DirectionVerdict, local: Endpoint, remote: Endpoint): { reason: string; kind: ExtraFlow['kind'] } | undefined {
  if (v.bypass === 'not-a-pod') return undefined;
  // A cluster policy that accepts decides before any NetworkPolicy (Admin), or where none isolates the pod (Baseline).
  const decided = v.tiers?.find((s) => s.outcome === 'accept' || s.outcome === 'deny');
  if (decided && decided.tier !== 'NetworkPolicy' && decided.outcome === 'accept' && decided.policy) {
    const ours = decided.policy.name.startsWith('kordon-');
    return { reason: `${ours ? 'the guardrail' : 'the cluster policy'} ${decided.policy.name} (${decided.tier} tier${decided.ruleName ? `, rule ${decided.ruleName}` : ''}) accepts it for ${v.direction}`, kind: ours ? 'guardrail' : 'existing' };
  }
  if (v.bypass === 'host-network') return { reason: `${name(local)} uses the host network: no policy selects it`, kind: 'not-isolated' };
  if (v.bypass === 'not-isolated') {
    const ns = local.kind === 'pod' ? local.pod.namespace : '';
    return { reason: `${name(local)} is not isolated for ${v.direction}${ctx.scope.has(ns) ? '' : ` (namespace ${ns} is left out of the generated policies)`}`, kind: 'not-isolated' };
  }
  let best: { reason: string; kind: ExtraFlow['kind'] } | undefined;
  for (const ref of v.allowedBy) {
    const r = refReason(ctx, ref, local, remote);
    if (r === undefined) return undefined; // a rule meant for exactly these ends admits it
    best ??= r;
  }
  return best;
}

function refReason(ctx: Context, ref: RuleRef, local: Endpoint, remote: Endpoint): { reason: string; kind: ExtraFlow['kind'] } | undefined {
  const p = ctx.planned.get(ref.policy);
  if (!p) return { reason: `allowed by ${ref.policy}, a policy of the input kept as it is`, kind: 'existing' };
  const localPod = local.kind === 'pod' ? ctx.basePod.get(name(local)) : undefined;
  if (p.unit && localPod && !p.unit.pods.includes(localPod)) return { reason: `${ref.policy} selects ${name(local)} too: its selector ${formatSelector(p.unit.selector)} is shared with ${p.unit.title} (no stable label tells them apart)`, kind: 'shared-label' };
  const rule = (ref.direction === 'ingress' ? p.ingress : p.egress)[ref.rule];
  const peer: PlannedPeer | undefined = ref.peer === undefined ? undefined : rule?.peers[ref.peer];
  if (!peer) return undefined;
  if (peer.kind === 'dns') return { reason: `${ref.policy} opens the cluster DNS to ${p.unit ? p.unit.title : `every pod of ${p.namespace}`}`, kind: 'dns' };
  if (peer.kind === 'cidr') {
    if (remote.kind === 'ip' && !peer.addresses.includes(remote.ip)) return { reason: `${ref.policy} admits ${peer.cidr}, ${peer.size} addresses for the ${peer.addresses.length} observed (${remote.ip} among them)`, kind: 'cidr' };
    return undefined;
  }
  const remotePod = remote.kind === 'pod' ? ctx.basePod.get(name(remote)) : undefined;
  const meant = peer.kind === 'unit' ? peer.unit.pods : peer.units.flatMap((u) => u.pods);
  if (remotePod && !meant.includes(remotePod)) {
    const sel = peer.kind === 'unit' ? formatSelector(peer.unit.selector) : `namespace ${peer.namespace}`;
    return { reason: `the peer ${sel} of ${ref.policy} also matches ${name(remote)} (no stable label tells it from ${peer.kind === 'unit' ? peer.unit.title : 'the workloads of the namespace'})`, kind: 'shared-label' };
  }
  return undefined;
}

const WHOLE_WORKLOADS = 'policies select whole workloads: this port was asked for between other pods of these two workloads';

function extraReason(ctx: Context, egress: DirectionVerdict, ingress: DirectionVerdict, from: Endpoint, to: Endpoint): { reason: string; kind: ExtraFlow['kind'] } {
  const e = sideReason(ctx, egress, from, to);
  const i = sideReason(ctx, ingress, to, from);
  const parts = [e, i].filter((x): x is { reason: string; kind: ExtraFlow['kind'] } => x !== undefined);
  // An unisolated end admits anything: the other end's rule, meant for the workload as a whole, is the rest of the reason.
  if (parts.length > 0 && parts.every((p) => p.kind === 'not-isolated') && parts.length < 2) parts.push({ reason: WHOLE_WORKLOADS, kind: 'workload' });
  if (parts.length > 0) return { reason: parts.map((p) => p.reason).join('; '), kind: parts.find((p) => p.kind !== 'not-isolated')?.kind ?? parts[0]!.kind };
  return { reason: WHOLE_WORKLOADS, kind: 'workload' };
}

/** An address in each block wider than its observed addresses, for the matrix to show what the block also admits. */
export function cidrSamples(policies: readonly PlannedPolicy[]): string[] {
  const out: string[] = [];
  for (const p of policies) {
    for (const r of [...p.ingress, ...p.egress]) {
      for (const peer of r.peers) {
        if (peer.kind !== 'cidr' || peer.size <= BigInt(peer.addresses.length)) continue;
        const [net] = peer.cidr.split('/');
        const ip = parseIP(net!);
        if (!ip) continue;
        for (let k = 0n; k < 4n; k++) {
          const cand = formatIP({ family: ip.family, value: ip.value + k });
          if (!peer.addresses.includes(cand)) {
            out.push(cand);
            break;
          }
        }
      }
    }
  }
  return out;
}

export type { Protocol };

/** DNS opened to a whole namespace is one extra per namespace, not one per pod and DNS pod. */
function mergeDns(extras: ExtraFlow[]): void {
  const byNs = new Map<string, ExtraFlow>();
  const rest: ExtraFlow[] = [];
  for (const e of extras) {
    if (e.kind !== 'dns') {
      rest.push(e);
      continue;
    }
    const ns = e.example.slice(0, e.example.indexOf('/'));
    const wide = e.reason.includes(' to every pod of ');
    const k = wide ? ns : e.from;
    const had = byNs.get(k);
    if (!had) byNs.set(k, { ...e, from: wide ? `every pod of ${ns}` : e.from, to: 'the cluster DNS' });
    else {
      had.pairs += e.pairs;
      had.pairList.push(...e.pairList.slice(0, Math.max(0, 1000 - had.pairList.length)));
      if (!had.port.split(', ').includes(e.port)) had.port = [...had.port.split(', '), e.port].sort().join(', ');
    }
  }
  extras.splice(0, extras.length, ...rest, ...byNs.values());
}
