import type { Cluster, Policy, Protocol, Rule } from '../model/types.js';
import { setBit } from './bitset.js';
import type { ClassModel } from './classes.js';
import type { MatrixColumn } from './columns.js';
import type { ActiveRules } from './delta.js';

/** Destination classes that serve a port name on a protocol, per port number: `name/protocol` → number → mask. */
export type NamedMasks = Map<string, Map<number, Uint32Array>>;

/** Rules with ports, per direction, of policies that isolate in that direction: the rules that tell columns apart. */
export interface PortRules {
  ingress: Array<{ policy: Policy; rule: Rule }>;
  egress: Array<{ policy: Policy; rule: Rule }>;
}

export function portRules(cluster: Cluster): PortRules {
  const out: PortRules = { ingress: [], egress: [] };
  for (const policy of cluster.policies) {
    if (policy.ingressIsolation) for (const rule of policy.ingress) if (rule.ports !== null) out.ingress.push({ policy, rule });
    if (policy.egressIsolation) for (const rule of policy.egress) if (rule.ports !== null) out.egress.push({ policy, rule });
  }
  return out;
}

/** What a column's rules are read against: the classes and the rules with ports (the base matrix is one). */
export interface ColumnRules {
  readonly cm: ClassModel;
  readonly K: number;
  readonly W: number;
  readonly specific: PortRules;
}

/**
 * The rules with ports that admit each column; columns with the same ones share a result. Found rule by rule: a rule
 * names a few columns, and asking every rule about every column cost more than counting some of them.
 */
export function activeRules(b: ColumnRules, cols: readonly MatrixColumn[], named: NamedMasks): ActiveRules[] {
  const byPort = columnsByPort(cols);
  const out = cols.map((): ActiveRules => ({ signature: '', ingress: [], egress: [] }));
  // A column's signature: per admitting rule its place and direction, and for a named port the mask's content.
  const codes: number[][] = cols.map(() => []);
  const maskIds = new Map<string, number>();
  const pick = (list: ReadonlyArray<{ policy: Policy; rule: Rule }>, dir: 'ingress' | 'egress') => {
    list.forEach(({ policy, rule }, i) => {
      for (const [c, ok] of admitted(b, rule, byPort, named)) {
        out[c]![dir].push({ policy, rule, ok });
        const code = i * 4 + (dir === 'egress' ? 2 : 0);
        if (ok === true) codes[c]!.push(code);
        else {
          const text = maskText(ok);
          let id = maskIds.get(text);
          if (id === undefined) maskIds.set(text, (id = maskIds.size));
          codes[c]!.push(code + 1, id);
        }
      }
    });
  };
  pick(b.specific.ingress, 'ingress');
  pick(b.specific.egress, 'egress');
  out.forEach((a, c) => (a.signature = keyOf(codes[c]!)));
  return out;
}

/**
 * Integers below 2^33 as a short string key: three characters of 11 bits each, from U+4000 (no surrogates, no `;`,
 * which joins a column's signature to its tiers'). Joining numbers as text cost more than finding the rules.
 */
function keyOf(codes: readonly number[]): string {
  const units = new Uint16Array(codes.length * 3);
  codes.forEach((n, i) => {
    units[3 * i] = 0x4000 + (n & 0x7ff);
    units[3 * i + 1] = 0x4000 + ((n >>> 11) & 0x7ff);
    units[3 * i + 2] = 0x4000 + Math.floor(n / 0x400000);
  });
  let s = '';
  for (let i = 0; i < units.length; i += 8190) s += String.fromCharCode(...units.subarray(i, i + 8190));
  return s;
}

/** Per protocol, [probe port, column index] of its columns, by port. */
type ColumnsByPort = Map<Protocol, Array<[number, number]>>;

function columnsByPort(cols: readonly MatrixColumn[]): ColumnsByPort {
  const out: ColumnsByPort = new Map();
  cols.forEach((col, c) => {
    const l = out.get(col.protocol);
    if (l) l.push([col.port, c]);
    else out.set(col.protocol, [[col.port, c]]);
  });
  for (const l of out.values()) l.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return out;
}

