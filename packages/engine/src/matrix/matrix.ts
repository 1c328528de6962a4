import type { Cluster, Policy, PortSpec, Protocol, Rule } from '../model/types.js';
import type { Endpoint } from '../eval/types.js';
import { canonicalIP } from '../net/ip.js';
import type { PortProto } from '../ports/ports.js';
import { andBits, forEachBitOf, getBit, orBits, orBitsMasked, popcount32, setBit, type Bits } from './bitset.js';
import { buildClasses, type ClassModel } from './classes.js';
import { defaultColumns, explicitColumns, type MatrixColumn } from './columns.js';
import { TierStage, type TierColumn } from '../tiers/matrix-stage.js';

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
  /** The first column whose answers are the same as column `col`'s in every cell (`col` itself when none before). */
  sameAs(col: number): number;
  /** How much work was shared: pod classes, and distinct column results. */
  stats: { classes: number; distinctColumns: number };
}

/** Whether a rule admits a column: always, never, or for the destination classes in a mask (named ports). */
type PortOk = boolean | Uint32Array;

/** One column's answer: rows that differ from the port-agnostic base (packed in `data`), and its pair count. */
interface ColumnResult {
  /** Per class, the offset of its row in `data`, or -1 when the row is the base row. */
  rowOffset: Int32Array | undefined;
  data: Uint32Array;
  pairs: number;
}

/**
 * Computes who can reach whom on each port, for every pod and the given outside addresses.
 *
 * Pods are grouped into classes no policy can tell apart (see buildClasses). Rules without `ports` answer every column
 * alike, so they are computed once into a base; a column then adds only the rules with ports that admit it, and only
 * the rows those rules touch are recomputed. Row S of a result holds the classes S may connect to:
 * its egress allowance AND the destinations that admit S (gathered source-major, so no transpose is needed).
 */
export function computeMatrix(cluster: Cluster, options: MatrixOptions = {}): Matrix {
  const { cm, engine, columns, results, bySig, endpoints, podCount, overrides } = runColumns(cluster, options);
  const W = cm.words;
  const base = engine.base;
  const rowOf = (col: number, c: number): [Uint32Array, number] => {
    const r = results[col]!;
    const o = r.rowOffset ? r.rowOffset[c]! : -1;
    return o < 0 ? [base, c * W] : [r.data, o];
  };
  const n = endpoints.length;
  const hasOverrides = overrides.size > 0;
  // Called for every cell by consumers such as diff: no allocation here.
  const allowed = (col: number, i: number, j: number): boolean | undefined => {
    if (i >= podCount && j >= podCount) return undefined;
    if (i === j || (hasOverrides && overrides.has(i * n + j))) return true;
    const r = results[col]!;
    const ci = cm.classOf[i]!;
    const o = r.rowOffset ? r.rowOffset[ci]! : -1;
    const cj = cm.classOf[j]!;
    return o < 0 ? (base[ci * W + (cj >>> 5)]! & (1 << (cj & 31))) !== 0 : (r.data[o + (cj >>> 5)]! & (1 << (cj & 31))) !== 0;
  };
  return {
    endpoints,
    podCount,
    columns,
    allowed,
    row(col, i) {
      const [words, off] = rowOf(col, cm.classOf[i]!);
      const chars = new Array<string>(endpoints.length);
      for (let j = 0; j < endpoints.length; j++) {
        if (i >= podCount && j >= podCount) chars[j] = '-';
        else if (i === j || overrides.has(i * endpoints.length + j)) chars[j] = '1';
        else chars[j] = getBit(words, off, cm.classOf[j]!) ? '1' : '0';
      }
      return chars.join('');
    },
    allowedPairs(col) {
      let extra = 0;
      for (const key of overrides) {
        const i = Math.floor(key / endpoints.length);
        const j = key % endpoints.length;
        const [words, off] = rowOf(col, cm.classOf[i]!);
        if (!getBit(words, off, cm.classOf[j]!)) extra++;
      }
      return results[col]!.pairs + extra;
    },
    sameAs(col) {
      return results.indexOf(results[col]!);
    },
    stats: { classes: cm.count, distinctColumns: bySig.size },
  };
}

