/**
 * IP addresses and CIDR blocks, IPv4 and IPv6, as bigint ranges.
 * Parsing is strict on shape; IPv4 octets with leading zeros are read as decimal, as Kubernetes'
 * ParseIPSloppy does (other tools read them as octal: the validator warns about them).
 * An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is the IPv4 address, and a mapped block of prefix 96 or more the
 * IPv4 block of prefix − 96, as Go's net.IP and IPNet read them (the API server, and the Go network plugins that
 * enforce the policies): matching, the nft compiler and validation all take addresses from here.
 */

export type Family = 4 | 6;

export interface IP {
  family: Family;
  value: bigint;
}

export interface Cidr {
  family: Family;
  /** Address as written (host bits possibly set). */
  address: bigint;
  prefix: number;
  /** First and last address of the block. */
  start: bigint;
  end: bigint;
  /** Set when the block was written in IPv4-mapped IPv6 form: the family and prefix length as written. */
  written?: { family: 6; prefix: number };
}

const V4_MAX = (1n << 32n) - 1n;
const V6_MAX = (1n << 128n) - 1n;

export function parseIPv4(text: string): bigint | undefined {
  const n = ipv4Number(text);
  return n === undefined ? undefined : BigInt(n);
}

/** Four decimal octets (leading zeros read as decimal) as an unsigned 32-bit number; no regular expressions on this path. */
export function ipv4Number(text: string): number | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return undefined;
      octet = octet * 10 + (c - 48);
      if (octet > 255) return undefined;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + octet;
}

