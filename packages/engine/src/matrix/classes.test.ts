// Matrix classes are keyed by what the policies can observe, not by identical labels: pods that differ only in a label
// (or a value, or a port name) no selector or rule names share a class, and the verdicts stay those of evaluate.
import { describe, expect, it } from 'vitest';
import { clusterOf, matrixVsEvaluate, namespaceObject, podObject } from '../conformance/__fixtures__/harness.js';
import { computeMatrix } from './matrix.js';

const policy = (namespace: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });

/** Three StatefulSet pods of one app, each with its own pod-name label, and a second app. */
const pods = (extra: (i: number) => Record<string, string> = () => ({})) => [
  ...[0, 1, 2].map((i) =>
    podObject({
      namespace: 'db',
      name: `pg-${i}`,
      labels: { app: 'pg', 'statefulset.kubernetes.io/pod-name': `pg-${i}`, 'controller-revision-hash': 'pg-7d9f', ...extra(i) },
      ips: [`10.0.0.${10 + i}`],
      containerPorts: [{ name: 'postgres', port: 5432 }, { name: i === 2 ? 'metrics-b' : 'metrics', port: 9187 }],
    }),
  ),
  podObject({ namespace: 'db', name: 'web-a', labels: { app: 'web', 'pod-template-hash': 'aaaa' }, ips: ['10.0.1.1'] }),
  podObject({ namespace: 'db', name: 'web-b', labels: { app: 'web', 'pod-template-hash': 'bbbb' }, ips: ['10.0.1.2'] }),
];
const denyAll = policy('db', 'deny', { podSelector: {}, policyTypes: ['Ingress'] });
const allowWeb = policy('db', 'allow-web', { podSelector: { matchLabels: { app: 'pg' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 'postgres' }] }] });

function classesOf(objects: unknown[]): { classes: number; mismatches: string[] } {
  const cluster = clusterOf([namespaceObject('db'), ...objects]);
  return { classes: computeMatrix(cluster).stats.classes, mismatches: matrixVsEvaluate(cluster) };
}

describe('matrix classes: pods no policy can tell apart', () => {
  it('labels no selector names (pod-name, pod-template-hash, revision hash) and unused port names split nothing', () => {
    expect(classesOf([...pods(), denyAll, allowWeb])).toEqual({ classes: 2, mismatches: [] });
  });

  it('a selector that names one pod-name value splits that pod off, and only that one', () => {
    const primary = policy('db', 'primary', { podSelector: { matchLabels: { 'statefulset.kubernetes.io/pod-name': 'pg-0' } }, policyTypes: ['Egress'] });
    expect(classesOf([...pods(), denyAll, allowWeb, primary])).toEqual({ classes: 3, mismatches: [] });
  });

  it('Exists and DoesNotExist observe presence, not values', () => {
    const canary = policy('db', 'no-canary', { podSelector: { matchExpressions: [{ key: 'canary', operator: 'DoesNotExist' }] }, policyTypes: ['Egress'] });
    // pg-1 and pg-2 carry canary with different values: one class for both, another for pg-0 without it.
    const withCanary = pods((i): Record<string, string> => (i === 0 ? {} : { canary: `build-${i}` }));
    expect(classesOf([...withCanary, denyAll, allowWeb, canary])).toEqual({ classes: 3, mismatches: [] });
    // Without a selector naming app, pg-0 and the web pods look alike to every policy.
    expect(classesOf([...withCanary, denyAll, canary])).toEqual({ classes: 2, mismatches: [] });
  });

  it('a port name a rule uses splits pods that serve it differently', () => {
    const metrics = policy('db', 'metrics', { podSelector: {}, ingress: [{ ports: [{ port: 'metrics' }] }] });
    // pg-2 names its port metrics-b: it leaves pg-0 and pg-1.
    expect(classesOf([...pods(), denyAll, allowWeb, metrics])).toEqual({ classes: 3, mismatches: [] });
  });

  it('ipBlocks of rules that take effect split by membership; those of a direction the policy does not isolate do not', () => {
    const block = (types: string[]) => policy('db', `block-${types.join('-').toLowerCase()}`, { podSelector: { matchLabels: { app: 'web' } }, policyTypes: types, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.10/32' } }] }] });
    // Ingress-only: its egress rule is ignored, so pg-0's address means nothing.
    expect(classesOf([...pods(), denyAll, block(['Ingress'])])).toEqual({ classes: 2, mismatches: [] });
    expect(classesOf([...pods(), denyAll, block(['Egress'])])).toEqual({ classes: 3, mismatches: [] });
  });
});

describe('labels and port names only a cluster policy names', () => {
  const cnp = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name }, spec });
  const shop = [
    podObject({ namespace: 'db', name: 'p1', labels: { app: 'x', role: 'r1' }, ips: ['10.0.0.1'], containerPorts: [{ name: 'admin', port: 9000 }] }),
    podObject({ namespace: 'db', name: 'p2', labels: { app: 'x', role: 'r2' }, ips: ['10.0.0.2'], containerPorts: [{ name: 'web', port: 9000 }] }),
    podObject({ namespace: 'db', name: 'client', labels: { app: 'client' }, ips: ['10.0.0.3'] }),
  ];
  // No NetworkPolicy names `role` or the port `admin`: only the cluster policy tells p1 from p2.
  it.each([
    ['a subject podSelector', cnp('deny-r1', { tier: 'Admin', priority: 10, subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { role: 'r1' } } } }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] })],
    ['a peer podSelector', cnp('deny-from-r1', { tier: 'Admin', priority: 10, subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ pods: { namespaceSelector: {}, podSelector: { matchLabels: { role: 'r1' } } } }] }] })],
    ['a destinationNamedPort', cnp('deny-admin', { tier: 'Admin', priority: 10, subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }], protocols: [{ destinationNamedPort: 'admin' }] }] })],
  ])('%s splits the classes, and the matrix equals evaluate', (_what, policy) => {
    const r = classesOf([...shop, policy]);
    expect(r.mismatches).toEqual([]);
    expect(r.classes).toBeGreaterThanOrEqual(2);
  });
});
