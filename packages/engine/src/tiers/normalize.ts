import type { LoadedObject } from '../load/load.js';
import { sourceFrom } from '../load/lazy-source.js';
import { canonicalIP } from '../net/ip.js';
import { normalizeSelector } from '../model/normalize.js';
import type { LabelSelector, Protocol } from '../model/types.js';
import { kubectlValueAt } from '../validate/yaml11.js';
import type { TierKindSpec } from './kinds.js';
import type { ClusterPolicy, Node, TierPeer, TierPort, TierRule, TierSubject } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** `namespaceSelector` of a NamespacedPod is not omitempty: absent, it is the empty selector (every namespace). */
function namespacedPod(v: unknown): { namespaceSelector: LabelSelector; podSelector: LabelSelector } {
  const o = isObj(v) ? v : {};
  return { namespaceSelector: normalizeSelector(o['namespaceSelector']), podSelector: normalizeSelector(o['podSelector']) };
}

function subjectOf(v: unknown): TierSubject {
  const o = isObj(v) ? v : {};
  if (isObj(o['pods'])) return { kind: 'pods', ...namespacedPod(o['pods']) };
  return { kind: 'namespaces', namespaceSelector: normalizeSelector(o['namespaces']) };
}

function peerOf(v: unknown, index: number, fields: readonly string[]): TierPeer {
  const o = isObj(v) ? v : {};
  const set = fields.filter((f) => o[f] !== undefined && o[f] !== null);
  // No known field (a field of a newer CRD version, say): the peer fails closed.
  if (set.length !== 1) return { kind: 'unknown', index };
  switch (set[0]) {
    case 'namespaces':
      return { kind: 'namespaces', index, namespaceSelector: normalizeSelector(o['namespaces']) };
    case 'pods':
      return { kind: 'pods', index, ...namespacedPod(o['pods']) };
    case 'nodes':
      return { kind: 'nodes', index, nodeSelector: normalizeSelector(o['nodes']) };
    case 'networks':
      return { kind: 'networks', index, cidrs: list(o['networks']).map(String) };
    default:
      return { kind: 'domainNames', index, names: list(o['domainNames']).map(String) };
  }
}

const PROTOCOL_OF: Readonly<Record<string, Protocol>> = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' };

function protocolsOf(obj: LoadedObject, base: (string | number)[], v: unknown): TierPort[] | null {
  const entries = list(v);
  if (entries.length === 0) return null;
  const read = (path: (string | number)[]) => kubectlValueAt(obj, [...base, ...path]);
  return entries.map((e, index): TierPort => {
    const o = isObj(e) ? e : {};
    const named = str(o['destinationNamedPort']);
    if (named !== undefined) return { kind: 'named', index, name: named };
    const key = Object.keys(PROTOCOL_OF).find((k) => isObj(o[k])) ?? 'tcp';
    const protocol = PROTOCOL_OF[key]!;
    const n = read([index, key, 'destinationPort', 'number']);
    if (typeof n === 'number') return { kind: 'port', index, protocol, start: n, end: n };
    const s = read([index, key, 'destinationPort', 'range', 'start']);
    const en = read([index, key, 'destinationPort', 'range', 'end']);
    if (typeof s === 'number' && typeof en === 'number') return { kind: 'port', index, protocol, start: s, end: en };
    return { kind: 'protocol', index, protocol };
  });
}

function anpPortsOf(obj: LoadedObject, base: (string | number)[], v: unknown): TierPort[] | null {
  const entries = list(v);
  if (entries.length === 0) return null;
  const read = (path: (string | number)[]) => kubectlValueAt(obj, [...base, ...path]);
  return entries.map((e, index): TierPort => {
    const o = isObj(e) ? e : {};
    const named = str(o['namedPort']);
    if (named !== undefined) return { kind: 'named', index, name: named };
    const f = isObj(o['portRange']) ? 'portRange' : 'portNumber';
    const holder = isObj(o[f]) ? (o[f] as Obj) : {};
    const protocol = (str(holder['protocol']) ?? 'TCP') as Protocol;
    if (f === 'portNumber') {
      const p = read([index, f, 'port']);
      return typeof p === 'number' ? { kind: 'port', index, protocol, start: p, end: p } : { kind: 'protocol', index, protocol };
    }
    const s = read([index, f, 'start']);
    const en = read([index, f, 'end']);
    return typeof s === 'number' && typeof en === 'number' ? { kind: 'port', index, protocol, start: s, end: en } : { kind: 'protocol', index, protocol };
  });
}

