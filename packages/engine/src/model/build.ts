import type { Diagnostic, DiagnosticCode } from '../diagnostics.js';
import type { LoadedObject } from '../load/load.js';
import { sourceFrom } from '../load/lazy-source.js';
import { canonicalIP } from '../net/ip.js';
import { selectorMatches } from '../labels/selector.js';
import { kubectlValueAt, validateObject } from '../validate/index.js';
import { normalizePolicy } from './normalize.js';
import { kindEntry, skipNote } from '../kinds/registry.js';
import type { TierKindSpec } from '../tiers/kinds.js';
import { compareClusterPolicies, nodeOf, normalizeClusterPolicy } from '../tiers/normalize.js';
import type { ClusterPolicy, Node, RejectedClusterPolicy } from '../tiers/types.js';
import {
  DEFAULT_DNS,
  type Cluster,
  type ClusterNetwork,
  type ContainerPort,
  type DnsConfig,
  type Namespace,
  type Pod,
  type Policy,
  type Protocol,
  type RejectedPolicy,
  type Service,
  type ServicePort,
  type Workload,
  type WorkloadKind,
  type WorkloadRef,
} from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const WORKLOAD_KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'ReplicationController'];

export interface BuildOptions {
  /** Where cluster DNS lives (default: kube-system pods labelled k8s-app=kube-dns). */
  dns?: { namespace: string; selector: Record<string, string> };
  /** Skip validation (objects are known good, e.g. generated); default false. */
  trusted?: boolean;
  /** The pod and Service networks: a pod with no IP (from a workload template) is known to sit in the pod network. */
  network?: ClusterNetwork;
  /** Carries validation results and models from one build to the next over the same loaded objects. */
  cache?: BuildCache;
}

export interface BuildResult {
  cluster: Cluster;
  diagnostics: Diagnostic[];
}

/**
 * Points `target.source` at the object's place in its file without computing it now: for large JSON inputs positions
 * are only worked out when a message needs them.
 */
export function withSource<T extends object>(target: T, obj: LoadedObject): T {
  return sourceFrom(target, obj);
}

function labelsOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObj(v)) return out;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const val = v[k];
    if (val !== null && val !== undefined) out[k] = typeof val === 'string' ? val : String(val);
  }
  return out;
}

function info(obj: LoadedObject, code: DiagnosticCode, message: string, hint?: string): Diagnostic {
  const d: Diagnostic = { code, severity: 'info', message, path: '', ...obj.source, object: ref(obj) };
  if (hint) d.hint = hint;
  return d;
}

function ref(obj: LoadedObject): { kind: string; name: string; namespace?: string } {
  return obj.namespace === undefined ? { kind: obj.kind, name: obj.name } : { kind: obj.kind, name: obj.name, namespace: obj.namespace };
}

/** Reads a field as kubectl sends it (YAML 1.1 scalars: `hostNetwork: yes` is true, `0777` is octal). */
type Reader = (path: readonly (string | number)[]) => unknown;

function containerPortsOf(podSpec: Obj, read: Reader, specPath: readonly (string | number)[]): ContainerPort[] {
  const out: ContainerPort[] = [];
  portsOfContainers(out, podSpec, 'containers', read, specPath);
  // Sidecars (init containers that keep running) serve ports too.
  portsOfContainers(out, podSpec, 'initContainers', read, specPath);
  return out;
}

function portsOfContainers(out: ContainerPort[], podSpec: Obj, field: 'containers' | 'initContainers', read: Reader, specPath: readonly (string | number)[]): void {
  const containers = list(podSpec[field]);
  for (let ci = 0; ci < containers.length; ci++) {
    const c = containers[ci];
    if (!isObj(c) || (field === 'initContainers' && c['restartPolicy'] !== 'Always')) continue;
    const ports = list(c['ports']);
    for (let pi = 0; pi < ports.length; pi++) {
      const p = ports[pi];
      if (!isObj(p)) continue;
      const written = p['containerPort'];
      // Only a number or a string can read as a number; the YAML 1.1 reading (`0777`) needs the path.
      if (typeof written !== 'number' && typeof written !== 'string') continue;
      const num = read([...specPath, field, ci, 'ports', pi, 'containerPort']);
      if (typeof num !== 'number') continue;
      const cp: ContainerPort = { port: num, protocol: (str(p['protocol']) ?? 'TCP') as Protocol };
      const name = str(p['name']);
      if (name) cp.name = name;
      const cname = str(c['name']);
      if (cname) cp.container = cname;
      out.push(cp);
    }
  }
}

