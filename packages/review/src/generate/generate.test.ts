// kordon generate from observed flows (CSV, Hubble, lab probe output) and from manifests alone, on a small shop.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildCluster, checkConnection, loadSources } from '@kordon/engine';
import { parse } from 'yaml';
import { generatePolicies, parseFlows } from '../index.js';
import { coverAddresses } from './cidr.js';

const FIX = fileURLToPath(new URL('../__fixtures__/generate/', import.meta.url));
const read = (name: string) => ({ name, text: readFileSync(`${FIX}${name}`, 'utf8') });
const shop = loadSources([read('shop.yaml')]).objects;
const applied = (r: ReturnType<typeof generatePolicies>) => buildCluster([...shop, ...loadSources(r.files).objects]).cluster;

describe('flows from CSV', () => {
  const flows = parseFlows(read('flows.csv'));
  it('reads every line after the header', () => {
    expect(flows.format).toBe('csv');
    expect(flows.diagnostics).toEqual([]);
    expect(flows.flows).toHaveLength(5);
    expect(flows.flows[0]).toEqual({ from: 'shop/web-6d4cf56db6-abcde', to: 'api.shop', port: 80, protocol: 'TCP', origin: 'flows.csv:2' });
  });
  it('reports a bad line at its place, keeping the others', () => {
    const f = parseFlows({ name: 'x.csv', text: 'a/b,c/d,80\na/b,c/d\na/b,c/d,http/TCP\n' });
    expect(f.flows).toHaveLength(1);
    expect(f.diagnostics.map((d) => d.line)).toEqual([2, 3]);
  });

  const r = generatePolicies({ objects: shop, expectations: [], flows: [flows] });
  const text = r.files.map((f) => f.text).join('---\n');
  it('proves the policies: every flow allowed, valid, lint clean', () => {
    expect(r.problems).toEqual([]);
    expect(r.proof.allowed.failures).toEqual([]);
    expect(r.proof.allowed.total).toBe(5);
    expect(r.proof.validation).toEqual([]);
    expect(r.proof.lint).toEqual([]);
    expect(r.proof.holds).toBe(true);
  });
  it('follows Services to their endpoints and target ports, and names the ports the containers name', () => {
    const apiIngress = parse(r.files.find((f) => f.namespace === 'shop')!.text.split('---\n').find((d) => d.includes('name: api-ingress'))!);
    expect(apiIngress.spec.podSelector).toEqual({ matchLabels: { app: 'api' } });
    expect(apiIngress.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } }], ports: [{ protocol: 'TCP', port: 'grpc' }] }]);
  });
  it('selects on stable labels only', () => {
    expect(text).not.toMatch(/pod-template-hash|statefulset\.kubernetes\.io\/pod-name|controller-revision-hash|pod-index/);
    expect(text).toContain('podSelector:\n    matchLabels:\n      app: db');
  });
  it('writes outside addresses exactly by default', () => {
    expect(text).toContain('cidr: 203.0.113.5/32');
    expect(text).toContain('cidr: 203.0.113.9/32');
    expect(r.proof.extras.filter((e) => e.kind === 'cidr')).toEqual([]);
  });
  it('says where each rule comes from', () => {
    expect(text).toMatch(/# shop\/web \(Deployment\): 2 connections, e\.g\. flows\.csv:2; flows\.csv:3/);
  });
  it('gives per-namespace default deny and DNS', () => {
    const docs = text.split('---\n').map((d) => parse(d));
    const deny = docs.find((d) => d.metadata.name === 'default-deny');
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const dns = docs.find((d) => d.metadata.name === 'allow-dns');
    expect(dns.spec.egress[0].to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }]);
  });
  it('allows the flows, and what it allows besides is listed with the reason', () => {
    const c = applied(r);
    expect(checkConnection(c, { from: 'shop/web-6d4cf56db6-fghij', to: 'api.shop' }).verdict).toBe('allowed');
    expect(checkConnection(c, { from: 'shop/db-0', to: 'api.shop' }).verdict).toBe('denied');
    expect(checkConnection(c, { from: 'shop/api-5f7b8c9d4-k2m4n', to: '203.0.113.6', port: '443' }).verdict).toBe('denied');
    // db, api and web have no flow to DNS in the file: the namespace-wide DNS policy opens it, and says so.
    const dns = r.proof.extras.find((e) => e.kind === 'dns');
    expect(dns?.from).toBe('every pod of shop');
    expect(dns?.reason).toContain('shop/allow-dns opens the cluster DNS to every pod of shop');
  });
  it('merges outside addresses into the narrowest block with --cidr-prefix, and lists what the block adds', () => {
    const wide = generatePolicies({ objects: shop, expectations: [], flows: [flows], options: { prefix4: 24 } });
    const t = wide.files.map((f) => f.text).join('');
    expect(t).toContain('cidr: 203.0.113.0/28');
    const extra = wide.proof.extras.find((e) => e.kind === 'cidr');
    expect(extra?.reason).toContain('admits 203.0.113.0/28, 16 addresses for the 2 observed');
    expect(wide.proof.holds).toBe(true);
  });
});

