import { defaultPolicyTypes } from '@kordon/engine';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const pick = (o: unknown, keys: readonly string[]): Obj | undefined => {
  if (!isObj(o)) return undefined;
  const out: Obj = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
};
const mapList = (v: unknown, f: (x: unknown) => unknown): unknown[] | undefined => (Array.isArray(v) ? v.map(f) : undefined);
const set = (o: Obj, k: string, v: unknown): void => {
  if (v !== undefined && !(isObj(v) && Object.keys(v).length === 0)) o[k] = v;
};

/** Metadata kordon uses: names, labels and owners; never managedFields, annotations (they hold secrets) or UIDs of its own. */
function meta(m: unknown): Obj {
  const out: Obj = {};
  const src = isObj(m) ? m : {};
  for (const k of ['name', 'namespace', 'labels']) if (src[k] !== undefined) out[k] = src[k];
  const owners = mapList(src['ownerReferences'], (o) => pick(o, ['apiVersion', 'kind', 'name', 'uid', 'controller']));
  if (owners) out['ownerReferences'] = owners;
  return out;
}

const CONTAINER = ['name', 'ports'] as const;
// An init container with restartPolicy Always is a sidecar: it keeps running and serves its ports.
const INIT_CONTAINER = [...CONTAINER, 'restartPolicy'] as const;
const containers = (v: unknown, keys: readonly string[]) => mapList(v, (c) => pick(c, keys));

function podSpec(s: unknown): Obj {
  const out: Obj = {};
  if (!isObj(s)) return out;
  set(out, 'nodeName', s['nodeName']);
  // hostNetwork: false is a default the API server writes; files leave it out.
  if (s['hostNetwork'] === true) out['hostNetwork'] = true;
  set(out, 'containers', containers(s['containers'], CONTAINER));
  set(out, 'initContainers', containers(s['initContainers'], INIT_CONTAINER));
  return out;
}

function template(t: unknown): Obj {
  const out: Obj = {};
  if (!isObj(t)) return out;
  set(out, 'metadata', pick(t['metadata'], ['labels']));
  set(out, 'spec', podSpec(t['spec']));
  return out;
}

const sameTypes = (a: unknown, b: string[]): boolean => Array.isArray(a) && a.length === b.length && b.every((t) => a.includes(t));

/**
 * The API server writes `policyTypes` into every NetworkPolicy (Ingress, plus Egress when there are egress rules). When
 * the object as applied (kubectl's last-applied-configuration) had none and the stored ones are that default, they are
 * the server's: drop them, so the engine knows, as from the file, that policyTypes was inferred. Stored ones that differ
 * were written later (kubectl edit or patch leave the annotation as it was) and mean what they say.
 */
function policySpec(kind: string, spec: unknown, applied: Obj | undefined): unknown {
  if (kind !== 'NetworkPolicy' || !isObj(spec) || !applied) return spec;
  const appliedSpec = applied['spec'];
  if (isObj(appliedSpec) && appliedSpec['policyTypes'] === undefined && sameTypes(spec['policyTypes'], defaultPolicyTypes(spec))) {
    const { policyTypes: _, ...rest } = spec;
    return rest;
  }
  return spec;
}

function lastApplied(o: Obj): Obj | undefined {
  const a = isObj(o['metadata']) && isObj(o['metadata']['annotations']) ? o['metadata']['annotations']['kubectl.kubernetes.io/last-applied-configuration'] : undefined;
  if (typeof a !== 'string') return undefined;
  try {
    const v = JSON.parse(a) as unknown;
    return isObj(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A pod's Ready condition, the one condition the engine reads (a Service sends only to ready pods), as type and
 * status: the kubelet rewrites the others, and the times and messages of all, on every probe.
 */
function readiness(v: unknown): unknown[] | undefined {
  const ready = Array.isArray(v) ? v.find((c) => isObj(c) && c['type'] === 'Ready') : undefined;
  return isObj(ready) ? [pick(ready, ['type', 'status'])] : undefined;
}

export interface TrimOptions {
  /**
   * Keep a pod's Ready condition (default true). The agent leaves it out: it reads no Services, and readiness decides
   * nothing else it enforces, so a pod's readiness flipping is no event for it.
   */
  readiness?: boolean;
}

/**
 * What the engine needs of each object, as a file of the same objects would give it: everything else (managedFields,
 * annotations, status that does not matter, Secrets never read at all) is dropped, which also keeps a 5,000-node pod
 * list in memory small.
 */
export function trimObject(kind: string, apiVersion: string, o: Obj, opts: TrimOptions = {}): Obj {
  const out: Obj = { apiVersion, kind, metadata: meta(o['metadata']) };
  const spec = isObj(o['spec']) ? o['spec'] : {};
  const status = isObj(o['status']) ? o['status'] : {};
  switch (kind) {
    case 'Pod': {
      out['spec'] = podSpec(spec);
      const st = pick(status, ['phase', 'podIP', 'podIPs', 'hostIP', 'hostIPs']) ?? {};
      if (opts.readiness !== false) set(st, 'conditions', readiness(status['conditions']));
      set(out, 'status', st);
      break;
    }
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job': {
      const s: Obj = {};
      set(s, 'replicas', spec['replicas']);
      set(s, 'selector', spec['selector']);
      set(s, 'template', template(spec['template']));
      out['spec'] = s;
      break;
    }
    case 'CronJob': {
      const jt = isObj(spec['jobTemplate']) ? spec['jobTemplate'] : {};
      const js = isObj(jt['spec']) ? jt['spec'] : {};
      out['spec'] = { jobTemplate: { spec: { template: template(js['template']) } } };
      break;
    }
    case 'Service':
      out['spec'] = pick(spec, ['type', 'selector', 'ports', 'clusterIP', 'clusterIPs', 'externalName', 'ipFamilies']) ?? {};
      break;
    case 'EndpointSlice':
      for (const k of ['addressType', 'ports']) if (o[k] !== undefined) out[k] = o[k];
      set(out, 'endpoints', mapList(o['endpoints'], (e) => pick(e, ['addresses', 'nodeName', 'targetRef', 'conditions'])));
      break;
    case 'Node':
      set(out, 'status', pick(status, ['addresses']));
      break;
    case 'Namespace':
      break;
    default:
      // NetworkPolicy and the cluster policy kinds: the whole spec is meaning.
      if (o['spec'] !== undefined) out['spec'] = policySpec(kind, o['spec'], lastApplied(o));
  }
  return out;
}

/**
 * The trimmed object as the agent's informers keep it: with its `metadata.resourceVersion`, which an informer needs to
 * know what it has seen, and without readiness (see TrimOptions).
 */
export function trimVersioned(r: { kind: string; apiVersion: string }, o: Obj): Obj {
  const out = trimObject(r.kind, r.apiVersion, o, { readiness: false });
  const rv = isObj(o['metadata']) ? o['metadata']['resourceVersion'] : undefined;
  if (typeof rv === 'string') (out['metadata'] as Obj)['resourceVersion'] = rv;
  return out;
}
