/**
 * Cluster policy validation as the CRDs' OpenAPI schemas and CEL rules make it: required fields, enums, ranges,
 * list sizes, one-of structs (minProperties/maxProperties 1), `start < end`, no named port beside address peers.
 */
import type { Diagnostic, PathSegment } from '../diagnostics.js';
import type { LoadedObject } from '../load/load.js';
import { BAD, Decoder, isObj, reportDuplicateKeys, type Obj } from '../validate/decode.js';
import { readCidr } from '../validate/cidr.js';
import { validateMeta, validateSelector } from '../validate/networkpolicy.js';
import { quote, Reporter } from '../validate/report.js';
import type { TierKindSpec } from './kinds.js';

const isStr = (v: unknown): v is string => typeof v === 'string';
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const has = (o: Obj, k: string): boolean => o[k] !== undefined;
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const DOMAIN = /^(\*\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$/;

export function validateClusterPolicy(obj: LoadedObject, kind: TierKindSpec): Diagnostic[] {
  const r = new Reporter(obj);
  reportDuplicateKeys(r);
  const typed = new Decoder(r).decode(obj.raw, kind.schema, []);
  if (obj.apiVersion !== kind.apiVersion) {
    r.add('apiversion-unsupported', 'error', ['apiVersion'], `no matches for kind ${quote(kind.kind)} in version ${quote(obj.apiVersion)}`, {
      value: obj.apiVersion,
      hint: `kordon reads ${kind.kind} in ${kind.apiVersion}`,
    });
  }
  if (!isObj(typed)) return r.sorted();
  validateMeta(r, typed['metadata'], false, 'policy');
  const meta = isObj(typed['metadata']) ? typed['metadata'] : {};
  if (isStr(meta['namespace']) && meta['namespace'] !== '') {
    r.add('namespace-ignored', 'warning', ['metadata', 'namespace'], `${kind.kind} is cluster-scoped: metadata.namespace is ignored`, {
      value: meta['namespace'],
      hint: 'remove metadata.namespace; the policy applies to the namespaces its subject selects',
    });
  }
  if (kind.singleton !== undefined && isStr(meta['name']) && meta['name'] !== kind.singleton) {
    r.add('name-singleton', 'error', ['metadata', 'name'], `Invalid value: ${quote(meta['name'])}: only one ${kind.kind} with metadata.name="${kind.singleton}" can be created in the cluster`, {
      value: meta['name'],
      hint: `name it \`${kind.singleton}\``,
    });
  }
  const spec = typed['spec'];
  if (spec === BAD) return r.sorted();
  if (!isObj(spec)) {
    r.add('field-required', 'error', ['spec'], 'Required value', { at: [], hint: 'a cluster policy needs a spec with a subject' });
    return r.sorted();
  }
  validateSpec(r, kind, spec);
  return r.sorted();
}

function required(r: Reporter, o: Obj, key: string, at: PathSegment[], hint: string): boolean {
  if (o[key] === BAD) return false;
  if (has(o, key)) return true;
  r.add('field-required', 'error', [...at, key], 'Required value', { at, hint });
  return false;
}

function validateSpec(r: Reporter, kind: TierKindSpec, spec: Obj): void {
  const sp: PathSegment[] = ['spec'];
  if (kind.tierField && required(r, spec, 'tier', sp, 'set `tier: Admin` or `tier: Baseline`')) {
    const t = spec['tier'];
    if (t !== 'Admin' && t !== 'Baseline') {
      r.add('enum-unsupported', 'error', ['spec', 'tier'], `Unsupported value: ${quote(t)}: supported values: "Admin", "Baseline"`, {
        value: String(t),
        hint: 'the tier is `Admin` (before NetworkPolicy) or `Baseline` (after it); the values are case-sensitive',
      });
    }
  }
  if (kind.priority && required(r, spec, 'priority', sp, 'set `priority` from 0 (first) to 1000')) {
    const p = spec['priority'];
    if (typeof p === 'number' && (p < 0 || p > 1000)) {
      r.add('priority-invalid', 'error', ['spec', 'priority'], `Invalid value: ${p}: spec.priority in body should be ${p < 0 ? 'greater than or equal to 0' : 'less than or equal to 1000'}`, {
        value: String(p),
        hint: 'a priority is 0 to 1000; a lower value is checked first',
      });
    }
  }
  if (required(r, spec, 'subject', sp, 'set `subject` with `namespaces` or `pods`')) validateSubject(r, spec['subject'], ['spec', 'subject']);
  for (const dir of ['ingress', 'egress'] as const) {
    const rules = spec[dir];
    if (!Array.isArray(rules)) continue;
    tooMany(r, rules, ['spec', dir], kind.maxItems, 'rules');
    rules.forEach((rule, i) => {
      if (isObj(rule)) validateRule(r, kind, dir, rule, ['spec', dir, i]);
    });
  }
}

function tooMany(r: Reporter, items: unknown[], path: PathSegment[], max: number, what: string): void {
  if (items.length > max) {
    r.add('too-many', 'error', path, `Too many: ${items.length}: must have at most ${max} items`, {
      hint: `split the ${what} over more policies (at most ${max} each)`,
    });
  }
}

function tooFew(r: Reporter, o: Obj, key: string, path: PathSegment[], hint: string): void {
  const v = o[key];
  if (Array.isArray(v) && v.length === 0) r.add('too-few', 'error', [...path, key], `Invalid value: 0: ${path.length ? `${String(key)} ` : ''}in body should have at least 1 items`, { hint });
}

/** Exactly one field of a one-of struct (minProperties = maxProperties = 1). */
function oneOf(r: Reporter, o: Obj, fields: readonly string[], path: PathSegment[], what: string): string | undefined {
  const set = fields.filter((f) => has(o, f));
  if (set.length === 1) return set[0];
  if (set.length === 0) {
    r.add('oneof-none', 'error', path, `Invalid value: must have at least 1 properties: set one of ${fields.map((f) => `\`${f}\``).join(', ')}`, {
      hint: `a ${what} names exactly one of ${fields.join(', ')}`,
    });
  } else {
    r.add('oneof-many', 'error', path, `Invalid value: must have at most 1 properties: ${set.map((f) => `\`${f}\``).join(' and ')} are both set`, {
      hint: `make each a ${what} of its own (a list item each)`,
    });
  }
  return undefined;
}

function validateSubject(r: Reporter, subject: unknown, path: PathSegment[]): void {
  if (!isObj(subject)) return;
  const f = oneOf(r, subject, ['namespaces', 'pods'], path, 'subject');
  if (f === 'namespaces') validateSelector(r, subject['namespaces'], [...path, 'namespaces']);
  if (f === 'pods') validateNamespacedPod(r, subject['pods'], [...path, 'pods']);
}

function validateNamespacedPod(r: Reporter, pods: unknown, path: PathSegment[]): void {
  if (!isObj(pods)) return;
  if (required(r, pods, 'podSelector', path, 'add `podSelector: {}` to select every pod of the selected namespaces')) validateSelector(r, pods['podSelector'], [...path, 'podSelector']);
  validateSelector(r, pods['namespaceSelector'], [...path, 'namespaceSelector']);
}

function validateRule(r: Reporter, kind: TierKindSpec, dir: 'ingress' | 'egress', rule: Obj, path: PathSegment[]): void {
  const name = rule['name'];
  if (isStr(name) && name.length > 100) {
    r.add('name-too-long', 'error', [...path, 'name'], `Too long: may not be longer than 100`, { value: name, hint: 'a rule name is at most 100 characters' });
  }
  if (required(r, rule, 'action', path, `set \`action\` to ${Object.keys(kind.actions).join(', ')}`)) {
    const a = rule['action'];
    if (!isStr(a) || !(a in kind.actions)) {
      const names = Object.keys(kind.actions);
      const near = names.find((n) => isStr(a) && n.toLowerCase() === a.toLowerCase()) ?? (a === 'Allow' && 'Accept' in kind.actions ? 'Accept' : a === 'Accept' && 'Allow' in kind.actions ? 'Allow' : undefined);
      r.add('enum-unsupported', 'error', [...path, 'action'], `Unsupported value: ${quote(a)}: supported values: ${names.map((n) => `"${n}"`).join(', ')}`, {
        value: String(a),
        hint: near ? `write \`${near}\`` : `use one of ${names.join(', ')}`,
      });
    }
  }
  const peersKey = dir === 'ingress' ? 'from' : 'to';
  const fields = dir === 'ingress' ? kind.ingressPeerFields : kind.egressPeerFields;
  const addressPeer: boolean[] = [];
  if (required(r, rule, peersKey, path, `list at least one peer under \`${peersKey}\``)) {
    tooFew(r, rule, peersKey, path, `list at least one peer; a rule for every ${dir === 'ingress' ? 'source' : 'destination'} selects them, e.g. \`namespaces: {}\``);
    const peers = list(rule[peersKey]);
    tooMany(r, peers, [...path, peersKey], kind.maxItems, 'peers');
    peers.forEach((peer, j) => {
      if (isObj(peer)) addressPeer.push(validatePeer(r, kind, fields, peer, [...path, peersKey, j], rule['action']));
    });
  }
  const portsKey = kind.portsField;
  if (!Array.isArray(rule[portsKey])) return;
  tooFew(r, rule, portsKey, path, `leave \`${portsKey}\` out to match every protocol and port`);
  const ports = list(rule[portsKey]);
  tooMany(r, ports, [...path, portsKey], kind.maxItems, portsKey);
  let named = false;
  ports.forEach((p, k) => {
    if (!isObj(p)) return;
    if (kind.portsField === 'protocols' ? validateProtocol(r, kind, p, [...path, portsKey, k]) : validateAnpPort(r, kind, p, [...path, portsKey, k])) named = true;
  });
  if (named && addressPeer.some(Boolean)) {
    r.add('namedport-address-peer', 'error', path, 'Invalid value: networks/nodes/domainNames peer cannot be set with namedPorts since there are no namedPorts for networks/nodes/domainNames', {
      hint: 'write the port number, or move the networks/nodes peer to a rule of its own',
    });
  }
}

