import { selectorKey, selectSet, type SelectorSets } from '../labels/selector.js';
import { parseCidr, parseIP, type Cidr, type IP } from '../net/ip.js';
import type { Cluster, LabelSelector, Peer, Pod, Policy, Rule } from '../model/types.js';
import { clusterModel } from '../model/compiled.js';
import { tierAddressRanges } from '../tiers/query.js';
import { podNetworkOf, standInInBlock } from '../eval/pod-ip.js';
import { andBits, andNotBits, EMPTY_BITS, forEachBitOf, orBitsAll, setBit, trimBits, wordsFor, type Bits } from './bitset.js';
import { effectiveBlockPeers, observedBy, observedLabels, observedPorts } from './observed.js';

/**
 * Pods that no policy can tell apart share a class: same namespace and hostNetwork, and the same answer to everything
 * a policy can observe (observed.ts): the labels and values selectors name, the named ports rules use, and membership
 * of the ipBlocks of rules that take effect. Outside addresses are classes of their own. Every set below is a bitset
 * over classes.
 */
export interface ClassModel {
  /** Endpoint index -> class. Endpoints are the pods, then the outside addresses. */
  classOf: Int32Array;
  count: number;
  words: number;
  /** Members per class (endpoint indices). */
  members: number[][];
  /** A representative pod per class (undefined for address classes). */
  pod: (Pod | undefined)[];
  /** Ingress/egress isolating policies per class. */
  ingressPolicies: Policy[][];
  egressPolicies: Policy[][];
  /** The classes a peer list matches (null list: every class). */
  peersOf(policy: Policy, rule: Rule): Bits;
  /** The classes a policy selects. */
  selectedBy(policy: Policy): Bits;
  /** Pod classes (never host-network ones) in namespaces matching `namespaces` whose pods match `pods` (null: all). */
  podsMatching(namespaces: LabelSelector, pods: LabelSelector | null): Bits;
  /** The classes whose addresses fall in a CIDR of `tierAddressRanges`. */
  inRange(cidr: string): Bits;
}

interface Block {
  key: string;
  cidr: Cidr;
  except: Cidr[];
  /** IPv4 blocks as plain numbers: [start, end] then the except ranges, compared without BigInt. */
  v4?: number[];
  /** Whether a pod with no IP (a stand-in from a workload template) is in it, by the pod network. */
  standIn?: boolean;
}

const blockKey = (p: Extract<Peer, { kind: 'ipBlock' }>): string => `${p.cidr}|${[...p.except].sort().join(',')}`;

function inBlock4(b: Block, v: number): boolean {
  const r = b.v4!;
  if (v < r[0]! || v > r[1]!) return false;
  for (let k = 2; k < r.length; k += 2) if (v >= r[k]! && v <= r[k + 1]!) return false;
  return true;
}

function inBlock(b: Block, family: 4 | 6, v: bigint): boolean {
  if (b.cidr.family !== family || v < b.cidr.start || v > b.cidr.end) return false;
  for (const e of b.except) if (e.family === family && v >= e.start && v <= e.end) return false;
  return true;
}

/** How to number the classes. */
export interface ClassOptions {
  /**
   * Number the classes of one role next to each other (`roleOrder`), where that shortens their runs (`always`: whenever
   * it changes the order, for tests): counting by roles (factored.ts) walks runs of consecutive classes of one role.
   * Any numbering gives the same answers.
   */
  byRole?: boolean | 'always';
}

export function buildClasses(cluster: Cluster, ips: readonly string[], options: ClassOptions = {}): ClassModel {
  const blocks = addressBlocks(cluster);
  const numbering = numberClasses(cluster, ips, blocks);
  const first = indexClasses(cluster, numbering, blocks, options.byRole ? 'keyed' : 'plain');
  if (!options.byRole) return first.cm;
  const order = roleOrder(numbering, first.roleKeys, options.byRole === 'always' ? 1 : 0.8);
  if (!order) return first.cm;
  const { numbering: again, newOf } = renumbered(numbering, order);
  const carried: Carried = {
    ingressPolicies: order.map((c) => first.cm.ingressPolicies[c]!),
    egressPolicies: order.map((c) => first.cm.egressPolicies[c]!),
    keyIndex: new Map([...first.keyIndex].map(([k, idx]) => [k, { has: permuteBits(idx.has, newOf), byValue: new Map([...idx.byValue].map(([v, b]) => [v, permuteBits(b, newOf)])) }])),
    podSel: new Map([...first.podSel].map(([k, b]) => [k, permuteBits(b, newOf)])),
  };
  return indexClasses(cluster, again, blocks, carried).cm;
}

