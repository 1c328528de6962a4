import { describe, expect, it } from 'vitest';
import { BuildCache, buildCluster, evaluate, loadSource } from '@kordon/engine';

const build = (text: string) => buildCluster(loadSource({ name: 'c.yaml', text }).objects);

describe('buildCluster reads values as kubectl sends them', () => {
  it('reads a plain 0777 port as octal 511, as YAML 1.1 does', () => {
    const { cluster } = build(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: p, namespace: a }
spec:
  podSelector: {}
  ingress:
    - ports: [{ port: 0777 }]
`);
    expect(cluster.policies[0]!.ingress[0]!.ports![0]!.port).toBe(511);
  });

  it('reads hostNetwork: yes as true, so policies do not select the pod', () => {
    const { cluster } = build(`
apiVersion: v1
kind: Pod
metadata: { name: h, namespace: a }
spec: { hostNetwork: yes, containers: [{ name: c, image: x }] }
status: { podIP: 172.18.0.2, hostIP: 172.18.0.2, phase: Running }
---
apiVersion: v1
kind: Pod
metadata: { name: p, namespace: a }
spec: { containers: [{ name: c, image: x }] }
status: { podIP: 10.0.0.2, phase: Running }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: deny, namespace: a }
spec: { podSelector: {} }
`);
    const h = cluster.pods.find((p) => p.name === 'h')!;
    const p = cluster.pods.find((q) => q.name === 'p')!;
    expect(h.hostNetwork).toBe(true);
    // p is isolated for ingress with no rule; h is not selected, so it accepts p.
    expect(evaluate(cluster, { from: { kind: 'pod', pod: p }, to: { kind: 'pod', pod: h }, port: 80, protocol: 'TCP' }).allowed).toBe(true);
    expect(evaluate(cluster, { from: { kind: 'pod', pod: h }, to: { kind: 'pod', pod: p }, port: 80, protocol: 'TCP' }).allowed).toBe(false);
  });

  it('skips a NetworkPolicy of another API group (Calico) with a note', () => {
    const { cluster, diagnostics } = build(`
apiVersion: crd.projectcalico.org/v1
kind: NetworkPolicy
metadata: { name: calico, namespace: a }
spec: { selector: all() }
`);
    expect(cluster.policies).toHaveLength(0);
    expect(diagnostics).toMatchObject([{ code: 'kind-skipped', severity: 'info', line: 2 }]);
  });
});

describe('buildCluster on the same objects again', () => {
  it('reports the same diagnostics and builds the same model (validation is remembered per object)', () => {
    const { objects } = loadSource({
      name: 'c.yaml',
      text: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: bad, namespace: a }
spec: { podSelector: {}, policyTypes: [Sideways] }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: good, namespace: a }
spec: { podSelector: {} }
`,
    });
    const cache = new BuildCache();
    const first = buildCluster(objects, { cache });
    const second = buildCluster(objects, { cache });
    expect(second.diagnostics).toEqual(first.diagnostics);
    expect(first.diagnostics.filter((d) => d.severity === 'error')).toHaveLength(1);
    expect(second.cluster.policies.map((p) => p.id)).toEqual(['a/good']);
    expect(second.cluster.rejectedPolicies.map((r) => r.name)).toEqual(['bad']);
    expect(buildCluster(objects).diagnostics).toEqual(first.diagnostics);
  });

  it('with a cache, hands back the very same pod and policy models for unchanged objects; without, new ones', () => {
    const text = `
apiVersion: v1
kind: Pod
metadata: { name: web-7d9f-x, namespace: a, labels: {pod-template-hash: 7d9f}, ownerReferences: [{kind: ReplicaSet, name: web-7d9f, controller: true}] }
spec: { containers: [{name: c, image: i}] }
---
apiVersion: v1
kind: Pod
metadata: { name: solo, namespace: a }
spec: { containers: [{name: c, image: i}] }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: p, namespace: a }
spec: { podSelector: {} }
`;
    const { objects } = loadSource({ name: 'c.yaml', text });
    const cache = new BuildCache();
    const a = buildCluster(objects, { cache }).cluster;
    const b = buildCluster(objects, { cache }).cluster;
    expect(b.pods).toHaveLength(2);
    b.pods.forEach((p, i) => expect(p).toBe(a.pods[i]));
    expect(b.policies[0]).toBe(a.policies[0]);
    // The owner is resolved through the pod-template-hash, on a copy kept with the model.
    expect(b.pods.find((p) => p.name === 'web-7d9f-x')?.owner).toEqual({ kind: 'Deployment', name: 'web' });
    const c = buildCluster(objects).cluster;
    expect(c.pods[0]).not.toBe(a.pods[0]);
    expect(c.pods).toEqual(a.pods);
    // A changed object gets a new model; the others keep theirs.
    const again = loadSource({ name: 'c.yaml', text: text.replace('name: solo', 'name: solo2') }).objects;
    const d = buildCluster([objects[0]!, again[1]!, objects[2]!], { cache }).cluster;
    expect(d.pods.find((p) => p.name === 'web-7d9f-x')).toBe(a.pods.find((p) => p.name === 'web-7d9f-x'));
    expect(d.pods.map((p) => p.name)).toContain('solo2');
  });
});
