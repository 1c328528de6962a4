// kordon agent: the options checked before anything touches nftables (the agent itself is tested in the dataplane).
import { execFileSync } from 'node:child_process';
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
