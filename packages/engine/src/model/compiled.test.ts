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

  it('podsMatching and servicePods: the pods a selector or a Service picks, hostNetwork ones only when asked', () => {
    const cluster = build1(`
apiVersion: v1
kind: Pod
metadata: { name: web-1, namespace: shop, labels: { app: web } }
status: { podIP: 10.0.0.1, conditions: [{ type: Ready, status: "True" }] }
---
apiVersion: v1
kind: Pod
metadata: { name: web-2, namespace: shop, labels: { app: web, canary: "yes" } }
status: { podIP: 10.0.0.2 }
---
apiVersion: v1
kind: Pod
metadata: { name: agent, namespace: shop, labels: { app: web } }
spec: { hostNetwork: true }
status: { podIP: 192.168.1.5, hostIP: 192.168.1.5 }
---
apiVersion: v1
kind: Pod
metadata: { name: web-3, namespace: other, labels: { app: web } }
status: { podIP: 10.0.1.3 }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { selector: { app: web }, ports: [{ port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: canary, namespace: shop }
spec: { selector: { app: web, canary: "yes" }, ports: [{ port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: manual, namespace: shop }
spec: { ports: [{ port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: everything, namespace: shop }
spec: { selector: {}, ports: [{ port: 80 }] }
`);
    const model = clusterModel(cluster);
    const names = (pods: readonly Pod[]) => pods.map((p) => `${p.namespace}/${p.name}`);
    const web: LabelSelector = { matchLabels: { app: 'web' }, matchExpressions: [] };
    expect(names(model.podsMatching(['shop', 'other'], web))).toEqual(['other/web-3', 'shop/web-1', 'shop/web-2']);
    expect(names(model.podsMatching(['shop'], web, { hostNetwork: true }))).toEqual(['shop/agent', 'shop/web-1', 'shop/web-2']);
    expect(names(model.podsMatching(['shop', 'other'], null, { limit: 1 }))).toHaveLength(1);
    expect(names(model.podsMatching(['shop'], { matchLabels: {}, matchExpressions: [{ key: 'canary', operator: 'DoesNotExist', values: [] }] }))).toEqual(['shop/web-1']);
    const svc = (name: string) => cluster.services.find((s) => s.name === name)!;
    // A Service picks hostNetwork pods and pods that are not ready; no selector or an empty one picks none.
    expect(names(model.servicePods(svc('web')))).toEqual(['shop/agent', 'shop/web-1', 'shop/web-2']);
    expect(names(model.servicePods(svc('canary')))).toEqual(['shop/web-2']);
    expect(model.servicePods(svc('manual'))).toEqual([]);
    expect(model.servicePods(svc('everything'))).toEqual([]);
  });
});
