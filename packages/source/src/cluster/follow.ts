import type { KubernetesListObject, KubernetesObject, ListWatch, Watch } from '@kubernetes/client-node';
import { connect, type ClusterOptions, type Connection } from './connect.js';
import { listAll } from './read.js';
import { AGENT_RESOURCES, canIFor, listPath, type Resource } from './resources.js';
import { trimVersioned } from './trim.js';

type Obj = Record<string, unknown>;

/** Where one resource's informer is: listing, following its watch, waiting to try again, or not served at all. */
export type FollowState = 'listing' | 'watching' | 'retrying' | 'absent';

export interface ResourceStatus {
  resource: Resource;
  state: FollowState;
  /** Listed at least once (or known not to be served): its objects are the cluster's as of some moment. */
  listed: boolean;
  /** Since when (Date.now()) this resource has not been followed; undefined while its watch is open. */
  downSince?: number;
  /** Informers started again after they stopped on an error. */
  restarts: number;
  /** Lists after the first (a watch expired with 410 Gone, or the informer could not resume). */
  relists: number;
  lastError?: string;
}

export interface FollowEvents {
  /** An object came or changed: trimmed as for the engine, with `metadata.resourceVersion`. */
  upsert(r: Resource, o: Obj): void;
  removed(r: Resource, o: Obj): void;
  /** Every resource has been listed once: what was seen so far is the whole cluster. Called once. */
  synced(): void;
  /** A stop, restart, relist or refusal, in words for the log. */
  log(message: string): void;
}

export interface FollowOptions extends ClusterOptions {
  /** What to follow (default: what the agent needs). */
  resources?: readonly Resource[];
  /** First wait before an informer that stopped is started again; doubles up to `maxBackoffMs` (default 0.5 s, 30 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** How often a resource the server does not serve (a CRD not installed) is looked for again (default 60 s). */
  absentRetryMs?: number;
  /** How long a watch stays open before a new one is asked for (default 5 to 10 min, at random, as client-go does). */
  watchTimeoutSeconds?: number;
}

export interface ClusterFollower {
  readonly server: string;
  readonly context: string;
  status(): ResourceStatus[];
  stop(): void;
}

/** A refused or failed list, with what to run to check it; `absent` when the API is not served (404). */
class ListFailure extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

/**
 * Follows the cluster as client-go's informers do, with client-node's `ListWatch`: each resource is listed (paginated,
 * trimmed as pages arrive), then watched from the list's resourceVersion with bookmarks, and listed again when the
 * watch answers 410 Gone. client-node 1.x's informer stops for good on any other error (a refused connection, a
 * 403, a list that timed out): a supervisor here starts it again after a growing wait, from the last version seen,
 * so a restarted API server is followed on without a relist when its history still holds that version.
 */
export async function followCluster(opts: FollowOptions, events: FollowEvents): Promise<ClusterFollower> {
  const conn = await connect(opts);
  const k8s = await import('@kubernetes/client-node');
  const watch = new k8s.Watch(conn.config);
  const informers = (opts.resources ?? AGENT_RESOURCES).map((r) => new Informer(r, conn, watch, k8s.ListWatch, opts, events, () => checkSynced()));
  let synced = false;
  const checkSynced = (): void => {
    if (synced || !informers.every((i) => i.status.listed)) return;
    synced = true;
    events.synced();
  };
  for (const i of informers) i.start();
  return {
    server: conn.server,
    context: conn.context,
    status: () => informers.map((i) => ({ ...i.status })),
    stop: () => {
      for (const i of informers) i.stop();
    },
  };
}

type ListWatchClass = typeof ListWatch;

/** One resource's ListWatch and the supervisor that keeps it running. */
class Informer {
  readonly status: ResourceStatus;
  private lw: ListWatch<KubernetesObject> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private backoff: number;
  private lists = 0;
  /** Set by the list function, cleared by the watch that follows it: the list's objects have been handed on. */
  private justListed = false;

  constructor(
    readonly r: Resource,
    private readonly conn: Connection,
    private readonly watch: Watch,
    private readonly LW: ListWatchClass,
    private readonly opts: FollowOptions,
    private readonly events: FollowEvents,
    private readonly onListed: () => void,
  ) {
    this.status = { resource: r, state: 'listing', listed: false, downSince: Date.now(), restarts: 0, relists: 0 };
    this.backoff = opts.backoffMs ?? 500;
  }

  start(): void {
    const path = listPath(this.r);
    const lw = new this.LW(path, this.wrappedWatch() as unknown as Watch, () => this.list(), false);
    lw.on('add', (o) => this.events.upsert(this.r, o as unknown as Obj));
    lw.on('update', (o) => this.events.upsert(this.r, o as unknown as Obj));
    lw.on('delete', (o) => this.events.removed(this.r, o as unknown as Obj));
    lw.on('error', (err) => this.failed(err));
    this.lw = lw;
    void lw.start();
  }

