// kordon check's presentation (issue 11): ignored rules, port names, the Service port in near misses, 120 columns,
// paths relative to the input, one line for an allowed DNS lookup.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run, tempTree, yaml } from './test-support.js';

const SHOP = fileURLToPath(new URL('./__fixtures__/shop', import.meta.url));

const APP = yaml`
  apiVersion: v1
  kind: Pod
  metadata: {name: api-1, namespace: shop, labels: {app: api}}
  spec: {containers: [{name: c, image: api, ports: [{name: https, containerPort: 8443}]}]}
  status: {podIP: 10.0.0.5}
  ---
  apiVersion: v1
  kind: Pod
  metadata: {name: web-1, namespace: shop, labels: {app: web}}
  spec: {containers: [{name: c, image: web}]}
  status: {podIP: 10.0.0.6}
  ---
  apiVersion: v1
  kind: Service
  metadata: {name: api, namespace: shop}
  spec:
    selector: {app: api}
    ports: [{name: web, port: 443, targetPort: 8443}]
  ---
  apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: api-in, namespace: shop}
  spec:
    podSelector: {matchLabels: {app: api}}
    ingress:
    - from: [{podSelector: {matchLabels: {app: web}}}]
      ports: [{port: 443}]
  ---
  apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: api-egress-only, namespace: shop}
  spec:
    podSelector: {matchLabels: {app: api}}
    policyTypes: [Egress]
    ingress:
    - from: [{podSelector: {matchLabels: {app: web}}}]
    egress: [{}]
`;

describe('check layout', () => {
  const t = tempTree({ 'k8s/app.yaml': APP });
  const dir = t.path('k8s');

  it('names the Service port in the near miss when the rule lists it instead of the target port', async () => {
    const r = await run(['check', dir, '--from', 'shop/web-1', '--to', 'api.shop']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('8443/TCP is not in 443/TCP');
    expect(r.out).toContain('443/TCP is the port of Service shop/api, which sends it to target port 8443: policies see the target port');
  });

  it('says when policyTypes makes a rule that would admit the connection ineffective', async () => {
    const r = await run(['check', dir, '--from', 'shop/web-1', '--to', 'shop/api-1', '--port', '8443']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/! shop\/api-egress-only ingress rule 0 \(from\[0\]\) at app\.yaml:\d+ would admit it, but is ignored:\n +policyTypes \[Egress\] leaves out Ingress/);
    const j = JSON.parse((await run(['check', dir, '--from', 'shop/web-1', '--to', 'shop/api-1', '--port', '8443', '-o', 'json'])).out) as { hops: Array<{ ingress: { ignored?: unknown } }> };
    expect(j.hops[0]!.ingress.ignored).toEqual([{ policy: 'shop/api-egress-only', direction: 'ingress', rule: 0, peer: 0, text: 'shop/api-egress-only ingress rule 0 (from[0])', file: expect.stringContaining('app.yaml'), line: expect.any(Number), column: expect.any(Number) }]);
  });

  it('--port takes a port name, resolved on the destination pod or as the Service port name', async () => {
    const pod = JSON.parse((await run(['check', dir, '--from', 'shop/web-1', '--to', 'shop/api-1', '--port', 'https', '-o', 'json'])).out) as { hops: Array<{ port: number }> };
    expect(pod.hops[0]!.port).toBe(8443);
    const svc = JSON.parse((await run(['check', dir, '--from', 'shop/web-1', '--to', 'api.shop', '--port', 'web', '-o', 'json'])).out) as { service: { port: number } };
    expect(svc.service.port).toBe(443);
    const none = await run(['check', dir, '--from', 'shop/web-1', '--to', 'shop/api-1', '--port', 'grpc']);
    expect(none.out).toContain('shop/api-1 has no container port named grpc/TCP');
  });

  it('fits 120 columns, names files relative to the input, and prints an allowed DNS lookup on one line (-v walks it)', async () => {
    for (const args of [
      ['--from', 'frontend/admin', '--to', 'api.backend'],
      ['--from', 'frontend/web', '--to', 'backend/db', '--port', '5432'],
      ['--from', 'backend/worker', '--to', 'backend/db', '--port', '5432'],
    ]) {
      const r = await run(['check', SHOP, ...args]);
      for (const line of r.out.split('\n')) expect(line.length, line).toBeLessThanOrEqual(120);
      expect(r.out).not.toContain(SHOP);
    }
    const r = await run(['check', SHOP, '--from', 'frontend/admin', '--to', 'api.backend']);
    expect(r.out).toContain('at policies.yaml:');
    expect(r.out).toContain('DNS lookup of api.backend from frontend/admin: allowed by frontend/admin-egress egress rule 0 (-v: every hop)\n\n');
    const v = await run(['check', SHOP, '--from', 'frontend/admin', '--to', 'api.backend', '-v']);
    expect(v.out).toContain('frontend/admin → kube-system/coredns-1 53/UDP: allowed');
    // A policy's place is said once, not on every hop.
    expect(r.out.match(/isolated by backend\/api-ingress at /g)).toHaveLength(1);
  });
});
