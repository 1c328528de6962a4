import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCluster, loadSources, type Cluster } from '@kordon/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSources } from '../source.js';
import { connect } from './connect.js';
import { readCluster } from './read.js';
import { RESOURCES } from './resources.js';
import { makePki, type TestPki } from './testing/certs.js';
import { TestApiServer } from './testing/api-server.js';

// The cluster reader against the loopback stand-in of kube-apiserver (no real API server runs here), and the kubectl on
// PATH (Debian's kubernetes-client where .ci/run installs it) against the same stand-in, so the stand-in speaks what
// real clients understand.

const SHOP = fileURLToPath(new URL('../../../cli/src/__fixtures__/shop', import.meta.url));
// Beside the shop, pods with what else the engine reads of a pod (readiness, a sidecar's ports) and a workload that leaves
// its replicas to the API server's default.
const SHOP_FILES = [...['namespaces.yaml', 'pods.yaml', 'policies.yaml', 'workloads.yaml'].map((f) => join(SHOP, f)), fileURLToPath(new URL('./__fixtures__/pod-status.yaml', import.meta.url))];

let pki: TestPki;
let api: TestApiServer;
const dir = mkdtempSync(join(tmpdir(), 'kordon-cluster-'));
const kubeconfig = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

/** The objects of the files, as a user would `kubectl apply -f` them. */
async function shopObjects(): Promise<Record<string, unknown>[]> {
  const text = await readSources(SHOP_FILES);
  return loadSources(text.files).objects.map((o) => o.raw);
}

