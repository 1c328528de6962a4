import type { Policy, Rule } from '../model/types.js';
import { andBits, forEachBitOf, orBitsAll, type Bits } from './bitset.js';
import type { BaseMatrix } from './base.js';
import { Segments } from './segments.js';

/** Whether a rule admits a column: always, never, or for the destination classes in a mask (named ports). */
export type PortOk = boolean | Uint32Array;

export interface ActiveRule {
  policy: Policy;
  rule: Rule;
  ok: PortOk;
}

/** The rules with ports that admit one column; columns with the same signature share a result. */
export interface ActiveRules {
  signature: string;
  ingress: ActiveRule[];
  egress: ActiveRule[];
}

/**
 * What one column adds to the base. Every part is an OR into the base's terms (ingress admissions, open destinations,
 * egress allowances), so a column only ever adds allowed pairs, and only inside the windows of what it adds: a rule
 * of one namespace touches that namespace's few words of each row it reaches, whatever the cluster's size.
 */
export interface ColumnDelta {
  /** Destinations admitted from anywhere on this column, as disjoint sorted word ranges [lo, hi). */
  openSegs: Segments;
  /** The base's open destinations OR this column's (the base's own array when the column adds none). */
  openAll: Uint32Array;
  /** Destination sets of the column's ingress rules with peers, merged per peer set and namespace. */
  dst: Bits[];
  /** Per source class, its first entry (-1: none); entries chain through `next` and name a `dst` in `entryDst`. */
  head: Int32Array;
  next: Int32Array;
  entryDst: Int32Array;
  /** Per egress set: destinations its policies allow on this column. */
  eAdd: (Bits | undefined)[];
  /** Source classes whose rows can change, ascending. */
  rows: Iterable<number>;
}

function columnDelta(b: BaseMatrix, active: ActiveRules): ColumnDelta {
  const { cm, K } = b;
  const openParts: Bits[] = [];
  const touched = new Uint8Array(K);
  // Rules that share a peer set (and the namespace of what they select) become one entry per source.
  const groups = new Map<Bits, Map<string, Bits[]>>();
  for (const { policy, rule, ok } of active.ingress) {
    const sel = cm.selectedBy(policy);
    const dst = ok instanceof Uint32Array ? andBits(sel, { lo: 0, words: ok }) : sel;
    if (dst.words.length === 0) continue;
    if (rule.peers === null) {
      openParts.push(dst);
      continue;
    }
    const peers = cm.peersOf(policy, rule);
    let byNs = groups.get(peers);
    if (!byNs) groups.set(peers, (byNs = new Map()));
    const l = byNs.get(policy.namespace);
    if (l) l.push(dst);
    else byNs.set(policy.namespace, [dst]);
  }
  const dstList: Bits[] = [];
  const head = new Int32Array(K).fill(-1);
  let next = new Int32Array(1024);
  let entryDst = new Int32Array(1024);
  let entries = 0;
  for (const [peers, byNs] of groups) {
    for (const parts of byNs.values()) {
      const g = dstList.length;
      dstList.push(orBitsAll(parts));
      forEachBitOf(peers, (s) => {
        if (entries === next.length) {
          next = grow(next);
          entryDst = grow(entryDst);
        }
        next[entries] = head[s]!;
        entryDst[entries] = g;
        head[s] = entries++;
        touched[s] = 1;
      });
    }
  }

  const eAdd: (Bits | undefined)[] = new Array<Bits | undefined>(b.egressBase.length);
  if (active.egress.length > 0) {
    const parts = new Map<number, Bits[]>();
    for (const { policy, rule, ok } of active.egress) {
      const peers = cm.peersOf(policy, rule);
      const add = ok === true ? peers : andBits(peers, { lo: 0, words: ok as Uint32Array });
      if (add.words.length === 0) continue;
      for (const id of b.setsOfPolicy(policy)) {
        const l = parts.get(id);
        if (l) l.push(add);
        else parts.set(id, [add]);
      }
    }
    for (const [id, l] of parts) {
      eAdd[id] = orBitsAll(l);
      for (const c of b.egressSetClasses[id]!) touched[c] = 1;
    }
  }

  let openAll = b.open;
  const openSegs = new Segments();
  if (openParts.length > 0) {
    openAll = b.open.slice();
    for (const p of openParts) {
      for (let k = 0; k < p.words.length; k++) openAll[p.lo + k]! |= p.words[k]!;
      openSegs.add(p.lo, p.lo + p.words.length);
    }
  }
  const rows = openParts.length > 0 ? range(K) : touchedRows(touched);
  return { openSegs, openAll, dst: dstList, head, next, entryDst, eAdd, rows };
}

function grow(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

function* range(n: number): Iterable<number> {
  for (let i = 0; i < n; i++) yield i;
}

function touchedRows(flags: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < flags.length; i++) if (flags[i]) out.push(i);
  return out;
}

