import { performance } from 'node:perf_hooks';
import type { Diagnostic } from '@kordon/engine';
import { Agent, AgentError, type AgentOptions, type SyncResult } from './agent.js';
import type { LoadedState } from './manifests.js';
import { watchKernel } from './kernel.js';
import { DirectorySource, SourceGoneError, type ClusterSource } from './source.js';

const DEBOUNCE_MS = 10;
const RESCAN_MS = 60_000;
const VERIFY_MS = 10_000;

export interface AgentEvent {
  kind: 'synced' | 'rejected' | 'failed' | 'warning' | 'stopped' | 'repaired';
  /** What triggered it, in words. */
  message: string;
  result?: SyncResult;
  errors?: readonly Diagnostic[];
  /** From the first file event to the commit. */
  ms?: number;
  /** Of which: reading the changed files, parsing them and building the cluster. */
  loadMs?: number;
}

/** Why an agent stopped by itself. */
export interface AgentStop {
  reason: string;
}

export interface RunningAgent {
  agent: Agent;
  /** Resolves after the current change (if any) is handled. */
  settled(): Promise<void>;
  /** Resolves when the agent stops by itself (its source went away); the table stays as it was. */
  done: Promise<AgentStop>;
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
  /**
   * Compares the kernel's table with the ruleset this often and repairs what differs, default 10 s, 0 never: a
   * table changed behind the agent's back, or an nft that said yes and did nothing, is put right.
   */
  verifyMs?: number;
  /** Follows `nft monitor` and repairs at once when another process changes the table (default true). */
  monitor?: boolean;
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
  const source: ClusterSource = new DirectorySource(opts.source, opts.debounceMs !== undefined ? { debounceMs: opts.debounceMs } : {});
  const first = source.readAll();
  if (first.errors.length)
    throw new AgentError(`the manifests in ${opts.source} have errors; nothing was enforced:\n${first.errors.map(describe).join('\n')}`, first.errors.map(describe), 'invalid-manifests');
  const r0 = await agent.sync(first.cluster);
  emit({ kind: 'synced', message: `enforcing ${opts.source}: ${r0.ruleset.stats.localPods} local pods, ${r0.ruleset.stats.policies} policies (${r0.mode})`, result: r0 });

  let running: Promise<void> = Promise.resolve();
  let busy = false;
  /** What the next pass reads: the changes of the last batches, or everything (the rescan timer). */
  let want: 'none' | 'changes' | 'all' = 'none';
  let since: number | undefined;
  let stopped = false;
  let finish: (s: AgentStop) => void = () => {};
  const done = new Promise<AgentStop>((r) => (finish = r));

  const end = (reason: string): void => {
    if (stopped) return;
    emit({ kind: 'stopped', message: `${reason}; stopping, the table stays as it was` });
    stop();
    finish({ reason });
  };

  const read = (what: 'changes' | 'all'): LoadedState | undefined => (what === 'all' ? source.readAll() : source.readChanges());

  const reload = async (what: 'changes' | 'all'): Promise<void> => {
    const t0 = since ?? performance.now();
    since = undefined;
    try {
      const t1 = performance.now();
      const st = read(what);
      const loadMs = performance.now() - t1;
      // Nothing any file says changed: nothing to sync, nothing to say.
      if (!st) return;
      if (st.errors.length) {
        emit({ kind: 'rejected', message: `change refused, the previous ruleset stays in force: ${st.errors.map(describe).join('; ')}`, errors: st.errors });
        return;
      }
      const r = await agent.sync(st.cluster);
      if (what === 'all' && r.mode === 'unchanged') return;
      const timing = `read and build ${loadMs.toFixed(1)} ms, compile ${r.compileMs.toFixed(1)} ms, nft ${r.applyMs.toFixed(1)} ms`;
      emit({ kind: 'synced', message: `${r.mode}: +${r.addedElements} -${r.deletedElements} elements, ${r.chains.length} chains (${timing})`, result: r, ms: performance.now() - t0, loadMs });
    } catch (e) {
      if (e instanceof SourceGoneError) return end(e.message);
      emit({ kind: 'failed', message: `change not applied, the previous ruleset stays in force: ${(e as Error).message}` });
      // What a failed nft left in the kernel is not known for sure: look.
      kernel.poke('after a failed change');
    }
  };

  const kick = (what: 'changes' | 'all'): void => {
    if (want !== 'all') want = what;
    if (busy || stopped) return;
    busy = true;
    running = (async () => {
      while (want !== 'none' && !stopped) {
        const w = want;
        want = 'none';
        await reload(w);
      }
      busy = false;
    })();
  };

  const kernel = watchKernel(agent, { verifyMs: opts.verifyMs ?? VERIFY_MS, monitor: opts.monitor ?? true }, (kind, message) => emit({ kind, message }));

  source.start({
    changed: (at) => {
      since ??= at;
      kick('changes');
    },
    gone: end,
    warn: (message) => emit({ kind: 'warning', message }),
  });

  const rescanMs = opts.rescanMs ?? RESCAN_MS;
  const rescan = rescanMs > 0 ? setInterval(() => kick('all'), rescanMs) : undefined;

  function stop(): void {
    stopped = true;
    clearInterval(rescan);
    source.stop();
    kernel.stop();
  }

  return {
    agent,
    done,
    async settled() {
      for (;;) {
        await new Promise((r) => setTimeout(r, (opts.debounceMs ?? DEBOUNCE_MS) + 5));
        await running;
        if (!busy && want === 'none') return;
      }
    },
    stop,
  };
}
