// The agent following the Kubernetes API end to end: the loopback stand-in API server (no kube-apiserver runs here)
// serves the cluster; `kordon agent` follows it with client-node informers and enforces in the netns lab; after each
// step (pods created, relabelled, deleted; NetworkPolicies and ClusterNetworkPolicies changed; the API server killed
// and restarted; a watch expired)
// the connections probed for real equal `kordon matrix` of what the API server holds, read as `kordon matrix
// cluster:` reads it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCluster, computeMatrix, loadSources, type Cluster } from '@kordon/engine';
import { readCluster } from '@kordon/source';
import { makePki, TestApiServer } from '@kordon/source/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, type ProbeRequest } from '../lab/lab.js';
import { matrixColumns } from '../lab/probe.js';
import { applyScript, listTable } from '../nft/apply.js';
import { compileRuleset } from '../nft/compile.js';
import { compareViews, expectedView, kernelView, viewDigest } from '../nft/digest.js';
import { diffRulesets } from '../nft/diff.js';
import { renderRuleset } from '../nft/ruleset.js';
import { requirePrivileges } from '../test-support.js';
import { startAgent, type AgentEvent, type RunningAgent } from './watch.js';

requirePrivileges();

type Obj = Record<string, unknown>;
const NODE = 'node-1';
const NODE_IP = '10.9.0.1';
const ns = (name: string, labels: Record<string, string>): Obj => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const pod = (namespace: string, name: string, ip: string, labels: Record<string, string>, nodeName = NODE): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace, name, labels },
  spec: { nodeName, containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 80 }] }] },
  status: { phase: 'Running', hostIP: NODE_IP, podIP: ip, podIPs: [{ ip }] },
});
const policy = (namespace: string, name: string, spec: Obj): Obj => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace, name }, spec });

/** Every pod the steps ever create, each with its own lab namespace from the start. */
const PODS = [
  { namespace: 'app', name: 'web', ip: '10.1.0.1' },
  { namespace: 'app', name: 'api', ip: '10.1.0.2' },
  { namespace: 'db', name: 'pg', ip: '10.2.0.1' },
  { namespace: 'db', name: 'cache', ip: '10.2.0.2' },
];
const PORTS = [
  { port: 80, protocol: 'TCP' as const },
  { port: 5432, protocol: 'TCP' as const },
];

const denyDb = policy('db', 'deny-all', { podSelector: {}, policyTypes: ['Ingress'] });
const webToPg = (ports: number[]): Obj =>
  policy('db', 'web-to-pg', { podSelector: { matchLabels: { role: 'db' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: { matchLabels: { role: 'web' } } }], ports: ports.map((port) => ({ port })) }] });

let pki: ReturnType<typeof makePki>;
let api: TestApiServer;
let lab: Lab;
let kubeconfig: string;
const dir = mkdtempSync(join(tmpdir(), 'kordon-agent-api-'));

