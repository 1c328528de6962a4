/**
 * The kinds kordon reads but does not validate in full get a type check of the fields it reads, so that a wrong type
 * is a located error here rather than a surprise later. Which kind gets which check: kinds/registry.ts.
 */
import type { Diagnostic, PathSegment } from '../diagnostics.js';
import type { LoadedObject } from '../load/load.js';
import { ipv4Number, parseIP, podAddressOddity, type PodAddressOddity } from '../net/index.js';
import { BAD, Decoder, isObj, reportDuplicateKeys, type StructSchema } from './decode.js';
import { reportNamespaceAbsent, validateLabelMap } from './networkpolicy.js';
import { validateOwnerReferences } from './owners.js';
import { Reporter } from './report.js';
import { NAMESPACE, NODE, POD, SERVICE } from './schemas.js';

/** A type check of the fields kordon reads of a kind it models without validating it in full. */
export function validateReadKind(obj: LoadedObject, schema: StructSchema): Diagnostic[] {
  const r = new Reporter(obj);
  reportDuplicateKeys(r);
  const typed = new Decoder(r).decode(obj.raw, schema, []);
  if (!isObj(typed)) return r.sorted();
  const meta = isObj(typed['metadata']) ? typed['metadata'] : {};
  const ns = meta['namespace'];
  if (schema !== NAMESPACE && schema !== NODE && ns !== BAD && (typeof ns !== 'string' || ns === '')) {
    reportNamespaceAbsent(r, typed['metadata']);
  }
  validateOwnerReferences(r, meta['ownerReferences']);
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
  if (schema === POD) {
    checkIPs(r, typed['status'], ['status'], ['podIP', 'hostIP'], ['podIPs', 'hostIPs']);
    checkPodIPs(r, typed['status']);
  }
  if (schema === SERVICE) checkIPs(r, spec, ['spec'], ['clusterIP'], [], ['clusterIPs']);
  return r.sorted();
}

const HEADLESS = new Set(['', 'None']);

/** Addresses kordon matches ipBlocks against: one it cannot read is ignored, so say so. */
function checkIPs(r: Reporter, holder: unknown, at: PathSegment[], single: string[], objectLists: string[], stringLists: string[] = []): void {
  if (!isObj(holder)) return;
  const check = (v: unknown, path: PathSegment[]): void => {
    if (typeof v !== 'string' || (at[0] === 'spec' && HEADLESS.has(v))) return;
    if (ipv4Number(v) === undefined && (/\s/.test(v) || !parseIP(v))) {
      r.add('ip-invalid', 'warning', path, `Invalid value: ${JSON.stringify(v)}: must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`, {
        value: v,
        hint: 'kordon ignores this address, so no ipBlock can match it; write an IPv4 or IPv6 address',
      });
    }
  };
  for (const k of single) check(holder[k], [...at, k]);
  for (const k of objectLists) {
    const items = holder[k];
    if (Array.isArray(items)) items.forEach((item, i) => check(isObj(item) ? item['ip'] : undefined, [...at, k, i, 'ip']));
  }
  for (const k of stringLists) {
    const items = holder[k];
    if (Array.isArray(items)) items.forEach((item, i) => check(item, [...at, k, i]));
  }
}

const ODDITY: Record<PodAddressOddity, string> = {
  loopback: 'a loopback address',
  multicast: 'a multicast address',
  unspecified: 'the unspecified address',
  'ipv4-mapped': 'an IPv4-mapped IPv6 address, which Kubernetes and its plugins read as the IPv4 address',
};

/** Pod addresses no network plugin hands out: likely a typo or a hand-written status, so say so. */
function checkPodIPs(r: Reporter, status: unknown): void {
  if (!isObj(status)) return;
  const check = (v: unknown, path: PathSegment[]): void => {
    const oddity = typeof v === 'string' ? podAddressOddity(v) : undefined;
    if (!oddity) return;
    r.add('pod-ip-unusual', 'warning', path, `pod address ${JSON.stringify(v)} is ${ODDITY[oddity]}: no network plugin gives a pod such an address`, {
      value: v as string,
      hint: oddity === 'ipv4-mapped' ? 'write the IPv4 address itself' : 'write the address the pod has in the cluster (kubectl get pod -o wide)',
    });
  };
  check(status['podIP'], ['status', 'podIP']);
  const items = status['podIPs'];
  if (Array.isArray(items)) items.forEach((item, i) => check(isObj(item) ? item['ip'] : undefined, ['status', 'podIPs', i, 'ip']));
}

function dig(v: unknown, ...keys: string[]): unknown {
  let cur = v;
  for (const k of keys) cur = isObj(cur) ? cur[k] : undefined;
  return cur;
}
