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

/** The protocol · port part of a set element: `tcp . 80`, `udp . 6000-6010`. */
export function portText(proto: number, lo: number, hi: number): string {
  return `${PROTO_NAME[proto] ?? proto} . ${formatPorts(lo, hi)}`;
}

/** Boxes as disjoint set elements (protocol · port ones when `family` is undefined). */
export function boxElements(family: Family | undefined, boxes: readonly Box[]): string[] {
  return disjointBoxes(boxes).map((b) => {
    const port = portText(b.proto, b.pLo, b.pHi);
    return family === undefined ? port : `${formatRange(family, b.lo, b.hi)} . ${port}`;
  });
}

export function set(name: string, type: string, elements: string[], notes: string[], flags: string[] = ['interval']): NftSet {
  return { name, kind: 'set', type, flags, options: [], elements, dynamic: false, notes };
}

export function refs(list: readonly string[]): string {
  return list.length ? list.join('; ') : 'none';
}