/**
 * What a renumbering keeps from the first index, in the new numbering: the isolating policies per class and the sets
 * the label index and the policies' selections found (moving their bits costs less than finding them again).
 */
interface Carried {
  ingressPolicies: Policy[][];
  egressPolicies: Policy[][];
  roleKeys?: undefined;
  keyIndex: Map<string, KeyIndex>;
  podSel: Map<string, Bits>;
}

/** The classes carrying a label key, and per value the classes carrying it. */
interface KeyIndex {
  has: Bits;
  byValue: Map<string, Bits>;
}

/** A set of classes with each class c moved to newOf[c]. */
function permuteBits(b: Bits, newOf: Int32Array): Bits {
  let min = Infinity;
  let max = -1;
  forEachBitOf(b, (c) => {
    const p = newOf[c]!;
    if (p < min) min = p;
    if (p > max) max = p;
  });
  if (max < 0) return EMPTY_BITS;
  const lo = min >>> 5;
  const words = new Uint32Array((max >>> 5) - lo + 1);
  forEachBitOf(b, (c) => {
    const p = newOf[c]!;
    words[(p >>> 5) - lo]! |= 1 << (p & 31);
  });
  return { lo, words };
}

/** Distinct ipBlocks of all rules, and the `networks` and `nodes` ranges of cluster policies. */
function addressBlocks(cluster: Cluster): Block[] {
  const blocks = new Map<string, Block>();
  for (const peer of effectiveBlockPeers(cluster.policies)) {
    const k = blockKey(peer);
    if (blocks.has(k)) continue;
    const cidr = parseCidr(peer.cidr);
    if (!cidr) continue;
    const except = peer.except.map(parseCidr).filter((c): c is Cidr => c !== undefined);
    const block: Block = { key: k, cidr, except, standIn: standInInBlock({ cidr, except }, podNetworkOf(cluster)) === 'yes' };
    if (cidr.family === 4) block.v4 = [cidr, ...except.filter((e) => e.family === 4)].flatMap((c) => [Number(c.start), Number(c.end)]);
    blocks.set(k, block);
  }
  for (const text of tierAddressRanges(cluster)) {
    // Kept apart from ipBlocks: a pod with no IP is never in a cluster policy's networks.
    const k = `net:${text}`;
    if (blocks.has(k)) continue;
    const cidr = parseCidr(text);
    if (!cidr) continue;
    const block: Block = { key: k, cidr, except: [] };
    if (cidr.family === 4) block.v4 = [Number(cidr.start), Number(cidr.end)];
    blocks.set(k, block);
  }
  return [...blocks.values()];
}

/** Which endpoints share a class, and in which order the classes are numbered. */
interface Numbering {
  classOf: Int32Array;
  members: number[][];
  /** A representative pod per class (undefined for address classes). */
  repr: (Pod | undefined)[];
  /** Per class, the indices of the blocks its addresses fall in. */
  blockMembers: (readonly number[])[];
}

/** Indices of the blocks an endpoint's addresses fall in (part of its class key). */
function membershipIn(blockList: readonly Block[], addrs: readonly string[]): number[] {
  if (blockList.length === 0 || addrs.length === 0) return [];
  const parsed = parsedAddresses(addrs);
  const out: number[] = [];
  for (let b = 0; b < blockList.length; b++) {
    const block = blockList[b]!;
    for (const a of parsed) {
      if (block.v4 ? a.family === 4 && inBlock4(block, Number(a.value)) : inBlock(block, a.family, a.value)) {
        out.push(b);
        break;
      }
    }
  }
  return out;
}