const REPLICATED = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

function templateOf(obj: LoadedObject): { labels: Record<string, string>; spec: Obj; specPath: string[] } | undefined {
  const spec = isObj(obj.raw['spec']) ? obj.raw['spec'] : undefined;
  if (!spec) return undefined;
  // A CronJob's pods come from spec.jobTemplate.spec.template.
  const holder = obj.kind === 'CronJob' ? (isObj(spec['jobTemplate']) && isObj(spec['jobTemplate']['spec']) ? spec['jobTemplate']['spec'] : undefined) : spec;
  const tpl = holder && isObj(holder['template']) ? holder['template'] : undefined;
  if (!tpl) return undefined;
  const meta = isObj(tpl['metadata']) ? tpl['metadata'] : {};
  const specPath = obj.kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template', 'spec'] : ['spec', 'template', 'spec'];
  return { labels: labelsOf(meta['labels']), spec: isObj(tpl['spec']) ? tpl['spec'] : {}, specPath };
}

/**
 * What one build hands to the next over the same loaded objects: an agent or an editor rebuilds the cluster after
 * each change, re-reading only the files that changed, so the objects of the others come back unchanged. Pass the
 * same cache to each `buildCluster` and their validation results and models are reused: the very same pod and policy
 * objects, which consumers (the nft compiler) use to skip what did not change. A one-off build needs none.
 */
export class BuildCache {}

interface Remembered {
  validation?: Diagnostic[];
  policy?: Policy;
  clusterPolicy?: ClusterPolicy;
  node?: Node;
  pod?: Pod;
  /** Copies of `pod` with a resolved owner, by owner. */
  owned?: Map<string, Pod>;
}

// A plain Map per cache, not a WeakMap per object: a hundred thousand ephemerons slow every later garbage collection.
const cacheStates = new WeakMap<BuildCache, Map<LoadedObject, Remembered>>();

/**
 * The models of one build, made once per loaded object when a cache carries them over; an update (`updateCluster`)
 * makes those of the objects it adds here too, so that one place decides what a model of an object is.
 */
export class Models {
  private readonly before: Map<LoadedObject, Remembered> | undefined;
  private readonly now: Map<LoadedObject, Remembered> | undefined;
  /** Which object each pod of this build comes from. */
  private readonly objectOf = new Map<Pod, LoadedObject>();

  constructor(private readonly cache: BuildCache | undefined) {
    this.before = cache ? cacheStates.get(cache) : undefined;
    this.now = cache ? new Map() : undefined;
  }

  private memo(obj: LoadedObject): Remembered | undefined {
    if (!this.now) return undefined;
    let m = this.now.get(obj);
    if (!m) this.now.set(obj, (m = this.before?.get(obj) ?? {}));
    return m;
  }

  validated(obj: LoadedObject): Diagnostic[] {
    const m = this.memo(obj);
    return m ? (m.validation ??= validateObject(obj)) : validateObject(obj);
  }

  policy(obj: LoadedObject): Policy {
    const m = this.memo(obj);
    return m ? (m.policy ??= normalizePolicy(obj)) : normalizePolicy(obj);
  }

  clusterPolicy(obj: LoadedObject, kind: TierKindSpec): ClusterPolicy {
    const m = this.memo(obj);
    return m ? (m.clusterPolicy ??= normalizeClusterPolicy(obj, kind)) : normalizeClusterPolicy(obj, kind);
  }

  node(obj: LoadedObject): Node {
    const m = this.memo(obj);
    return m ? (m.node ??= nodeOf(obj)) : nodeOf(obj);
  }

  pod(obj: LoadedObject, ns: string): Pod {
    const m = this.memo(obj);
    let pod: Pod;
    if (m?.pod && m.pod.namespace === ns) pod = m.pod;
    else {
      pod = podOf(obj, ns);
      if (m) {
        m.pod = pod;
        m.owned = new Map();
      }
    }
    if (m) this.objectOf.set(pod, obj);
    return pod;
  }

