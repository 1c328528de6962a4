/** Names, addresses and set elements shared by the NetworkPolicy class chains and the tier chains. */
import { createHash } from 'node:crypto';
import { parseIP, type Family, type Pod, type Protocol } from '@kordon/engine';
import { disjointBoxes, formatPorts, formatRange, type AddrRange, type Box } from './ranges.js';
import type { NftSet } from './ruleset.js';

export const PROTO_NUM: Record<Protocol, number> = { TCP: 6, UDP: 17, SCTP: 132 };

export const PROTO_NAME: Record<number, string> = { 6: 'tcp', 17: 'udp', 132: 'sctp' };

export const FAMILIES: readonly Family[] = [4, 6];

export const ADDR_TYPE: Record<Family, string> = { 4: 'ipv4_addr', 6: 'ipv6_addr' };

export const IP_KW: Record<Family, string> = { 4: 'ip', 6: 'ip6' };

export type PerFamily<T> = Record<Family, T>;

export function append<T>(into: T[], from: readonly T[]): void {
  for (const x of from) into.push(x);
}

export function hash(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 10);
}

export function podName(p: Pod): string {
  return `${p.namespace}/${p.name}`;
}

export function list(names: readonly string[], max = 6): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

export function addrOf(text: string): { family: Family; value: bigint } | undefined {
  return parseIP(text);
}

const rangesOfPod = new WeakMap<Pod, PerFamily<AddrRange[]>>();

/** Addresses of a pod, by family, as one-address ranges (parsed once per pod object). */
export function podRanges(pod: Pod): PerFamily<AddrRange[]> {
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

interface BoxTexts {
  /** One address on one port: hash set elements. */
  points: string[];
  /** The rest: interval set elements. */
  spans: string[];
}

const textsOfGroup = new WeakMap<readonly Box[], BoxTexts>();

/** Box groups as disjoint set elements; one group (the common case) is written once and shared by every class. */
export function boxTexts(f: Family, groups: readonly (readonly Box[])[]): BoxTexts {
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

export function boxElements(family: Family | undefined, boxes: readonly Box[], normalize = true): string[] {
  return (normalize ? disjointBoxes(boxes) : boxes).map((b) => {
    const port = `${PROTO_NAME[b.proto] ?? b.proto} . ${formatPorts(b.pLo, b.pHi)}`;
    return family === undefined ? port : `${formatRange(family, b.lo, b.hi)} . ${port}`;
  });
}

export function set(name: string, type: string, elements: string[], notes: string[], flags: string[] = ['interval']): NftSet {
  return { name, kind: 'set', type, flags, options: [], elements, dynamic: false, notes };
}

export function refs(list: readonly string[]): string {
  return list.length ? list.join('; ') : 'none';
}