describe('flows from Hubble (hubble observe -o json)', () => {
  const flows = parseFlows(read('hubble.jsonl'));
  it('takes forwarded L3/L4 flows in their first direction, and says what it skipped', () => {
    expect(flows.format).toBe('hubble');
    expect(flows.diagnostics).toEqual([]);
    expect(flows.flows.map((f) => `${f.from} ${f.to} ${f.port}/${f.protocol}`)).toEqual([
      'shop/web-6d4cf56db6-abcde kube-system/coredns-5d78c9869d-7xk2p 53/UDP',
      'shop/web-6d4cf56db6-abcde shop/api-5f7b8c9d4-k2m4n 9000/TCP',
      'shop/api-5f7b8c9d4-k2m4n shop/db-0 5432/TCP',
      'shop/api-5f7b8c9d4-k2m4n 203.0.113.5 443/TCP',
    ]);
    expect(flows.notes.join('\n')).toMatch(/2 reply flows skipped[\s\S]*1 flows not FORWARDED[\s\S]*1 L7 flows skipped/);
  });
  it('accepts protojson camelCase names too', () => {
    const f = parseFlows({ name: 'c.json', text: '{"flow":{"verdict":"FORWARDED","IP":{"source":"10.244.1.10","destination":"10.244.1.20"},"l4":{"TCP":{"sourcePort":1,"destinationPort":9000}},"source":{"namespace":"shop","podName":"web-6d4cf56db6-abcde"},"destination":{"namespace":"shop","podName":"api-5f7b8c9d4-k2m4n"},"isReply":false}}\n' });
    expect(f.flows.map((x) => `${x.from} ${x.to} ${x.port}`)).toEqual(['shop/web-6d4cf56db6-abcde shop/api-5f7b8c9d4-k2m4n 9000']);
  });
  it('generates policies the engine proves', () => {
    const r = generatePolicies({ objects: shop, expectations: [], flows: [flows] });
    expect(r.proof.holds).toBe(true);
    expect(r.proof.allowed.total).toBe(4);
    const c = applied(r);
    expect(checkConnection(c, { from: 'shop/web-6d4cf56db6-abcde', to: 'api.shop' }).verdict).toBe('allowed');
    expect(checkConnection(c, { from: 'shop/db-0', to: 'shop/api-5f7b8c9d4-k2m4n', port: '9000' }).verdict).toBe('denied');
    // The flow of one web pod opens the rule for the Deployment: its other pod is an extra, with the reason.
    const other = r.proof.extras.find((e) => e.example.startsWith('shop/web-6d4cf56db6-fghij -> shop/api'));
    expect(other?.kind).toBe('workload');
  });
});