/** Pods keyed by what policies observe, numbered in order of first appearance; then each outside address. */
function numberClasses(cluster: Cluster, ips: readonly string[], blockList: readonly Block[]): Numbering {
  const pods = cluster.pods;
  const classOf = new Int32Array(pods.length + ips.length);
  const keyToClass = new Map<string, number>();
  const members: number[][] = [];
  const repr: (Pod | undefined)[] = [];
  const blockMembers: (readonly number[])[] = [];
  const podBlocks = podMembership(pods, blockList, (addrs) => membershipIn(blockList, addrs));
  const observed = observedBy(cluster.policies, cluster.clusterPolicies);
  pods.forEach((pod, i) => {
    const memId = podBlocks.id[i]!;
    const key = `${pod.namespace}\u0002${pod.hostNetwork ? 'H' : ''}\u0002${observedLabels(observed, pod)}\u0002${observedPorts(observed, pod)}\u0002${memId}`;
    let c = keyToClass.get(key);
    if (c === undefined) {
      c = members.length;
      keyToClass.set(key, c);
      members.push([]);
      repr.push(pod);
      blockMembers.push(podBlocks.sets[memId]!);
    }
    members[c]!.push(i);
    classOf[i] = c;
  });
  ips.forEach((ip, k) => {
    classOf[pods.length + k] = members.length;
    members.push([pods.length + k]);
    repr.push(undefined);
    blockMembers.push(membershipIn(blockList, [ip]));
  });
  return { classOf, members, repr, blockMembers };
}

/** Per class, a hash of the NetworkPolicies that isolate it for egress and for ingress: its roles, but for tiers. */
interface RoleKeys {
  egress: Int32Array;
  ingress: Int32Array;
}

/**
 * Classes of one namespace (and hostNetwork) grouped by egress role, then by ingress role, groups in order of first
 * appearance; outside addresses stay last. In name order, workloads of different roles interleave and each role is
 * split into several runs. Undefined when the order would not change, or would not make the runs fewer than `pays`
 * times as many (1: always take it).
 */
function roleOrder(n: Numbering, keys: RoleKeys, pays: number): number[] | undefined {
  const groups = new Map<string, Map<number, Map<number, number[]>>>();
  const tail: number[] = [];
  n.repr.forEach((pod, c) => {
    if (!pod) return void tail.push(c);
    const scope = `${pod.namespace}\u0002${pod.hostNetwork ? 'H' : ''}`;
    let byEgress = groups.get(scope);
    if (!byEgress) groups.set(scope, (byEgress = new Map()));
    let byIngress = byEgress.get(keys.egress[c]!);
    if (!byIngress) byEgress.set(keys.egress[c]!, (byIngress = new Map()));
    const list = byIngress.get(keys.ingress[c]!);
    if (list) list.push(c);
    else byIngress.set(keys.ingress[c]!, [c]);
  });
  const order: number[] = [];
  for (const byEgress of groups.values()) for (const byIngress of byEgress.values()) for (const list of byIngress.values()) order.push(...list);
  order.push(...tail);
  const runs = (at: (p: number) => number) => {
    let r = 0;
    for (let p = 1; p < order.length; p++) if (keys.egress[at(p)] !== keys.egress[at(p - 1)]) r++;
    for (let p = 1; p < order.length; p++) if (keys.ingress[at(p)] !== keys.ingress[at(p - 1)]) r++;
    return r;
  };
  if (order.every((c, p) => c === p)) return undefined;
  if (pays >= 1) return order;
  return runs((p) => order[p]!) < pays * runs((p) => p) ? order : undefined;
}

/** The numbering with class order[p] as class p, and where each class went. */
function renumbered(n: Numbering, order: readonly number[]): { numbering: Numbering; newOf: Int32Array } {
  const newOf = new Int32Array(order.length);
  order.forEach((c, p) => (newOf[c] = p));
  const numbering = {
    classOf: n.classOf.map((c) => newOf[c]!),
    members: order.map((c) => n.members[c]!),
    repr: order.map((c) => n.repr[c]),
    blockMembers: order.map((c) => n.blockMembers[c]!),
  };
  return { numbering, newOf };
}

/**
 * The class model over a numbering: label index, namespace windows, block and peer sets, who each policy selects.
 * `lists`: what an earlier numbering found, moved to this one; else the isolating policies are found, with their
 * role keys when `keyed`.
 */