beforeAll(async () => {
  pki = makePki();
  api = new TestApiServer({ pki, tokens: { 'agent-token': 'system:serviceaccount:kordon:kordon-agent' }, bookmarkMs: 200 });
  await api.start();
  kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, api.kubeconfig({ token: 'agent-token' }));
  lab = await Lab.create({ hosts: PODS.map((p) => ({ name: `${p.namespace}/${p.name}`, ips: [p.ip], serve: PORTS })), nodeIPs: [NODE_IP] });
}, 60_000);
afterAll(async () => {
  await lab?.destroy();
  await api?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** What `kordon matrix cluster:` reads: the stand-in's objects through the cluster reader, loaded as files are. */
async function clusterNow(): Promise<Cluster> {
  const text = await readCluster({ kubeconfig });
  const built = buildCluster(loadSources(text.files).objects);
  expect(built.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return built.cluster;
}

const until = async (what: string, cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<number> => {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - t0;
};

/** Waits until the agent holds exactly the ruleset of `cluster`, and the kernel holds it too. */
async function converged(running: RunningAgent, cluster: Cluster): Promise<void> {
  const want = compileRuleset(cluster, { node: NODE });
  await until('the agent to enforce the cluster', () => running.agent.ruleset !== undefined && diffRulesets(running.agent.ruleset, want).script === '');
  // Compared as the agent's verify compares (the denied-connection records the probes leave are not the ruleset's).
  await until('the kernel to hold it', async () => compareViews(expectedView(want), kernelView(await listTable('kordon', { netns: lab.nodeNetns }), 'kordon')).length === 0);
}

/**
 * Probes every pair of lab hosts the engine's matrix has a cell for (pods present now, and the addresses of absent
 * pods as outside endpoints), port by port, and returns the rows as `kordon matrix -o json` writes them.
 */
async function probed(cluster: Cluster, timeoutMs = 700): Promise<{ probed: Record<string, string[]>; engine: Record<string, string[]> }> {
  const present = new Set(cluster.pods.map((p) => `${p.namespace}/${p.name}`));
  const outside = PODS.filter((p) => !present.has(`${p.namespace}/${p.name}`)).map((p) => p.ip);
  const m = computeMatrix(cluster, { ips: outside });
  const host = (endpoint: string): number => PODS.findIndex((p) => `${p.namespace}/${p.name}` === endpoint || p.ip === endpoint);
  const columns = matrixColumns(cluster, PORTS);
  const isPod = (e: string): boolean => present.has(e);
  const requests: ProbeRequest[] = [];
  const cells: Array<[number, number, number]> = [];
  columns.forEach((col, c) =>
    m.endpoints.forEach((from, i) =>
      m.endpoints.forEach((to, j) => {
        if (!isPod(from) && !isPod(to)) return;
        requests.push({ from: host(from), to: host(to), port: col.port, protocol: col.protocol });
        cells.push([c, i, j]);
      }),
    ),
  );
  const results = await lab.probe(requests, timeoutMs);
  // A lost first packet on a loaded machine must not read as denied: every failure is tried once more.
  const again = results.flatMap((r, k) => (r.ok ? [] : [k]));
  const second = await lab.probe(again.map((k) => requests[k] as ProbeRequest), timeoutMs);
  again.forEach((k, n) => (results[k] = second[n] ?? (results[k] as (typeof results)[number])));
  const grid = columns.map(() => m.endpoints.map((from) => m.endpoints.map((to): string => (!isPod(from) && !isPod(to) ? '-' : '0'))));
  results.forEach((r, k) => {
    const [c, i, j] = cells[k] as [number, number, number];
    if (r.ok) grid[c]![i]![j] = '1';
  });
  const out: Record<string, string[]> = {};
  const engine: Record<string, string[]> = {};
  columns.forEach((col, c) => {
    out[col.label] = grid[c]!.map((row) => row.join(''));
    engine[col.label] = m.endpoints.map((_, i) => m.row(c, i));
  });
  return { probed: out, engine };
}

async function expectMatrix(step: string, cluster: Cluster): Promise<void> {
  const { probed: p, engine } = await probed(cluster);
  expect(p, `${step}: probed rows vs kordon matrix`).toEqual(engine);
}

describe('kordon agent following the API server, in the netns lab', () => {
  let running: RunningAgent;
  const events: AgentEvent[] = [];
  const earlier = (): Cluster => buildCluster(loadSources([{ name: 'earlier.json', text: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [ns('db', {}), pod('db', 'pg', '10.2.0.1', { role: 'db' }), denyDb] }) }]).objects).cluster;
  const kernelDigest = async (): Promise<string> => viewDigest(kernelView(await listTable('kordon', { netns: lab.nodeNetns }), 'kordon'));
  const get = async (path: string): Promise<{ status: number; text: string }> => {
    const res = await fetch(`http://${running.address}${path}`);
    return { status: res.status, text: await res.text() };
  };

  it('before the first full list it leaves the table as it is, says so, and /healthz says not synced', async () => {
    // A table left by an earlier run, and an API server that is down when the agent starts.
    await applyScript(renderRuleset(compileRuleset(earlier(), { node: NODE }), { notes: false }), { netns: lab.nodeNetns });
    const before = await kernelDigest();
    const port = api.port;
    await api.stop();
    for (const o of [ns('app', { team: 'a' }), ns('db', { team: 'b' }), pod('app', 'web', '10.1.0.1', { role: 'web' }), pod('app', 'api', '10.1.0.2', { role: 'api' }), pod('db', 'pg', '10.2.0.1', { role: 'db' }), denyDb, webToPg([5432])]) api.store.put(o);
    running = await startAgent({ cluster: { kubeconfig, backoffMs: 100, maxBackoffMs: 400 }, node: NODE, netns: lab.nodeNetns, monitor: false, verifyMs: 0, apiLoss: { mode: 'closed', afterMs: 1500 }, listen: { host: '127.0.0.1', port: 0 }, onEvent: (e) => events.push(e) });
    await until('a failed list', () => events.some((e) => e.kind === 'warning' && /connection refused.*trying again/.test(e.message)));
    expect(events.find((e) => e.kind === 'waiting')?.message).toMatch(/until every list is complete, traffic is left as it is/);
    expect(running.synced).toBe(false);
    expect(await kernelDigest()).toBe(before);
    expect(await get('/healthz')).toEqual({ status: 503, text: 'not synced yet: traffic is left as it is\n' });
    expect((await get('/metrics')).text).toMatch(/^kordon_agent_synced 0$/m);
    await api.start(port);
    const c = await clusterNow();
    await converged(running, c);
    expect(running.synced).toBe(true);
    expect(await get('/healthz')).toEqual({ status: 200, text: 'ok\n' });
    await expectMatrix('initial', c);
  }, 60_000);

  it('follows a pod created, relabelled and deleted', async () => {
    api.store.put(pod('db', 'cache', '10.2.0.2', { role: 'cache' }));
    let c = await clusterNow();
    await converged(running, c);
    await expectMatrix('pod created', c);
    api.store.put(pod('app', 'api', '10.1.0.2', { role: 'web' }));
    c = await clusterNow();
    await converged(running, c);
    await expectMatrix('pod relabelled', c);
    api.store.delete('Pod', 'app', 'web');
    c = await clusterNow();
    await converged(running, c);
    expect(c.pods.map((p) => p.name).sort()).toEqual(['api', 'cache', 'pg']);
    await expectMatrix('pod deleted', c);
  }, 60_000);

  it('follows policies changed, added and deleted; /metrics counts rules, syncs and denied packets by pod', async () => {
    api.store.put(webToPg([80, 5432]));
    api.store.put(policy('app', 'api-egress', { podSelector: { matchLabels: { role: 'web' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { team: 'b' } } }], ports: [{ port: 5432 }] }] }));
    let c = await clusterNow();
    await converged(running, c);
    await expectMatrix('policies changed and added', c);
    const metrics = (await get('/metrics')).text;
    expect(metrics).toMatch(new RegExp(`^kordon_agent_rules ${running.agent.ruleset?.stats.rules}$`, 'm'));
    expect(metrics).toMatch(/^kordon_agent_local_pods 3$/m);
    expect(metrics).toMatch(/^kordon_agent_sync_latency_seconds_count [1-9]\d*$/m);
    // The probes just denied cache's ingress from api (db is isolated; only role=db is open): counted by pod.
    expect(metrics).toMatch(/^kordon_agent_denied_packets\{direction="ingress",namespace="db",pod="cache"\} [1-9]\d*$/m);
    api.store.delete('NetworkPolicy', 'app', 'api-egress');
    c = await clusterNow();
    await converged(running, c);
    await expectMatrix('policy deleted', c);
  }, 60_000);

  it('follows ClusterNetworkPolicies of both tiers added, changed and deleted', async () => {
    const cnp = (name: string, tier: 'Admin' | 'Baseline', priority: number, subject: Obj, ingress: Obj[]): Obj => ({ apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name }, spec: { tier, priority, subject, ingress } });
    // Admin: nothing from app reaches db on 5432, whatever db's NetworkPolicies allow. Baseline: app's pods, which no
    // NetworkPolicy isolates on ingress, take nothing from db.
    const admin = (action: string) => cnp('no-app-to-pg', 'Admin', 10, { namespaces: { matchLabels: { team: 'b' } } }, [{ action, from: [{ namespaces: { matchLabels: { team: 'a' } } }], protocols: [{ tcp: { destinationPort: { number: 5432 } } }] }]);
    api.store.put(admin('Deny'));
    api.store.put(cnp('app-baseline', 'Baseline', 5, { namespaces: { matchLabels: { team: 'a' } } }, [{ action: 'Deny', from: [{ namespaces: { matchLabels: { team: 'b' } } }] }]));
    let c = await clusterNow();
    expect(c.clusterPolicies.map((p) => p.ref.name).sort()).toEqual(['app-baseline', 'no-app-to-pg']);
    await converged(running, c);
    await expectMatrix('cluster policies added', c);
    api.store.put(admin('Pass'));
    c = await clusterNow();
    await converged(running, c);
    await expectMatrix('Admin Deny changed to Pass', c);
    api.store.delete('ClusterNetworkPolicy', undefined, 'no-app-to-pg');
    api.store.delete('ClusterNetworkPolicy', undefined, 'app-baseline');
    c = await clusterNow();
    await converged(running, c);
    expect(c.clusterPolicies).toEqual([]);
    await expectMatrix('cluster policies deleted', c);
  }, 60_000);

  it('refuses a state with a policy kordon rejects, keeping the last good ruleset, and goes on once it is gone', async () => {
    const before = running.agent.ruleset;
    const seen = events.length;
    // The stand-in stores what it is given: this policy stands for any object the agent's validation refuses.
    api.store.put(policy('db', 'bad-port', { podSelector: {}, ingress: [{ ports: [{ port: 70000 }] }] }));
    await until('the refusal', () => events.slice(seen).some((e) => e.kind === 'rejected'));
    expect(events.slice(seen).find((e) => e.kind === 'rejected')?.message).toMatch(/change refused, the previous ruleset stays in force: cluster:networkpolicies\/db\/bad-port:\d+:\d+: /);
    expect(running.agent.ruleset).toBe(before);
    api.store.delete('NetworkPolicy', 'db', 'bad-port');
    await converged(running, await clusterNow());
  }, 30_000);

  it('when the API server is killed: keeps the last state until the limit, then fails closed; follows on when it is back', async () => {
    const last = await clusterNow();
    const port = api.port;
    await api.stop();
    api.store.delete('NetworkPolicy', 'db', 'deny-all');
    await until('the informers to notice', () => events.some((e) => e.kind === 'warning' && /lost the API server|connection refused/.test(e.message) && e.message.includes('trying again')));
    // Within the limit: the last state seen.
    await expectMatrix('API down, within the limit', last);
    await until('failing closed', () => events.some((e) => e.kind === 'api-lost'), 10_000);
    expect(events.find((e) => e.kind === 'api-lost')?.message).toMatch(/failing closed, every pod of this node is isolated both ways/);
    const { probed: closed } = await probed(last);
    // Isolated both ways: no pod reaches another; a pod still reaches itself.
    const open = Object.values(closed).flatMap((rows) => rows.flatMap((row, i) => [...row].flatMap((cell, j) => (i !== j && cell === '1' ? [`${i}->${j}`] : []))));
    expect(open).toEqual([]);
    expect(Object.values(closed)[0]?.length).toBe(4);
    expect((await get('/healthz')).status).toBe(503);
    await api.start(port);
    await until('the API back', () => events.some((e) => e.kind === 'api-back'));
    const c = await clusterNow();
    await converged(running, c);
    await expectMatrix('API server restarted', c);
    expect((await get('/healthz')).status).toBe(200);
  }, 60_000);

  it('lists again when its watch has expired (410 Gone), seeing the deletions it missed', async () => {
    const port = api.port;
    await api.stop();
    api.store.put(pod('app', 'web', '10.1.0.1', { role: 'web' }));
    api.store.delete('Pod', 'db', 'cache');
    api.store.put(denyDb);
    api.store.compact();
    await api.start(port);
    const c = await clusterNow();
    await converged(running, c);
    expect(events.some((e) => /expired \(410 Gone\): listing them again/.test(e.message))).toBe(true);
    expect((await get('/metrics')).text).toMatch(/^kordon_agent_relists_total\{resource="pods"\} [1-9]\d*$/m);
    await expectMatrix('after 410 Gone', c);
  }, 60_000);

  it('fails open when asked: the table is deleted while the API is lost, and put back when it returns', async () => {
    running.stop();
    const open = await startAgent({ cluster: { kubeconfig, backoffMs: 100, maxBackoffMs: 400 }, node: NODE, netns: lab.nodeNetns, monitor: false, verifyMs: 0, apiLoss: { mode: 'open', afterMs: 500 }, onEvent: (e) => events.push(e) });
    try {
      const c = await clusterNow();
      await converged(open, c);
      const port = api.port;
      await api.stop();
      const seen = events.length;
      await until('failing open', async () => (await listTable('kordon', { netns: lab.nodeNetns })) === undefined, 10_000);
      await until('the fail-open line', () => events.slice(seen).some((e) => e.kind === 'api-lost'));
      expect(events.slice(seen).find((e) => e.kind === 'api-lost')?.message).toMatch(/failing open, the table is deleted and nothing is enforced/);
      await api.start(port);
      await converged(open, c);
      await expectMatrix('back from failing open', c);
    } finally {
      open.stop();
    }
  }, 60_000);
});
