#!/usr/bin/env node
/**
 * `npm run bench`: generates each scenario's input (not timed), then measures it in a fresh Node process
 * (child.js), and prints a table and bench/out/results.json. See BENCHMARKS.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { RESULT_PREFIX, type ChildRequest, type ChildResult } from './child.js';
import { generate, toJsonList, writeCluster, type GeneratedCluster, type OutputFormat } from './generate.js';
import type { K8sObject, NetworkPolicy, Pod } from './k8s.js';
import { calibrate, type Calibration } from './calibrate.js';
import { machineInfo, type MachineInfo } from './machine.js';
import { SCENARIOS, type Scenario } from './scenarios.js';

const here = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(here, '../../..');

export interface RunOptions {
  only: string[];
  quick: boolean;
  reps: number;
  seed: number;
  pin?: number;
  outDir: string;
  timeoutSeconds: number;
  heapMiB: number;
  /** Objects per input file; 0: one file per input. */
  chunk: number;
  list: boolean;
  /** Measure the §5.3 floor pass for each matrix scenario's pod count. */
  floor: boolean;
  /** Print the table of an earlier results.json instead of running. */
  report?: string;
}

export interface ScenarioResult {
  name: string;
  preset: string;
  task: string;
  pods: number;
  policies: number;
  namespaces: number;
  /** How many files the input was written as (see --chunk). */
  inputFiles: number;
  status: 'ok' | 'not available' | 'failed';
  reason?: string;
  /** Median over repetitions, milliseconds. */
  phases: Partial<Record<'read' | 'parse' | 'build' | 'compute', number>>;
  /** Timed phases together (median of the per-run totals), milliseconds; for check-cli the process wall time. */
  totalMs?: number;
  /** CPU time of the timed phases (median), milliseconds. */
  cpuMs?: number;
  /** CPU time of the main thread alone over the timed phases (median), milliseconds: no GC helper threads. */
  mainCpuMs?: number;
  maxRssMiB?: number;
  reps: number;
  allTotalsMs: number[];
  target?: Scenario['target'];
  verdict: 'met' | 'missed' | 'no target' | 'n/a';
  anchor?: string;
  detail?: Omit<ChildResult, 'phases' | 'maxRssMiB' | 'status' | 'reason'>;
  /**
   * performance.md §5.3: the compute phase against one Node streaming pass over an explicit N × N bit matrix per
   * distinct port class (the floor for an engine that writes every matrix out). Goal: ratio ≤ 5.
   */
  floor?: { passMs: number; matrices: number; ratio: number };
}

const USAGE = `usage: npm run bench -- [--only NAME[,NAME…]] [--quick] [--reps N] [--seed N] [--pin CPU]
                        [--timeout SECONDS] [--heap MiB] [--out DIR] [--list]

--only     run these scenarios (exact names, or a prefix ending in *)
--quick    small sizes: a smoke run of every code path in seconds
--reps     fresh processes per scenario; the table shows the median (default 1)
--pin      run the measured processes on one CPU with taskset (performance.md §4)
--heap     --max-old-space-size for the measured processes (default 16384)
--no-floor skip the floor pass (performance.md §5.3) measured for each matrix scenario
--chunk    write each input as kind: List files of at most N objects (default: one file)
--list     print the scenarios and exit
--report F print the table of an earlier results.json and exit`;