  /**
   * The pod with its owner resolved to a top-level workload. Without a cache the pod is this build's own and gets the
   * owner in place; a cached model is shared with later builds and never changed, so it gets a copy (kept too).
   */
  withOwner(pod: Pod, owner: WorkloadRef): Pod {
    if (!this.now) {
      pod.owner = owner;
      return pod;
    }
    const obj = this.objectOf.get(pod);
    const m = obj ? this.memo(obj) : undefined;
    const key = `${owner.kind}/${owner.name}`;
    const known = m?.owned?.get(key);
    if (known) return known;
    // Field by field, in the order podOf writes them (one object shape): spreading would compute `source` now.
    const copy: Pod = {
      namespace: pod.namespace,
      name: pod.name,
      labels: pod.labels,
      ips: pod.ips,
      hostNetwork: pod.hostNetwork,
      ready: pod.ready,
      containerPorts: pod.containerPorts,
      fromTemplate: pod.fromTemplate,
    };
    if (obj) withSource(copy, obj);
    if (pod.nodeName !== undefined) copy.nodeName = pod.nodeName;
    if (pod.hostIP !== undefined) copy.hostIP = pod.hostIP;
    if (pod.phase !== undefined) copy.phase = pod.phase;
    copy.owner = owner;
    m?.owned?.set(key, copy);
    return copy;
  }

  /** Keeps for the next build the models of this build's objects only. */
  finish(): void {
    if (this.cache && this.now) cacheStates.set(this.cache, this.now);
  }

  /**
   * Keeps for the next build the models of an update's objects: those of the build it updated, with the ones it made
   * for the objects it added, less those of the objects it removed.
   */
  finishUpdate(removed: readonly LoadedObject[]): void {
    if (!this.cache || !this.now) return;
    const kept = this.before ?? new Map<LoadedObject, Remembered>();
    for (const [obj, m] of this.now) kept.set(obj, m);
    for (const obj of removed) kept.delete(obj);
    cacheStates.set(this.cache, kept);
  }
}

/** A Namespace object's model; the API server always sets kubernetes.io/metadata.name to the namespace's name. */
export function declaredNamespace(obj: LoadedObject): Namespace {
  const meta = isObj(obj.raw['metadata']) ? obj.raw['metadata'] : {};
  return withSource({ name: obj.name, labels: { ...labelsOf(meta['labels']), 'kubernetes.io/metadata.name': obj.name }, declared: true }, obj);
}

/** A namespace only named by an object in it: it carries the name label alone. */
export function impliedNamespace(name: string): Namespace {
  return { name, labels: { 'kubernetes.io/metadata.name': name }, declared: false };
}

/** Turns loaded objects into the cluster model: validates, defaults, resolves owners, makes template stand-ins. */
/**
 * Errors the API server rejects an object for that change nothing it means to network policy (an incomplete owner
 * reference): `validate` reports them, and the object is still evaluated, as the stand-in it usually is.
 */
const KEPT_DESPITE: ReadonlySet<string> = new Set(['owner-reference-invalid']);

