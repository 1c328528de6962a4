// Each default column's `ranges` are the ports it stands for: together they cover every port of every protocol once,
// and every port of a column gets the column's answer (the matrix probes one port per column).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../eval/evaluate.js';
import { PROTOCOLS, type Protocol } from '../model/types.js';
import { build, clusterArb } from '../conformance/__fixtures__/random-cluster.js';
import { defaultColumns } from './columns.js';
import { computeMatrix } from './matrix.js';

describe('default columns carry the ports they stand for', () => {
  it('partition the port space of every protocol', () => {
    fc.assert(
      fc.property(clusterArb, (input) => {
        const cols = defaultColumns(build(input));
        for (const protocol of PROTOCOLS) {
          const ranges = cols.flatMap((c) => (c.ranges ?? []).filter((r) => r.protocol === protocol)).sort((a, b) => a.from - b.from);
          let next = 1;
          for (const r of ranges) {
            expect(r.from).toBe(next);
            next = r.to + 1;
          }
          expect(next).toBe(65536);
        }
        for (const c of cols) expect(c.ranges?.some((r) => r.protocol === c.protocol && c.port >= r.from && c.port <= r.to)).toBe(true);
      }),
      { seed: 11, numRuns: 150 },
    );
  });

  it('every port of a column gets the answer of the column', () => {
    fc.assert(
      fc.property(clusterArb, fc.integer({ min: 0, max: 1000 }), (input, pick) => {
        const cluster = build(input);
        const m = computeMatrix(cluster);
        m.columns.forEach((col, k) => {
          for (const r of col.ranges ?? []) {
            // The ends of each range and one port inside it, chosen by the run.
            const ports = [r.from, r.to, r.from + (pick % (r.to - r.from + 1))];
            for (const port of ports) {
              for (let i = 0; i < m.podCount; i++) {
                for (let j = 0; j < m.podCount; j++) {
                  const want = evaluate(cluster, { from: { kind: 'pod', pod: cluster.pods[i]! }, to: { kind: 'pod', pod: cluster.pods[j]! }, port, protocol: r.protocol as Protocol }).allowed;
                  expect(m.allowed(k, i, j), `${col.label} ${port}/${r.protocol} ${i}->${j}`).toBe(want);
                }
              }
            }
          }
        });
      }),
      { seed: 12, numRuns: 60 },
    );
  });
});