describe('flows from kordon lab probe (the matrix JSON)', () => {
  it('takes each allowed cell of a single-port column, and skips columns that stand for many ports', () => {
    const text = JSON.stringify({ endpoints: ['shop/api-5f7b8c9d4-k2m4n', 'shop/db-0', '203.0.113.5'], ports: ['5432/TCP', '*'], allowed: { '5432/TCP': ['110', '010', '-0-'.replace('-0-', '01-')], '*': ['100', '010', '00-'] } });
    const f = parseFlows({ name: 'probe.json', text });
    expect(f.format).toBe('probe');
    expect(f.flows.map((x) => `${x.from} ${x.to} ${x.port}`)).toEqual(['shop/api-5f7b8c9d4-k2m4n shop/db-0 5432', '203.0.113.5 shop/db-0 5432']);
    expect(f.notes[0]).toContain('columns * stand for many ports');
  });
});

describe('from manifests alone', () => {
  const r = generatePolicies({ objects: shop, expectations: [], flows: [] });
  it('proposes default deny and DNS per namespace, and says what it cannot know', () => {
    expect(r.policies.map((p) => `${p.namespace}/${p.name}`)).toEqual(['shop/default-deny', 'shop/allow-dns']);
    expect(r.notes.join('\n')).toContain('Which Services a workload calls lives in its configuration');
    expect(r.notes.join('\n')).toMatch(/Services shop\/api, shop\/db get no client/);
    expect(r.skipped).toEqual(['kube-system']);
    expect(r.proof.holds).toBe(true);
  });
});

describe('selectors', () => {
  const two = (labelsA: string, labelsB: string) =>
    loadSources([{ name: 'two.yaml', text: `apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: ns1, labels: ${labelsA}}\nspec: {containers: [{name: c, image: x}]}\nstatus: {podIP: 10.0.0.1}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: ns1, labels: ${labelsB}}\nspec: {containers: [{name: c, image: x}]}\nstatus: {podIP: 10.0.0.2}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: c, namespace: ns1, labels: {app: client}}\nspec: {containers: [{name: c, image: x}]}\nstatus: {podIP: 10.0.0.3}\n` }]).objects;
  const csv = { name: 'f.csv', text: 'ns1/c,ns1/a,80\n' };
  it('tells a pod from one with more labels by an expression, when no label of its own does', () => {
    const r = generatePolicies({ objects: two('{app: web}', '{app: web, track: canary}'), expectations: [], flows: [parseFlows(csv)] });
    expect(r.files[0]!.text).toContain('- key: track\n        operator: DoesNotExist');
    expect(r.proof.extras.filter((e) => e.kind === 'shared-label')).toEqual([]);
    expect(r.proof.holds).toBe(true);
  });
  it('names the pods no stable label tells apart, and the extra flow they get', () => {
    const r = generatePolicies({ objects: two('{app: web, pod-template-hash: aaa}', '{app: web, pod-template-hash: bbb}'), expectations: [], flows: [parseFlows(csv)] });
    // Bare pods with the same stable labels are one unit: the flow to a opens b, and the report says why.
    const extra = r.proof.extras.find((e) => e.example.startsWith('ns1/c -> ns1/b 80/TCP'));
    expect(extra?.reason).toContain('policies select whole workloads');
    expect(r.files[0]!.text).not.toContain('pod-template-hash');
  });
});

describe('outside addresses', () => {
  it('covers them with the narrowest blocks, never covering an address that must stay denied', () => {
    expect(coverAddresses(['203.0.113.5', '203.0.113.9'], [], { prefix4: 24, prefix6: 128 }).map((c) => c.cidr)).toEqual(['203.0.113.0/28']);
    expect(coverAddresses(['203.0.113.5', '203.0.113.9'], ['203.0.113.6'], { prefix4: 24, prefix6: 128 }).map((c) => c.cidr)).toEqual(['203.0.113.5/32', '203.0.113.9/32']);
    expect(coverAddresses(['203.0.113.5', '198.51.100.7'], [], { prefix4: 16, prefix6: 128 }).map((c) => c.cidr)).toEqual(['198.51.100.7/32', '203.0.113.5/32']);
    expect(coverAddresses(['2001:db8::1', '2001:db8::3'], [], { prefix4: 32, prefix6: 64 }).map((c) => c.cidr)).toEqual(['2001:db8::/126']);
  });
});

