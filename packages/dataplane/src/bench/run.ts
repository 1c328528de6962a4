// Dataplane benchmarks: `node packages/dataplane/dist/bench/run.js [--quick] [--only control|packet|packet-loop] [--json FILE]`
// [--counts 0,10,10000] [--scenario spread|all-select-server]
// (root, nft, ip).
// Measures what issue 4 asks: compile+apply at 1,000 pods / 500 policies, a full resync of a 110-pod node, one
// change end to end, and the per-packet cost through the node namespace from 10 to 10,000 policies.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg, tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { buildCluster, loadSources, type Cluster } from '@kordon/engine';
import { Agent } from '../agent/agent.js';
import { startAgent, type AgentEvent } from '../agent/watch.js';
import { exec, execOk } from '../exec.js';
import { Lab, LAB_PREFIX } from '../lab/lab.js';
import { applyScript } from '../nft/apply.js';
import { compileRuleset } from '../nft/compile.js';
import { renderRuleset } from '../nft/ruleset.js';
import { syntheticIP, syntheticObjects } from './synthetic.js';

type Obj = Record<string, unknown>;

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const results: Record<string, unknown> = {};

function clusterOf(objs: Obj[]): Cluster {
  const loaded = loadSources([{ name: 'bench.json', text: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }) }]);
  return buildCluster(loaded.objects, { trusted: true }).cluster;
}

