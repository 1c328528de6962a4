import type { Cluster, Policy, PortSpec, Rule } from '../model/types.js';
import type { Endpoint } from '../eval/types.js';
import { canonicalIP } from '../net/ip.js';
import { resolveNamedPort, type PortProto } from '../ports/ports.js';
import { forEachBit, getBit, popcount32, setBit } from './bitset.js';
import { buildClasses, type ClassModel } from './classes.js';
import { defaultColumns, explicitColumns, type MatrixColumn } from './columns.js';

export interface MatrixOptions {
  /** Columns to compute; default: every port class of the input (see defaultColumns). */
  ports?: readonly PortProto[];
  /** Outside addresses to add as endpoints, in this order. */
  ips?: readonly string[];
}

export interface Matrix {
  /** Pods as `ns/name` sorted by namespace then name, then the outside addresses in the order given. */
  endpoints: readonly string[];
  podCount: number;
  columns: readonly MatrixColumn[];
  /** Can endpoint i open a connection to endpoint j in column `col`? undefined when both are outside addresses. */
  allowed(col: number, i: number, j: number): boolean | undefined;
  /** Row i of column `col` as text: '1' allowed, '0' denied, '-' both outside addresses. */
  row(col: number, i: number): string;
  /** Number of allowed (i, j) pairs in the column, i = j included, outside-to-outside pairs excluded. */
  allowedPairs(col: number): number;
  /** Number of pod classes and distinct column results: how much work was shared. */
  stats: { classes: number; distinctColumns: number };
}

type PortOk = boolean | Uint32Array;

/** Computes who can reach whom on each port, for every pod and the given outside addresses. */
export function computeMatrix(cluster: Cluster, options: MatrixOptions = {}): Matrix {
  const ips = (options.ips ?? []).map((ip) => canonicalIP(ip) ?? ip);
  const cm = buildClasses(cluster, ips);
  const columns = options.ports ? explicitColumns(options.ports) : defaultColumns(cluster);
  const podCount = cluster.pods.length;
  const endpoints = [...cluster.pods.map((p) => `${p.namespace}/${p.name}`), ...ips];

  // Columns whose rules all answer alike share one computed result.
  const resultBySig = new Map<string, Uint32Array>();
  const colResult: Uint32Array[] = [];
  for (const col of columns) {
    const portOk = portMatcher(cm, col);
    const sig = signature(cluster, portOk);
    let res = resultBySig.get(sig);
    if (!res) {
      res = computeColumn(cm, cluster, portOk);
      resultBySig.set(sig, res);
    }
    colResult.push(res);
  }

  const overrides = ownNodePairs(cluster, ips, endpoints.length);
  const W = cm.words;
  const isIp = (i: number) => i >= podCount;
  const allowed = (col: number, i: number, j: number): boolean | undefined => {
    if (isIp(i) && isIp(j)) return undefined;
    if (i === j) return true;
    if (overrides.has(i * endpoints.length + j)) return true;
    return getBit(colResult[col]!, cm.classOf[i]! * W, cm.classOf[j]!);
  };
  const counts = new Map<Uint32Array, number>();
  return {
    endpoints,
    podCount,
    columns,
    allowed,
    row(col, i) {
      let s = '';
      for (let j = 0; j < endpoints.length; j++) {
        const a = allowed(col, i, j);
        s += a === undefined ? '-' : a ? '1' : '0';
      }
      return s;
    },
    allowedPairs(col) {
      const res = colResult[col]!;
      let n = counts.get(res);
      if (n === undefined) {
        n = countPairs(cm, res, podCount);
        counts.set(res, n);
      }
      let extra = 0;
      for (const key of overrides) {
        const i = Math.floor(key / endpoints.length);
        const j = key % endpoints.length;
        if (!getBit(res, cm.classOf[i]! * W, cm.classOf[j]!)) extra++;
      }
      return n + extra;
    },
    stats: { classes: cm.count, distinctColumns: resultBySig.size },
  };
}

