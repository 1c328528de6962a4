import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from '@kordon/engine';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterOf } from '../conformance/upstream.js';
import { Lab } from '../lab/lab.js';
import { applyScript, checkPrivileges, hasNetAdmin, listTable, type NftJson } from '../nft/apply.js';
import { compileRuleset } from '../nft/compile.js';
import { renderRuleset } from '../nft/ruleset.js';
import { requirePrivileges } from '../test-support.js';
import { Agent } from './agent.js';

requirePrivileges();

type Obj = Record<string, unknown>;

const ns = (name: string, labels: Record<string, string> = {}): Obj => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const pod = (namespace: string, name: string, ip: string, labels: Record<string, string>, ports: Array<[string, number, string]> = []): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace, name, labels },
  spec: { containers: [{ name: 'c', image: 'x', ports: ports.map(([n, p, proto]) => ({ name: n, containerPort: p, protocol: proto })) }] },
  status: { phase: 'Running', podIP: ip, podIPs: ip.split(',').map((i) => ({ ip: i })) },
});
const policy = (namespace: string, name: string, spec: Obj): Obj => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace, name }, spec });

const base = [
  ns('app', { team: 'a' }),
  ns('db', { team: 'b' }),
  pod('app', 'web', '10.1.0.1,fd00:1::1', { role: 'web' }, [['http', 8080, 'TCP']]),
  pod('app', 'api', '10.1.0.2,fd00:1::2', { role: 'api' }, [['http', 9090, 'TCP']]),
  pod('db', 'pg', '10.2.0.1,fd00:2::1', { role: 'db' }, [['pg', 5432, 'TCP'], ['dns', 53, 'UDP']]),
];

function cluster(...objs: Obj[]): Cluster {
  const { cluster: c, diagnostics } = clusterOf([...base, ...objs]);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map((d) => d.message).join('; '));
  return c;
}

/** The table as the kernel holds it, without handles and counters, elements sorted: equal means same behaviour. */
function normal(j: NftJson | undefined): unknown {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (k === 'handle' || k === 'packets' || k === 'bytes' || k === 'expires') continue;
        o[k] = k === 'elem' && Array.isArray(x) ? x.map(strip).map((e) => JSON.stringify(e)).sort() : strip(x);
      }
      return o;
    }
    return v;
  };
  // Objects by kind and name; a stable sort keeps the rules of a chain in their order.
  const key = (x: Record<string, unknown>): string => {
    const [kind, body] = Object.entries(x)[0] as [string, Record<string, unknown>];
    return `${kind}:${String(body['chain'] ?? body['name'] ?? '')}`;
  };
  const items = (j?.nftables ?? []).filter((x) => !('metainfo' in x));
  return strip([...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)));
}

const denyAllIngress = policy('db', 'deny', { podSelector: {}, policyTypes: ['Ingress'] });
const allowWebToPg = policy('db', 'web-to-pg', {
  podSelector: { matchLabels: { role: 'db' } },
  ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: { matchLabels: { role: 'web' } } }], ports: [{ port: 'pg' }, { port: 6000, endPort: 6010 }] }],
});
const egressApi = policy('app', 'api-egress', {
  podSelector: { matchLabels: { role: 'api' } },
  policyTypes: ['Egress'],
  egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ protocol: 'UDP', port: 'dns' }, { protocol: 'TCP' }] }, { to: [{ podSelector: {} }] }],
});

