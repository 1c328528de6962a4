import {
  formatPortSpec,
  formatSelector,
  ipBlockRanges,
  isolatingPolicies,
  clusterModel,
  resolveNamedPort,
  tierPeerSelectsPod,
  type Cluster,
  type ClusterModel,
  type ClusterPolicy,
  type Direction,
  type Family,
  type Peer,
  type Pod,
  type Policy,
  type PortSpec,
  type Protocol,
  type Namespace,
  type Rule,
  type TierPeer,
} from '@kordon/engine';
import { covers, formatRange, joinPoints, lowerBound, mergeRanges, sortedUnique, toggleAddress, type AddrRange, type Box } from './ranges.js';
import { ADDR_TYPE, addrOf, append, boxElements, FAMILIES, hash, IP_KW, list, podName, podRanges, PROTO_NUM, refs, set, type PerFamily } from './elements.js';
import { boxSets, patchBoxSets, type BoxSets, type PortBox, type PortedRanges } from './box-sets.js';
import { nftComment, type NftChain, type NftRule, type NftSet, type Ruleset } from './ruleset.js';
import { patchPodPoints, touchedBy, type PodDelta, type PodPoints } from './peer-patch.js';
import { namespaceChange } from './namespace-change.js';
import { compileTiers, keepTargetTexts, targetCounts, targetOf, targetPointTexts, tierMapName, tierPeerKey, type RuleOut, type TierContext, type TierLevel, type TiersOut, type TierTarget } from './tiers.js';

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

interface Grants {
  /** Some rule admits every peer on every port. */
  all: boolean;
  /** Every peer, these ports. */
  ports: Box[];
  /** Pod peers admitted on every port (their `points`). */
  pointPeers: PeerTarget[];
  /** These peer ranges (ipBlocks), every port. */
  addrs: PerFamily<AddrRange[]>;
  /** These peers on these ports: a group made for a peer and ports is shared by every rule naming both. */
  boxes: PerFamily<PortedRanges[]>;
  /** Which policy rules contributed to each part, for comments. */
  from: { all: string[]; ports: string[]; points: string[]; addrs: string[]; boxes: string[] };
  notes: string[];
}

function emptyGrants(): Grants {
  return { all: false, ports: [], pointPeers: [], addrs: { 4: [], 6: [] }, boxes: { 4: [], 6: [] }, from: { all: [], ports: [], points: [], addrs: [], boxes: [] }, notes: [] };
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
  /** For a pod peer: the pods it selects, with their addresses. */
  byPods?: PodPoints;
  /** For an ipBlock peer: its pods, when they were found (or patched from the last compile's). */
  foundPods?(): PeerPod[] | undefined;
}

interface CachedPeer {
  target: PeerTarget;
  /** For selector peers: what decides whether a changed pod touches it. */
  policy: Policy;
  peer: Peer;
}

interface CachedRule {
  grants: Grants;
  peerKeys: string[];
  /**
   * Named egress ports resolve on every destination pod, beyond the rule's peers: a changed pod with a container port
   * of one of these names (before or after the change) invalidates the rule. A pod without one adds nothing to it.
   */
  namedEgress: ReadonlyArray<{ name: string; protocol: Protocol }>;
}

interface CacheState {
  /** The live pods of the last compile: the engine keeps an unchanged pod's object, so the same object means no change. */
  podObjects: Set<Pod>;
  /** The namespaces of the last compile: a namespace event recomputes only the answers their labels changed. */
  namespaces: readonly Namespace[];
  peers: Map<string, CachedPeer>;
  rules: Map<string, CachedRule>;
  classes: Map<string, { parts: Grants[]; out: ClassOut }>;
  nodesFp: string;
  tierPeers: Map<string, { peer: TierPeer; target: TierTarget }>;
  tierRules: Map<string, { peerKeys: string[]; allPods: boolean; out: RuleOut }>;
  /** Egress named port groups over every pod, by port names, as of the last compile. */
  allNamed: Map<string, NamedEntries>;
  /** Whether a cluster policy's subject selects a pod, by the pod's namespace: a relabel drops its namespace's answers. */
  subjects: Map<string, WeakMap<ClusterPolicy, WeakMap<Pod, boolean>>>;
}

/**
 * What one compile can hand to the next (the agent keeps one): peers, rules and class chains that no change of
 * pods, namespaces or policies touched are reused instead of recomputed. The output is the same as without it.
 */
export class CompileCache {}

const cacheStates = new WeakMap<CompileCache, CacheState>();

/**
 * The rule (content, policy, named port resolution) whose grants these are. Two grants of one rule over the same
 * namespaces differ only where pods came and went: what a class may patch instead of writing again.
 */
const grantsRule = new WeakMap<Grants, string>();
const sameRule = (a: Grants, b: Grants): boolean => grantsRule.get(a) !== undefined && grantsRule.get(a) === grantsRule.get(b);

/** The last compile's class (its elements), and the addresses where its input changed since. */
interface BoxPatch {
  before: ClassOut;
  changed: PerFamily<bigint[]>;
}

const isolating = new WeakMap<Policy, Partial<Record<Direction, Grants>>>();
/**
 * The part of a policy with no rules for a direction: it isolates and admits nothing. One object per policy model and
 * direction, so that the classes it is in stay cached from one compile to the next.
 */
function isolatesOnly(policy: Policy, direction: Direction): Grants {
  let byDir = isolating.get(policy);
  if (!byDir) isolating.set(policy, (byDir = {}));
  return (byDir[direction] ??= { ...emptyGrants(), notes: [`${policy.id} isolates ${direction} and admits nothing by itself`] });
}

