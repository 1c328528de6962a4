/**
 * The Admin and Baseline tiers as nftables chains. Per direction, local pods selected by the same cluster policies
 * (and, for ingress, resolving their named ports alike) share one chain holding those policies' rules in the engine's
 * order; each rule tests the sets of its peers and ports and then accepts, drops or passes, so the first rule that
 * matches decides, as in `evaluate`. Who a peer or subject selects, and the tiers' order, are the engine's answers.
 */
import {
  PROTOCOLS,
  resolveNamedPort,
  subjectSelectsPod,
  tierPeerRanges,
  tierPeerSelectsPod,
  tierPolicies,
  type Cluster,
  type ClusterPolicy,
  type Direction,
  type Family,
  type Pod,
  type Protocol,
  type TierPeer,
  type TierRule,
} from '@kordon/engine';
import { boxSets, type PortedRanges } from './box-sets.js';
import { ADDR_TYPE, addrOf, FAMILIES, hash, IP_KW, list, podName, podRanges, PROTO_NAME, PROTO_NUM, set, type PerFamily } from './elements.js';
import { formatPorts, formatRange, joinPoints, mergeRanges, sortedUnique, type AddrRange } from './ranges.js';
import { nftComment, type NftChain, type NftRule, type NftSet } from './ruleset.js';

export type TierLevel = 'Admin' | 'Baseline';

/** The verdict a matching rule takes, by direction and tier. See the forward chain in compile.ts. */
const VERDICT: Record<Direction, Record<TierLevel, Record<'Accept' | 'Deny' | 'Pass', string>>> = {
  // Egress is decided first; an Admin Accept skips the rest of egress and goes on to the destination's ingress.
  egress: {
    Admin: { Accept: 'goto ingress', Deny: 'jump deny_egress', Pass: 'return' },
    Baseline: { Accept: 'return', Deny: 'jump deny_egress', Pass: 'return' },
  },
  ingress: {
    Admin: { Accept: 'accept', Deny: 'jump deny_ingress', Pass: 'return' },
    Baseline: { Accept: 'accept', Deny: 'jump deny_ingress', Pass: 'return' },
  },
};

/** What a tier peer stands for: pod addresses (points) and address ranges (CIDRs, Node addresses). */
export interface TierTarget {
  pods: Pod[];
  points: PerFamily<bigint[]>;
  ranges: PerFamily<AddrRange[]>;
}

/** The parts of the compiler the tiers read: the cluster and the pods it applies to. */
export interface TierContext {
  cluster: Cluster;
  /** Live pods for which an engine predicate holds. */
  podsWhere(holds: (pod: Pod) => boolean): Pod[];
  /** What a peer stands for, cached by the compiler across compiles. */
  target(peer: TierPeer): TierTarget;
  /** A compiled rule, cached by the compiler across compiles. */
  rule(key: string, peers: readonly TierPeer[], namedEgress: boolean, make: () => RuleOut): RuleOut;
  /**
   * Whether a policy's subject selects a pod of a namespace, remembered across compiles while that namespace's labels
   * stay the same (the engine keeps the model objects of unchanged manifests, so an unchanged policy and pod are the
   * same objects).
   */
  subjects(namespace: string): WeakMap<ClusterPolicy, WeakMap<Pod, boolean>>;
}

export interface RuleOut {
  sets: NftSet[];
  rules: NftRule[];
  warnings: string[];
}

export interface TiersOut {
  sets: NftSet[];
  chains: NftChain[];
  /** Local pod address → chain, per direction and tier. */
  maps: Record<Direction, Record<TierLevel, PerFamily<string[]>>>;
  classes: Record<Direction, Record<TierLevel, number>>;
  warnings: string[];
}

export const tierMapName = (d: Direction, t: TierLevel, f: Family): string => `${d === 'egress' ? 'eg' : 'in'}_${t === 'Admin' ? 'admin' : 'base'}${f}`;

/** How many addresses the pods of a pod target hold together (see PodPoints.count), kept for its patches. */
export const targetCounts = new WeakMap<TierTarget, PerFamily<number>>();

