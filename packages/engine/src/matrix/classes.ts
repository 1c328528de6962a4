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

  const addrOf = (text: string) => parseIP(text);
  const membership = (addrs: readonly string[]): string => {
    if (blockList.length === 0 || addrs.length === 0) return '';
    const parsed = addrs.map(addrOf).filter((a) => a !== undefined);
    let s = '';
    for (let b = 0; b < blockList.length; b++) {
      for (const a of parsed) {
        if (inBlock(blockList[b]!, a.family, a.value)) {
          s += `${b},`;
          break;
        }
      }
    }
    return s;
  };

  const classOf = new Int32Array(pods.length + ips.length);
  const keyToClass = new Map<string, number>();
  const members: number[][] = [];
  const repr: (Pod | undefined)[] = [];
  const blockMembers: string[] = [];
  pods.forEach((pod, i) => {
    const ports = pod.containerPorts.filter((c) => c.name).map((c) => `${c.name}:${c.protocol}:${c.port}`).sort().join(',');
    const mem = membership(pod.ips);
    const key = `${pod.namespace}\u0000${pod.hostNetwork ? 'H' : ''}\u0000${formatLabels(pod.labels)}\u0000${ports}\u0000${mem}`;
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

  const podSelCache = new Map<string, Uint32Array>();
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
  /** Classes in namespaces `nss` whose pods match `sel` (null: all pods). */
  const podsIn = (cacheKey: string, nss: readonly string[], sel: LabelSelector | null): Uint32Array => {
    let bits = podSelCache.get(cacheKey);
    if (bits) return bits;
    bits = new Uint32Array(words);
    for (const ns of nss) {
      for (const c of classesByNs.get(ns) ?? []) {
        if (sel === null || selectorMatches(sel, repr[c]!.labels)) setBit(bits, 0, c);
      }
    }
    podSelCache.set(cacheKey, bits);
    return bits;
  };

  const blockIndex = new Map(blockList.map((b, i) => [b.key, i]));
  const blockBits = new Map<number, Uint32Array>();
  const classesInBlock = (b: number): Uint32Array => {
    let bits = blockBits.get(b);
    if (bits) return bits;
    bits = new Uint32Array(words);
    const tag = `${b},`;
    for (let c = 0; c < count; c++) {
      const m = blockMembers[c]!;
      if (m === tag || m.startsWith(tag) || m.includes(`,${tag}`)) setBit(bits, 0, c);
    }
    blockBits.set(b, bits);
    return bits;
  };

  const peerBits = (policy: Policy, peer: Peer): Uint32Array => {
    if (peer.kind === 'ipBlock') {
      const b = blockIndex.get(blockKey(peer));
      return b === undefined ? new Uint32Array(words) : classesInBlock(b);
    }
    const nsKey = peer.namespaceSelector === null ? `ns=${policy.namespace}` : `sel=${selectorKey(peer.namespaceSelector)}`;
    const key = `${nsKey}\u0001${peer.podSelector === null ? '*' : selectorKey(peer.podSelector)}`;
    const nss = peer.namespaceSelector === null ? [policy.namespace] : matchingNamespaces(peer.namespaceSelector);
    return podsIn(key, nss, peer.podSelector);
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
      bits = podsIn(`ns=${policy.namespace}\u0001${selectorKey(policy.podSelector)}`, [policy.namespace], policy.podSelector);
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
