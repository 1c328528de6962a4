// With countsOnly the matrix keeps no rows while it counts; a cell asked for anyway computes its column again, and
// must give what evaluate gives, as must the counts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matrixVsEvaluate } from '../conformance/__fixtures__/harness.js';
import { build, clusterArb, explicitArb, largeClusterArb } from '../conformance/__fixtures__/random-cluster.js';

describe('computeMatrix with countsOnly', () => {
  it('agrees with evaluate, cells and counts, on random clusters', () => {
    fc.assert(
      fc.property(clusterArb, explicitArb, (input, opts) => {
        const cluster = build(input);
        expect(matrixVsEvaluate(cluster, { countsOnly: true })).toEqual([]);
        expect(matrixVsEvaluate(cluster, { ...opts, countsOnly: true })).toEqual([]);
      }),
      { seed: 4242, numRuns: 80 },
    );
  });

  it('on large clusters (rows of many words)', () => {
    fc.assert(
      fc.property(largeClusterArb, (input) => {
        expect(matrixVsEvaluate(build(input), { countsOnly: true }, 5)).toEqual([]);
      }),
      { seed: 77, numRuns: 3 },
    );
  });
});
