/**
 * Dispatch by kind. NetworkPolicies get the API server's full validation; the other kinds kordon
 * models get a type check of the fields it reads, so that a wrong type is a located error here
 * rather than a surprise later. Kinds kordon does not model are left to the cluster builder.
 */
import type { Diagnostic } from '../diagnostics.js';
import type { LoadedObject } from '../load/load.js';
import { BAD, Decoder, isObj, reportDuplicateKeys, type StructSchema } from './decode.js';
import { reportNamespaceAbsent, validateLabelMap, validateNetworkPolicy } from './networkpolicy.js';
import { Reporter } from './report.js';
import { NAMESPACE, POD, SERVICE, WORKLOADS } from './schemas.js';

function schemaFor(obj: LoadedObject): StructSchema | undefined {
  const group = obj.apiVersion.includes('/') ? obj.apiVersion.slice(0, obj.apiVersion.indexOf('/')) : '';
  if (obj.kind === 'Namespace' && group === '') return NAMESPACE;
  if (obj.kind === 'Pod' && group === '') return POD;
  if (obj.kind === 'Service' && group === '') return SERVICE;
  const w = Object.prototype.hasOwnProperty.call(WORKLOADS, obj.kind) ? WORKLOADS[obj.kind] : undefined;
  if (w && ['apps', 'batch', 'extensions', ''].includes(group)) return w;
  return undefined;
}

/** True for the NetworkPolicy of the Kubernetes API (not, say, Calico's `crd.projectcalico.org` one). */
function isKubernetesNetworkPolicy(obj: LoadedObject): boolean {
  return obj.kind === 'NetworkPolicy' && (obj.apiVersion.startsWith('networking.k8s.io/') || obj.apiVersion.startsWith('extensions/'));
}

export function validateObject(obj: LoadedObject): Diagnostic[] {
  if (isKubernetesNetworkPolicy(obj)) return validateNetworkPolicy(obj);
  const schema = schemaFor(obj);
  if (!schema) return [];
  const r = new Reporter(obj);
  reportDuplicateKeys(r);
  const typed = new Decoder(r).decode(obj.raw, schema, []);
  if (!isObj(typed)) return r.sorted();
  const meta = isObj(typed['metadata']) ? typed['metadata'] : {};
  const ns = meta['namespace'];
  if (schema !== NAMESPACE && ns !== BAD && (typeof ns !== 'string' || ns === '')) {
    reportNamespaceAbsent(r, typed['metadata']);
  }
  // Labels are what selectors match: an invalid one would never have reached a cluster.
  validateLabelMap(r, meta['labels'], ['metadata', 'labels']);
  const spec = typed['spec'];
  if (isObj(spec)) {
    if (schema === SERVICE) validateLabelMap(r, spec['selector'], ['spec', 'selector']);
    const holder = obj.kind === 'CronJob' ? dig(spec, 'jobTemplate', 'spec') : spec;
    const tplPath = obj.kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template'] : ['spec', 'template'];
    const tplLabels = dig(holder, 'template', 'metadata', 'labels');
    validateLabelMap(r, tplLabels, [...tplPath, 'metadata', 'labels']);
  }
  return r.sorted();
}

function dig(v: unknown, ...keys: string[]): unknown {
  let cur = v;
  for (const k of keys) cur = isObj(cur) ? cur[k] : undefined;
  return cur;
}
