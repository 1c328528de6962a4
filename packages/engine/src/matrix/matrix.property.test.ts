// Random clusters: the bitset matrix (port classes, pod classes, shared columns) must give exactly what the explainable
// evaluator gives, cell by cell, on the default columns and on explicit ports with outside addresses.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Cluster, Protocol } from '../model/types.js';
import { evaluate } from '../eval/evaluate.js';
import { defaultColumns, type MatrixColumn } from './columns.js';
import { computeMatrix } from './matrix.js';
import { clusterOf, matrixVsEvaluate, namespaceObject, podObject } from '../conformance/__fixtures__/harness.js';

const NAMESPACES = ['ns-a', 'ns-b', 'ns-c'];
const PROTOS: Protocol[] = ['TCP', 'UDP', 'SCTP'];
const PORT_NAMES = ['http', 'dns', 'metrics'];
const PORTS = [53, 80, 81, 443, 8080, 9000];
const POD_IPS = ['10.0.0.1', '10.0.0.2', '10.0.0.5', '10.0.0.9', '10.0.0.14', '10.0.1.1', 'fd00::1', 'fd00::a', 'fd00::1:1'];
const NODE_IPS = ['192.168.0.1', '192.168.0.2'];
const OUTSIDE_IPS = ['8.8.8.8', '10.0.0.3', '10.0.0.200', '192.168.0.77', '2001:db8::1', 'fd00::ff'];
const CIDRS: { cidr: string; subs: string[] }[] = [
  { cidr: '10.0.0.0/28', subs: ['10.0.0.0/30', '10.0.0.4/30', '10.0.0.8/29', '10.0.0.1/32', '10.0.0.9/32'] },
  { cidr: '10.0.0.0/16', subs: ['10.0.0.0/24', '10.0.1.0/24', '10.0.0.0/29'] },
  { cidr: '0.0.0.0/0', subs: ['10.0.0.0/8', '192.168.0.0/16', '10.0.0.2/32', '8.8.8.0/24'] },
  { cidr: '192.168.0.0/24', subs: ['192.168.0.1/32', '192.168.0.0/31'] },
  { cidr: 'fd00::/112', subs: ['fd00::/124', 'fd00::1/128', 'fd00::ff00/120'] },
  { cidr: '::/0', subs: ['fd00::/8', '2001:db8::/32'] },
];

const labelsArb = fc.dictionary(fc.constantFrom('app', 'tier', 'env'), fc.constantFrom('a', 'b', 'c'), { maxKeys: 3 });

/** Pods of the large clusters carry a unique `id` label, so that selectors can tell them apart one by one. */
const IDS = Array.from({ length: 80 }, (_, i) => `p${i}`);

const selectorArb = fc.record(
  {
    matchLabels: fc.dictionary(fc.constantFrom('app', 'tier', 'env', 'kubernetes.io/metadata.name'), fc.constantFrom('a', 'b', 'ns-a', 'ns-b'), { maxKeys: 2 }),
    matchExpressions: fc.array(
      fc.oneof(
        fc.record({ key: fc.constantFrom('app', 'tier', 'env'), operator: fc.constantFrom('In', 'NotIn'), values: fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 2 }) }),
        fc.record({ key: fc.constant('id'), operator: fc.constantFrom('In', 'NotIn'), values: fc.uniqueArray(fc.constantFrom(...IDS), { minLength: 1, maxLength: 30 }) }),
        fc.record({ key: fc.constantFrom('app', 'tier', 'env'), operator: fc.constantFrom('Exists', 'DoesNotExist') }),
      ),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);

const ipBlockArb = fc
  .constantFrom(...CIDRS)
  .chain((c) => fc.record({ cidr: fc.constant(c.cidr), except: fc.uniqueArray(fc.constantFrom(...c.subs), { maxLength: 2 }) }, { requiredKeys: ['cidr'] }));

const peerArb = fc.oneof(
  fc.record({ podSelector: selectorArb }),
  fc.record({ namespaceSelector: selectorArb }),
  fc.record({ podSelector: selectorArb, namespaceSelector: selectorArb }),
  fc.record({ ipBlock: ipBlockArb }),
);

const portArb = fc.oneof(
  fc.record({ protocol: fc.constantFrom(...PROTOS) }, { requiredKeys: [] }),
  fc.record({ protocol: fc.constantFrom(...PROTOS), port: fc.constantFrom(...PORTS) }, { requiredKeys: ['port'] }),
  fc.record({ protocol: fc.constantFrom(...PROTOS), port: fc.constantFrom(...PORT_NAMES) }, { requiredKeys: ['port'] }),
  fc
    .record({ protocol: fc.constantFrom(...PROTOS), port: fc.constantFrom(...PORTS), width: fc.integer({ min: 0, max: 600 }) })
    .map(({ protocol, port, width }) => ({ protocol, port, endPort: port + width })),
);

