// kordon agent: the options checked before anything touches nftables (the agent itself is tested in the dataplane).
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { makePki, TestApiServer } from '@kordon/source/testing';
import { describe, expect, it } from 'vitest';
import { run, tempTree } from './test-support.js';

describe('kordon agent', () => {
  it.each(['-1', 'soon', ''])('refuses --rescan %j as a usage error', async (value) => {
    const r = await run(['agent', '.', '--rescan', value]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('bad --rescan');
  });

  it.each(['-1', 'soon', ''])('refuses --verify %j as a usage error', async (value) => {
    const r = await run(['agent', '.', '--verify', value]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('bad --verify');
  });

  it.each(['0', '-1', 'soon'])('refuses --nft-timeout %j as a usage error', async (value) => {
    const r = await run(['agent', '.', '--nft-timeout', value]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('bad --nft-timeout');
  });

  // The name goes into nft scripts: one that is not a plain name could run other commands on other tables.
  it.each([['--uninstall'], ['--denied'], ['--once'], []])('refuses a --table that is not a plain name (%j), as kordon nft does', async (...mode) => {
    for (const table of ['k; flush table inet other', 'k\nflush ruleset', '', '9lives', 'a'.repeat(65)]) {
      // A namespace that does not exist: were the name let through, nothing on this machine would be touched.
      const r = await run(['agent', '--netns', 'kordon-test-no-such-netns', ...mode, '--table', table, '.']);
      expect(r.code, table).toBe(2);
      expect(r.err, table).toContain(`bad --table ${JSON.stringify(table)}`);
      const n = await run(['nft', '--table', table, 'packages/cli/src/__fixtures__']);
      expect(n.err, table).toContain(`bad --table ${JSON.stringify(table)}`);
    }
  });

  // Runs the agent for real, in a network namespace of its own (the dataplane tests need root and nft the same way).
  it('exits 1, naming the file, when the manifests are invalid at start; nothing is enforced', async () => {
    const ns = `kordon-cli-agent-${process.pid}`;
    const t = tempTree({ 'bad.yaml': 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: b, namespace: x}\nspec: {podSelector: {}, ingress: [{ports: [{port: 70000}]}]}\n' });
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      const r = await run(['agent', '--netns', ns, '--rescan', '0', t.dir]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/bad\.yaml:\d+:\d+/);
      expect(r.err).toContain('nothing was enforced');
      expect(execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'tables'], { encoding: 'utf8' })).toBe('');
    } finally {
      execFileSync('ip', ['netns', 'del', ns]);
      t.cleanup();
    }
  });

  it.each(['--once', '--denied', '--uninstall'])('--connection-log with %s is a usage error: there is no run to log', async (mode) => {
    const r = await run(['agent', '.', '--netns', 'kordon-test-no-such-netns', '--connection-log', 'c.jsonl', mode]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--connection-log logs while the agent runs: it does nothing with ${mode}`);
  });

  it.each([
    [[], 'give a directory of manifests, or --kubeconfig FILE or --in-cluster'],
    [['--in-cluster'], 'needs --node NAME (or NODE_NAME)'],
    [['--in-cluster', '.'], '--in-cluster follows the API server: give it without SOURCE'],
    [['--in-cluster', '--node', 'n1', '--api-loss', 'maybe'], 'bad --api-loss "maybe": give keep, open, closed'],
    [['--in-cluster', '--node', 'n1', '--api-loss-after', 'soon'], 'bad --api-loss-after'],
    [['--in-cluster', '--node', 'n1', '--listen', 'localhost'], 'bad --listen "localhost": give HOST:PORT'],
  ])('following the API: %j is a usage error', async (args, message) => {
    const r = await run(['agent', '--netns', 'kordon-test-no-such-netns', ...args], { env: {} });
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });

  it('follows the API server with --kubeconfig --node, --once syncs after every list and exits 0', async () => {
    const ns = `kordon-cli-agent-api-${process.pid}`;
    const api = new TestApiServer({ pki: makePki(), tokens: { t: 'agent' } });
    await api.start();
    const pod = (name: string, node: string, ip: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'a', name, labels: { app: name } }, spec: { nodeName: node, containers: [{ name: 'c' }] }, status: { podIP: ip, hostIP: '10.9.0.1' } });
    api.store.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } });
    api.store.put(pod('mine', 'n1', '10.0.0.1'));
    api.store.put(pod('theirs', 'n2', '10.0.0.2'));
    api.store.put({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'a', name: 'deny' }, spec: { podSelector: {} } });
    const t = tempTree({ kc: api.kubeconfig({ token: 't' }) });
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      const r = await run(['agent', '--kubeconfig', t.path('kc'), '--node', 'n1', '--netns', ns, '--once', '--listen', '127.0.0.1:0']);
      expect(r.err).toMatch(/until every list is complete, traffic is left as it is/);
      expect(r.err).toMatch(/enforcing the API server https:\/\/127\.0\.0\.1:\d+ \(context test\): 1 local pods, 1 policies \(full\)/);
      expect(r.err).toMatch(/\/healthz and \/metrics on http:\/\/127\.0\.0\.1:\d+/);
      expect(r.code).toBe(0);
      // Only the pod of n1 is enforced for; the pod of n2 is a peer.
      const table = execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'map', 'inet', 'kordon', 'ingress4'], { encoding: 'utf8' });
      expect(table).toContain('10.0.0.1');
      expect(table).not.toContain('10.0.0.2');
    } finally {
      execFileSync('ip', ['netns', 'del', ns]);
      await api.stop();
      t.cleanup();
    }
  }, 30_000);
});

// The connection log end to end: a real agent process in a netns lab, a probe it denies, the line it appends, and
// `generate --flows` reading that line. The log sits in the watched directory under a manifest's name (.json):
// appending to it must neither be read as a manifest nor cause a sync.
describe('kordon agent --connection-log', () => {
  it('appends a line for a denied connection, in the format generate --flows reads; the log causes no sync', async () => {
    const { Lab } = await import('@kordon/dataplane');
    const t = tempTree({
      'pods.yaml': [
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: app}',
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: db}',
        'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: app, labels: {app: web}}\nspec: {containers: [{name: c, image: x}]}\nstatus: {phase: Running, podIP: 10.7.0.1}',
        'apiVersion: v1\nkind: Pod\nmetadata: {name: pg, namespace: db, labels: {app: pg}}\nspec: {containers: [{name: c, image: x, ports: [{name: pg, containerPort: 5432}]}]}\nstatus: {phase: Running, podIP: 10.7.1.1}',
      ].join('\n---\n'),
      'deny.yaml': 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: db}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n',
    });
    const log = t.path('connections.json');
    const lab = await Lab.create({
      hosts: [
        { name: 'app/web', ips: ['10.7.0.1'], serve: [] },
        { name: 'db/pg', ips: ['10.7.1.1'], serve: [{ port: 5432, protocol: 'TCP' }] },
      ],
    });
    const agent = spawn('node', [BIN, 'agent', t.dir, '--netns', lab.nodeNetns, '--rescan', '0', '--connection-log', log], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    agent.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((r) => agent.on('exit', (code) => r(code)));
    try {
      await until(() => /enforcing/.test(err) || agent.exitCode !== null, 20_000);
      expect(err).toMatch(/enforcing .*: 2 local pods, 1 policies/);
      const [probe] = await lab.probe([{ from: 0, to: 1, port: 5432, protocol: 'TCP' }], 800);
      expect(probe!.ok).toBe(false);
      await until(() => readFileSync(log, 'utf8').includes('\n'), 10_000);
      // Time for a sync the append would have caused (events are debounced 10 ms) to show.
      await new Promise((r) => setTimeout(r, 500));
      const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toEqual({ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), node: hostname(), direction: 'ingress', verdict: 'denied', from: 'app/web', to: 'db/pg', port: 5432, protocol: 'TCP', packets: expect.any(Number) });
      expect(err.trim().split('\n'), err).toHaveLength(1);
    } finally {
      agent.kill('SIGTERM');
      await exited;
      await lab.destroy();
    }
    try {
      const g = await run(['generate', t.path('pods.yaml'), t.path('deny.yaml'), '--flows', log, '-o', 'json']);
      expect(g.code, g.err).toBe(0);
      const j = JSON.parse(g.out) as { proof: { holds: boolean; allowed: { total: number } }; files: Array<{ text: string }> };
      expect(j.proof.holds).toBe(true);
      expect(j.proof.allowed.total).toBe(1);
      expect(g.err + g.out).toMatch(/1 connection the policies in force denied is taken as wanted/);
    } finally {
      t.cleanup();
    }
  }, 60_000);
});

const BIN = fileURLToPath(new URL('../bin/kordon.js', import.meta.url));

async function until(done: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