/**
 * The columns a rule admits and how (every destination, or those serving a named port), by column index, in column
 * order. A column is probed at its `port`: every port it stands for gets the same answer from every rule.
 */
function admitted(b: ColumnRules, rule: Rule, byPort: ColumnsByPort, named: NamedMasks): Array<[number, true | Uint32Array]> {
  const out = new Map<number, true | Uint32Array>();
  const add = (c: number, ok: true | Uint32Array) => {
    const was = out.get(c);
    if (was === true) return;
    if (ok === true || was === undefined) out.set(c, ok);
    else {
      // Two named ports on one column: destinations serving either.
      const m = new Uint32Array(b.W);
      for (let k = 0; k < b.W; k++) m[k] = was[k]! | ok[k]!;
      out.set(c, m);
    }
  };
  for (const s of rule.ports ?? []) {
    const list = byPort.get(s.protocol);
    if (!list) continue;
    if (s.port === null) for (const [, c] of list) add(c, true);
    else if (typeof s.port === 'number') {
      const to = s.endPort ?? s.port;
      for (let k = lowerBound(list, s.port); k < list.length && list[k]![0] <= to; k++) add(list[k]![1], true);
    } else {
      for (const [port, mask] of namedMasksOf(b, named, s.port, s.protocol)) {
        for (let k = lowerBound(list, port); k < list.length && list[k]![0] === port; k++) add(list[k]![1], mask);
      }
    }
  }
  return [...out].sort((x, y) => x[0] - y[0]);
}

/** The first entry whose port is at least `port`. */
function lowerBound(list: ReadonlyArray<[number, number]>, port: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]![0] < port) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The destination classes serving `name` on `protocol` at `port` (shared with the cluster policy tiers). */
export function namedMaskOf(b: ColumnRules, named: NamedMasks, name: string, protocol: Protocol, port: number): Uint32Array | undefined {
  return namedMasksOf(b, named, name, protocol).get(port);
}

/** Per port number, the destination classes serving `name` on `protocol` there. */
function namedMasksOf(b: ColumnRules, named: NamedMasks, name: string, protocol: Protocol): ReadonlyMap<number, Uint32Array> {
  const key = `${name}/${protocol}`;
  let byPort = named.get(key);
  if (!byPort) {
    // Every name the rules use at once: one pass over the classes instead of one per name.
    const wanted = new Set([key, ...namesOf(b.specific)]);
    for (const k of wanted) if (named.has(k)) wanted.delete(k);
    for (const k of wanted) named.set(k, new Map());
    for (let c = 0; c < b.K; c++) {
      const pod = b.cm.pod[c];
      if (!pod) continue;
      for (const cp of pod.containerPorts) {
        if (cp.name === undefined) continue;
        const k = `${cp.name}/${cp.protocol}`;
        if (!wanted.has(k)) continue;
        const masks = named.get(k)!;
        let m = masks.get(cp.port);
        if (!m) masks.set(cp.port, (m = new Uint32Array(b.W)));
        setBit(m, 0, c);
      }
    }
    byPort = named.get(key)!;
  }
  return byPort;
}

/** The `name/protocol` of every named port the rules with ports use. */
function namesOf(rules: PortRules): Set<string> {
  const out = new Set<string>();
  for (const { rule } of [...rules.ingress, ...rules.egress]) for (const s of rule.ports ?? []) if (typeof s.port === 'string') out.add(`${s.port}/${s.protocol}`);
  return out;
}

/** Masks come from namedMask's cache, so most are seen once per column: their text is kept with them. */
const maskTexts = new WeakMap<Uint32Array, string>();
function maskText(m: Uint32Array): string {
  let s = maskTexts.get(m);
  if (s !== undefined) return s;
  s = '';
  for (let k = 0; k < m.length; k++) if (m[k] !== 0) s += `${k}.${m[k]}`;
  maskTexts.set(m, s);
  return s;
}