describe('agent', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create({ hosts: [] });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it('has the privileges it needs here, and reads CAP_NET_ADMIN from /proc status', async () => {
    expect(await checkPrivileges({ netns: lab.nodeNetns })).toEqual({ ok: true, problems: [] });
    expect(hasNetAdmin('Name:\tx\nCapEff:\t000001ffffffffff\n')).toBe(true);
    expect(hasNetAdmin('Name:\tx\nCapEff:\t0000000000000000\n')).toBe(false);
    expect(hasNetAdmin('Name:\tx\nCapEff:\t0000000000001000\n')).toBe(true);
  });

  it('applies each change incrementally, ending in exactly the table a full replace makes', async () => {
    const agent = await Agent.create({ netns: lab.nodeNetns });
    const steps: Cluster[] = [
      cluster(),
      cluster(denyAllIngress),
      cluster(denyAllIngress, allowWebToPg),
      cluster(denyAllIngress, allowWebToPg, egressApi),
      cluster(allowWebToPg, egressApi, pod('db', 'redis', '10.2.0.2', { role: 'db' }, [['pg', 6379, 'TCP']])),
      cluster(allowWebToPg, egressApi, pod('app', 'web2', '10.1.0.3', { role: 'web' })),
      cluster(egressApi),
      cluster(),
    ];
    const modes: string[] = [];
    for (const c of steps) {
      const r = await agent.sync(c);
      modes.push(r.mode);
      const incremental = normal(await listTable('kordon', { netns: lab.nodeNetns }));
      await applyScript(renderRuleset(compileRuleset(c)), { netns: lab.nodeNetns });
      expect(incremental).toEqual(normal(await listTable('kordon', { netns: lab.nodeNetns })));
    }
    expect(modes).toEqual(['full', 'incremental', 'incremental', 'incremental', 'incremental', 'incremental', 'incremental', 'incremental']);
  });

  it('touches only the affected elements and chains for a one-pod change', async () => {
    const agent = await Agent.create({ netns: lab.nodeNetns });
    await agent.sync(cluster(denyAllIngress, allowWebToPg, egressApi));
    const r = await agent.sync(cluster(denyAllIngress, allowWebToPg, egressApi, pod('app', 'web2', '10.1.0.3', { role: 'web' })));
    expect(r.mode).toBe('incremental');
    expect(r.script).not.toMatch(/delete table|flush table/);
    // web2 becomes a peer of pg's ingress and an address api's egress excludes: element changes, no rewritten chain.
    expect(r.chains).toEqual([]);
    expect(r.addedElements + r.deletedElements).toBeGreaterThan(0);
    expect(r.addedElements + r.deletedElements).toBeLessThanOrEqual(6);
  });

  it('leaves the previous table whole when a transaction fails', async () => {
    const agent = await Agent.create({ netns: lab.nodeNetns });
    await agent.sync(cluster(denyAllIngress));
    const before = normal(await listTable('kordon', { netns: lab.nodeNetns }));
    const bad = `add element inet kordon ingress4 { 10.9.9.9 : jump in_nonexistent }\nflush chain inet kordon forward\n`;
    await expect(applyScript(bad, { netns: lab.nodeNetns })).rejects.toThrow(/nft check failed/);
    await expect(applyScript(bad, { netns: lab.nodeNetns }, { check: false })).rejects.toThrow(/nft apply failed/);
    expect(normal(await listTable('kordon', { netns: lab.nodeNetns }))).toEqual(before);
  });

  it('replaces the whole table when someone changed it behind the agent', async () => {
    const agent = await Agent.create({ netns: lab.nodeNetns });
    await agent.sync(cluster(denyAllIngress));
    await applyScript('delete table inet kordon\n', { netns: lab.nodeNetns });
    const logs: string[] = [];
    const agent2 = agent;
    agent2.opts.log = (l) => logs.push(l);
    const r = await agent2.sync(cluster(denyAllIngress, allowWebToPg));
    expect(r.mode).toBe('full');
    expect(logs.join('\n')).toMatch(/incremental update failed/);
    await applyScript(renderRuleset(compileRuleset(cluster(denyAllIngress, allowWebToPg))), { netns: `${lab.nodeNetns}` });
  });

  // Issue 13: a change behind the agent's back that a sync puts right (its incremental transaction fails, the table is
  // replaced) is a repair: counted, and logged as one, like those the verify finds.
  it('counts and logs as a repair the replacement of a table changed behind it', async () => {
    const logs: string[] = [];
    const agent = await Agent.create({ netns: lab.nodeNetns, log: (l) => logs.push(l) });
    await agent.sync(cluster(denyAllIngress));
    expect(agent.repairs).toBe(0);
    await applyScript('delete table inet kordon\n', { netns: lab.nodeNetns });
    await agent.sync(cluster(denyAllIngress, allowWebToPg));
    expect(agent.repairs).toBe(1);
    expect(logs.filter((l) => l.startsWith('repaired the table (repair 1; an incremental update failed:'))).toHaveLength(1);
    // The kernel now holds the ruleset: a check finds nothing to repair.
    expect((await agent.verify()).state).toBe('ok');
  });

  it('refuses a table name that would put other commands into its scripts', async () => {
    for (const table of ['k; flush table inet other', 'k\nflush ruleset', 'a b', ''])
      await expect(Agent.create({ netns: lab.nodeNetns, table })).rejects.toThrow(/bad --table/);
    expect((await Agent.create({ netns: lab.nodeNetns, table: 'kordon_2-b' })).table).toBe('kordon_2-b');
  });

  /** An `nft` that hangs on its next `hangs` transactions (`-f`), recording its pids, and is the real one otherwise. */
  const hangingNft = (hangs: number) => {
    const d = mkdtempSync(join(tmpdir(), 'kordon-nft-'));
    writeFileSync(join(d, 'hangs'), `${hangs}\n`);
    writeFileSync(
      join(d, 'nft'),
      `#!/bin/sh\nif [ "$1" = "-f" ] && [ "$(cat ${d}/hangs)" -gt 0 ]; then\n  echo $(( $(cat ${d}/hangs) - 1 )) > ${d}/hangs\n  echo $$ >> ${d}/pids\n  sleep 60\nfi\nexec nft "$@"\n`,
    );
    chmodSync(join(d, 'nft'), 0o755);
    const pids = (): number[] => readFileSync(join(d, 'pids'), 'utf8').trim().split('\n').map(Number);
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    return { program: join(d, 'nft'), pids, alive, cleanup: () => rmSync(d, { recursive: true, force: true }) };
  };

  it('times out a hung nft, kills it, and tries again with backoff, saying so', async () => {
    const fake = hangingNft(2);
    try {
      const logs: string[] = [];
      const agent = await Agent.create({ netns: lab.nodeNetns, nftProgram: fake.program, nftTimeoutMs: 300, nftBackoffMs: 50, log: (l) => logs.push(l) });
      const t0 = performance.now();
      const r = await agent.sync(cluster(denyAllIngress));
      expect(r.mode).toBe('full');
      expect(performance.now() - t0).toBeLessThan(5000);
      expect(logs).toHaveLength(2);
      expect(logs[0]).toMatch(/nft apply timed out after 0\.3 s and was killed; trying again in 0\.05 s \(attempt 2 of 3\)/);
      expect(logs[1]).toMatch(/trying again in 0\.2 s \(attempt 3 of 3\)/);
      expect(fake.pids()).toHaveLength(2);
      expect(fake.pids().filter(fake.alive)).toEqual([]);
      expect(normal(await listTable('kordon', { netns: lab.nodeNetns }))).toEqual(normal(await (async () => {
        await applyScript(renderRuleset(compileRuleset(cluster(denyAllIngress))), { netns: lab.nodeNetns });
        return listTable('kordon', { netns: lab.nodeNetns });
      })()));
    } finally {
      fake.cleanup();
    }
  });

  it('gives up after its attempts, leaving the table as it was and saying so', async () => {
    const fake = hangingNft(5);
    try {
      const logs: string[] = [];
      const agent = await Agent.create({ netns: lab.nodeNetns, nftProgram: fake.program, nftTimeoutMs: 200, nftAttempts: 2, nftBackoffMs: 10, log: (l) => logs.push(l) });
      await applyScript(renderRuleset(compileRuleset(cluster())), { netns: lab.nodeNetns });
      const before = normal(await listTable('kordon', { netns: lab.nodeNetns }));
      await expect(agent.sync(cluster(denyAllIngress))).rejects.toThrow(/nft apply timed out after 0\.2 s, 2 times/);
      expect(logs.join('\n')).toMatch(/giving up/);
      expect(normal(await listTable('kordon', { netns: lab.nodeNetns }))).toEqual(before);
      expect(fake.pids().filter(fake.alive)).toEqual([]);
    } finally {
      fake.cleanup();
    }
  });

  it('touches no table but its own', async () => {
    await applyScript('table inet other {\n chain c {\n  type filter hook input priority 0; policy accept;\n }\n}\n', { netns: lab.nodeNetns });
    const agent = await Agent.create({ netns: lab.nodeNetns });
    await agent.sync(cluster(denyAllIngress));
    await agent.sync(cluster());
    await agent.uninstall();
    expect(await listTable('other', { netns: lab.nodeNetns })).toBeDefined();
    expect(await listTable('kordon', { netns: lab.nodeNetns })).toBeUndefined();
  });
});
