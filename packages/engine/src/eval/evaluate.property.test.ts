// evaluate() against a reference written straight from shared/docs/semantics.md, reading the raw manifests (not the
// engine's normalized model): this checks defaulting, normalization and evaluation together. The matrix is checked
// against evaluate() elsewhere (matrix.property.test.ts), so the three agree.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { build, clusterArb, explicitArb, manifestsOf } from '../conformance/__fixtures__/random-cluster.js';
import { reference, type Obj } from '../conformance/__fixtures__/reference.js';
import { referenceDisagreements } from '../conformance/__fixtures__/agree.js';

describe('evaluate agrees with a reference read straight from the semantics', () => {
  it('on random clusters, every pod pair and outside address, on named, listed and random ports', () => {
    fc.assert(
      fc.property(clusterArb, explicitArb, (input, opts) => {
        const manifests = manifestsOf(input) as Obj[];
        const cluster = build(input);
        const ref = reference(manifests);
        expect(cluster.pods.map((p) => `${p.namespace}/${p.name}`).sort()).toEqual(ref.pods.map((p) => p.id).sort());
        const bad = referenceDisagreements(cluster, ref, opts);
        expect(bad.slice(0, 10)).toEqual([]);
      }),
      { seed: 1122, numRuns: 120 },
    );
  });
});
