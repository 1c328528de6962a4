// kordon nft and kordon agent take the cluster policy kinds from files: ClusterNetworkPolicy (v1alpha2) and
// AdminNetworkPolicy / BaselineAdminNetworkPolicy (v1alpha1) become tier chains.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { run, tempTree } from './test-support.js';

const PODS = `apiVersion: v1
kind: Namespace
metadata: {name: web, labels: {team: web}}
---
apiVersion: v1
kind: Pod
metadata: {name: w1, namespace: web, labels: {app: web}}
spec: {nodeName: n1, containers: [{name: c, image: i}]}
status: {phase: Running, podIP: 10.1.0.1, hostIP: 192.168.9.1}
---
apiVersion: v1
kind: Pod
metadata: {name: w2, namespace: web, labels: {app: web}}
spec: {nodeName: n1, containers: [{name: c, image: i}]}
status: {phase: Running, podIP: 10.1.0.2, hostIP: 192.168.9.1}
`;
const CNP = `apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: guard}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {matchLabels: {team: web}}}
  ingress:
  - {name: no-web, action: Deny, from: [{namespaces: {matchLabels: {team: web}}}], protocols: [{tcp: {destinationPort: {number: 22}}}]}
  egress:
  - {name: names, action: Accept, to: [{domainNames: [example.com]}]}
`;
const BANP = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  egress:
  - {action: Deny, to: [{networks: [0.0.0.0/0]}]}
`;

describe('kordon nft and agent with cluster policies', () => {
  it('nft compiles the tiers, warns on stderr about domainNames, exits 0', async () => {
    const t = tempTree({ 'pods.yaml': PODS, 'cnp.yaml': CNP, 'banp.yaml': BANP });
    try {
      const r = await run(['nft', t.dir, '--node', 'n1']);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/# 2 cluster policies in \d+ tier chains/);
      expect(r.out).toMatch(/map in_admin4 \{[^}]*10\.1\.0\.1 : jump ia_/);
      expect(r.out).toMatch(/jump deny_ingress comment "cnp\/guard ingress\[0\] \(no-web\): Deny"/);
      expect(r.out).toMatch(/jump deny_egress comment "banp\/default egress\[0\]: Deny"/);
      expect(r.out).toContain('goto ingress');
      expect(r.err).toContain('kordon nft: warning: cnp/guard egress[0] (names) to[0]: domainNames cannot be enforced from manifests');
    } finally {
      t.cleanup();
    }
  });

  it('nft exits 1 when a cluster policy is invalid (left out, as the API server would reject it)', async () => {
    const t = tempTree({ 'pods.yaml': PODS, 'cnp.yaml': CNP.replace('priority: 10', 'priority: 5000') });
    try {
      const r = await run(['nft', t.dir]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/cnp\.yaml:\d+:\d+/);
      expect(r.out).not.toContain('cnp/guard');
    } finally {
      t.cleanup();
    }
  });

  it('agent --once enforces the tiers read from a directory, in a network namespace of its own', async () => {
    const ns = `kordon-cli-tiers-${process.pid}`;
    const t = tempTree({ 'pods.yaml': PODS, 'cnp.yaml': CNP, 'banp.yaml': BANP });
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      const r = await run(['agent', '--netns', ns, '--once', '--rescan', '0', '--node', 'n1', t.dir]);
      expect(r.code, r.err).toBe(0);
      const list = (what: string) => execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'map', 'inet', 'kordon', what], { encoding: 'utf8' });
      expect(list('in_admin4')).toMatch(/10\.1\.0\.1 : jump ia_/);
      expect(list('eg_base4')).toMatch(/10\.1\.0\.2 : jump eb_/);
    } finally {
      execFileSync('ip', ['netns', 'del', ns]);
      t.cleanup();
    }
  });
});
