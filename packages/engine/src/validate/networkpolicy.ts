/**
 * NetworkPolicy validation as the API server makes it (pkg/apis/networking/validation and the
 * apimachinery name and label-selector rules), run on the strictly decoded object.
 */
import type { Diagnostic, PathSegment } from '../diagnostics.js';
import type { LoadedObject } from '../load/load.js';
import type { Cidr } from '../net/index.js';
import { isStrictSubset, readCidr, type CidrReading } from './cidr.js';
import { BAD, Decoder, isObj, reportDuplicateKeys, type Obj } from './decode.js';
import {
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  dns1123SubdomainPrefixErrors,
  ianaSvcNameErrors,
  labelValueErrors,
  qualifiedNameErrors,
} from './names.js';
import { validateOwnerReferences } from './owners.js';
import { quote, Reporter, valueText } from './report.js';
import { NETWORK_POLICY } from './schemas.js';

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const isStr = (v: unknown): v is string => typeof v === 'string';

export const NETWORK_POLICY_API_VERSION = 'networking.k8s.io/v1';
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const POLICY_TYPES = ['Ingress', 'Egress'];
const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

export function validateNetworkPolicy(obj: LoadedObject): Diagnostic[] {
  const r = new Reporter(obj);
  reportDuplicateKeys(r);
  const typed = new Decoder(r).decode(withoutEmptyStatus(r, obj.raw), NETWORK_POLICY, []);
  if (obj.apiVersion !== NETWORK_POLICY_API_VERSION) {
    r.add('apiversion-unsupported', 'error', ['apiVersion'], `no matches for kind "NetworkPolicy" in version ${quote(obj.apiVersion)}`, {
      value: obj.apiVersion,
      hint: `use apiVersion: ${NETWORK_POLICY_API_VERSION} (extensions/v1beta1 was removed in Kubernetes 1.16); the spec is the same`,
    });
  }
  if (isObj(typed)) {
    validateMeta(r, typed['metadata'], true, 'policy');
    validateSpec(r, typed['spec'], isObj(obj.raw['spec']) && 'podSelector' in obj.raw['spec']);
  }
  return r.sorted();
}

/**
 * `status: {}` is in every `kubectl get -o yaml` of a NetworkPolicy from clusters before 1.28, which
 * had an (always empty) status. Newer API servers reject it as unknown under strict validation; it
 * means nothing, so it is a warning, and the policy still counts. A status with content stays an error.
 */
function withoutEmptyStatus(r: Reporter, raw: Obj): Obj {
  const status = raw['status'];
  if (!('status' in raw) || !(status === null || (isObj(status) && Object.keys(status).length === 0))) return raw;
  r.add('field-obsolete', 'warning', ['status'], 'a NetworkPolicy has no status since Kubernetes 1.28: API servers from 1.28 on reject `status` as an unknown field under strict validation', {
    hint: 'remove `status: {}`; it is left over from `kubectl get -o yaml` of an older cluster',
  });
  const rest: Obj = {};
  for (const [k, v] of Object.entries(raw)) if (k !== 'status') Object.defineProperty(rest, k, { value: v, enumerable: true });
  return rest;
}