export function targetOf(ctx: Pick<TierContext, 'cluster' | 'podsWhere'>, peer: TierPeer): TierTarget {
  const points: PerFamily<bigint[]> = { 4: [], 6: [] };
  const ranges: PerFamily<AddrRange[]> = { 4: [], 6: [] };
  let pods: Pod[] = [];
  if (peer.kind === 'namespaces' || peer.kind === 'pods') {
    pods = ctx.podsWhere((p) => tierPeerSelectsPod(ctx.cluster, peer, p));
    for (const p of pods) for (const f of FAMILIES) for (const [v] of podRanges(p)[f]) points[f].push(v);
  } else {
    // Single addresses (Node addresses, /32 networks) go to hash sets, like pod addresses.
    for (const c of tierPeerRanges(ctx.cluster, peer)) {
      if (c.start === c.end) points[c.family].push(c.start);
      else ranges[c.family].push([c.start, c.end]);
    }
  }
  const out = { pods, points: { 4: sortedUnique(points[4]), 6: sortedUnique(points[6]) }, ranges: { 4: mergeRanges(ranges[4]), 6: mergeRanges(ranges[6]) } };
  if (pods.length) targetCounts.set(out, { 4: points[4].length, 6: points[6].length });
  return out;
}

const describePeerKind = (p: TierPeer): string => (p.kind === 'domainNames' ? `domainNames ${p.names.join(', ')}` : p.kind);

/** The protocols a named port entry can stand for: its own, or (v1alpha1) the container port's. */
const namedProtocols = (protocol: Protocol | undefined): readonly Protocol[] => (protocol ? [protocol] : PROTOCOLS);

/**
 * A rule with at most this many (protocol, port range) atoms tests them in its own nft rules, one rule per atom, over
 * sets of its peers' addresses alone; with more, or with egress named ports, it tests one set of peer · protocol ·
 * port elements. A port edit then changes rules of one chain (about 0.5 KB of nft script) where it rewrote the peers ×
 * ports elements (5,000 elements, 273 KB at 10,000 pods), and a pod joining a peer adds one address, not one element
 * per port. The count is where a packet stops being cheaper that way (`scripts/bench-tier-packets.mjs`, BENCHMARKS.md):
 * at 8 atoms a packet that falls through the rule costs 1,361 ns against 1,415 with the point set, one that matches
 * 1,455 against 1,329; at 16, 1,490 and 1,590 against 1,402 and 1,324.
 */
export const INLINE_PORT_ATOMS = 8;

/** A protocol and an inclusive port range (0–65535: the whole protocol). */
interface PortAtom {
  proto: number;
  lo: number;
  hi: number;
}

/** Per protocol, overlapping or touching port ranges joined, in protocol then port order. */
function joinAtoms(atoms: readonly PortAtom[]): PortAtom[] {
  const sorted = [...atoms].sort((a, b) => a.proto - b.proto || a.lo - b.lo);
  const out: PortAtom[] = [];
  for (const a of sorted) {
    const last = out[out.length - 1];
    if (last && last.proto === a.proto && a.lo <= last.hi + 1) last.hi = Math.max(last.hi, a.hi);
    else out.push({ ...a });
  }
  return out;
}

/** One atom as an nft match: `tcp dport 80`, `udp dport 6000-6010`, `meta l4proto sctp`. */
function atomMatch(a: PortAtom): string {
  const proto = PROTO_NAME[a.proto] ?? String(a.proto);
  return a.lo === 0 && a.hi === 65535 ? `meta l4proto ${proto}` : `${proto} dport ${formatPorts(a.lo, a.hi)}`;
}

/** A rule's ports: fixed atoms (ingress named ports resolved on the local pod) and the egress named ports. */
function portsOf(rule: TierRule, local: Pod): { fixed: PortAtom[]; namedEgress: Array<{ name: string; protocol?: Protocol }> } {
  const fixed: PortAtom[] = [];
  const namedEgress: Array<{ name: string; protocol?: Protocol }> = [];
  for (const e of rule.ports ?? []) {
    if (e.kind === 'port') fixed.push({ proto: PROTO_NUM[e.protocol], lo: e.start, hi: e.end });
    else if (e.kind === 'protocol') fixed.push({ proto: PROTO_NUM[e.protocol], lo: 0, hi: 65535 });
    else if (rule.direction === 'ingress') for (const p of namedProtocols(e.protocol)) for (const n of resolveNamedPort(local, e.name, p)) fixed.push({ proto: PROTO_NUM[p], lo: n, hi: n });
    else namedEgress.push(e.protocol ? { name: e.name, protocol: e.protocol } : { name: e.name });
  }
  return { fixed: joinAtoms(fixed), namedEgress };
}

const tierPeerTexts = new WeakMap<TierPeer, string>();
/** A cluster policy peer's content without its place in the rule: equal keys select the same addresses. */
export function tierPeerKey(peer: TierPeer): string {
  let t = tierPeerTexts.get(peer);
  if (t === undefined) tierPeerTexts.set(peer, (t = JSON.stringify({ ...peer, index: 0 })));
  return t;
}

