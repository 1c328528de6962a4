import { hostname } from 'node:os';
import type { Diagnostic } from '@kordon/engine';
import { Agent, AgentError, type AgentOptions, type SyncResult } from './agent.js';
import type { LoadedState } from './manifests.js';
import { openConnectionLog, type ConnectionLog } from './connlog.js';
import { watchKernel } from './kernel.js';
import { watchApiLoss, type ApiLossPolicy, type FailMode } from './api-loss.js';
import { ApiSource, type ApiSourceOptions } from './api-source.js';
import { serveHealth, type HealthEndpoints } from './http.js';
import { AgentMetrics } from './metrics.js';
import { DirectorySource, type ClusterSource } from './source.js';
import { describeDiagnostic, SyncLoop } from './sync-loop.js';

const DEBOUNCE_MS = 10;
const RESCAN_MS = 60_000;
const VERIFY_MS = 10_000;

export interface AgentEvent {
  /** `waiting`: not synced yet, the table is left as it is; `api-lost` / `api-back`: the fail mode taking effect or ending. */
  kind: 'synced' | 'rejected' | 'failed' | 'warning' | 'stopped' | 'repaired' | 'waiting' | 'api-lost' | 'api-back';
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
  /** Where `/healthz` and `/metrics` are served (`host:port`), when asked for. */
  address?: string;
  /** Synced with the source at least once. */
  readonly synced: boolean;
  /** Resolves at the first sync (at once for a directory, after every list is complete for the API). */
  firstSync: Promise<void>;
  /** Resolves after the current change (if any) is handled. */
  settled(): Promise<void>;
  /** Resolves when the agent stops by itself (its source went away); the table stays as it was. */
  done: Promise<AgentStop>;
  stop(): void;
}

export interface StartAgentOptions extends AgentOptions {
  /** A directory (or file) of manifests: the source of cluster state (unless `cluster` is given). */
  source?: string;
  /** Follow the Kubernetes API instead (kubeconfig or in-cluster). */
  cluster?: ApiSourceOptions;
  /** With `cluster`: what to enforce after losing the API (default: keep the last state). */
  apiLoss?: ApiLossPolicy;
  /** For a directory: most bytes its files may hold together (default: the commands' limit, 256 MiB). */
  maxInputBytes?: number;
  /** Serve `/healthz` and `/metrics` here (port 0: any free port). */
  listen?: { host: string; port: number };
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
  /**
   * Appends a JSON line (the connection log of docs/generate.md) for each denied connection the kernel newly
   * records, read this often (default every second). Inside a watched directory the file is never read as a manifest.
   */
  connectionLog?: { file: string; pollMs?: number };
  /** Follows `nft monitor` and repairs at once when another process changes the table (default true). */
  monitor?: boolean;
  onEvent?: (e: AgentEvent) => void;
}

/**
 * `kordon agent`: enforces the manifests of a directory, or the cluster the API server describes, and follows every
 * change. The first sync replaces the table atomically; each later change is one incremental transaction. A state
 * with errors is refused and the last good ruleset stays in force. Following the API, nothing is touched before every
 * resource has been listed once: until then traffic is left as it is.
 */
export async function startAgent(opts: StartAgentOptions): Promise<RunningAgent> {
  if (!opts.cluster && opts.source === undefined) throw new AgentError('kordon agent needs a directory of manifests or the cluster to follow');
  const agent = await Agent.create(opts);
  const metrics = new AgentMetrics();
  const emit = meteredEmit(metrics, opts.onEvent);
  const { source, api, connlog } = openSource(opts, agent, emit);
  const loop = new SyncLoop(agent, source, emit);
  const loss = api && opts.apiLoss
    ? watchApiLoss(api, agent, opts.apiLoss, { synced: () => loop.synced, say: (kind, message) => emit({ kind, message }), resume: () => loop.kick('all') })
    : undefined;
  const failMode = (): FailMode => loss?.mode ?? 'none';
  loop.failMode = failMode;
  if (api) await connect(api, loop, emit);
  else await loop.syncFirst(readFirst(source, opts.source as string), opts.source as string);
  const kernel = watchKernel(agent, { verifyMs: opts.verifyMs ?? VERIFY_MS, monitor: opts.monitor ?? true }, (kind, message) => emit({ kind, message }));
  loop.kernel = kernel;
  if (api) void api.ready.then(() => loop.kick('all'));
  else await source.start(loop.events());
  // Informers lose no events (a relist follows an expired watch): the rescan is for directories.
  const rescanMs = api ? 0 : (opts.rescanMs ?? RESCAN_MS);
  const rescan = rescanMs > 0 ? setInterval(() => loop.kick('all'), rescanMs) : undefined;
  const http = opts.listen
    ? await serveHealth(opts.listen.host, opts.listen.port, healthOf({ agent, metrics, api, apiLoss: opts.apiLoss, synced: () => loop.synced, failMode }), (l) => emit({ kind: 'warning', message: l }))
    : undefined;
  loop.onStop(() => {
    clearInterval(rescan);
    loss?.stop();
    source.stop();
    kernel.stop();
    connlog?.stop();
    http?.server.close();
  });
  return {
    agent,
    ...(http ? { address: http.address } : {}),
    get synced() {
      return loop.synced;
    },
    firstSync: loop.firstSync,
    done: loop.done,
    settled: () => loop.settled((opts.debounceMs ?? DEBOUNCE_MS) + 5),
    stop: () => loop.stop(),
  };
}