export function buildCluster(objects: readonly LoadedObject[], options: BuildOptions = {}): BuildResult {
  const models = new Models(options.cache);
  const diagnostics: Diagnostic[] = [];
  const rejected: RejectedPolicy[] = [];
  const rejectedCluster: RejectedClusterPolicy[] = [];
  const byKey = new Map<string, LoadedObject>();
  for (const obj of objects) {
    const entry = kindEntry(obj);
    if (!entry) {
      const note = skipNote(obj);
      if (note !== undefined) diagnostics.push(info(obj, 'kind-skipped', note));
      continue;
    }
    if (!options.trusted) {
      const problems = models.validated(obj);
      let errors = 0;
      for (const p of problems) {
        diagnostics.push(p);
        if (p.severity === 'error' && !KEPT_DESPITE.has(p.code)) errors++;
      }
      if (errors > 0) {
        // The API server would not have stored it: report it, leave it out of the evaluation.
        if (entry.model.role === 'networkpolicy') rejected.push(withSource({ namespace: obj.namespace ?? 'default', name: obj.name, errors }, obj));
        if (entry.model.role === 'clusterpolicy') rejectedCluster.push(withSource({ ref: { kind: entry.model.spec.kind, name: obj.name }, errors }, obj));
        continue;
      }
    }
    const ns = entry.namespaced ? (obj.namespace ?? 'default') : '';
    const key = `${obj.kind}\u0000${ns}\u0000${obj.name}`;
    const prev = byKey.get(key);
    if (prev) {
      diagnostics.push({
        code: 'object-duplicate',
        severity: 'warning',
        message: `${obj.kind} ${ns ? `${ns}/` : ''}${obj.name} is defined again (first at ${prev.file}:${prev.source.line}); the later one is used, as kubectl apply would leave it`,
        hint: 'remove one of the two definitions',
        path: 'metadata.name',
        ...obj.locate(['metadata', 'name']),
        object: ref(obj),
      });
    }
    byKey.set(key, obj);
  }

  const namespaces = new Map<string, Namespace>();
  const pods: Pod[] = [];
  const workloads: Workload[] = [];
  const services: Service[] = [];
  const policies: Policy[] = [];
  const clusterPolicies: ClusterPolicy[] = [];
  const nodes: Node[] = [];
  const replicaSetOwner = new Map<string, WorkloadRef>(); // ns/rs -> top owner
  const workloadObjs: LoadedObject[] = [];

  for (const obj of byKey.values()) {
    const meta = isObj(obj.raw['metadata']) ? obj.raw['metadata'] : {};
    const role = kindEntry(obj)!.model;
    if (role.role === 'namespace') {
      if (!namespaces.get(obj.name)?.declared) namespaces.set(obj.name, declaredNamespace(obj));
      continue;
    }
    if (role.role === 'node') {
      nodes.push(models.node(obj));
      continue;
    }
    if (role.role === 'clusterpolicy') {
      clusterPolicies.push(models.clusterPolicy(obj, role.spec));
      continue;
    }
    const ns = obj.namespace ?? 'default';
    if (!namespaces.has(ns)) namespaces.set(ns, impliedNamespace(ns));
    if (role.role === 'networkpolicy') policies.push(models.policy(obj));
    else if (role.role === 'service') services.push(serviceOf(obj, ns));
    else if (role.role === 'pod') {
      const pod = models.pod(obj, ns);
      if (pod.phase === 'Succeeded' || pod.phase === 'Failed') {
        diagnostics.push(info(obj, 'pod-finished', `pod ${ns}/${obj.name} is ${pod.phase}: it is gone from the network and left out`));
        continue;
      }
      pods.push(pod);
    } else {
      workloadObjs.push(obj);
      if (obj.kind === 'ReplicaSet') {
        const owner = list(meta['ownerReferences']).find((o) => isObj(o) && o['kind'] === 'Deployment');
        replicaSetOwner.set(`${ns}/${obj.name}`, isObj(owner) ? { kind: 'Deployment', name: String(owner['name']) } : { kind: 'ReplicaSet', name: obj.name });
      }
    }
  }

  // Pods point at their top-level owner; a ReplicaSet missing from the input is read through its pod-template-hash.
  const cronJobs = new Set(workloadObjs.filter((w) => w.kind === 'CronJob').map((w) => `${w.namespace ?? 'default'}/${w.name}`));
  pods.forEach((pod, i) => {
    const top = topOwner(pod, replicaSetOwner, cronJobs);
    if (top) pods[i] = models.withOwner(pod, top);
  });

  // Read only when there are workloads (an agent follows none): a set of every pod's name costs a build at 10,000 pods.
  const podNames = workloadObjs.length ? new Set(pods.map((p) => `${p.namespace}/${p.name}`)) : new Set<string>();
  const owned = workloadObjs.length ? new Set(pods.filter((p) => p.owner).map((p) => `${p.namespace}/${p.owner!.kind}/${p.owner!.name}`)) : new Set<string>();
  for (const obj of workloadObjs) {
    const ns = obj.namespace ?? 'default';
    const tpl = templateOf(obj);
    const spec = isObj(obj.raw['spec']) ? obj.raw['spec'] : {};
    const w: Workload = withSource({ kind: obj.kind as WorkloadKind, namespace: ns, name: obj.name, labels: tpl?.labels ?? {} }, obj);
    // The API server defaults a Deployment's, StatefulSet's and ReplicaSet's replicas to 1: a file without them is that.
    if (typeof spec['replicas'] === 'number') w.replicas = spec['replicas'];
    else if (REPLICATED.has(obj.kind)) w.replicas = 1;
    // A ReplicaSet owned by a Deployment is part of it, not a workload of its own.
    if (obj.kind === 'ReplicaSet' && replicaSetOwner.get(`${ns}/${obj.name}`)?.kind === 'Deployment') continue;
    workloads.push(w);
    if (!tpl || owned.has(`${ns}/${w.kind}/${w.name}`)) continue;
    // The workload's own pods are not in the input: its template stands for them.
    let name = obj.name;
    if (podNames.has(`${ns}/${name}`)) name = `${obj.name}-${obj.kind.toLowerCase()}`;
    podNames.add(`${ns}/${name}`);
    const read: Reader = (path) => kubectlValueAt(obj, path);
    const hostNetwork = read([...tpl.specPath, 'hostNetwork']) === true;
    pods.push(withSource<Pod>({
      namespace: ns,
      name,
      labels: tpl.labels,
      ips: [],
      hostNetwork,
      ready: true,
      containerPorts: containerPortsOf(tpl.spec, read, tpl.specPath),
      owner: { kind: w.kind, name: w.name },
      fromTemplate: true,
    }, obj));
  }

  pods.sort(ORDER.pods);
  for (const p of pods) if (!namespaces.has(p.namespace)) namespaces.set(p.namespace, impliedNamespace(p.namespace));

  const dns = dnsOf(pods, options);
  const nsList = [...namespaces.values()].sort(ORDER.namespaces);
  policies.sort(ORDER.policies);
  clusterPolicies.sort(ORDER.clusterPolicies);
  nodes.sort(ORDER.nodes);
  models.finish();
  const cluster: Cluster = { namespaces: nsList, pods, workloads, services, policies, rejectedPolicies: rejected, clusterPolicies, rejectedClusterPolicies: rejectedCluster, nodes, dns, ...(options.network ? { network: options.network } : {}) };
  if (workloadObjs.length === 0) markBuiltWithoutWorkloads(cluster);
  return { cluster, diagnostics };
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The orders of the cluster's lists: pods by namespace then name, namespaces and nodes by name, NetworkPolicies by
 * id, cluster policies in evaluation order. Two objects of one kind and name are the only ties (a duplicate).
 */
export const ORDER = {
  pods: (a: Pod, b: Pod): number => byText(a.namespace, b.namespace) || byText(a.name, b.name),
  namespaces: (a: Namespace, b: Namespace): number => byText(a.name, b.name),
  policies: (a: Policy, b: Policy): number => byText(a.id, b.id),
  clusterPolicies: compareClusterPolicies,
  nodes: (a: Node, b: Node): number => byText(a.name, b.name),
} as const;

/** Where cluster DNS lives, and whether any of these pods is it. */
export function dnsOf(pods: readonly Pod[], options: BuildOptions): DnsConfig {
  const dnsNs = options.dns?.namespace ?? DEFAULT_DNS.namespace;
  const dnsSel = options.dns?.selector ?? { ...DEFAULT_DNS.selector };
  return {
    namespace: dnsNs,
    selector: dnsSel,
    podsPresent: pods.some((p) => p.namespace === dnsNs && selectorMatches({ matchLabels: dnsSel, matchExpressions: [] }, p.labels)),
  };
}

const withoutWorkloads = new WeakSet<Cluster>();
/** Built from objects with no workload among them (as an agent follows): each pod's model then depends on the pod alone. */
export function builtWithoutWorkloads(cluster: Cluster): boolean {
  return withoutWorkloads.has(cluster);
}
export function markBuiltWithoutWorkloads(cluster: Cluster): void {
  withoutWorkloads.add(cluster);
}

/**
 * A pod's top-level owner, when it is not the pod's own owner reference: the Deployment of its ReplicaSet (read through
 * the pod-template-hash when the ReplicaSet is not in the input), the CronJob of its Job.
 */
export function topOwner(pod: Pod, replicaSetOwner: ReadonlyMap<string, WorkloadRef>, cronJobs: ReadonlySet<string>): WorkloadRef | undefined {
  if (!pod.owner) return undefined;
  let top: WorkloadRef | undefined;
  if (pod.owner.kind === 'ReplicaSet') {
    top = replicaSetOwner.get(`${pod.namespace}/${pod.owner.name}`);
    const hash = pod.labels['pod-template-hash'];
    if (!top && hash && pod.owner.name.endsWith(`-${hash}`)) top = { kind: 'Deployment', name: pod.owner.name.slice(0, -hash.length - 1) };
  } else if (pod.owner.kind === 'Job') {
    // A Job made by a CronJob is named <cronjob>-<digits>.
    const m = /^(.*)-\d+$/.exec(pod.owner.name);
    if (m && cronJobs.has(`${pod.namespace}/${m[1]}`)) top = { kind: 'CronJob', name: m[1]! };
  }
  return top;
}

export function podOf(obj: LoadedObject, ns: string): Pod {
  const meta = isObj(obj.raw['metadata']) ? obj.raw['metadata'] : {};
  const spec = isObj(obj.raw['spec']) ? obj.raw['spec'] : {};
  const status = isObj(obj.raw['status']) ? obj.raw['status'] : {};
  const read: Reader = (path) => kubectlValueAt(obj, path);
  const hostNetwork = read(['spec', 'hostNetwork']) === true;
  const hostIP = str(status['hostIP']) ? canonicalIP(str(status['hostIP'])!) : undefined;
  const ips = new Set<string>();
  for (const p of list(status['podIPs'])) {
    const ip = isObj(p) ? canonicalIP(String(p['ip'] ?? '')) : undefined;
    if (ip) ips.add(ip);
  }
  const single = str(status['podIP']) ? canonicalIP(str(status['podIP'])!) : undefined;
  if (single) ips.add(single);
  // A hostNetwork pod shares its node's address.
  if (hostNetwork && ips.size === 0 && hostIP) ips.add(hostIP);
  const conditions = list(status['conditions']);
  const readyCond = conditions.find((c) => isObj(c) && c['type'] === 'Ready');
  const pod: Pod = {
    namespace: ns,
    name: obj.name,
    labels: labelsOf(meta['labels']),
    ips: [...ips],
    hostNetwork,
    ready: isObj(readyCond) ? readyCond['status'] === 'True' : true,
    containerPorts: containerPortsOf(spec, read, ['spec']),
    fromTemplate: false,
  };
  withSource(pod, obj);
  const node = str(spec['nodeName']);
  if (node) pod.nodeName = node;
  if (hostIP) pod.hostIP = hostIP;
  const phase = str(status['phase']);
  if (phase) pod.phase = phase;
  const owner = list(meta['ownerReferences']).find((o) => isObj(o) && (o['controller'] === true || list(meta['ownerReferences']).length === 1));
  if (isObj(owner) && WORKLOAD_KINDS.includes(owner['kind'] as WorkloadKind)) pod.owner = { kind: owner['kind'] as WorkloadKind, name: String(owner['name']) };
  return pod;
}

function serviceOf(obj: LoadedObject, ns: string): Service {
  const spec = isObj(obj.raw['spec']) ? obj.raw['spec'] : {};
  const ips = new Set<string>();
  for (const ip of list(spec['clusterIPs'])) {
    const c = canonicalIP(String(ip));
    if (c) ips.add(c);
  }
  const one = str(spec['clusterIP']);
  if (one && one !== 'None') {
    const c = canonicalIP(one);
    if (c) ips.add(c);
  }
  const ports: ServicePort[] = list(spec['ports']).map((p, i) => [p, i] as const).filter((e): e is readonly [Obj, number] => isObj(e[0])).map(([p, i]) => {
    const rawPort = kubectlValueAt(obj, ['spec', 'ports', i, 'port']);
    const port = typeof rawPort === 'number' ? rawPort : Number(rawPort);
    const tp = kubectlValueAt(obj, ['spec', 'ports', i, 'targetPort']);
    const sp: ServicePort = {
      port,
      protocol: (str(p['protocol']) ?? 'TCP') as Protocol,
      // Default targetPort: the service port.
      targetPort: typeof tp === 'number' ? tp : typeof tp === 'string' ? (/^\d+$/.test(tp) ? Number(tp) : tp) : port,
    };
    const name = str(p['name']);
    if (name) sp.name = name;
    return sp;
  });
  const svc: Service = withSource({ namespace: ns, name: obj.name, type: str(spec['type']) ?? 'ClusterIP', clusterIPs: [...ips], ports }, obj);
  if (isObj(spec['selector'])) svc.selector = labelsOf(spec['selector']);
  return svc;
}
