import { formatIP, parseCidr, parseIP, type Cluster, type Family } from '@kordon/engine';

/** A stretch of addresses no ipBlock of the input tells apart, and one address that stands for it. */
export interface AddressRange {
  family: Family;
  start: bigint;
  end: bigint;
  /** An address of the range that is no pod's and no node's (those are endpoints of their own). */
  probe: string;
}

const MAX: Record<Family, bigint> = { 4: (1n << 32n) - 1n, 6: (1n << 128n) - 1n };

/**
 * The address space cut at every boundary of every ipBlock cidr and except of the policies (of every version given): inside one range every
 * rule answers alike, so one probe address decides for all of it. IPv6 counts only when the input uses it.
 */
export function addressRanges(...clusters: Cluster[]): AddressRange[] {
  const cuts: Record<Family, Set<bigint>> = { 4: new Set([0n, MAX[4] + 1n]), 6: new Set([0n, MAX[6] + 1n]) };
  let v6 = false;
  for (const p of clusters.flatMap((c) => c.policies)) {
    for (const rule of [...p.ingress, ...p.egress]) {
      for (const peer of rule.peers ?? []) {
        if (peer.kind !== 'ipBlock') continue;
        for (const text of [peer.cidr, ...peer.except]) {
          const c = parseCidr(text);
          if (!c) continue;
          if (c.family === 6) v6 = true;
          cuts[c.family].add(c.start);
          cuts[c.family].add(c.end + 1n);
        }
      }
    }
  }
  const taken = new Set<string>();
  for (const pod of clusters.flatMap((c) => c.pods)) {
    for (const ip of pod.ips) {
      taken.add(ip);
      if (ip.includes(':')) v6 = true;
    }
    if (pod.hostIP) taken.add(pod.hostIP);
  }
  const out: AddressRange[] = [];
  for (const family of v6 ? ([4, 6] as const) : ([4] as const)) {
    const sorted = [...cuts[family]].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (let k = 0; k + 1 < sorted.length; k++) {
      const start = sorted[k]!;
      const end = sorted[k + 1]! - 1n;
      // The few addresses pods and nodes hold are skipped; a range of nothing but those is no outside address.
      let v = start;
      while (v <= end && taken.has(formatIP({ family, value: v }))) v++;
      if (v <= end) out.push({ family, start, end, probe: formatIP({ family, value: v }) });
    }
  }
  return out;
}

/** Adjacent ranges joined, per family. */
export function mergeAddressRanges(ranges: readonly Pick<AddressRange, 'family' | 'start' | 'end'>[]): Array<Pick<AddressRange, 'family' | 'start' | 'end'>> {
  const sorted = [...ranges].sort((a, b) => a.family - b.family || (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: Array<Pick<AddressRange, 'family' | 'start' | 'end'>> = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.family === r.family && r.start <= last.end + 1n) {
      if (r.end > last.end) last.end = r.end;
    } else out.push({ family: r.family, start: r.start, end: r.end });
  }
  return out;
}

/** The fewest CIDR blocks that cover exactly [start, end]. */
export function cidrsOf(family: Family, start: bigint, end: bigint): string[] {
  const bits = family === 4 ? 32 : 128;
  const out: string[] = [];
  let cur = start;
  while (cur <= end) {
    let size = 0;
    while (size < bits && (cur & ((1n << BigInt(size + 1)) - 1n)) === 0n && cur + (1n << BigInt(size + 1)) - 1n <= end) size++;
    out.push(`${formatIP({ family, value: cur })}/${bits - size}`);
    cur += 1n << BigInt(size);
  }
  return out;
}

/** The smallest CIDR block holding [start, end]. */
function enclosing(family: Family, start: bigint, end: bigint): { start: bigint; end: bigint; text: string } {
  const bits = family === 4 ? 32 : 128;
  let prefix = bits;
  let base = start;
  let top = start;
  while (top < end && prefix > 0) {
    prefix--;
    const size = 1n << BigInt(bits - prefix);
    base = start & ~(size - 1n);
    top = base + size - 1n;
  }
  return { start: base, end: top, text: `${formatIP({ family, value: base })}/${prefix}` };
}

/**
 * Merged ranges in words people write policies in: CIDR blocks, or `X except …` (as an ipBlock says it) when the
 * block around them minus its gaps is shorter to say.
 */
export function describeAddresses(ranges: readonly Pick<AddressRange, 'family' | 'start' | 'end'>[]): string[] {
  const merged = mergeAddressRanges(ranges);
  const out: string[] = [];
  for (const family of [4, 6] as const) {
    const mine = merged.filter((r) => r.family === family);
    if (mine.length === 0) continue;
    const direct = mine.flatMap((r) => cidrsOf(family, r.start, r.end));
    const around = enclosing(family, mine[0]!.start, mine[mine.length - 1]!.end);
    const gaps: string[] = [];
    let cur = around.start;
    for (const r of mine) {
      if (r.start > cur) gaps.push(...cidrsOf(family, cur, r.start - 1n));
      cur = r.end + 1n;
    }
    if (cur <= around.end) gaps.push(...cidrsOf(family, cur, around.end));
    if (gaps.length > 0 && gaps.length + 1 < direct.length) out.push(`${around.text} except ${gaps.join(', ')}`);
    else out.push(direct.join(', '));
  }
  return out;
}

/** Whether an address or CIDR written by a user overlaps the range. */
export function addressMatches(text: string, r: Pick<AddressRange, 'family' | 'start' | 'end'>): boolean {
  const c = parseCidr(text);
  if (c) return c.family === r.family && c.start <= r.end && c.end >= r.start;
  const ip = parseIP(text);
  return ip !== undefined && ip.family === r.family && ip.value >= r.start && ip.value <= r.end;
}
