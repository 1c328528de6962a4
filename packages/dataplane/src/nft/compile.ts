import { createHash } from 'node:crypto';
import {
  formatPortSpec,
  formatSelector,
  ipBlockRanges,
  isolatingPolicies,
  parseCidr,
  parseIP,
  resolveNamedPort,
  selectorMatches,
  type Cluster,
  type Direction,
  type Family,
  type LabelSelector,
  type Labels,
  type Peer,
  type Pod,
  type Policy,
  type PortSpec,
  type Protocol,
  type Rule,
} from '@kordon/engine';
import { disjointBoxes, formatPorts, formatRange, mergeRanges, sortedUnique, type AddrRange, type Box } from './ranges.js';
import { nftComment, type NftChain, type NftRule, type NftSet, type Ruleset } from './ruleset.js';

export interface CompileOptions {
  /** Compile for the pods whose `nodeName` is this; absent: every pod of the cluster is local (the lab). */
  node?: string;
  /** The node's own addresses; default: the `hostIP` of its pods. Traffic to and from them is always allowed. */
  nodeIPs?: readonly string[];
  /** Table name, default `kordon`. */
  table?: string;
  /** How long a denied-connection record lives without new packets, default `10m`. */
  deniedTimeout?: string;
}

export const DEFAULT_TABLE = 'kordon';

const PROTO_NUM: Record<Protocol, number> = { TCP: 6, UDP: 17, SCTP: 132 };
const PROTO_NAME: Record<number, string> = { 6: 'tcp', 17: 'udp', 132: 'sctp' };
const FAMILIES: readonly Family[] = [4, 6];
const ADDR_TYPE: Record<Family, string> = { 4: 'ipv4_addr', 6: 'ipv6_addr' };
const IP_KW: Record<Family, string> = { 4: 'ip', 6: 'ip6' };

type PerFamily<T> = Record<Family, T>;

interface Grants {
  /** Some rule admits every peer on every port. */
  all: boolean;
  /** Every peer, these ports. */
  ports: Box[];
  /** Pod peers admitted on every port (their `points`). */
  pointPeers: PeerTarget[];
  /** These peer ranges (ipBlocks), every port. */
  addrs: PerFamily<AddrRange[]>;
  /** These peers on these ports, in groups: a group made for a peer and ports is shared by every rule naming both. */
  boxes: PerFamily<Box[][]>;
  /** Which policy rules contributed to each part, for comments. */
  from: { all: string[]; ports: string[]; points: string[]; addrs: string[]; boxes: string[] };
  notes: string[];
}

function emptyGrants(): Grants {
  return { all: false, ports: [], pointPeers: [], addrs: { 4: [], 6: [] }, boxes: { 4: [], 6: [] }, from: { all: [], ports: [], points: [], addrs: [], boxes: [] }, notes: [] };
}

function append<T>(into: T[], from: readonly T[]): void {
  for (const x of from) into.push(x);
}

function merge(into: Grants, g: Grants): void {
  into.all ||= g.all;
  append(into.ports, g.ports);
  append(into.pointPeers, g.pointPeers);
  for (const f of FAMILIES) {
    append(into.addrs[f], g.addrs[f]);
    append(into.boxes[f], g.boxes[f]);
  }
  into.from.all.push(...g.from.all);
  into.from.ports.push(...g.from.ports);
  into.from.points.push(...g.from.points);
  into.from.addrs.push(...g.from.addrs);
  into.from.boxes.push(...g.from.boxes);
  into.notes.push(...g.notes);
}

function hash(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 10);
}

function podName(p: Pod): string {
  return `${p.namespace}/${p.name}`;
}

function list(names: readonly string[], max = 6): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

function addrOf(text: string): { family: Family; value: bigint } | undefined {
  return parseIP(text);
}

const rangesOfPod = new WeakMap<Pod, PerFamily<AddrRange[]>>();

/** Addresses of a pod, by family, as one-address ranges (parsed once per pod object). */
function podRanges(pod: Pod): PerFamily<AddrRange[]> {
  const known = rangesOfPod.get(pod);
  if (known) return known;
  const out: PerFamily<AddrRange[]> = { 4: [], 6: [] };
  for (const t of pod.ips) {
    const ip = addrOf(t);
    if (ip) out[ip.family].push([ip.value, ip.value]);
  }
  rangesOfPod.set(pod, out);
  return out;
}

interface PeerPod {
  pod: Pod;
  /** The pod's addresses through which the peer matches it. */
  ranges: PerFamily<AddrRange[]>;
}

