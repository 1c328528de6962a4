/**
 * Runs one measured scenario in its own Node process, so that peak RSS belongs to that scenario alone.
 * Invoked by run.ts as `node child.js '<json ChildRequest>'`; prints one line `BENCH_RESULT <json ChildResult>`.
 * The engine is imported dynamically and each function looked up by name: a function that does not exist
 * yet makes the scenario "not available" instead of failing the whole run.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { synthesizeFlows, type FlowCluster } from './flows.js';
import type { Task } from './scenarios.js';

export interface ChildRequest {
  task: Exclude<Task, 'check-cli'>;
  /** The input: `kind: List` files, or directories read recursively (.yaml, .yml, .json) as the CLI does. */
  files: string[];
  /** For diff: the changed input. */
  otherFiles?: string[];
}

export type Phase = 'read' | 'parse' | 'build' | 'compute';

export interface ChildResult {
  status: 'ok' | 'not available' | 'failed';
  reason?: string;
  /** Milliseconds per timed phase (wall). */
  phases: Partial<Record<Phase, number>>;
  /** CPU milliseconds (user + system, all threads) of the timed phases together: less sensitive to a busy machine. */
  cpuMs?: number;
  /** CPU milliseconds of the main thread alone (where the engine runs), without the GC's helper threads. */
  mainCpuMs?: number;
  maxRssMiB: number;
  counts?: { objects: number; namespaces: number; pods: number; policies: number; rejectedPolicies: number };
  diagnostics?: Record<string, number>;
  /** Which engine functions were used. */
  used: string[];
  matrix?: { columns: number; classes: number; distinctColumns: number; totalPairs: number; pairsByColumn: Record<string, number> };
  summary?: Record<string, number>;
}

export const RESULT_PREFIX = 'BENCH_RESULT ';

type Fn = (...args: never[]) => unknown;
type Module = Record<string, unknown>;

/** The first of `names` that the module exports as a function. */
function find(mod: Module, names: readonly string[]): { name: string; fn: Fn } | undefined {
  for (const name of names) {
    const v = mod[name];
    if (typeof v === 'function') return { name, fn: v as Fn };
  }
  return undefined;
}

/** Names the runner accepts for each engine operation, first choice first. */
export const ENGINE_NAMES = {
  loadSources: ['loadSources'],
  buildCluster: ['buildCluster'],
  computeMatrix: ['computeMatrix'],
  summary: ['summarizePods'],
  lint: ['lint', 'lintCluster'],
  diff: ['diff', 'diffClusters'],
  generate: ['generatePolicies'],
} as const;

/** The calling thread's CPU time in ms from the scheduler's own accounting (Linux), undefined elsewhere. */
const SCHEDSTAT = '/proc/thread-self/schedstat';
const threadCpuMs = (): number | undefined => {
  if (!existsSync(SCHEDSTAT)) return undefined;
  return Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]) / 1e6;
};

const maxRssMiB = () => Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;

// The engine's shapes as the runner reads them; only the fields used here.
interface SourceFile {
  name: string;
  text: string;
}
/** Functions of @kordon/review the generate task needs besides generatePolicies. */
const generateHelpers: { parseFlows?: Fn } = {};
interface GenerateLike {
  inputs: { connections: number };
  units: readonly unknown[];
  policies: readonly unknown[];
  proof: { holds: boolean; allowed: { total: number; failures: readonly unknown[] }; extras: readonly unknown[]; extraPairs: number; lint: readonly unknown[] };
}
interface LoadResultLike {
  objects: unknown[];
  diagnostics: { severity: string }[];
}
interface ClusterLike {
  namespaces: readonly unknown[];
  pods: readonly unknown[];
  policies: readonly unknown[];
  rejectedPolicies: readonly unknown[];
}
interface BuildResultLike {
  cluster: ClusterLike;
  diagnostics: { severity: string }[];
}
interface MatrixLike {
  columns: readonly { label: string }[];
  allowedPairs(col: number): number;
  stats: { classes: number; distinctColumns: number };
}

async function importModule(spec: string): Promise<Module | string> {
  try {
    return (await import(spec)) as Module;
  } catch (err) {
    return `cannot import ${spec}: ${(err as Error).message.split('\n')[0]}`;
  }
}