/** The agent's events, counted in its metrics on the way to the caller. */
function meteredEmit(metrics: AgentMetrics, onEvent: ((e: AgentEvent) => void) | undefined): (e: AgentEvent) => void {
  return (e) => {
    if (e.kind === 'synced' && e.result) metrics.synced(e.result.mode, e.ms !== undefined ? e.ms / 1000 : undefined);
    else if (e.kind === 'failed') metrics.failed();
    else if (e.kind === 'rejected') metrics.rejected();
    onEvent?.(e);
  };
}

/** Where the cluster comes from (the API, or a directory), and the connection log, whose files a directory skips. */
function openSource(opts: StartAgentOptions, agent: Agent, emit: (e: AgentEvent) => void): { source: ClusterSource; api: ApiSource | undefined; connlog: ConnectionLog | undefined } {
  const api = opts.cluster ? new ApiSource({ ...opts.cluster, ...(opts.debounceMs !== undefined ? { debounceMs: opts.debounceMs } : {}) }) : undefined;
  const connlog = opts.connectionLog
    ? openConnectionLog(agent, { file: opts.connectionLog.file, node: opts.node ?? hostname(), ...(opts.connectionLog.pollMs !== undefined ? { pollMs: opts.connectionLog.pollMs } : {}) }, (message) => emit({ kind: 'warning', message }))
    : undefined;
  if (api) return { source: api, api, connlog };
  const dirOpts = {
    ...(opts.debounceMs !== undefined ? { debounceMs: opts.debounceMs } : {}),
    ...(opts.maxInputBytes !== undefined ? { maxInputBytes: opts.maxInputBytes } : {}),
    ...(connlog ? { ownFiles: connlog.paths } : {}),
  };
  return { source: new DirectorySource(opts.source as string, dirOpts), api, connlog };
}

/** Connects to the API server and starts the informers; the first sync waits for every list. */
async function connect(api: ApiSource, loop: SyncLoop, emit: (e: AgentEvent) => void): Promise<void> {
  try {
    await api.start(loop.events());
  } catch (e) {
    const hint = (e as { hint?: string }).hint;
    throw new AgentError(`kordon agent cannot follow the cluster: ${(e as Error).message}${hint ? ` (${hint})` : ''}`);
  }
  emit({ kind: 'waiting', message: `listing namespaces, pods, policies and nodes from ${api.name}; until every list is complete, traffic is left as it is (a table left by an earlier run stays in force)` });
}

/** A directory's manifests, read whole; with errors nothing is enforced and the agent does not start. */
function readFirst(source: ClusterSource, dir: string): LoadedState {
  const first = source.readAll();
  if (first.errors.length)
    throw new AgentError(`the manifests in ${dir} have errors; nothing was enforced:\n${first.errors.map(describeDiagnostic).join('\n')}`, first.errors.map(describeDiagnostic), 'invalid-manifests');
  return first;
}

/** `/healthz` and `/metrics` of a running agent. */
function healthOf(s: { agent: Agent; metrics: AgentMetrics; api: ApiSource | undefined; apiLoss: ApiLossPolicy | undefined; synced: () => boolean; failMode: () => FailMode }): HealthEndpoints {
  return {
    unhealthy: () => {
      if (!s.synced()) return 'not synced yet: traffic is left as it is';
      if (s.failMode() !== 'none') return `the API server is lost: failing ${s.failMode()}`;
      const lost = s.api?.lostSince();
      if (lost !== undefined && s.apiLoss && Date.now() - lost >= s.apiLoss.afterMs) return `the API server has been lost for ${Math.round((Date.now() - lost) / 1000)} s: enforcing the last state seen`;
      return undefined;
    },
    metrics: async () =>
      s.metrics.render({
        ruleset: s.agent.ruleset,
        repairs: s.agent.repairs,
        synced: s.synced(),
        apiUp: s.api ? s.api.lostSince() === undefined : true,
        failMode: s.failMode(),
        resources: s.api?.status() ?? [],
        // A table deleted behind the agent's back (until the repair) has no records to read: none, not a failed scrape.
        denied: s.agent.ruleset ? await s.agent.denied().catch(() => []) : [],
      }),
  };
}
