import { formatIP, type Family } from '@kordon/engine';

/** An inclusive range of addresses of one family. */
export type AddrRange = readonly [bigint, bigint];

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** `items` in ascending order of `key` (the input itself when already so). */
function sortedBy<T>(items: readonly T[], key: (t: T) => bigint): readonly T[] {
  for (let i = 1; i < items.length; i++) {
    if (key(items[i] as T) < key(items[i - 1] as T)) {
      // IPv4 values fit a double exactly, and number comparison is far cheaper than bigint comparison.
      return items.every((t) => key(t) <= MAX_EXACT)
        ? items
            .map((t) => ({ k: Number(key(t)), t }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.t)
        : [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    }
  }
  return items;
}

/** The first index below `n` for which `above` holds, `above` being false then true along the indices (n if never). */
export function firstIndex(n: number, above: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (above(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The first index of a sorted list whose value is not below `v`. */
export const lowerBound = (sorted: readonly bigint[], v: bigint): number => firstIndex(sorted.length, (i) => (sorted[i] as bigint) >= v);

/** Sorted, without repeats. */
export function sortedUnique(values: readonly bigint[]): bigint[] {
  const out: bigint[] = [];
  for (const v of sortedBy(values, (x) => x)) if (out.length === 0 || out[out.length - 1] !== v) out.push(v);
  return out;
}

/** Sorts and joins overlapping or touching ranges. */
export function mergeRanges(ranges: readonly AddrRange[]): AddrRange[] {
  if (ranges.length < 2) return ranges.slice();
  const sorted = sortedBy(ranges, (r) => r[0]);
  const out: Array<[bigint, bigint]> = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1] + 1n) {
      if (e > last[1]) last[1] = e;
    } else out.push([s, e]);
  }
  return out;
}

/** Sorted unique addresses as ranges, neighbours joined: what `mergeRanges` makes of them as one-address ranges. */
export function joinPoints(sorted: readonly bigint[]): AddrRange[] {
  const out: Array<[bigint, bigint]> = [];
  for (const v of sorted) {
    const last = out[out.length - 1];
    if (last && v === last[1] + 1n) last[1] = v;
    else out.push([v, v]);
  }
  return out;
}

/** Whether sorted, merged ranges hold `v`. */
export function covers(ranges: readonly AddrRange[], v: bigint): boolean {
  const i = firstIndex(ranges.length, (k) => (ranges[k] as AddrRange)[0] > v) - 1;
  return i >= 0 && (ranges[i] as AddrRange)[1] >= v;
}

/**
 * Sorted, merged ranges made to hold `v` or not, in place: `v` joins the ranges that end just below and start just
 * above it, or is cut out of the range that holds it. What `joinPoints` gives for the addresses with or without `v`.
 */
export function toggleAddress(ranges: AddrRange[], v: bigint, hold: boolean): void {
  const i = firstIndex(ranges.length, (k) => (ranges[k] as AddrRange)[0] > v) - 1;
  const at = ranges[i];
  if (!hold) {
    if (!at || at[1] < v) return;
    const pieces: AddrRange[] = [];
    if (at[0] < v) pieces.push([at[0], v - 1n]);
    if (v < at[1]) pieces.push([v + 1n, at[1]]);
    ranges.splice(i, 1, ...pieces);
    return;
  }
  if (at && at[1] >= v) return;
  const below = at !== undefined && at[1] === v - 1n;
  const next = ranges[i + 1];
  const above = next !== undefined && next[0] === v + 1n;
  ranges.splice(below ? i : i + 1, (below ? 1 : 0) + (above ? 1 : 0), [below ? (at as AddrRange)[0] : v, above ? next[1] : v]);
}

/** A box of the (address × protocol × port) space: what one rule admits. */
export interface Box {
  lo: bigint;
  hi: bigint;
  proto: number;
  pLo: number;
  pHi: number;
}

/** The boxes of one protocol that share a port interval: their addresses, sorted and merged. */
export interface PortGroup {
  pLo: number;
  pHi: number;
  ranges: readonly AddrRange[];
}

/** A port interval of one protocol over which the same groups hold (their indices), and the addresses they hold together. */
export interface PortRun {
  proto: number;
  pLo: number;
  pHi: number;
  groups: readonly number[];
  ranges: readonly AddrRange[];
}

/**
 * Rewrites boxes as disjoint boxes covering the same points. nftables rejects overlapping elements in a
 * concatenated interval set, and a deterministic form makes incremental diffs exact.
 */
export function disjointBoxes(boxes: readonly Box[]): Box[] {
  // Boxes sharing a port interval share one merged address list: rules repeat the same ports for many peers.
  const byProto = new Map<number, Map<string, { pLo: number; pHi: number; ranges: AddrRange[] }>>();
  for (const b of boxes) {
    let groups = byProto.get(b.proto);
    if (!groups) byProto.set(b.proto, (groups = new Map()));
    const key = `${b.pLo}-${b.pHi}`;
    const g = groups.get(key);
    if (g) g.ranges.push([b.lo, b.hi]);
    else groups.set(key, { pLo: b.pLo, pHi: b.pHi, ranges: [[b.lo, b.hi]] });
  }
  const merged = new Map<number, PortGroup[]>();
  for (const [proto, groups] of byProto) merged.set(proto, [...groups.values()].map((g) => ({ ...g, ranges: mergeRanges(g.ranges) })));
  const out: Box[] = [];
  for (const r of disjointRuns(merged)) for (const [lo, hi] of r.ranges) out.push({ lo, hi, proto: r.proto, pLo: r.pLo, pHi: r.pHi });
  return out;
}

/**
 * The disjoint form of port groups, by protocol (in protocol order): cut the port axis at every group edge, join the
 * address ranges over each piece, then join neighbouring pieces covered by the same groups. Where the pieces fall
 * depends on the groups' port intervals alone, never on their addresses, so a change of addresses changes the runs'
 * ranges and nothing else (box-sets.ts patches them so).
 */
export function disjointRuns(byProto: ReadonlyMap<number, readonly PortGroup[]>): PortRun[] {
  const out: PortRun[] = [];
  for (const proto of [...byProto.keys()].sort((a, b) => a - b)) {
    const groups = byProto.get(proto) as readonly PortGroup[];
    const cuts = new Set<number>();
    for (const g of groups) {
      cuts.add(g.pLo);
      cuts.add(g.pHi + 1);
    }
    const edges = [...cuts].sort((a, b) => a - b);
    // Neighbouring pieces covered by the same groups have the same addresses: they join into one port range.
    let prev: { pLo: number; pHi: number; ranges: readonly AddrRange[]; sig: string; covering: number[] } | undefined;
    const flush = (): void => {
      if (!prev) return;
      out.push({ proto, pLo: prev.pLo, pHi: prev.pHi, groups: prev.covering, ranges: prev.ranges });
      prev = undefined;
    };
    const memo = new Map<string, readonly AddrRange[]>();
    // Sweep the port axis: a group enters at its first port and leaves after its last, so each piece costs the
    // groups covering it, not all groups.
    const starts = new Map<number, number[]>();
    const ends = new Map<number, number[]>();
    groups.forEach((g, k) => {
      starts.set(g.pLo, [...(starts.get(g.pLo) ?? []), k]);
      ends.set(g.pHi + 1, [...(ends.get(g.pHi + 1) ?? []), k]);
    });
    const active = new Set<number>();
    for (let i = 0; i + 1 < edges.length; i++) {
      const pLo = edges[i] as number;
      const pHi = (edges[i + 1] as number) - 1;
      for (const k of ends.get(pLo) ?? []) active.delete(k);
      for (const k of starts.get(pLo) ?? []) active.add(k);
      const covering = [...active].sort((a, b) => a - b);
      if (covering.length === 0) {
        flush();
        continue;
      }
      const sig = covering.join(',');
      if (prev && prev.sig === sig && prev.pHi + 1 === pLo) {
        prev.pHi = pHi;
        continue;
      }
      let ranges = memo.get(sig);
      if (!ranges) {
        ranges = covering.length === 1 ? (groups[covering[0] as number] as PortGroup).ranges : mergeRanges(covering.flatMap((k) => (groups[k] as PortGroup).ranges));
        memo.set(sig, ranges);
      }
      flush();
      prev = { pLo, pHi, ranges, sig, covering };
    }
    flush();
  }
  return out;
}

const ADDRESS_TEXTS_MAX = 1 << 18;
const addressTexts: Record<Family, Map<bigint, string>> = { 4: new Map(), 6: new Map() };
/**
 * One address as text, remembered: every compile writes each pod's address into many sets, and a pod change makes
 * the sets of every peer holding a pod again. Bounded (dropped whole when full), as addresses come and go.
 */
function addressText(family: Family, v: bigint): string {
  const known = addressTexts[family].get(v);
  if (known !== undefined) return known;
  const t = formatIP({ family, value: v });
  if (addressTexts[family].size >= ADDRESS_TEXTS_MAX) addressTexts[family].clear();
  addressTexts[family].set(v, t);
  return t;
}

/** `10.0.0.0/8` when the range is a prefix, the address when it is one, `a-b` otherwise. */
export function formatRange(family: Family, lo: bigint, hi: bigint): string {
  const f = (v: bigint): string => formatIP({ family, value: v });
  if (lo === hi) return addressText(family, lo);
  const size = hi - lo + 1n;
  if ((size & (size - 1n)) === 0n && lo % size === 0n) {
    const bits = family === 4 ? 32 : 128;
    let len = bits;
    for (let s = size; s > 1n; s >>= 1n) len--;
    return `${f(lo)}/${len}`;
  }
  return `${f(lo)}-${f(hi)}`;
}

export function formatPorts(lo: number, hi: number): string {
  return lo === hi ? String(lo) : `${lo}-${hi}`;
}