export async function runChild(req: ChildRequest): Promise<ChildResult> {
  const phases: ChildResult['phases'] = {};
  const used: string[] = [];
  const cpu = { ms: 0, mainMs: 0, main: threadCpuMs() !== undefined };
  const result = (status: ChildResult['status'], reason?: string): ChildResult => {
    const r: ChildResult = { status, phases, maxRssMiB: maxRssMiB(), used };
    if (cpu.ms > 0) r.cpuMs = cpu.ms;
    if (cpu.main) r.mainCpuMs = cpu.mainMs;
    if (reason !== undefined) r.reason = reason;
    return r;
  };
  const engine = await importModule('@kordon/engine');
  if (typeof engine === 'string') return result('not available', engine);
  const load = find(engine, ENGINE_NAMES.loadSources);
  const build = find(engine, ENGINE_NAMES.buildCluster);
  const missing: string[] = [];
  if (!load) missing.push('loadSources');
  if (!build) missing.push('buildCluster');

  // Resolve the task's function before spending time on parsing.
  let taskFn: { name: string; fn: Fn } | undefined;
  if (req.task === 'parse') taskFn = load;
  else if (req.task === 'matrix') taskFn = find(engine, ENGINE_NAMES.computeMatrix);
  else if (req.task === 'summary') taskFn = find(engine, ENGINE_NAMES.summary);
  else {
    const review = await importModule('@kordon/review');
    taskFn = typeof review === 'string' ? undefined : find(review, req.task === 'lint' ? ENGINE_NAMES.lint : req.task === 'generate' ? ENGINE_NAMES.generate : ENGINE_NAMES.diff);
    if (req.task === 'generate' && typeof review !== 'string') generateHelpers.parseFlows = find(review, ['parseFlows'])?.fn;
  }
  if (!taskFn) missing.push(req.task === 'matrix' ? 'computeMatrix' : req.task === 'summary' ? `a per-pod summary (${ENGINE_NAMES.summary.join(' / ')})` : `@kordon/review ${req.task}`);
  if (missing.length > 0 || !load || !build || !taskFn) return result('not available', `missing: ${missing.join(', ')}`);
  used.push(load.name, build.name, taskFn.name);

  const loadFn = load.fn as unknown as (files: SourceFile[]) => LoadResultLike;
  const buildFn = build.fn as unknown as (objects: unknown[]) => BuildResultLike;
  const timed = <T>(phase: Phase, f: () => T): T => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const m0 = threadCpuMs();
    const v = f();
    phases[phase] = (phases[phase] ?? 0) + (performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.ms += (c.user + c.system) / 1000;
    if (m0 !== undefined) cpu.mainMs += threadCpuMs()! - m0;
    return v;
  };

  let r: ChildResult;
  try {
    r = measure(req, taskFn, loadFn, buildFn, timed, result);
  } catch (err) {
    // Keep the phases that completed: they show how far the engine got.
    r = result('failed', (err as Error).stack ?? String(err));
  }
  // Taken last, so that every phase is in: the result object may have been made before the compute phase.
  r.cpuMs = cpu.ms;
  if (cpu.main) r.mainCpuMs = cpu.mainMs;
  r.maxRssMiB = maxRssMiB();
  return r;
}