describe('flows from the kordon connection log', () => {
  const flows = parseFlows(read('connections.jsonl'));
  it('reads each connection once, by pod name or address, denied attempts said in a note', () => {
    expect(flows.format).toBe('connection-log');
    expect(flows.diagnostics).toEqual([]);
    // The second line is the first seen at the other end (by address): both name the same connection, resolved later.
    expect(flows.flows.map((f) => `${f.from} ${f.to} ${f.port}/${f.protocol}`)).toEqual([
      'shop/web-6d4cf56db6-abcde 10.244.1.20 9000/TCP',
      '10.244.1.10 10.244.1.20 9000/TCP',
      'shop/web-6d4cf56db6-abcde shop/web-6d4cf56db6-abcde 8080/TCP',
      '10.244.1.20 10.244.2.30 5432/TCP',
      'shop/api-5f7b8c9d4-k2m4n kube-system/coredns-5d78c9869d-7xk2p 53/UDP',
      'shop/api-5f7b8c9d4-k2m4n 203.0.113.5 443/TCP',
    ]);
    expect(flows.flows[5]!.origin).toBe('connections.jsonl:6');
    expect(flows.notes).toEqual([
      '1 connection the policies in force denied is taken as wanted (they were attempted); leave it out of the log to keep it closed',
      '1 connections without a TCP, UDP or SCTP port skipped',
    ]);
  });
  it('reports a bad line at its place, keeping the others', () => {
    const f = parseFlows({ name: 'c.jsonl', text: '{"verdict":"allowed","from":"a/b","to":"c/d","port":80,"protocol":"TCP"}\n{"verdict":"maybe","from":"a/b","to":"c/d","port":80,"protocol":"TCP"}\n{"verdict":"allowed","from":"a/b","port":80,"protocol":"TCP"}\nnot json\n' });
    expect(f.format).toBe('connection-log');
    expect(f.flows).toHaveLength(1);
    expect(f.diagnostics.map((d) => [d.line, d.message])).toEqual([
      [2, 'verdict is "maybe"'],
      [3, 'a connection has from and to (ns/pod or an address) and port (1 to 65535)'],
      [4, 'not a JSON object'],
    ]);
  });
  it('generates policies that allow exactly the logged connections between pods', () => {
    const r = generatePolicies({ objects: shop, expectations: [], flows: [flows] });
    expect(r.proof.holds).toBe(true);
    expect(r.connections.allow.sort()).toEqual([
      'shop/api-5f7b8c9d4-k2m4n -> 203.0.113.5 443/TCP',
      'shop/api-5f7b8c9d4-k2m4n -> kube-system/coredns-5d78c9869d-7xk2p 53/UDP',
      'shop/api-5f7b8c9d4-k2m4n -> shop/db-0 5432/TCP',
      'shop/web-6d4cf56db6-abcde -> shop/api-5f7b8c9d4-k2m4n 9000/TCP',
    ]);
    expect(r.notes.some((n) => n.startsWith('connections.jsonl: 1 connection the policies in force denied'))).toBe(true);
    const c = applied(r);
    expect(checkConnection(c, { from: 'shop/web-6d4cf56db6-abcde', to: 'shop/api-5f7b8c9d4-k2m4n', port: '9000/TCP' }).verdict).toBe('allowed');
    expect(checkConnection(c, { from: 'shop/api-5f7b8c9d4-k2m4n', to: 'shop/web-6d4cf56db6-abcde', port: '8080/TCP' }).verdict).toBe('denied');
  });
});