interface AddressTexts {
  points: PerFamily<string[]>;
  ranges: PerFamily<string[]>;
}
const textsOfTarget = new WeakMap<TierTarget, AddressTexts>();

/** A target's addresses as set elements, when a compile wrote them: a target patched by pod events carries them along. */
export function targetPointTexts(t: TierTarget): PerFamily<readonly string[]> | undefined {
  return textsOfTarget.get(t)?.points;
}

/** `t` (patched from `before`, whose ranges it keeps) has these address elements. */
export function keepTargetTexts(t: TierTarget, before: TierTarget, points: PerFamily<readonly string[]>): void {
  const known = textsOfTarget.get(before);
  if (known) textsOfTarget.set(t, { points: points as PerFamily<string[]>, ranges: known.ranges });
}

/**
 * The addresses of a rule's peers as set elements. One peer's are written once per target (kept across compiles while
 * no pod change touches it), so a recompiled rule hands the diff the very same element lists.
 */
function addressTexts(targets: readonly TierTarget[]): AddressTexts {
  const one = targets.length === 1 ? (targets[0] as TierTarget) : undefined;
  const known = one && textsOfTarget.get(one);
  if (known) return known;
  const points: PerFamily<string[]> = { 4: [], 6: [] };
  const ranges: PerFamily<string[]> = { 4: [], 6: [] };
  for (const f of FAMILIES) {
    points[f] = (one ? one.points[f] : sortedUnique(targets.flatMap((t) => t.points[f]))).map((v) => formatRange(f, v, v));
    ranges[f] = (one ? one.ranges[f] : mergeRanges(targets.flatMap((t) => t.ranges[f]))).map(([lo, hi]) => formatRange(f, lo, hi));
  }
  const out = { points, ranges };
  if (one) textsOfTarget.set(one, out);
  return out;
}

/**
 * Sets of the peers' addresses (pod and Node addresses in a hash set `_a`, CIDRs in an interval set `_n`), named by
 * the peers they hold so that every rule naming the same peers shares them, and one nft rule per set and port atom
 * (`ports` null: every port). A port edit changes only these rules.
 */
function addressRules(out: RuleOut, peers: readonly TierPeer[], targets: readonly TierTarget[], ports: readonly PortAtom[] | null, field: string, verdict: string, notes: string[]): void {
  // Ports that resolve to nothing (an ingress named port the local pod lacks): the rule matches nothing.
  if (ports !== null && ports.length === 0) return;
  const texts = addressTexts(targets);
  const base = `t_${hash(peers.map(tierPeerKey).sort().join('\n'))}`;
  const what = ports === null ? 'every port' : 'ports in the rules';
  for (const f of FAMILIES)
    for (const [suffix, elements, flags] of [
      ['a', texts.points[f], []],
      ['n', texts.ranges[f], ['interval']],
    ] as const) {
      if (!elements.length) continue;
      const s = set(`${base}_${suffix}${f}`, ADDR_TYPE[f], elements, [`peer ${suffix === 'a' ? 'addresses' : 'address ranges'} (${what}), shared by the rules naming these peers`], [...flags]);
      out.sets.push(s);
      const match = `${IP_KW[f]} ${field} @${s.name} ${verdict}`;
      if (ports === null) out.rules.push({ text: match, notes: notes.splice(0) });
      else for (const a of ports) out.rules.push({ text: `${atomMatch(a)} ${match}`, notes: notes.splice(0) });
    }
}

const rangesOfTarget: PerFamily<WeakMap<TierTarget, readonly AddrRange[]>> = { 4: new WeakMap(), 6: new WeakMap() };
/** A target's addresses and ranges joined, once per target (kept across compiles while no pod change touches it). */
function targetRanges(t: TierTarget, f: Family): readonly AddrRange[] {
  let r = rangesOfTarget[f].get(t);
  if (!r) {
    const points = joinPoints(t.points[f]);
    rangesOfTarget[f].set(t, (r = t.ranges[f].length ? mergeRanges([...points, ...t.ranges[f]]) : points));
  }
  return r;
}