interface PeerTarget {
  /** Addresses the peer stands for, merged into ranges. */
  ranges: PerFamily<AddrRange[]>;
  /** For a pod peer: its pods' addresses, one by one, sorted (an ipBlock has none: its `ranges` say it all). */
  points(): PerFamily<bigint[]>;
  /** Pods the peer matches (for named egress ports). */
  pods(): PeerPod[];
  describe: string;
}

interface CachedPeer {
  target: PeerTarget;
  /** For selector peers: what decides whether a changed pod touches it. */
  namespace: string;
  peer: Peer;
}

interface CachedRule {
  grants: Grants;
  peerKeys: string[];
  /** Named egress ports read pods beyond the rule's peers: any pod change invalidates the rule. */
  allPods: boolean;
}

interface CacheState {
  pods: Map<string, { fp: string; pod: Pod }>;
  nsFp: string;
  peers: Map<string, CachedPeer>;
  rules: Map<string, CachedRule>;
  classes: Map<string, { parts: Grants[]; out: ClassOut }>;
}

/**
 * What one compile can hand to the next (the agent keeps one): peers, rules and class chains that no change of
 * pods, namespaces or policies touched are reused instead of recomputed. The output is the same as without it.
 */
export class CompileCache {}

const cacheStates = new WeakMap<CompileCache, CacheState>();

const peerTexts = new WeakMap<Peer, string>();
/**
 * What a peer stands for, as text: equal keys select the same addresses. A namespaceSelector or ipBlock peer
 * reads nothing of its policy's namespace, so the same peer written in many namespaces is computed once.
 */
function peerKey(policy: Policy, peer: Peer): string {
  let t = peerTexts.get(peer);
  if (t === undefined) peerTexts.set(peer, (t = JSON.stringify(peer)));
  return peer.kind === 'pods' && peer.namespaceSelector === null ? `${policy.namespace}|${t}` : `*|${t}`;
}

const fingerprints = new WeakMap<Pod, string>();
/** What of a pod the ruleset reads; once per pod object (the engine keeps a pod's model while its manifest is unchanged). */
function podFingerprint(p: Pod): string {
  let fp = fingerprints.get(p);
  if (fp === undefined) fingerprints.set(p, (fp = JSON.stringify([p.labels, p.ips, p.hostNetwork, p.phase ?? '', p.containerPorts])));
  return fp;
}

class Compiler {
  private readonly nsLabels = new Map<string, Labels>();
  private readonly alive: Pod[];
  /** Peers computed by this compile, by `peerKey`. */
  private readonly peerCache = new Map<string, PeerTarget>();

  /** Pods a selector can match (not hostNetwork), by namespace. */
  private readonly selectable = new Map<string, Pod[]>();
  private readonly nsMatch = new WeakMap<LabelSelector, Pod[]>();
  /** Rules compiled by this compile: by rule object, then by the named ports it resolves (ingress). */
  private readonly ruleCache = new Map<Rule, Map<string, Grants>>();

  private readonly state: CacheState | undefined;
  /** Rule keys used by this compile, with the peers they read. */
  private readonly usedRules = new Map<string, CachedRule>();
  private readonly usedPeers = new Map<string, CachedPeer>();

  constructor(
    readonly cluster: Cluster,
    cache?: CompileCache,
  ) {
    for (const ns of cluster.namespaces) this.nsLabels.set(ns.name, ns.labels);
    this.alive = cluster.pods.filter((p) => p.phase !== 'Succeeded' && p.phase !== 'Failed');
    for (const p of this.alive) {
      if (p.hostNetwork) continue;
      const l = this.selectable.get(p.namespace);
      if (l) l.push(p);
      else this.selectable.set(p.namespace, [p]);
    }
    if (cache) this.state = this.prepareCache(cache);
  }

  /** Drops what the changes since the last compile touched; returns the state to read and refill. */
  private prepareCache(cache: CompileCache): CacheState {
    const pods = new Map<string, { fp: string; pod: Pod }>();
    for (const p of this.alive) pods.set(`${p.namespace}/${p.name}`, { fp: podFingerprint(p), pod: p });
    const nsFp = JSON.stringify(this.cluster.namespaces.map((n) => [n.name, n.labels]).sort());
    const old = cacheStates.get(cache);
    const fresh: CacheState = { pods, nsFp, peers: new Map(), rules: new Map(), classes: new Map() };
    cacheStates.set(cache, fresh);
    if (!old || old.nsFp !== nsFp) return fresh;
    const changed: Pod[] = [];
    for (const [k, v] of pods) {
      const o = old.pods.get(k);
      if (!o) changed.push(v.pod);
      else if (o.fp !== v.fp) changed.push(v.pod, o.pod);
    }
    for (const [k, o] of old.pods) if (!pods.has(k)) changed.push(o.pod);
    const dropped = new Set<string>();
    for (const [k, c] of old.peers) {
      if (c.peer.kind === 'ipBlock' || !changed.some((p) => this.selectorPeerMatches(c.namespace, c.peer, p))) fresh.peers.set(k, c);
      else dropped.add(k);
    }
    for (const [k, r] of old.rules) if (!(r.allPods && changed.length) && !r.peerKeys.some((pk) => dropped.has(pk))) fresh.rules.set(k, r);
    fresh.classes = old.classes;
    return fresh;
  }

