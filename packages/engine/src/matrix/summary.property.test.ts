// summarizePods folds the matrix per pod: isolation from the policies that select it, and peers on any port. It must
// equal a count made cell by cell from computeMatrix, which itself is checked against evaluate.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isolatingPolicies } from '../eval/evaluate.js';
import type { Cluster } from '../model/types.js';
import { computeMatrix, summarizePods, type MatrixOptions, type PodReachability } from './matrix.js';
import { build, clusterArb, explicitArb, largeClusterArb } from '../conformance/__fixtures__/random-cluster.js';

function bruteForce(cluster: Cluster, options: MatrixOptions = {}): PodReachability[] {
  const m = computeMatrix(cluster, options);
  const n = m.endpoints.length;
  const any = (i: number, j: number) => m.columns.some((_, c) => m.allowed(c, i, j) === true);
  return cluster.pods.map((pod, i) => {
    let canReach = 0;
    let reachableFrom = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      if (any(i, j)) canReach++;
      if (any(j, i)) reachableFrom++;
    }
    const ing = isolatingPolicies(cluster, pod, 'ingress').map((p) => p.id);
    const eg = isolatingPolicies(cluster, pod, 'egress').map((p) => p.id);
    return {
      pod: `${pod.namespace}/${pod.name}`,
      ingress: { isolated: ing.length > 0, policies: ing },
      egress: { isolated: eg.length > 0, policies: eg },
      canReach,
      reachableFrom,
    };
  });
}

const sorted = (rs: PodReachability[]) => rs.map((r) => ({ ...r, ingress: { ...r.ingress, policies: [...r.ingress.policies].sort() }, egress: { ...r.egress, policies: [...r.egress.policies].sort() } }));

describe('summarizePods equals the matrix counted cell by cell', () => {
  it('on random clusters', () => {
    fc.assert(
      fc.property(clusterArb, (input) => {
        const cluster = build(input);
        expect(sorted(summarizePods(cluster))).toEqual(sorted(bruteForce(cluster)));
      }),
      { seed: 99, numRuns: 150 },
    );
  });

  it('with explicit ports and outside addresses', () => {
    fc.assert(
      fc.property(clusterArb, explicitArb, (input, opts) => {
        const cluster = build(input);
        expect(sorted(summarizePods(cluster, opts))).toEqual(sorted(bruteForce(cluster, opts)));
      }),
      { seed: 5, numRuns: 100 },
    );
  });

  it('on large clusters (rows of many words)', () => {
    fc.assert(
      fc.property(largeClusterArb, (input) => {
        const cluster = build(input);
        expect(sorted(summarizePods(cluster))).toEqual(sorted(bruteForce(cluster)));
      }),
      { seed: 3, numRuns: 4 },
    );
  });
});
