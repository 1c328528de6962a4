import { buildCluster, loadSources } from '@kordon/engine';
import { describe, expect, it } from 'vitest';
import { trimObject } from './trim.js';

// What the cluster reader keeps of a NetworkPolicy's policyTypes, against what the API server stores.

type Obj = Record<string, unknown>;
const applied = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'a' }, spec: { podSelector: {}, egress: [{}] } };
/** As kube-apiserver stores `applied` after `kubectl apply`, with spec.policyTypes as given (kubectl edit keeps the annotation). */
const stored = (policyTypes: string[]): Obj => ({
  ...applied,
  metadata: { ...applied.metadata, resourceVersion: '7', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(applied) } },
  spec: { ...applied.spec, policyTypes },
});
const policyOf = (o: Obj) => buildCluster(loadSources([{ name: 'p.json', text: JSON.stringify(o) }]).objects).cluster.policies[0]!;

describe('trimObject: NetworkPolicy policyTypes', () => {
  it("drops the policyTypes the server filled in when kubectl applied none: the engine knows they were inferred", () => {
    const t = trimObject('NetworkPolicy', 'networking.k8s.io/v1', stored(['Ingress', 'Egress']));
    expect((t['spec'] as Obj)['policyTypes']).toBeUndefined();
    expect(policyOf(t).policyTypesDefaulted).toBe(true);
  });

  it('keeps policyTypes set after the apply (kubectl edit, patch): they are not the default, and decide isolation', () => {
    const t = trimObject('NetworkPolicy', 'networking.k8s.io/v1', stored(['Egress']));
    expect((t['spec'] as Obj)['policyTypes']).toEqual(['Egress']);
    const p = policyOf(t);
    expect([p.ingressIsolation, p.egressIsolation]).toEqual([false, true]);
  });
});