  private selectorPeerMatches(namespace: string, peer: Peer, pod: Pod): boolean {
    if (peer.kind !== 'pods' || pod.hostNetwork) return false;
    if (peer.namespaceSelector === null ? pod.namespace !== namespace : !selectorMatches(peer.namespaceSelector, this.labelsOfNamespace(pod.namespace))) return false;
    return peer.podSelector === null || selectorMatches(peer.podSelector, pod.labels);
  }

  /** A class chain and its sets, reused when the rules behind it are the very same as last time. */
  classOut(key: string, parts: Grants[], make: () => ClassOut): ClassOut {
    const cached = this.state?.classes.get(key);
    const out = cached && cached.parts.length === parts.length && cached.parts.every((g, i) => g === parts[i]) ? cached.out : make();
    this.newClasses.set(key, { parts, out });
    return out;
  }

  private readonly newClasses = new Map<string, { parts: Grants[]; out: ClassOut }>();

  /** Keeps for the next compile only what this one used. */
  finish(): void {
    if (!this.state) return;
    this.state.peers = this.usedPeers;
    this.state.rules = this.usedRules;
    this.state.classes = this.newClasses;
  }

  /** Pods of every namespace whose labels match (each namespace judged once). */
  private podsInNamespaces(sel: LabelSelector): Pod[] {
    const known = this.nsMatch.get(sel);
    if (known) return known;
    const out: Pod[] = [];
    for (const [ns, pods] of this.selectable) if (selectorMatches(sel, this.labelsOfNamespace(ns))) append(out, pods);
    this.nsMatch.set(sel, out);
    return out;
  }

  get pods(): readonly Pod[] {
    return this.alive;
  }

  private labelsOfNamespace(ns: string): Labels {
    return this.nsLabels.get(ns) ?? { 'kubernetes.io/metadata.name': ns };
  }

  peer(policy: Policy, peer: Peer): PeerTarget {
    const key = peerKey(policy, peer);
    const cached = this.peerCache.get(key);
    if (cached) return cached;
    const kept = this.state?.peers.get(key);
    if (kept) {
      // An ipBlock's addresses never depend on pods; the pods inside it are found again, lazily, in this cluster.
      const t = kept.peer.kind === 'ipBlock' ? this.computePeer(policy, peer, kept.target.ranges) : kept.target;
      this.usedPeers.set(key, { ...kept, target: t });
      this.peerCache.set(key, t);
      return t;
    }
    const t = this.computePeer(policy, peer);
    if (this.state) this.usedPeers.set(key, { target: t, namespace: policy.namespace, peer });
    this.peerCache.set(key, t);
    return t;
  }