const fingerprints = new WeakMap<Pod, string>();
/** What of a pod the ruleset reads; once per pod object (the engine keeps a pod's model while its manifest is unchanged). */
function podFingerprint(p: Pod): string {
  let fp = fingerprints.get(p);
  if (fp === undefined) fingerprints.set(p, (fp = JSON.stringify([p.labels, p.ips, p.hostNetwork, p.phase ?? '', p.containerPorts])));
  return fp;
}

/**
 * Pods whose fingerprint differs between two compiles: arrived, gone, or changed (both versions). Only pods whose
 * object is not the last compile's are looked at; a new object with the same content (a relist) is no change.
 */
function changedPods(before: ReadonlySet<Pod>, alive: readonly Pod[], now: ReadonlySet<Pod>): Pod[] {
  const key = (p: Pod): string => `${p.namespace}/${p.name}`;
  const left = new Map<string, Pod>();
  for (const p of before) if (!now.has(p)) left.set(key(p), p);
  const changed: Pod[] = [];
  for (const p of alive) {
    if (before.has(p)) continue;
    const o = left.get(key(p));
    if (!o) changed.push(p);
    else {
      left.delete(key(p));
      if (podFingerprint(o) !== podFingerprint(p)) changed.push(p, o);
    }
  }
  for (const o of left.values()) changed.push(o);
  return changed;
}

const lookalikeKeys = new WeakMap<Pod, string>();
/** Pods with the same namespace, labels and host networking: every selector peer answers the same for them. */
function lookalikeKey(p: Pod): string {
  let k = lookalikeKeys.get(p);
  if (k === undefined) lookalikeKeys.set(p, (k = JSON.stringify([p.namespace, p.hostNetwork, Object.entries(p.labels).sort()])));
  return k;
}

class Compiler {
  private readonly alive: Pod[];
  /** Who each peer selects: the engine's answer, never derived here (NetworkPolicy peers, cluster policy peers). */
  readonly model: ClusterModel;
  /** Peers computed by this compile, by `peerKey`. */
  private readonly peerCache = new Map<string, PeerTarget>();
  private lookalikes: Array<{ rep: Pod; pods: Pod[] }> | undefined;
  /** Rules compiled by this compile: by rule object, then by the named ports it resolves (ingress). */
  private readonly ruleCache = new Map<Rule, Map<string, Grants>>();

  private readonly state: CacheState | undefined;
  /** The pods that came and went since the last compile (none without a cache, or when it was dropped). */
  private delta: PodDelta = { came: [], gone: [] };
  /** Rule keys used by this compile, with the peers they read. */
  private readonly usedRules = new Map<string, CachedRule>();
  private readonly usedPeers = new Map<string, CachedPeer>();

  constructor(
    readonly cluster: Cluster,
    cache?: CompileCache,
  ) {
    this.model = clusterModel(cluster);
    this.alive = cluster.pods.filter((p) => p.phase !== 'Succeeded' && p.phase !== 'Failed');
    if (cache) this.state = this.prepareCache(cache);
  }

  /** Drops what the changes since the last compile touched; returns the state to read and refill. */
  private prepareCache(cache: CompileCache): CacheState {
    const old = cacheStates.get(cache);
    const samePods = old !== undefined && old.podObjects.size === this.alive.length && this.alive.every((p) => old.podObjects.has(p));
    const nodesFp = JSON.stringify(this.cluster.nodes.map((n) => [n.name, n.labels, n.addresses]));
    const podObjects = samePods ? old.podObjects : new Set(this.alive);
    const fresh: CacheState = { podObjects, namespaces: this.cluster.namespaces, peers: new Map(), rules: new Map(), classes: new Map(), nodesFp, tierPeers: new Map(), tierRules: new Map(), subjects: new Map(), allNamed: new Map() };
    cacheStates.set(cache, fresh);
    if (!old) return fresh;
    fresh.subjects = old.subjects;
    const changed = samePods ? [] : changedPods(old.podObjects, this.alive, podObjects);
    const delta: PodDelta = { came: changed.filter((p) => podObjects.has(p)), gone: changed.filter((p) => !podObjects.has(p)) };
    this.delta = delta;
    // A namespace event: what reads its labels is computed again where the model's answer changed for one of its pods.
    const moved = this.namespaceMoves(old, new Set(delta.came));
    // A peer a changed pod touches is patched by the pods that came and went; the rules that read it are compiled again.
    const dropped = new Set<string>();
    for (const [k, c] of old.peers) {
      if (moved?.peer(c.policy, c.peer)) dropped.add(k);
      else if (c.peer.kind === 'ipBlock' || !changed.some((p) => this.model.peerSelectsPod(c.policy, c.peer, p))) fresh.peers.set(k, c);
      else {
        dropped.add(k);
        const { policy, peer } = c;
        const target = patchedPeer(c.target, delta, (pod) => this.model.peerSelectsPod(policy, peer, pod));
        this.patchedFrom.set(target, c.target);
        fresh.peers.set(k, { ...c, target });
      }
    }
    const resolvesAny = (named: CachedRule['namedEgress']): boolean => named.length > 0 && changed.some((pod) => named.some((n) => resolveNamedPort(pod, n.name, n.protocol).length > 0));
    for (const [k, r] of old.rules) if (!resolvesAny(r.namedEgress) && !r.peerKeys.some((pk) => dropped.has(pk))) fresh.rules.set(k, r);
    fresh.classes = old.classes;
    this.allNamedBefore = old.allNamed;
    const droppedTier = new Set<string>();
    for (const [k, c] of old.tierPeers) {
      const p = c.peer;
      const byPods = p.kind === 'namespaces' || p.kind === 'pods';
      if (moved?.tierPeer(p)) {
        droppedTier.add(k);
        continue;
      }
      const stale = p.kind === 'nodes' ? old.nodesFp !== nodesFp : byPods && changed.some((pod) => tierPeerSelectsPod(this.cluster, p, pod));
      if (!stale) fresh.tierPeers.set(k, c);
      else {
        droppedTier.add(k);
        if (byPods) {
          const known = targetCounts.get(c.target);
          const texts = targetPointTexts(c.target);
          const { pods, points, count, texts: patched } = patchPodPoints({ ...c.target, ...(known ? { count: known } : {}), ...(texts ? { texts } : {}) }, delta, (pod) => tierPeerSelectsPod(this.cluster, p, pod));
          const target: TierTarget = { pods: pods as Pod[], points: points as PerFamily<bigint[]>, ranges: c.target.ranges };
          if (count) targetCounts.set(target, count);
          if (patched) keepTargetTexts(target, c.target, patched);
          fresh.tierPeers.set(k, { peer: p, target });
        }
      }
    }
    for (const [k, r] of old.tierRules) if (!(r.allPods && changed.length) && !r.peerKeys.some((pk) => droppedTier.has(pk))) fresh.tierRules.set(k, r);
    return fresh;
  }

