import type { Cluster } from '../model/types.js';
import type { Endpoint } from '../eval/types.js';
import { canonicalIP } from '../net/ip.js';
import type { PortProto } from '../ports/ports.js';
import { activeRules, namedMaskOf, portRules, type ColumnRules, type NamedMasks } from './active.js';
import { BaseMatrix } from './base.js';
import { getBit } from './bitset.js';
import { buildClasses, type ClassModel } from './classes.js';
import { defaultColumns, explicitColumns, type MatrixColumn } from './columns.js';
import { columnSides, prepareColumn, runColumn, sideChanges, type ActiveRules, type ColumnDelta, type ColumnPatch } from './delta.js';
import { TierStage, type TierColumn } from '../tiers/matrix-stage.js';
import { FactoredCounts, factoredWork } from './factored.js';
import { assignRoles } from './roles.js';

export interface MatrixOptions {
  /** Columns to compute; default: every port class of the input (see defaultColumns). */
  ports?: readonly PortProto[];
  /** Outside addresses to add as endpoints, in this order. */
  ips?: readonly string[];
  /**
   * Only `allowedPairs` will be asked (as `matrix --count` does): the rows each column changes are then not kept, and a
   * cell asked for anyway computes its column once more.
   */
  countsOnly?: boolean;
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
  /** The first column whose answers are the same as column `col`'s in every cell (`col` itself when none before). */
  sameAs(col: number): number;
  /** How much work was shared: pod classes, and distinct column results. */
  stats: { classes: number; distinctColumns: number };
  /**
   * The class of endpoint i, 0 to stats.classes - 1: endpoints of one class answer alike in every column, as sources
   * and as destinations, except for a pair with itself and a pod with its own node (always allowed).
   */
  classOf(i: number): number;
}

/**
 * One distinct column: its pair count, counted without keeping rows, and the rows it changes, computed again on first
 * use (a `--count` never needs them).
 */
class ColumnResult {
  readonly pairs: number;
  /** Decided with the cluster policy tiers (on the rows they can change). */
  readonly tiered: boolean;
  private tierMemo: TierRows | undefined;
  constructor(
    private readonly base: BaseMatrix,
    private readonly active: ActiveRules,
    pairs: number,
    private patchMemo?: ColumnPatch | null,
    private readonly tiers?: { stage: TierStage; column: TierColumn },
    /** What the column adds to the base, shared with runColumn; not kept. */
    delta?: ColumnDelta,
  ) {
    this.tiered = tiers !== undefined;
    this.pairs = pairs + (tiers ? tiers.stage.pairsDelta(tiers.column, base, sideChanges(base, delta)) : 0);
  }

  /** The rows the tiers can change, computed on first use (a `--count` never needs them). */
  get tierRows(): TierRows | undefined {
    if (this.tiers && !this.tierMemo) this.tierMemo = tierRowsOf(this.base, this.active, this.tiers.stage, this.tiers.column);
    return this.tierMemo;
  }

  /** The added bits per changed row; null when the column is the base. */
  patch(): ColumnPatch | null {
    if (this.patchMemo === undefined) this.patchMemo = runColumn(this.base, this.active, true).patch ?? null;
    return this.patchMemo;
  }

  /** Is D allowed from S (classes)? */
  has(s: number, d: number): boolean {
    const t = this.tierRows;
    if (t && t.at[s]! >= 0) return getBit(t.data, t.at[s]!, d);
    if (getBit(this.base.base, s * this.base.W, d)) return true;
    const p = this.patch();
    return p !== null && p.has(s, d);
  }

  /** out |= row S. */
  orRow(out: Uint32Array, s: number): void {
    const W = this.base.W;
    const t = this.tierRows;
    const src = t && t.at[s]! >= 0 ? t.data : this.base.base;
    const off = t && t.at[s]! >= 0 ? t.at[s]! : s * W;
    for (let k = 0; k < W; k++) out[k]! |= src[off + k]!;
    if (src === this.base.base) this.patch()?.orInto(out, s);
  }
}

interface TierRows {
  /** Per class, the offset of its row in `data`, or -1 when no cluster policy can change it. */
  at: Int32Array;
  data: Uint32Array;
}