  private computePeer(policy: Policy, peer: Peer, knownRanges?: PerFamily<AddrRange[]>): PeerTarget {
    const ranges: PerFamily<AddrRange[]> = { 4: [], 6: [] };
    const pods: PeerPod[] = [];
    let podsOf = (): PeerPod[] => pods;
    let describe: string;
    if (peer.kind === 'ipBlock') {
      const cidr = parseCidr(peer.cidr);
      const except = peer.except.map(parseCidr).filter((c) => c !== undefined);
      describe = `ipBlock ${peer.cidr}${peer.except.length ? ` except ${peer.except.join(', ')}` : ''}`;
      if (cidr) {
        const block = { cidr, except };
        ranges[cidr.family] = knownRanges ? knownRanges[cidr.family] : ipBlockRanges(block);
        const fam = cidr.family;
        // Only named egress ports need the pods inside the block: found on first use.
        podsOf = () => {
          const inside = (v: bigint): boolean => ranges[fam].some(([a, b]) => v >= a && v <= b);
          const found: PeerPod[] = [];
          for (const pod of this.alive) {
            const hit = podRanges(pod)[fam].filter(([v]) => inside(v));
            if (hit.length) found.push({ pod, ranges: { 4: fam === 4 ? hit : [], 6: fam === 6 ? hit : [] } });
          }
          return found;
        };
      }
    } else {
      const nsSel = peer.namespaceSelector;
      const podSel = peer.podSelector;
      describe = [
        nsSel === null ? `namespace ${policy.namespace}` : `namespaceSelector ${formatSelector(nsSel) || '{}'}`,
        podSel === null ? '' : `podSelector ${formatSelector(podSel) || '{}'}`,
      ]
        .filter(Boolean)
        .join(' and ');
      // A hostNetwork pod carries its node's address: only an ipBlock can match it, so `selectable` leaves it out.
      const candidates = nsSel === null ? (this.selectable.get(policy.namespace) ?? []) : this.podsInNamespaces(nsSel);
      for (const pod of candidates) {
        if (podSel !== null && !selectorMatches(podSel, pod.labels)) continue;
        const pr = podRanges(pod);
        pods.push({ pod, ranges: pr });
        for (const f of FAMILIES) ranges[f].push(...pr[f]);
      }
    }
    let memo: PeerPod[] | undefined;
    // Only rules that open every port read the points: made on first use.
    let points: PerFamily<bigint[]> | undefined;
    const pointsOf = (): PerFamily<bigint[]> =>
      peer.kind === 'pods' ? { 4: sortedUnique(ranges[4].map((r) => r[0])), 6: sortedUnique(ranges[6].map((r) => r[0])) } : { 4: [], 6: [] };
    return { ranges: { 4: mergeRanges(ranges[4]), 6: mergeRanges(ranges[6]) }, points: () => (points ??= pointsOf()), pods: () => (memo ??= podsOf()), describe };
  }

  /** What each rule of `policies` admits for `direction`, for the class whose pods look like `rep`. */
  parts(direction: Direction, policies: readonly Policy[], rep: Pod): Grants[] {
    const out: Grants[] = [];
    for (const policy of policies) {
      const rules: readonly Rule[] = direction === 'ingress' ? policy.ingress : policy.egress;
      if (rules.length === 0) out.push({ ...emptyGrants(), notes: [`${policy.id} isolates ${direction} and admits nothing by itself`] });
      for (const rule of rules) out.push(this.ruleGrants(direction, policy, rule, rep));
    }
    return out;
  }

  /** What one rule admits; shared by every class the policy is in (ingress named ports make it per resolution). */
  private ruleGrants(direction: Direction, policy: Policy, rule: Rule, rep: Pod): Grants {
    let named = '';
    if (direction === 'ingress')
      for (const s of rule.ports ?? []) if (typeof s.port === 'string') named += `|${s.port}=${resolveNamedPort(rep, s.port, s.protocol).join(',')}`;
    let mine = this.ruleCache.get(rule);
    if (!mine) this.ruleCache.set(rule, (mine = new Map()));
    let g = mine.get(named);
    if (g) return g;
    const key = ruleKey(direction, policy, rule) + named;
    const kept = this.state?.rules.get(key);
    if (kept) {
      // Touch its peers so that they stay cached too.
      for (const peer of rule.peers ?? []) this.peer(policy, peer);
      this.usedRules.set(key, kept);
      mine.set(named, kept.grants);
      return kept.grants;
    }
    g = emptyGrants();
    this.addRule(g, direction, policy, rule, rep);
    mine.set(named, g);
    if (this.state) {
      const namedEgress = direction === 'egress' && (rule.ports ?? []).some((s) => typeof s.port === 'string');
      this.usedRules.set(key, { grants: g, peerKeys: (rule.peers ?? []).map((p) => peerKey(policy, p)), allPods: namedEgress });
    }
    return g;
  }

