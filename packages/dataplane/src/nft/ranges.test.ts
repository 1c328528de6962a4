import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { disjointBoxes, formatRange, joinPoints, mergeRanges, toggleAddress, type AddrRange, type Box } from './ranges.js';

const inRanges = (rs: ReadonlyArray<readonly [bigint, bigint]>, v: bigint): boolean => rs.some(([a, b]) => v >= a && v <= b);
const inBoxes = (bs: readonly Box[], v: bigint, proto: number, port: number): boolean =>
  bs.some((b) => v >= b.lo && v <= b.hi && b.proto === proto && port >= b.pLo && port <= b.pHi);

const range = fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 8 })).map(([s, w]) => [BigInt(s), BigInt(s + w)] as const);
const box = fc
  .record({ s: fc.integer({ min: 0, max: 30 }), w: fc.integer({ min: 0, max: 6 }), proto: fc.constantFrom(6, 17, 132), p: fc.integer({ min: 0, max: 40 }), pw: fc.integer({ min: 0, max: 10 }) })
  .map(({ s, w, proto, p, pw }): Box => ({ lo: BigInt(s), hi: BigInt(s + w), proto, pLo: p, pHi: p + pw }));

describe('address ranges', () => {
  it('merging keeps exactly the same addresses, sorted, with gaps between', () => {
    fc.assert(
      fc.property(fc.array(range, { maxLength: 30 }), (rs) => {
        const m = mergeRanges(rs);
        for (let v = 0n; v <= 70n; v++) expect(inRanges(m, v)).toBe(inRanges(rs, v));
        for (let i = 1; i < m.length; i++) expect(m[i]![0] > m[i - 1]![1] + 1n).toBe(true);
      }),
    );
  });

  it('an address added or taken out in place gives the ranges its points join into', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 30 }), fc.integer({ min: 0, max: 40 }), fc.boolean(), (points, v, hold) => {
        const ranges: AddrRange[] = joinPoints([...points].sort((a, b) => a - b).map(BigInt));
        toggleAddress(ranges, BigInt(v), hold);
        const after = new Set(points);
        if (hold) after.add(v);
        else after.delete(v);
        expect(ranges).toEqual(joinPoints([...after].sort((a, b) => a - b).map(BigInt)));
      }),
    );
  });

  it('writes prefixes as CIDRs and other ranges as a-b', () => {
    expect(formatRange(4, 0x0a000000n, 0x0affffffn)).toBe('10.0.0.0/8');
    expect(formatRange(4, 0x0a000001n, 0x0a000001n)).toBe('10.0.0.1');
    expect(formatRange(4, 0x0a000001n, 0x0a000002n)).toBe('10.0.0.1-10.0.0.2');
    expect(formatRange(6, 0xfd00n << 112n, (0xfd00n << 112n) + (1n << 64n) - 1n)).toBe('fd00::/64');
  });
});

describe('disjoint boxes (nftables rejects overlapping elements of a concatenated interval set)', () => {
  it('cover exactly the points of the input and never overlap', () => {
    fc.assert(
      fc.property(fc.array(box, { maxLength: 12 }), (bs) => {
        const d = disjointBoxes(bs);
        for (const proto of [6, 17, 132])
          for (let v = 0n; v <= 37n; v++)
            for (let port = 0; port <= 51; port++) {
              if (inBoxes(d, v, proto, port) !== inBoxes(bs, v, proto, port)) return false;
              let hits = 0;
              for (const b of d) if (v >= b.lo && v <= b.hi && b.proto === proto && port >= b.pLo && port <= b.pHi) hits++;
              if (hits > 1) return false;
            }
        return true;
      }),
      { numRuns: 60 },
    );
  });

  it('is the same whatever the order of the input, so incremental diffs are exact', () => {
    fc.assert(
      fc.property(fc.array(box, { maxLength: 10 }), fc.integer(), (bs, seed) => {
        const shuffled = [...bs].sort((a, b) => ((a.pLo * 31 + Number(a.lo) + seed) % 7) - ((b.pLo * 31 + Number(b.lo) + seed) % 7));
        expect(disjointBoxes(shuffled)).toEqual(disjointBoxes(bs));
      }),
    );
  });
});