/** ObjectMeta checks made on create: name, namespace, labels, annotation keys. */
export function validateMeta(r: Reporter, meta: unknown, namespaced: boolean, noun: string): void {
  const m: Obj = isObj(meta) ? meta : {};
  const p = (...s: PathSegment[]): PathSegment[] => ['metadata', ...s];
  const name = m['name'];
  const generateName = m['generateName'];
  if (isStr(generateName) && generateName !== '') {
    for (const msg of dns1123SubdomainPrefixErrors(generateName)) {
      r.add('name-invalid', 'error', p('generateName'), `Invalid value: ${quote(generateName)}: ${msg}`, { value: generateName, hint: 'use lowercase letters, digits, `-` and `.`' });
    }
  }
  if (name === BAD) {
    // already reported as a type error
  } else if ((!isStr(name) || name === '') && isStr(generateName) && generateName !== '') {
    // The API server would name the object on create; kubectl apply, which must know the name beforehand, refuses it.
    r.add('name-required', 'error', p('name'), `Required value: metadata.name is needed to apply this ${noun}: generateName ${quote(generateName)} names an object only when kubectl create makes it`, {
      at: p(),
      hint: 'kubectl apply refuses generateName ("cannot use generate name with apply"): set metadata.name, or create the object with kubectl create',
    });
  } else if (!isStr(name) || name === '') {
    r.add('name-required', 'error', p('name'), 'Required value: name or generateName is required', {
      at: isObj(meta) ? p() : [],
      hint: `give the ${noun} a name under metadata: \`name: my-${noun}\``,
    });
  } else {
    for (const msg of dns1123SubdomainErrors(name)) {
      r.add('name-invalid', 'error', p('name'), `Invalid value: ${quote(name)}: ${msg}`, {
        value: name,
        hint: `use at most 253 lowercase letters, digits, \`-\` and \`.\`, starting and ending with a letter or digit${/[A-Z_]/.test(name) ? ` (e.g. ${JSON.stringify(name.toLowerCase().replace(/_/g, '-'))})` : ''}`,
      });
    }
  }
  const ns = m['namespace'];
  if (namespaced && ns !== BAD) {
    if (!isStr(ns) || ns === '') {
      reportNamespaceAbsent(r, meta);
    } else {
      for (const msg of dns1123LabelErrors(ns)) {
        r.add('namespace-invalid', 'error', p('namespace'), `Invalid value: ${quote(ns)}: ${msg}`, {
          value: ns,
          hint: 'a namespace name is at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit',
        });
      }
    }
  }
  validateLabelMap(r, m['labels'], p('labels'));
  validateOwnerReferences(r, m['ownerReferences']);
  const annotations = m['annotations'];
  if (isObj(annotations)) {
    for (const k of Object.keys(annotations)) {
      for (const msg of qualifiedNameErrors(k.toLowerCase())) {
        r.add('annotation-key-invalid', 'error', p('annotations'), `Invalid value: ${quote(k)}: ${msg}`, { value: k, at: p('annotations', k) });
      }
    }
  }
}

/** One wording for every namespaced kind: an absent namespace is the context's, "default" for kordon. */
export function reportNamespaceAbsent(r: Reporter, meta: unknown): void {
  r.add('namespace-absent', 'info', ['metadata', 'namespace'], 'metadata.namespace is not set: kubectl puts the object in the namespace of its context, and kordon reads it as "default"', {
    at: isObj(meta) ? ['metadata'] : [],
    hint: 'set metadata.namespace to say which namespace it belongs to',
  });
}

/** Label keys and values of a map (metadata.labels, matchLabels); reported at the map's path, located at the entry. */
export function validateLabelMap(r: Reporter, labels: unknown, path: PathSegment[]): void {
  if (!isObj(labels)) return;
  for (const [k, v] of Object.entries(labels)) {
    for (const msg of qualifiedNameErrors(k)) {
      r.add('label-key-invalid', 'error', path, `Invalid value: ${quote(k)}: ${msg}`, { value: k, at: [...path, k], hint: labelKeyHint(k) });
    }
    if (v === undefined) {
      // `key:` with nothing after it: kubectl sends null, which decodes as the empty string.
      r.add('label-value-empty', 'warning', path, `the label ${quote(k)} has no value: it means the empty string, which matches only objects labelled \`${k}: ""\``, {
        at: [...path, k],
        hint: 'write the value on the same line (`key: value`), or `key: ""` if the empty value is meant',
      });
    } else if (isStr(v)) {
      for (const msg of labelValueErrors(v)) {
        r.add('label-value-invalid', 'error', path, `Invalid value: ${quote(v)}: ${msg}`, { value: v, at: [...path, k], hint: labelValueHint(v) });
      }
    }
  }
}

function labelKeyHint(k: string): string {
  if (k.includes(' ') || k.includes(':')) return 'a label key has no spaces or colons: is this line mis-indented or missing a space after `:`?';
  return 'a label key is an optional DNS prefix and `/`, then at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit';
}

function labelValueHint(v: string): string {
  if (v.length > 63) return 'a label value is at most 63 characters';
  if (/\s/.test(v)) return 'a label value has no spaces';
  return 'a label value is empty or at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit';
}