  private addRule(g: Grants, direction: Direction, policy: Policy, rule: Rule, rep: Pod): void {
    const ref = `${policy.id} ${direction}[${rule.index}]`;
    const peerWord = direction === 'ingress' ? 'from' : 'to';
    const peers = rule.peers;
    const ports = rule.ports;
    const portText = ports === null ? 'every port' : ports.map(formatPortSpec).join(', ');
    if (peers === null && ports === null) {
      g.all = true;
      g.from.all.push(ref);
      g.notes.push(`${ref}: every peer, every port`);
      return;
    }
    // Numeric (and ingress named) ports as boxes over the port axis; egress named ports depend on the remote pod.
    const fixed: Array<{ proto: number; lo: number; hi: number }> = [];
    const namedEgress: PortSpec[] = [];
    for (const s of ports ?? []) {
      const proto = PROTO_NUM[s.protocol];
      if (s.port === null) fixed.push({ proto, lo: 0, hi: 65535 });
      else if (typeof s.port === 'number') fixed.push({ proto, lo: s.port, hi: s.endPort ?? s.port });
      else if (direction === 'ingress') for (const n of resolveNamedPort(rep, s.port, s.protocol)) fixed.push({ proto, lo: n, hi: n });
      else namedEgress.push(s);
    }
    if (peers === null) {
      for (const f of fixed) g.ports.push({ lo: 0n, hi: 0n, proto: f.proto, pLo: f.lo, pHi: f.hi });
      if (fixed.length) g.from.ports.push(ref);
      if (namedEgress.length) {
        for (const pod of this.alive) this.addNamed(g, namedEgress, pod, podRanges(pod));
        g.from.boxes.push(ref);
      }
      g.notes.push(`${ref}: every peer; ports ${portText}`);
      return;
    }
    peers.forEach((peer, pi) => {
      const t = this.peer(policy, peer);
      const n = t.ranges[4].length + t.ranges[6].length;
      g.notes.push(`${ref} ${peerWord}[${pi}] ${t.describe}: ${n} address ranges; ports ${portText}`);
      if (ports === null) {
        if (peer.kind === 'pods') g.pointPeers.push(t);
        else for (const f of FAMILIES) append(g.addrs[f], t.ranges[f]);
        (peer.kind === 'pods' ? g.from.points : g.from.addrs).push(`${ref} ${peerWord}[${pi}]`);
        return;
      }
      if (fixed.length) {
        const group = peerBoxes(t, fixed);
        for (const f of FAMILIES) if (group[f].length) g.boxes[f].push(group[f]);
      }
      if (namedEgress.length) for (const m of t.pods()) this.addNamed(g, namedEgress, m.pod, m.ranges);
      g.from.boxes.push(`${ref} ${peerWord}[${pi}]`);
    });
  }

  /** An egress named port admits the remote pod's own container port of that name. */
  private addNamed(g: Grants, specs: readonly PortSpec[], pod: Pod, ranges: PerFamily<AddrRange[]>): void {
    const group: PerFamily<Box[]> = { 4: [], 6: [] };
    for (const s of specs) {
      const proto = PROTO_NUM[s.protocol];
      for (const n of resolveNamedPort(pod, s.port as string, s.protocol))
        for (const f of FAMILIES) for (const [lo, hi] of ranges[f]) group[f].push({ lo, hi, proto, pLo: n, pHi: n });
    }
    for (const f of FAMILIES) if (group[f].length) g.boxes[f].push(group[f]);
  }
}

const peerPointTexts = new WeakMap<PeerTarget, PerFamily<string[]>>();

/**
 * The addresses of some pod peers as set elements. Most classes take them from one peer (every policy that names
 * the same selector shares one peer), whose elements are then written once and shared by every class.
 */
function pointTexts(peers: readonly PeerTarget[], f: Family): string[] {
  const distinct = [...new Set(peers)];
  if (distinct.length === 1) {
    const peer = distinct[0] as PeerTarget;
    let texts = peerPointTexts.get(peer);
    if (!texts) {
      const points = peer.points();
      peerPointTexts.set(peer, (texts = { 4: points[4].map((v) => formatRange(4, v, v)), 6: points[6].map((v) => formatRange(6, v, v)) }));
    }
    return texts[f];
  }
  return sortedUnique(distinct.flatMap((p) => p.points()[f])).map((v) => formatRange(f, v, v));
}

type PortBox = { proto: number; lo: number; hi: number };
const boxesOfPeer = new WeakMap<PeerTarget, Map<string, PerFamily<Box[]>>>();

/** A peer on some ports as boxes: made once per peer and ports, shared by every rule and class that names both. */
function peerBoxes(t: PeerTarget, fixed: readonly PortBox[]): PerFamily<Box[]> {
  let byPorts = boxesOfPeer.get(t);
  if (!byPorts) boxesOfPeer.set(t, (byPorts = new Map()));
  const key = fixed.map((p) => `${p.proto}:${p.lo}-${p.hi}`).join(',');
  let group = byPorts.get(key);
  if (!group) {
    group = { 4: [], 6: [] };
    for (const f of FAMILIES) for (const [lo, hi] of t.ranges[f]) for (const p of fixed) group[f].push({ lo, hi, proto: p.proto, pLo: p.lo, pHi: p.hi });
    byPorts.set(key, group);
  }
  return group;
}

