// kordon generate beside cluster policies: a connection the Baseline tier denies stays denied once the generated
// policies isolate the pod (and Baseline is no longer consulted), so generate writes none of what Baseline denied.
import { describe, expect, it } from 'vitest';
import { buildCluster, checkConnection, loadSources } from '@kordon/engine';
import { generatePolicies, parseExpectations } from '../index.js';

const CLUSTER = `apiVersion: v1
kind: Namespace
metadata: {name: kube-system}
---
apiVersion: v1
kind: Namespace
metadata: {name: sandbox}
---
apiVersion: v1
kind: Namespace
metadata: {name: web}
---
apiVersion: v1
kind: Pod
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec: {containers: [{name: c, image: coredns, ports: [{containerPort: 53, protocol: UDP}]}]}
status: {podIP: 10.244.0.5}
---
apiVersion: v1
kind: Pod
metadata: {name: tester, namespace: sandbox, labels: {app: tester}}
spec: {containers: [{name: c, image: busybox}]}
status: {podIP: 10.244.1.5}
---
apiVersion: v1
kind: Pod
metadata: {name: builder, namespace: sandbox, labels: {app: builder}}
spec: {containers: [{name: c, image: busybox}]}
status: {podIP: 10.244.1.6}
---
apiVersion: v1
kind: Pod
metadata: {name: site, namespace: web, labels: {app: site}}
spec: {containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 8080}]}]}
status: {podIP: 10.244.2.5}
---
apiVersion: v1
kind: Service
metadata: {name: site, namespace: web}
spec: {clusterIP: 10.96.0.20, selector: {app: site}, ports: [{port: 80, targetPort: http}]}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: sandbox-egress}
spec:
  tier: Baseline
  priority: 10
  subject:
    pods:
      namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: sandbox}}
      podSelector: {matchLabels: {app: tester}}
  egress:
  - {name: to-web, action: Accept, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: web}}}]}
  - {name: deny-all, action: Deny, to: [{networks: [0.0.0.0/0]}]}
`;

const EXPECT = `expectations:
  - {name: the tester reaches the site by address, from: sandbox/tester, to: web/site, port: 8080/TCP, expect: allowed}
  - {name: the tester cannot resolve the site, from: sandbox/tester, to: site.web, expect: denied}
  - {name: the tester cannot reach the internet, from: sandbox/tester, to: 203.0.113.9, port: 443/TCP, expect: denied}
  - {name: the builder resolves and reaches the site, from: sandbox/builder, to: site.web, expect: allowed}
`;

describe('generate keeps the verdicts the Baseline tier decides', () => {
  const objects = loadSources([{ name: 'cluster.yaml', text: CLUSTER }]).objects;
  const exp = parseExpectations({ name: 'expect.yaml', text: EXPECT });
  const r = generatePolicies({ objects, expectations: [exp], flows: [] });
  const applied = buildCluster([...objects, ...loadSources(r.files).objects]).cluster;

  it('proves every expectation, the denied lookup included', () => {
    expect(r.problems).toEqual([]);
    expect(r.proof.denied.failures).toEqual([]);
    expect(r.proof.allowed.failures).toEqual([]);
    expect(r.proof.expectations.failed).toBe(0);
    expect(r.proof.holds).toBe(true);
    for (const x of exp.expectations) {
      if (x.from.kind !== 'name' || x.to.kind !== 'name') continue;
      const c = checkConnection(applied, x.port === undefined ? { from: x.from.text, to: x.to.text } : { from: x.from.text, to: x.to.text, port: x.port });
      expect(c.verdict, `${x.name}: ${c.summary}`).toBe(x.expect);
    }
  });
  it('writes no DNS egress for the pod whose lookups Baseline denies, and DNS for its neighbour that resolves names', () => {
    const tester = applied.pods.find((p) => p.name === 'tester')!;
    const builder = applied.pods.find((p) => p.name === 'builder')!;
    const coredns = applied.pods.find((p) => p.name === 'coredns')!;
    const lookup = (pod: typeof tester) => checkConnection(applied, { from: `sandbox/${pod.name}`, to: `kube-system/${coredns.name}`, port: '53/UDP' });
    expect(lookup(tester).verdict).toBe('denied');
    expect(lookup(builder).verdict).toBe('allowed');
    expect(r.policies.some((p) => p.namespace === 'sandbox' && p.kind === 'dns')).toBe(false);
    // The lookup hops are proved denied, both protocols.
    expect(r.connections.deny).toEqual(expect.arrayContaining(['sandbox/tester -> kube-system/coredns 53/UDP', 'sandbox/tester -> kube-system/coredns 53/TCP']));
  });
  it('says why, naming the Baseline rule that decides it in the input', () => {
    const note = r.notes.find((n) => n.startsWith('no DNS egress for sandbox/tester'));
    expect(note).toContain('the tester cannot resolve the site');
    expect(note).toContain('[Baseline] cnp/sandbox-egress egress rule 1 "deny-all": Deny');
  });
});

