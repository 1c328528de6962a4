// ClusterNetworkPolicy guardrails beside the generated NetworkPolicies: on every scenario of examples/ they validate
// with the engine's validator, lint clean and leave the proof holding; and they do what they say: the Baseline tier
// closes a workload that arrives later (DNS excepted), the Admin tier keeps the system namespaces closed to the other
// namespaces but for the DNS and what was asked, whatever a NetworkPolicy says.
import { describe, expect, it } from 'vitest';
import { buildCluster, checkConnection, evaluate, loadSources } from '@kordon/engine';
import { parseAllDocuments } from 'yaml';
import { generatePolicies, parseExpectations, parseFlows } from '../index.js';
import { readExample, scenarioDirs, scenarioFiles } from '../__fixtures__/support.js';

describe('guardrails on every scenario of examples/', () => {
  for (const dir of scenarioDirs()) {
    it(dir, () => {
      const objects = loadSources(scenarioFiles(dir)).objects;
      const exp = parseExpectations(readExample(`${dir}/expect.yaml`));
      const r = generatePolicies({ objects, expectations: [exp], flows: [], options: { guardrails: ['admin', 'baseline'] } });
      expect(r.proof.validation).toEqual([]);
      expect(r.proof.lint.map((f) => `${f.rule}: ${f.message}`)).toEqual([]);
      expect(r.proof.expectations.failed).toBe(0);
      expect(r.proof.holds).toBe(true);
      // A guardrail whose subject would select no pod of the input is left out, and the notes say so.
      const base = buildCluster(objects.filter((o) => o.kind !== 'NetworkPolicy')).cluster;
      const dnsPods = base.pods.some((p) => p.namespace === 'kube-system' && p.labels['k8s-app'] === 'kube-dns');
      const systemPods = base.pods.some((p) => ['kube-system', 'kube-public', 'kube-node-lease'].includes(p.namespace));
      const want = [...(dnsPods ? ['Admin kordon-admin-dns'] : []), ...(systemPods ? ['Admin kordon-admin-protect-system'] : []), 'Baseline kordon-baseline-default-deny'];
      // The input's own cluster policies stay in force beside the guardrails (none in a scenario without them).
      const own = base.clusterPolicies.map((p) => `${p.tier} ${p.ref.name}`);
      expect(r.cluster.clusterPolicies.map((p) => `${p.tier} ${p.ref.name}`).sort()).toEqual([...own, ...want].sort());
      expect(r.notes.filter((n) => n.startsWith('guardrail ')).length).toBe(3 - want.length);
      // The file alone, as the engine's validator reads it: every object valid, none rejected.
      const file = r.files.find((f) => f.name === 'generated/cluster-guardrails.yaml')!;
      const alone = loadSources([file]);
      expect(alone.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
      const built = buildCluster([...objects.filter((o) => o.kind !== 'NetworkPolicy'), ...alone.objects]);
      expect(built.diagnostics.filter((d) => d.file === file.name && d.severity !== 'info')).toEqual([]);
      expect(built.cluster.rejectedClusterPolicies).toEqual([]);
      expect(file.text).not.toMatch(/[&*]a\d/);
    });
  }
});

const CLUSTER = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: kube-system}
---
apiVersion: v1
kind: Pod
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec: {containers: [{name: c, image: coredns}]}
status: {podIP: 10.244.0.5}
---
apiVersion: v1
kind: Pod
metadata: {name: metrics, namespace: kube-system, labels: {k8s-app: metrics-server}}
spec: {containers: [{name: c, image: metrics, ports: [{containerPort: 4443}]}]}
status: {podIP: 10.244.0.6}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: web}]}
status: {podIP: 10.244.1.10}
---
apiVersion: v1
kind: Pod
metadata: {name: prom, namespace: shop, labels: {app: prom}}
spec: {containers: [{name: c, image: prom}]}
status: {podIP: 10.244.1.11}
`;

const LATER = `apiVersion: v1
kind: Namespace
metadata: {name: newteam}
---
apiVersion: v1
kind: Pod
metadata: {name: job, namespace: newteam, labels: {app: job}}
spec: {containers: [{name: c, image: job}]}
status: {podIP: 10.244.2.10}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: open, namespace: kube-system}
spec:
  podSelector: {}
  ingress: [{}]