/** The words of each changed row that differ from the base: the added bits, over a few word ranges per row. */
export class ColumnPatch {
  constructor(
    /** Per class, its first segment, or -1 when its row is the base row. */
    private readonly first: Int32Array,
    /** Per class with segments: one past its last segment (indexed like `first`). */
    private readonly end: Int32Array,
    private readonly segLo: Int32Array,
    private readonly segLen: Int32Array,
    private readonly segOff: Int32Array,
    private readonly data: Uint32Array,
  ) {}

  /** Is D added to row S? */
  has(s: number, d: number): boolean {
    const f = this.first[s]!;
    if (f < 0) return false;
    const word = d >>> 5;
    for (let g = f; g < this.end[s]!; g++) {
      const k = word - this.segLo[g]!;
      if (k >= 0 && k < this.segLen[g]!) return (this.data[this.segOff[g]! + k]! & (1 << (d & 31))) !== 0;
    }
    return false;
  }

  /** row |= what this column adds to row S. */
  orInto(row: Uint32Array, s: number): void {
    const f = this.first[s]!;
    if (f < 0) return;
    for (let g = f; g < this.end[s]!; g++) {
      const lo = this.segLo[g]!;
      const off = this.segOff[g]!;
      for (let k = 0; k < this.segLen[g]!; k++) row[lo + k]! |= this.data[off + k]!;
    }
  }
}

class PatchBuilder {
  private readonly first: Int32Array;
  private readonly end: Int32Array;
  private readonly segLo: number[] = [];
  private readonly segLen: number[] = [];
  private readonly segOff: number[] = [];
  private data = new Uint32Array(1024);
  private used = 0;

  constructor(K: number) {
    this.first = new Int32Array(K).fill(-1);
    this.end = new Int32Array(K);
  }

  /** Adds words[lo..hi) (trimmed of zero words at both ends) to row S. */
  add(s: number, words: Uint32Array, lo: number, hi: number): void {
    while (lo < hi && words[lo] === 0) lo++;
    while (hi > lo && words[hi - 1] === 0) hi--;
    if (lo === hi) return;
    if (this.first[s]! < 0) this.first[s] = this.segLo.length;
    this.end[s] = this.segLo.length + 1;
    const n = hi - lo;
    if (this.used + n > this.data.length) {
      const next = new Uint32Array(Math.max(this.data.length * 2, this.used + n));
      next.set(this.data.subarray(0, this.used));
      this.data = next;
    }
    this.data.set(words.subarray(lo, hi), this.used);
    this.segLo.push(lo);
    this.segLen.push(n);
    this.segOff.push(this.used);
    this.used += n;
  }

  done(): ColumnPatch {
    return new ColumnPatch(this.first, this.end, Int32Array.from(this.segLo), Int32Array.from(this.segLen), Int32Array.from(this.segOff), this.data.slice(0, this.used));
  }
}

/**
 * One column: its allowed-pair count, and with `store` the rows it changes. Each row that can change is computed only
 * over the word ranges of what the column adds to it, and only the added bits are kept.
 */
export function runColumn(b: BaseMatrix, active: ActiveRules, store: boolean, delta?: ColumnDelta): { pairs: number; patch?: ColumnPatch } {
  if (active.ingress.length === 0 && active.egress.length === 0) return { pairs: b.basePairs };
  const { W, cm } = b;
  const d = delta ?? columnDelta(b, active);
  const scratchIn = new Uint32Array(W);
  const added = new Uint32Array(W);
  // The words a row's additions reach, listed once each (a row can gather hundreds of additions in a few words).
  const stamp = new Int32Array(W).fill(-1);
  const words = new Int32Array(W);
  const patch = store ? new PatchBuilder(b.K) : undefined;
  const { base, inFrom } = b;
  const { openAll, head, next, entryDst, dst, openSegs } = d;
  let pairs = b.basePairs;
  for (const s of d.rows) {
    const set = b.egressSetOf[s]!;
    const e0 = b.egressRow(s);
    const eX = set < 0 ? undefined : d.eAdd[set];
    // Egress allows nothing on this column either: the row stays empty.
    if (e0 === b.emptyRow && !eX) continue;
    let n = 0;
    for (let g = 0; g < openSegs.n; g++) for (let k = openSegs.lo[g]!; k < openSegs.hi[g]!; k++) words[n++] = k;
    for (let k = 0; k < n; k++) stamp[words[k]!] = s;
    if (eX) {
      for (let k = eX.lo; k < eX.lo + eX.words.length; k++) {
        if (stamp[k] === s) continue;
        stamp[k] = s;
        words[n++] = k;
      }
    }
    for (let e = head[s]!; e >= 0; e = next[e]!) {
      const x = dst[entryDst[e]!]!;
      const lo = x.lo;
      const w = x.words;
      for (let k = 0; k < w.length; k++) {
        scratchIn[lo + k]! |= w[k]!;
        if (stamp[lo + k] !== s) {
          stamp[lo + k] = s;
          words[n++] = lo + k;
        }
      }
    }
    const sW = s * W;
    const isIp = cm.pod[s] === undefined;
    const eLo = eX ? eX.lo : 0;
    const eHi = eX ? eX.lo + eX.words.length : 0;
    let sum = 0;
    let diag = false;
    for (let i = 0; i < n; i++) {
      const k = words[i]!;
      let e = e0[k]!;
      if (k >= eLo && k < eHi) e |= eX!.words[k - eLo]!;
      const x = e & (inFrom[sW + k]! | scratchIn[k]! | openAll[k]!) & ~base[sW + k]!;
      added[k] = x;
      scratchIn[k] = 0;
      if (x === 0) continue;
      sum += b.wordWeight(isIp ? x & b.podMask[k]! : x, k);
      if (!isIp && k === s >>> 5 && (x & (1 << (s & 31))) !== 0) diag = true;
    }
    if (patch && n > 0) storeRow(patch, s, added, words, n);
    const size = b.sizes[s]!;
    pairs += sum * size - (diag ? size : 0);
  }
  return patch ? { pairs, patch: patch.done() } : { pairs };
}

