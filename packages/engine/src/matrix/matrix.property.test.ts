// Random clusters: the bitset matrix (port classes, pod classes, shared columns) must give exactly what the explainable
// evaluator gives, cell by cell, on the default columns and on explicit ports with outside addresses.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Protocol } from '../model/types.js';
import { evaluate } from '../eval/evaluate.js';
import { defaultColumns, type MatrixColumn } from './columns.js';
import { computeMatrix } from './matrix.js';
import { matrixVsEvaluate } from '../conformance/__fixtures__/harness.js';
import { build, clusterArb, explicitArb, largeClusterArb, PORTS, PROTOS } from '../conformance/__fixtures__/random-cluster.js';

/** The default column that stands for `port/protocol`: an exact or range column of the protocol, else a `*` column. */
function columnFor(cols: readonly MatrixColumn[], port: number, protocol: Protocol): MatrixColumn | undefined {
  for (const c of cols) {
    if (c.protocol !== protocol) continue;
    const m = /^(\d+)(?:-(\d+))?\//.exec(c.label);
    if (m && port >= Number(m[1]) && port <= Number(m[2] ?? m[1])) return c;
  }
  return cols.find((c) => c.label === `*/${protocol}`) ?? cols.find((c) => c.label === '*');
}

describe('computeMatrix agrees with evaluate on random clusters', () => {
  it('default columns', () => {
    fc.assert(
      fc.property(clusterArb, (input) => {
        expect(matrixVsEvaluate(build(input))).toEqual([]);
      }),
      { seed: 20261122, numRuns: 150 },
    );
  });

  it('explicit ports and outside addresses', () => {
    fc.assert(
      fc.property(clusterArb, explicitArb, (input, opts) => {
        expect(matrixVsEvaluate(build(input), opts)).toEqual([]);
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('large clusters (multi-word bitsets), default columns and explicit ports with outside addresses', () => {
    fc.assert(
      fc.property(largeClusterArb, explicitArb, (input, opts) => {
        const cluster = build(input);
        expect(computeMatrix(cluster, opts).stats.classes).toBeGreaterThan(32);
        expect(matrixVsEvaluate(cluster, {}, 5)).toEqual([]);
        expect(matrixVsEvaluate(cluster, opts, 5)).toEqual([]);
      }),
      { seed: 31337, numRuns: 6 },
    );
  });

  it('every port gets the verdicts of the default column that stands for it', () => {
    fc.assert(
      fc.property(clusterArb, fc.integer({ min: 1, max: 65535 }), fc.constantFrom(...PROTOS), fc.constantFrom(...PORTS, 8081, 1, 65535), fc.boolean(), (input, any, protocol, known, pickKnown) => {
        const cluster = build(input);
        const port = pickKnown ? known : any;
        const col = columnFor(defaultColumns(cluster), port, protocol);
        expect(col, `no column stands for ${port}/${protocol}`).toBeDefined();
        const bad: string[] = [];
        for (const from of cluster.pods) {
          for (const to of cluster.pods) {
            const at = (p: number, pr: Protocol) => evaluate(cluster, { from: { kind: 'pod', pod: from }, to: { kind: 'pod', pod: to }, port: p, protocol: pr }).allowed;
            if (at(port, protocol) !== at(col!.port, col!.protocol)) bad.push(`${from.name}->${to.name} ${port}/${protocol} vs column ${col!.label}`);
          }
        }
        expect(bad).toEqual([]);
      }),
      { seed: 99, numRuns: 250 },
    );
  });
});