/** Validates one peer; true when it is an address peer (networks, nodes, domainNames). */
function validatePeer(r: Reporter, kind: TierKindSpec, fields: readonly string[], peer: Obj, path: PathSegment[], action: unknown): boolean {
  // Peers are open structs, so their unknown keys are only in the object as written.
  const raw = rawAt(r.obj.raw, path);
  const unknown = isObj(raw) ? Object.keys(raw).filter((k) => !fields.includes(k) && raw[k] !== undefined && raw[k] !== null) : [];
  for (const k of unknown) {
    r.add('peer-field-unknown', 'warning', [...path, k], `unknown field ${quote(k)} in a ${kind.kind} peer: kordon fails closed on it (an Accept rule matches nothing, a Deny or Pass rule denies everything)`, {
      hint: `a peer is one of ${fields.join(', ')}; a newer CRD version may know this field, kordon does not`,
    });
  }
  const known = fields.filter((f) => has(peer, f));
  if (known.length === 0 && unknown.length > 0) return false;
  const f = oneOf(r, peer, fields, path, 'peer');
  if (f === 'namespaces' || f === 'nodes') validateSelector(r, peer[f], [...path, f]);
  if (f === 'pods') validateNamespacedPod(r, peer['pods'], [...path, 'pods']);
  if (f === 'networks') {
    tooFew(r, peer, 'networks', path, 'list at least one CIDR');
    const nets = list(peer['networks']);
    tooMany(r, nets, [...path, 'networks'], 25, 'CIDRs');
    nets.forEach((n, k) => {
      if (!isStr(n)) return;
      if (n.length > 43 || !readCidr(n)) {
        r.add('cidr-invalid', 'error', [...path, 'networks', k], `Invalid value: ${quote(n)}: Invalid CIDR format provided`, {
          value: n,
          hint: n.includes('/') ? 'write an IPv4 or IPv6 address, `/`, and a prefix length' : `add a prefix length: ${n}/${n.includes(':') ? 128 : 32} for a single address`,
        });
      }
    });
    duplicatesInSet(r, nets, [...path, 'networks']);
  }
  if (f === 'domainNames') {
    tooFew(r, peer, 'domainNames', path, 'list at least one domain name');
    const names = list(peer['domainNames']);
    tooMany(r, names, [...path, 'domainNames'], 25, 'domain names');
    names.forEach((n, k) => {
      if (isStr(n) && !DOMAIN.test(n)) {
        r.add('domain-invalid', 'error', [...path, 'domainNames', k], `Invalid value: ${quote(n)}: should match a domain name (a wildcard \`*.\` only as a prefix)`, { value: n });
      }
    });
    duplicatesInSet(r, names, [...path, 'domainNames']);
    if (action !== 'Accept' && action !== 'Allow') {
      r.add('domainnames-action', 'warning', [...path, 'domainNames'], 'domainNames is only supported for Accept rules', {
        hint: 'allow the domains with an Accept rule and deny the rest with a later rule',
      });
    }
  }
  return f === 'networks' || f === 'nodes' || f === 'domainNames';
}