  /** The list half: every page, trimmed, with the list's resourceVersion; a refusal says how to check it. */
  private async list(): Promise<KubernetesListObject<KubernetesObject>> {
    this.status.state = 'listing';
    const got = await listAll(this.conn, this.r, this.opts.pageSize ?? 500, undefined, true);
    if (got.status !== 200) {
      const why = got.failure?.message ?? `HTTP ${got.status}`;
      if (got.status === 403) throw new ListFailure(`cannot list ${this.r.plural}: ${why}; check with: ${canIFor(this.r)} and ${canIFor(this.r, undefined, 'watch')}`, 403);
      if (got.status === 401) throw new ListFailure(`the API server refused the credentials (401 Unauthorized: ${why}): the token or certificate has expired or is wrong`, 401);
      throw new ListFailure(`cannot list ${this.r.plural}: ${why}`, got.status);
    }
    if (this.lists++ > 0) this.status.relists++;
    this.justListed = true;
    return { apiVersion: this.r.apiVersion, kind: `${this.r.kind}List`, metadata: { resourceVersion: got.resourceVersion ?? '' }, items: got.items as unknown as KubernetesObject[] };
  }

  /**
   * client-node's Watch with what kordon needs added: bookmarks, a bounded watch, objects trimmed before the
   * informer caches them, and word of when the watch is open.
   */
  private wrappedWatch(): Pick<Watch, 'watch'> {
    const timeout = (): number => this.opts.watchTimeoutSeconds ?? Math.round(300 + Math.random() * 300);
    return {
      watch: async (path, query, callback, done) => {
        let ended = false;
        const controller = await this.watch.watch(
          path,
          { ...query, allowWatchBookmarks: true, timeoutSeconds: timeout() },
          (type: string, obj: unknown, data: unknown) => {
            const o = type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED' ? trimVersioned(this.r, obj as Obj) : obj;
            if (type === 'ERROR' && (obj as { code?: number }).code === 410) this.events.log(`the watch of ${this.r.plural} expired (410 Gone): listing them again`);
            callback(type, o, data);
          },
          (err: unknown) => {
            ended = true;
            if (!err && !this.stopped) this.status.downSince ??= Date.now();
            done(err);
          },
        );
        if (!ended) this.up();
        return controller;
      },
    };
  }

  private up(): void {
    const wasDown = this.status.state === 'retrying';
    this.status.state = 'watching';
    this.status.downSince = undefined;
    this.backoff = this.opts.backoffMs ?? 500;
    if (wasDown) this.events.log(`following ${this.r.plural} again`);
    if (this.justListed) {
      this.justListed = false;
      if (!this.status.listed) {
        this.status.listed = true;
        this.onListed();
      }
    }
  }

  /** The informer stopped (client-node does not restart it): start it again after a growing wait. */
  private failed(err: unknown): void {
    if (this.stopped) return;
    const code = (err as { statusCode?: number }).statusCode;
    const message = err instanceof Error ? err.message : String(err);
    if (code === 404 && this.r.optional) return this.absent();
    this.status.state = 'retrying';
    this.status.downSince ??= Date.now();
    this.status.lastError = message;
    this.status.restarts++;
    const wait = this.backoff * (0.8 + Math.random() * 0.4);
    this.backoff = Math.min(this.backoff * 2, this.opts.maxBackoffMs ?? 30_000);
    const check = code === 403 && !(err instanceof ListFailure) ? `; check with: ${canIFor(this.r, undefined, 'watch')}` : '';
    this.events.log(`${this.r.plural}: ${describe(err, this.conn.server)}${check}; trying again in ${(wait / 1000).toFixed(1)} s`);
    this.timer = setTimeout(() => void this.lw?.start(), wait);
  }

  /** Not served (a CRD not installed): none exist; look again now and then, and forget any seen before. */
  private absent(): void {
    if (this.status.state !== 'absent') this.events.log(`${this.r.plural} are not served by this API server (${this.r.apiVersion} not installed): none are enforced; looking again every ${Math.round((this.opts.absentRetryMs ?? 60_000) / 1000)} s`);
    this.status.state = 'absent';
    this.status.downSince = undefined;
    for (const o of this.lw?.list() ?? []) this.events.removed(this.r, o as unknown as Obj);
    void this.lw?.stop();
    this.lw = undefined;
    if (!this.status.listed) {
      this.status.listed = true;
      this.onListed();
    }
    this.timer = setTimeout(() => this.start(), this.opts.absentRetryMs ?? 60_000);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    void this.lw?.stop();
  }
}

/** An informer's error as a person reads it. */
function describe(err: unknown, server: string): string {
  if (err instanceof ListFailure) return err.message;
  const code = (err as { code?: string }).code;
  const status = (err as { statusCode?: number }).statusCode;
  if (status !== undefined) return `the watch was refused (HTTP ${status}: ${(err as Error).message})`;
  if (code === 'ECONNREFUSED') return `cannot reach the API server at ${server} (connection refused)`;
  return `lost the API server at ${server} (${err instanceof Error ? err.message : String(err)})`;
}