/** Keeps the added words of row S as runs of consecutive words. */
function storeRow(patch: PatchBuilder, s: number, added: Uint32Array, words: Int32Array, n: number): void {
  const sorted = words.subarray(0, n).sort();
  let lo = sorted[0]!;
  let hi = lo + 1;
  for (let i = 1; i < n; i++) {
    const k = sorted[i]!;
    if (k === hi) hi++;
    else {
      patch.add(s, added, lo, hi);
      lo = k;
      hi = k + 1;
    }
  }
  patch.add(s, added, lo, hi);
}

/**
 * The NetworkPolicy egress and ingress rows of a class on one column, apart, for the cluster policy tiers (which
 * decide each side on its own): egress is the allowance (every class when S is not isolated for egress, the return
 * value then false), ingress the destinations admitting S (open destinations included).
 */
export function columnSides(b: BaseMatrix, active: ActiveRules): (s: number, egress: Uint32Array, ingress: Uint32Array) => boolean {
  const d = active.ingress.length === 0 && active.egress.length === 0 ? undefined : columnDelta(b, active);
  const W = b.W;
  return (s, egress, ingress) => {
    const set = b.egressSetOf[s]!;
    egress.set(b.egressRow(s));
    const eX = set >= 0 && d ? d.eAdd[set] : undefined;
    if (eX) for (let k = 0; k < eX.words.length; k++) egress[eX.lo + k]! |= eX.words[k]!;
    const open = d ? d.openAll : b.open;
    for (let k = 0; k < W; k++) ingress[k] = b.inFrom[s * W + k]! | open[k]!;
    if (d) {
      for (let e = d.head[s]!; e >= 0; e = d.next[e]!) {
        const x = d.dst[d.entryDst[e]!]!;
        for (let k = 0; k < x.words.length; k++) ingress[x.lo + k]! |= x.words[k]!;
      }
    }
    return set >= 0;
  };
}

/**
 * Where a column's NetworkPolicy sides of a row differ from the base's, and what it adds there: the cluster policy
 * tiers count a column from the base's answer and these words alone (tiers/matrix-stage.ts).
 */
export interface SideChanges {
  /** Destinations admitted from anywhere on this column (the base's open ones included). */
  openAll: Uint32Array;
  /**
   * Appends to words[n..] the words where row S's sides can differ from the base (each once: `stamp[k] === s` marks
   * the listed ones), ORs what the column adds to its egress into addE and to its ingress into addIn at those words,
   * and returns the new length. The caller zeroes addE and addIn at the listed words when done.
   */
  row(s: number, words: Int32Array, n: number, stamp: Int32Array, addE: Uint32Array, addIn: Uint32Array): number;
}

export function sideChanges(b: BaseMatrix, d: ColumnDelta | undefined): SideChanges | undefined {
  if (!d) return undefined;
  const list = (k: number, s: number, words: Int32Array, n: number, stamp: Int32Array): number => {
    if (stamp[k] === s) return n;
    stamp[k] = s;
    words[n] = k;
    return n + 1;
  };
  return {
    openAll: d.openAll,
    row(s, words, n, stamp, addE, addIn) {
      for (let g = 0; g < d.openSegs.n; g++) for (let k = d.openSegs.lo[g]!; k < d.openSegs.hi[g]!; k++) n = list(k, s, words, n, stamp);
      const set = b.egressSetOf[s]!;
      const eX = set >= 0 ? d.eAdd[set] : undefined;
      if (eX) {
        for (let k = 0; k < eX.words.length; k++) {
          n = list(eX.lo + k, s, words, n, stamp);
          addE[eX.lo + k]! |= eX.words[k]!;
        }
      }
      for (let e = d.head[s]!; e >= 0; e = d.next[e]!) {
        const x = d.dst[d.entryDst[e]!]!;
        for (let k = 0; k < x.words.length; k++) {
          n = list(x.lo + k, s, words, n, stamp);
          addIn[x.lo + k]! |= x.words[k]!;
        }
      }
      return n;
    },
  };
}

/** What a column adds to the base, built once for both runColumn and sideChanges; undefined when nothing. */
export function prepareColumn(b: BaseMatrix, active: ActiveRules): ColumnDelta | undefined {
  return active.ingress.length === 0 && active.egress.length === 0 ? undefined : columnDelta(b, active);
}
