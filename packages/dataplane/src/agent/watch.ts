import { watch, type FSWatcher } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Diagnostic } from '@kordon/engine';
import { Agent, type AgentOptions, type SyncResult } from './agent.js';
import { ManifestDir } from './manifests.js';

const DEBOUNCE_MS = 10;
const RESCAN_MS = 60_000;

export interface AgentEvent {
  kind: 'synced' | 'rejected' | 'failed';
  /** What triggered it, in words. */
  message: string;
  result?: SyncResult;
  errors?: readonly Diagnostic[];
  /** From the first file event to the commit. */
  ms?: number;
  /** Of which: reading the changed files, parsing them and building the cluster. */
  loadMs?: number;
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
  /**
   * Quiet time after a file event before reloading, default 10 ms: editors and `kubectl`-like tools write a file in
   * several steps a few milliseconds apart, and each wait adds to the time a change takes to be enforced.
   */
  debounceMs?: number;
  /**
   * Reads the whole directory again this often, default 60 s, 0 never: a safety net for file events the kernel
   * dropped (an inotify queue overflow), as informers resync. A rescan that finds nothing new says nothing.
   */
  rescanMs?: number;
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
  const manifests = new ManifestDir(opts.source);
  manifests.rescan();
  const first = manifests.state();
  if (first.errors.length) throw new Error(`the manifests in ${opts.source} have errors; nothing was enforced:\n${first.errors.map(describe).join('\n')}`);
  const r0 = await agent.sync(first.cluster);
  emit({ kind: 'synced', message: `enforcing ${opts.source}: ${r0.ruleset.stats.localPods} local pods, ${r0.ruleset.stats.policies} policies (${r0.mode})`, result: r0 });

  let timer: NodeJS.Timeout | undefined;
  let pending = false;
  let since: number | undefined;
  let running: Promise<void> = Promise.resolve();
  let again = false;
  let busy = false;

  /** Files named by events since the last reload; `undefined` in it means an event without a name: rescan. */
  let named = new Set<string | undefined>();
  /** The pending reload is only the periodic rescan. */
  let periodic = false;

  const reload = async (): Promise<void> => {
    const t0 = since ?? performance.now();
    since = undefined;
    const names = named;
    const quiet = periodic && names.size === 1;
    named = new Set();
    periodic = false;
    try {
      const t1 = performance.now();
      if (names.has(undefined)) manifests.rescan();
      else manifests.update(names as Set<string>);
      const st = manifests.state();
      const loadMs = performance.now() - t1;
      if (st.errors.length) {
        emit({ kind: 'rejected', message: `change refused, the previous ruleset stays in force: ${st.errors.map(describe).join('; ')}`, errors: st.errors });
        return;
      }
      const r = await agent.sync(st.cluster);
      if (quiet && r.mode === 'unchanged') return;
      const timing = `read and build ${loadMs.toFixed(1)} ms, compile ${r.compileMs.toFixed(1)} ms, nft ${r.applyMs.toFixed(1)} ms`;
      emit({ kind: 'synced', message: `${r.mode}: +${r.addedElements} -${r.deletedElements} elements, ${r.chains.length} chains (${timing})`, result: r, ms: performance.now() - t0, loadMs });
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

  const watcher: FSWatcher = watch(opts.source, { recursive: true }, (_event, filename) => {
    since ??= performance.now();
    named.add(filename ?? undefined);
    clearTimeout(timer);
    pending = true;
    timer = setTimeout(() => {
      pending = false;
      kick();
    }, opts.debounceMs ?? DEBOUNCE_MS);
  });

  const rescanMs = opts.rescanMs ?? RESCAN_MS;
  const rescan =
    rescanMs > 0
      ? setInterval(() => {
          periodic = named.size === 0;
          named.add(undefined);
          kick();
        }, rescanMs)
      : undefined;

  return {
    agent,
    async settled() {
      for (;;) {
        await new Promise((r) => setTimeout(r, (opts.debounceMs ?? DEBOUNCE_MS) + 5));
        await running;
        if (!pending && !busy) return;
      }
    },
    stop() {
      clearTimeout(timer);
      clearInterval(rescan);
      watcher.close();
    },
  };
}