/** One set of peer · protocol · port points (hash) and one of ranges (interval) per family, for many ports or egress named ports. */
function pointSetRules(out: RuleOut, targets: readonly TierTarget[], fixed: readonly PortAtom[], namedEgress: ReadonlyArray<{ name: string; protocol?: Protocol }>, field: string, verdict: string, notes: string[], base: string, ref: string): void {
  for (const f of FAMILIES) {
    const boxes: PortedRanges[] = [];
    for (const t of targets) {
      const ranges = targetRanges(t, f);
      if (fixed.length && ranges.length) boxes.push({ ports: fixed, ranges });
      // An egress named port is the remote pod's own container port of that name.
      for (const pod of namedEgress.length ? t.pods : []) {
        const own = podRanges(pod)[f];
        const ports = namedEgress.flatMap((e) => namedProtocols(e.protocol).flatMap((proto) => resolveNamedPort(pod, e.name, proto).map((n) => ({ proto: PROTO_NUM[proto], lo: n, hi: n }))));
        if (ports.length && own.length) boxes.push({ ports, ranges: own.length > 1 ? mergeRanges(own) : own });
      }
    }
    if (!boxes.length) continue;
    const { points, spans } = boxSets(f, boxes);
    const type = `${ADDR_TYPE[f]} . inet_proto . inet_service`;
    for (const [suffix, part, flags] of [
      ['p', points, []],
      ['s', spans, ['interval']],
    ] as const) {
      const s = set(`${base}_${suffix}${f}`, type, part, [`${ref}: peer and port ${suffix === 'p' ? 'points' : 'ranges'}`], [...flags]);
      out.sets.push(s);
      out.rules.push({ text: `${IP_KW[f]} ${field} . meta l4proto . th dport @${s.name} ${verdict}`, notes: notes.splice(0) });
    }
  }
}

/** One rule as nft rules. `local`: the class's pod, on which ingress named ports resolve; `base`: its own sets' prefix. */
function compileRule(ctx: TierContext, policy: ClusterPolicy, rule: TierRule, tier: TierLevel, local: Pod, base: string): RuleOut {
  const d = rule.direction;
  const ref = `${policy.id} ${d}[${rule.index}]${rule.name ? ` (${rule.name})` : ''}`;
  const action = rule.failClosed === 'deny-all' ? 'Deny' : rule.action;
  const verdict = `${VERDICT[d][tier][action]} comment ${nftComment(`${ref}: ${rule.writtenAction}`)}`;
  const out: RuleOut = { sets: [], rules: [], warnings: [] };
  if (rule.failClosed === 'deny-all') {
    out.rules.push({ text: verdict, notes: [`${ref}: a peer kordon does not know fails closed: ${rule.writtenAction} becomes deny-all`] });
    return out;
  }
  if (rule.failClosed === 'match-nothing') {
    out.rules.push({ text: `counter comment ${nftComment(`${ref}: matches nothing (fails closed)`)}`, notes: [`${ref}: a peer kordon does not know fails closed: this Accept matches nothing`] });
    return out;
  }
  const notes: string[] = [];
  const field = d === 'ingress' ? 'saddr' : 'daddr';
  const word = d === 'ingress' ? 'from' : 'to';
  for (const peer of rule.peers)
    if (peer.kind === 'domainNames') {
      const w = `${ref} ${word}[${peer.index}]: domainNames cannot be enforced from manifests; this peer matches nothing`;
      out.warnings.push(w);
      notes.push(w);
    }
  const targets = rule.peers.map((p) => ctx.target(p));
  rule.peers.forEach((peer, i) => {
    const t = targets[i] as TierTarget;
    notes.push(`${ref} ${word}[${peer.index}] ${describePeerKind(peer)}: ${t.points[4].length + t.points[6].length} addresses, ${t.ranges[4].length + t.ranges[6].length} ranges`);
  });
  if (rule.ports === null) addressRules(out, rule.peers, targets, null, field, verdict, notes);
  else {
    const { fixed, namedEgress } = portsOf(rule, local);
    if (!namedEgress.length && fixed.length <= INLINE_PORT_ATOMS) addressRules(out, rule.peers, targets, fixed, field, verdict, notes);
    else pointSetRules(out, targets, fixed, namedEgress, field, verdict, notes, base, ref);
  }
  if (out.rules.length === 0) out.rules.push({ text: `counter comment ${nftComment(`${ref}: no peer address now`)}`, notes: [...notes, `${ref}: its peers select no address at the moment`] });
  return out;
}

/** The named ports the ingress rules of these policies resolve on a pod: pods that differ need separate chains. */
function namedSignature(policies: readonly ClusterPolicy[], pod: Pod): string {
  const parts: string[] = [];
  for (const p of policies)
    for (const r of p.ingress)
      for (const e of r.ports ?? []) if (e.kind === 'named') parts.push(`${e.name}/${e.protocol ?? '*'}=${namedProtocols(e.protocol).map((pr) => resolveNamedPort(pod, e.name, pr).join(',')).join(';')}`);
  return [...new Set(parts)].sort().join(' ');
}

const ruleTexts = new WeakMap<TierRule, string>();
const ruleText = (rule: TierRule): string => {
  let t = ruleTexts.get(rule);
  if (t === undefined) ruleTexts.set(rule, (t = JSON.stringify(rule)));
  return t;
};

