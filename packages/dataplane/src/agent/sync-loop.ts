import { performance } from 'node:perf_hooks';
import type { Diagnostic } from '@kordon/engine';
import type { Agent, SyncResult } from './agent.js';
import type { FailMode } from './api-loss.js';
import type { KernelWatch } from './kernel.js';
import type { LoadedState } from './manifests.js';
import { SourceGoneError, type ClusterSource, type SourceEvents } from './source.js';
import type { AgentEvent, AgentStop } from './watch.js';

export function describeDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.message}`;
}

export function enforcingLine(what: string, r: SyncResult): string {
  return `enforcing ${what}: ${r.ruleset.stats.localPods} local pods, ${r.ruleset.stats.policies} policies (${r.mode})`;
}

/**
 * Turns a source's change notices into syncs of the agent, one at a time: notices that come while a sync runs are
 * gathered into the next one, so each batch of changes is one nft transaction. A state with errors is refused and
 * the last good ruleset stays in force.
 */
export class SyncLoop {
  private running: Promise<void> = Promise.resolve();
  private busy = false;
  /** What the next pass reads: the changes of the last batches, or everything (the rescan timer, the API's return). */
  private want: 'none' | 'changes' | 'all' = 'none';
  /** When the first change of the pending batch came (performance.now()). */
  private since: number | undefined;
  private stopped = false;
  private isSynced = false;
  private markSynced: () => void = () => {};
  private finish: (s: AgentStop) => void = () => {};
  private readonly cleanups: Array<() => void> = [];
  /** Resolves at the first sync. */
  readonly firstSync = new Promise<void>((r) => (this.markSynced = r));
  /** Resolves when the loop stops by itself (its source went away). */
  readonly done = new Promise<AgentStop>((r) => (this.finish = r));
  /** Set once the kernel is watched: a failed change asks it to look. */
  kernel: KernelWatch | undefined;
  /** While the API is lost and the fail mode holds the table, nothing is synced. */
  failMode: () => FailMode = () => 'none';

  constructor(
    private readonly agent: Agent,
    private readonly source: ClusterSource,
    private readonly emit: (e: AgentEvent) => void,
  ) {}

  get synced(): boolean {
    return this.isSynced;
  }

  /** The notices a source sends to this loop. */
  events(): SourceEvents {
    return {
      changed: (at) => {
        this.since ??= at;
        this.kick('changes');
      },
      gone: (reason) => this.end(reason),
      warn: (message) => this.emit({ kind: 'warning', message }),
    };
  }

  /** Syncs the state read whole at start (a directory); throws what is wrong with it. */
  async syncFirst(first: LoadedState, what: string): Promise<void> {
    const r = await this.agent.sync(first.cluster);
    this.markFirst();
    this.emit({ kind: 'synced', message: enforcingLine(what, r), result: r });
  }

  /** Asks for a pass; passes run one at a time, and a pass asked for while one runs reads what came meanwhile. */
  kick(what: 'changes' | 'all'): void {
    if (this.want !== 'all') this.want = what;
    if (this.busy || this.stopped) return;
    this.busy = true;
    this.running = (async () => {
      while (this.want !== 'none' && !this.stopped) {
        const w = this.want;
        this.want = 'none';
        await this.reload(w);
      }
      this.busy = false;
    })();
  }

  /** Resolves once no pass runs and none is asked for, after a quiet time of `quietMs`. */
  async settled(quietMs: number): Promise<void> {
    for (;;) {
      await new Promise((r) => setTimeout(r, quietMs));
      await this.running;
      if (!this.busy && this.want === 'none') return;
    }
  }

  /** Runs at stop, in the order given. */
  onStop(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.cleanups) c();
  }

  private end(reason: string): void {
    if (this.stopped) return;
    this.emit({ kind: 'stopped', message: `${reason}; stopping, the table stays as it was` });
    this.stop();
    this.finish({ reason });
  }

  private markFirst(): boolean {
    const first = !this.isSynced;
    this.isSynced = true;
    this.markSynced();
    return first;
  }

  private async reload(what: 'changes' | 'all'): Promise<void> {
    // The API is lost and the fail mode holds the table: what the informers still tell waits for the API to return.
    if (this.failMode() !== 'none') return;
    const t0 = this.since ?? performance.now();
    this.since = undefined;
    try {
      const t1 = performance.now();
      const st = what === 'all' ? this.source.readAll() : this.source.readChanges();
      const loadMs = performance.now() - t1;
      // Nothing any file says changed: nothing to sync, nothing to say.
      if (!st) return;
      if (st.errors.length) {
        const kept = this.isSynced ? 'the previous ruleset stays in force' : 'traffic is left as it is';
        this.emit({ kind: 'rejected', message: `change refused, ${kept}: ${st.errors.map(describeDiagnostic).join('; ')}`, errors: st.errors });
        return;
      }
      const r = await this.agent.sync(st.cluster);
      const first = this.markFirst();
      if (what === 'all' && r.mode === 'unchanged' && !first) return;
      const timing = `read and build ${loadMs.toFixed(1)} ms, compile ${r.compileMs.toFixed(1)} ms, nft ${r.applyMs.toFixed(1)} ms`;
      const message = first ? enforcingLine(this.source.name, r) : `${r.mode}: +${r.addedElements} -${r.deletedElements} elements, ${r.chains.length} chains (${timing})`;
      this.emit({ kind: 'synced', message, result: r, ms: performance.now() - t0, loadMs });
    } catch (e) {
      if (e instanceof SourceGoneError) return this.end(e.message);
      this.emit({ kind: 'failed', message: `change not applied, the previous ruleset stays in force: ${(e as Error).message}` });
      // What a failed nft left in the kernel is not known for sure: look.
      this.kernel?.poke('after a failed change');
    }
  }
}
