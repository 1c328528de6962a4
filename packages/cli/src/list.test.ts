import { describe, expect, it } from 'vitest';
import { run, tempTree, yaml } from './test-support.js';

const APP = yaml`
  apiVersion: apps/v1
  kind: Deployment
  metadata: {name: api, namespace: shop}
  spec:
    selector: {matchLabels: {app: api}}
    template:
      metadata: {labels: {app: api}}
      spec: {containers: [{name: c, image: api, ports: [{name: http, containerPort: 8080}]}]}
  ---
  apiVersion: apps/v1
  kind: StatefulSet
  metadata: {name: postgres, namespace: data}
  spec:
    selector: {matchLabels: {app: postgres}}
    serviceName: postgres
    template:
      metadata: {labels: {app: postgres}}
      spec: {containers: [{name: c, image: pg}]}
  ---
  apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: pg, namespace: data}
  spec:
    podSelector: {matchLabels: {app: postgres}}
    policyTypes: [Ingress, Egress]
    ingress:
    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}}]
      ports: [{port: 5432}]
  ---
  apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: api, namespace: shop}
  spec:
    podSelector: {matchLabels: {app: api}}
    policyTypes: [Ingress, Egress]
    ingress: [{ports: [{port: http}]}]
    egress:
    - to: [{namespaceSelector: {}}]
    - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]
      ports: [{port: 443}]
`;

describe('kordon list', () => {
  const t = tempTree({ 'app.yaml': APP, 'new/app.yaml': APP.replace('ports: [{port: 5432}]', 'ports: [{port: 5432}, {port: 9187}]') });
  const path = t.path('app.yaml');

  it('prints one line per workload pair, as netpol-analyzer does', async () => {
    const r = await run(['list', path]);
    expect(r.code).toBe(0);
    expect(r.out).toBe('shop/api[Deployment] => data/postgres[StatefulSet] : TCP 5432\nshop/api[Deployment] => 0.0.0.0/0 except 10.0.0.0/8 : TCP 443\n0.0.0.0/0 => shop/api[Deployment] : TCP 8080\n');
  });

  it('focuses on a source, a destination and a port', async () => {
    expect((await run(['list', path, '--to', 'data'])).out).toBe('shop/api[Deployment] => data/postgres[StatefulSet] : TCP 5432\n');
    expect((await run(['list', path, '--from', '1.2.3.4'])).out).toBe('1.2.3.4/32 => shop/api[Deployment] : TCP 8080\n');
    expect((await run(['list', path, '--to', '10.0.0.0/7'])).out).toBe('shop/api[Deployment] => 11.0.0.0/8 : TCP 443\n');
    expect((await run(['list', path, '--port', '443'])).out).toBe('shop/api[Deployment] => 0.0.0.0/0 except 10.0.0.0/8 : TCP 443\n');
    const bad = await run(['list', path, '--from', 'shop/nothing']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--from shop/nothing: no pod or workload named nothing in namespace shop');
  });

  it('writes json, yaml, csv, md, dot, svg and mermaid', async () => {
    const json = JSON.parse((await run(['list', path, '-o', 'json'])).out) as { connections: Array<{ from: { name: string }; ports: unknown; text: string }> };
    expect(json.connections[0]).toMatchObject({ from: { name: 'shop/api[Deployment]', kind: 'workload' }, ports: [{ protocol: 'TCP', from: 5432, to: 5432 }], text: 'TCP 5432' });
    expect((await run(['list', path, '-o', 'yaml'])).out).toContain('    text: TCP 5432\n');
    expect((await run(['list', path, '-o', 'csv'])).out.split('\n')[1]).toBe('shop/api[Deployment],data/postgres[StatefulSet],TCP 5432');
    expect((await run(['list', path, '-o', 'md'])).out).toContain('| shop/api[Deployment] | data/postgres[StatefulSet] | TCP 5432 |');
    expect((await run(['list', path, '-o', 'dot'])).out).toMatch(/-> n\d+ \[label="TCP 5432"\];/);
    const svg = await run(['list', path, '-o', 'svg']);
    expect(svg.code).toBe(0);
    expect(svg.out).toContain('<svg');
    expect(svg.out).toContain('TCP 5432');
    expect((await run(['list', path, '-o', 'mermaid'])).out).toMatch(/n\d+ -->\|"TCP 5432"\| n\d+/);
  });

  it('rejects a bad grouping, port or format (exit 2)', async () => {
    for (const args of [['--by', 'node'], ['--port', '70000'], ['-o', 'png']]) expect((await run(['list', path, ...args])).code).toBe(2);
  });

  it('diff --by lists the connections added, removed and changed, in the same formats', async () => {
    const r = await run(['diff', path, t.path('new'), '--by', 'workload']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('~ shop/api[Deployment] => data/postgres[StatefulSet] : TCP 5432 -> TCP 5432,9187\n0 added, 0 removed, 1 changed\n');
    expect((await run(['diff', path, t.path('new'), '-o', 'csv'])).out).toBe('change,from,to,old,new\nchanged,shop/api[Deployment],data/postgres[StatefulSet],TCP 5432,"TCP 5432,9187"\n');
    expect((await run(['diff', path, t.path('new'), '-o', 'mermaid'])).out).toContain('linkStyle 0 stroke:');
    expect((await run(['diff', path, t.path('new'), '--by', 'workload', '--exit-code'])).code).toBe(1);
    expect((await run(['diff', path, path, '--by', 'workload', '--exit-code'])).code).toBe(0);
    expect((await run(['diff', path, t.path('new'), '--from', 'shop'])).code).toBe(2);
  });
});
