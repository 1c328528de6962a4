import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boxSets, patchBoxSets, type PortBox, type PortedRanges } from './box-sets.js';
import { joinPoints } from './ranges.js';

const PORTS: PortBox[] = [
  { proto: 6, lo: 80, hi: 80 },
  { proto: 6, lo: 443, hi: 443 },
  { proto: 6, lo: 8000, hi: 8100 },
  { proto: 6, lo: 8080, hi: 8080 },
  { proto: 17, lo: 53, hi: 53 },
];
// Addresses 10.0.0.0–10.0.0.31: few enough that neighbours join into ranges and split again.
const BASE = 0x0a000000n;
const groupArb = fc.record({ ports: fc.subarray(PORTS, { minLength: 1 }), points: fc.uniqueArray(fc.integer({ min: 0, max: 31 }), { maxLength: 20 }) });
const ranges = (points: readonly number[]) => joinPoints([...points].sort((a, b) => a - b).map((p) => BASE + BigInt(p)));

describe('peer · port set elements patched at the addresses that changed', () => {
  it('are the elements a fresh build writes, in the same order', () => {
    fc.assert(
      fc.property(fc.array(groupArb, { minLength: 1, maxLength: 6 }), fc.uniqueArray(fc.integer({ min: 0, max: 31 }), { minLength: 1, maxLength: 4 }), fc.array(fc.boolean(), { minLength: 24, maxLength: 24 }), (groups, changed, flips) => {
        const before: PortedRanges[] = groups.map((g) => ({ ports: g.ports, ranges: ranges(g.points) }));
        // Each group gains or loses some of the changed addresses, and nothing else.
        let k = 0;
        const after: PortedRanges[] = groups.map((g) => {
          const points = new Set(g.points);
          for (const c of changed) if (flips[k++ % flips.length]) (points.has(c) ? points.delete(c) : points.add(c));
          return { ports: g.ports, ranges: ranges([...points]) };
        });
        const d = [...changed].sort((a, b) => a - b).map((c) => BASE + BigInt(c));
        const patched = patchBoxSets(boxSets(4, before), 4, after, d);
        const fresh = boxSets(4, after);
        expect(patched.points).toEqual(fresh.points);
        expect(patched.spans).toEqual(fresh.spans);
      }),
      { numRuns: 500 },
    );
  });
});
