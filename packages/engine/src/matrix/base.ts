import type { Cluster, Policy, Rule } from '../model/types.js';
import { forEachBitOf, getBit, orBits, popcount32, setBit, type Bits } from './bitset.js';
import type { ClassModel } from './classes.js';
import { portRules, type PortRules } from './active.js';

/**
 * The answer of the rules without `ports`, which every column shares. Row S of `base` holds the classes S may
 * connect to: its egress allowance AND (the destinations that admit S, gathered source-major, OR those not isolated
 * for ingress). Columns only add to it (see delta.ts), so it is computed and stored once.
 */
export class BaseMatrix {
  readonly K: number;
  readonly W: number;
  /** Result rows from the port-agnostic rules alone, K × W words. */
  readonly base: Uint32Array;
  /** Per source class, the destinations whose port-agnostic ingress rules admit it, K × W words. */
  readonly inFrom: Uint32Array;
  /** Destinations not isolated for ingress admit everyone. */
  readonly open: Uint32Array;
  /** Every class; the egress row of a class not isolated for egress. */
  readonly all: Uint32Array;
  /** Pod classes (not outside addresses): rows of outside addresses count only pod destinations. */
  readonly podMask: Uint32Array;
  /** Class sizes, and the same as bit planes: the weighted count of a row is a few popcounts. */
  readonly sizes: Int32Array;
  readonly planes: Uint32Array[];
  /** Per class, its set of isolating egress policies (an index into egressBase), or -1: not isolated. */
  readonly egressSetOf: Int32Array;
  /** Egress rows of the port-agnostic rules, per set of isolating policies. */
  readonly egressBase: Uint32Array[] = [];
  readonly egressSetPolicies: Policy[][] = [];
  /** The classes of each egress set. */
  readonly egressSetClasses: number[][] = [];
  private readonly setsByPolicy = new Map<Policy, number[]>();
  /** Rules with ports, per direction, of policies that isolate in that direction. */
  readonly specific: PortRules;
  readonly basePairs: number;
  /** The shared egress row of sets that allow nothing without ports. */
  readonly emptyRow: Uint32Array;

  constructor(
    readonly cm: ClassModel,
    cluster: Cluster,
  ) {
    const K = (this.K = cm.count);
    const W = (this.W = cm.words);
    this.all = new Uint32Array(W);
    this.podMask = new Uint32Array(W);
    this.open = new Uint32Array(W);
    this.emptyRow = new Uint32Array(W);
    for (let c = 0; c < K; c++) {
      setBit(this.all, 0, c);
      if (cm.pod[c]) setBit(this.podMask, 0, c);
      if (cm.ingressPolicies[c]!.length === 0) setBit(this.open, 0, c);
    }
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

    this.inFrom = new Uint32Array(K * W);
    for (const policy of cluster.policies) {
      if (!policy.ingressIsolation) continue;
      for (const rule of policy.ingress) if (rule.ports === null) addIngress((s) => [this.inFrom, s * W], cm.peersOf(policy, rule), cm.selectedBy(policy));
    }
    this.specific = portRules(cluster);
    this.egressSetOf = new Int32Array(K).fill(-1);
    this.buildEgressSets();

    this.base = new Uint32Array(K * W);
    let total = 0;
    for (let s = 0; s < K; s++) {
      const off = s * W;
      const e = this.egressRow(s);
      // Egress allows nothing: the row stays empty, only the diagonal counts.
      if (e === this.emptyRow) {
        total += cm.pod[s] ? this.sizes[s]! : 0;
        continue;
      }
      combineRow(this.base, off, e, this.inFrom, off, this.open, W);
      total += this.rowPairs(this.base, off, s);
    }
    this.basePairs = total;
  }

  /** The egress sets a policy belongs to. */
  setsOfPolicy(p: Policy): readonly number[] {
    return this.setsByPolicy.get(p) ?? [];
  }

  /** The port-agnostic egress allowance of class S. */
  egressRow(s: number): Uint32Array {
    const set = this.egressSetOf[s]!;
    return set < 0 ? this.all : this.egressBase[set]!;
  }

  private buildEgressSets(): void {
    const { cm, K, W } = this;
    const setIds = new Map<string, number>();
    const ids = new Map<Bits, number>();
    const idOf = (a: Bits) => {
      let id = ids.get(a);
      if (id === undefined) ids.set(a, (id = ids.size));
      return id;
    };
    const rowByKey = new Map<string, Uint32Array>([['', this.emptyRow]]);
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
        this.egressSetClasses.push([]);
        for (const p of pols) {
          const l = this.setsByPolicy.get(p);
          if (l) l.push(id);
          else this.setsByPolicy.set(p, [id]);
        }
      }
      this.egressSetOf[c] = id;
      this.egressSetClasses[id]!.push(c);
    }
  }

  /** Weighted count of row S: Σ over allowed D of |S|·|D|, plus the diagonal a pod always has. */
  rowPairs(words: Uint32Array, off: number, s: number): number {
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
    const size = this.sizes[s]!;
    let pairs = sum * size;
    if (!isIpRow && !getBit(words, off, s)) pairs += size;
    return pairs;
  }

  /** Σ |D| over the classes D in one word of a row (`word` is the row's word index). */
  wordWeight(x: number, word: number): number {
    const planes = this.planes;
    if (planes.length === 1) return popcount32(x & planes[0]![word]!);
    let sum = 0;
    for (let b = 0; b < planes.length; b++) sum += popcount32(x & planes[b]![word]!) << b;
    return sum;
  }
}

/** Adds one ingress rule: every source in `srcs` is admitted by the destination classes in `dst`. */
export function addIngress(rowAt: (s: number) => [Uint32Array, number], srcs: Bits, dst: Bits): void {
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

/** out = e & (inFrom | open) over one row. */
function combineRow(out: Uint32Array, oOff: number, e: Uint32Array, inFrom: Uint32Array, iOff: number, open: Uint32Array, W: number): void {
  for (let k = 0; k < W; k++) out[oOff + k] = e[k]! & (inFrom[iOff + k]! | open[k]!);
}