  /**
   * The namespaces whose labels changed since the last compile, as tests of a cached peer: whether the model, with the
   * labels of then and of now, answers differently for a pod of theirs that did not change itself (pods that did are
   * the pod delta's). Their subjects' answers are dropped, and their pods' addresses are where classes are patched.
   */
  private namespaceMoves(old: CacheState, came: ReadonlySet<Pod>): { peer(policy: Policy, peer: Peer): boolean; tierPeer(peer: TierPeer): boolean } | undefined {
    const change = namespaceChange(old.namespaces, this.model);
    if (!change) return undefined;
    for (const ns of change.names) old.subjects.delete(ns);
    const pods = this.alive.filter((p) => change.names.has(p.namespace) && !came.has(p));
    this.movedPods = pods;
    // Pods of one namespace with the same labels get the same answers: one of each is asked.
    const reps = new Map<string, Pod>();
    for (const p of pods) if (!reps.has(lookalikeKey(p))) reps.set(lookalikeKey(p), p);
    const asked = [...reps.values()];
    const was = change.before;
    return {
      peer: (policy, peer) => asked.some((p) => was.peerSelectsPod(policy, peer, p) !== this.model.peerSelectsPod(policy, peer, p)),
      tierPeer: (peer) => asked.some((p) => tierPeerSelectsPod(was.cluster, peer, p) !== tierPeerSelectsPod(this.cluster, peer, p)),
    };
  }

  /** Unchanged pods of the namespaces whose labels changed: where the peers reading those labels may have changed. */
  private movedPods: readonly Pod[] = [];

  private readonly tierTargets = new Map<string, TierTarget>();
  private readonly usedTierPeers = new Map<string, { peer: TierPeer; target: TierTarget }>();
  private readonly tierRuleOuts = new Map<string, RuleOut>();
  private readonly usedTierRules = new Map<string, { peerKeys: string[]; allPods: boolean; out: RuleOut }>();

  /** What a cluster policy peer stands for: computed once per content, kept across compiles until a change touches it. */
  tierTarget(peer: TierPeer): TierTarget {
    const key = tierPeerKey(peer);
    let t = this.tierTargets.get(key);
    if (t) return t;
    t = this.state?.tierPeers.get(key)?.target ?? targetOf(this, peer);
    this.tierTargets.set(key, t);
    this.usedTierPeers.set(key, { peer, target: t });
    return t;
  }

  /** A compiled cluster policy rule, kept across compiles while its peers (and, for egress named ports, all pods) are unchanged. */
  tierRule(key: string, peers: readonly TierPeer[], namedEgress: boolean, make: () => RuleOut): RuleOut {
    let out = this.tierRuleOuts.get(key);
    if (out) return out;
    const peerKeys = peers.map(tierPeerKey);
    const kept = this.state?.tierRules.get(key);
    if (kept) for (const p of peers) this.tierTarget(p);
    out = kept?.out ?? make();
    this.tierRuleOuts.set(key, out);
    this.usedTierRules.set(key, { peerKeys, allPods: namedEgress, out });
    return out;
  }

  /**
   * A class chain and its sets, reused when the rules behind it are the very same as last time. When they are the same
   * rules over pods that came and went, the last peer · port elements are handed over to be patched at their addresses.
   */
  classOut(key: string, parts: Grants[], make: (patch?: BoxPatch) => ClassOut): ClassOut {
    const cached = this.state?.classes.get(key);
    let out: ClassOut;
    if (cached && cached.parts.length === parts.length && cached.parts.every((g, i) => g === parts[i])) out = cached.out;
    else if (cached && cached.parts.length === parts.length && cached.parts.every((g, i) => g === parts[i] || sameRule(g, parts[i] as Grants))) out = make({ before: cached.out, changed: this.changedAddresses() });
    else out = make();
    this.newClasses.set(key, { parts, out });
    return out;
  }

  private changed: PerFamily<bigint[]> | undefined;
  /** The addresses of the pods that came and went since the last compile, sorted: where their peers changed. */
  private changedAddresses(): PerFamily<bigint[]> {
    if (this.changed) return this.changed;
    const values: PerFamily<bigint[]> = { 4: [], 6: [] };
    for (const p of [...this.delta.came, ...this.delta.gone, ...this.movedPods]) for (const f of FAMILIES) for (const [v] of podRanges(p)[f]) values[f].push(v);
    return (this.changed = { 4: sortedUnique(values[4]), 6: sortedUnique(values[6]) });
  }

