import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildCluster, loadSource, type Cluster, type Diagnostic, type LoadedObject, type LoadResult } from '@kordon/engine';
import { Agent, type AgentOptions, type SyncResult } from './agent.js';

const MANIFEST = /\.(ya?ml|json)$/i;

/** Every manifest file under `dir`, sorted, as the engine's sources. */
export async function readManifestDir(dir: string): Promise<Array<{ name: string; text: string }>> {
  const files: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && MANIFEST.test(e.name)) files.push(p);
    }
  };
  if (!(await stat(dir)).isDirectory()) return [{ name: dir, text: await readFile(dir, 'utf8') }];
  await walk(dir);
  files.sort();
  return Promise.all(files.map(async (f) => ({ name: relative(process.cwd(), f) || f, text: await readFile(f, 'utf8') })));
}

export interface LoadedState {
  cluster: Cluster;
  /** Errors that make the state unsafe to enforce: a policy the API server would reject, an unreadable file. */
  errors: Diagnostic[];
  diagnostics: Diagnostic[];
}

/** Parsed files by name, reused while their text is unchanged: a change re-parses only the files it touched. */
export type LoadCache = Map<string, { text: string; result: LoadResult }>;

/** Reads the directory into a cluster; a rejected policy is an error, since leaving it out could open traffic. */
export async function loadState(dir: string, cache?: LoadCache): Promise<LoadedState> {
  const files = await readManifestDir(dir);
  const objects: LoadedObject[] = [];
  const loadDiagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    seen.add(f.name);
    const hit = cache?.get(f.name);
    const result = hit && hit.text === f.text ? hit.result : loadSource(f);
    cache?.set(f.name, { text: f.text, result });
    for (const o of result.objects) objects.push(o);
    for (const d of result.diagnostics) loadDiagnostics.push(d);
  }
  if (cache) for (const k of [...cache.keys()]) if (!seen.has(k)) cache.delete(k);
  const loaded = { objects, diagnostics: loadDiagnostics };
  const built = buildCluster(loaded.objects);
  const diagnostics = [...loaded.diagnostics, ...built.diagnostics];
  return { cluster: built.cluster, diagnostics, errors: diagnostics.filter((d) => d.severity === 'error') };
}

export interface AgentEvent {
  kind: 'synced' | 'rejected' | 'failed';
  /** What triggered it, in words. */
  message: string;
  result?: SyncResult;
  errors?: readonly Diagnostic[];
  /** From the first file event to the commit. */
  ms?: number;
}

export interface RunningAgent {
  agent: Agent;
  /** Resolves after the current change (if any) is handled. */
  settled(): Promise<void>;
  stop(): void;
}

export interface StartAgentOptions extends AgentOptions {
  /** A directory (or file) of manifests: the source of cluster state. */
  source: string;
  /** Quiet time after a file event before reloading, default 20 ms (editors write files in several steps). */
  debounceMs?: number;
  onEvent?: (e: AgentEvent) => void;
}

function describe(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.message}`;
}

/**
 * `kordon agent`: enforces the manifests of a directory and follows every change to it. The first sync
 * replaces the table atomically; each later change is one incremental transaction. A state with errors is
 * refused and the last good ruleset stays in force.
 */
export async function startAgent(opts: StartAgentOptions): Promise<RunningAgent> {
  const agent = await Agent.create(opts);
  const emit = opts.onEvent ?? (() => {});
  const cache: LoadCache = new Map();
  const first = await loadState(opts.source, cache);
  if (first.errors.length) throw new Error(`the manifests in ${opts.source} have errors; nothing was enforced:\n${first.errors.map(describe).join('\n')}`);
  const r0 = await agent.sync(first.cluster);
  emit({ kind: 'synced', message: `enforcing ${opts.source}: ${r0.ruleset.stats.localPods} local pods, ${r0.ruleset.stats.policies} policies (${r0.mode})`, result: r0 });

  let timer: NodeJS.Timeout | undefined;
  let pending = false;
  let since: number | undefined;
  let running: Promise<void> = Promise.resolve();
  let again = false;
  let busy = false;

  const reload = async (): Promise<void> => {
    const t0 = since ?? performance.now();
    since = undefined;
    try {
      const st = await loadState(opts.source, cache);
      if (st.errors.length) {
        emit({ kind: 'rejected', message: `change refused, the previous ruleset stays in force: ${st.errors.map(describe).join('; ')}`, errors: st.errors });
        return;
      }
      const r = await agent.sync(st.cluster);
      emit({ kind: 'synced', message: `${r.mode}: +${r.addedElements} -${r.deletedElements} elements, ${r.chains.length} chains`, result: r, ms: performance.now() - t0 });
    } catch (e) {
      emit({ kind: 'failed', message: `change not applied, the previous ruleset stays in force: ${(e as Error).message}` });
    }
  };

  const kick = (): void => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    running = (async () => {
      do {
        again = false;
        await reload();
      } while (again);
      busy = false;
    })();
  };

  const watcher: FSWatcher = watch(opts.source, { recursive: true }, () => {
    since ??= performance.now();
    clearTimeout(timer);
    pending = true;
    timer = setTimeout(() => {
      pending = false;
      kick();
    }, opts.debounceMs ?? 20);
  });

  return {
    agent,
    async settled() {
      for (;;) {
        await new Promise((r) => setTimeout(r, (opts.debounceMs ?? 20) + 5));
        await running;
        if (!pending && !busy) return;
      }
    },
    stop() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
