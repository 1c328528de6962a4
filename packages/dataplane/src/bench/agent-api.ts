// The agent following the API: `node packages/dataplane/dist/bench/agent-api.js [--pods 1000] [--policies 200]
// [--nodes 10] [--cluster-policies 0] [--rounds 9] [--verify 0] [--json FILE] [--kordon FILE]` (root, nft, ip, openssl).
//
// Serves a synthetic cluster from the stand-in API server (in this process), runs `kordon agent --kubeconfig …
// --node node-0` (the real command, its own process) in a network namespace, and changes the cluster through the
// server: a pod of node-0 added, relabelled and deleted, a policy's port changed, (with --cluster-policies) a
// ClusterNetworkPolicy's rule action or port changed, and a namespace's env label flipped. Each change is timed from the
// store's write to the agent's log line of the committed nft transaction (the watch event's delivery, the build,
// the compile and nft), with the agent's main-thread CPU over the change from /proc. Also: the time to the first
// sync, and the agent's RSS after it and at the end.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { makePki, TestApiServer } from '@kordon/source/testing';
import { Lab } from '../lab/lab.js';
import { syntheticIP, syntheticObjects } from './synthetic.js';

type Obj = Record<string, unknown>;
const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const PODS = opt('--pods', 1000);
const POLICIES = opt('--policies', 200);
const NODES = opt('--nodes', 10);
const ROUNDS = opt('--rounds', 9);
const CLUSTER_POLICIES = opt('--cluster-policies', 0);
// The agent's periodic check of the kernel's table (its own default is 10 s); 0 leaves only the checks the monitor asks for.
const VERIFY_S = opt('--verify', 0);
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
// What the agent said, each line with its time since the start: where a slow change spent its time.
const logOut = args.includes('--log') ? args[args.indexOf('--log') + 1] : undefined;
// `--kordon FILE`: another build's launcher as the agent (an A/B; the cluster and the timing stay this script's).
const KORDON = args.includes('--kordon') ? (args[args.indexOf('--kordon') + 1] as string) : fileURLToPath(new URL('../../../../bin/kordon.js', import.meta.url));
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : NaN;
};
/** The nearest-rank 95th percentile (with under 20 samples, the largest). */
const p95 = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)]! : NaN;
};

function rssMB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** CPU milliseconds of the process's main thread (utime + stime of /proc/PID/task/PID/stat). */
function mainThreadCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