beforeAll(async () => {
  pki = makePki('alice');
  api = new TestApiServer({ pki, tokens: { 'good-token': 'bob', 'one-ns-token': 'carol' }, grants: { carol: { namespaces: '*', pods: ['frontend'], networkpolicies: ['frontend'], services: ['frontend'], deployments: ['frontend'], statefulsets: ['frontend'], daemonsets: ['frontend'], replicasets: ['frontend'], jobs: ['frontend'], cronjobs: ['frontend'], nodes: '*' } }, absent: ['clusternetworkpolicies'] });
  await api.start();
  for (const o of await shopObjects()) api.store.put(o);
});
afterAll(async () => {
  await api.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A model without the places its parts were read from: a cluster and files differ only there. */
function placeless(c: Cluster): unknown {
  return JSON.parse(JSON.stringify({ namespaces: c.namespaces, pods: c.pods, workloads: c.workloads, services: c.services, policies: c.policies, clusterPolicies: c.clusterPolicies, nodes: c.nodes }, (k, v) => (k === 'source' || k === 'file' || k === 'line' || k === 'column' || k === 'endLine' || k === 'endColumn' ? undefined : v)));
}

describe('reading a cluster', () => {
  it('gives the same model as the same objects in files, object by object (server defaults normalised)', async () => {
    const fromCluster = await readCluster({ kubeconfig: kubeconfig('token', api.kubeconfig({ token: 'good-token' })) });
    expect(fromCluster.diagnostics).toEqual([]);
    const c = buildCluster(loadSources(fromCluster.files).objects).cluster;
    const f = buildCluster(loadSources((await readSources(SHOP_FILES)).files).objects).cluster;
    expect(c.pods.length).toBeGreaterThan(3);
    // The fixture's pods are read for what they are: one not ready, one with a sidecar's named port.
    expect(f.pods.find((p) => p.name === 'api-3')?.ready).toBe(false);
    expect(f.pods.find((p) => p.name === 'meshed')?.containerPorts.map((p) => p.name)).toEqual(['proxy-admin']);
    expect(f.clusterPolicies.length).toBe(2);
    expect(f.nodes.length).toBe(1);
    const a = placeless(c) as Record<string, unknown[]>;
    const b = placeless(f) as Record<string, unknown[]>;
    for (const kind of Object.keys(b)) {
      expect(a[kind]!.length, kind).toBe(b[kind]!.length);
      for (let i = 0; i < b[kind]!.length; i++) expect(a[kind]![i], `${kind}[${i}]`).toEqual(b[kind]![i]);
    }
  });

  it('reads with the pod\'s service account (in-cluster config), as the agent in its DaemonSet does', async () => {
    // What the kubelet mounts, under a root of its own instead of /, and the variables it sets.
    const root = join(dir, 'pod-root');
    const mount = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(mount, { recursive: true });
    writeFileSync(join(mount, 'token'), 'good-token');
    writeFileSync(join(mount, 'ca.crt'), pki.ca);
    writeFileSync(join(mount, 'namespace'), 'frontend');
    const saved = { host: process.env['KUBERNETES_SERVICE_HOST'], port: process.env['KUBERNETES_SERVICE_PORT'] };
    process.env['KUBERNETES_SERVICE_HOST'] = '127.0.0.1';
    process.env['KUBERNETES_SERVICE_PORT'] = String(api.port);
    try {
      const c = await connect({ inCluster: true, serviceAccountRoot: root });
      expect(c.server).toBe(api.url);
      expect(c.namespace).toBe('frontend');
      const inCluster = await readCluster({ inCluster: true, serviceAccountRoot: root });
      const withKubeconfig = await readCluster({ kubeconfig: kubeconfig('sa', api.kubeconfig({ token: 'good-token' })) });
      expect(inCluster.unreadable).toEqual([]);
      expect(inCluster.files.map((f) => f.text)).toEqual(withKubeconfig.files.map((f) => f.text));
    } finally {
      for (const [k, v] of [['KUBERNETES_SERVICE_HOST', saved.host], ['KUBERNETES_SERVICE_PORT', saved.port]] as const)
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  });

  it('authenticates with a client certificate too, and drops managedFields and annotations', async () => {
    const r = await readCluster({ kubeconfig: kubeconfig('cert', api.kubeconfig('client-cert')) });
    const text = r.files.map((x) => x.text).join('');
    expect(text).toContain('"kind":"Pod"');
    expect(text).not.toContain('managedFields');
    expect(text).not.toContain('last-applied-configuration');
    expect(r.files.map((x) => x.name)).toContain('cluster:test/pods');
  });

  it('paginates with limit and continue', async () => {
    api.requests.length = 0;
    await readCluster({ kubeconfig: kubeconfig('token', api.kubeconfig({ token: 'good-token' })), pageSize: 2 });
    const pods = api.requests.filter((q) => q.startsWith('/api/v1/pods'));
    expect(pods.length).toBeGreaterThan(1);
    expect(pods[0]).toBe('/api/v1/pods?limit=2');
    expect(pods[1]).toMatch(/^\/api\/v1\/pods\?limit=2&continue=/);
  });

  it('sends the pages of its lists over kept-alive connections, not one TLS handshake per page', async () => {
    api.requests.length = 0;
    const before = api.connections;
    await readCluster({ kubeconfig: kubeconfig('token', api.kubeconfig({ token: 'good-token' })), pageSize: 1 });
    const lists = new Set(api.requests.map((q) => q.split('?')[0]));
    // At most one connection per list running at once; with pages of one object there are many more requests.
    expect(api.requests.length).toBeGreaterThan(lists.size + 5);
    expect(api.connections - before).toBeLessThanOrEqual(lists.size);
  });

  it('with rights in one namespace: answers with what is visible and says what is not, with the can-i line', async () => {
    const r = await readCluster({ kubeconfig: kubeconfig('one', api.kubeconfig({ token: 'one-ns-token' })), context: 'test' });
    const text = r.diagnostics.map((d) => `${d.severity}: ${d.message} / ${d.hint}`).join('\n');
    // The context's namespace is default; carol may read frontend only, so pods are not readable at all.
    expect(text).toMatch(/cannot list pods: pods is forbidden: User "carol" cannot list resource "pods" in API group "" in the namespace "default"/);
    expect(text).toMatch(/check with: kubectl auth can-i list pods -n default/);
    expect(text).toMatch(/cannot list networkpolicies.*; the policies of the cluster are not seen: pods of the cluster may be isolated that kordon calls open/);
    // A cluster policy kind that is installed but refused: what its absence means, and the can-i line without -n.
    expect(text).toMatch(/cannot list adminnetworkpolicies: .*; the adminnetworkpolicies are not seen: verdicts are given without them.* \/ check with: kubectl auth can-i list adminnetworkpolicies\.policy\.networking\.k8s\.io$/m);
    expect(r.unreadable).toContain('pods');
    expect(r.files.map((f) => f.name)).toContain('cluster:test/namespaces');
  });

  it('refused across namespaces but allowed in the context\'s: reads that namespace and says what is left out', async () => {
    const cfg = api.kubeconfig({ token: 'one-ns-token' }).replace('"namespace":"default"', '"namespace":"frontend"');
    const r = await readCluster({ kubeconfig: kubeconfig('one-frontend', cfg) });
    const pods = r.diagnostics.find((d) => d.message.startsWith('list pods '));
    expect(pods?.severity).toBe('warning');
    expect(pods?.message).toMatch(/^list pods is refused across namespaces \(pods is forbidden: User "carol" cannot list resource "pods" in API group "" at the cluster scope\); read namespace frontend only: the pods outside namespace frontend are not in the answers, and policies that select peers outside namespace frontend match nothing$/);
    expect(pods?.hint).toBe('check with: kubectl auth can-i list pods -A');
    expect(r.unreadable).toContain('pods outside frontend');
    const c = buildCluster(loadSources(r.files).objects).cluster;
    expect(c.pods.map((p) => p.namespace)).toEqual(c.pods.map(() => 'frontend'));
    expect(c.pods.length).toBeGreaterThan(0);
  });

  it('tolerates a cluster policy API that is not installed (404)', async () => {
    const r = await readCluster({ kubeconfig: kubeconfig('token', api.kubeconfig({ token: 'good-token' })) });
    expect(r.files.map((f) => f.name)).not.toContain('cluster:test/clusternetworkpolicies');
    expect(r.files.map((f) => f.name)).toContain('cluster:test/adminnetworkpolicies');
    expect(r.unreadable).toEqual([]);
  });
});

describe('clear answers when the cluster cannot be read', () => {
  it('an expired or wrong token: 401, in words', async () => {
    await expect(readCluster({ kubeconfig: kubeconfig('bad', api.kubeconfig({ token: 'expired' })) })).rejects.toThrow(/refused the credentials of context test \(401 Unauthorized/);
  });

  it('a certificate the kubeconfig does not trust', async () => {
    await expect(readCluster({ kubeconfig: kubeconfig('ca', api.kubeconfig({ token: 'good-token' }, pki.otherCa)), attempts: 1 })).rejects.toThrow(/presented a certificate that cannot be trusted/);
  });

  it('a server that does not answer: unreachable, after retries', async () => {
    const cfg = JSON.parse(api.kubeconfig({ token: 'good-token' })) as { clusters: { cluster: { server: string } }[] };
    cfg.clusters[0]!.cluster.server = 'https://127.0.0.1:1';
    const started = Date.now();
    await expect(readCluster({ kubeconfig: kubeconfig('down', JSON.stringify(cfg)), attempts: 3 })).rejects.toThrow(/cannot reach the API server at https:\/\/127\.0\.0\.1:1: connection refused/);
    // Three tries with backoff in between, not one.
    expect(Date.now() - started).toBeGreaterThan(150);
  });

  it('a server that accepts connections and never answers: each call timed out, retried, then said in words', async () => {
    const sockets: Socket[] = [];
    const mute = createNetServer((s) => void sockets.push(s));
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
    const cfg = JSON.parse(api.kubeconfig({ token: 'good-token' })) as { clusters: { cluster: { server: string } }[] };
    cfg.clusters[0]!.cluster.server = `https://127.0.0.1:${(mute.address() as AddressInfo).port}`;
    try {
      await expect(readCluster({ kubeconfig: kubeconfig('mute', JSON.stringify(cfg)), timeoutMs: 1000, attempts: 2 })).rejects.toThrow(/the API server at https:\/\/127\.0\.0\.1:\d+ did not answer within 1 s/);
      // Every list tried twice: the first call of each timed out and was tried again.
      expect(sockets.length).toBeGreaterThanOrEqual(2 * RESOURCES.filter((r) => !r.snapshotOnly).length);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => mute.close(r));
    }
  });

  it('a context that the kubeconfig does not hold', async () => {
    await expect(readCluster({ kubeconfig: kubeconfig('token', api.kubeconfig({ token: 'good-token' })), context: 'prod' })).rejects.toThrow(/no context "prod" in the kubeconfig/);
  });
});

describe('the stand-in speaks what kubectl speaks', () => {
  // Asynchronous: the stand-in answers from this very process.
  const kubectl = (cfg: string, ...args: string[]) =>
    promisify(execFile)('kubectl', ['--kubeconfig', cfg, ...args], { encoding: 'utf8', timeout: 60_000 }).then(
      (r) => ({ status: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code?: number; stdout: string; stderr: string }) => ({ status: e.code ?? 1, stdout: e.stdout, stderr: e.stderr }),
    );

  it('kubectl get pods -A -o json lists the pods', async () => {
    const r = await kubectl(kubeconfig('kc', api.kubeconfig({ token: 'good-token' })), 'get', 'pods', '-A', '-o', 'json');
    expect(r.status, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { items: { metadata: { name: string } }[] };
    const pods = api.store.list(RESOURCES.find((x) => x.kind === 'Pod')!);
    expect(pods.length).toBeGreaterThan(3);
    expect(list.items.map((i) => i.metadata.name)).toEqual(pods.map((o) => (o['metadata'] as { name: string }).name));
  });

  it('kubectl get ns,pods,deploy,sts,ds,svc,netpol -A -o yaml (the dump docs/cli.md takes as input) by short names', async () => {
    const r = await kubectl(kubeconfig('kc', api.kubeconfig({ token: 'good-token' })), 'get', 'ns,pods,deploy,sts,ds,svc,netpol', '-A', '-o', 'yaml');
    expect(r.status, r.stderr).toBe(0);
    const kinds = ['Namespace', 'Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'Service', 'NetworkPolicy'];
    const stored = kinds.reduce((n, k) => n + api.store.list(RESOURCES.find((x) => x.kind === k)!).length, 0);
    expect(loadSources([{ name: 'dump.yaml', text: r.stdout }]).objects.length).toBe(stored);
  });

  it('kubectl gets a 403 Status it can read', async () => {
    const r = await kubectl(kubeconfig('kc1', api.kubeconfig({ token: 'one-ns-token' })), 'get', 'networkpolicies', '-A');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/networkpolicies\.networking\.k8s\.io is forbidden: User "carol" cannot list resource "networkpolicies"/);
  });
});
