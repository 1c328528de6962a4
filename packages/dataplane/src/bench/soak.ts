// The agent's soak: `node packages/dataplane/dist/bench/soak.js [--changes 2000] [--rate 20] [--tamper-every 10]
// [--pods 300] [--policies 60] [--seed 1] [--json FILE]` (root, nft, ip).
//
// Runs `kordon agent` (the real command, its own process) on a directory of one manifest per object and changes the
// directory at random at RATE changes a second: a quarter are files replaced by atomic rename, a quarter deletions,
// a quarter files written back (half by rename), a quarter edits in place, so the cluster keeps its size. Every
// TAMPER seconds the changes pause; the script waits until the kernel's table equals `kordon nft` of the directory
// (the time from the last change), then changes the table behind the agent's back (a deleted map element, a flushed
// chain, a deleted table, a foreign map element) and waits until it is equal again (the time from the tamper). After the
// last change it waits once more. The agent's RSS is read from /proc every second.
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { loadavg, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { loadState } from '../agent/manifests.js';
import { execOk } from '../exec.js';
import { tampers, type Tamper } from './tamper.js';
import { Lab } from '../lab/lab.js';
import { listTable } from '../nft/apply.js';
import { compileRuleset } from '../nft/compile.js';
import { expectedView, kernelView, viewDigest } from '../nft/digest.js';
import { syntheticObjects } from './synthetic.js';

type Obj = Record<string, unknown>;

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const CHANGES = opt('--changes', 2000);
const RATE = opt('--rate', 20);
const TAMPER_S = opt('--tamper-every', 10);
const PODS = opt('--pods', 300);
const POLICIES = opt('--policies', 60);
let seed = opt('--seed', 1) >>> 0;
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const nodeArgs = args.flatMap((a, i) => (a === '--node-arg' ? [args[i + 1] as string] : []));
const KORDON = args.includes('--kordon') ? (args[args.indexOf('--kordon') + 1] as string) : fileURLToPath(new URL('../../../../bin/kordon.js', import.meta.url));

/** mulberry32: the same seed, the same run. */
function random(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (line: string): void => void process.stdout.write(`${line}\n`);

function rssMB(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** One object changed at random the way people change them: labels of a pod, the port of a policy. */
function mutate(o: Obj): Obj {
  const c = structuredClone(o);
  const meta = c['metadata'] as Obj;
  if (c['kind'] === 'Pod') meta['labels'] = { ...(meta['labels'] as Obj), app: `app${Math.floor(random() * 25)}`, tier: pick(['web', 'api', 'db']) };
  else if (c['kind'] === 'NetworkPolicy') {
    const spec = c['spec'] as Obj;
    const rules = (spec['ingress'] ?? spec['egress']) as Obj[] | undefined;
    const ports = rules?.[0]?.['ports'] as Obj[] | undefined;
    if (ports?.[0]) ports[0]['port'] = 1000 + Math.floor(random() * 5000);
    else meta['labels'] = { rev: String(Math.floor(random() * 1e6)) };
  }
  return c;
}

async function main(): Promise<void> {
  log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}, node ${process.version}, ${new Date().toISOString()}`);
  const dir = mkdtempSync(join(tmpdir(), 'kordon-soak-'));
  const lab = await Lab.create({ hosts: [] });
  const ns = lab.nodeNetns;
  const objs = syntheticObjects({ pods: PODS, policies: POLICIES, nodes: 1 });
  const files = new Map<string, Obj>();
  objs.forEach((o, i) => files.set(`${String(i).padStart(5, '0')}-${String(o['kind']).toLowerCase()}.json`, o));
  for (const [f, o] of files) writeFileSync(join(dir, f), JSON.stringify(o));
  const present = new Set(files.keys());
  const gone: string[] = [];
  const counts: Record<string, number> = { rename: 0, delete: 0, create: 0, edit: 0 };
  const write = (f: string, o: Obj, atomic: boolean): void => {
    if (!atomic) return writeFileSync(join(dir, f), JSON.stringify(o));
    const tmp = join(dir, `.${f}.tmp`);
    writeFileSync(tmp, JSON.stringify(o));
    renameSync(tmp, join(dir, f));
  };
  const change = (): void => {
    const kind = pick(['rename', 'delete', 'create', 'edit'] as const);
    if (kind === 'create' && gone.length) {
      const f = gone.splice(Math.floor(random() * gone.length), 1)[0] as string;
      write(f, files.get(f) as Obj, random() < 0.5);
      present.add(f);
    } else if (kind === 'delete' && gone.length < files.size / 10) {
      const f = pick([...present]);
      rmSync(join(dir, f));
      present.delete(f);
      gone.push(f);
    } else {
      const f = pick([...present]);
      const o = mutate(files.get(f) as Obj);
      files.set(f, o);
      write(f, o, kind === 'rename');
    }
    counts[kind] = (counts[kind] ?? 0) + 1;
  };

  const agentLog: string[] = [];
  const extra = args.flatMap((a, i) => (a === '--agent-arg' ? [args[i + 1] as string] : []));
  const agent = spawn(process.execPath, [...nodeArgs, KORDON, 'agent', '--netns', ns, ...extra, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  agent.stderr.on('data', (b: Buffer) => agentLog.push(...b.toString('utf8').split('\n').filter(Boolean)));
  const rss: Array<[number, number]> = [];
  const t0 = performance.now();
  const sampler = setInterval(() => {
    const r = rssMB(agent.pid as number);
    if (r !== undefined) rss.push([(performance.now() - t0) / 1000, r]);
  }, 1000);

  const expected = async (): Promise<string> => viewDigest(expectedView(compileRuleset((await loadState(dir)).cluster)));
  const kernel = async (): Promise<string> => viewDigest(kernelView(await listTable('kordon', { netns: ns }), 'kordon'));
  /** Milliseconds until the kernel's table equals `kordon nft` of the directory as it is now. */
  const untilEqual = async (limitMs = 30_000): Promise<number> => {
    const want = await expected();
    const start = performance.now();
    while (performance.now() - start < limitMs) {
      if ((await kernel()) === want) return performance.now() - start;
      await sleep(25);
    }
    return Infinity;
  };

  try {
    for (let i = 0; i < 100 && !agentLog.some((l) => l.includes('enforcing')); i++) await sleep(100);
    if (!agentLog.some((l) => l.includes('enforcing'))) throw new Error(`the agent did not start: ${agentLog.join('\n')}`);
    const startRss = rssMB(agent.pid as number) ?? 0;
    const afterChange: number[] = [];
    const afterTamper: Array<{ what: string; ms: number }> = [];
    const tamperList = tampers('kordon');
    let next = performance.now();
    let lastTamper = performance.now();
    let done = 0;
    while (done < CHANGES) {
      change();
      done++;
      next += 1000 / RATE;
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      if (performance.now() - lastTamper >= TAMPER_S * 1000 || done === CHANGES) {
        afterChange.push(await untilEqual());
        if (done === CHANGES) break;
        const { what, command } = tamperList[afterTamper.length % tamperList.length] as Tamper;
        // execOk: a tamper whose nft fails changed nothing, and must not be counted as one.
        await execOk('ip', ['netns', 'exec', ns, 'nft', command(await listTable('kordon', { netns: ns }))]);
        const ms = await untilEqual();
        afterTamper.push({ what, ms });
        log(`  ${done} changes, RSS ${(rssMB(agent.pid as number) ?? 0).toFixed(0)} MB; equal ${afterChange.at(-1)!.toFixed(0)} ms after the last change; ${what}: equal again after ${ms.toFixed(0)} ms`);
        lastTamper = performance.now();
        next = performance.now();
      }
    }
    const endRss = rssMB(agent.pid as number) ?? 0;
    const wall = (performance.now() - t0) / 1000;
    const max = (xs: number[]): number => Math.max(...xs);
    const repairs = agentLog.filter((l) => l.includes('repaired the table')).length;
    const summary = {
      machine: { cpu: cpus()[0]?.model, cores: cpus().length, loadavgAtEnd: loadavg(), node: process.version, when: new Date().toISOString() },
      changes: done,
      kinds: counts,
      rate: RATE,
      wallSeconds: wall,
      cluster: { pods: PODS, policies: POLICIES, filesDeletedAtMost: Math.floor(files.size / 10) },
      afterLastChangeMs: { max: max(afterChange), all: afterChange },
      afterTamperMs: { max: max(afterTamper.map((t) => t.ms)), all: afterTamper },
      rssMB: { afterStart: startRss, end: endRss, max: max(rss.map(([, r]) => r)), samples: rss },
      agentLogLines: agentLog.length,
      repairsLogged: repairs,
      tampers: afterTamper.length,
      failures: agentLog.filter((l) => /failed|refused|timed out/.test(l)),
      monitorRestarts: agentLog.filter((l) => l.includes('nft monitor ended')).length,
      agentLog: agentLog.filter((l) => !/: incremental: /.test(l)),
    };
    log(`soak: ${done} changes in ${wall.toFixed(0)} s (${JSON.stringify(counts)}), ${afterTamper.length} tampers, ${repairs} repairs logged, ${summary.monitorRestarts} nft monitor restarts`);
    log(`  table equal to kordon nft of the directory: at most ${summary.afterLastChangeMs.max.toFixed(0)} ms after the last change, at most ${summary.afterTamperMs.max.toFixed(0)} ms after a tamper`);
    log(`  agent RSS: ${startRss.toFixed(0)} MB after start, ${summary.rssMB.max.toFixed(0)} MB at most, ${endRss.toFixed(0)} MB at the end; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    if (summary.failures.length) log(`  agent failures: ${summary.failures.slice(0, 5).join(' | ')}`);
    if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(summary, null, 2)}\n`);
    if (repairs < afterTamper.length) log(`  FAIL: ${afterTamper.length - repairs} tampers were put right without a "repaired the table" line`);
    if (!Number.isFinite(summary.afterLastChangeMs.max) || !Number.isFinite(summary.afterTamperMs.max) || repairs < afterTamper.length) process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    agent.kill('SIGINT');
    await new Promise((r) => agent.once('close', r));
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
