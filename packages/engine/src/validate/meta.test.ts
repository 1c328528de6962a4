import { describe, expect, test } from 'vitest';
import { found, validateText, type Found } from './__fixtures__/run.js';

const e = (code: string, path: string, line: number, column: number): Found => ({ code, severity: 'error', path, line, column });

describe('metadata.generateName', () => {
  const policy = (meta: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n${meta}spec: {podSelector: {}}\n`;

  test('with generateName and no name, the message is about kubectl apply, never "name or generateName is required"', () => {
    const d = validateText(policy('  generateName: p-\n  namespace: d\n'));
    expect(d.map((x) => [x.code, x.severity, x.path, x.line])).toEqual([['name-required', 'error', 'metadata.name', 3]]);
    expect(d[0]!.message).not.toContain('name or generateName is required');
    expect(d[0]!.message).toContain('"p-"');
  });

  test('neither name nor generateName: "name or generateName is required"', () => {
    const d = validateText(policy('  namespace: d\n'));
    expect(d.map((x) => x.message)).toEqual(['Required value: name or generateName is required']);
  });
});

describe('metadata.ownerReferences, as the API server validates them', () => {
  const pod = (refs: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: d\n  ownerReferences:\n${refs}spec:\n  containers: [{name: c, image: x}]\n`;
  const full = '  - {apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: 5f1c, controller: true}\n';

  test('a complete reference is valid', () => {
    expect(found(pod(full))).toEqual([]);
  });

  test.each<[string, string, Found[]]>([
    ['no apiVersion', '  - {kind: ReplicaSet, name: web-1, uid: 5f1c}\n', [e('owner-reference-invalid', 'metadata.ownerReferences[0].apiVersion', 7, 5)]],
    ['an apiVersion without a version', '  - {apiVersion: apps/, kind: ReplicaSet, name: web-1, uid: 5f1c}\n', [e('owner-reference-invalid', 'metadata.ownerReferences[0].apiVersion', 7, 6)]],
    ['no kind', '  - {apiVersion: apps/v1, name: web-1, uid: 5f1c}\n', [e('owner-reference-invalid', 'metadata.ownerReferences[0].kind', 7, 5)]],
    ['no name', '  - {apiVersion: apps/v1, kind: ReplicaSet, uid: 5f1c}\n', [e('owner-reference-invalid', 'metadata.ownerReferences[0].name', 7, 5)]],
    ['an empty uid', `${full}  - {apiVersion: apps/v1, kind: ReplicaSet, name: web-2, uid: ""}\n`, [e('owner-reference-invalid', 'metadata.ownerReferences[1].uid', 8, 58)]],
    ['an Event as owner', '  - {apiVersion: v1, kind: Event, name: e, uid: 5f1c}\n', [e('owner-reference-invalid', 'metadata.ownerReferences[0]', 7, 5)]],
    ['two controllers', `${full}${full.replace('web-1', 'web-2')}`, [e('owner-reference-invalid', 'metadata.ownerReferences', 6, 3)]],
  ])('%s is rejected', (_name, refs, want) => {
    expect(found(pod(refs))).toEqual(want);
  });

  test('a workload and a NetworkPolicy are checked too', () => {
    const deploy = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: d\n  ownerReferences: [{kind: X, name: owner, uid: z}]\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: x}]}\n';
    expect(found(deploy).map((f) => f.path)).toEqual(['metadata.ownerReferences[0].apiVersion']);
    const policy = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\n  namespace: d\n  ownerReferences: [{apiVersion: v1, kind: X, uid: z}]\nspec: {podSelector: {}}\n';
    expect(found(policy).map((f) => f.path)).toEqual(['metadata.ownerReferences[0].name']);
  });
});

describe('an incomplete owner reference changes nothing about the network', () => {
  test('the pod is reported and still evaluated', async () => {
    const { buildCluster } = await import('../model/build.js');
    const { loadSource } = await import('../load/load.js');
    const { objects } = loadSource({ name: 'p.yaml', text: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: d\n  ownerReferences: [{kind: ReplicaSet, name: web-1}]\nspec: {containers: [{name: c, image: x}]}\n' });
    const r = buildCluster(objects);
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toEqual(['owner-reference-invalid', 'owner-reference-invalid']);
    expect(r.cluster.pods.map((p) => p.name)).toEqual(['web']);
  });
});