/** The policy counts per-packet runs compare: `--counts 0,10,10000`, or these. */
function policyCounts(defaults: number[]): number[] {
  const given = args.includes('--counts') ? args[args.indexOf('--counts') + 1] : undefined;
  return given ? given.split(',').map(Number) : defaults;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const ms = (x: number): string => `${x.toFixed(1)} ms`;

/** Wall time; `cpu` collects this process's CPU time too, which a loaded machine inflates far less. */
async function time<T>(f: () => Promise<T> | T, cpu?: number[]): Promise<[T, number]> {
  const u = process.cpuUsage();
  const t0 = performance.now();
  const r = await f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(u);
  cpu?.push((c.user + c.system) / 1000);
  return [r, wall];
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function compileAndApply(lab: Lab): Promise<void> {
  const cluster = clusterOf(syntheticObjects({ pods: 1000, policies: 500 }));
  const rounds = quick ? 2 : 5;
  const compile: number[] = [];
  const compileCpu: number[] = [];
  const apply: number[] = [];
  let cold = 0;
  let stats;
  for (let r = 0; r < rounds; r++) {
    const [rs, c] = await time(() => compileRuleset(cluster), compileCpu);
    const [script, render] = await time(() => renderRuleset(rs, { notes: false }));
    const [, a] = await time(() => applyScript(script, { netns: lab.nodeNetns }, { check: false }));
    if (r === 0) cold = c + render;
    compile.push(c + render);
    apply.push(a);
    stats = rs.stats;
  }
  const total = median(compile) + median(apply);
  results['compileApply1000x500'] = { coldCompileMs: cold, compileMs: median(compile), compileCpuMs: median(compileCpu), applyMs: median(apply), totalMs: total, stats };
  log(`compile+apply, 1000 pods / 500 policies, every pod local: compile ${ms(median(compile))} (CPU ${ms(median(compileCpu))}; first run ${ms(cold)}), nft -f ${ms(median(apply))}, total ${ms(total)}; ${JSON.stringify(stats)}`);
}

/** A pod arriving on node-0 in ns3, where many synthetic peers select it. */
function extraPod(i: number, prefix: string, subnet: number): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${prefix}${i}`, namespace: 'ns3', labels: { app: 'app3', tier: 'web' } },
    spec: { nodeName: 'node-0', containers: [{ name: 'c', image: 'x' }] },
    status: { phase: 'Running', podIP: `10.${subnet}.0.${i + 1}`, hostIP: '192.168.0.1' },
  };
}

function extraPolicy(i: number, prefix: string, port: number): Obj {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `${prefix}${i}`, namespace: 'ns3' },
    spec: { podSelector: { matchLabels: { app: 'app3' } }, ingress: [{ from: [{ podSelector: { matchLabels: { tier: 'db' } } }], ports: [{ port: port + i }] }] },
  };
}

async function resyncAndChange(lab: Lab): Promise<void> {
  const objs = syntheticObjects({ pods: 1000, policies: 500, podsOnNode0: 110 });
  const cluster = clusterOf(objs);
  const agent = await Agent.create({ netns: lab.nodeNetns, node: 'node-0' });
  const resync: number[] = [];
  const resyncCpu: number[] = [];
  let stats;
  for (let r = 0; r < (quick ? 2 : 5); r++) {
    const [res, t] = await time(() => agent.sync(cluster, { full: true }), resyncCpu);
    resync.push(t);
    stats = res.ruleset.stats;
  }
  results['resync110'] = { ms: median(resync), cpuMs: median(resyncCpu), stats };
  log(`full resync of node-0 (110 local pods of 1000, 500 policies): ${ms(median(resync))} end to end (compile, nft -f; kordon CPU ${ms(median(resyncCpu))}); ${JSON.stringify(stats)}`);

  // One change at a time, each applied as one incremental transaction: a new pod on the node, a pod's labels,
  // a new policy, a policy removed.
  await agent.sync(cluster, { full: true });
  const kinds: Array<[string, (i: number) => Obj[]]> = [
    ['pod added', (i) => [...objs, extraPod(i, 'extra', 250)]],
    ['policy added', (i) => [...objs, extraPolicy(i, 'extra-pol', 7000)]],
  ];
  const change: Record<string, unknown> = {};
  for (const [name, make] of kinds) {
    const total: number[] = [];
    const cpu: number[] = [];
    const applyOnly: number[] = [];
    const touched: string[] = [];
    for (let i = 0; i < (quick ? 3 : 10); i++) {
      const next = clusterOf(make(i));
      await agent.sync(cluster);
      const [res, t] = await time(() => agent.sync(next), cpu);
      if (res.mode !== 'incremental') throw new Error(`${name}: expected an incremental sync, got ${res.mode}`);
      total.push(t);
      applyOnly.push(res.applyMs);
      touched.push(`+${res.addedElements}/-${res.deletedElements} elements, ${res.chains.length} chains`);
    }
    change[name] = { ms: median(total), cpuMs: median(cpu), applyMs: median(applyOnly), touched: touched[0] };
    log(`one change (${name}) on node-0: ${ms(median(total))} end to end (kordon CPU ${ms(median(cpu))}; compile+diff ${ms(median(total) - median(applyOnly))}, nft ${ms(median(applyOnly))}); touched ${touched[0]}`);
  }
  results['change'] = change;
}

/**
 * The agent as people run it: a directory of manifests (one file per object), watched. Each change is a file
 * written or removed; the time runs from just before the write to the commit of its transaction, so it holds the
 * file event, the debounce, re-reading the directory, parsing the changed file, building the cluster, compiling,
 * diffing and `nft`.
 */
async function watchedChange(lab: Lab): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kordon-bench-'));
  const objs = syntheticObjects({ pods: 1000, policies: 500, podsOnNode0: 110 });
  objs.forEach((o, i) => writeFileSync(join(dir, `${String(i).padStart(5, '0')}-${String(o['kind']).toLowerCase()}.json`), JSON.stringify(o)));
  let waiter: ((e: AgentEvent) => void) | undefined;
  const next = (): Promise<AgentEvent> => new Promise((r) => (waiter = r));
  // Only what a file change brings: not the monitor's warnings nor repairs.
  const running = await startAgent({ source: dir, netns: lab.nodeNetns, node: 'node-0', onEvent: (e) => (e.kind === 'synced' || e.kind === 'rejected' || e.kind === 'failed' ? waiter?.(e) : undefined) });
  const pod = (i: number): Obj => extraPod(i, 'watched', 251);
  const policy = (i: number): Obj => extraPolicy(i, 'watched-pol', 7100);
  const out: Record<string, unknown> = {};
  try {
    for (const [name, make] of [
      ['pod', pod],
      ['policy', policy],
    ] as const) {
      const added: number[] = [];
      const removed: number[] = [];
      for (let i = 0; i < (quick ? 3 : 10); i++) {
        const file = join(dir, `zz-${name}${i}.json`);
        for (const [step, into] of [
          [() => writeFileSync(file, JSON.stringify(make(i))), added],
          [() => rmSync(file), removed],
        ] as const) {
          const done = next();
          const t0 = performance.now();
          step();
          const e = await done;
          if (e.kind !== 'synced' || e.result?.mode !== 'incremental') throw new Error(`watched ${name} change: expected an incremental sync, got ${e.kind} ${e.message}`);
          into.push(performance.now() - t0);
          if (process.env['KORDON_BENCH_VERBOSE']) log(`  ${name} ${into === added ? 'added' : 'removed'}: ${(performance.now() - t0).toFixed(1)} ms; ${e.message}, event to commit ${e.ms?.toFixed(1)} ms`);
        }
      }
      const max = (xs: number[]): number => Math.max(...xs);
      out[name] = { addedMs: median(added), addedMaxMs: max(added), removedMs: median(removed), removedMaxMs: max(removed), rounds: added.length };
      log(`watched directory of ${objs.length} files, node-0: ${name} file added ${ms(median(added))} (max ${ms(max(added))}), removed ${ms(median(removed))} (max ${ms(max(removed))}); write to commit, median of ${added.length}`);
    }
  } finally {
    running.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  results['watched'] = out;
}

/** Pods 0 (client) and 1 (server) are real namespaces; the other pods and every policy live in the ruleset. */
function perPacketCluster(policies: number, allSelectServer: boolean): Cluster {
  const objs = syntheticObjects({ pods: 100, policies, namespaces: 5, nodes: 1, podsOnNode0: 100 });
  if (allSelectServer) for (const o of objs) if (o['kind'] === 'NetworkPolicy') ((o['metadata'] as Obj)['namespace'] = 'ns1'), ((o['spec'] as Obj)['podSelector'] = { matchLabels: { app: 'app1' } });
  const client = syntheticIP(0);
  const server = syntheticIP(1);
  objs.push(
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'bench-in', namespace: 'ns1' }, spec: { podSelector: { matchLabels: { app: 'app1' } }, ingress: [{ from: [{ ipBlock: { cidr: `${client}/32` } }], ports: [{ protocol: 'UDP', port: 7000 }] }] } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'bench-out', namespace: 'ns0' }, spec: { podSelector: { matchLabels: { app: 'app0' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: `${server}/32` } }], ports: [{ protocol: 'UDP', port: 7000 }] }] } },
  );
  return clusterOf(objs);
}

async function perPacket(): Promise<void> {
  const lab = await Lab.create({
    hosts: [
      { name: 'ns0/p0', ips: [syntheticIP(0)], serve: [] },
      { name: 'ns1/p1', ips: [syntheticIP(1)], serve: [{ port: 7000, protocol: 'UDP' }] },
    ],
  });
  try {
    const agent = await Agent.create({ netns: lab.nodeNetns });
    const counts = policyCounts(quick ? [0, 10, 10000] : [0, 10, 100, 1000, 10000]);
    const onlyScenario = args.includes('--scenario') ? args[args.indexOf('--scenario') + 1] : undefined;
    const n = quick ? 800 : 3000;
    const rounds = quick ? 2 : 3;
    const rows: Array<Record<string, unknown>> = [];
    for (const scenario of ['spread', 'all-select-server'] as const) {
      if (onlyScenario && onlyScenario !== scenario) continue;
      const clusters = new Map(counts.filter((c) => c > 0).map((c) => [c, perPacketCluster(c, scenario === 'all-select-server')]));
      const samples = new Map<number, { fresh: number[]; rr: number[]; rules?: number; elements?: number; applyMs?: number }>();
      for (const c of counts) samples.set(c, { fresh: [], rr: [] });
      // Interleave configurations so drifting machine load hits them alike.
      for (let r = 0; r < rounds; r++) {
        for (const c of counts) {
          const s = samples.get(c)!;
          if (c === 0) await agent.uninstall().catch(() => {});
          else {
            const res = await agent.sync(clusters.get(c)!, { full: true });
            s.rules = res.ruleset.stats.rules;
            s.elements = res.ruleset.stats.elements;
            s.applyMs = res.applyMs;
          }
          s.fresh.push((await lab.latency(0, 1, 7000, 'udp-new', n)).p50);
          s.rr.push((await lab.latency(0, 1, 7000, 'udp-rr', n)).p50);
        }
      }
      const base = samples.get(0)!;
      for (const c of counts) {
        const s = samples.get(c)!;
        const row = {
          scenario,
          policies: c,
          rules: s.rules ?? 0,
          elements: s.elements ?? 0,
          newFlowP50us: median(s.fresh),
          newFlowOverheadUs: median(s.fresh) - median(base.fresh),
          establishedP50us: median(s.rr),
          establishedOverheadUs: median(s.rr) - median(base.rr),
        };
        rows.push(row);
        log(
          `per packet [${scenario}] ${c} policies (${row.rules} rules, ${row.elements} elements): new-flow UDP round trip p50 ${row.newFlowP50us.toFixed(2)} µs (${row.newFlowOverheadUs >= 0 ? '+' : ''}${row.newFlowOverheadUs.toFixed(2)}), established p50 ${row.establishedP50us.toFixed(2)} µs (${row.establishedOverheadUs >= 0 ? '+' : ''}${row.establishedOverheadUs.toFixed(2)})`,
        );
      }
    }
    results['perPacket'] = rows;
  } finally {
    await lab.destroy();
  }
}

/**
 * The per-packet cost as performance.md §1.4 measures it: one namespace, both pods' addresses on loopback, a tight
 * send-and-receive loop in Python, and kordon's ruleset hooked on output instead of forward, without the
 * `ct state established` shortcut, so that every packet takes the full path a new flow takes (the egress map, the
 * source pod's class chain, the ingress map, the destination's class chain). Far less noisy than round trips between
 * namespaces through helper processes.
 */
const LOOP_PY = `
import socket, sys, time
a, b, port, n, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind((b, port)); r.settimeout(1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((a, 0))
for i in range(2000):
    s.sendto(b'x', (b, port)); r.recv(16)
out = []
for k in range(rounds):
    t0 = time.perf_counter_ns()
    for i in range(n):
        s.sendto(b'x', (b, port)); r.recv(16)
    out.append((time.perf_counter_ns() - t0) / n / 1000)
print(' '.join('%.4f' % x for x in out))
`;

async function perPacketLoopback(): Promise<void> {
  const ns = `${LAB_PREFIX}${process.pid}-loop`;
  const a = syntheticIP(0);
  const b = syntheticIP(1);
  await execOk('ip', ['netns', 'add', ns]);
  try {
    await execOk('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    for (const ip of [a, b]) await execOk('ip', ['-n', ns, 'addr', 'add', `${ip}/32`, 'dev', 'lo']);
    const counts = policyCounts([0, 10, 100, 1000, 10000]);
    const rounds = quick ? 3 : 7;
    const n = quick ? 20000 : 50000;
    const rows: Array<Record<string, unknown>> = [];
    for (const scenario of ['spread', 'all-select-server'] as const) {
      const scripts = new Map<number, { script: string; rules: number; elements: number }>();
      for (const c of counts.filter((x) => x > 0)) {
        const rs = compileRuleset(perPacketCluster(c, scenario === 'all-select-server'));
        const script = renderRuleset(rs, { notes: false })
          .replace('type filter hook forward priority filter;', 'type filter hook output priority filter;')
          .replace(/^.*ct state established,related accept.*$/m, '');
        scripts.set(c, { script, rules: rs.stats.rules - 1, elements: rs.stats.elements });
      }
      const samples = new Map<number, number[]>(counts.map((c) => [c, []]));
      // Interleaved, so that drifting machine load hits every policy count alike.
      for (let r = 0; r < rounds; r++)
        for (const c of counts) {
          const sc = scripts.get(c);
          if (sc) await applyScript(sc.script, { netns: ns }, { check: false });
          else await exec('ip', ['netns', 'exec', ns, 'nft', 'delete', 'table', 'inet', 'kordon']);
          const out = await execOk('ip', ['netns', 'exec', ns, 'python3', '-c', LOOP_PY, a, b, '7000', String(n), '1']);
          samples.get(c)!.push(Number(out.trim()));
        }
      const base = median(samples.get(0) ?? [0]);
      for (const c of counts) {
        const us = median(samples.get(c)!);
        const sc = scripts.get(c);
        const row = { scenario, policies: c, rules: sc?.rules ?? 0, elements: sc?.elements ?? 0, perPacketUs: us, overheadUs: us - base, spreadUs: Math.max(...samples.get(c)!) - Math.min(...samples.get(c)!) };
        rows.push(row);
        log(`per packet, loopback [${scenario}] ${c} policies (${row.rules} rules, ${row.elements} elements): ${us.toFixed(3)} µs per send+receive (${row.overheadUs >= 0 ? '+' : ''}${row.overheadUs.toFixed(3)}; rounds spread ${row.spreadUs.toFixed(3)})`);
      }
    }
    results['perPacketLoopback'] = rows;
  } finally {
    await exec('ip', ['netns', 'del', ns]);
  }
}

async function main(): Promise<void> {
  const cpu = cpus()[0]?.model ?? 'unknown';
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  results['machine'] = { cpu, cores: cpus().length, loadavg: loadavg(), node: process.version, when: new Date().toISOString() };
  log(`machine: ${cpus().length} × ${cpu}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}, node ${process.version}`);
  if (only === undefined || only === 'control') {
    const lab = await Lab.create({ hosts: [] });
    try {
      await compileAndApply(lab);
      await resyncAndChange(lab);
      await watchedChange(lab);
    } finally {
      await lab.destroy();
    }
  }
  if (only === undefined || only === 'packet-loop') await perPacketLoopback();
  if (only === undefined || only === 'packet') await perPacket();
  results['loadavgAfter'] = loadavg();
  if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