/** The shared pipeline: classes, the port-agnostic base, and one result per distinct column. */
function runColumns(cluster: Cluster, options: MatrixOptions) {
  const ips = (options.ips ?? []).map((ip) => canonicalIP(ip) ?? ip);
  const cm = buildClasses(cluster, ips);
  const columns = options.ports ? explicitColumns(options.ports) : defaultColumns(cluster);
  const podCount = cluster.pods.length;
  const endpoints = [...cluster.pods.map((p) => `${p.namespace}/${p.name}`), ...ips];
  const engine = new ColumnEngine(cm, cluster);
  const bySig = new Map<string, ColumnResult>();
  const results: ColumnResult[] = columns.map((col) => {
    const active = engine.activeRules(col);
    let r = bySig.get(active.signature);
    if (!r) {
      r = engine.column(active);
      bySig.set(active.signature, r);
    }
    return r;
  });
  const overrides = ownNodePairs(cluster, ips, endpoints.length);
  return { cm, engine, columns, results, bySig, endpoints, podCount, overrides };
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
  const { cm, engine, bySig, endpoints, podCount, overrides } = runColumns(cluster, options);
  const W = cm.words;
  const K = cm.count;
  const distinct = [...bySig.values()];
  const size = cm.members.map((m) => m.length);
  const isIp = (c: number) => cm.pod[c] === undefined;
  const out = new Float64Array(K);
  const inWeight = new Float64Array(K);
  // Rows of all ones add their weight to a whole word at once; spread over its 32 classes at the end.
  const wordWeight = new Float64Array(W);
  const row = new Uint32Array(W);
  for (let s = 0; s < K; s++) {
    row.set(engine.base.subarray(s * W, s * W + W));
    for (const r of distinct) {
      const o = r.rowOffset ? r.rowOffset[s]! : -1;
      if (o >= 0) for (let k = 0; k < W; k++) row[k]! |= r.data[o + k]!;
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
    reachableFrom[i] = inWeight[c]! - (anyPortAllowed(engine, distinct, c, c, W) ? 1 : 0);
  }
  // Pairs a pod has with its own node are allowed on every port, whatever the class rows say.
  const n = endpoints.length;
  for (const key of overrides) {
    const i = Math.floor(key / n);
    const j = key % n;
    if (!anyPortAllowed(engine, distinct, cm.classOf[i]!, cm.classOf[j]!, W)) {
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

function anyPortAllowed(engine: ColumnEngine, distinct: readonly ColumnResult[], s: number, d: number, W: number): boolean {
  if (getBit(engine.base, s * W, d)) return true;
  for (const r of distinct) {
    const o = r.rowOffset ? r.rowOffset[s]! : -1;
    if (o >= 0 && getBit(r.data, o, d)) return true;
  }
  return false;
}

interface ActiveRules {
  signature: string;
  ingress: Array<{ policy: Policy; rule: Rule; ok: PortOk }>;
  egress: Array<{ policy: Policy; rule: Rule; ok: PortOk }>;
  /** The cluster policy rules this column admits, when the cluster has any. */
  tier?: TierColumn;
}

class ColumnEngine {
  readonly K: number;
  readonly W: number;
  /** Result rows from the port-agnostic rules alone. */
  readonly base: Uint32Array;
  private readonly inFromBase: Uint32Array;
  /** Destinations not isolated for ingress admit everyone. */
  private readonly open: Uint32Array;
  /** Egress rows of the port-agnostic rules, per set of isolating policies; null: not isolated. */
  private readonly egressSetOf: Int32Array;
  private readonly egressBase: Uint32Array[] = [];
  private readonly egressSetPolicies: Policy[][] = [];
  private readonly baseRowPairs: Float64Array;
  private readonly basePairs: number;
  private readonly planes: Uint32Array[];
  private readonly sizes: Int32Array;
  private readonly podMask: Uint32Array;
  private readonly all: Uint32Array;
  private readonly specific: { ingress: Array<{ policy: Policy; rule: Rule }>; egress: Array<{ policy: Policy; rule: Rule }> };
  private readonly namedMasks = new Map<string, Map<number, Uint32Array>>();
  /** The cluster policy tiers; undefined when no cluster policy can change a row. */
  private readonly tiers: TierStage | undefined;

  constructor(
    private readonly cm: ClassModel,
    private readonly cluster: Cluster,
  ) {
    const K = (this.K = cm.count);
    const W = (this.W = cm.words);
    this.all = new Uint32Array(W);
    this.podMask = new Uint32Array(W);
    this.open = new Uint32Array(W);
    for (let c = 0; c < K; c++) {
      setBit(this.all, 0, c);
      if (cm.pod[c]) setBit(this.podMask, 0, c);
      if (cm.ingressPolicies[c]!.length === 0) setBit(this.open, 0, c);
    }
    // Class sizes as bit planes: the weighted count of a row is a few popcounts.
    const sizes = (this.sizes = Int32Array.from(cm.members, (m) => m.length));
    let maxSize = 1;
    for (const x of sizes) if (x > maxSize) maxSize = x;
    this.planes = [];
    for (let b = 0; 1 << b <= maxSize; b++) {
      const plane = new Uint32Array(W);
      sizes.forEach((s, c) => {
        if (s & (1 << b)) setBit(plane, 0, c);
      });
      this.planes.push(plane);
    }

    const tiers = cluster.clusterPolicies.length > 0 ? new TierStage(cm, cluster, (n, p, port) => this.namedMask(n, p, port)) : undefined;
    this.tiers = tiers && !tiers.empty ? tiers : undefined;

    this.specific = { ingress: [], egress: [] };
    this.inFromBase = new Uint32Array(K * W);
    for (const policy of cluster.policies) {
      if (policy.ingressIsolation) {
        for (const rule of policy.ingress) {
          if (rule.ports === null) this.addIngress((c) => [this.inFromBase, c * W], cm.peersOf(policy, rule), cm.selectedBy(policy));
          else this.specific.ingress.push({ policy, rule });
        }
      }
      if (policy.egressIsolation) for (const rule of policy.egress) if (rule.ports !== null) this.specific.egress.push({ policy, rule });
    }

    this.egressSetOf = new Int32Array(K).fill(-1);
    const setIds = new Map<string, number>();
    const ids = new Map<Bits, number>();
    const idOf = (a: Bits) => {
      let id = ids.get(a);
      if (id === undefined) ids.set(a, (id = ids.size));
      return id;
    };
    const empty = new Uint32Array(W);
    const rowByKey = new Map<string, Uint32Array>([['', empty]]);
    for (let c = 0; c < K; c++) {
      const pols = cm.egressPolicies[c]!;
      if (pols.length === 0) continue;
      const key = pols.map((p) => p.id).join('\u0000');
      let id = setIds.get(key);
      if (id === undefined) {
        id = this.egressBase.length;
        setIds.set(key, id);
        // Sets of policies often allow the same peers (or none): their rows are shared, keyed by the peer sets ORed.
        const peerSets = new Set<Bits>();
        for (const p of pols) for (const rule of p.egress) if (rule.ports === null) peerSets.add(cm.peersOf(p, rule));
        const rowKey = [...peerSets].map(idOf).sort((a, b) => a - b).join(',');
        let row = rowByKey.get(rowKey);
        if (!row) {
          row = new Uint32Array(W);
          for (const peers of peerSets) orBits(row, 0, peers);
          rowByKey.set(rowKey, row);
        }
        this.egressBase.push(row);
        this.egressSetPolicies.push(pols);
      }
      this.egressSetOf[c] = id;
    }

    this.base = new Uint32Array(K * W);
    this.baseRowPairs = new Float64Array(K);
    let total = 0;
    for (let s = 0; s < K; s++) {
      const off = s * W;
      const set = this.egressSetOf[s]!;
      const e = set < 0 ? this.all : this.egressBase[set]!;
      // Egress allows nothing: the row stays empty, only the diagonal counts.
      if (e === empty) {
        const n = this.cm.pod[s] ? this.cm.members[s]!.length : 0;
        this.baseRowPairs[s] = n;
        total += n;
        continue;
      }
      combineRow(this.base, off, e, this.inFromBase, off, this.open, W);
      const n = this.rowPairs(this.base, off, s);
      this.baseRowPairs[s] = n;
      total += n;
    }
    this.basePairs = total;
  }

  /** Adds one ingress rule: every source in `srcs` is admitted by the destination classes in `dst`. */
  private addIngress(rowAt: (s: number) => [Uint32Array, number], srcs: Bits, dst: Bits): void {
    const dsts: number[] = [];
    forEachBitOf(dst, (d) => dsts.push(d));
    if (dsts.length === 0) return;
    // Few destinations: setting their bits is cheaper than OR-ing their whole window.
    const few = dsts.length < dst.words.length;
    forEachBitOf(srcs, (s) => {
      const [row, off] = rowAt(s);
      if (few) for (const d of dsts) row[off + (d >>> 5)]! |= 1 << (d & 31);
      else orBits(row, off, dst);
    });
  }

  /** Weighted count of row S: Σ over allowed D of |S|·|D|, plus the diagonal a pod always has. */
  private rowPairs(words: Uint32Array, off: number, s: number): number {
    const W = this.W;
    const isIpRow = this.cm.pod[s] === undefined;
    let sum = 0;
    for (let b = 0; b < this.planes.length; b++) {
      const plane = this.planes[b]!;
      let n = 0;
      if (isIpRow) for (let k = 0; k < W; k++) n += popcount32(words[off + k]! & plane[k]! & this.podMask[k]!);
      else for (let k = 0; k < W; k++) n += popcount32(words[off + k]! & plane[k]!);
      sum += n * (1 << b);
    }
    const size = this.cm.members[s]!.length;
    let pairs = sum * size;
    if (!isIpRow && !getBit(words, off, s)) pairs += size;
    return pairs;
  }

  private namedMask(name: string, protocol: Protocol, port: number): Uint32Array | undefined {
    const key = `${name}/${protocol}`;
    let byPort = this.namedMasks.get(key);
    if (!byPort) {
      byPort = new Map();
      for (let c = 0; c < this.K; c++) {
        const pod = this.cm.pod[c];
        if (!pod) continue;
        for (const cp of pod.containerPorts) {
          if (cp.name !== name || cp.protocol !== protocol) continue;
          let m = byPort.get(cp.port);
          if (!m) byPort.set(cp.port, (m = new Uint32Array(this.W)));
          setBit(m, 0, c);
        }
      }
      this.namedMasks.set(key, byPort);
    }
    return byPort.get(port);
  }

  private portOk(rule: Rule, col: MatrixColumn): PortOk {
    let mask: Uint32Array | undefined;
    for (const s of rule.ports ?? []) {
      const r = specOk(s, col, (n) => this.namedMask(n, col.protocol, col.port));
      if (r === true) return true;
      if (r instanceof Uint32Array) {
        if (!mask) mask = r;
        else {
          const m = new Uint32Array(this.W);
          for (let k = 0; k < this.W; k++) m[k] = mask[k]! | r[k]!;
          mask = m;
        }
      }
    }
    return mask ?? false;
  }

  /** The rules with ports that admit this column; columns with the same ones share a result. */
  activeRules(col: MatrixColumn): ActiveRules {
    const sig: string[] = [];
    const pick = (list: Array<{ policy: Policy; rule: Rule }>, tag: string) => {
      const out: Array<{ policy: Policy; rule: Rule; ok: PortOk }> = [];
      list.forEach(({ policy, rule }, i) => {
        const ok = this.portOk(rule, col);
        if (ok === false) return;
        out.push({ policy, rule, ok });
        if (ok === true) sig.push(`${tag}${i}`);
        else sig.push(`${tag}${i}:${maskText(ok)}`);
      });
      return out;
    };
    const ingress = pick(this.specific.ingress, 'i');
    const egress = pick(this.specific.egress, 'e');
    if (!this.tiers) return { signature: sig.join(','), ingress, egress };
    const tier = this.tiers.column(col);
    return { signature: `${sig.join(',')};${tier.signature}`, ingress, egress, tier };
  }

  column(active: ActiveRules): ColumnResult {
    const { cm, W, K } = this;
    if (active.ingress.length === 0 && active.egress.length === 0 && !active.tier) return { rowOffset: undefined, data: new Uint32Array(0), pairs: this.basePairs };

    // Ingress: this column's extra admissions, written into scratch copies of the touched source rows.
    const scratch = (this.scratch ??= new Uint32Array(K * W));
    const isTouched = (this.touchedFlags ??= new Uint8Array(K));
    const touched: number[] = [];
    const inCopied = (this.inCopied ??= new Uint8Array(K));
    let open = this.open;
    const rowAt = (s: number): [Uint32Array, number] => {
      const off = s * W;
      if (!inCopied[s]) {
        inCopied[s] = 1;
        scratch.set(this.inFromBase.subarray(off, off + W), off);
        if (!isTouched[s]) {
          isTouched[s] = 1;
          touched.push(s);
        }
      }
      return [scratch, off];
    };
    for (const { policy, rule, ok } of active.ingress) {
      const sel = cm.selectedBy(policy);
      const dst = ok instanceof Uint32Array ? andBits(sel, { lo: 0, words: ok }) : sel;
      if (rule.peers === null) {
        // From anywhere: these destinations admit every source on this column.
        if (open === this.open) open = this.open.slice();
        orBits(open, 0, dst);
        continue;
      }
      this.addIngress(rowAt, cm.peersOf(policy, rule), dst);
    }

    // Egress: extra destinations per set of isolating policies.
    const egressExtra = new Map<number, Uint32Array>();
    if (active.egress.length > 0) {
      const byPolicy = new Map<Policy, Array<{ rule: Rule; ok: PortOk }>>();
      for (const a of active.egress) {
        const l = byPolicy.get(a.policy);
        if (l) l.push(a);
        else byPolicy.set(a.policy, [a]);
      }
      this.egressSetPolicies.forEach((pols, id) => {
        let row: Uint32Array | undefined;
        for (const p of pols) {
          for (const { rule, ok } of byPolicy.get(p) ?? []) {
            row ??= this.egressBase[id]!.slice();
            const peers = cm.peersOf(p, rule);
            if (ok === true) orBits(row, 0, peers);
            else orBitsMasked(row, 0, peers, ok as Uint32Array);
          }
        }
        if (row) egressExtra.set(id, row);
      });
      if (egressExtra.size > 0) {
        for (let c = 0; c < K; c++) {
          if (!isTouched[c] && egressExtra.has(this.egressSetOf[c]!)) {
            isTouched[c] = 1;
            touched.push(c);
          }
        }
      }
    }
    const openChanged = open !== this.open;
    if (openChanged) for (let c = 0; c < K; c++) if (!isTouched[c]) (isTouched[c] = 1), touched.push(c);
    // Rows a cluster policy can change are decided anew in every column: the base holds NetworkPolicy answers only.
    const tiers = active.tier ? this.tiers : undefined;
    if (tiers) for (const c of tiers.rows) if (!isTouched[c]) (isTouched[c] = 1), touched.push(c);

    let pairs = this.basePairs;
    const out = (this.outScratch ??= new Uint32Array(K * W));
    const rowOffset = new Int32Array(K).fill(-1);
    const usedRows: number[] = [];
    let used = 0;
    for (const s of touched) {
      const set = this.egressSetOf[s]!;
      const e = set < 0 ? this.all : (egressExtra.get(set) ?? this.egressBase[set]!);
      const inArr = inCopied[s] ? scratch : this.inFromBase;
      const o = used * W;
      if (tiers && tiers.isRow[s]) tiers.combine(active.tier!, s, out, o, set < 0 ? null : e, inArr, s * W, open, this.open);
      else combineRow(out, o, e, inArr, s * W, open, W);
      // Rows equal to the base need no copy of their own.
      if (!sameRow(out, o, this.base, s * W, W)) {
        pairs += this.rowDelta(out, o, s);
        usedRows.push(s);
        used++;
      }
      isTouched[s] = 0;
      inCopied[s] = 0;
    }
    // Only rows that differ from the base are kept, packed into a shared arena.
    const [data, start] = this.arena.take(used * W);
    data.set(out.subarray(0, used * W), start);
    usedRows.forEach((s, k) => (rowOffset[s] = start + k * W));
    return { rowOffset, data, pairs };
  }

  private scratch: Uint32Array | undefined;
  private outScratch: Uint32Array | undefined;
  private readonly arena = new Arena();
  private touchedFlags: Uint8Array | undefined;
  private inCopied: Uint8Array | undefined;

  /** Change in pair count when row S becomes `words[off..]` instead of its base row. */
  private rowDelta(words: Uint32Array, off: number, s: number): number {
    const W = this.W;
    const bOff = s * W;
    const base = this.base;
    const sizes = this.sizes;
    const isIpRow = this.cm.pod[s] === undefined;
    let delta = 0;
    for (let k = 0; k < W; k++) {
      const x = words[off + k]! ^ base[bOff + k]!;
      if (x === 0) continue;
      let added = words[off + k]! & x;
      let removed = base[bOff + k]! & x;
      if (isIpRow) {
        added &= this.podMask[k]!;
        removed &= this.podMask[k]!;
      }
      while (added !== 0) {
        const t = added & -added;
        delta += sizes[(k << 5) + 31 - Math.clz32(t)]!;
        added ^= t;
      }
      while (removed !== 0) {
        const t = removed & -removed;
        delta -= sizes[(k << 5) + 31 - Math.clz32(t)]!;
        removed ^= t;
      }
    }
    const size = sizes[s]!;
    let pairs = delta * size;
    if (!isIpRow) {
      // The diagonal a pod always has is counted once either way.
      const had = getBit(base, bOff, s);
      const has = getBit(words, off, s);
      if (had && !has) pairs += size;
      if (!had && has) pairs -= size;
    }
    return pairs;
  }
}

/** Hands out slices of a few large buffers instead of one allocation per column. */
class Arena {
  private buf = new Uint32Array(0);
  private used = 0;

  take(words: number): [Uint32Array, number] {
    if (this.used + words > this.buf.length) {
      this.buf = new Uint32Array(Math.max(words, 1 << 22));
      this.used = 0;
    }
    const start = this.used;
    this.used += words;
    return [this.buf, start];
  }
}

function sameRow(a: Uint32Array, aOff: number, b: Uint32Array, bOff: number, W: number): boolean {
  for (let k = 0; k < W; k++) if (a[aOff + k] !== b[bOff + k]) return false;
  return true;
}

/** out = e & (inFrom | open) over one row. */
function combineRow(out: Uint32Array, oOff: number, e: Uint32Array, inFrom: Uint32Array, iOff: number, open: Uint32Array, W: number): void {
  for (let k = 0; k < W; k++) out[oOff + k] = e[k]! & (inFrom[iOff + k]! | open[k]!);
}

function specOk(s: PortSpec, col: MatrixColumn, named: (name: string) => Uint32Array | undefined): PortOk {
  if (s.protocol !== col.protocol) return false;
  if (s.port === null) return true;
  if (typeof s.port === 'number') return col.port >= s.port && col.port <= (s.endPort ?? s.port);
  return named(s.port) ?? false;
}

function maskText(m: Uint32Array): string {
  let s = '';
  for (let k = 0; k < m.length; k++) if (m[k] !== 0) s += `${k}.${m[k]}`;
  return s;
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
