import { formatIP, type Family } from '@kordon/engine';

/** An inclusive range of addresses of one family. */
export type AddrRange = readonly [bigint, bigint];

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** Sorts and joins overlapping or touching ranges. */
export function mergeRanges(ranges: readonly AddrRange[]): AddrRange[] {
  if (ranges.length < 2) return ranges.slice();
  let sorted = ranges;
  for (let i = 1; i < ranges.length; i++) {
    if ((ranges[i] as AddrRange)[0] < (ranges[i - 1] as AddrRange)[0]) {
      // Unsorted input: sort by start. IPv4 starts fit a double exactly, and number comparison is far cheaper.
      const small = ranges.every((r) => r[0] <= MAX_EXACT);
      sorted = small
        ? ranges
            .map((r) => ({ k: Number(r[0]), r }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.r)
        : [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      break;
    }
  }
  const out: Array<[bigint, bigint]> = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1] + 1n) {
      if (e > last[1]) last[1] = e;
    } else out.push([s, e]);
  }
  return out;
}

/** A box of the (address × protocol × port) space: what one rule admits. */
export interface Box {
  lo: bigint;
  hi: bigint;
  proto: number;
  pLo: number;
  pHi: number;
}

/**
 * Rewrites boxes as disjoint boxes covering the same points. nftables rejects overlapping elements in a
 * concatenated interval set, and a deterministic form makes incremental diffs exact.
 * Per protocol: cut the port axis at every box edge, join the address ranges over each piece, then join
 * neighbouring pieces whose address ranges are equal.
 */
export function disjointBoxes(boxes: readonly Box[]): Box[] {
  const byProto = new Map<number, Box[]>();
  for (const b of boxes) {
    const l = byProto.get(b.proto);
    if (l) l.push(b);
    else byProto.set(b.proto, [b]);
  }
  const out: Box[] = [];
  for (const proto of [...byProto.keys()].sort((a, b) => a - b)) {
    const list = byProto.get(proto) as Box[];
    const cuts = new Set<number>();
    for (const b of list) {
      cuts.add(b.pLo);
      cuts.add(b.pHi + 1);
    }
    const edges = [...cuts].sort((a, b) => a - b);
    let prev: { pLo: number; pHi: number; ranges: AddrRange[]; key: string } | undefined;
    const flush = (): void => {
      if (!prev) return;
      for (const [lo, hi] of prev.ranges) out.push({ lo, hi, proto, pLo: prev.pLo, pHi: prev.pHi });
      prev = undefined;
    };
    for (let i = 0; i + 1 < edges.length; i++) {
      const pLo = edges[i] as number;
      const pHi = (edges[i + 1] as number) - 1;
      const ranges = mergeRanges(list.filter((b) => b.pLo <= pLo && b.pHi >= pHi).map((b) => [b.lo, b.hi] as const));
      if (ranges.length === 0) {
        flush();
        continue;
      }
      const key = ranges.map(([a, b]) => `${a}-${b}`).join(',');
      if (prev && prev.key === key && prev.pHi + 1 === pLo) prev.pHi = pHi;
      else {
        flush();
        prev = { pLo, pHi, ranges, key };
      }
    }
    flush();
  }
  return out;
}

/** `10.0.0.0/8` when the range is a prefix, the address when it is one, `a-b` otherwise. */
export function formatRange(family: Family, lo: bigint, hi: bigint): string {
  const f = (v: bigint): string => formatIP({ family, value: v });
  if (lo === hi) return f(lo);
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