function selects(ctx: TierContext, policy: ClusterPolicy, pod: Pod): boolean {
  const byPolicy = ctx.subjects(pod.namespace);
  let byPod = byPolicy.get(policy);
  if (!byPod) byPolicy.set(policy, (byPod = new WeakMap()));
  let v = byPod.get(pod);
  if (v === undefined) byPod.set(pod, (v = subjectSelectsPod(ctx.cluster, policy, pod)));
  return v;
}

/** The rules of one tier's policies for one direction, compiled once per rule (and named-port resolution). */
function ruleOut(ctx: TierContext, policy: ClusterPolicy, rule: TierRule, tier: TierLevel, local: Pod): RuleOut {
  const named = rule.direction === 'ingress' && (rule.ports ?? []).some((e) => e.kind === 'named') ? `|${namedSignature([policy], local)}` : '';
  const key = `${rule.direction}|${policy.id}|${rule.index}${named}`;
  const namedEgress = rule.direction === 'egress' && (rule.ports ?? []).some((e) => e.kind === 'named');
  return ctx.rule(`${key}|${ruleText(rule)}`, rule.peers, namedEgress, () => compileRule(ctx, policy, rule, tier, local, `t_${hash(key)}`));
}

/**
 * The tier chains for the local pods. `reaches(d, tier, pod)` says whether the pod's evaluation reaches the tier in
 * direction d: Admin always, Baseline only when no NetworkPolicy isolates the pod in d.
 */
export function compileTiers(ctx: TierContext, local: readonly Pod[], reaches: (d: Direction, tier: TierLevel, pod: Pod) => boolean): TiersOut {
  const out: TiersOut = {
    sets: [],
    chains: [],
    maps: { egress: { Admin: { 4: [], 6: [] }, Baseline: { 4: [], 6: [] } }, ingress: { Admin: { 4: [], 6: [] }, Baseline: { 4: [], 6: [] } } },
    classes: { egress: { Admin: 0, Baseline: 0 }, ingress: { Admin: 0, Baseline: 0 } },
    warnings: [],
  };
  const seenSets = new Set<string>();
  const warned = new Set<string>();
  const ordered = tierPolicies(ctx.cluster);
  for (const d of ['egress', 'ingress'] as const)
    for (const tier of ['Admin', 'Baseline'] as const) {
      const withRules = (tier === 'Admin' ? ordered.admin : ordered.baseline).filter((p) => (d === 'ingress' ? p.ingress : p.egress).length > 0);
      if (!withRules.length) continue;
      const classes = new Map<string, { policies: ClusterPolicy[]; pods: Pod[] }>();
      for (const pod of local) {
        if (!reaches(d, tier, pod)) continue;
        const policies = withRules.filter((p) => selects(ctx, p, pod));
        if (!policies.length) continue;
        const key = `${d}|${tier}|${policies.map((p) => p.id).join(',')}|${d === 'ingress' ? namedSignature(policies, pod) : ''}`;
        const c = classes.get(key);
        if (c) c.pods.push(pod);
        else classes.set(key, { policies, pods: [pod] });
      }
      out.classes[d][tier] = classes.size;
      const prefix = `${d === 'egress' ? 'e' : 'i'}${tier === 'Admin' ? 'a' : 'b'}`;
      for (const [key, cls] of [...classes].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const name = `${prefix}_${hash(key)}`;
        const rules: NftRule[] = [];
        for (const policy of cls.policies)
          for (const rule of d === 'ingress' ? policy.ingress : policy.egress) {
            const r = ruleOut(ctx, policy, rule, tier, cls.pods[0] as Pod);
            for (const s of r.sets) if (!seenSets.has(s.name)) (seenSets.add(s.name), out.sets.push(s));
            for (const w of r.warnings) if (!warned.has(w)) (warned.add(w), out.warnings.push(w));
            rules.push(...r.rules);
          }
        const ids = cls.policies.map((p) => p.id).join(', ');
        out.chains.push({
          name,
          comment: `${tier} ${d}: ${ids}`,
          notes: [`${tier} tier, ${d} of ${cls.pods.length} pods (${list(cls.pods.map(podName))}), selected by ${ids}; no rule matched: on to the next tier`],
          rules,
        });
        for (const pod of cls.pods)
          for (const t of pod.ips) {
            const ip = addrOf(t);
            if (ip) out.maps[d][tier][ip.family].push(`${formatRange(ip.family, ip.value, ip.value)} : jump ${name}`);
          }
      }
    }
  return out;
}
