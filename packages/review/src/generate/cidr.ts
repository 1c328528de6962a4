import { formatIP, parseIP, type IP } from '@kordon/engine';

export interface CidrCover {
  cidr: string;
  /** The observed addresses it covers. */
  addresses: string[];
  /** How many addresses it admits (a string: IPv6 blocks outgrow numbers). */
  size: bigint;
}

/** Widest block each address may be merged in: /32 and /128 keep every address exact. */
export interface CidrOptions {
  prefix4: number;
  prefix6: number;
}

const bits = (family: 4 | 6): number => (family === 4 ? 32 : 128);
const mask = (family: 4 | 6, prefix: number): bigint => {
  const w = BigInt(bits(family));
  const p = BigInt(prefix);
  return ((1n << w) - 1n) ^ ((1n << (w - p)) - 1n);
};
const netOf = (ip: IP, prefix: number): bigint => ip.value & mask(ip.family, prefix);

/** The longest prefix holding both values. */
function commonPrefix(family: 4 | 6, a: bigint, b: bigint): number {
  const w = bits(family);
  let p = 0;
  while (p < w && ((a >> BigInt(w - 1 - p)) & 1n) === ((b >> BigInt(w - 1 - p)) & 1n)) p++;
  return p;
}

/**
 * The narrowest blocks that cover `addresses`, merging only addresses within one block of the given prefix, and never
 * covering an address of `avoid` (an expectation says it must stay denied): a block that would is split in halves.
 */
export function coverAddresses(addresses: readonly string[], avoid: readonly string[], options: CidrOptions): CidrCover[] {
  const ips = [...new Set(addresses)].map((a) => parseIP(a)).filter((x): x is IP => x !== undefined);
  const bad = avoid.map((a) => parseIP(a)).filter((x): x is IP => x !== undefined);
  const groups = new Map<string, IP[]>();
  for (const ip of ips) {
    const prefix = ip.family === 4 ? options.prefix4 : options.prefix6;
    const k = `${ip.family}/${netOf(ip, prefix)}`;
    const g = groups.get(k);
    if (g) g.push(ip);
    else groups.set(k, [ip]);
  }
  const out: CidrCover[] = [];
  for (const g of groups.values()) split(g, bad, out);
  return out.sort((a, b) => (a.cidr < b.cidr ? -1 : a.cidr > b.cidr ? 1 : 0));
}

function split(group: IP[], bad: readonly IP[], out: CidrCover[]): void {
  const family = group[0]!.family;
  let lo = group[0]!.value;
  let hi = lo;
  for (const ip of group) {
    if (ip.value < lo) lo = ip.value;
    if (ip.value > hi) hi = ip.value;
  }
  const prefix = commonPrefix(family, lo, hi);
  const net = lo & mask(family, prefix);
  const inside = (ip: IP) => ip.family === family && (ip.value & mask(family, prefix)) === net;
  if (group.length > 1 && bad.some(inside)) {
    const half = BigInt(1) << BigInt(bits(family) - prefix - 1);
    const left = group.filter((ip) => (ip.value & half) === 0n);
    const right = group.filter((ip) => (ip.value & half) !== 0n);
    split(left, bad, out);
    split(right, bad, out);
    return;
  }
  out.push({ cidr: `${formatIP({ family, value: net })}/${prefix}`, addresses: group.map((ip) => formatIP(ip)).sort(), size: 1n << BigInt(bits(family) - prefix) });
}