  private readonly newClasses = new Map<string, { parts: Grants[]; out: ClassOut }>();

  /** Keeps for the next compile only what this one used. */
  finish(): void {
    if (!this.state) return;
    this.state.peers = this.usedPeers;
    this.state.rules = this.usedRules;
    this.state.classes = this.newClasses;
    this.state.tierPeers = this.usedTierPeers;
    this.state.tierRules = this.usedTierRules;
    // The groups over every pod that no rule asked for this time are kept in step too: the next pod event with one of
    // those port names asks for them again.
    for (const [key, list] of this.allNamedBefore ?? [])
      if (!this.allNamed.has(key)) this.allNamed.set(key, this.delta.came.length || this.delta.gone.length ? patchedEntries(list, this.delta, list.specs, podRanges) : list);
    this.state.allNamed = this.allNamed;
    // An ipBlock peer's pods are found through this compile (a closure over it) when asked: what the compile still
    // holds of the last one must go, or each compile would keep every earlier one alive.
    this.patchedFrom.clear();
    this.allNamedBefore = undefined;
  }

  /** Live pods grouped by what a selector can see of them (namespace, labels, host networking). */
  private groups(): Array<{ rep: Pod; pods: Pod[] }> {
    if (this.lookalikes) return this.lookalikes;
    const by = new Map<string, { rep: Pod; pods: Pod[] }>();
    for (const p of this.alive) {
      const k = lookalikeKey(p);
      const g = by.get(k);
      if (g) g.pods.push(p);
      else by.set(k, { rep: p, pods: [p] });
    }
    return (this.lookalikes = [...by.values()]);
  }

  /** The live pods a predicate of the engine holds for, asked once per group of lookalike pods. */
  podsWhere(holds: (pod: Pod) => boolean): Pod[] {
    const out: Pod[] = [];
    for (const g of this.groups()) if (holds(g.rep)) append(out, g.pods);
    return out;
  }

  get pods(): readonly Pod[] {
    return this.alive;
  }

  private subjectsNow: CacheState['subjects'] | undefined;

  tierContext(): TierContext {
    return {
      cluster: this.cluster,
      podsWhere: (holds) => this.podsWhere(holds),
      target: (peer) => this.tierTarget(peer),
      rule: (key, peers, namedEgress, make) => this.tierRule(key, peers, namedEgress, make),
      subjects: (namespace) => {
        const all = this.state?.subjects ?? (this.subjectsNow ??= new Map());
        let mine = all.get(namespace);
        if (!mine) all.set(namespace, (mine = new WeakMap()));
        return mine;
      },
    };
  }

  peer(policy: Policy, peer: Peer): PeerTarget {
    const key = this.model.peerKey(policy, peer);
    const cached = this.peerCache.get(key);
    if (cached) return cached;
    const kept = this.state?.peers.get(key);
    if (kept) {
      // An ipBlock's addresses never depend on pods; the pods inside it, when the last compile found them, are
      // patched by the pods that came and went, else found on first use.
      const t = kept.peer.kind === 'ipBlock' ? this.computePeer(policy, peer, kept.target) : kept.target;
      if (t !== kept.target) this.patchedFrom.set(t, kept.target);
      this.usedPeers.set(key, { ...kept, target: t });
      this.peerCache.set(key, t);
      return t;
    }
    const t = this.computePeer(policy, peer);
    if (this.state) this.usedPeers.set(key, { target: t, policy, peer });
    this.peerCache.set(key, t);
    return t;
  }

  /** A pod's addresses through which a peer holds it; none when it does not. */
  private peerRanges(policy: Policy, peer: Peer, pod: Pod): PerFamily<AddrRange[]> | undefined {
    if (peer.kind !== 'ipBlock') return this.model.peerSelectsPod(policy, peer, pod) ? podRanges(pod) : undefined;
    const ips = this.model.addressesInBlock(peer, pod);
    if (!ips.length) return undefined;
    // A block is of one family, and so is every address of a pod it holds.
    const hit = ips.map((ip): AddrRange => [ip.value, ip.value]);
    const fam = (ips[0] as { family: Family }).family;
    return { 4: fam === 4 ? hit : [], 6: fam === 6 ? hit : [] };
  }

