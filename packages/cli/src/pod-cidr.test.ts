// --pod-cidr: stand-in pods (workload templates, no IP) sit in the pod network, so ipBlocks are judged against it.
import { afterAll, describe, expect, it } from 'vitest';
import { run, tempTree, yaml } from './test-support.js';

const APPS = yaml`
  apiVersion: apps/v1
  kind: Deployment
  metadata: {name: api, namespace: shop}
  spec:
    selector: {matchLabels: {app: api}}
    template:
      metadata: {labels: {app: api}}
      spec: {containers: [{name: c, image: api, ports: [{containerPort: 8080}]}]}
  ---
  apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: shop}
  spec:
    selector: {matchLabels: {app: web}}
    template:
      metadata: {labels: {app: web}}
      spec: {containers: [{name: c, image: web}]}
`;
const policy = (cidr: string) => yaml`
  apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: api-from-private, namespace: shop}
  spec:
    podSelector: {matchLabels: {app: api}}
    policyTypes: [Ingress]
    ingress:
      - from: [{ipBlock: {cidr: ${cidr}}}]
`;

const t = tempTree({
  'old/apps.yaml': APPS,
  'new/apps.yaml': APPS,
  'new/policy.yaml': policy('10.0.0.0/8'),
  'narrow/apps.yaml': APPS,
  'narrow/policy.yaml': policy('10.244.1.0/24'),
});
afterAll(() => t.cleanup());
const DEPENDS = /depends? on the pod's IP/;
const check = (dir: string, ...extra: string[]) => run(['check', t.path(dir), '--from', 'shop/web', '--to', 'shop/api', '--port', '8080', ...extra]);

describe('check', () => {
  it('without --pod-cidr the stand-in misses the ipBlock, and check says the verdict depends on its IP', async () => {
    const r = await check('new');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(DEPENDS);
    expect(r.out).toContain('--pod-cidr');
  });
  it('a block covering the pod network admits the stand-in', async () => {
    const r = await check('new', '--pod-cidr', '10.244.0.0/16');
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(DEPENDS);
  });
  it('a block disjoint from the pod network denies it, with no note', async () => {
    const r = await check('new', '--pod-cidr', '172.16.0.0/16');
    expect(r.code).toBe(1);
    expect(r.out).not.toMatch(DEPENDS);
  });
  it('a block that straddles the pod network: denied here, and it depends on the pod IP', async () => {
    const r = await check('narrow', '--pod-cidr', '10.244.0.0/16');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(DEPENDS);
    const j = JSON.parse((await check('narrow', '--pod-cidr', '10.244.0.0/16', '-o', 'json')).out) as { notes: string[] };
    expect(j.notes.some((n) => DEPENDS.test(n))).toBe(true);
  });
  it('a bad CIDR is a usage error', async () => {
    const r = await check('new', '--pod-cidr', '10.244.0.0/33');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--pod-cidr');
    expect((await check('new', '--service-cidr', 'nonsense')).code).toBe(2);
  });
});

describe('diff', () => {
  it('without --pod-cidr reports web -> api as newly denied, and notes that it depends on the pod IP', async () => {
    const r = await run(['diff', t.path('old'), t.path('new')]);
    expect(r.out).toMatch(/shop\/web[^\n]*shop\/api/);
    expect(r.err).toMatch(DEPENDS);
  });
  it('with --pod-cidr inside the block the flow is no longer newly denied', async () => {
    const r = await run(['diff', t.path('old'), t.path('new'), '--pod-cidr', '10.244.0.0/16']);
    expect(r.out).not.toMatch(/shop\/web[^\n]*shop\/api/);
    expect(r.err).not.toMatch(DEPENDS);
  });
  it('--by workload: the connection web -> api is removed without --pod-cidr, kept with it', async () => {
    const without = await run(['diff', t.path('old'), t.path('new'), '--by', 'workload', '-o', 'json']);
    const withNet = await run(['diff', t.path('old'), t.path('new'), '--by', 'workload', '-o', 'json', '--pod-cidr', '10.244.0.0/16']);
    type Change = { from: { name: string }; to: { name: string } };
    const webApi = (out: string) => (JSON.parse(out) as { changes: Change[] }).changes.filter((c) => c.from.name === 'shop/web[Deployment]' && c.to.name === 'shop/api[Deployment]').length;
    expect(webApi(without.out)).toBeGreaterThan(0);
    expect(webApi(withNet.out)).toBe(0);
  });
});

describe('matrix', () => {
  const cell = (out: string) => (JSON.parse(out) as { endpoints: string[]; columns: Array<{ rows: string[] }> });
  it('notes the dependence without --pod-cidr, and admits the stand-in with it', async () => {
    const without = await run(['matrix', t.path('new'), '--port', '8080', '-o', 'json']);
    expect(without.err).toMatch(DEPENDS);
    const withNet = await run(['matrix', t.path('new'), '--port', '8080', '-o', 'json', '--pod-cidr', '10.244.0.0/16']);
    expect(withNet.err).not.toMatch(DEPENDS);
    expect(withNet.out).not.toBe(without.out);
    expect(cell(withNet.out).endpoints.length).toBe(2);
  });
  it('says so for a straddling block', async () => {
    const r = await run(['matrix', t.path('narrow'), '--pod-cidr', '10.244.0.0/16']);
    expect(r.err).toMatch(DEPENDS);
    expect(r.err).toContain('10.244.1.0/24');
  });
});

describe('lint', () => {
  it('notes verdicts that depend on an unknown pod IP, not when the pod network settles them', async () => {
    expect((await run(['lint', t.path('new')])).err).toMatch(DEPENDS);
    expect((await run(['lint', t.path('new'), '--pod-cidr', '10.244.0.0/16'])).err).not.toMatch(DEPENDS);
    expect((await run(['lint', t.path('narrow'), '--pod-cidr', '10.244.0.0/16'])).err).toMatch(DEPENDS);
  });
});

describe('--service-cidr', () => {
  it('notes an ipBlock that holds Service addresses, which policies never see', async () => {
    const r = await run(['lint', t.path('new'), '--service-cidr', '10.96.0.0/12']);
    expect(r.err).toContain('ipBlock 10.0.0.0/8 (Service network 10.96.0.0/12) holds Service addresses');
    expect((await run(['lint', t.path('new'), '--service-cidr', '172.20.0.0/16'])).err).not.toContain('Service addresses');
  });
});

describe('list', () => {
  it('with --pod-cidr lists web -> api and drops the old note', async () => {
    const r = await run(['list', t.path('new'), '--pod-cidr', '10.244.0.0/16']);
    expect(r.out).toMatch(/shop\/web\[Deployment\][^\n]*shop\/api\[Deployment\]/);
    expect(r.out).not.toContain('ipBlocks never match');
  });
});

describe('test', () => {
  it('judges expectations with the pod network: web -> api is allowed inside it, and noted without it', async () => {
    const e = tempTree({ 'expect.yaml': 'expectations:\n  - from: shop/web\n    to: shop/api\n    port: 8080/TCP\n    expect: allowed\n' });
    try {
      const without = await run(['test', t.path('new'), '--expect', e.path('expect.yaml')]);
      expect(without.code).toBe(1);
      expect(without.err).toMatch(DEPENDS);
      const withNet = await run(['test', t.path('new'), '--expect', e.path('expect.yaml'), '--pod-cidr', '10.244.0.0/16']);
      expect(withNet.code, withNet.out).toBe(0);
      expect(withNet.err).not.toMatch(DEPENDS);
    } finally {
      e.cleanup();
    }
  });
});