export function validateSelector(r: Reporter, sel: unknown, path: PathSegment[]): void {
  if (!isObj(sel)) return;
  validateLabelMap(r, sel['matchLabels'], [...path, 'matchLabels']);
  list(sel['matchExpressions']).forEach((e, i) => {
    if (!isObj(e)) return;
    const ep: PathSegment[] = [...path, 'matchExpressions', i];
    const op = e['operator'];
    const values = e['values'] === BAD ? BAD : list(e['values']);
    const count = values === BAD ? -1 : values.length;
    if (op === 'In' || op === 'NotIn') {
      if (count === 0) {
        r.add('selector-values-required', 'error', [...ep, 'values'], "Required value: must be specified when `operator` is 'In' or 'NotIn'", {
          at: 'values' in e ? [...ep, 'values'] : ep,
          hint: `list at least one value (\`values: [a]\`)${op === 'In' ? ', or use `operator: Exists` to match any value' : ''}`,
        });
      }
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (count > 0) {
        r.add('selector-values-forbidden', 'error', [...ep, 'values'], "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'", {
          hint: `remove \`values\`, or use \`operator: ${op === 'Exists' ? 'In' : 'NotIn'}\` to test the values`,
        });
      }
    } else if (op !== BAD) {
      const opText = isStr(op) ? op : '';
      const near = OPERATORS.find((o) => o.toLowerCase() === opText.toLowerCase().replace(/[\s_-]/g, ''));
      r.add('selector-operator-invalid', 'error', [...ep, 'operator'], `Invalid value: ${quote(opText)}: not a valid selector operator`, {
        value: opText,
        at: 'operator' in e ? [...ep, 'operator'] : ep,
        hint: near ? `write \`${near}\` (operators are case-sensitive)` : 'use one of In, NotIn, Exists, DoesNotExist',
      });
    }
    const key = e['key'];
    if (key !== BAD) {
      const k = isStr(key) ? key : '';
      for (const msg of qualifiedNameErrors(k)) {
        r.add('label-key-invalid', 'error', [...ep, 'key'], `Invalid value: ${quote(k)}: ${msg}`, { value: k, at: 'key' in e ? [...ep, 'key'] : ep, hint: labelKeyHint(k) });
      }
    }
    if (values !== BAD) {
      values.forEach((v, j) => {
        if (!isStr(v)) return;
        for (const msg of labelValueErrors(v)) {
          r.add('label-value-invalid', 'error', [...ep, 'values', j], `Invalid value: ${quote(v)}: ${msg}`, { value: v, hint: labelValueHint(v) });
        }
      });
    }
  });
}

function validateSpec(r: Reporter, spec: unknown, podSelectorWritten: boolean): void {
  const s: Obj = isObj(spec) ? spec : {};
  if (spec !== BAD && !podSelectorWritten) {
    r.add('podselector-absent', 'info', ['spec', 'podSelector'], 'spec.podSelector is not set: it defaults to {} and selects every pod in the namespace', {
      at: isObj(spec) ? ['spec'] : [],
      hint: 'write `podSelector: {}` to make selecting every pod explicit',
    });
  }
  validateSelector(r, s['podSelector'], ['spec', 'podSelector']);
  for (const dir of ['ingress', 'egress'] as const) {
    const peersKey = dir === 'ingress' ? 'from' : 'to';
    list(s[dir]).forEach((rule, i) => {
      const rp: PathSegment[] = ['spec', dir, i];
      if (rule === undefined) {
        // `-` with nothing after it: a null item, which decodes as an empty rule.
        r.add('rule-null', 'warning', rp, `this ${dir} rule is an empty list item: it decodes as \`{}\`, a rule that allows all traffic`, {
          hint: `write \`- {}\` if allowing everything is meant; otherwise the rule's fields are missing or not indented under the \`-\``,
        });
        return;
      }
      if (!isObj(rule)) return;
      list(rule['ports']).forEach((port, j) => validatePort(r, port, [...rp, 'ports', j]));
      list(rule[peersKey]).forEach((peer, j) => validatePeer(r, peer, [...rp, peersKey, j]));
    });
  }
  validatePolicyTypes(r, s['policyTypes']);
}

