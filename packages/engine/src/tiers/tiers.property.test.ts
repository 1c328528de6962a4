// The compiled tiers against the plain reference (conformance/__fixtures__/reference.ts), on random clusters with
// random cluster policies of both tiers and all three kinds; and the bitset matrix against evaluate() cell by cell on
// the same clusters, so the three agree.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matrixVsEvaluate } from '../conformance/__fixtures__/harness.js';
import { buildTiered, explicitArb, largeTieredClusterArb, tieredClusterArb, tieredManifestsOf } from '../conformance/__fixtures__/random-cluster.js';
import { reference, type Obj } from '../conformance/__fixtures__/reference.js';
import { referenceDisagreements } from '../conformance/__fixtures__/agree.js';
import { TierStage } from './matrix-stage.js';

describe('cluster policy tiers', () => {
  it('evaluate agrees with the reference on every pod pair and outside address', () => {
    fc.assert(
      fc.property(tieredClusterArb, explicitArb, (input, opts) => {
        const cluster = buildTiered(input);
        const ref = reference(tieredManifestsOf(input) as Obj[]);
        const bad = referenceDisagreements(cluster, ref, opts);
        expect(bad.slice(0, 10)).toEqual([]);
      }),
      { seed: 909, numRuns: 150 },
    );
  });

  it('the matrix agrees with evaluate, default columns and explicit ports with outside addresses', () => {
    fc.assert(
      fc.property(tieredClusterArb, explicitArb, (input, opts) => {
        const cluster = buildTiered(input);
        expect(matrixVsEvaluate(cluster)).toEqual([]);
        expect(matrixVsEvaluate(cluster, { ports: opts.ports, ips: opts.ips })).toEqual([]);
      }),
      { seed: 910, numRuns: 120 },
    );
  });

  // Matrix classes are keyed by what selectors observe: a label or port name only a cluster policy names must still
  // tell pods apart. Without NetworkPolicies nothing else names them.
  it('the matrix agrees with evaluate when only cluster policies name labels and ports', () => {
    fc.assert(
      fc.property(tieredClusterArb, explicitArb, (input, opts) => {
        const cluster = buildTiered({ ...input, base: { ...input.base, policies: [] } });
        expect(matrixVsEvaluate(cluster)).toEqual([]);
        expect(matrixVsEvaluate(cluster, { ports: opts.ports, ips: opts.ips, countsOnly: true })).toEqual([]);
      }),
      { seed: 914, numRuns: 120 },
    );
  });

  // countsOnly counts each column from the port-agnostic tier answer and the words its rules with ports change,
  // without computing rows: the counts must equal the cells.
  it('with countsOnly, counts and cells agree with evaluate', () => {
    fc.assert(
      fc.property(tieredClusterArb, explicitArb, (input, opts) => {
        const cluster = buildTiered(input);
        expect(matrixVsEvaluate(cluster, { countsOnly: true })).toEqual([]);
        expect(matrixVsEvaluate(cluster, { ports: opts.ports, ips: opts.ips, countsOnly: true })).toEqual([]);
      }),
      { seed: 912, numRuns: 80 },
    );
  });

  it('with countsOnly and no room to keep the port-agnostic decisions, the same', () => {
    const kept = TierStage.decisionWords;
    TierStage.decisionWords = 0;
    try {
      fc.assert(
        fc.property(tieredClusterArb, explicitArb, (input, opts) => {
          expect(matrixVsEvaluate(buildTiered(input), { ports: opts.ports, ips: opts.ips, countsOnly: true })).toEqual([]);
        }),
        { seed: 913, numRuns: 60 },
      );
    } finally {
      TierStage.decisionWords = kept;
    }
  });

  it('the matrix agrees with evaluate on large clusters (multi-word bitsets)', () => {
    fc.assert(
      fc.property(largeTieredClusterArb, explicitArb, (input, opts) => {
        expect(matrixVsEvaluate(buildTiered(input), { ips: opts.ips })).toEqual([]);
      }),
      { seed: 911, numRuns: 3 },
    );
  }, 120_000);
});
