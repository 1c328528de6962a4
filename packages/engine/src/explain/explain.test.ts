import { describe, expect, it } from 'vitest';
import { loadSources } from '../load/load.js';
import { buildCluster } from '../model/build.js';
import type { Cluster } from '../model/types.js';
import { explainCluster, explainPod, explainPolicy, policyListing } from './explain.js';
import { describePeer, describeRule, describeRuleRef } from './words.js';

const MANIFESTS = `
apiVersion: v1
kind: Namespace
metadata: {name: app, labels: {team: a}}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: app, labels: {role: web}}
spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: app, labels: {role: db}}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.0.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: probe, namespace: other, labels: {role: web}}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.1.0.1}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: app}
spec:
  podSelector: {matchLabels: {role: web}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: a}}
      podSelector: {matchLabels: {role: db}}
    - namespaceSelector: {}
    - ipBlock: {cidr: 10.1.0.0/16}
    ports:
    - port: http
  egress:
  - to:
    - podSelector: {matchLabels: {role: db}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-deny, namespace: app}
spec:
  podSelector: {matchLabels: {role: db}}
  policyTypes: [Ingress]
  egress:
  - {}
`;

function cluster(): Cluster {
  const r = buildCluster(loadSources([{ name: 'm.yaml', text: MANIFESTS }]).objects);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.cluster;
}

describe('explainPolicy', () => {
  it('names the selected pods, the defaulted policyTypes, and each peer with the pods it matches', () => {
    const c = cluster();
    const e = explainPolicy(c, c.policies.find((p) => p.id === 'app/web')!);
    expect(e.selectedPods).toEqual(['app/web']);
    expect(e.policyTypes).toEqual(['ingress', 'egress']);
    expect(e.policyTypesDefaulted).toBe(true);
    const rule = e.ingress[0]!;
    expect(rule.active).toBe(true);
    expect(rule.ports).toEqual(['port named http/TCP']);
    expect(rule.peers!.map((p) => [p.text, p.pods])).toEqual([
      ['pods with role=db in namespaces with team=a', ['app/db']],
      ['all pods in all namespaces', ['app/db', 'app/web', 'other/probe']],
      ['addresses in 10.1.0.0/16', ['other/probe']],
    ]);
    // The rule is placed at its list item, `- from:`.
    expect(rule.location).toMatchObject({ file: 'm.yaml', line: MANIFESTS.split('\n').indexOf('  - from:') + 1, column: 5 });
    // A podSelector alone means the policy's own namespace.
    expect(e.egress[0]!.peers!.map((p) => [p.text, p.pods])).toEqual([['pods with role=db in namespace app', ['app/db']]]);
  });

  it('says when rules are ignored and when a direction allows nothing', () => {
    const c = cluster();
    const e = explainPolicy(c, c.policies.find((p) => p.id === 'app/db-deny')!);
    expect(e.policyTypes).toEqual(['ingress']);
    expect(e.egress[0]!.active).toBe(false);
    expect(e.summary).toContain('Egress rules are ignored: policyTypes does not list Egress.');
    expect(e.summary.some((s) => s.startsWith('Ingress: allows nothing'))).toBe(true);
  });
});

describe('explainPod', () => {
  it('isolation per direction, the policies behind it, and what each rule lets in', () => {
    const c = cluster();
    const web = explainPod(c, c.pods.find((p) => p.name === 'web')!);
    expect(web.ingress).toMatchObject({ isolated: true, policies: ['app/web'], allowsAll: false });
    expect(web.ingress.allowed).toHaveLength(1);
    // The named port of an ingress rule is looked up on the pod itself.
    expect(web.ingress.allowed[0]!.ports).toEqual(['http/TCP (8080)']);
    expect(web.ingress.allowed[0]!.pods).toEqual(['app/db', 'app/web', 'other/probe']);
    expect(web.ingress.allowed[0]!.ipBlocks).toEqual(['addresses in 10.1.0.0/16']);
    expect(web.egress.allowed[0]!.pods).toEqual(['app/db']);

    const db = explainPod(c, c.pods.find((p) => p.name === 'db')!);
    expect(db.ingress).toMatchObject({ isolated: true, policies: ['app/db-deny'], allowed: [], allowsAll: false });
    expect(db.ingress.text).toContain('allow nothing');
    expect(db.egress).toMatchObject({ isolated: false, allowsAll: true });

    const probe = explainPod(c, c.pods.find((p) => p.name === 'probe')!);
    expect(probe.ingress.isolated).toBe(false);
  });
});

describe('policyListing and explainCluster', () => {
  it('lists policies as kubectl get netpol would, with types, pods and rule counts', () => {
    expect(policyListing(cluster())).toEqual([
      { namespace: 'app', name: 'db-deny', podSelector: 'role=db', policyTypes: 'Ingress', pods: 1, ingressRules: 0, egressRules: 1 },
      { namespace: 'app', name: 'web', podSelector: 'role=web', policyTypes: 'Ingress,Egress', pods: 1, ingressRules: 1, egressRules: 1 },
    ]);
  });

  it('covers every policy and pod', () => {
    const e = explainCluster(cluster());
    expect(e.policies.map((p) => p.id)).toEqual(['app/db-deny', 'app/web']);
    expect(e.pods.map((p) => p.pod)).toEqual(['app/db', 'app/web', 'other/probe']);
    expect(e.rejected).toEqual([]);
  });
});

describe('words', () => {
  it('spells out the namespace rule of each peer form', () => {
    const c = cluster();
    const p = c.policies.find((x) => x.id === 'app/web')!;
    expect(describeRule(p, p.ingress[0]!)).toBe('from pods with role=db in namespaces with team=a or all pods in all namespaces or addresses in 10.1.0.0/16, on port named http/TCP');
    expect(describePeer(p, { kind: 'pods', index: 0, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'x' }, matchExpressions: [] }, podSelector: null })).toBe('all pods in namespace x');
    expect(describeRuleRef({ policy: 'app/web', direction: 'ingress', rule: 0, peer: 2, port: 0 })).toBe('app/web ingress rule 0 (from[2], ports[0])');
    expect(describeRuleRef({ policy: 'app/web', direction: 'egress', rule: 1 })).toBe('app/web egress rule 1');
  });
});