function rawAt(root: unknown, path: readonly PathSegment[]): unknown {
  let cur = root;
  for (const seg of path) cur = Array.isArray(cur) && typeof seg === 'number' ? cur[seg] : isObj(cur) && typeof seg === 'string' ? cur[seg] : undefined;
  return cur;
}

/** `listType: set`: the API server rejects a value listed twice. */
function duplicatesInSet(r: Reporter, items: unknown[], path: PathSegment[]): void {
  const seen = new Set<unknown>();
  items.forEach((v, k) => {
    if (seen.has(v)) r.add('duplicate-value', 'error', [...path, k], `Duplicate value: ${quote(v)}`, { hint: 'remove the repeated entry' });
    seen.add(v);
  });
}

function validatePortNumber(r: Reporter, v: unknown, path: PathSegment[]): void {
  if (typeof v === 'number' && (v < 1 || v > 65535)) {
    r.add('port-invalid', 'error', path, `Invalid value: ${v}: must be between 1 and 65535, inclusive`, { value: String(v), hint: 'a port number is 1 to 65535' });
  }
}

function validateRange(r: Reporter, kind: TierKindSpec, range: Obj, path: PathSegment[]): void {
  const a = required(r, range, 'start', path, 'give the first port of the range as `start`');
  const b = required(r, range, 'end', path, 'give the last port of the range as `end`');
  validatePortNumber(r, range['start'], [...path, 'start']);
  validatePortNumber(r, range['end'], [...path, 'end']);
  const s = range['start'];
  const e = range['end'];
  if (a && b && typeof s === 'number' && typeof e === 'number' && (kind.strictRange ? s >= e : s > e)) {
    r.add('range-invalid', 'error', path, kind.strictRange ? 'Invalid value: Start port must be less than End port' : `Invalid value: start ${s} is after end ${e}: the range is empty`, {
      hint: s === e ? `a single port is \`number: ${s}\`` : `swap them: start ${e}, end ${s}`,
    });
  }
}