function indexClasses(cluster: Cluster, n: Numbering, blockList: readonly Block[], lists: Carried | 'plain' | 'keyed'): { cm: ClassModel; roleKeys: RoleKeys; keyIndex: Map<string, KeyIndex>; podSel: Map<string, Bits> } {
  const model = clusterModel(cluster);
  const { classOf, members, repr, blockMembers } = n;
  const count = members.length;
  const words = wordsFor(count);

  const { classesByNs, nsWindow } = namespaceWindows(repr);
  const carried = typeof lists === 'string' ? undefined : lists;
  const keyIndex: Map<string, KeyIndex> = carried?.keyIndex ?? new Map();
  const select = labelSelector(classesByNs, repr, keyIndex);

  const nsSelCache = new Map<string, Bits>();
  /** Classes of every namespace a namespaceSelector matches. */
  const namespacesMatching = (sel: LabelSelector): Bits => {
    const k = selectorKey(sel);
    let r = nsSelCache.get(k);
    if (!r) {
      r = orBitsAll(model.namespacesMatching(sel).flatMap((ns) => nsWindow.get(ns) ?? []));
      nsSelCache.set(k, r);
    }
    return r;
  };
  const podSelCache: Map<string, Bits> = carried?.podSel ?? new Map();
  /** Classes in the scope named `scopeKey` whose pods match `sel` (null: all pods). */
  const podsIn = (scopeKey: string, scope: () => Bits, sel: LabelSelector | null): Bits => {
    const cacheKey = `${scopeKey}\u0001${sel === null ? '*' : selectorKey(sel)}`;
    let bits = podSelCache.get(cacheKey);
    if (bits) return bits;
    bits = sel === null ? scope() : select(scope(), sel);
    podSelCache.set(cacheKey, bits);
    return bits;
  };
  const inNamespace = (ns: string) => () => nsWindow.get(ns) ?? EMPTY_BITS;

  const blockIndex = new Map(blockList.map((b, i) => [b.key, i]));
  let blockBits: Bits[] | undefined;
  const classesInBlock = (b: number): Bits => {
    if (!blockBits) {
      // Set bit by bit into full-width rows (a pod can be in many nested blocks), then trimmed to their windows.
      const rows: (Uint32Array | undefined)[] = blockList.map(() => undefined);
      for (let c = 0; c < count; c++) for (const m of blockMembers[c]!) (rows[m] ??= new Uint32Array(words))[c >>> 5]! |= 1 << (c & 31);
      blockBits = rows.map((r) => {
        if (!r) return EMPTY_BITS;
        const t = trimBits({ lo: 0, words: r });
        return t.words.length === r.length ? t : { lo: t.lo, words: t.words.slice() };
      });
    }
    return blockBits[b]!;
  };

  const peerBits = (policy: Policy, peer: Peer): Bits => {
    if (peer.kind === 'ipBlock') {
      const b = blockIndex.get(blockKey(peer));
      return b === undefined ? EMPTY_BITS : classesInBlock(b);
    }
    if (peer.namespaceSelector === null) return podsIn(`ns=${policy.namespace}`, inNamespace(policy.namespace), peer.podSelector);
    const nsSel = peer.namespaceSelector;
    return podsIn(`sel=${selectorKey(nsSel)}`, () => namespacesMatching(nsSel), peer.podSelector);
  };

  const allWords = new Uint32Array(words);
  for (let c = 0; c < count; c++) setBit(allWords, 0, c);
  const all: Bits = { lo: 0, words: allWords };
  const ruleCache = new WeakMap<Rule, Bits>();
  const peersOf = (policy: Policy, rule: Rule): Bits => {
    if (rule.peers === null) return all;
    let bits = ruleCache.get(rule);
    if (bits) return bits;
    bits = orBitsAll(rule.peers.map((peer) => peerBits(policy, peer)));
    ruleCache.set(rule, bits);
    return bits;
  };

  const selectedCache = new WeakMap<Policy, Bits>();
  const selectedBy = (policy: Policy): Bits => {
    let bits = selectedCache.get(policy);
    if (!bits) {
      bits = podsIn(`ns=${policy.namespace}`, inNamespace(policy.namespace), policy.podSelector);
      selectedCache.set(policy, bits);
    }
    return bits;
  };
  const { ingressPolicies, egressPolicies, roleKeys } = carried ?? isolatingLists(cluster, count, selectedBy, lists === 'keyed');

  const podsMatching = (nsSel: LabelSelector, podSel: LabelSelector | null): Bits => podsIn(`sel=${selectorKey(nsSel)}`, () => namespacesMatching(nsSel), podSel);
  const inRange = (cidr: string): Bits => {
    const b = blockIndex.get(`net:${cidr}`);
    return b === undefined ? EMPTY_BITS : classesInBlock(b);
  };

  const cm: ClassModel = { classOf, count, words, members, pod: repr, ingressPolicies, egressPolicies, peersOf, selectedBy, podsMatching, inRange };
  return { cm, roleKeys: roleKeys ?? { egress: new Int32Array(0), ingress: new Int32Array(0) }, keyIndex, podSel: podSelCache };
}