export function parseIPv6(text: string): bigint | undefined {
  if (text.length === 0 || text.length > 45 || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let t = text;
  const lastColon = t.lastIndexOf(':');
  if (lastColon < 0) return undefined;
  const tail = t.slice(lastColon + 1);
  if (tail.includes('.')) {
    // An embedded IPv4 tail ("::ffff:1.2.3.4") stands for the last two groups.
    const v4 = parseIPv4(tail);
    if (v4 === undefined) return undefined;
    t = `${t.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const parseGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const halves = t.split('::');
  let groups: number[];
  if (halves.length === 2) {
    const left = parseGroups(halves[0]!);
    const right = parseGroups(halves[1]!);
    if (!left || !right) return undefined;
    const fill = 8 - left.length - right.length;
    if (fill < 1) return undefined;
    groups = [...left, ...new Array<number>(fill).fill(0), ...right];
  } else if (halves.length === 1) {
    const g = parseGroups(t);
    if (!g || g.length !== 8) return undefined;
    groups = g;
  } else {
    return undefined;
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

const V4_MAPPED_HIGH = 0xffffn; // ::ffff:0:0/96

function isMapped(v6: bigint): boolean {
  return v6 >> 32n === V4_MAPPED_HIGH;
}

export function parseIP(text: string): IP | undefined {
  const t = text.trim();
  if (t.includes(':')) {
    const v = parseIPv6(t);
    if (v === undefined) return undefined;
    return isMapped(v) ? { family: 4, value: v & V4_MAX } : { family: 6, value: v };
  }
  const v = parseIPv4(t);
  return v === undefined ? undefined : { family: 4, value: v };
}

export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const addr = text.slice(0, slash).trim();
  const family: Family = addr.includes(':') ? 6 : 4;
  const value = family === 6 ? parseIPv6(addr) : parseIPv4(addr);
  const prefixText = text.slice(slash + 1);
  if (value === undefined || !/^[0-9]{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const bits = family === 4 ? 32 : 128;
  if (prefix > bits) return undefined;
  const block = cidrOf(family, value, prefix);
  // Go masks first and then asks whether the network address is mapped: only a prefix of 96 or more keeps it so.
  if (family === 6 && prefix >= 96 && isMapped(block.start)) {
    return { ...cidrOf(4, value & V4_MAX, prefix - 96), written: { family: 6, prefix } };
  }
  return block;
}

function cidrOf(family: Family, address: bigint, prefix: number): Cidr {
  const hostBits = BigInt((family === 4 ? 32 : 128) - prefix);
  const max = family === 4 ? V4_MAX : V6_MAX;
  const hostMask = (1n << hostBits) - 1n;
  const start = address & (max ^ hostMask);
  return { family, address, prefix, start, end: start | hostMask };
}

/** The prefix length as written: what the API server compares when it checks that an except is inside its cidr. */
export function writtenPrefix(c: Cidr): number {
  return c.written?.prefix ?? c.prefix;
}

/** True when an address or block is written in IPv4-mapped IPv6 form (`::ffff:10.0.0.1`, `::ffff:10.0.0.0/104`). */
export function isIPv4MappedText(text: string): boolean {
  if (text.indexOf(':') < 0) return false;
  const addr = text.split('/')[0]?.trim() ?? '';
  if (!addr.includes(':')) return false;
  const v = parseIPv6(addr);
  return v !== undefined && isMapped(v);
}

/** Why no network plugin would give a pod this address, if none would: loopback, multicast, unspecified, mapped form. */
export type PodAddressOddity = 'loopback' | 'multicast' | 'unspecified' | 'ipv4-mapped';

export function podAddressOddity(text: string): PodAddressOddity | undefined {
  // The common case, a dotted quad, without a bigint.
  const v4 = ipv4Number(text);
  if (v4 !== undefined) return v4 === 0 ? 'unspecified' : v4 >>> 24 === 127 ? 'loopback' : v4 >>> 28 === 0xe ? 'multicast' : undefined;
  if (isIPv4MappedText(text)) return 'ipv4-mapped';
  const ip = parseIP(text);
  if (!ip) return undefined;
  if (ip.value === 0n) return 'unspecified';
  if (ip.family === 4) {
    if (ip.value >> 24n === 127n) return 'loopback';
    if (ip.value >> 28n === 0xen) return 'multicast';
    return undefined;
  }
  if (ip.value === 1n) return 'loopback';
  if (ip.value >> 120n === 0xffn) return 'multicast';
  return undefined;
}

/** True when the CIDR has host bits set (`10.0.0.1/8`): it still means its network block. */
export function hasHostBits(c: Cidr): boolean {
  return c.address !== c.start;
}

export function cidrContains(c: Cidr, ip: IP): boolean {
  return c.family === ip.family && ip.value >= c.start && ip.value <= c.end;
}

/** `inner` lies inside `outer` (equal counts as inside). */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.family === outer.family && inner.start >= outer.start && inner.end <= outer.end;
}

export function formatIP(ip: IP): string {
  return ip.family === 4 ? formatIPv4(ip.value) : formatIPv6(ip.value);
}

export function formatCidr(c: Cidr): string {
  return `${formatIP({ family: c.family, value: c.start })}/${c.prefix}`;
}

function formatIPv4(v: bigint): string {
  const n = Number(v);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** RFC 5952: lowercase, leading zeros dropped, the longest run (≥2) of zero groups as '::'. */
function formatIPv6(v: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical text of an address, or undefined when it is not one. */
export function canonicalIP(text: string): string | undefined {
  // The common case, a dotted quad already written canonically, is returned as is.
  if (ipv4Number(text) !== undefined && !/(^|\.)0\d/.test(text)) return text;
  const ip = parseIP(text);
  return ip ? formatIP(ip) : undefined;
}

/** An ipBlock: inside `cidr`, outside every `except`. */
export interface IPBlock {
  cidr: Cidr;
  except: readonly Cidr[];
}

export function ipBlockContains(block: IPBlock, ip: IP): boolean {
  if (!cidrContains(block.cidr, ip)) return false;
  for (const e of block.except) if (cidrContains(e, ip)) return false;
  return true;
}

/** The ipBlock as disjoint, sorted [start, end] ranges. */
export function ipBlockRanges(block: IPBlock): Array<[bigint, bigint]> {
  const ex = block.except
    .filter((e) => e.family === block.cidr.family)
    .map((e) => [e.start, e.end] as [bigint, bigint])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Array<[bigint, bigint]> = [];
  let cur = block.cidr.start;
  const end = block.cidr.end;
  for (const [s, e] of ex) {
    if (e < cur) continue;
    if (s > end) break;
    if (s > cur) out.push([cur, s - 1n]);
    cur = e + 1n;
    if (cur > end) return out;
  }
  if (cur <= end) out.push([cur, end]);
  return out;
}