function validatePolicyTypes(r: Reporter, types: unknown): void {
  if (!Array.isArray(types)) return;
  const path: PathSegment[] = ['spec', 'policyTypes'];
  if (types.length > POLICY_TYPES.length) {
    r.add('policytypes-too-many', 'error', path, `Invalid value: ${quote(types.filter(isStr))}: may not specify more than two policyTypes`, {
      hint: 'list each of Ingress and Egress at most once',
    });
    return;
  }
  const seen = new Set<string>();
  types.forEach((item, i) => {
    // A null item decodes as the empty string.
    const t = item === undefined ? '' : item;
    if (!isStr(t)) return;
    if (!POLICY_TYPES.includes(t)) {
      const spellings = [t, t.replace(/s$/, '')].map((x) => x.toLowerCase());
      const near = POLICY_TYPES.find((p) => spellings.includes(p.toLowerCase()));
      r.add('policytype-unsupported', 'error', [...path, i], `Unsupported value: ${quote(t)}: supported values: "Ingress", "Egress"`, {
        value: t,
        hint: near ? `write \`${near}\` (the values are case-sensitive)` : 'use Ingress or Egress',
      });
    } else if (seen.has(t)) {
      // The API server accepts the repetition; it changes nothing, and is likely a slip for the other type.
      r.add('policytype-duplicate', 'warning', [...path, i], `Duplicate value: ${quote(t)}: accepted by the API server, but it has no effect`, {
        value: t,
        hint: `remove it, or write \`${t === 'Ingress' ? 'Egress' : 'Ingress'}\` if that was meant`,
      });
    }
    seen.add(t);
  });
}

function validatePort(r: Reporter, port: unknown, path: PathSegment[]): void {
  if (!isObj(port)) return;
  const protocol = port['protocol'];
  if (isStr(protocol) && !PROTOCOLS.includes(protocol)) {
    const upper = protocol.toUpperCase();
    r.add('protocol-unsupported', 'error', [...path, 'protocol'], `Unsupported value: ${quote(protocol)}: supported values: "TCP", "UDP", "SCTP"`, {
      value: protocol,
      hint: PROTOCOLS.includes(upper)
        ? `write \`${upper}\` (protocols are upper case)`
        : 'NetworkPolicy matches TCP, UDP or SCTP; an application protocol such as HTTP is its port over TCP',
    });
  }
  const p = port['port'];
  const end = port['endPort'];
  const endSet = typeof end === 'number';
  if (typeof p === 'number') {
    if (p < 1 || p > 65535) {
      r.add('port-invalid', 'error', [...path, 'port'], `Invalid value: ${p}: must be between 1 and 65535, inclusive`, {
        value: String(p),
        hint: p === 0 ? 'to allow every port, leave `port` out' : 'a port number is 1 to 65535',
      });
    }
    if (endSet) {
      if (end < p) {
        r.add('endport-invalid', 'error', [...path, 'endPort'], `Invalid value: ${end}: must be greater than or equal to \`port\``, {
          value: String(end),
          hint: `the range is port..endPort inclusive: swap them (port: ${end}, endPort: ${p})`,
        });
      }
      if (end < 1 || end > 65535) {
        r.add('endport-invalid', 'error', [...path, 'endPort'], `Invalid value: ${end}: must be between 1 and 65535, inclusive`, { value: String(end) });
      }
    }
  } else if (isStr(p)) {
    if (endSet) {
      r.add('endport-invalid', 'error', [...path, 'endPort'], `Invalid value: ${end}: may not be specified when \`port\` is non-numeric`, {
        value: String(end),
        hint: 'a range needs a numeric `port`; a named port names a single port',
      });
    }
    for (const msg of ianaSvcNameErrors(p)) {
      r.add('port-name-invalid', 'error', [...path, 'port'], `Invalid value: ${quote(p)}: ${msg}`, {
        value: p,
        hint: /^[0-9]+$/.test(p)
          ? `write the number without quotes (\`port: ${p}\`): quoted, it is a port name`
          : 'a named port is 1 to 15 lowercase letters, digits and `-`, with at least one letter, matching a container port name',
      });
    }
  } else if (p === undefined && endSet) {
    r.add('endport-invalid', 'error', [...path, 'endPort'], `Invalid value: ${end}: may not be specified when \`port\` is not specified`, {
      value: String(end),
      hint: 'set `port` to the first port of the range',
    });
  }
}

