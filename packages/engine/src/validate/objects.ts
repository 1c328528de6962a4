/**
 * The kinds kordon reads but does not validate in full get a type check of the fields it reads, so that a wrong type
 * is a located error here rather than a surprise later. Which kind gets which check: kinds/registry.ts.
 */
import type { Diagnostic, PathSegment } from '../diagnostics.js';
import type { LoadedObject } from '../load/load.js';
import { parseIP } from '../net/index.js';
import { BAD, Decoder, isObj, reportDuplicateKeys, type StructSchema } from './decode.js';
import { reportNamespaceAbsent, validateLabelMap } from './networkpolicy.js';
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
  if (schema === POD) checkIPs(r, typed['status'], ['status'], ['podIP', 'hostIP'], ['podIPs', 'hostIPs']);
  if (schema === SERVICE) checkIPs(r, spec, ['spec'], ['clusterIP'], [], ['clusterIPs']);
  return r.sorted();
}

const HEADLESS = new Set(['', 'None']);

/** Addresses kordon matches ipBlocks against: one it cannot read is ignored, so say so. */
function checkIPs(r: Reporter, holder: unknown, at: PathSegment[], single: string[], objectLists: string[], stringLists: string[] = []): void {
  if (!isObj(holder)) return;
  const check = (v: unknown, path: PathSegment[]): void => {
    if (typeof v !== 'string' || (at[0] === 'spec' && HEADLESS.has(v))) return;
    if (/\s/.test(v) || !parseIP(v)) {
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

function dig(v: unknown, ...keys: string[]): unknown {
  let cur = v;
  for (const k of keys) cur = isObj(cur) ? cur[k] : undefined;
  return cur;
}