`;

describe('what the guardrails do', () => {
  const objects = loadSources([{ name: 'cluster.yaml', text: CLUSTER }]).objects;
  const flows = parseFlows({ name: 'flows.csv', text: 'shop/web,shop/prom,9090/TCP\nshop/prom,kube-system/metrics,4443/TCP\n' });
  const r = generatePolicies({ objects, expectations: [], flows: [flows], options: { guardrails: ['admin', 'baseline'] } });
  // The cluster as it is later: the generated files applied, a new namespace no NetworkPolicy covers, and a
  // NetworkPolicy that opens kube-system to everyone.
  const later = buildCluster([...objects, ...loadSources(r.files).objects, ...loadSources([{ name: 'later.yaml', text: LATER }]).objects]).cluster;
  const verdict = (from: string, to: string, port: string) => checkConnection(later, { from, to, port }).verdict;

  it('proves the generated set with the guardrails in it', () => {
    expect(r.proof.holds).toBe(true);
    const admin = parseAllDocuments(r.files.find((f) => f.name.endsWith('cluster-guardrails.yaml'))!.text).map((d) => d.toJSON()).find((d) => d.metadata.name === 'kordon-admin-protect-system');
    expect(admin.spec.ingress[0]).toEqual({ name: 'asked-1', action: 'Accept', from: [{ pods: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { app: 'prom' } } } }], protocols: [{ tcp: { destinationPort: { number: 4443 } } }] });
  });
  it('Baseline: a workload no NetworkPolicy selects may look names up and nothing else', () => {
    expect(verdict('newteam/job', 'kube-system/coredns', '53/UDP')).toBe('allowed');
    expect(verdict('newteam/job', 'shop/web', '80/TCP')).toBe('denied');
    expect(verdict('newteam/job', '203.0.113.9', '443/TCP')).toBe('denied');
    expect(verdict('shop/web', 'newteam/job', '80/TCP')).toBe('denied');
  });
  it('Admin: the system namespaces take from the others only the DNS and what was asked, whatever a NetworkPolicy says', () => {
    expect(verdict('shop/prom', 'kube-system/metrics', '4443/TCP')).toBe('allowed');
    expect(verdict('newteam/job', 'kube-system/metrics', '4443/TCP')).toBe('denied');
    expect(verdict('newteam/job', 'kube-system/coredns', '53/TCP')).toBe('allowed');
    // Decided by the Admin tier, before the NetworkPolicy that opens kube-system to every source.
    const pod = (name: string) => ({ kind: 'pod' as const, pod: later.pods.find((p) => `${p.namespace}/${p.name}` === name)! });
    const v = evaluate(later, { from: pod('newteam/job'), to: pod('kube-system/metrics'), port: 4443, protocol: 'TCP' });
    expect(v.ingress.tiers?.find((s) => s.outcome === 'deny')).toMatchObject({ tier: 'Admin', policy: { name: 'kordon-admin-protect-system' }, ruleName: 'deny-other-namespaces' });
  });
  it('without guardrails, the same later cluster leaves the new workload and kube-system open', () => {
    const plain = generatePolicies({ objects, expectations: [], flows: [flows] });
    const c = buildCluster([...objects, ...loadSources(plain.files).objects, ...loadSources([{ name: 'later.yaml', text: LATER }]).objects]).cluster;
    expect(checkConnection(c, { from: 'newteam/job', to: 'kube-system/metrics', port: '4443/TCP' }).verdict).toBe('allowed');
    expect(checkConnection(c, { from: 'newteam/job', to: '203.0.113.9', port: '443/TCP' }).verdict).toBe('allowed');
  });
});