export function parseRunArgs(argv: readonly string[]): RunOptions {
  const o: RunOptions = { only: [], quick: false, reps: 1, seed: 1, outDir: join(REPO, 'bench', 'out'), timeoutSeconds: 900, heapMiB: 16384, chunk: 0, floor: true, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inlineValue] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inlineValue ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const int = () => {
      const v = value();
      if (!/^\d+$/.test(v)) throw new Error(`${flag} needs a non-negative integer`);
      return Number(v);
    };
    switch (flag) {
      case '--only':
        o.only.push(...value().split(',').filter(Boolean));
        break;
      case '--quick':
        o.quick = true;
        break;
      case '--reps':
        o.reps = Math.max(1, int());
        break;
      case '--seed':
        o.seed = int();
        break;
      case '--pin':
        o.pin = int();
        break;
      case '--timeout':
        o.timeoutSeconds = int();
        break;
      case '--heap':
        o.heapMiB = int();
        break;
      case '--out':
        o.outDir = resolve(value());
        break;
      case '--chunk':
        o.chunk = int();
        break;
      case '--list':
        o.list = true;
        break;
      case '--no-floor':
        o.floor = false;
        break;
      case '--report':
        o.report = resolve(value());
        break;
      default:
        throw new Error(`unknown argument ${a}`);
    }
  }
  return o;
}