  private computePeer(policy: Policy, peer: Peer, before?: PeerTarget): PeerTarget {
    const ranges: PerFamily<AddrRange[]> = { 4: [], 6: [] };
    let podsOf = (): PeerPod[] => [];
    let memo: PeerPod[] | undefined;
    let describe: string;
    if (peer.kind === 'ipBlock') {
      const block = this.model.ipBlock(peer);
      describe = `ipBlock ${peer.cidr}${peer.except.length ? ` except ${peer.except.join(', ')}` : ''}`;
      if (block) {
        const fam = block.cidr.family;
        ranges[fam] = before ? before.ranges[fam] : ipBlockRanges(block);
        // Only named egress ports need the pods inside the block, the model saying which addresses of a pod the
        // block holds: found on first use, or patched from the last compile's.
        const inBlock = (pod: Pod): PeerPod[] => {
          const ranges = this.peerRanges(policy, peer, pod);
          return ranges ? [{ pod, ranges }] : [];
        };
        const known = before?.foundPods?.();
        const d = this.delta;
        if (known && (d.came.length || d.gone.length)) {
          const touched = touchedBy(d);
          memo = known.filter((m) => !touched(m.pod));
          for (const pod of d.came) append(memo, inBlock(pod));
        } else memo = known;
        podsOf = () => this.alive.flatMap(inBlock);
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
      const selected = this.model.peerPods(policy, peer);
      const values: PerFamily<bigint[]> = { 4: [], 6: [] };
      for (const pod of selected) for (const f of FAMILIES) for (const [v] of podRanges(pod)[f]) values[f].push(v);
      // Pod addresses are single points: sorted once, they give both the points and the merged ranges.
      return podPeer({ pods: selected, points: { 4: sortedUnique(values[4]), 6: sortedUnique(values[6]) }, count: { 4: values[4].length, 6: values[6].length } }, describe);
    }
    const none: PerFamily<bigint[]> = { 4: [], 6: [] };
    // The last compile's ranges object itself, so that the boxes made of it are the same objects too.
    return { ranges: before ? before.ranges : { 4: mergeRanges(ranges[4]), 6: mergeRanges(ranges[6]) }, points: () => none, pods: () => (memo ??= podsOf()), foundPods: () => memo, describe };
  }

  /** What each rule of `policies` admits for `direction`, for the class whose pods look like `rep`. */
  parts(direction: Direction, policies: readonly Policy[], rep: Pod): Grants[] {
    const out: Grants[] = [];
    for (const policy of policies) {
      const rules: readonly Rule[] = direction === 'ingress' ? policy.ingress : policy.egress;
      if (rules.length === 0) out.push(isolatesOnly(policy, direction));
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
    grantsRule.set(g, key);
    mine.set(named, g);
    if (this.state) {
      const namedEgress = direction === 'egress' ? (rule.ports ?? []).flatMap((s) => (typeof s.port === 'string' ? [{ name: s.port, protocol: s.protocol }] : [])) : [];
      this.usedRules.set(key, { grants: g, peerKeys: (rule.peers ?? []).map((p) => this.model.peerKey(policy, p)), namedEgress });
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
    const fixed: PortBox[] = [];
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
        for (const e of this.namedOf(undefined, namedEgress, podRanges)) addGroup(g, e.group);
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
        for (const f of FAMILIES) if (group[f].ranges.length) g.boxes[f].push(group[f]);
      }
      if (namedEgress.length) for (const e of this.namedOf(t, namedEgress, (pod) => this.peerRanges(policy, peer, pod))) addGroup(g, e.group);
      g.from.boxes.push(`${ref} ${peerWord}[${pi}]`);
    });
  }

  /**
   * Peers patched by this compile's pod changes (pod peers, or an ipBlock's pods), to the last compile's. Held by the
   * compile only: a link kept with the peer would keep every earlier version of it alive.
   */
  private readonly patchedFrom = new Map<PeerTarget, PeerTarget>();
  private allNamedBefore: Map<string, NamedEntries> | undefined;
  private readonly allNamed = new Map<string, NamedEntries>();

  /**
   * The egress named port groups of `specs` over a peer's pods (`t`) or every pod: once per peer, or per compile,
   * and patched from the last ones by the pods that came and went (`rangesOf`: a pod's addresses in the peer, if it
   * holds the pod), not asked of every pod again: a rule to every pod's `http` is compiled again at nearly every pod
   * event.
   */
  private namedOf(t: PeerTarget | undefined, specs: readonly PortSpec[], rangesOf: (pod: Pod) => PerFamily<AddrRange[]> | undefined): NamedEntries {
    const key = specsKey(specs);
    let mine = t ? namedOfPeer.get(t) : this.allNamed;
    if (!mine) namedOfPeer.set(t as PeerTarget, (mine = new Map()));
    let list = mine.get(key);
    if (list) return list;
    const from = t ? this.patchedFrom.get(t) : undefined;
    const prev = (t ? from && namedOfPeer.get(from) : this.allNamedBefore)?.get(key);
    if (prev) list = patchedEntries(prev, this.delta, specs, rangesOf);
    else {
      const groupOf = namedGroups(specs);
      list = Object.assign((t ? t.pods() : this.alive.map((pod) => ({ pod, ranges: podRanges(pod) }))).map((m) => ({ pod: m.pod, group: groupOf(m.pod, m.ranges) })), { specs });
    }
    mine.set(key, list);
    return list;
  }

}

/** A pod peer: its pods, and their addresses as points and as ranges joined. */
function podPeer(pp: PodPoints, describe: string, ranges?: PerFamily<AddrRange[]>): PeerTarget {
  const points = pp.points as PerFamily<bigint[]>;
  let memo: PeerPod[] | undefined;
  const t: PeerTarget = {
    ranges: ranges ?? { 4: joinPoints(points[4]), 6: joinPoints(points[6]) },
    points: () => points,
    pods: () => (memo ??= pp.pods.map((pod) => ({ pod, ranges: podRanges(pod) }))),
    describe,
    byPods: pp,
  };
  if (pp.texts) peerPointTexts.set(t, pp.texts as PerFamily<string[]>);
  return t;
}

/** A pod peer after the pods of `delta` came and went, its set elements patched too when they were written. */
function patchedPeer(before: PeerTarget, delta: PodDelta, selects: (pod: Pod) => boolean): PeerTarget {
  const texts = peerPointTexts.get(before);
  const pp = patchPodPoints({ ...(before.byPods ?? { pods: [], points: before.points() }), ...(texts ? { texts } : {}) }, delta, selects);
  // The joined ranges too, at the addresses of the pods that came and went, rather than joined again from every point.
  const ranges = { 4: before.ranges[4], 6: before.ranges[6] };
  for (const f of FAMILIES) {
    const vs = pp.points[f];
    let copy: AddrRange[] | undefined;
    for (const p of [...delta.came, ...delta.gone])
      for (const [v] of podRanges(p)[f]) {
        const now = vs[lowerBound(vs, v)] === v;
        if (now !== covers(copy ?? ranges[f], v)) toggleAddress((copy ??= ranges[f].slice()), v, now);
      }
    if (copy) ranges[f] = copy;
  }
  return podPeer(pp, before.describe, ranges);
}

