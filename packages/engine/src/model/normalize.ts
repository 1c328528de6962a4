import type { LabelRequirement, LabelSelector, Peer, Policy, PortSpec, Protocol, Rule, SelectorOperator } from './types.js';
import type { LoadedObject } from '../load/load.js';
import { sourceFrom } from '../load/lazy-source.js';
import { kubectlValueAt } from '../validate/yaml11.js';

const EMPTY: LabelSelector = { matchLabels: {}, matchExpressions: [] };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function normalizeSelector(v: unknown): LabelSelector {
  if (!isObj(v)) return EMPTY;
  const matchLabels: Record<string, string> = {};
  if (isObj(v['matchLabels'])) for (const [k, val] of Object.entries(v['matchLabels'])) matchLabels[k] = String(val);
  const matchExpressions: LabelRequirement[] = [];
  for (const e of list(v['matchExpressions'])) {
    if (!isObj(e)) continue;
    matchExpressions.push({
      key: String(e['key'] ?? ''),
      operator: String(e['operator'] ?? '') as SelectorOperator,
      values: list(e['values']).map(String),
    });
  }
  return { matchLabels, matchExpressions };
}

/** Reads a scalar as kubectl sends it (YAML 1.1: `0777` is octal), by field path. */
type Reader = (path: readonly (string | number)[]) => unknown;

function normalizePorts(v: unknown, read: Reader, base: readonly (string | number)[]): PortSpec[] | null {
  const ports = list(v);
  if (ports.length === 0) return null;
  return ports.map((p, index): PortSpec => {
    const o = isObj(p) ? p : {};
    const raw = read([...base, index, 'port']);
    const endPort = read([...base, index, 'endPort']);
    const port = typeof raw === 'number' ? raw : typeof raw === 'string' ? (/^\d+$/.test(raw) ? Number(raw) : raw) : null;
    return {
      index,
      // Defaulting: a port without protocol is TCP.
      protocol: (typeof o['protocol'] === 'string' ? o['protocol'] : 'TCP') as Protocol,
      port,
      endPort: typeof endPort === 'number' ? endPort : null,
    };
  });
}

function normalizePeers(v: unknown): Peer[] | null {
  const peers = list(v);
  if (peers.length === 0) return null;
  return peers.map((p, index): Peer => {
    const o = isObj(p) ? p : {};
    if (isObj(o['ipBlock'])) {
      const b = o['ipBlock'];
      return { kind: 'ipBlock', index, cidr: String(b['cidr'] ?? ''), except: list(b['except']).map(String) };
    }
    return {
      kind: 'pods',
      index,
      namespaceSelector: 'namespaceSelector' in o && o['namespaceSelector'] !== null ? normalizeSelector(o['namespaceSelector']) : null,
      podSelector: 'podSelector' in o && o['podSelector'] !== null ? normalizeSelector(o['podSelector']) : null,
    };
  });
}

function normalizeRules(v: unknown, direction: 'ingress' | 'egress', read: Reader): Rule[] {
  return list(v).map((r, index) => {
    const o = isObj(r) ? r : {};
    return {
      direction,
      index,
      peers: normalizePeers(direction === 'ingress' ? o['from'] : o['to']),
      ports: normalizePorts(o['ports'], read, ['spec', direction, index, 'ports']),
    };
  });
}

/** The policyTypes the API server writes into a NetworkPolicy spec that has none: Ingress, plus Egress with egress rules. */
export function defaultPolicyTypes(spec: Record<string, unknown>): ('Ingress' | 'Egress')[] {
  return list(spec['egress']).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

/**
 * Applies the API server's defaulting to a NetworkPolicy that passed validation:
 * policyTypes absent or empty becomes [Ingress], plus Egress when spec.egress has a rule; protocol defaults to TCP.
 */
export function normalizePolicy(obj: LoadedObject): Policy {
  const spec = isObj(obj.raw['spec']) ? obj.raw['spec'] : {};
  const namespace = obj.namespace ?? 'default';
  const read: Reader = (path) => kubectlValueAt(obj, path);
  const ingress = normalizeRules(spec['ingress'], 'ingress', read);
  const egress = normalizeRules(spec['egress'], 'egress', read);
  const written = list(spec['policyTypes']).map(String);
  const defaulted = written.length === 0;
  const types: string[] = defaulted ? defaultPolicyTypes(spec) : written;
  const policy: Policy = {
    id: `${namespace}/${obj.name}`,
    namespace,
    name: obj.name,
    podSelector: normalizeSelector(spec['podSelector']),
    ingressIsolation: types.includes('Ingress'),
    egressIsolation: types.includes('Egress'),
    policyTypesDefaulted: defaulted,
    ingress,
    egress,
    locate: obj.locate,
  };
  // Positions of large JSON inputs are computed only when asked for.
  return sourceFrom(policy, obj);
}
