import { formatLabels, selectorKey, selectorMatches } from '../labels/selector.js';
import { parseCidr, parseIP, type Cidr } from '../net/ip.js';
import type { Cluster, LabelSelector, Peer, Pod, Policy, Rule } from '../model/types.js';
import { contextOf, labelsOfNamespace } from '../eval/context.js';
import { setBit, wordsFor } from './bitset.js';

/**
 * Pods that no policy can tell apart share a class: same namespace, labels, hostNetwork, named-port map and ipBlock
 * membership. Outside addresses are classes of their own. Every set below is a bitset over classes.
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
  /** Bitset of the classes a peer list matches (null list: every class). */
  peersOf(policy: Policy, rule: Rule): Uint32Array;
  /** Bitset of classes a policy selects. */
  selectedBy(policy: Policy): Uint32Array;
}

interface Block {
  key: string;
  cidr: Cidr;
  except: Cidr[];
}

const blockKey = (p: Extract<Peer, { kind: 'ipBlock' }>): string => `${p.cidr}|${[...p.except].sort().join(',')}`;

function inBlock(b: Block, family: 4 | 6, v: bigint): boolean {
  if (b.cidr.family !== family || v < b.cidr.start || v > b.cidr.end) return false;
  for (const e of b.except) if (e.family === family && v >= e.start && v <= e.end) return false;
  return true;
}