const peerPointTexts = new WeakMap<PeerTarget, PerFamily<string[]>>();

/** Sorted unique addresses and their set elements, in step. */
interface PointList {
  values: readonly bigint[];
  texts: readonly string[];
}

/**
 * The addresses of some pod peers as set elements. Most classes take them from one peer (every policy that names
 * the same selector shares one peer), whose elements are then written once and shared by every class. Those of several
 * peers are merged, or, given the last compile's and the addresses where the peers changed since, patched there.
 */
function pointList(peers: readonly PeerTarget[], f: Family, before?: PointList, changed?: readonly bigint[]): PointList {
  const distinct = [...new Set(peers)];
  if (distinct.length === 1) return { values: (distinct[0] as PeerTarget).points()[f], texts: pointTextsOf(distinct[0] as PeerTarget)[f] };
  if (before && changed) return patchPoints(before, distinct, f, changed);
  // Each peer's points are sorted and unique: merged pairwise with their texts, not sorted and written again.
  let acc: PointList = { values: [], texts: [] };
  for (const p of distinct) acc = mergePoints(acc, { values: p.points()[f], texts: pointTextsOf(p)[f] });
  return acc;
}

function patchPoints(before: PointList, peers: readonly PeerTarget[], f: Family, changed: readonly bigint[]): PointList {
  let values: bigint[] | undefined;
  let texts: string[] | undefined;
  for (const v of changed) {
    const now = peers.some((p) => {
      const vs = p.points()[f];
      return vs[lowerBound(vs, v)] === v;
    });
    const vs = values ?? before.values;
    const i = lowerBound(vs, v);
    if (now === (vs[i] === v)) continue;
    values ??= before.values.slice();
    texts ??= before.texts.slice();
    if (now) {
      values.splice(i, 0, v);
      texts.splice(i, 0, formatRange(f, v, v));
    } else {
      values.splice(i, 1);
      texts.splice(i, 1);
    }
  }
  return values && texts ? { values, texts } : before;
}

function pointTextsOf(peer: PeerTarget): PerFamily<string[]> {
  let texts = peerPointTexts.get(peer);
  if (!texts) {
    const points = peer.points();
    peerPointTexts.set(peer, (texts = { 4: points[4].map((v) => formatRange(4, v, v)), 6: points[6].map((v) => formatRange(6, v, v)) }));
  }
  return texts;
}

/** Two sorted lists of unique addresses, with their texts, as one. */
function mergePoints(a: PointList, b: PointList): PointList {
  const values: bigint[] = [];
  const texts: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.values.length || j < b.values.length) {
    const x = a.values[i];
    const y = b.values[j];
    if (y === undefined || (x !== undefined && x < y)) {
      values.push(x as bigint);
      texts.push(a.texts[i++] as string);
    } else {
      values.push(y);
      texts.push(b.texts[j++] as string);
      if (x === y) i++;
    }
  }
  return { values, texts };
}

/** A pod and its egress named port groups, per family (none where it has no port of those names or no address). */
interface NamedEntry {
  pod: Pod;
  group: PerFamily<PortedRanges | undefined>;
}
/** The entries of every pod a peer (or the cluster) holds, for some port names. */
type NamedEntries = NamedEntry[] & { specs: readonly PortSpec[] };
const namedOfPeer = new WeakMap<PeerTarget, Map<string, NamedEntries>>();

/** Entries after the pods of `delta` came and went: `rangesOf` gives a pod's addresses in the peer, if it holds the pod. */
function patchedEntries(before: NamedEntries, delta: PodDelta, specs: readonly PortSpec[], rangesOf: (pod: Pod) => PerFamily<AddrRange[]> | undefined): NamedEntries {
  const touched = touchedBy(delta);
  const list = Object.assign(
    before.filter((e) => !touched(e.pod)),
    { specs },
  );
  const groupOf = namedGroups(specs);
  for (const pod of delta.came) {
    const ranges = rangesOf(pod);
    if (ranges) list.push({ pod, group: groupOf(pod, ranges) });
  }
  return list;
}

/** An egress named port admits the remote pod's own container port of that name. */
function addGroup(g: Grants, group: PerFamily<PortedRanges | undefined>): void {
  for (const f of FAMILIES) {
    const c = group[f];
    if (c) g.boxes[f].push(c);
  }
}

const groupsBySpecs = new Map<string, WeakMap<Pod, { ranges: PerFamily<AddrRange[]>; group: PerFamily<PortedRanges | undefined> }>>();

/**
 * A pod's own ports of the names `specs` gives, at its addresses `ranges`: made once per pod object, rule ports and
 * addresses (the engine keeps an unchanged pod's object and an unchanged rule's), so that the group a rule over every
 * pod hands a class is the same object from one compile to the next and costs a look-up.
 */