/** Pod classes per namespace (never host-network ones, which selectors cannot see), and each namespace's window. */
function namespaceWindows(repr: readonly (Pod | undefined)[]): { classesByNs: Map<string, number[]>; nsWindow: Map<string, Bits> } {
  const classesByNs = new Map<string, number[]>();
  repr.forEach((pod, c) => {
    if (!pod || pod.hostNetwork) return;
    const l = classesByNs.get(pod.namespace);
    if (l) l.push(c);
    else classesByNs.set(pod.namespace, [c]);
  });
  // A namespace's classes as a window: selectors scoped to one namespace only ever touch its few words.
  const nsWindow = new Map<string, Bits>();
  for (const [ns, list] of classesByNs) {
    const lo = list[0]! >>> 5;
    const words = new Uint32Array((list[list.length - 1]! >>> 5) - lo + 1);
    for (const c of list) words[(c >>> 5) - lo]! |= 1 << (c & 31);
    nsWindow.set(ns, { lo, words });
  }
  return { classesByNs, nsWindow };
}

/**
 * The classes of a scope whose labels match a selector (`selectSet`, which reads the terms as selectorMatches does),
 * through an inverted label index over classes built per key on first use (into `keyIndex`): a selector becomes a few
 * window ANDs.
 */
function labelSelector(classesByNs: ReadonlyMap<string, readonly number[]>, repr: readonly (Pod | undefined)[], keyIndex: Map<string, KeyIndex>): (scope: Bits, sel: LabelSelector) => Bits {
  const indexOf = (key: string) => {
    let idx = keyIndex.get(key);
    if (idx) return idx;
    const lists = new Map<string, number[]>();
    const has: number[] = [];
    for (const list of classesByNs.values()) {
      for (const c of list) {
        const labels = repr[c]!.labels;
        if (!Object.prototype.hasOwnProperty.call(labels, key)) continue;
        has.push(c);
        const v = labels[key]!;
        const l = lists.get(v);
        if (l) l.push(c);
        else lists.set(v, [c]);
      }
    }
    idx = { has: bitsOfList(has), byValue: new Map([...lists].map(([v, l]) => [v, bitsOfList(l)])) };
    keyIndex.set(key, idx);
    return idx;
  };
  const valuesBits = (key: string, values: readonly string[]): Bits => {
    const idx = indexOf(key);
    return orBitsAll(values.map((v) => idx.byValue.get(v) ?? EMPTY_BITS));
  };
  const sets: SelectorSets<Bits> = { and: andBits, andNot: andNotBits, withValue: valuesBits, withKey: (key) => indexOf(key).has };
  return (scope, sel) => selectSet(scope, sel, sets);
}

/** The policies that isolate each class, per direction, and (when `keyed`) a hash of each list: the class's roles. */
function isolatingLists(cluster: Cluster, count: number, selectedBy: (p: Policy) => Bits, keyed: boolean): { ingressPolicies: Policy[][]; egressPolicies: Policy[][]; roleKeys: RoleKeys } {
  const roleKeys: RoleKeys = { egress: new Int32Array(keyed ? count : 0), ingress: new Int32Array(keyed ? count : 0) };
  const ingressPolicies: Policy[][] = Array.from({ length: count }, () => []);
  const egressPolicies: Policy[][] = Array.from({ length: count }, () => []);
  cluster.policies.forEach((policy, k) => {
    forEachBitOf(selectedBy(policy), (c) => {
      if (policy.ingressIsolation) ingressPolicies[c]!.push(policy);
      if (policy.egressIsolation) egressPolicies[c]!.push(policy);
      if (!keyed) return;
      if (policy.ingressIsolation) roleKeys.ingress[c] = (Math.imul(roleKeys.ingress[c]!, 0x9e3779b1) + k + 1) | 0;
      if (policy.egressIsolation) roleKeys.egress[c] = (Math.imul(roleKeys.egress[c]!, 0x9e3779b1) + k + 1) | 0;
    });
  });
  return { ingressPolicies, egressPolicies, roleKeys };
}

