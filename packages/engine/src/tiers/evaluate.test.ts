// Reading the cluster policy kinds into the model, and the chain of tiers on small real manifests: v1alpha1 kinds,
// Node addresses, the tier walk as data, priority ties, fail-closed peers, host-network pods.
import { describe, expect, it } from 'vitest';
import { loadSource } from '../load/load.js';
import { buildCluster } from '../model/build.js';
import { evaluate } from '../eval/evaluate.js';
import type { Cluster, Pod } from '../model/types.js';

const WORLD = `
apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {team: a}}
---
apiVersion: v1
kind: Namespace
metadata: {name: b, labels: {team: b}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: a, labels: {app: web}}
spec: {nodeName: n1, containers: [{name: c, image: i, ports: [{name: http, containerPort: 8080}]}]}
status: {podIP: 10.0.1.1, hostIP: 192.168.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: b, labels: {app: api}}
spec: {nodeName: n2, containers: [{name: c, image: i, ports: [{name: http, containerPort: 8080}]}]}
status: {podIP: 10.0.2.1, hostIP: 192.168.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: b, labels: {app: agent}}
spec: {nodeName: n2, hostNetwork: true, containers: [{name: c, image: i}]}
status: {podIP: 192.168.0.2, hostIP: 192.168.0.2}
---
apiVersion: v1
kind: Node
metadata: {name: n2, labels: {role: worker}}
status: {addresses: [{type: InternalIP, address: 192.168.0.2}, {type: Hostname, address: n2}]}
`;

function cluster(policies: string): { cluster: Cluster; codes: string[] } {
  const loaded = loadSource({ name: 'world.yaml', text: `${WORLD}---\n${policies}` });
  const built = buildCluster(loaded.objects);
  return { cluster: built.cluster, codes: [...loaded.diagnostics, ...built.diagnostics].map((d) => `${d.severity}:${d.code}`) };
}
const pod = (c: Cluster, id: string): Pod => c.pods.find((p) => `${p.namespace}/${p.name}` === id)!;
const verdict = (c: Cluster, from: string, to: string, port = 8080) =>
  evaluate(c, { from: { kind: 'pod', pod: pod(c, from) }, to: { kind: 'pod', pod: pod(c, to) }, port, protocol: 'TCP' });

describe('the cluster policy kinds in the model', () => {
  it('reads ANP, BANP and CNP by API group, Nodes with their IP addresses, and skips Antrea with a note', () => {
    const { cluster: c, codes } = cluster(`
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec: {subject: {namespaces: {}}, ingress: [{action: Deny, from: [{namespaces: {}}]}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: z}
spec: {priority: 5, subject: {namespaces: {}}, egress: [{action: Allow, to: [{nodes: {matchLabels: {role: worker}}}], ports: [{portNumber: {port: 10250}}]}]}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: base}
spec: {tier: Baseline, priority: 900, subject: {namespaces: {}}, ingress: [{action: Accept, from: [{namespaces: {}}]}]}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: bad}
spec: {tier: Admin, priority: 2000, subject: {namespaces: {}}}
---
apiVersion: crd.antrea.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: antrea}
spec: {priority: 5}
`);
    expect(c.clusterPolicies.map((p) => p.id)).toEqual(['anp/z', 'cnp/base', 'banp/default']);
    expect(c.clusterPolicies[0]!.egress[0]!.action).toBe('Accept');
    expect(c.nodes).toEqual([expect.objectContaining({ name: 'n2', labels: { role: 'worker' }, addresses: ['192.168.0.2'] })]);
    expect(c.rejectedClusterPolicies.map((r) => r.ref)).toEqual([{ kind: 'ClusterNetworkPolicy', name: 'bad' }]);
    expect(codes).toEqual(['error:priority-invalid', 'info:kind-skipped']);
    // The Baseline CNP accepts before the BANP is reached; a BANP has no priority and comes last.
    expect(verdict(c, 'a/web', 'b/api').allowed).toBe(true);
  });
});