export function selectScenarios(only: readonly string[]): Scenario[] {
  if (only.length === 0) return [...SCENARIOS];
  const picked = SCENARIOS.filter((s) => only.some((o) => (o.endsWith('*') ? s.name.startsWith(o.slice(0, -1)) : s.name === o)));
  const unknown = only.filter((o) => !SCENARIOS.some((s) => (o.endsWith('*') ? s.name.startsWith(o.slice(0, -1)) : s.name === o)));
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}; --list shows them`);
  return picked;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function sizesOf(s: Scenario, quick: boolean): { pods?: number; policies?: number } {
  if (quick) return s.quick;
  const out: { pods?: number; policies?: number } = {};
  if (s.pods !== undefined) out.pods = s.pods;
  if (s.policies !== undefined) out.policies = s.policies;
  return out;
}

/** Inputs are shared between scenarios of the same preset and sizes within one run. */
class Inputs {
  private readonly files = new Map<string, { files: string[]; cluster: GeneratedCluster }>();
  constructor(
    private readonly dir: string,
    private readonly seed: number,
    private readonly chunk: number,
  ) {}

  private write(base: string, objects: readonly K8sObject[], format: OutputFormat = 'json'): string[] {
    if (format === 'yaml-dir') {
      writeCluster(objects, 'yaml-dir', base);
      return [base];
    }
    if (format !== 'json') {
      const file = `${base}.${format === 'yaml' ? 'yaml' : 'json'}`;
      writeCluster(objects, format, file);
      return [file];
    }
    if (this.chunk === 0 || objects.length <= this.chunk) {
      writeFileSync(`${base}.json`, toJsonList(objects));
      return [`${base}.json`];
    }
    const files: string[] = [];
    for (let i = 0; i * this.chunk < objects.length; i++) {
      const f = `${base}-part${i}.json`;
      writeFileSync(f, toJsonList(objects.slice(i * this.chunk, (i + 1) * this.chunk)));
      files.push(f);
    }
    return files;
  }

  get(s: Scenario, quick: boolean): { files: string[]; cluster: GeneratedCluster } {
    const sizes = sizesOf(s, quick);
    const format = s.format ?? 'json';
    const cnp = s.clusterPolicies ? `-cnp${s.clusterPolicies}` : '';
    const key = `${s.preset}-p${sizes.pods ?? 'default'}-n${sizes.policies ?? 'default'}${cnp}-s${this.seed}${format === 'json' ? '' : `-${format}`}`;
    let hit = this.files.get(key);
    if (!hit) {
      const cluster = generate({ preset: s.preset, ...sizes, seed: this.seed, clusterPolicies: s.clusterPolicies ?? 0 });
      const files = this.write(join(this.dir, `${key}${this.chunk && format === 'json' ? `-c${this.chunk}` : ''}`), cluster.objects, format);
      // Keep the objects only for the small inputs the CLI scenario needs to pick pods from.
      hit = { files, cluster: cluster.counts.pods <= 20_000 ? cluster : { ...cluster, objects: [] } };
      this.files.set(key, hit);
    }
    return hit;
  }

  /** The same cluster with 1 % of its policies changed, for diff. */
  changed(s: Scenario, quick: boolean): string[] {
    const sizes = sizesOf(s, quick);
    const key = `${s.preset}-p${sizes.pods ?? 'default'}-n${sizes.policies ?? 'default'}-s${this.seed}-changed`;
    let files = this.files.get(key)?.files;
    if (!files) {
      const cluster = generate({ preset: s.preset, ...sizesOf(s, quick), seed: this.seed });
      let n = 0;
      for (const o of cluster.objects) {
        if (o.kind !== 'NetworkPolicy' || n++ % 100 !== 0) continue;
        const np = o as NetworkPolicy;
        np.spec.ingress = [...(np.spec.ingress ?? []), { ports: [{ protocol: 'TCP', port: 8443 }] }];
        if (!np.spec.policyTypes?.includes('Ingress')) np.spec.policyTypes = [...(np.spec.policyTypes ?? []), 'Ingress'];
      }
      files = this.write(join(this.dir, `${key}${this.chunk ? `-c${this.chunk}` : ''}`), cluster.objects);
      this.files.set(key, { files, cluster: { ...cluster, objects: [] } });
    }
    return files;
  }
}

function nodeCommand(opts: RunOptions, args: string[]): [string, string[]] {
  if (opts.pin !== undefined) return ['taskset', ['-c', String(opts.pin), process.execPath, ...args]];
  return [process.execPath, args];
}

/** A scenario with a target is given up at 10× its target (at least 60 s): past that the exact figure matters less than the run time. */
export function timeoutFor(s: Scenario, opts: RunOptions): number {
  const own = s.timeoutSeconds ?? (s.target ? Math.max(60, 10 * s.target.seconds) : opts.timeoutSeconds);
  return Math.min(own, opts.timeoutSeconds);
}

function runChildProcess(opts: RunOptions, req: ChildRequest, timeoutSeconds: number): Promise<ChildResult> {
  const [cmd, args] = nodeCommand(opts, [`--max-old-space-size=${opts.heapMiB}`, join(here, 'child.js'), JSON.stringify(req)]);
  return new Promise((done) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutSeconds * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (line) return done(JSON.parse(line.slice(RESULT_PREFIX.length)) as ChildResult);
      const why = signal === 'SIGKILL' ? `did not finish within ${timeoutSeconds} s (killed)` : `exit ${code ?? signal}`;
      done({ status: 'failed', reason: `${why}: ${err.trim().split('\n').slice(-3).join(' | ')}`, phases: {}, maxRssMiB: 0, used: [] });
    });
  });
}

const floorCache = new Map<number, number>();

/** One streaming row-OR pass over an n × n bit matrix, measured in its own process (see calibrate.ts). */
function floorPassMs(opts: RunOptions, n: number): number | undefined {
  const hit = floorCache.get(n);
  if (hit !== undefined) return hit;
  const [cmd, args] = nodeCommand(opts, [join(here, 'calibrate.js'), String(n)]);
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const ms = (JSON.parse(r.stdout) as { passMs: number }).passMs;
  floorCache.set(n, ms);
  return ms;
}

/** `kordon check` as a user runs it: a fresh `node bin/kordon.js`, wall time including Node start-up. */
function runCheckCli(opts: RunOptions, files: readonly string[], cluster: GeneratedCluster, installed = false): ChildResult & { wallMs?: number } {
  const bin = installed ? join(REPO, 'node_modules', '.bin', 'kordon') : join(REPO, 'bin', 'kordon.js');
  if (installed && !existsSync(bin)) return { status: 'not available', reason: `${bin} does not exist (npm ci links it)`, phases: {}, maxRssMiB: 0, used: [] };
  // Whatever bin/kordon.js runs (a bundle or the compiled modules), it must offer check --from/--to.
  const probe = spawnSync(process.execPath, [bin, 'check', '--help'], { encoding: 'utf8' });
  if (probe.status !== 0 || !/--from/.test(probe.stdout + probe.stderr)) {
    const why = probe.status !== 0 ? `\`kordon check --help\` exits ${probe.status}: ${(probe.stderr ?? '').trim().split('\n')[0]} (is the CLI built?)` : '`kordon check --help` does not offer --from/--to yet';
    return { status: 'not available', reason: why, phases: {}, maxRssMiB: 0, used: [] };
  }
  // From an application pod to a pod of another workload in the same namespace: a path through real rules.
  const pods = cluster.objects.filter((o): o is Pod => o.kind === 'Pod' && o.metadata.namespace !== 'kube-system');
  const from = pods[0]!;
  const to = pods.find((p) => p.metadata.namespace === from.metadata.namespace && p.metadata.labels?.['app'] !== from.metadata.labels?.['app']) ?? pods[1]!;
  const ref = (p: Pod) => `${p.metadata.namespace}/${p.metadata.name}`;
  // A port the destination serves, so the answer depends on port rules too.
  const served = to.spec.containers.flatMap((c) => c.ports ?? [])[0];
  const port = served ? `${served.containerPort}/${served.protocol}` : '80/TCP';
  const checkArgs = ['check', ...files, '--from', ref(from), '--to', ref(to), '--port', port];
  // The installed command is started as a user starts it: the file itself, through its #! line.
  const [cmd, args]: [string, string[]] = installed ? (opts.pin !== undefined ? ['taskset', ['-c', String(opts.pin), bin, ...checkArgs]] : [bin, checkArgs]) : nodeCommand(opts, [bin, ...checkArgs]);
  const timeArgs = existsSync('/usr/bin/time') ? ['/usr/bin/time', ['-f', 'MAXRSS_KB %M CPU_S %U %S', cmd, ...args]] : [cmd, args];
  const t0 = performance.now();
  const r = spawnSync(timeArgs[0] as string, timeArgs[1] as string[], { encoding: 'utf8' });
  const wallMs = performance.now() - t0;
  const rss = /MAXRSS_KB (\d+) CPU_S ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  // Exit 0/1 are verdicts (allowed/denied); anything else is a failure of the command.
  if (r.status !== 0 && r.status !== 1) return { status: 'failed', reason: `exit ${r.status}: ${(r.stderr ?? '').trim().split('\n').slice(0, 3).join(' | ')}`, phases: {}, maxRssMiB: 0, used: [] };
  const res: ChildResult & { wallMs: number } = { status: 'ok', phases: {}, maxRssMiB: rss ? Math.round((Number(rss[1]) / 1024) * 10) / 10 : 0, used: ['kordon check'], wallMs, summary: { exitCode: r.status ?? -1 } };
  if (rss) res.cpuMs = (Number(rss[2]) + Number(rss[3])) * 1000;
  return res;
}