interface BoxTexts {
  /** One address on one port: hash set elements. */
  points: string[];
  /** The rest: interval set elements. */
  spans: string[];
}
const textsOfGroup = new WeakMap<readonly Box[], BoxTexts>();

/** Box groups as disjoint set elements; one group (the common case) is written once and shared by every class. */
function boxTexts(f: Family, groups: readonly (readonly Box[])[]): BoxTexts {
  const distinct = [...new Set(groups)];
  const one = distinct.length === 1 ? (distinct[0] as readonly Box[]) : undefined;
  const known = one && textsOfGroup.get(one);
  if (known) return known;
  // One address on one port is a hash lookup, whatever the number of elements; ranges need an interval set,
  // whose lookup grows with its size. Most peer·port pairs of pod selectors are points.
  const boxes = disjointBoxes(one ?? distinct.flat());
  const out: BoxTexts = {
    points: boxElements(f, boxes.filter((b) => b.lo === b.hi && b.pLo === b.pHi), false),
    spans: boxElements(f, boxes.filter((b) => b.lo !== b.hi || b.pLo !== b.pHi), false),
  };
  if (one) textsOfGroup.set(one, out);
  return out;
}

function boxElements(family: Family | undefined, boxes: readonly Box[], normalize = true): string[] {
  return (normalize ? disjointBoxes(boxes) : boxes).map((b) => {
    const port = `${PROTO_NAME[b.proto] ?? b.proto} . ${formatPorts(b.pLo, b.pHi)}`;
    return family === undefined ? port : `${formatRange(family, b.lo, b.hi)} . ${port}`;
  });
}

function set(name: string, type: string, elements: string[], notes: string[], flags: string[] = ['interval']): NftSet {
  return { name, kind: 'set', type, flags, options: [], elements, dynamic: false, notes };
}

function refs(list: readonly string[]): string {
  return list.length ? list.join('; ') : 'none';
}

function classNote(direction: Direction, pods: readonly Pod[], policies: readonly Policy[]): string {
  return `${direction} of ${pods.length} pods (${list(pods.map(podName))}), isolated by ${policies.map((p) => p.id).join(', ')}`;
}

interface ClassOut {
  sets: NftSet[];
  chain: NftChain;
}

function compileClass(name: string, direction: Direction, pods: readonly Pod[], policies: readonly Policy[], g: Grants): ClassOut {
  const verdict = direction === 'ingress' ? 'accept' : 'return';
  const field = direction === 'ingress' ? 'saddr' : 'daddr';
  const sets: NftSet[] = [];
  const rules: NftRule[] = [];
  if (g.all) {
    rules.push({ text: `${verdict} comment ${nftComment(`allow all: ${refs(g.from.all)}`)}`, notes: g.notes });
  } else {
    const notes = [...g.notes];
    if (g.ports.length) {
      const s = set(`${name}_ports`, 'inet_proto . inet_service', boxElements(undefined, g.ports), [`ports open to every peer (${direction} class ${name})`]);
      sets.push(s);
      rules.push({ text: `meta l4proto . th dport @${s.name} ${verdict} comment ${nftComment(refs(g.from.ports))}`, notes: notes.splice(0) });
    }
    for (const f of FAMILIES) {
      // Pod addresses go to a hash set and ipBlock ranges to an interval set. Besides the lookup cost, this keeps
      // pod changes cheap to apply: nft reads every element of every one-field interval set of the table before
      // it changes any element, and these sets would otherwise hold every pod a broad peer selects.
      const points = pointTexts(g.pointPeers, f);
      if (points.length) {
        const s = set(`${name}_ip${f}`, ADDR_TYPE[f], points, [`peer pods allowed on every port (${direction} class ${name})`], []);
        sets.push(s);
        rules.push({ text: `${IP_KW[f]} ${field} @${s.name} ${verdict} comment ${nftComment(refs(g.from.points))}`, notes: notes.splice(0) });
      }
      const addrs = mergeRanges(g.addrs[f]);
      if (addrs.length) {
        const s = set(`${name}_addr${f}`, ADDR_TYPE[f], addrs.map(([lo, hi]) => formatRange(f, lo, hi)), [`peer address ranges allowed on every port (${direction} class ${name})`]);
        sets.push(s);
        rules.push({ text: `${IP_KW[f]} ${field} @${s.name} ${verdict} comment ${nftComment(refs(g.from.addrs))}`, notes: notes.splice(0) });
      }
    }
    for (const f of FAMILIES) {
      if (!g.boxes[f].length) continue;
      const { points, spans } = boxTexts(f, g.boxes[f]);
      const type = `${ADDR_TYPE[f]} . inet_proto . inet_service`;
      for (const [suffix, part, flags] of [
        ['pp', points, []],
        ['peerport', spans, ['interval']],
      ] as const) {
        // Both sets exist even when one is empty, so a pair turning from point to range (a neighbour pod
        // arrives) changes elements only, never the chain.
        const s = set(`${name}_${suffix}${f}`, type, part, [`peer and port ${suffix === 'pp' ? 'points' : 'ranges'} (${direction} class ${name})`], [...flags]);
        sets.push(s);
        rules.push({ text: `${IP_KW[f]} ${field} . meta l4proto . th dport @${s.name} ${verdict} comment ${nftComment(refs(g.from.boxes))}`, notes: notes.splice(0) });
      }
    }
    rules.push({ text: `counter jump deny_${direction} comment ${nftComment(`not admitted by ${policies.map((p) => p.id).join(', ')}`)}`, notes });
  }
  // Pod names stay out of the kernel comment: a pod joining the class must not rewrite its chain.
  const comment = `${direction}: ${policies.map((p) => p.id).join(', ')}`;
  return {
    sets,
    chain: { name, comment, notes: [classNote(direction, pods, policies)], rules },
  };
}

