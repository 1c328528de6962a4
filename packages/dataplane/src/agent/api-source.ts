import { performance } from 'node:perf_hooks';
import { buildCluster, loadSource, type Diagnostic } from '@kordon/engine';
import { followCluster, type ClusterFollower, type FollowOptions, type Resource, type ResourceStatus } from '@kordon/source';
import type { LoadedState } from './manifests.js';
import { ObjectStore } from './object-store.js';
import type { ClusterSource, SourceEvents } from './source.js';

type Obj = Record<string, unknown>;

export interface ApiSourceOptions extends FollowOptions {
  /** Quiet time after an API event before the agent builds the cluster again (default 5 ms): events come in bursts. */
  debounceMs?: number;
}

const POLICY_PLURALS = new Set(['networkpolicies', 'clusternetworkpolicies', 'adminnetworkpolicies', 'baselineadminnetworkpolicies']);

const keyOf = (r: Resource, o: Obj): string => {
  const m = (o['metadata'] ?? {}) as Obj;
  return `${r.plural}/${String(m['namespace'] ?? '')}/${String(m['name'] ?? '')}`;
};

/**
 * The cluster as the API server tells it, followed by informers (`followCluster`). Each object is loaded once, when
 * it arrives, so a change costs one small parse and an update of the last build by that object's model (`ObjectStore`).
 * Nothing is read before every resource has been listed once: until then `ready` is pending and the agent leaves
 * the kernel's table as it is.
 */
export class ApiSource implements ClusterSource {
  name = 'the Kubernetes API';
  private readonly objects = new ObjectStore();
  private follower: ClusterFollower | undefined;
  private dirty = false;
  private since: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private events: SourceEvents | undefined;
  private synced = false;
  private resolveReady: () => void = () => {};
  /** Resolves when every resource has been listed once. */
  readonly ready = new Promise<void>((r) => (this.resolveReady = r));

  constructor(private readonly opts: ApiSourceOptions) {}

  /** Connects (a bad kubeconfig throws here, with what to fix) and starts the informers. */
  async start(events: SourceEvents): Promise<void> {
    this.events = events;
    this.follower = await followCluster(this.opts, {
      upsert: (r, o) => this.put(r, o),
      removed: (r, o) => this.remove(r, o),
      synced: () => {
        this.synced = true;
        this.resolveReady();
      },
      log: (m) => events.warn(m),
    });
    this.name = `the API server ${this.follower.server} (context ${this.follower.context})`;
  }

  /** Per resource: listed, watching, and since when it has not been followed. */
  status(): ResourceStatus[] {
    return this.follower?.status() ?? [];
  }

  /**
   * Since when (Date.now()) the agent has not been following the API, or undefined while every watch is open (or the
   * resource is not served). The oldest outage of any resource counts: one resource not followed is enough to miss
   * a change.
   */
  lostSince(): number | undefined {
    let oldest: number | undefined;
    for (const s of this.status()) if (s.downSince !== undefined && s.listed) oldest = Math.min(oldest ?? s.downSince, s.downSince);
    return oldest;
  }

  private put(r: Resource, o: Obj): void {
    if (this.objects.put(keyOf(r, o), o)) this.touch();
  }

  private remove(r: Resource, o: Obj): void {
    if (this.objects.remove(keyOf(r, o))) this.touch();
  }

  private touch(): void {
    this.dirty = true;
    this.since ??= performance.now();
    if (!this.synced) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const since = this.since ?? performance.now();
      this.since = undefined;
      this.events?.changed(since);
    }, this.opts.debounceMs ?? 5);
  }

  readAll(): LoadedState {
    this.dirty = false;
    this.since = undefined;
    return this.state(true);
  }

  readChanges(): LoadedState | undefined {
    if (!this.dirty) return undefined;
    this.dirty = false;
    return this.state(false);
  }

  /** `full`: every object built again (a rescan), not the last build updated by what changed. */
  private state(full: boolean): LoadedState {
    const built = this.objects.build({ full });
    const diagnostics: Diagnostic[] = built.diagnostics;
    return { cluster: built.cluster, diagnostics, errors: diagnostics.filter((d) => d.severity === 'error') };
  }

  /**
   * The cluster with every policy replaced by a deny-all NetworkPolicy in each namespace: what failing closed
   * enforces. Built by the engine from manifests like any other state, so the same rules (a pod reaches itself, node
   * traffic) hold.
   */
  isolated(): LoadedState {
    const kept = [...this.objects.entries()].filter(([k]) => !POLICY_PLURALS.has(k.slice(0, k.indexOf('/')))).map(([, o]) => o);
    const namespaces = kept.filter((o) => o.kind === 'Namespace').map((o) => o.name);
    const denyAll = namespaces.map((ns) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: ns, name: 'kordon-fail-closed' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } }));
    const loaded = loadSource({ name: 'kordon:fail-closed', text: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: denyAll }) });
    const built = buildCluster([...kept, ...loaded.objects]);
    return { cluster: built.cluster, diagnostics: built.diagnostics, errors: built.diagnostics.filter((d) => d.severity === 'error') };
  }

  /** Objects held (for the log and the metrics). */
  get size(): number {
    return this.objects.size;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.follower?.stop();
  }
}
