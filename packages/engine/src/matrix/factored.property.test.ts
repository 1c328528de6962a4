// The factored count (countsOnly: pairs summed per egress role × ingress role, factored.ts) against the cells of the
// class matrix and against the plain reference evaluator, on random clusters with and without cluster policies:
// named ports, ipBlocks over pod addresses, self pairs, host-network pods and their own node, outside addresses.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../model/types.js';
import { computeMatrix, type MatrixOptions } from './matrix.js';
import { FactoredCounts } from './factored.js';
import { clusterOf, namespaceObject, podObject } from '../conformance/__fixtures__/harness.js';
import { build, buildTiered, clusterArb, explicitArb, largeClusterArb, largeTieredClusterArb, manifestsOf, mediumClusterArb, mediumTieredClusterArb, tieredClusterArb, tieredManifestsOf, type ClusterInput } from '../conformance/__fixtures__/random-cluster.js';
import { reference, type Obj, type REnd } from '../conformance/__fixtures__/reference.js';

/** Per column: [factored count, cells of the class matrix, the reference's count]. */
function counts(cluster: Cluster, manifests: readonly Obj[], options: MatrixOptions = {}): Array<[string, number, number, number]> {
  const counted = computeMatrix(cluster, { ...options, countsOnly: true });
  const cells = computeMatrix(cluster, options);
  const ref = reference(manifests);
  const ends: REnd[] = [...ref.pods.map((pod) => ({ pod })), ...(options.ips ?? []).map((ip) => ({ ip }))];
  const n = cells.endpoints.length;
  return cells.columns.map((col, c) => {
    let fromCells = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (cells.allowed(c, i, j)) fromCells++;
    let fromRef = 0;
    for (const a of ends) for (const b of ends) if (!('ip' in a && 'ip' in b) && ref.allowed(a, b, col.port, col.protocol)) fromRef++;
    return [col.label, counted.allowedPairs(c), fromCells, fromRef];
  });
}

/** The columns where the three disagree. */
const disagreements = (rows: ReturnType<typeof counts>) => rows.filter(([, f, c, r]) => f !== c || f !== r);