/** The rows a cluster policy can change, decided through the tiers from this column's NetworkPolicy sides. */
function tierRowsOf(b: BaseMatrix, active: ActiveRules, stage: TierStage, column: TierColumn): TierRows {
  const W = b.W;
  const sides = columnSides(b, active);
  const at = new Int32Array(b.K).fill(-1);
  const data = new Uint32Array(stage.rows.length * W);
  const egress = new Uint32Array(W);
  const ingress = new Uint32Array(W);
  const none = new Uint32Array(W);
  stage.rows.forEach((s, i) => {
    const isolated = sides(s, egress, ingress);
    const o = i * W;
    at[s] = o;
    stage.combine(column, s, data, o, isolated ? egress : null, ingress, 0, none, b.open);
  });
  return { at, data };
}

/**
 * Computes who can reach whom on each port, for every pod and the given outside addresses.
 *
 * Pods are grouped into classes no policy can tell apart (see buildClasses). Rules without `ports` answer every column
 * alike, so they are computed once into a base (base.ts); a column then adds only what its rules with ports admit,
 * over the word ranges those rules reach (delta.ts), and keeps no rows until a cell is asked for.
 */
export function computeMatrix(cluster: Cluster, options: MatrixOptions = {}): Matrix {
  return options.countsOnly ? countedMatrix(cluster, options) : cellMatrix(cluster, options);
}

/** The matrix from class rows (the classes given when already built). */
function cellMatrix(cluster: Cluster, options: MatrixOptions, classes?: ClassModel): Matrix {
  const { cm, base, columns, results, bySig, endpoints, podCount, overrides } = runColumns(cluster, options, classes);
  const W = cm.words;
  const n = endpoints.length;
  const hasOverrides = overrides.size > 0;
  const classAllowed = (col: number, ci: number, cj: number): boolean => {
    const r = results[col]!;
    if (r.tiered) return r.has(ci, cj);
    if ((base.base[ci * W + (cj >>> 5)]! & (1 << (cj & 31))) !== 0) return true;
    const p = r.patch();
    return p !== null && p.has(ci, cj);
  };
  // Called for every cell by consumers such as diff: no allocation here.
  const allowed = (col: number, i: number, j: number): boolean | undefined => {
    if (i >= podCount && j >= podCount) return undefined;
    if (i === j || (hasOverrides && overrides.has(i * n + j))) return true;
    return classAllowed(col, cm.classOf[i]!, cm.classOf[j]!);
  };
  return {
    endpoints,
    podCount,
    columns,
    allowed,
    row(col, i) {
      const ci = cm.classOf[i]!;
      const words = new Uint32Array(W);
      results[col]!.orRow(words, ci);
      const chars = new Array<string>(n);
      for (let j = 0; j < n; j++) {
        if (i >= podCount && j >= podCount) chars[j] = '-';
        else if (i === j || overrides.has(i * n + j)) chars[j] = '1';
        else chars[j] = getBit(words, 0, cm.classOf[j]!) ? '1' : '0';
      }
      return chars.join('');
    },
    allowedPairs(col) {
      let extra = 0;
      for (const key of overrides) {
        const i = Math.floor(key / n);
        const j = key % n;
        if (!classAllowed(col, cm.classOf[i]!, cm.classOf[j]!)) extra++;
      }
      return results[col]!.pairs + extra;
    },
    sameAs(col) {
      return results.indexOf(results[col]!);
    },
    stats: { classes: cm.count, distinctColumns: bySig.size },
    classOf: (i) => cm.classOf[i]!,
  };
}

/**
 * The matrix when only counts are asked for: each distinct column counted by roles (factored.ts), with no class rows
 * at all. A cell asked for anyway computes the whole matrix once, as without `countsOnly`.
 */
