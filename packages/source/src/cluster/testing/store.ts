import { randomUUID } from 'node:crypto';
import { RESOURCES, type Resource } from '../resources.js';

type Obj = Record<string, unknown>;

export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  rv: number;
  type: WatchType;
  resource: Resource;
  object: Obj;
}

const key = (o: Obj): string => {
  const m = o['metadata'] as Obj;
  return `${(m['namespace'] as string | undefined) ?? ''}/${m['name'] as string}`;
};

/**
 * Defaults kube-apiserver writes into stored objects, so the stand-in serves what a real cluster serves: identity and
 * bookkeeping (uid, resourceVersion, creationTimestamp, managedFields), the namespace's name label, and the API's
 * defaulted fields (protocol TCP, a Service's targetPort, NetworkPolicy policyTypes, hostNetwork false).
 */
function applyDefaults(r: Resource, o: Obj): Obj {
  const c = structuredClone(o);
  const m = (c['metadata'] ??= {}) as Obj;
  m['uid'] ??= randomUUID();
  m['creationTimestamp'] ??= '2026-01-01T00:00:00Z';
  m['managedFields'] = [{ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: r.apiVersion, time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': {} } }];
  m['annotations'] = { ...((m['annotations'] as Obj | undefined) ?? {}), 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(o) };
  if (r.kind === 'Namespace') m['labels'] = { ...((m['labels'] as Obj | undefined) ?? {}), 'kubernetes.io/metadata.name': m['name'] };
  const spec = c['spec'] as Obj | undefined;
  const tcp = (ports: unknown) => {
    if (Array.isArray(ports)) for (const p of ports as Obj[]) p['protocol'] ??= 'TCP';
  };
  const podSpec = (s: Obj | undefined) => {
    if (!s) return;
    s['hostNetwork'] ??= false;
    s['dnsPolicy'] ??= 'ClusterFirst';
    s['restartPolicy'] ??= 'Always';
    for (const ct of [...((s['containers'] as Obj[] | undefined) ?? []), ...((s['initContainers'] as Obj[] | undefined) ?? [])]) {
      tcp(ct['ports']);
      ct['imagePullPolicy'] ??= 'IfNotPresent';
      ct['terminationMessagePath'] ??= '/dev/termination-log';
    }
  };
  switch (r.kind) {
    case 'Pod':
      podSpec(spec);
      c['status'] = { qosClass: 'BestEffort', conditions: [{ type: 'Ready', status: 'True' }], ...((c['status'] as Obj | undefined) ?? {}) };
      break;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
      podSpec((spec?.['template'] as Obj | undefined)?.['spec'] as Obj | undefined);
      if (spec && r.kind !== 'DaemonSet') spec['replicas'] ??= 1;
      break;
    case 'Service':
      if (spec) {
        spec['type'] ??= 'ClusterIP';
        spec['sessionAffinity'] ??= 'None';
        for (const p of (spec['ports'] as Obj[] | undefined) ?? []) {
          p['protocol'] ??= 'TCP';
          p['targetPort'] ??= p['port'];
        }
      }
      break;
    case 'NetworkPolicy':
      if (spec) {
        for (const dir of ['ingress', 'egress']) for (const rule of (spec[dir] as Obj[] | undefined) ?? []) tcp(rule['ports']);
        spec['policyTypes'] ??= spec['egress'] !== undefined ? ['Ingress', 'Egress'] : ['Ingress'];
      }
      break;
  }
  return c;
}

/** The objects of the stand-in API server, with one resourceVersion counter and a compacted change history. */
export class Store {
  private rv = 1000;
  private readonly objects = new Map<string, Map<string, Obj>>();
  private history: Change[] = [];
  /** Versions older than this are gone (etcd compaction): watching from them answers 410 Gone. */
  oldest = 1000;
  private readonly listeners = new Set<(c: Change) => void>();
  /** Each resource's objects in key order, kept until it changes: a paginated list asks for it once per page. */
  private readonly sorted = new Map<string, Obj[]>();

  get resourceVersion(): number {
    return this.rv;
  }

  private bucket(r: Resource): Map<string, Obj> {
    let b = this.objects.get(r.plural);
    if (!b) this.objects.set(r.plural, (b = new Map()));
    return b;
  }

  /** Creates or replaces an object, given as a manifest (kind and apiVersion pick its resource). */
  put(manifest: Obj): Obj {
    const r = resourceOf(manifest);
    const b = this.bucket(r);
    const k = key(manifest);
    const type: WatchType = b.has(k) ? 'MODIFIED' : 'ADDED';
    const prev = b.get(k);
    const o = applyDefaults(r, manifest);
    const m = o['metadata'] as Obj;
    if (prev) m['uid'] = (prev['metadata'] as Obj)['uid'];
    m['resourceVersion'] = String(++this.rv);
    b.set(k, o);
    this.sorted.delete(r.plural);
    this.record({ rv: this.rv, type, resource: r, object: o });
    return o;
  }

  delete(kind: string, namespace: string | undefined, name: string): boolean {
    const r = RESOURCES.find((x) => x.kind === kind);
    if (!r) return false;
    const b = this.bucket(r);
    const k = `${namespace ?? ''}/${name}`;
    const o = b.get(k);
    if (!o) return false;
    b.delete(k);
    this.sorted.delete(r.plural);
    const gone = structuredClone(o);
    (gone['metadata'] as Obj)['resourceVersion'] = String(++this.rv);
    this.record({ rv: this.rv, type: 'DELETED', resource: r, object: gone });
    return true;
  }

  private record(c: Change): void {
    this.history.push(c);
    for (const l of this.listeners) l(c);
  }

  /** Forgets the history up to now, as compaction does: older resourceVersions answer 410 Gone. */
  compact(): void {
    this.history = [];
    this.oldest = this.rv;
  }

  list(r: Resource, namespace?: string): readonly Obj[] {
    let all = this.sorted.get(r.plural);
    if (!all) this.sorted.set(r.plural, (all = [...this.bucket(r).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o)));
    return namespace === undefined ? all : all.filter((o) => (o['metadata'] as Obj)['namespace'] === namespace);
  }

  /** Changes after `rv`, or undefined when they are compacted away. */
  since(rv: number): Change[] | undefined {
    if (rv < this.oldest) return undefined;
    return this.history.filter((c) => c.rv > rv);
  }

  subscribe(l: (c: Change) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

export function resourceOf(manifest: Obj): Resource {
  const r = RESOURCES.find((x) => x.kind === manifest['kind'] && x.apiVersion === manifest['apiVersion']);
  if (!r) throw new Error(`the test API server does not serve ${String(manifest['apiVersion'])} ${String(manifest['kind'])}`);
  return r;
}
