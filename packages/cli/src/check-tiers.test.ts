// `kordon check` on clusters with cluster policies: the tier walk of each side, with file:line, ties and near misses,
// in text and JSON. Inputs are the network-policy-api conformance manifests and small written ones.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, tempTree } from './test-support.js';

const list = (...items: unknown[]): string => JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 1);

const BASE = `${process.env['KORDON_SHARED']}/conformance/network-policy-api/base`;
const WORLD = ['manifests.yaml', 'pods.yaml', 'nodes.yaml'].map((f) => join(BASE, f));
const NS = 'network-policy-conformance-';

describe('kordon check with cluster policy tiers', () => {
  it('shows the Admin deny of the integration test with its rule, name and place', async () => {
    const r = await run(['check', ...WORLD, join(BASE, 'api_integration/standard-anp-np-banp.yaml'), '--from', `${NS}slytherin/draco-malfoy-0`, '--to', `${NS}gryffindor/harry-potter-0`, '--port', '80']);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`ingress of ${NS}gryffindor/harry-potter-0: denied: [Admin] cnp/pass-example ingress rule 0 "deny-all-ingress-from-slytherin": Deny\n`);
    expect(r.out).toMatch(/✗ \[Admin\] cnp\/pass-example ingress rule 0 "deny-all-ingress-from-slytherin": Deny at .*api_integration\/standard-anp-np-banp\.yaml:13: Deny from namespaces conformance-house=slytherin on every port/);
    expect(r.out).toContain(`egress  of ${NS}slytherin/draco-malfoy-0: allowed: [Admin] no policy selects it → [NetworkPolicy] not isolated → [Baseline] no policy selects it → allowed by default`);
  });

  it('walks Admin Pass, NetworkPolicy not isolated, Baseline Deny, with near misses and JSON steps', async () => {
    const t = tempTree({
      'cluster.json': list(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mon' } },
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'prom', namespace: 'mon', labels: { app: 'prom' } }, spec: { containers: [{ name: 'c', image: 'i' }] }, status: { podIP: '10.0.0.1' } },
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ name: 'metrics', containerPort: 9090 }] }] }, status: { podIP: '10.0.0.2' } },
      ),
      'tiers.json': list(
        {
          apiVersion: 'policy.networking.k8s.io/v1alpha2',
          kind: 'ClusterNetworkPolicy',
          metadata: { name: 'monitoring' },
          spec: { tier: 'Admin', priority: 10, subject: { namespaces: {} }, ingress: [{ name: 'metrics-only', action: 'Accept', from: [{ namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'mon' } } }], protocols: [{ destinationNamedPort: 'metrics' }] }, { name: 'to-np', action: 'Pass', from: [{ namespaces: {} }] }] },
        },
        { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name: 'default-deny' }, spec: { tier: 'Baseline', priority: 1000, subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] } },
      ),
    });
    try {
      const r = await run(['check', t.path('cluster.json'), t.path('tiers.json'), '--from', 'mon/prom', '--to', 'default/web', '--port', '8080']);
      expect(r.code).toBe(1);
      expect(r.out).toContain('ingress of default/web: denied: [Admin] cnp/monitoring ingress rule 1 "to-np" (Pass) → [NetworkPolicy] not isolated → [Baseline] cnp/default-deny ingress rule 0: Deny\n');
      expect(r.out).toContain('~ [Admin] cnp/monitoring ingress rule 0 "metrics-only" (Accept) at ');
      expect(r.out).toContain('8080/TCP is not in named port metrics');
      const ok = await run(['check', t.path('cluster.json'), t.path('tiers.json'), '--from', 'mon/prom', '--to', 'default/web', '--port', '9090', '-o', 'json']);
      expect(ok.code).toBe(0);
      const j = JSON.parse(ok.out) as { hops: { ingress: { allowed: boolean; tiers: { tier: string; outcome: string; policy?: { kind: string; name: string; text: string }; rule?: number; line?: number }[] } }[] };
      expect(j.hops[0]!.ingress.tiers).toEqual([
        expect.objectContaining({ tier: 'Admin', outcome: 'accept', policy: { kind: 'ClusterNetworkPolicy', name: 'monitoring', text: 'cnp/monitoring' }, rule: 0, line: expect.any(Number) }),
      ]);
    } finally {
      t.cleanup();
    }
  });
});