function countedMatrix(cluster: Cluster, options: MatrixOptions): Matrix {
  const ips = (options.ips ?? []).map((ip) => canonicalIP(ip) ?? ip);
  const columns = options.ports ? explicitColumns(options.ports) : defaultColumns(cluster);
  // Numbering classes by role pays only in the count by roles, which one column never takes (below).
  const cm = buildClasses(cluster, ips, { byRole: FactoredCounts.use === 'always' ? 'always' : columns.length > 1 });
  const podCount = cluster.pods.length;
  const endpoints = [...cluster.pods.map((p) => `${p.namespace}/${p.name}`), ...ips];
  const rules: ColumnRules = { cm, K: cm.count, W: cm.words, specific: portRules(cluster) };
  const named: NamedMasks = new Map();
  const stage0 = cluster.clusterPolicies.length > 0 ? new TierStage(cm, cluster, (n, p, port) => namedMaskOf(rules, named, n, p, port)) : undefined;
  const stage = stage0 && !stage0.empty ? stage0 : undefined;
  const actives = activeRules(rules, columns, named);
  const signatures = columns.map((col, c) => {
    const active = actives[c]!;
    const tier = stage?.column(col);
    return { active, tier, sig: tier ? `${active.signature};${tier.signature}` : active.signature };
  });
  const distinct = new Set(signatures.map((s) => s.sig)).size;
  // One distinct column: roles pay only when far fewer than classes, and class rows are then cheap anyway; assigning
  // roles to learn that cost kano and antrea 5–10 % of their run.
  if (FactoredCounts.use === 'auto' && distinct === 1) return cellMatrix(cluster, options, cm);
  const roles = assignRoles(cm, stage);
  // Roles pay off when they are fewer than classes or when there are many columns: else the class rows are cheaper.
  if (FactoredCounts.use === 'auto' && factoredWork(cm, roles) > cm.count * cm.words * distinct) return cellMatrix(cluster, options, cm);
  const n = endpoints.length;
  const own: Array<[number, number]> = [];
  for (const key of ownNodePairs(cluster, ips, n)) own.push([cm.classOf[Math.floor(key / n)]!, cm.classOf[key % n]!]);
  const counter = new FactoredCounts(cm, stage, roles, own);
  const bySig = new Map<string, { first: number; pairs: number }>();
  const results = signatures.map(({ active, tier, sig }, i) => {
    let r = bySig.get(sig);
    if (!r) bySig.set(sig, (r = { first: i, pairs: counter.count(active, tier, columns[i]!.protocol) }));
    return r;
  });
  let full: Matrix | undefined;
  const cells = (): Matrix => (full ??= cellMatrix(cluster, { ...options, countsOnly: false }, cm));
  return {
    endpoints,
    podCount,
    columns,
    allowed: (col, i, j) => cells().allowed(col, i, j),
    row: (col, i) => cells().row(col, i),
    allowedPairs: (col) => results[col]!.pairs,
    sameAs: (col) => results[col]!.first,
    stats: { classes: cm.count, distinctColumns: bySig.size },
    classOf: (i) => cm.classOf[i]!,
  };
}

/** The shared pipeline: classes, the port-agnostic base, and one result per distinct column. */
function runColumns(cluster: Cluster, options: MatrixOptions, classes?: ClassModel) {
  const ips = (options.ips ?? []).map((ip) => canonicalIP(ip) ?? ip);
  const cm = classes ?? buildClasses(cluster, ips);
  const columns = options.ports ? explicitColumns(options.ports) : defaultColumns(cluster);
  const podCount = cluster.pods.length;
  const endpoints = [...cluster.pods.map((p) => `${p.namespace}/${p.name}`), ...ips];
  const base = new BaseMatrix(cm, cluster);
  const bySig = new Map<string, ColumnResult>();
  const named = new Map<string, Map<number, Uint32Array>>();
  // Cluster policies: the rows they can change are decided through the tiers in every column.
  const stage0 = cluster.clusterPolicies.length > 0 ? new TierStage(cm, cluster, (n, p, port) => namedMaskOf(base, named, n, p, port)) : undefined;
  const stage = stage0 && !stage0.empty ? stage0 : undefined;
  const actives = activeRules(base, columns, named);
  const results: ColumnResult[] = columns.map((col, c) => {
    const active = actives[c]!;
    const tier = stage?.column(col);
    const sig = tier ? `${active.signature};${tier.signature}` : active.signature;
    let r = bySig.get(sig);
    if (!r) {
      const delta = prepareColumn(base, active);
      const counted = runColumn(base, active, !options.countsOnly, delta);
      r = new ColumnResult(base, active, counted.pairs, options.countsOnly ? undefined : (counted.patch ?? null), stage && tier ? { stage, column: tier } : undefined, delta);
      bySig.set(sig, r);
    }
    return r;
  });
  const overrides = ownNodePairs(cluster, ips, endpoints.length);
  return { cm, base, columns, results, bySig, endpoints, podCount, overrides };
}

/** One pod's isolation and how far it reaches, on any port. */
export interface PodReachability {
  /** `ns/name`. */
  pod: string;
  ingress: { isolated: boolean; policies: readonly string[] };
  egress: { isolated: boolean; policies: readonly string[] };
  /** Endpoints (pods and the given outside addresses) this pod may connect to on at least one port, itself excluded. */
  canReach: number;
  /** Endpoints that may connect to this pod on at least one port, itself excluded. */
  reachableFrom: number;
}

/**
 * Every pod's isolation (and by which policies) and the number of endpoints it can reach and be reached from on any
 * port: the matrix's answer folded per pod, computed one class row at a time without writing out an any-port matrix.
 */