function rulesOf(obj: LoadedObject, kind: TierKindSpec, spec: Obj, direction: 'ingress' | 'egress'): TierRule[] {
  const fields = direction === 'ingress' ? kind.ingressPeerFields : kind.egressPeerFields;
  return list(spec[direction]).map((v, index): TierRule => {
    const o = isObj(v) ? v : {};
    const written = str(o['action']) ?? '';
    const action = kind.actions[written] ?? 'Deny';
    const peers = list(o[direction === 'ingress' ? 'from' : 'to']).map((p, k) => peerOf(p, k, fields));
    const base = ['spec', direction, index, kind.portsField];
    const ports = kind.portsField === 'protocols' ? protocolsOf(obj, base, o['protocols']) : anpPortsOf(obj, base, o['ports']);
    const rule: TierRule = { direction, index, action, writtenAction: written, peers, ports };
    const name = str(o['name']);
    if (name) rule.name = name;
    // Fail closed (the API's words): an Accept rule matches nothing, a Deny or Pass rule becomes a deny-all.
    if (peers.length === 0 || peers.some((p) => p.kind === 'unknown')) rule.failClosed = action === 'Accept' ? 'match-nothing' : 'deny-all';
    return rule;
  });
}

/** The model of a cluster policy that passed validation. */
export function normalizeClusterPolicy(obj: LoadedObject, kind: TierKindSpec): ClusterPolicy {
  const spec = isObj(obj.raw['spec']) ? obj.raw['spec'] : {};
  const tier = kind.fixedTier ?? (spec['tier'] === 'Baseline' ? 'Baseline' : 'Admin');
  const p = kubectlValueAt(obj, ['spec', 'priority']);
  const policy: ClusterPolicy = {
    ref: { kind: kind.kind, name: obj.name },
    id: `${kind.short}/${obj.name}`,
    tier,
    priority: kind.priority && typeof p === 'number' ? p : null,
    subject: subjectOf(spec['subject']),
    ingress: rulesOf(obj, kind, spec, 'ingress'),
    egress: rulesOf(obj, kind, spec, 'egress'),
    locate: obj.locate,
  };
  return sourceFrom(policy, obj);
}

export function nodeOf(obj: LoadedObject): Node {
  const meta = isObj(obj.raw['metadata']) ? obj.raw['metadata'] : {};
  const status = isObj(obj.raw['status']) ? obj.raw['status'] : {};
  const labels: Record<string, string> = {};
  if (isObj(meta['labels'])) for (const [k, v] of Object.entries(meta['labels'])) if (v !== null && v !== undefined) labels[k] = String(v);
  const addresses = new Set<string>();
  for (const a of list(status['addresses'])) {
    const ip = isObj(a) ? canonicalIP(String(a['address'] ?? '')) : undefined;
    // Hostname entries are names, not addresses: only IPs can match a packet.
    if (ip) addresses.add(ip);
  }
  const node: Node = { name: obj.name, labels, addresses: [...addresses] };
  return sourceFrom(node, obj);
}

/** Evaluation order within a tier: priority (lower first; a BANP, which has none, last), then name, then kind. */
export function compareClusterPolicies(a: ClusterPolicy, b: ClusterPolicy): number {
  if (a.tier !== b.tier) return a.tier === 'Admin' ? -1 : 1;
  const pa = a.priority ?? Infinity;
  const pb = b.priority ?? Infinity;
  if (pa !== pb) return pa - pb;
  if (a.ref.name !== b.ref.name) return a.ref.name < b.ref.name ? -1 : 1;
  return a.ref.kind < b.ref.kind ? -1 : a.ref.kind > b.ref.kind ? 1 : 0;
}