async function main(): Promise<void> {
  log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}, node ${process.version}, ${new Date().toISOString()}`);
  const dir = mkdtempSync(join(tmpdir(), 'kordon-agent-api-'));
  const api = new TestApiServer({ pki: makePki(), tokens: { t: 'agent' }, bookmarkMs: 60_000 });
  await api.start();
  const objs = syntheticObjects({ pods: PODS, policies: POLICIES, nodes: NODES, clusterPolicies: CLUSTER_POLICIES });
  for (const o of objs) api.store.put(o);
  writeFileSync(join(dir, 'kc'), api.kubeconfig({ token: 't' }));
  const lab = await Lab.create({ hosts: [] });
  const lines: Array<{ at: number; text: string }> = [];
  const t0 = performance.now();
  const agent = spawn(process.execPath, [KORDON, 'agent', '--kubeconfig', join(dir, 'kc'), '--node', 'node-0', '--netns', lab.nodeNetns, '--verify', String(VERIFY_S), '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let partial = '';
  agent.stderr.on('data', (b: Buffer) => {
    const at = performance.now();
    const parts = (partial + b.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts) lines.push({ at, text });
  });
  const pid = agent.pid as number;
  /** The first line after index `from` that says a change was committed (or found nothing to do). */
  const committed = async (from: number, limitMs = 30_000): Promise<{ at: number; text: string }> => {
    const end = performance.now() + limitMs;
    for (;;) {
      const l = lines.slice(from).find((x) => /agent: (enforcing|incremental|full|unchanged|change refused|change not applied)\b/.test(x.text));
      if (l && /refused|not applied/.test(l.text)) throw new Error(`the change was not applied: ${l.text}`);
      if (l) return l;
      if (performance.now() > end) throw new Error(`no commit in ${limitMs} ms; agent said:\n${lines.slice(-10).map((x) => x.text).join('\n')}`);
      await sleep(2);
    }
  };
  try {
    const first = await committed(0, 300_000);
    const firstSyncS = (first.at - t0) / 1000;
    const rssAfterStart = rssMB(pid);
    log(`first sync ${firstSyncS.toFixed(1)} s after start (${first.text.replace(/^kordon agent: /, '')}); RSS ${rssAfterStart.toFixed(0)} MB`);
    const pods = objs.filter((o) => o['kind'] === 'Pod');
    const policies = objs.filter((o) => o['kind'] === 'NetworkPolicy');
    const clusterPolicies = objs.filter((o) => o['kind'] === 'ClusterNetworkPolicy');
    const namespaces = objs.filter((o) => o['kind'] === 'Namespace');
    const byKind: Record<string, Array<{ ms: number; agentMs: number; cpuMs: number; mode: string }>> = {
      'pod added': [],
      'pod relabelled': [],
      'pod deleted': [],
      'policy changed': [],
      ...(clusterPolicies.length ? { 'cluster policy changed': [] } : {}),
      'namespace relabelled': [],
    };
    const time = async (kind: string, change: () => void): Promise<void> => {
      await sleep(300);
      const from = lines.length;
      const cpu0 = mainThreadCpuMs(pid);
      const start = performance.now();
      change();
      const l = await committed(from);
      const agentMs = Number(/\(([\d.]+) ms\)$/.exec(l.text)?.[1] ?? NaN);
      byKind[kind]!.push({ ms: l.at - start, agentMs, cpuMs: mainThreadCpuMs(pid) - cpu0, mode: /agent: (\w+)/.exec(l.text)?.[1] ?? '?' });
    };
    for (let r = 0; r < ROUNDS; r++) {
      const name = `bench-${r}`;
      const newPod = structuredClone(pods[0] as Obj);
      Object.assign(newPod['metadata'] as Obj, { name, labels: { app: `app${r % 25}`, tier: 'web' } });
      (newPod['status'] as Obj)['podIP'] = syntheticIP(PODS + r);
      await time('pod added', () => api.store.put(newPod));
      (newPod['metadata'] as Obj)['labels'] = { app: `app${(r + 7) % 25}`, tier: 'db' };
      await time('pod relabelled', () => api.store.put(newPod));
      await time('pod deleted', () => api.store.delete('Pod', (newPod['metadata'] as Obj)['namespace'] as string, name));
      const p = structuredClone(policies[r % policies.length] as Obj);
      const spec = p['spec'] as Obj;
      const rules = (spec['ingress'] ?? spec['egress']) as Obj[] | undefined;
      const ports = rules?.[0]?.['ports'] as Obj[] | undefined;
      if (ports?.[0]) {
        ports[0]['port'] = 20000 + r;
        if (ports[0]['endPort'] !== undefined) ports[0]['endPort'] = 20010 + r;
      } else (p['metadata'] as Obj)['labels'] = { rev: String(r) };
      await time('policy changed', () => api.store.put(p));
      if (clusterPolicies.length) {
        // Admin policies (even) select whole teams' namespaces, so pods of node-0: an edit changes its ruleset.
        const c = structuredClone(clusterPolicies[(2 * r) % clusterPolicies.length] as Obj);
        const rule = ((c['spec'] as Obj)['ingress'] as Obj[])[0]!;
        if (r % 2 === 0) rule['action'] = rule['action'] === 'Deny' ? 'Accept' : 'Deny';
        else rule['protocols'] = [{ tcp: { destinationPort: { number: 9000 + r } } }];
        await time('cluster policy changed', () => api.store.put(c));
      }
      // Policies pick namespaces by env (egress to prod, cluster policies' cross-env denies): a flip moves peers.
      const ns = structuredClone(namespaces[r % namespaces.length] as Obj);
      const labels = (ns['metadata'] as Obj)['labels'] as Record<string, string>;
      labels['env'] = labels['env'] === 'prod' ? 'dev' : 'prod';
      await time('namespace relabelled', () => api.store.put(ns));
    }
    const rssEnd = rssMB(pid);
    const summary = {
      machine: { cpu: cpus()[0]?.model, cores: cpus().length, loadavgAtEnd: loadavg(), node: process.version, when: new Date().toISOString() },
      cluster: { pods: PODS, policies: POLICIES, clusterPolicies: CLUSTER_POLICIES, nodes: NODES, localPods: pods.filter((p) => (p['spec'] as Obj)['nodeName'] === 'node-0').length },
      firstSyncSeconds: firstSyncS,
      rssMB: { afterFirstSync: rssAfterStart, end: rssEnd },
      changes: Object.fromEntries(
        Object.entries(byKind).map(([k, xs]) => [
          k,
          { medianMs: median(xs.map((x) => x.ms)), p95Ms: p95(xs.map((x) => x.ms)), medianAgentMs: median(xs.map((x) => x.agentMs)), medianMainThreadCpuMs: median(xs.map((x) => x.cpuMs)), p95MainThreadCpuMs: p95(xs.map((x) => x.cpuMs)), all: xs },
        ]),
      ),
    };
    for (const [k, v] of Object.entries(summary.changes))
      log(`  ${k}: median ${v.medianMs.toFixed(1)} ms (p95 ${v.p95Ms.toFixed(1)}) from the API write to the commit (agent's own ${v.medianAgentMs.toFixed(1)} ms from the event), main-thread CPU ${v.medianMainThreadCpuMs.toFixed(0)} ms (p95 ${v.p95MainThreadCpuMs.toFixed(0)}); modes ${[...new Set(v.all.map((x) => x.mode))].join(',')}`);
    log(`  RSS ${rssAfterStart.toFixed(0)} MB after the first sync, ${rssEnd.toFixed(0)} MB at the end; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    if (logOut) writeFileSync(logOut, lines.map((l) => `${(l.at - t0).toFixed(1)} ${l.text}\n`).join(''));
    agent.kill('SIGTERM');
    await new Promise((r) => agent.once('close', r));
    await lab.destroy();
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