/** For each rule, whether it admits the column: always, never, or for the destination classes in a mask (named ports). */
function portMatcher(cm: ClassModel, col: MatrixColumn): (rule: Rule, direction: 'ingress' | 'egress') => PortOk {
  const cache = new WeakMap<Rule, PortOk>();
  const namedCache = new Map<string, Uint32Array>();
  const namedMask = (name: string): Uint32Array => {
    let m = namedCache.get(name);
    if (m) return m;
    m = new Uint32Array(cm.words);
    for (let c = 0; c < cm.count; c++) {
      const pod = cm.pod[c];
      if (pod && resolveNamedPort(pod, name, col.protocol).includes(col.port)) setBit(m, 0, c);
    }
    namedCache.set(name, m);
    return m;
  };
  return (rule) => {
    const hit = cache.get(rule);
    if (hit !== undefined) return hit;
    let result: PortOk;
    if (rule.ports === null) result = true;
    else {
      let mask: Uint32Array | undefined;
      result = false;
      for (const s of rule.ports) {
        const r = specOk(s, col, namedMask);
        if (r === true) {
          result = true;
          break;
        }
        if (r instanceof Uint32Array) {
          mask ??= new Uint32Array(cm.words);
          for (let k = 0; k < cm.words; k++) mask[k]! |= r[k]!;
        }
      }
      if (result !== true && mask) result = mask;
    }
    cache.set(rule, result);
    return result;
  };
}

function specOk(s: PortSpec, col: MatrixColumn, namedMask: (name: string) => Uint32Array): PortOk {
  if (s.protocol !== col.protocol) return false;
  if (s.port === null) return true;
  if (typeof s.port === 'number') return col.port >= s.port && col.port <= (s.endPort ?? s.port);
  return namedMask(s.port);
}

function signature(cluster: Cluster, portOk: (rule: Rule, d: 'ingress' | 'egress') => PortOk): string {
  const parts: string[] = [];
  const maskIds = new Map<Uint32Array, number>();
  for (const p of cluster.policies) {
    for (const r of p.ingress) parts.push(code(portOk(r, 'ingress'), maskIds));
    for (const r of p.egress) parts.push(code(portOk(r, 'egress'), maskIds));
  }
  return parts.join('');
}

function code(ok: PortOk, ids: Map<Uint32Array, number>): string {
  if (ok === true) return 'A';
  if (ok === false) return 'N';
  // Masks are cached per name and column; equal content still gets compared by value.
  let s = 'M';
  for (let k = 0; k < ok.length; k++) if (ok[k] !== 0) s += `${k}:${ok[k]},`;
  void ids;
  return `${s};`;
}

/**
 * The class matrix of one column: row S, bit D set when class S may open a connection to class D.
 * Ingress is gathered source-major (for each rule, its sources get the admitted destinations) so that the final row is
 * one AND of the source's egress with what admits it; no transpose is needed.
 */
function computeColumn(cm: ClassModel, cluster: Cluster, portOk: (rule: Rule, d: 'ingress' | 'egress') => PortOk): Uint32Array {
  const K = cm.count;
  const W = cm.words;
  const inFrom = new Uint32Array(K * W);

  // Destinations not isolated for ingress admit everyone.
  const open = new Uint32Array(W);
  for (let c = 0; c < K; c++) if (cm.ingressPolicies[c]!.length === 0) setBit(open, 0, c);

  const seen = new Set<string>();
  const tmp = new Uint32Array(W);
  for (const policy of cluster.policies) {
    if (!policy.ingressIsolation) continue;
    const sel = cm.selectedBy(policy);
    for (const rule of policy.ingress) {
      const ok = portOk(rule, 'ingress');
      if (ok === false) continue;
      let dst = sel;
      if (ok instanceof Uint32Array) {
        for (let k = 0; k < W; k++) tmp[k] = sel[k]! & ok[k]!;
        dst = tmp;
      }
      const dsts: number[] = [];
      forEachBit(dst, 0, W, (d) => dsts.push(d));
      if (dsts.length === 0) continue;
      const srcs = cm.peersOf(policy, rule);
      const key = dedupeKey(srcs, dst);
      if (key !== undefined) {
        if (seen.has(key)) continue;
        seen.add(key);
      }
      if (dsts.length * 2 < W) {
        // Few destinations: setting their bits is cheaper than OR-ing whole rows.
        forEachBit(srcs, 0, W, (s) => {
          const off = s * W;
          for (const d of dsts) inFrom[off + (d >>> 5)]! |= 1 << (d & 31);
        });
      } else {
        forEachBit(srcs, 0, W, (s) => {
          const off = s * W;
          for (let k = 0; k < W; k++) inFrom[off + k]! |= dst[k]!;
        });
      }
    }
  }

  // Egress rows, shared by classes that the same policies isolate.
  const egressCache = new Map<string, Uint32Array | null>();
  const egressOf = (c: number): Uint32Array | null => {
    const pols = cm.egressPolicies[c]!;
    if (pols.length === 0) return null; // not isolated: every destination
    const key = pols.map((p) => p.id).join('\u0000');
    let row = egressCache.get(key);
    if (row !== undefined) return row;
    row = new Uint32Array(W);
    for (const p of pols) {
      for (const rule of p.egress) {
        const ok = portOk(rule, 'egress');
        if (ok === false) continue;
        const peers = cm.peersOf(p, rule);
        if (ok === true) for (let k = 0; k < W; k++) row[k]! |= peers[k]!;
        else for (let k = 0; k < W; k++) row[k]! |= peers[k]! & ok[k]!;
      }
    }
    egressCache.set(key, row);
    return row;
  };

  for (let s = 0; s < K; s++) {
    const off = s * W;
    const e = egressOf(s);
    if (e === null) for (let k = 0; k < W; k++) inFrom[off + k] = inFrom[off + k]! | open[k]!;
    else for (let k = 0; k < W; k++) inFrom[off + k] = e[k]! & (inFrom[off + k]! | open[k]!);
  }
  return inFrom;
}

