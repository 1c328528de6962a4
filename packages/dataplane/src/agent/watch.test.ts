import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Lab } from '../lab/lab.js';
import { applyScript, listTable } from '../nft/apply.js';
import { expectedView, kernelView, viewDigest } from '../nft/digest.js';
import { requirePrivileges } from '../test-support.js';
import { startAgent, type AgentEvent, type RunningAgent } from './watch.js';

requirePrivileges();

const PODS = `
apiVersion: v1
kind: Namespace
metadata: {name: app}
---
apiVersion: v1
kind: Namespace
metadata: {name: db}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: app, labels: {role: web}}
spec: {containers: [{name: c, image: x}]}
status: {phase: Running, podIP: 10.7.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: app, labels: {role: api}}
spec: {containers: [{name: c, image: x}]}
status: {phase: Running, podIP: 10.7.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: pg, namespace: db, labels: {role: db}}
spec: {containers: [{name: c, image: x, ports: [{name: pg, containerPort: 5432}]}]}
status: {phase: Running, podIP: 10.7.1.1}
`;
const DENY = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: db}
spec: {podSelector: {}, policyTypes: [Ingress]}
`;
const ALLOW_WEB = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-to-pg, namespace: db}
spec:
  podSelector: {matchLabels: {role: db}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: app}}, podSelector: {matchLabels: {role: web}}}]
    ports: [{port: pg}]
`;
const INVALID = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: broken, namespace: db}
spec:
  podSelector: {}
  ingress: [{ports: [{port: 70000}]}]