async function runScenario(opts: RunOptions, s: Scenario, inputs: Inputs): Promise<ScenarioResult> {
  const { files, cluster } = inputs.get(s, opts.quick);
  const runs: (ChildResult & { wallMs?: number })[] = [];
  for (let rep = 0; rep < opts.reps; rep++) {
    if (s.task === 'check-cli') runs.push(runCheckCli(opts, files, cluster, s.cli === 'installed'));
    else {
      const req: ChildRequest = { task: s.task, files };
      if (s.task === 'diff') req.otherFiles = inputs.changed(s, opts.quick);
      runs.push(await runChildProcess(opts, req, timeoutFor(s, opts)));
    }
    if (runs[runs.length - 1]!.status !== 'ok') break;
  }
  const last = runs[runs.length - 1]!;
  const res: ScenarioResult = {
    name: s.name,
    preset: s.preset,
    task: s.task,
    pods: cluster.counts.pods,
    policies: cluster.counts.policies,
    namespaces: cluster.counts.namespaces,
    inputFiles: files.length,
    status: last.status,
    phases: {},
    reps: runs.length,
    allTotalsMs: [],
    verdict: s.target ? 'n/a' : 'no target',
  };
  if (last.reason !== undefined) res.reason = last.reason;
  if (s.target) res.target = s.target;
  if (s.anchor) res.anchor = s.anchor;
  if (last.status !== 'ok') return res;
  const totals = runs.map((r) => r.wallMs ?? Object.values(r.phases).reduce((a, b) => a + (b ?? 0), 0));
  for (const phase of ['read', 'parse', 'build', 'compute'] as const) {
    const xs = runs.map((r) => r.phases[phase]).filter((x): x is number => x !== undefined);
    if (xs.length > 0) res.phases[phase] = median(xs);
  }
  res.allTotalsMs = totals;
  res.totalMs = median(totals);
  const cpus = runs.map((r) => r.cpuMs).filter((x): x is number => x !== undefined);
  if (cpus.length > 0) res.cpuMs = median(cpus);
  const mains = runs.map((r) => r.mainCpuMs).filter((x): x is number => x !== undefined);
  if (mains.length > 0) res.mainCpuMs = median(mains);
  res.maxRssMiB = Math.max(...runs.map((r) => r.maxRssMiB));
  const { phases: _p, maxRssMiB: _m, status: _s, reason: _r, cpuMs: _c, mainCpuMs: _mc, ...detail } = last;
  res.detail = detail;
  const m = res.detail.matrix;
  const compute = res.phases.compute;
  if (m && compute !== undefined && res.pods >= 1000 && opts.floor) {
    const passMs = floorPassMs(opts, res.pods);
    if (passMs !== undefined) res.floor = { passMs, matrices: m.distinctColumns, ratio: compute / (passMs * m.distinctColumns) };
  }
  if (s.target) res.verdict = res.totalMs <= s.target.seconds * 1000 && (s.target.rssMiB === undefined || res.maxRssMiB <= s.target.rssMiB) ? 'met' : 'missed';
  return res;
}