const ruleArb = (peerKey: 'from' | 'to') =>
  fc.record({ [peerKey]: fc.oneof(fc.constant([]), fc.array(peerArb, { minLength: 1, maxLength: 3 })), ports: fc.oneof(fc.constant([]), fc.array(portArb, { minLength: 1, maxLength: 2 })) }, { requiredKeys: [] });

const rulesArb = (peerKey: 'from' | 'to') => fc.option(fc.array(ruleArb(peerKey), { maxLength: 3 }), { nil: undefined });

const policyArb = fc.record({
  namespace: fc.constantFrom(...NAMESPACES),
  podSelector: selectorArb,
  policyTypes: fc.option(fc.constantFrom([], ['Ingress'], ['Egress'], ['Ingress', 'Egress'], ['Egress', 'Ingress']), { nil: undefined }),
  ingress: rulesArb('from'),
  egress: rulesArb('to'),
});

const containerPortArb = fc.record({ name: fc.option(fc.constantFrom(...PORT_NAMES), { nil: undefined }), port: fc.constantFrom(...PORTS, 8081), protocol: fc.constantFrom(...PROTOS) });

const podArb = fc.record({
  namespace: fc.constantFrom(...NAMESPACES, 'ns-undeclared'),
  labels: labelsArb,
  ips: fc.uniqueArray(fc.constantFrom(...POD_IPS), { maxLength: 2 }),
  hostNetwork: fc.boolean(),
  node: fc.integer({ min: 0, max: NODE_IPS.length - 1 }),
  // Some pods lack status.hostIP or spec.nodeName (as in real PodLists); a hostNetwork pod then may have no address.
  hostIPKnown: fc.boolean(),
  nodeNameKnown: fc.boolean(),
  uniqueId: fc.boolean(),
  containerPorts: fc.uniqueArray(containerPortArb, { maxLength: 3, selector: (c) => `${c.name ?? ''}` || `${c.port}/${c.protocol}` }),
});

const clusterArbOf = (minPods: number, maxPods: number, maxPolicies: number, allUnique = false) =>
  fc.record({
    namespaces: fc.uniqueArray(fc.record({ name: fc.constantFrom(...NAMESPACES), labels: labelsArb }), { maxLength: 3, selector: (n) => n.name }),
    pods: fc.array(allUnique ? podArb.map((p) => ({ ...p, uniqueId: true })) : podArb, { minLength: minPods, maxLength: maxPods }),
    policies: fc.array(policyArb, { maxLength: maxPolicies }),
  });
const clusterArb = clusterArbOf(1, 8, 4);
// More than 32 and 64 pod classes: the bitsets span several words.
const largeClusterArb = clusterArbOf(34, 42, 6, true);

type ClusterInput = typeof clusterArb extends fc.Arbitrary<infer T> ? T : never;

function build(input: ClusterInput): Cluster {
  const objects: unknown[] = input.namespaces.map((n) => namespaceObject(n.name, { ...n.labels }));
  input.pods.forEach((p, i) => {
    const nodeIP = NODE_IPS[p.node]!;
    objects.push(
      podObject({
        namespace: p.namespace,
        name: `p${i}`,
        labels: p.uniqueId ? { ...p.labels, id: `p${i}` } : { ...p.labels },
        // A hostNetwork pod carries its node's address (when the PodList says so).
        ips: p.hostNetwork ? (p.hostIPKnown ? [nodeIP] : []) : p.ips,
        hostNetwork: p.hostNetwork,
        ...(p.hostIPKnown ? { hostIP: nodeIP } : {}),
        ...(p.nodeNameKnown ? { nodeName: `node-${p.node}` } : {}),
        containerPorts: p.containerPorts.map((c) => ({ port: c.port, protocol: c.protocol, ...(c.name ? { name: c.name } : {}) })),
      }),
    );
  });
  input.policies.forEach((p, i) => {
    const spec: Record<string, unknown> = { podSelector: p.podSelector };
    if (p.policyTypes !== undefined) spec['policyTypes'] = p.policyTypes;
    if (p.ingress !== undefined) spec['ingress'] = p.ingress;
    if (p.egress !== undefined) spec['egress'] = p.egress;
    objects.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `pol-${i}`, namespace: p.namespace }, spec });
  });
  // Validation runs too: the generator writes only what the API server accepts.
  return clusterOf(objects);
}

const explicitArb = fc.record({
  ports: fc.array(fc.record({ port: fc.oneof(fc.constantFrom(...PORTS, 8081, 1), fc.integer({ min: 1, max: 65535 })), protocol: fc.constantFrom(...PROTOS) }), { minLength: 1, maxLength: 4 }),
  ips: fc.uniqueArray(fc.constantFrom(...OUTSIDE_IPS, ...NODE_IPS, ...POD_IPS), { maxLength: 3 }),
});

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
      { seed: 31337, numRuns: 8 },
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