function namedGroups(specs: readonly PortSpec[]): (pod: Pod, ranges: PerFamily<AddrRange[]>) => PerFamily<PortedRanges | undefined> {
  const key = specsKey(specs);
  let byPod = groupsBySpecs.get(key);
  if (!byPod) groupsBySpecs.set(key, (byPod = new WeakMap()));
  const known = byPod;
  return (pod, ranges) => {
    const had = known.get(pod);
    if (had && had.ranges === ranges) return had.group;
    const ports: PortBox[] = [];
    for (const s of specs) {
      const proto = PROTO_NUM[s.protocol];
      for (const n of resolveNamedPort(pod, s.port as string, s.protocol)) ports.push({ proto, lo: n, hi: n });
    }
    const of = (f: Family): PortedRanges | undefined => (ports.length && ranges[f].length ? { ports, ranges: ranges[f].length > 1 ? mergeRanges(ranges[f]) : ranges[f] } : undefined);
    const group = { 4: of(4), 6: of(6) };
    known.set(pod, { ranges, group });
    return group;
  };
}

const specsKeys = new WeakMap<readonly PortSpec[], string>();
const specsKey = (specs: readonly PortSpec[]): string => {
  let k = specsKeys.get(specs);
  if (k === undefined) specsKeys.set(specs, (k = specs.map((s) => `${String(s.port)}/${s.protocol}`).join(',')));
  return k;
};

const boxesOfPeer = new WeakMap<PerFamily<AddrRange[]>, Map<string, PerFamily<PortedRanges>>>();

/** A peer on some ports: made once per peer's addresses and ports, shared by every rule and class that names both. */
function peerBoxes(t: PeerTarget, fixed: readonly PortBox[]): PerFamily<PortedRanges> {
  let byPorts = boxesOfPeer.get(t.ranges);
  if (!byPorts) boxesOfPeer.set(t.ranges, (byPorts = new Map()));
  const key = fixed.map((p) => `${p.proto}:${p.lo}-${p.hi}`).join(',');
  let group = byPorts.get(key);
  if (!group) byPorts.set(key, (group = { 4: { ports: fixed, ranges: t.ranges[4] }, 6: { ports: fixed, ranges: t.ranges[6] } }));
  return group;
}

function classNote(direction: Direction, pods: readonly Pod[], policies: readonly Policy[]): string {
  return `${direction} of ${pods.length} pods (${list(pods.map(podName))}), isolated by ${policies.map((p) => p.id).join(', ')}`;
}

interface ClassOut {
  sets: NftSet[];
  chain: NftChain;
  /** Its peer · port elements and its peer pods' addresses, per family, for the next compile to patch. */
  boxes: PerFamily<BoxSets | undefined>;
  ips: PerFamily<PointList | undefined>;
}

