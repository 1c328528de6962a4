import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCluster, clusterModel, loadSource, type Cluster, type LabelSelector, type Labels, type Pod } from '@kordon/engine';
import { build, clusterArb, PORTS, PROTOS } from '../conformance/__fixtures__/random-cluster.js';

const build1 = (text: string): Cluster => buildCluster(loadSource({ name: 'c.yaml', text }).objects).cluster;

// A second, plain reading of the API text (not the model's code): a selector peer picks non-hostNetwork pods of the
// policy's namespace (no namespaceSelector) or of the namespaces whose labels match, then those the podSelector matches.
function plainMatches(sel: LabelSelector, labels: Labels): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels)) if (labels[k] !== v) return false;
  return sel.matchExpressions.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    if (r.operator === 'Exists') return has;
    if (r.operator === 'DoesNotExist') return !has;
    const inValues = has && r.values.includes(labels[r.key]!);
    return r.operator === 'In' ? inValues : !inValues;
  });
}

describe('clusterModel: who a peer selects, decided once', () => {
  it('on random clusters, peerPods is the plain reading, peerSelectsPod agrees, and equal keys select equal pods', () => {
    fc.assert(
      fc.property(clusterArb, (input) => {
        const cluster = build(input);
        const model = clusterModel(cluster);
        const nsLabels = new Map(cluster.namespaces.map((n) => [n.name, n.labels]));
        const byKey = new Map<string, string[]>();
        for (const policy of cluster.policies) {
          expect(model.selectedPods(policy).map((p) => p.name)).toEqual(
            cluster.pods.filter((p) => !p.hostNetwork && p.namespace === policy.namespace && plainMatches(policy.podSelector, p.labels)).map((p) => p.name),
          );
          for (const rule of [...policy.ingress, ...policy.egress]) {
            for (const peer of rule.peers ?? []) {
              const want =
                peer.kind === 'ipBlock'
                  ? []
                  : cluster.pods.filter(
                      (p) =>
                        !p.hostNetwork &&
                        (peer.namespaceSelector === null ? p.namespace === policy.namespace : plainMatches(peer.namespaceSelector, nsLabels.get(p.namespace)!)) &&
                        (peer.podSelector === null || plainMatches(peer.podSelector, p.labels)),
                    );
              const got = model.peerPods(policy, peer);
              expect(got.map((p) => `${p.namespace}/${p.name}`)).toEqual(want.map((p) => `${p.namespace}/${p.name}`));
              expect(cluster.pods.filter((p) => model.peerSelectsPod(policy, peer, p))).toEqual([...got]);
              const ids = got.map((p) => `${p.namespace}/${p.name}`);
              const k = model.peerKey(policy, peer);
              if (peer.kind !== 'ipBlock') {
                if (byKey.has(k)) expect(ids).toEqual(byKey.get(k));
                else byKey.set(k, ids);
              }
            }
          }
        }
      }),
      { seed: 913, numRuns: 100 },
    );
  });

  it('on random clusters, a named port toward any pod admits exactly the numbers some pod gives that name', () => {
    fc.assert(
      fc.property(clusterArb, fc.constantFrom('http', 'dns', 'metrics'), fc.constantFrom(...PROTOS), fc.constantFrom(...PORTS), (input, name, protocol, port) => {
        const cluster = build(input);
        const model = clusterModel(cluster);
        const spec = { index: 0, protocol, port: name, endPort: null };
        const some = cluster.pods.some((p: Pod) => p.containerPorts.some((c) => c.name === name && c.protocol === protocol && c.port === port));
        expect(model.portAdmits(spec, port, protocol, 'any-pod')).toBe(some);
        expect(model.portAdmits(spec, port, protocol, 'outside')).toBe(false);
        for (const p of cluster.pods) expect(model.portAdmits(spec, port, protocol, p)).toBe(p.containerPorts.some((c) => c.name === name && c.protocol === protocol && c.port === port));
      }),
      { seed: 77, numRuns: 100 },
    );
  });

  it('a namespace named only by a policy carries its name label, and namespaceSelectors see it', () => {
    const cluster = build1(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: p, namespace: lonely }
spec: { podSelector: {} }
---
apiVersion: v1
kind: Namespace
metadata: { name: team, labels: { tier: web } }
`);
    const model = clusterModel(cluster);
    expect(model.namespaceLabels('lonely')).toEqual({ 'kubernetes.io/metadata.name': 'lonely' });
    expect(model.namespaceLabels('never-named')).toEqual({ 'kubernetes.io/metadata.name': 'never-named' });
    expect(model.namespacesMatching({ matchLabels: { 'kubernetes.io/metadata.name': 'lonely' }, matchExpressions: [] })).toEqual(['lonely']);
    expect(model.namespacesMatching({ matchLabels: {}, matchExpressions: [] })).toEqual(['lonely', 'team']);
    expect(model.namespacesMatching({ matchLabels: { tier: 'web' }, matchExpressions: [] })).toEqual(['team']);
    expect(clusterModel(cluster)).toBe(model);
  });
});