function validatePeer(r: Reporter, peer: unknown, path: PathSegment[]): void {
  if (peer === BAD) return;
  const o: Obj = isObj(peer) ? peer : {};
  const present = (k: string): boolean => o[k] !== undefined;
  let n = 0;
  if (present('podSelector')) {
    n++;
    validateSelector(r, o['podSelector'], [...path, 'podSelector']);
  }
  if (present('namespaceSelector')) {
    n++;
    validateSelector(r, o['namespaceSelector'], [...path, 'namespaceSelector']);
  }
  if (present('ipBlock')) {
    n++;
    validateIPBlock(r, o['ipBlock'], [...path, 'ipBlock']);
  }
  if (n === 0) {
    r.add('peer-empty', 'error', path, 'Required value: must specify a peer', {
      hint: 'a peer needs podSelector, namespaceSelector or ipBlock; to allow every source or destination, leave the whole list out',
    });
  } else if (n > 1 && present('ipBlock')) {
    r.add('peer-ipblock-exclusive', 'error', path, 'Forbidden: may not specify both ipBlock and another peer', {
      hint: 'make the ipBlock a list item of its own (`- ipBlock: …`)',
    });
  }
}

function validateIPBlock(r: Reporter, block: unknown, path: PathSegment[]): void {
  if (!isObj(block)) return;
  const cidrText = block['cidr'];
  if (cidrText === BAD) return;
  if (!isStr(cidrText) || cidrText === '') {
    r.add('cidr-required', 'error', [...path, 'cidr'], 'Required value', {
      at: 'cidr' in block ? [...path, 'cidr'] : path,
      hint: 'give the block a CIDR, e.g. `cidr: 10.0.0.0/8` (0.0.0.0/0 for every IPv4 address)',
    });
    return;
  }
  const cidr = checkCidr(r, cidrText, [...path, 'cidr']);
  list(block['except']).forEach((item, i) => {
    const ex = item === undefined ? '' : item;
    if (!isStr(ex)) return;
    const ep: PathSegment[] = [...path, 'except', i];
    const e = checkCidr(r, ex, ep);
    if (!cidr || !e) return;
    if (!isStrictSubset(e, cidr)) {
      const familyMismatch = e.family !== cidr.family;
      r.add('cidr-except-outside', 'error', ep, `Invalid value: ${quote(ex)}: must be a strict subset of \`cidr\``, {
        value: ex,
        hint: familyMismatch
          ? `an except must be of the same IP family as the cidr (${cidrText} is IPv${cidr.family}, ${ex} is IPv${e.family})`
          : e.prefix <= cidr.prefix && e.start <= cidr.start && e.end >= cidr.end
            ? `${ex} covers all of ${cidrText}: the block would be empty; remove the peer or shrink the except`
            : `${ex} is not inside ${cidrText}: remove it, or widen the cidr`,
      });
    }
  });
}

// The same blocks come back in many policies (a pod network, a node's /24): each text is read once, a bounded few.
const readings = new Map<string, CidrReading | undefined>();
const READINGS_MAX = 4096;

function cidrReading(text: string): CidrReading | undefined {
  if (readings.has(text)) return readings.get(text);
  const reading = readCidr(text);
  if (readings.size >= READINGS_MAX) readings.clear();
  readings.set(text, reading);
  return reading;
}

function checkCidr(r: Reporter, text: string, path: PathSegment[]): Cidr | undefined {
  const reading = cidrReading(text);
  if (!reading) {
    r.add('cidr-invalid', 'error', path, `Invalid value: ${quote(text)}: must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`, {
      value: text,
      hint: text.includes('/') ? 'write an IPv4 or IPv6 address, `/`, and a prefix length' : `add a prefix length: ${text}/${text.includes(':') ? 128 : 32} for a single address`,
    });
    return undefined;
  }
  for (const w of reading.warnings) r.add(w.code, 'warning', path, w.message, { value: valueText(text), hint: w.hint });
  return reading.cidr;
}