function dedupeKey(srcs: Uint32Array, dst: Uint32Array): string | undefined {
  // Only small sets are worth remembering; large ones rarely repeat exactly.
  if (dst.length > 64) return undefined;
  return `${Array.prototype.join.call(srcs, ',')}|${Array.prototype.join.call(dst, ',')}`;
}

function countPairs(cm: ClassModel, res: Uint32Array, podCount: number): number {
  const W = cm.words;
  const size = cm.members.map((m) => m.length);
  const isIpClass = (c: number) => cm.pod[c] === undefined;
  let total = 0;
  for (let s = 0; s < cm.count; s++) {
    const off = s * W;
    let rowSum = 0;
    const ipRow = isIpClass(s);
    for (let k = 0; k < W; k++) {
      let w = res[off + k]!;
      if (w === 0) continue;
      if (w === -1 >>> 0 && !ipRow) {
        // A full word: sum its 32 class sizes directly.
        for (let b = 0; b < 32; b++) rowSum += size[(k << 5) + b] ?? 0;
        continue;
      }
      while (w !== 0) {
        const t = w & -w;
        const d = (k << 5) + 31 - Math.clz32(t);
        if (!(ipRow && isIpClass(d))) rowSum += size[d]!;
        w ^= t;
      }
    }
    total += rowSum * size[s]!;
    // A pod always reaches itself: add the diagonal when the class does not reach its own members.
    if (!ipRow && !getBit(res, off, s)) total += size[s]!;
  }
  void popcount32;
  void podCount;
  return total;
}

/** Pairs allowed because they join a pod and its own node (hostNetwork pods and node addresses). */
function ownNodePairs(cluster: Cluster, ips: readonly string[], n: number): Set<number> {
  const out = new Set<number>();
  const pods = cluster.pods;
  const byNode = new Map<string, number[]>();
  pods.forEach((p, i) => {
    for (const key of [p.nodeName ? `n:${p.nodeName}` : undefined, p.hostIP ? `ip:${p.hostIP}` : undefined]) {
      if (!key) continue;
      const l = byNode.get(key);
      if (l) l.push(i);
      else byNode.set(key, [i]);
    }
  });
  pods.forEach((p, i) => {
    if (!p.hostNetwork) return;
    for (const key of [p.nodeName ? `n:${p.nodeName}` : undefined, p.hostIP ? `ip:${p.hostIP}` : undefined]) {
      for (const j of key ? (byNode.get(key) ?? []) : []) {
        if (j === i) continue;
        out.add(i * n + j);
        out.add(j * n + i);
      }
    }
  });
  ips.forEach((ip, k) => {
    for (const j of byNode.get(`ip:${ip}`) ?? []) {
      out.add((pods.length + k) * n + j);
      out.add(j * n + pods.length + k);
    }
  });
  return out;
}

/** The endpoint a matrix index stands for, to evaluate or explain one cell. */
export function endpointAt(cluster: Cluster, matrix: Matrix, i: number): Endpoint {
  return i < matrix.podCount ? { kind: 'pod', pod: cluster.pods[i]! } : { kind: 'ip', ip: matrix.endpoints[i]! };
}

export type { Policy };