describe('factored pair counts', () => {
  // Small clusters would otherwise be counted from class rows, which are cheaper there.
  beforeAll(() => {
    FactoredCounts.use = 'always';
  });
  afterAll(() => {
    FactoredCounts.use = 'auto';
  });

  it('equal the cells and the reference on random clusters (default columns, explicit ports with outside addresses)', () => {
    fc.assert(
      fc.property(clusterArb, explicitArb, (input, opts) => {
        const cluster = build(input);
        const objs = manifestsOf(input) as Obj[];
        expect(disagreements(counts(cluster, objs))).toEqual([]);
        expect(disagreements(counts(cluster, objs, opts))).toEqual([]);
      }),
      { seed: 1212, numRuns: 150 },
    );
  });

  it('with cluster policies of both tiers', () => {
    fc.assert(
      fc.property(tieredClusterArb, explicitArb, (input, opts) => {
        const cluster = buildTiered(input);
        const objs = tieredManifestsOf(input) as Obj[];
        expect(disagreements(counts(cluster, objs))).toEqual([]);
        expect(disagreements(counts(cluster, objs, opts))).toEqual([]);
      }),
      { seed: 1213, numRuns: 120 },
    );
  });

  it('with cluster policies only (no NetworkPolicy)', () => {
    fc.assert(
      fc.property(tieredClusterArb, explicitArb, (input, opts) => {
        const stripped = { ...input, base: { ...input.base, policies: [] } };
        expect(disagreements(counts(buildTiered(stripped), tieredManifestsOf(stripped) as Obj[], opts))).toEqual([]);
      }),
      { seed: 1214, numRuns: 80 },
    );
  });

  // Host-network pods on shared nodes: every pod and its own node reach each other, and the roles cannot see that.
  it('with host-network pods sharing nodes with other pods', () => {
    const onNodes = (input: ClusterInput): ClusterInput => ({
      ...input,
      pods: input.pods.map((p, i) => (i % 3 === 0 ? { ...p, hostNetwork: true, hostIPKnown: true, nodeNameKnown: true, phase: 'Running' } : { ...p, nodeNameKnown: true, hostIPKnown: true })),
    });
    fc.assert(
      fc.property(clusterArb, explicitArb, (input, opts) => {
        const shaped = onNodes(input);
        expect(disagreements(counts(build(shaped), manifestsOf(shaped) as Obj[], opts))).toEqual([]);
      }),
      { seed: 1215, numRuns: 100 },
    );
  });

  // Enough pods per namespace that roles interleave: the classes are numbered by role (numbering.property.test.ts).
  it('on clusters whose classes are renumbered by role', () => {
    fc.assert(
      fc.property(mediumClusterArb, explicitArb, (input, opts) => {
        const cluster = build(input);
        const objs = manifestsOf(input) as Obj[];
        expect(disagreements(counts(cluster, objs))).toEqual([]);
        expect(disagreements(counts(cluster, objs, opts))).toEqual([]);
      }),
      { seed: 1219, numRuns: 60 },
    );
    fc.assert(
      fc.property(mediumTieredClusterArb, (input) => {
        expect(disagreements(counts(buildTiered(input), tieredManifestsOf(input) as Obj[]))).toEqual([]);
      }),
      { seed: 1222, numRuns: 40 },
    );
  }, 240_000);

  it('on large clusters (rows and runs of many words)', () => {
    fc.assert(
      fc.property(largeClusterArb, (input) => {
        expect(disagreements(counts(build(input), manifestsOf(input) as Obj[]))).toEqual([]);
      }),
      { seed: 1216, numRuns: 3 },
    );
    fc.assert(
      fc.property(largeTieredClusterArb, (input) => {
        expect(disagreements(counts(buildTiered(input), tieredManifestsOf(input) as Obj[]))).toEqual([]);
      }),
      { seed: 1217, numRuns: 3 },
    );
  }, 240_000);

  // One written-out case, so that a reader sees every correction at work: a pod's own /32 in an ipBlock, a named port,
  // a host-network pod and the pods on its node, an outside address that is the node's.
  it('a cluster with every correction', () => {
    const objs: Obj[] = [
      namespaceObject('web', { team: 'a' }),
      namespaceObject('db', { team: 'b' }),
      podObject({ namespace: 'web', name: 'front', labels: { app: 'front' }, ips: ['10.0.0.1'], nodeName: 'n1', hostIP: '192.168.0.1', containerPorts: [{ name: 'http', port: 8080 }] }),
      podObject({ namespace: 'web', name: 'front2', labels: { app: 'front' }, ips: ['10.0.0.2'], nodeName: 'n2', hostIP: '192.168.0.2', containerPorts: [{ name: 'http', port: 9090 }] }),
      podObject({ namespace: 'db', name: 'pg', labels: { app: 'pg' }, ips: ['10.0.1.1'], nodeName: 'n1', hostIP: '192.168.0.1', containerPorts: [{ port: 5432 }] }),
      podObject({ namespace: 'db', name: 'agent', labels: { app: 'agent' }, hostNetwork: true, ips: ['192.168.0.1'], nodeName: 'n1', hostIP: '192.168.0.1' }),
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'pg', namespace: 'db' },
        spec: { podSelector: { matchLabels: { app: 'pg' } }, policyTypes: ['Ingress', 'Egress'], ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [{ port: 5432 }] }] },
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'front', namespace: 'web' },
        spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'b' } } }], ports: [{ port: 'http' }] }] },
      },
    ];
    const rows = counts(clusterOf(objs), objs, { ips: ['192.168.0.1', '8.8.8.8'] });
    expect(disagreements(rows)).toEqual([]);
    // pg admits only front's /32 on 5432 and sends nothing but to its own node; the agent shares pg's and front's node.
    expect(rows.find(([label]) => label === '5432/TCP')?.[1]).toBeGreaterThan(0);
  });
});

describe('choosing between roles and class rows', () => {
  it('gives the same counts either way', () => {
    fc.assert(
      fc.property(tieredClusterArb, explicitArb, (input, opts) => {
        const cluster = buildTiered(input);
        const auto = computeMatrix(cluster, { ...opts, countsOnly: true });
        const pairs = auto.columns.map((_, c) => auto.allowedPairs(c));
        FactoredCounts.use = 'always';
        try {
          const forced = computeMatrix(cluster, { ...opts, countsOnly: true });
          expect(forced.columns.map((_, c) => forced.allowedPairs(c))).toEqual(pairs);
        } finally {
          FactoredCounts.use = 'auto';
        }
      }),
      { seed: 1218, numRuns: 60 },
    );
  });
});