// ---------------------------------------------------------------------------------------------
// Output

const sec = (ms: number | undefined) => (ms === undefined ? '' : ms < 10 ? `${ms.toFixed(1)} ms` : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`);
const num = (n: number) => n.toLocaleString('en-US');

export function formatTable(results: readonly ScenarioResult[]): string {
  // main CPU: the main thread alone, where the engine runs; a busy machine inflates it least.
  const head = ['scenario', 'pods', 'policies', 'read', 'parse', 'build', 'compute', 'total', 'CPU', 'peak RSS', 'target', 'verdict', 'main CPU'];
  const rows = results.map((r) => [
    r.name,
    num(r.pods),
    num(r.policies),
    sec(r.phases.read),
    sec(r.phases.parse),
    sec(r.phases.build),
    sec(r.phases.compute),
    r.status === 'ok' ? sec(r.totalMs) : r.status,
    sec(r.cpuMs),
    r.maxRssMiB ? `${num(Math.round(r.maxRssMiB))} MiB` : '',
    r.target ? `< ${r.target.seconds} s${r.target.rssMiB ? `, < ${r.target.rssMiB >= 1024 ? `${r.target.rssMiB / 1024} GiB` : `${r.target.rssMiB} MiB`}` : ''}` : '',
    r.status === 'ok' ? r.verdict : '',
    sec(r.mainCpuMs),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const out = [line(head), `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map(line)];
  const notes = results.filter((r) => r.status !== 'ok' || r.detail?.matrix || r.task === 'summary').map((r) => {
    if (r.status !== 'ok') return `- ${r.name}: ${r.status}${r.reason ? ` — ${r.reason.split('\n')[0]}` : ''}`;
    if (!r.detail?.matrix) return `- ${r.name}: ${Object.entries(r.detail?.summary ?? {}).map(([k, v]) => `${k} ${num(v)}`).join(', ')}`;
    const m = r.detail!.matrix!;
    const split = r.inputFiles > 1 ? ` (input split into ${r.inputFiles} files)` : '';
    const floor = r.floor ? `; matrix phase ${r.floor.ratio >= 10 ? r.floor.ratio.toFixed(0) : r.floor.ratio.toPrecision(2)}× the floor (${r.floor.matrices} × ${sec(r.floor.passMs)} pass)` : '';
    return `- ${r.name}: ${m.columns} port classes (${m.distinctColumns} distinct), ${num(m.classes)} pod classes, ${num(m.totalPairs)} allowed pairs in all${split}${floor}`;
  });
  return [...out, '', ...notes].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let opts: RunOptions;
  let scenarios: Scenario[];
  try {
    opts = parseRunArgs(argv);
    scenarios = selectScenarios(opts.only);
  } catch (err) {
    console.error(`bench: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (opts.report) {
    const saved = JSON.parse(readFileSync(opts.report, 'utf8')) as {
      machine: MachineInfo & { loadAverageAtEnd?: number };
      calibration?: { start: Calibration; end: Calibration };
      results: ScenarioResult[];
    };
    const m = saved.machine;
    const cal = saved.calibration ? `; 10k row-OR pass ${saved.calibration.start.rowOr10kMs} → ${saved.calibration.end.rowOr10kMs} ms (idle: 16 ms)` : '';
    console.log(`${m.date}: ${m.cpu}, ${m.nproc} CPU, ${m.memoryGiB} GiB, Node ${m.node}, ${m.kernel}, load average ${m.loadAverage} → ${m.loadAverageAtEnd ?? '?'}${cal}\n`);
    console.log(formatTable(saved.results));
    return 0;
  }
  if (opts.list) {
    for (const s of SCENARIOS) console.log(`${s.name.padEnd(30)} ${s.task.padEnd(9)} ${s.preset}${s.target ? `  target < ${s.target.seconds} s` : ''}`);
    return 0;
  }
  const inputDir = join(opts.outDir, 'inputs');
  mkdirSync(inputDir, { recursive: true });
  const machine: MachineInfo = machineInfo();
  console.log(`kordon bench${opts.quick ? ' (quick)' : ''}: ${machine.cpu}, ${machine.nproc} CPU, ${machine.memoryGiB} GiB, Node ${machine.node}, load average ${machine.loadAverage}`);
  const calStart = calibrate();
  console.log(`  calibration: 10k row-OR pass ${calStart.rowOr10kMs} ms (${calStart.slowdown}× the idle figure of performance.md §3.2)`);
  if (machine.loadAverage > machine.nproc / 2) console.log(`  note: the machine is busy (load ${machine.loadAverage} on ${machine.nproc} CPUs); wall times include waiting for a CPU, the CPU column does not`);
  const inputs = new Inputs(inputDir, opts.seed, opts.chunk);
  const results: ScenarioResult[] = [];
  for (const s of scenarios) {
    process.stdout.write(`  ${s.name} … `);
    const r = await runScenario(opts, s, inputs);
    results.push(r);
    console.log(r.status === 'ok' ? `${sec(r.totalMs)}, ${Math.round(r.maxRssMiB ?? 0)} MiB${r.target ? ` (${r.verdict})` : ''}` : r.status);
  }
  console.log(`\n${formatTable(results)}`);
  const file = join(opts.outDir, 'results.json');
  const loadAtEnd = Math.round(loadavg()[0]! * 100) / 100;
  const calEnd = calibrate();
  writeFileSync(file, `${JSON.stringify({ machine: { ...machine, loadAverageAtEnd: loadAtEnd }, calibration: { start: calStart, end: calEnd }, options: { quick: opts.quick, reps: opts.reps, seed: opts.seed, pin: opts.pin ?? null, heapMiB: opts.heapMiB, chunk: opts.chunk }, results }, null, 2)}\n`);
  console.log(`\nwrote ${file}`);
  return results.some((r) => r.status === 'failed') ? 1 : 0;
}

if (process.argv[1]?.endsWith('run.js')) process.exitCode = await main(process.argv.slice(2));