const ADMIN = `${CLUSTER}---
apiVersion: v1
kind: Namespace
metadata: {name: monitoring}
---
apiVersion: v1
kind: Pod
metadata: {name: prometheus, namespace: monitoring, labels: {app: prometheus}}
spec: {containers: [{name: c, image: prometheus}]}
status: {podIP: 10.244.3.5}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: monitoring-and-quarantine}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: web}}}
  ingress:
  - {name: from-monitoring, action: Accept, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]}
  - {name: no-sandbox, action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: sandbox}}}]}
`;

describe('generate leaves what the Admin tier decides to the Admin tier', () => {
  const objects = loadSources([{ name: 'cluster.yaml', text: ADMIN }]).objects;
  const exp = parseExpectations({ name: 'expect.yaml', text: 'expectations:\n  - {name: monitoring scrapes the site, from: monitoring/prometheus, to: web/site, port: 8080/TCP, expect: allowed}\n' });
  it('writes no rule for a side the Admin tier accepts, says so, and the proof holds', () => {
    const r = generatePolicies({ objects, expectations: [exp], flows: [] });
    expect(r.proof.holds).toBe(true);
    expect(r.policies.some((p) => p.namespace === 'web' && p.direction === 'ingress')).toBe(false);
    // The other side is NetworkPolicy's: prometheus's egress gets its rule.
    expect(r.policies.some((p) => p.namespace === 'monitoring' && p.direction === 'egress')).toBe(true);
    const note = r.notes.find((n) => n.startsWith('the Admin tier accepts 1 asked connection'));
    expect(note).toContain('monitoring/prometheus -> web/site 8080/TCP ingress: [Admin] cnp/monitoring-and-quarantine ingress rule 0 "from-monitoring": Accept');
    const applied = buildCluster([...objects, ...loadSources(r.files).objects]).cluster;
    expect(checkConnection(applied, { from: 'monitoring/prometheus', to: 'web/site', port: '8080/TCP' }).verdict).toBe('allowed');
  });
  it('says that no NetworkPolicy can allow an observed connection the Admin tier denies, and the proof fails', () => {
    const flows = { file: 'flows.csv', format: 'csv' as const, flows: [{ from: 'sandbox/builder', to: 'web/site', port: 8080, protocol: 'TCP' as const, origin: 'flows.csv:2' }], diagnostics: [], notes: [] };
    const r = generatePolicies({ objects, expectations: [], flows: [flows] });
    expect(r.proof.holds).toBe(false);
    expect(r.policies.some((p) => p.namespace === 'web' && p.direction === 'ingress')).toBe(false);
    expect(r.notes.find((n) => n.startsWith('the Admin tier denies 1 asked connection'))).toContain('sandbox/builder -> web/site 8080/TCP ingress: [Admin] cnp/monitoring-and-quarantine ingress rule 1 "no-sandbox": Deny');
  });
});

describe('generate and a connection the Admin tier accepts that must stay denied', () => {
  const openAll = ADMIN.replace('{name: from-monitoring, action: Accept, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]}', '{name: from-monitoring, action: Accept, from: [{namespaces: {}}]}');
  const sandboxOut = `---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: sandbox-to-web}
spec:
  tier: Admin
  priority: 5
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: sandbox}}}
  egress:
  - {action: Accept, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: web}}}]}
`;
  const exp = parseExpectations({ name: 'expect.yaml', text: 'expectations:\n  - {name: the builder cannot reach the site, from: sandbox/builder, to: web/site, port: 8080/TCP, expect: denied}\n' });
  const run = (text: string) => generatePolicies({ objects: loadSources([{ name: 'cluster.yaml', text }]).objects, expectations: [exp], flows: [] });
  it('closes it with a NetworkPolicy where the Admin tier leaves one side open', () => {
    const r = run(openAll);
    expect(r.proof.holds).toBe(true);
    expect(r.notes.some((n) => n.includes('must stay denied'))).toBe(false);
  });
  it('says no NetworkPolicy can deny it when the Admin tier accepts both sides, and the proof fails', () => {
    const r = run(openAll + sandboxOut);
    expect(r.proof.holds).toBe(false);
    expect(r.notes.find((n) => n.startsWith('the Admin tier accepts 1 connection that must stay denied'))).toContain('sandbox/builder -> web/site 8080/TCP: [Admin] cnp/sandbox-to-web egress rule 0: Accept, [Admin] cnp/monitoring-and-quarantine ingress rule 0 "from-monitoring": Accept');
  });
});