export function summarizePods(cluster: Cluster, options: MatrixOptions = {}): PodReachability[] {
  const { cm, base, bySig, endpoints, podCount, overrides } = runColumns(cluster, options);
  const W = cm.words;
  const K = cm.count;
  const distinct = [...bySig.values()];
  const tiered = distinct.some((r) => r.tiered);
  const patches = tiered ? [] : distinct.map((r) => r.patch()).filter((p): p is ColumnPatch => p !== null);
  const size = cm.members.map((m) => m.length);
  const isIp = (c: number) => cm.pod[c] === undefined;
  const anyPort = (s: number, d: number) => (tiered ? distinct.some((r) => r.has(s, d)) : getBit(base.base, s * W, d) || patches.some((p) => p.has(s, d)));
  const out = new Float64Array(K);
  const inWeight = new Float64Array(K);
  // Rows of all ones add their weight to a whole word at once; spread over its 32 classes at the end.
  const wordWeight = new Float64Array(W);
  const row = new Uint32Array(W);
  for (let s = 0; s < K; s++) {
    if (tiered) {
      row.fill(0);
      for (const r of distinct) r.orRow(row, s);
    } else {
      row.set(base.base.subarray(s * W, s * W + W));
      for (const p of patches) p.orInto(row, s);
    }
    const ipRow = isIp(s);
    const w = size[s]!;
    let reach = 0;
    for (let k = 0; k < W; k++) {
      let x = row[k]!;
      if (x === 0) continue;
      if (x === -1 >>> 0 && !ipRow) {
        wordWeight[k]! += w;
        for (let b = 0; b < 32; b++) reach += size[(k << 5) + b] ?? 0;
        continue;
      }
      while (x !== 0) {
        const t = x & -x;
        const d = (k << 5) + 31 - Math.clz32(t);
        x ^= t;
        if (ipRow && isIp(d)) continue;
        reach += size[d]!;
        inWeight[d]! += w;
      }
    }
    // A pod is not its own peer: drop it from the count when its class reaches itself.
    if (getBit(row, 0, s)) reach -= 1;
    out[s] = reach;
  }
  for (let k = 0; k < W; k++) if (wordWeight[k]! > 0) for (let b = 0; b < 32 && (k << 5) + b < K; b++) inWeight[(k << 5) + b]! += wordWeight[k]!;

  const canReach = new Float64Array(endpoints.length);
  const reachableFrom = new Float64Array(endpoints.length);
  for (let i = 0; i < endpoints.length; i++) {
    const c = cm.classOf[i]!;
    canReach[i] = out[c]!;
    // A pod is not its own peer: drop it when its class admits itself.
    reachableFrom[i] = inWeight[c]! - (anyPort(c, c) ? 1 : 0);
  }
  // Pairs a pod has with its own node are allowed on every port, whatever the class rows say.
  const n = endpoints.length;
  for (const key of overrides) {
    const i = Math.floor(key / n);
    const j = key % n;
    if (!anyPort(cm.classOf[i]!, cm.classOf[j]!)) {
      canReach[i]! += 1;
      reachableFrom[j]! += 1;
    }
  }
  const result: PodReachability[] = [];
  for (let i = 0; i < podCount; i++) {
    const c = cm.classOf[i]!;
    const ing = cm.ingressPolicies[c]!;
    const eg = cm.egressPolicies[c]!;
    result.push({
      pod: endpoints[i]!,
      ingress: { isolated: ing.length > 0, policies: ing.map((p) => p.id) },
      egress: { isolated: eg.length > 0, policies: eg.map((p) => p.id) },
      canReach: canReach[i]!,
      reachableFrom: reachableFrom[i]!,
    });
  }
  return result;
}

/** Pairs allowed because they join a pod and its own node (hostNetwork pods and node addresses). */
function ownNodePairs(cluster: Cluster, ips: readonly string[], n: number): Set<number> {
  const out = new Set<number>();
  const pods = cluster.pods;
  const byNode = new Map<string, number[]>();
  const keysOf = (p: { nodeName?: string; hostIP?: string }) => [p.nodeName ? `n:${p.nodeName}` : undefined, p.hostIP ? `ip:${p.hostIP}` : undefined].filter((k) => k !== undefined);
  pods.forEach((p, i) => {
    for (const key of keysOf(p)) {
      const l = byNode.get(key);
      if (l) l.push(i);
      else byNode.set(key, [i]);
    }
  });
  pods.forEach((p, i) => {
    if (!p.hostNetwork) return;
    for (const key of keysOf(p)) {
      for (const j of byNode.get(key) ?? []) {
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