`;

const WEB = 0;
const API = 1;
const PG = 2;

describe('kordon agent following a directory', () => {
  let dir: string;
  let lab: Lab;
  let running: RunningAgent | undefined;
  const events: AgentEvent[] = [];
  let waiters: Array<(e: AgentEvent) => void> = [];
  const onEvent = (e: AgentEvent): void => {
    events.push(e);
    const w = waiters;
    waiters = [];
    for (const f of w) f(e);
  };
  const nextEvent = (): Promise<AgentEvent> => new Promise((r) => waiters.push(r));
  const canReach = async (from: number): Promise<boolean> => (await lab.probe([{ from, to: PG, port: 5432, protocol: 'TCP' }], 800))[0]!.ok;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kordon-agent-'));
    writeFileSync(join(dir, 'pods.yaml'), PODS);
    writeFileSync(join(dir, 'deny.yaml'), DENY);
    lab = await Lab.create({
      hosts: [
        { name: 'app/web', ips: ['10.7.0.1'], serve: [] },
        { name: 'app/api', ips: ['10.7.0.2'], serve: [] },
        { name: 'db/pg', ips: ['10.7.1.1'], serve: [{ port: 5432, protocol: 'TCP' }] },
      ],
    });
    running = await startAgent({ source: dir, netns: lab.nodeNetns, onEvent });
  }, 30_000);
  afterAll(async () => {
    running?.stop();
    await lab?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('enforces the directory from the start and records what it denied', async () => {
    expect(events[0]?.kind).toBe('synced');
    expect(await canReach(WEB)).toBe(false);
    const denied = await running!.agent.denied();
    expect(denied).toContainEqual(expect.objectContaining({ direction: 'ingress', from: 'app/web', to: 'db/pg', protocol: 'TCP', port: 5432 }));
    expect(denied.find((d) => d.from === 'app/web')!.packets).toBeGreaterThanOrEqual(1);
  });

  // Its end-to-end time is a benchmark figure (packages/dataplane/src/bench, BENCHMARKS.md), not asserted here.
  it('applies a new policy file as one incremental transaction', async () => {
    const ev = nextEvent();
    writeFileSync(join(dir, 'allow.yaml'), ALLOW_WEB);
    const e = await ev;
    expect(e.kind, e.message).toBe('synced');
    expect(e.result?.mode).toBe('incremental');
    expect(await canReach(WEB)).toBe(true);
    expect(await canReach(API)).toBe(false);
  });

  it('refuses a change with an invalid policy and keeps the last good ruleset', async () => {
    const before = running!.agent.ruleset;
    const ev = nextEvent();
    writeFileSync(join(dir, 'broken.yaml'), INVALID);
    const e = await ev;
    expect(e.kind).toBe('rejected');
    expect(e.message).toMatch(/broken\.yaml/);
    expect(running!.agent.ruleset).toBe(before);
    expect(await canReach(WEB)).toBe(true);
    expect(await canReach(API)).toBe(false);
    const ev2 = nextEvent();
    rmSync(join(dir, 'broken.yaml'));
    expect((await ev2).kind).toBe('synced');
  });

  it('keeps enforcing across a restart: no denied connection gets through while a new agent takes over', async () => {
    running!.stop();
    let leaks = 0;
    let tries = 0;
    let stop = false;
    const hammer = (async () => {
      while (!stop) {
        const r = await lab.probe(Array.from({ length: 20 }, () => ({ from: API, to: PG, port: 5432, protocol: 'TCP' as const })), 300);
        tries += r.length;
        leaks += r.filter((x) => x.ok).length;
      }
    })();
    for (let i = 0; i < 3; i++) {
      const again = await startAgent({ source: dir, netns: lab.nodeNetns, onEvent });
      expect(again.agent.ruleset).toBeDefined();
      again.stop();
    }
    running = await startAgent({ source: dir, netns: lab.nodeNetns, onEvent });
    await new Promise((r) => setTimeout(r, 400));
    stop = true;
    await hammer;
    expect(tries).toBeGreaterThan(0);
    expect(leaks).toBe(0);
    expect(await canReach(WEB)).toBe(true);
  });

  it('rescans the directory periodically, so a change whose file event is lost still gets enforced', async () => {
    const own = mkdtempSync(join(tmpdir(), 'kordon-rescan-'));
    const seen: AgentEvent[] = [];
    // File events wait a minute here: only the rescan can pick the change up within the test.
    const other = await startAgent({ source: own, netns: lab.nodeNetns, table: 'kordon_rescan', debounceMs: 60_000, rescanMs: 50, onEvent: (e) => seen.push(e) });
    try {
      // The agent of the other tests lets web reach pg; this one's table, once it has the deny policy, stops it.
      expect(await canReach(WEB)).toBe(true);
      writeFileSync(join(own, 'pods.yaml'), PODS);
      writeFileSync(join(own, 'deny.yaml'), DENY);
      const enforced = (): boolean => seen.some((e) => e.result?.mode === 'incremental' && e.result.sets.some((n) => n.startsWith('ingress')));
      for (let i = 0; i < 40 && !enforced(); i++) await new Promise((r) => setTimeout(r, 25));
      expect(enforced()).toBe(true);
      expect(await canReach(WEB)).toBe(false);
      // Rescans that find nothing new say nothing.
      const count = seen.length;
      await new Promise((r) => setTimeout(r, 200));
      expect(seen).toHaveLength(count);
    } finally {
      other.stop();
      await other.agent.uninstall();
      rmSync(own, { recursive: true, force: true });
    }
  });

  /** A fresh directory and agent (own table, rescans off unless asked) for one test. */
  const own = async (name: string, files: Record<string, string>, extra: { rescanMs?: number; verifyMs?: number; monitor?: boolean } = {}) => {
    const d = mkdtempSync(join(tmpdir(), `kordon-${name}-`));
    for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
    const seen: AgentEvent[] = [];
    const a = await startAgent({ source: d, netns: lab.nodeNetns, table: `kordon_${name}`, rescanMs: extra.rescanMs ?? 0, ...extra, onEvent: (e) => seen.push(e) });
    const cleanup = async (): Promise<void> => {
      a.stop();
      await a.agent.uninstall();
      rmSync(d, { recursive: true, force: true });
    };
    return { dir: d, agent: a, seen, cleanup };
  };
  const isolated = (a: RunningAgent): string[] =>
    (a.agent.ruleset?.sets.find((s) => s.name === 'ingress4')?.elements ?? []).map((e) => e.split(' ')[0] as string);
  const until = async (what: () => boolean, ms = 2000): Promise<boolean> => {
    for (let t = 0; t < ms && !what(); t += 20) await new Promise((r) => setTimeout(r, 20));
    return what();
  };
  const onePod = (n: number): string =>
    `apiVersion: v1\nkind: Pod\nmetadata: {name: p${n}, namespace: db}\nspec: {containers: [{name: c, image: x}]}\nstatus: {phase: Running, podIP: 10.7.9.${n}}\n`;

  it('follows a file created and replaced by rename (as editors and atomic writers do) and then deleted, without rescans', async () => {
    const t = await own('renames', { 'deny.yaml': DENY });
    try {
      const tmp = join(t.dir, '.p4.yaml.tmp');
      writeFileSync(tmp, onePod(4));
      renameSync(tmp, join(t.dir, 'p4.yaml'));
      expect(await until(() => isolated(t.agent).includes('10.7.9.4'))).toBe(true);
      writeFileSync(tmp, onePod(5));
      renameSync(tmp, join(t.dir, 'p4.yaml'));
      expect(await until(() => isolated(t.agent).includes('10.7.9.5'))).toBe(true);
      expect(isolated(t.agent)).not.toContain('10.7.9.4');
      rmSync(join(t.dir, 'p4.yaml'));
      expect(await until(() => !isolated(t.agent).includes('10.7.9.5'))).toBe(true);
      // A directory moved in whole, then removed.
      const staged = mkdtempSync(join(tmpdir(), 'kordon-staged-'));
      writeFileSync(join(staged, 'p6.yaml'), onePod(6));
      renameSync(staged, join(t.dir, 'team'));
      expect(await until(() => isolated(t.agent).includes('10.7.9.6'))).toBe(true);
      writeFileSync(join(t.dir, 'team', 'p7.yaml'), onePod(7));
      expect(await until(() => isolated(t.agent).includes('10.7.9.7'))).toBe(true);
      rmSync(join(t.dir, 'team'), { recursive: true });
      expect(await until(() => isolated(t.agent).length === 0)).toBe(true);
    } finally {
      await t.cleanup();
    }
  });

  it('says nothing and syncs nothing for events on hidden files, other files, or its own log inside the directory', async () => {
    const t = await own('ignored', { 'deny.yaml': DENY, 'p1.yaml': onePod(1) });
    try {
      const start = t.seen.length;
      writeFileSync(join(t.dir, '.swapfile'), 'x');
      mkdirSync(join(t.dir, '.git'));
      writeFileSync(join(t.dir, '.git', 'HEAD'), 'x');
      for (let i = 0; i < 20; i++) appendFileSync(join(t.dir, 'agent.log'), `line ${i}\n`);
      writeFileSync(join(t.dir, 'notes.txt'), 'x');
      await new Promise((r) => setTimeout(r, 300));
      expect(t.seen.slice(start).map((e) => e.message)).toEqual([]);
      // The same content written again is no change either.
      writeFileSync(join(t.dir, 'p1.yaml'), onePod(1));
      await new Promise((r) => setTimeout(r, 300));
      expect(t.seen.slice(start).map((e) => e.message)).toEqual([]);
      writeFileSync(join(t.dir, 'p1.yaml'), onePod(2));
      expect(await until(() => isolated(t.agent).includes('10.7.9.2'))).toBe(true);
      expect(t.seen.slice(start).map((e) => e.kind)).toEqual(['synced']);
    } finally {
      await t.cleanup();
    }
  });

  it('with rescans off, stops and says why when its directory is deleted; the table stays', async () => {
    const t = await own('gone', { 'deny.yaml': DENY, 'p1.yaml': onePod(1) });
    try {
      rmSync(t.dir, { recursive: true });
      const stop = await Promise.race([t.agent.done, new Promise<undefined>((r) => setTimeout(() => r(undefined), 3000))]);
      expect(stop?.reason).toMatch(/deleted|no longer/);
      expect(stop?.reason).toContain(t.dir);
      expect(t.seen.at(-1)?.kind).toBe('stopped');
      expect(await until(() => false, 50)).toBe(false);
      expect(isolated(t.agent)).toEqual(['10.7.9.1']);
    } finally {
      await t.cleanup();
    }
  });

  const kernelDigest = async (table: string): Promise<string> => viewDigest(kernelView(await listTable(table, { netns: lab.nodeNetns }), table));

  it('repairs at once, through nft monitor, what another process changes in its table; its own changes are not repairs', async () => {
    const t = await own('monitored', { 'deny.yaml': DENY, 'pods.yaml': PODS }, { verifyMs: 0 });
    try {
      const table = 'kordon_monitored';
      const want = (): string => viewDigest(expectedView(t.agent.agent.ruleset!));
      // Another process: this one's own nft runs count as the agent's.
      const nft = async (cmd: string): Promise<void> => void execFileSync('ip', ['netns', 'exec', lab.nodeNetns, 'nft', cmd]);
      await new Promise((r) => setTimeout(r, 300));
      for (const tamper of [`delete element inet ${table} ingress4 { 10.7.1.1 }`, `flush chain inet ${table} deny_ingress`, `delete table inet ${table}`]) {
        const before = t.seen.length;
        const t0 = performance.now();
        await nft(tamper);
        expect(await until(() => t.seen.length > before, 3000), tamper).toBe(true);
        expect(performance.now() - t0, tamper).toBeLessThan(1500);
        expect(t.seen[before]?.kind, tamper).toBe('repaired');
        expect(t.seen[before]?.message, tamper).toMatch(/changed by process \d+ \(nft\)/);
        expect(await kernelDigest(table), tamper).toBe(want());
      }
      expect(t.agent.agent.repairs).toBe(3);
      // A change of its own, from the directory, is a sync and no repair.
      writeFileSync(join(t.dir, 'p3.yaml'), onePod(3));
      expect(await until(() => isolated(t.agent).includes('10.7.9.3'))).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      expect(t.agent.agent.repairs).toBe(3);
      expect(t.seen.filter((e) => e.kind === 'repaired')).toHaveLength(3);
    } finally {
      await t.cleanup();
    }
  });

  it('repairs on its periodic check when no monitor runs', async () => {
    const t = await own('checked', { 'deny.yaml': DENY, 'pods.yaml': PODS }, { verifyMs: 150, monitor: false });
    try {
      await applyScript('delete element inet kordon_checked ingress4 { 10.7.1.1 }\n', { netns: lab.nodeNetns }, { check: false });
      expect(await until(() => t.seen.some((e) => e.kind === 'repaired'))).toBe(true);
      expect(t.seen.find((e) => e.kind === 'repaired')?.message).toMatch(/periodic check\): ingress4 lacked 1 and had 0 extra elements; put back what differed/);
      expect(await kernelDigest('kordon_checked')).toBe(viewDigest(expectedView(t.agent.agent.ruleset!)));
      // Checks that find the table as it should be say nothing.
      const n = t.seen.length;
      await new Promise((r) => setTimeout(r, 400));
      expect(t.seen).toHaveLength(n);
    } finally {
      await t.cleanup();
    }
  });

  it('refuses to start on manifests with errors, saying where', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'kordon-bad-'));
    try {
      writeFileSync(join(bad, 'broken.yaml'), INVALID);
      await expect(startAgent({ source: bad, netns: lab.nodeNetns })).rejects.toThrow(/broken\.yaml:\d+:\d+/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});