function measure(
  req: ChildRequest,
  taskFn: { name: string; fn: Fn },
  loadFn: (files: SourceFile[]) => LoadResultLike,
  buildFn: (objects: unknown[]) => BuildResultLike,
  timed: <T>(phase: Phase, f: () => T) => T,
  result: (status: ChildResult['status'], reason?: string) => ChildResult,
): ChildResult {
  const read = (files: readonly string[]) => timed('read', () => expand(files).map((name) => ({ name, text: readFileSync(name, 'utf8') })));
  const sources = read(req.files);
  const loaded = timed('parse', () => loadFn(sources));
  if (req.task === 'parse') {
    const out = result('ok');
    const diagnostics: Record<string, number> = {};
    for (const d of loaded.diagnostics) diagnostics[d.severity] = (diagnostics[d.severity] ?? 0) + 1;
    out.diagnostics = diagnostics;
    out.summary = { objects: loaded.objects.length, bytes: sources.reduce((a, f) => a + f.text.length, 0) };
    return out;
  }
  const built = timed('build', () => buildFn(loaded.objects));
  const c = built.cluster;
  const diagnostics: Record<string, number> = {};
  for (const d of [...loaded.diagnostics, ...built.diagnostics]) diagnostics[d.severity] = (diagnostics[d.severity] ?? 0) + 1;
  const out = result('ok');
  out.counts = { objects: loaded.objects.length, namespaces: c.namespaces.length, pods: c.pods.length, policies: c.policies.length, rejectedPolicies: c.rejectedPolicies.length };
  out.diagnostics = diagnostics;

  if (req.task === 'matrix') {
    const matrixFn = taskFn.fn as unknown as (cluster: ClusterLike, options: { countsOnly: boolean }) => MatrixLike;
    const m = timed('compute', () => {
      // As `kordon matrix --count`: only the counts are asked for.
      const matrix = matrixFn(c, { countsOnly: true });
      // Counting every column is part of the measured work: it is what `--count` prints.
      const pairs = matrix.columns.map((_, i) => matrix.allowedPairs(i));
      return { matrix, pairs };
    });
    const pairsByColumn: Record<string, number> = {};
    m.matrix.columns.forEach((col, i) => (pairsByColumn[col.label] = m.pairs[i]!));
    out.matrix = {
      columns: m.matrix.columns.length,
      classes: m.matrix.stats.classes,
      distinctColumns: m.matrix.stats.distinctColumns,
      totalPairs: m.pairs.reduce((a, b) => a + b, 0),
      pairsByColumn,
    };
  } else if (req.task === 'generate') {
    const parseFlows = generateHelpers.parseFlows as unknown as ((f: SourceFile) => unknown) | undefined;
    if (!parseFlows) return result('not available', 'missing: @kordon/review parseFlows');
    const csv = synthesizeFlows(c as unknown as FlowCluster, 100_000);
    const fn = taskFn.fn as unknown as (input: { objects: unknown[]; expectations: unknown[]; flows: unknown[] }) => GenerateLike;
    const g = timed('compute', () => fn({ objects: loaded.objects, expectations: [], flows: [parseFlows({ name: 'flows.csv', text: csv })] }));
    out.summary = { flows: 100_000, connections: g.inputs.connections, workloads: g.units.length, policies: g.policies.length, holds: g.proof.holds ? 1 : 0, allowedChecked: g.proof.allowed.total, allowedFailures: g.proof.allowed.failures.length, extraGroups: g.proof.extras.length, extraPairs: g.proof.extraPairs, lintFindings: g.proof.lint.length };
  } else if (req.task === 'summary') {
    const summaryFn = taskFn.fn as unknown as (cluster: ClusterLike) => unknown;
    const s = timed('compute', () => summaryFn(c));
    out.summary = describeSummary(s);
  } else {
    // lint and diff: wired by name; their result is only sized, not interpreted.
    let other: BuildResultLike | undefined;
    if (req.task === 'diff') {
      if (!req.otherFiles) return result('failed', 'diff needs a second input');
      const otherSources = read(req.otherFiles);
      const otherLoaded = timed('parse', () => loadFn(otherSources));
      other = timed('build', () => buildFn(otherLoaded.objects));
    }
    const fn = taskFn.fn as unknown as (a: ClusterLike, b?: ClusterLike) => unknown;
    const r = timed('compute', () => (other ? fn(c, other.cluster) : fn(c)));
    out.summary = describeSummary(r);
  }
  return out;
}

/** Files as given, directories replaced by their manifest files (recursively, sorted). */
function expand(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!statSync(p).isDirectory()) {
      out.push(p);
      continue;
    }
    const entries = (readdirSync(p, { recursive: true }) as string[]).filter((e) => /\.(ya?ml|json)$/.test(e)).sort();
    for (const e of entries) out.push(join(p, e));
  }
  return out;
}

/**
 * A few sizes of a result, so a run shows that real work came back. For a list of per-pod records (summarizePods)
 * the numeric fields are summed and `isolated` flags counted per direction: a fingerprint, like the matrix's pair counts.
 */
function describeSummary(v: unknown): Record<string, number> {
  if (Array.isArray(v)) {
    const out: Record<string, number> = { entries: v.length };
    for (const item of v) {
      if (!item || typeof item !== 'object') continue;
      for (const [k, x] of Object.entries(item as Record<string, unknown>)) {
        if (typeof x === 'number') out[k] = (out[k] ?? 0) + x;
        else if (x && typeof x === 'object' && (x as { isolated?: unknown }).isolated === true) out[`${k}Isolated`] = (out[`${k}Isolated`] ?? 0) + 1;
      }
    }
    return out;
  }
  if (v && typeof v === 'object') {
    const out: Record<string, number> = {};
    for (const [k, x] of Object.entries(v)) {
      if (typeof x === 'number') out[k] = x;
      else if (Array.isArray(x)) out[k] = x.length;
    }
    return out;
  }
  return {};
}

async function main(): Promise<void> {
  const arg = process.argv[2];
  if (!arg) {
    console.error('usage: child.js <json request>');
    process.exitCode = 2;
    return;
  }
  let res: ChildResult;
  try {
    res = await runChild(JSON.parse(arg) as ChildRequest);
  } catch (err) {
    res = { status: 'failed', reason: (err as Error).stack ?? String(err), phases: {}, maxRssMiB: maxRssMiB(), used: [] };
  }
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(res)}\n`);
}

if (process.argv[1]?.endsWith('child.js')) await main();