/** The named ports an ingress class resolves on its pods; pods that resolve them differently need separate classes. */
function namedSignature(policies: readonly Policy[], pod: Pod): string {
  const parts: string[] = [];
  for (const p of policies)
    for (const r of p.ingress)
      for (const s of r.ports ?? []) if (typeof s.port === 'string') parts.push(`${s.port}/${s.protocol}=${resolveNamedPort(pod, s.port, s.protocol).join(',')}`);
  return [...new Set(parts)].sort().join(' ');
}

/**
 * Compiles the cluster's policies for the pods of one node into an nftables ruleset.
 *
 * Shape: the forward hook accepts established and related packets, then looks the source up in an egress
 * verdict map and the destination in an ingress verdict map, keyed by local pod address. Pods isolated by the
 * same policies share one chain (a class); a class chain holds at most ten rules, one per set it owns (ports
 * for every peer; pod addresses on every port in a hash set and ipBlock ranges in an interval set; peer·protocol·
 * port points in a hash set and ranges in an interval set; each per family) and the deny jump. So the rule count
 * grows with pods plus policies, and a packet costs two map lookups and a few set lookups, however many policies
 * exist.
 */
export function compileRuleset(cluster: Cluster, opts: CompileOptions = {}, cache?: CompileCache): Ruleset {
  const table = opts.table ?? DEFAULT_TABLE;
  const c = new Compiler(cluster, cache);
  const local = c.pods.filter((p) => !p.hostNetwork && p.ips.length > 0 && (opts.node === undefined || p.nodeName === opts.node));
  const sets: NftSet[] = [];
  const classChains: NftChain[] = [];
  const maps: Record<Direction, PerFamily<string[]>> = { ingress: { 4: [], 6: [] }, egress: { 4: [], 6: [] } };
  const classCount: Record<Direction, number> = { ingress: 0, egress: 0 };

  for (const direction of ['ingress', 'egress'] as const) {
    const classes = new Map<string, { policies: Policy[]; pods: Pod[] }>();
    for (const pod of local) {
      const policies = isolatingPolicies(cluster, pod, direction);
      if (policies.length === 0) continue;
      const ids = policies.map((p) => p.id).sort();
      const key = `${direction}|${ids.join(',')}|${direction === 'ingress' ? namedSignature(policies, pod) : ''}`;
      const cls = classes.get(key);
      if (cls) cls.pods.push(pod);
      else classes.set(key, { policies: [...policies].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), pods: [pod] });
    }
    const prefix = direction === 'ingress' ? 'in' : 'eg';
    for (const [key, cls] of [...classes].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const name = `${prefix}_${hash(key)}`;
      const parts = c.parts(direction, cls.policies, cls.pods[0] as Pod);
      const out = c.classOut(key, parts, () => {
        const g = emptyGrants();
        for (const p of parts) merge(g, p);
        return compileClass(name, direction, cls.pods, cls.policies, g);
      });
      sets.push(...out.sets);
      // The pods of a class change without changing its chain: only the note says who they are.
      classChains.push({ ...out.chain, notes: [classNote(direction, cls.pods, cls.policies)] });
      for (const pod of cls.pods)
        for (const t of pod.ips) {
          const ip = addrOf(t);
          if (ip) maps[direction][ip.family].push(`${formatRange(ip.family, ip.value, ip.value)} : jump ${name}`);
        }
    }
    classCount[direction] = classes.size;
  }

  const nodeIPs = new Set<string>(opts.nodeIPs ?? local.map((p) => p.hostIP).filter((x): x is string => x !== undefined));
  const nodeAddrs: PerFamily<string[]> = { 4: [], 6: [] };
  for (const t of nodeIPs) {
    const ip = addrOf(t);
    if (ip) nodeAddrs[ip.family].push(formatRange(ip.family, ip.value, ip.value));
  }

  const fixed: NftSet[] = [];
  for (const f of FAMILIES) fixed.push(set(`node${f}`, ADDR_TYPE[f], [...new Set(nodeAddrs[f])].sort(), [`this node's IPv${f} addresses: traffic to and from the node is always allowed`], []));
  for (const d of ['egress', 'ingress'] as const)
    for (const f of FAMILIES)
      fixed.push({
        name: `${d}${f}`,
        kind: 'map',
        type: `${ADDR_TYPE[f]} : verdict`,
        flags: [],
        options: [],
        elements: maps[d][f].sort(),
        dynamic: false,
        notes: [`local pods isolated for ${d} (IPv${f}), to the chain of their class`],
      });
  const timeout = opts.deniedTimeout ?? '10m';
  for (const d of ['ingress', 'egress'] as const)
    for (const f of FAMILIES)
      fixed.push({
        name: `denied_${d}${f}`,
        kind: 'set',
        type: `${ADDR_TYPE[f]} . ${ADDR_TYPE[f]} . inet_proto . inet_service`,
        flags: ['dynamic', 'timeout'],
        options: [`timeout ${timeout}`, 'size 65535', 'counter'],
        elements: [],
        dynamic: true,
        notes: [`denied ${d} connections (IPv${f}): source . destination . protocol . port, with packet counters`],
      });

  const deny = (d: Direction): NftChain => ({
    name: `deny_${d}`,
    comment: `record and drop ${d} that no policy admits`,
    notes: [],
    rules: [
      ...FAMILIES.map((f) => ({
        text: `meta nfproto ipv${f} update @denied_${d}${f} { ${IP_KW[f]} saddr . ${IP_KW[f]} daddr . meta l4proto . th dport }`,
        notes: [],
      })),
      { text: `counter drop`, notes: [] },
    ],
  });

  const forward: NftChain = {
    name: 'forward',
    hook: 'type filter hook forward priority filter; policy accept;',
    comment: 'kordon NetworkPolicy enforcement',
    notes: ['every routed packet of this node: replies first, then the egress of the source pod, then the ingress of the destination pod'],
    rules: [
      { text: `ct state established,related accept comment "replies of allowed connections"`, notes: [] },
      ...FAMILIES.flatMap((f) => [
        { text: `${IP_KW[f]} saddr @node${f} accept comment "from this node"`, notes: [] },
        { text: `${IP_KW[f]} daddr @node${f} accept comment "to this node"`, notes: [] },
      ]),
      ...FAMILIES.map((f) => ({ text: `${IP_KW[f]} saddr vmap @egress${f} comment "egress of isolated local pods"`, notes: [] })),
      ...FAMILIES.map((f) => ({ text: `${IP_KW[f]} daddr vmap @ingress${f} comment "ingress of isolated local pods"`, notes: [] })),
    ],
  };

  c.finish();
  const chains = [forward, deny('ingress'), deny('egress'), ...classChains];
  const allSets = [...fixed, ...sets];
  return {
    table,
    comment: `managed by kordon; node ${opts.node ?? '(all pods)'}; do not edit`,
    sets: allSets,
    chains,
    stats: {
      localPods: local.length,
      policies: cluster.policies.length,
      ingressClasses: classCount.ingress,
      egressClasses: classCount.egress,
      rules: chains.reduce((n, ch) => n + ch.rules.length, 0),
      elements: allSets.reduce((n, s) => n + s.elements.length, 0),
    },
  };
}

const ruleKeys = new WeakMap<Rule, string>();
/**
 * A rule's content as text, for the cache a compile hands to the next: written once per rule object (the engine
 * keeps a policy's model while its manifest is unchanged), not once per compile or per class that uses it.
 */
function ruleKey(direction: Direction, policy: Policy, rule: Rule): string {
  let t = ruleKeys.get(rule);
  if (t === undefined) ruleKeys.set(rule, (t = `${direction}|${policy.id}|${JSON.stringify(rule)}`));
  return t;
}