export function buildClasses(cluster: Cluster, ips: readonly string[]): ClassModel {
  const ctx = contextOf(cluster);
  const pods = cluster.pods;
  // Distinct ipBlocks of all rules.
  const blocks = new Map<string, Block>();
  for (const p of cluster.policies) {
    for (const r of [...p.ingress, ...p.egress]) {
      for (const peer of r.peers ?? []) {
        if (peer.kind !== 'ipBlock') continue;
        const k = blockKey(peer);
        if (blocks.has(k)) continue;
        const cidr = parseCidr(peer.cidr);
        if (!cidr) continue;
        blocks.set(k, { key: k, cidr, except: peer.except.map(parseCidr).filter((c): c is Cidr => c !== undefined) });
      }
    }
  }
  const blockList = [...blocks.values()];

  /** Indices of the blocks an endpoint's addresses fall in, as text (part of its class key). */
  const membership = (addrs: readonly string[]): number[] => {
    if (blockList.length === 0 || addrs.length === 0) return [];
    const parsed = addrs.map(parseIP).filter((a) => a !== undefined);
    const out: number[] = [];
    for (let b = 0; b < blockList.length; b++) {
      for (const a of parsed) {
        if (inBlock(blockList[b]!, a.family, a.value)) {
          out.push(b);
          break;
        }
      }
    }
    return out;
  };

  const classOf = new Int32Array(pods.length + ips.length);
  const keyToClass = new Map<string, number>();
  const members: number[][] = [];
  const repr: (Pod | undefined)[] = [];
  const blockMembers: number[][] = [];
  pods.forEach((pod, i) => {
    const ports = pod.containerPorts.filter((c) => c.name).map((c) => `${c.name}:${c.protocol}:${c.port}`).sort().join(',');
    const mem = membership(pod.ips);
    const key = `${pod.namespace}\u0000${pod.hostNetwork ? 'H' : ''}\u0000${formatLabels(pod.labels)}\u0000${ports}\u0000${mem.join(',')}`;
    let c = keyToClass.get(key);
    if (c === undefined) {
      c = members.length;
      keyToClass.set(key, c);
      members.push([]);
      repr.push(pod);
      blockMembers.push(mem);
    }
    members[c]!.push(i);
    classOf[i] = c;
  });
  ips.forEach((ip, k) => {
    const c = members.length;
    members.push([pods.length + k]);
    repr.push(undefined);
    blockMembers.push(membership([ip]));
    classOf[pods.length + k] = c;
  });
  const count = members.length;
  const words = wordsFor(count);

  const classesByNs = new Map<string, number[]>();
  for (let c = 0; c < count; c++) {
    const pod = repr[c];
    if (!pod || pod.hostNetwork) continue;
    const l = classesByNs.get(pod.namespace);
    if (l) l.push(c);
    else classesByNs.set(pod.namespace, [c]);
  }

  // Pod classes that selectors can see: hostNetwork pods and outside addresses are never selected.
  const selectable = new Uint32Array(words);
  for (const list of classesByNs.values()) for (const c of list) setBit(selectable, 0, c);

  // Inverted label index over classes, built per key on first use: a selector becomes a few bitset ANDs.
  const keyIndex = new Map<string, { has: Uint32Array; byValue: Map<string, Uint32Array> }>();
  const indexOf = (key: string) => {
    let idx = keyIndex.get(key);
    if (idx) return idx;
    idx = { has: new Uint32Array(words), byValue: new Map() };
    for (const list of classesByNs.values()) {
      for (const c of list) {
        const labels = repr[c]!.labels;
        if (!Object.prototype.hasOwnProperty.call(labels, key)) continue;
        setBit(idx.has, 0, c);
        const v = labels[key]!;
        let m = idx.byValue.get(v);
        if (!m) idx.byValue.set(v, (m = new Uint32Array(words)));
        setBit(m, 0, c);
      }
    }
    keyIndex.set(key, idx);
    return idx;
  };
  const valuesMask = (key: string, values: readonly string[]): Uint32Array => {
    const idx = indexOf(key);
    const out = new Uint32Array(words);
    for (const v of values) {
      const m = idx.byValue.get(v);
      if (m) for (let k = 0; k < words; k++) out[k]! |= m[k]!;
    }
    return out;
  };
  const selCache = new Map<string, Uint32Array>();
  /** Classes whose labels match `sel` (see selectorMatches for the definition). */
  const selectorBits = (sel: LabelSelector): Uint32Array => {
    const key = selectorKey(sel);
    let bits = selCache.get(key);
    if (bits) return bits;
    bits = selectable.slice();
    const and = (m: Uint32Array, negate: boolean) => {
      if (negate) for (let k = 0; k < words; k++) bits![k]! &= ~m[k]!;
      else for (let k = 0; k < words; k++) bits![k]! &= m[k]!;
    };
    for (const k of Object.keys(sel.matchLabels)) and(valuesMask(k, [sel.matchLabels[k]!]), false);
    for (const r of sel.matchExpressions) {
      if (r.operator === 'In') and(valuesMask(r.key, r.values), false);
      else if (r.operator === 'NotIn') and(valuesMask(r.key, r.values), true);
      else if (r.operator === 'Exists') and(indexOf(r.key).has, false);
      else and(indexOf(r.key).has, true);
    }
    selCache.set(key, bits);
    return bits;
  };

  const nsSelCache = new Map<string, string[]>();
  const matchingNamespaces = (sel: LabelSelector): string[] => {
    const k = selectorKey(sel);
    let r = nsSelCache.get(k);
    if (!r) {
      r = [...classesByNs.keys()].filter((ns) => selectorMatches(sel, labelsOfNamespace(ctx, ns)));
      nsSelCache.set(k, r);
    }
    return r;
  };
  const nsMaskCache = new Map<string, Uint32Array>();
  const nsMask = (nsKey: string, nss: readonly string[]): Uint32Array => {
    let bits = nsMaskCache.get(nsKey);
    if (bits) return bits;
    bits = new Uint32Array(words);
    for (const ns of nss) for (const c of classesByNs.get(ns) ?? []) setBit(bits, 0, c);
    nsMaskCache.set(nsKey, bits);
    return bits;
  };
  const podSelCache = new Map<string, Uint32Array>();
  /** Classes in the namespaces of `nsKey` whose pods match `sel` (null: all pods). */
  const podsIn = (nsKey: string, nss: readonly string[], sel: LabelSelector | null): Uint32Array => {
    const cacheKey = `${nsKey}\u0001${sel === null ? '*' : selectorKey(sel)}`;
    let bits = podSelCache.get(cacheKey);
    if (bits) return bits;
    const ns = nsMask(nsKey, nss);
    const m = sel === null ? selectable : selectorBits(sel);
    bits = new Uint32Array(words);
    for (let k = 0; k < words; k++) bits[k] = ns[k]! & m[k]!;
    podSelCache.set(cacheKey, bits);
    return bits;
  };

  const blockIndex = new Map(blockList.map((b, i) => [b.key, i]));
  let blockBits: Uint32Array[] | undefined;
  const classesInBlock = (b: number): Uint32Array => {
    if (!blockBits) {
      blockBits = blockList.map(() => new Uint32Array(words));
      for (let c = 0; c < count; c++) for (const m of blockMembers[c]!) setBit(blockBits[m]!, 0, c);
    }
    return blockBits[b]!;
  };

  const peerBits = (policy: Policy, peer: Peer): Uint32Array => {
    if (peer.kind === 'ipBlock') {
      const b = blockIndex.get(blockKey(peer));
      return b === undefined ? new Uint32Array(words) : classesInBlock(b);
    }
    const nsKey = peer.namespaceSelector === null ? `ns=${policy.namespace}` : `sel=${selectorKey(peer.namespaceSelector)}`;
    const nss = peer.namespaceSelector === null ? [policy.namespace] : matchingNamespaces(peer.namespaceSelector);
    return podsIn(nsKey, nss, peer.podSelector);
  };

  const all = new Uint32Array(words);
  for (let c = 0; c < count; c++) setBit(all, 0, c);
  const ruleCache = new WeakMap<Rule, Uint32Array>();
  const peersOf = (policy: Policy, rule: Rule): Uint32Array => {
    if (rule.peers === null) return all;
    let bits = ruleCache.get(rule);
    if (bits) return bits;
    if (rule.peers.length === 1) bits = peerBits(policy, rule.peers[0]!);
    else {
      bits = new Uint32Array(words);
      for (const peer of rule.peers) {
        const pb = peerBits(policy, peer);
        for (let k = 0; k < words; k++) bits[k]! |= pb[k]!;
      }
    }
    ruleCache.set(rule, bits);
    return bits;
  };

  const selectedCache = new WeakMap<Policy, Uint32Array>();
  const ingressPolicies: Policy[][] = Array.from({ length: count }, () => []);
  const egressPolicies: Policy[][] = Array.from({ length: count }, () => []);
  const selectedBy = (policy: Policy): Uint32Array => {
    let bits = selectedCache.get(policy);
    if (!bits) {
      bits = podsIn(`ns=${policy.namespace}`, [policy.namespace], policy.podSelector);
      selectedCache.set(policy, bits);
    }
    return bits;
  };
  for (const policy of cluster.policies) {
    const sel = selectedBy(policy);
    for (const c of classesByNs.get(policy.namespace) ?? []) {
      if ((sel[c >>> 5]! & (1 << (c & 31))) === 0) continue;
      if (policy.ingressIsolation) ingressPolicies[c]!.push(policy);
      if (policy.egressIsolation) egressPolicies[c]!.push(policy);
    }
  }

  return { classOf, count, words, members, pod: repr, ingressPolicies, egressPolicies, peersOf, selectedBy };
}