/** A v1alpha2 protocol entry; true when it is a named port. */
function validateProtocol(r: Reporter, kind: TierKindSpec, p: Obj, path: PathSegment[]): boolean {
  const f = oneOf(r, p, ['tcp', 'udp', 'sctp', 'destinationNamedPort'], path, 'protocol entry');
  if (f === 'destinationNamedPort') return true;
  if (f === undefined || !isObj(p[f])) return false;
  const m = p[f] as Obj;
  if (!has(m, 'destinationPort')) {
    r.add('oneof-none', 'error', [...path, f], 'Invalid value: must have at least 1 properties', {
      hint: `give \`destinationPort\` with a \`number\` or a \`range\`; to match every ${f.toUpperCase()} port, a range 1-65535 does it`,
    });
    return false;
  }
  const dp = m['destinationPort'];
  if (!isObj(dp)) return false;
  const which = oneOf(r, dp, ['number', 'range'], [...path, f, 'destinationPort'], 'destination port');
  if (which === 'number') validatePortNumber(r, dp['number'], [...path, f, 'destinationPort', 'number']);
  if (which === 'range' && isObj(dp['range'])) validateRange(r, kind, dp['range'], [...path, f, 'destinationPort', 'range']);
  return false;
}

/** A v1alpha1 port entry; true when it is a named port. */
function validateAnpPort(r: Reporter, kind: TierKindSpec, p: Obj, path: PathSegment[]): boolean {
  const f = oneOf(r, p, ['portNumber', 'namedPort', 'portRange'], path, 'port entry');
  if (f === 'namedPort') return true;
  if (f === undefined || !isObj(p[f])) return false;
  const o = p[f] as Obj;
  const proto = o['protocol'];
  if (isStr(proto) && !PROTOCOLS.includes(proto)) {
    r.add('protocol-unsupported', 'error', [...path, f, 'protocol'], `Unsupported value: ${quote(proto)}: supported values: "TCP", "UDP", "SCTP"`, {
      value: proto,
      hint: PROTOCOLS.includes(proto.toUpperCase()) ? `write \`${proto.toUpperCase()}\`` : 'use TCP, UDP or SCTP',
    });
  }
  if (f === 'portNumber') {
    if (required(r, o, 'port', [...path, f], 'give the port number as `port`')) validatePortNumber(r, o['port'], [...path, f, 'port']);
  } else validateRange(r, kind, o, [...path, f]);
  return false;
}