function compileClass(name: string, direction: Direction, pods: readonly Pod[], policies: readonly Policy[], g: Grants, patch?: BoxPatch): ClassOut {
  const verdict = direction === 'ingress' ? 'accept' : 'return';
  const field = direction === 'ingress' ? 'saddr' : 'daddr';
  const sets: NftSet[] = [];
  const rules: NftRule[] = [];
  const boxes: PerFamily<BoxSets | undefined> = { 4: undefined, 6: undefined };
  const ips: PerFamily<PointList | undefined> = { 4: undefined, 6: undefined };
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
      const before = patch?.before.ips[f];
      const points = g.pointPeers.length ? ((ips[f] = pointList(g.pointPeers, f, before, patch?.changed[f])).texts as string[]) : [];
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
      const before = patch?.before.boxes[f];
      const { points, spans } = (boxes[f] = before ? patchBoxSets(before, f, g.boxes[f], (patch as BoxPatch).changed[f]) : boxSets(f, g.boxes[f]));
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
    boxes,
    ips,
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
  const onNode = c.pods.filter((p) => !p.hostNetwork && p.ips.length > 0 && (opts.node === undefined || p.nodeName === opts.node));
  const shared = ownAddresses(onNode);
  const local = shared.pods;
  const sets: NftSet[] = [];
  const classChains: NftChain[] = [];
  const maps: Record<Direction, PerFamily<string[]>> = { ingress: { 4: [], 6: [] }, egress: { 4: [], 6: [] } };
  const classCount: Record<Direction, number> = { ingress: 0, egress: 0 };
  const isolated: Record<Direction, Set<Pod>> = { ingress: new Set(), egress: new Set() };

  for (const direction of ['ingress', 'egress'] as const) {
    const classes = new Map<string, { policies: Policy[]; pods: Pod[] }>();
    for (const pod of local) {
      const policies = isolatingPolicies(cluster, pod, direction);
      if (policies.length === 0) continue;
      isolated[direction].add(pod);
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
      const out = c.classOut(key, parts, (patch) => {
        const g = emptyGrants();
        for (const p of parts) merge(g, p);
        return compileClass(name, direction, cls.pods, cls.policies, g, patch);
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

  // The tiers: Admin for every local pod its policies select, Baseline only where no NetworkPolicy isolates the pod.
  const tiered = cluster.clusterPolicies.length > 0;
  const tiers = tiered ? compileTiers(c.tierContext(), local, (d, tier, pod) => tier === 'Admin' || !isolated[d].has(pod)) : undefined;

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
  if (tiers) fixed.push(...tierMaps(tiers));
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

  c.finish();
  const chains = [...entryChains(tiered), deny('ingress'), deny('egress'), ...classChains, ...(tiers?.chains ?? [])];
  const allSets = [...fixed, ...sets, ...(tiers?.sets ?? [])];
  const out: Ruleset = {
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
  if (tiers) {
    out.stats.tierClasses = tiers.classes.egress.Admin + tiers.classes.egress.Baseline + tiers.classes.ingress.Admin + tiers.classes.ingress.Baseline;
    out.stats.clusterPolicies = cluster.clusterPolicies.length;
  }
  const warnings = [...shared.warnings, ...(tiers?.warnings ?? [])];
  if (warnings.length) out.warnings = warnings;
  return out;
}

/**
 * Local pods as the verdict maps key them: one chain per address. Two pods given one address (a broken cluster, or an
 * address reused before the old pod is gone) would put one key twice in a map, which nft refuses, and the kernel
 * cannot tell their packets apart anyway: the address is enforced for the first pod by namespace and name (the
 * cluster's order), and the later pod is compiled without it, with a warning. Pods that share nothing stay the very
 * same objects, so caches keyed by pod keep working.
 */
function ownAddresses(pods: readonly Pod[]): { pods: Pod[]; warnings: string[] } {
  const owner = new Map<string, Pod>();
  const warnings: string[] = [];
  let out: Pod[] | undefined;
  pods.forEach((pod, i) => {
    let lost: string[] | undefined;
    for (const ip of pod.ips) {
      const first = owner.get(ip);
      if (first === undefined) owner.set(ip, pod);
      else if (first !== pod) {
        (lost ??= []).push(ip);
        warnings.push(`pods ${podName(first)} and ${podName(pod)} share the address ${ip}: it is enforced for ${podName(first)} only`);
      }
    }
    if (!lost) return;
    out ??= pods.slice();
    out[i] = withIps(pod, pod.ips.filter((ip) => !lost.includes(ip)));
  });
  return { pods: out ?? (pods as Pod[]), warnings };
}

/** A copy of a pod with fewer addresses, its other fields (its place in the source read now) as they are. */
function withIps(pod: Pod, ips: string[]): Pod {
  return { ...pod, ips };
}

/** The verdict maps of the tier chains, keyed by local pod address. */
function tierMaps(tiers: TiersOut): NftSet[] {
  const out: NftSet[] = [];
  for (const d of ['egress', 'ingress'] as const)
    for (const tier of ['Admin', 'Baseline'] as const)
      for (const f of FAMILIES)
        out.push({
          name: tierMapName(d, tier, f),
          kind: 'map',
          type: `${ADDR_TYPE[f]} : verdict`,
          flags: [],
          options: [],
          elements: tiers.maps[d][tier][f].sort(),
          dynamic: false,
          notes: [`local pods (IPv${f}) whose ${d} reaches the ${tier} tier and is selected by its policies, to the chain of their class`],
        });
  return out;
}

const FROM_NODE: NftRule[] = [
  { text: `ct state established,related accept comment "replies of allowed connections"`, notes: [] },
  ...FAMILIES.flatMap((f) => [
    { text: `${IP_KW[f]} saddr @node${f} accept comment "from this node"`, notes: [] },
    { text: `${IP_KW[f]} daddr @node${f} accept comment "to this node"`, notes: [] },
  ]),
];

const vmapRule = (field: 'saddr' | 'daddr', map: string, f: Family, what: string): NftRule => ({ text: `${IP_KW[f]} ${field} vmap @${map}${f} comment "${what}"`, notes: [] });

/**
 * The forward hook. Without cluster policies: replies, node traffic, then the NetworkPolicy egress of the source pod
 * (its chain returns when egress is admitted) and the ingress of the destination pod. With them, each direction is a
 * chain of tiers, first answer wins: Admin (accept, drop, or return on Pass or no match), then NetworkPolicy for pods it
 * isolates, then Baseline for the rest, then allow. An Admin egress Accept skips the rest of egress with `goto ingress`;
 * the ingress chain ends in accept, so egress that falls through every tier continues there too.
 */
function entryChains(tiered: boolean): NftChain[] {
  const hook = 'type filter hook forward priority filter; policy accept;';
  const egressNP = FAMILIES.map((f) => vmapRule('saddr', 'egress', f, 'egress of isolated local pods'));
  const ingressNP = FAMILIES.map((f) => vmapRule('daddr', 'ingress', f, 'ingress of isolated local pods'));
  if (!tiered)
    return [
      {
        name: 'forward',
        hook,
        comment: 'kordon NetworkPolicy enforcement',
        notes: ['every routed packet of this node: replies first, then the egress of the source pod, then the ingress of the destination pod'],
        rules: [...FROM_NODE, ...egressNP, ...ingressNP],
      },
    ];
  const tier = (field: 'saddr' | 'daddr', d: Direction, t: TierLevel, what: string) => FAMILIES.map((f) => vmapRule(field, tierMapName(d, t, f).slice(0, -1), f, what));
  return [
    {
      name: 'forward',
      hook,
      comment: 'kordon policy enforcement: Admin, NetworkPolicy, Baseline tiers',
      notes: ['every routed packet of this node: replies and node traffic first, then the egress tiers of the source pod, then the ingress tiers of the destination pod'],
      rules: [
        ...FROM_NODE,
        ...tier('saddr', 'egress', 'Admin', 'egress: Admin tier'),
        ...egressNP,
        ...tier('saddr', 'egress', 'Baseline', 'egress: Baseline tier, pods no NetworkPolicy isolates'),
        { text: `goto ingress comment "egress allowed: on to the destination's ingress"`, notes: [] },
      ],
    },
    {
      name: 'ingress',
      comment: 'ingress tiers of the destination pod',
      notes: ['reached once egress is allowed: Admin, NetworkPolicy, Baseline, then allow'],
      rules: [
        ...tier('daddr', 'ingress', 'Admin', 'ingress: Admin tier'),
        ...ingressNP,
        ...tier('daddr', 'ingress', 'Baseline', 'ingress: Baseline tier, pods no NetworkPolicy isolates'),
        { text: `accept comment "no tier denied"`, notes: [] },
      ],
    },
  ];
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