describe('the chain of tiers', () => {
  it('Admin Pass goes on to NetworkPolicy, which isolates web for ingress; Baseline is never reached', () => {
    const { cluster: c } = cluster(`
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: pass-all}
spec: {tier: Admin, priority: 1, subject: {namespaces: {}}, ingress: [{name: to-np, action: Pass, from: [{namespaces: {}}]}]}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: deny-all}
spec: {tier: Baseline, priority: 1, subject: {namespaces: {}}, ingress: [{action: Deny, from: [{namespaces: {}}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-b, namespace: a}
spec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: b}}}]}]}
`);
    const v = verdict(c, 'b/api', 'a/web');
    expect(v.allowed).toBe(true);
    expect(v.ingress.tiers).toEqual([
      expect.objectContaining({ tier: 'Admin', outcome: 'pass', policy: { kind: 'ClusterNetworkPolicy', name: 'pass-all' }, rule: 0, ruleName: 'to-np', peer: 0 }),
      expect.objectContaining({ tier: 'NetworkPolicy', outcome: 'accept', policies: ['a/allow-b'] }),
    ]);
    expect(v.ingress.tiers![0]!.source).toMatchObject({ file: 'world.yaml' });
    // api is not isolated by any NetworkPolicy, so the Baseline deny decides its ingress.
    const back = verdict(c, 'a/web', 'b/api');
    expect(back.allowed).toBe(false);
    expect(back.ingress.tiers!.map((s) => `${s.tier}:${s.outcome}`)).toEqual(['Admin:pass', 'NetworkPolicy:not-isolated', 'Baseline:deny']);
  });

  it('a tie in priority is ordered by name and flagged when the tied policies disagree', () => {
    const { cluster: c } = cluster(`
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: b-deny}
spec: {tier: Admin, priority: 7, subject: {namespaces: {}}, egress: [{action: Deny, to: [{namespaces: {}}]}]}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: a-accept}
spec: {tier: Admin, priority: 7, subject: {namespaces: {}}, egress: [{action: Accept, to: [{pods: {podSelector: {matchLabels: {app: api}}}}]}]}
`);
    const toY = verdict(c, 'a/web', 'b/api').egress.tiers![0]!;
    expect(toY).toMatchObject({ outcome: 'accept', policy: { name: 'a-accept' }, ambiguousWith: [{ kind: 'ClusterNetworkPolicy', name: 'b-deny' }] });
    // From api to web only b-deny matches: nothing to disagree with.
    const toX = verdict(c, 'b/api', 'a/web').egress.tiers![0]!;
    expect(toX.outcome).toBe('deny');
    expect(toX.ambiguousWith).toBeUndefined();
  });

  it('named ports resolve on the destination; nodes peers match host-network pods by address; host-network pods are never subjects', () => {
    const { cluster: c } = cluster(`
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: p}
spec:
  tier: Admin
  priority: 1
  subject: {namespaces: {}}
  egress:
    - {action: Accept, to: [{namespaces: {}}], protocols: [{destinationNamedPort: http}]}
    - {action: Deny, to: [{nodes: {matchLabels: {role: worker}}}]}
    - {action: Deny, to: [{namespaces: {}}]}
`);
    expect(verdict(c, 'a/web', 'b/api', 8080).allowed).toBe(true);
    expect(verdict(c, 'a/web', 'b/api', 8081).allowed).toBe(false);
    expect(verdict(c, 'a/web', 'b/agent', 10250).egress.tiers![0]).toMatchObject({ outcome: 'deny', rule: 1 });
    // The host-network agent is not a subject: its egress is not decided by the policy.
    expect(verdict(c, 'b/agent', 'a/web', 9).egress.tiers).toBeUndefined();
    expect(verdict(c, 'a/web', 'b/api', 8081).egress.tiers![0]!.nearMisses).toEqual([
      expect.objectContaining({ rule: 0, failed: 'port', reason: '8081/TCP is not in named port http' }),
      expect.objectContaining({ rule: 1, failed: 'peer' }),
    ]);
  });

  it('a peer with no field kordon knows fails closed: Accept matches nothing, Deny denies everything', () => {
    const { cluster: c, codes } = cluster(`
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: future}
spec:
  tier: Admin
  priority: 1
  subject: {namespaces: {matchLabels: {team: a}}}
  egress:
    - {action: Accept, to: [{serviceAccounts: {name: api}}]}
  ingress:
    - {action: Deny, from: [{serviceAccounts: {name: api}}]}
`);
    expect(codes).toEqual(['warning:peer-field-unknown', 'warning:peer-field-unknown']);
    expect(verdict(c, 'a/web', 'b/api').egress.tiers![0]!.outcome).toBe('no-match');
    expect(verdict(c, 'b/api', 'a/web').ingress.tiers![0]).toMatchObject({ outcome: 'deny', rule: 0 });
  });
});