/**
 * Which blocks each pod is in, as an id per pod into a list of distinct block sets. Pods with one IPv4 address (nearly
 * all) are swept in address order against the blocks' ranges: membership changes only where some range starts or
 * ends, so the cost follows pods plus ranges, not blocks times pods. The rest go through `slow`.
 */
function podMembership(pods: readonly Pod[], blocks: readonly Block[], slow: (addrs: readonly string[]) => number[]): { id: Int32Array; sets: (readonly number[])[] } {
  const id = new Int32Array(pods.length);
  const sets: (readonly number[])[] = [[]];
  if (blocks.length === 0) return { id, sets };
  const interned = new Map<string, number>([['', 0]]);
  const intern = (list: readonly number[]): number => {
    const key = list.join(',');
    let k = interned.get(key);
    if (k === undefined) {
      k = sets.length;
      interned.set(key, k);
      sets.push(list);
    }
    return k;
  };
  const simple: Array<[number, number]> = []; // [address, pod index]
  const standIn = blocks.flatMap((b, k) => (b.standIn ? [k] : []));
  pods.forEach((pod, i) => {
    const parsed = parsedAddresses(pod.ips);
    if (parsed.length === 1 && parsed[0]!.family === 4) simple.push([Number(parsed[0]!.value), i]);
    else if (parsed.length > 0) id[i] = intern(slow(pod.ips));
    else if (pod.ips.length === 0 && !pod.hostNetwork && standIn.length > 0) id[i] = intern(standIn);
  });
  simple.sort((x, y) => x[0] - y[0]);
  // Each IPv4 block as disjoint ranges: its CIDR minus its excepts. An event opens or closes one at an address.
  const events: Array<[number, number, 1 | -1]> = []; // [address, block, +1 at start / -1 one past the end]
  blocks.forEach((block, b) => {
    if (!block.v4) return;
    for (const [lo, hi] of rangesOf(block.v4)) {
      events.push([lo, b, 1]);
      events.push([hi + 1, b, -1]);
    }
  });
  events.sort((x, y) => x[0] - y[0] || x[2] - y[2]);
  const active = new Set<number>();
  let e = 0;
  let current = 0;
  let dirty = false;
  for (const [addr, i] of simple) {
    while (e < events.length && events[e]![0] <= addr) {
      const [, b, op] = events[e++]!;
      if (op === 1) active.add(b);
      else active.delete(b);
      dirty = true;
    }
    if (dirty) {
      current = intern([...active].sort((x, y) => x - y));
      dirty = false;
    }
    id[i] = current;
  }
  return { id, sets };
}

/** [start, end] of a block's CIDR minus its except ranges (which `v4` lists after it), as disjoint inclusive ranges. */
function rangesOf(v4: readonly number[]): Array<[number, number]> {
  const excepts: Array<[number, number]> = [];
  for (let k = 2; k < v4.length; k += 2) excepts.push([v4[k]!, v4[k + 1]!]);
  excepts.sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  let from = v4[0]!;
  const to = v4[1]!;
  for (const [a, z] of excepts) {
    if (z < from || a > to) continue;
    if (a > from) out.push([from, a - 1]);
    from = Math.max(from, z + 1);
  }
  if (from <= to) out.push([from, to]);
  return out;
}

const addressCache = new WeakMap<readonly string[], IP[]>();
/** A pod's addresses parsed once: the same cluster is often evaluated many times (the web page re-runs on each edit). */
function parsedAddresses(addrs: readonly string[]): IP[] {
  let parsed = addressCache.get(addrs);
  if (!parsed) {
    parsed = addrs.map(parseIP).filter((a): a is IP => a !== undefined);
    addressCache.set(addrs, parsed);
  }
  return parsed;
}

/** Sorted class ids as a window. */
function bitsOfList(list: readonly number[]): Bits {
  if (list.length === 0) return EMPTY_BITS;
  let min = list[0]!;
  let max = list[0]!;
  for (const c of list) {
    if (c < min) min = c;
    if (c > max) max = c;
  }
  const lo = min >>> 5;
  const words = new Uint32Array((max >>> 5) - lo + 1);
  for (const c of list) words[(c >>> 5) - lo]! |= 1 << (c & 31);
  return { lo, words };
}
