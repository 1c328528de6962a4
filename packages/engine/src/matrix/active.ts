import type { Cluster, Policy, PortSpec, Protocol, Rule } from '../model/types.js';
import { setBit } from './bitset.js';
import type { ClassModel } from './classes.js';
import type { MatrixColumn } from './columns.js';
import type { ActiveRule, ActiveRules, PortOk } from './delta.js';

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

/** The rules with ports that admit this column; columns with the same ones share a result. */
export function activeRules(b: ColumnRules, col: MatrixColumn, named: NamedMasks): ActiveRules {
  const sig: string[] = [];
  const pick = (list: ReadonlyArray<{ policy: ActiveRule['policy']; rule: Rule }>, tag: string) => {
    const out: ActiveRule[] = [];
    list.forEach(({ policy, rule }, i) => {
      const ok = portOk(b, rule, col, named);
      if (ok === false) return;
      out.push({ policy, rule, ok });
      if (ok === true) sig.push(`${tag}${i}`);
      else sig.push(`${tag}${i}:${maskText(ok)}`);
    });
    return out;
  };
  const ingress = pick(b.specific.ingress, 'i');
  const egress = pick(b.specific.egress, 'e');
  return { signature: sig.join(','), ingress, egress };
}

function portOk(b: ColumnRules, rule: Rule, col: MatrixColumn, named: NamedMasks): PortOk {
  let mask: Uint32Array | undefined;
  for (const s of rule.ports ?? []) {
    const r = specOk(s, col, (n) => namedMaskOf(b, named, n, col.protocol, col.port));
    if (r === true) return true;
    if (r instanceof Uint32Array) {
      if (!mask) mask = r;
      else {
        const m = new Uint32Array(b.W);
        for (let k = 0; k < b.W; k++) m[k] = mask[k]! | r[k]!;
        mask = m;
      }
    }
  }
  return mask ?? false;
}

/** The destination classes serving `name` on `protocol` at `port` (shared with the cluster policy tiers). */
export function namedMaskOf(b: ColumnRules, named: NamedMasks, name: string, protocol: Protocol, port: number): Uint32Array | undefined {
  const key = `${name}/${protocol}`;
  let byPort = named.get(key);
  if (!byPort) {
    byPort = new Map();
    for (let c = 0; c < b.K; c++) {
      const pod = b.cm.pod[c];
      if (!pod) continue;
      for (const cp of pod.containerPorts) {
        if (cp.name !== name || cp.protocol !== protocol) continue;
        let m = byPort.get(cp.port);
        if (!m) byPort.set(cp.port, (m = new Uint32Array(b.W)));
        setBit(m, 0, c);
      }
    }
    named.set(key, byPort);
  }
  return byPort.get(port);
}

function specOk(s: PortSpec, col: MatrixColumn, named: (name: string) => Uint32Array | undefined): PortOk {
  if (s.protocol !== col.protocol) return false;
  if (s.port === null) return true;
  if (typeof s.port === 'number') return col.port >= s.port && col.port <= (s.endPort ?? s.port);
  return named(s.port) ?? false;
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
