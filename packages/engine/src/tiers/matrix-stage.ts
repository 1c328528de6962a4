/**
 * The tiers in the bitset matrix. Each cluster policy rule is compiled once into class sets (its subject's classes
 * and its peers' classes); per column, a rule admits the column always, never, or for the destination classes in a
 * named-port mask. A row S of the result is then decided word by word, first match first:
 *
 *   egress(S)  = adminAccept | (~adminDecided & (S isolated for egress ? NetworkPolicy : ~baselineDeny))
 *   ingress(S) = the destinations admitting S, built the same way from the rules whose peers hold S
 *   row(S)     = egress(S) & ingress(S)
 *
 * Only rows some cluster policy can touch are computed here; the others keep the NetworkPolicy answer.
 *
 * Counting a column does not compute its rows: every step above is word by word, so a row's words can differ from the
 * port-agnostic answer (rules with ports left out, NetworkPolicy base sides) only inside the windows of the rules with
 * ports that admit the column and of what the column adds to the NetworkPolicy sides. `pairsDelta` takes the
 * port-agnostic count of each row, computed once, and corrects it over those words alone.
 */
import type { Cluster, Protocol } from '../model/types.js';
import type { MatrixColumn } from '../matrix/columns.js';
import type { ClassModel } from '../matrix/classes.js';
import type { BaseMatrix } from '../matrix/base.js';
import type { SideChanges } from '../matrix/delta.js';
import { Segments } from '../matrix/segments.js';
import { EMPTY_BITS, forEachBitOf, orBitsAll, type Bits } from '../matrix/bitset.js';
import { clusterModel } from '../model/compiled.js';
import { effectiveAction, type TierModel } from '../model/tiers.js';
import type { ClusterPolicy, TierAction, TierPeer, TierRule } from './types.js';

/** Whether a rule admits a column: always, never, or for the destination classes in a mask. */
export type TierPortOk = boolean | Uint32Array;

interface CompiledRule {
  tier: 'Admin' | 'Baseline';
  action: TierAction;
  rule: TierRule;
  subject: Bits;
  peers: Bits;
}

export interface TierColumn {
  signature: string;
  ok: readonly TierPortOk[];
}

type NamedMask = (name: string, protocol: Protocol, port: number) => Uint32Array | undefined;

export class TierStage {
  /** Port-agnostic decisions are kept for every row up to this many words (256 MiB); past it, recomputed per column. */
  static decisionWords = 64 * 1024 * 1024;
  /** Rows a cluster policy can change, ascending. */
  readonly rows: readonly number[];
  readonly isRow: Uint8Array;
  private readonly rules: CompiledRule[] = [];
  /** Per class: ids of egress rules whose subject holds it, and of ingress rules whose peers hold it (global order). */
  private readonly egressOf: number[][];
  private readonly ingressOf: number[][];
  private readonly W: number;
  private readonly scratch: Uint32Array[];
  /** Per class, the ids of its rules (egress and ingress lists) whose ports make them differ between columns. */
  private readonly portedOf: number[][];
  /** The column in which no rule with ports admits anything (the port-agnostic answer). */
  private readonly agnostic: TierColumn;
  private agnosticMemo: { delta: Float64Array; decisions: Uint32Array | undefined } | undefined;
  private readonly decisions: Uint32Array;
  private readonly full = new Segments();
  /** Per class: ids of ingress rules whose subject holds it (global order). */
  private readonly ingressSubjectOf: number[][];

  constructor(
    private readonly cm: ClassModel,
    cluster: Cluster,
    private readonly namedMask: NamedMask,
  ) {
    const K = cm.count;
    const W = (this.W = cm.words);
    const allWords = new Uint32Array(W);
    for (let c = 0; c < K; c++) allWords[c >>> 5]! |= 1 << (c & 31);
    const all: Bits = { lo: 0, words: allWords };
    const model = clusterModel(cluster).tiers;
    this.egressOf = Array.from({ length: K }, () => []);
    this.ingressOf = Array.from({ length: K }, () => []);
    this.ingressSubjectOf = Array.from({ length: K }, () => []);
    for (const policy of cluster.clusterPolicies) {
      const subject = subjectBits(cm, policy);
      for (const rule of [...policy.egress, ...policy.ingress]) {
        if (rule.failClosed === 'match-nothing') continue;
        const peers = rule.failClosed === 'deny-all' ? all : orBitsAll(rule.peers.map((p) => peerBits(cm, model, p)));
        const id = this.rules.length;
        this.rules.push({ tier: policy.tier, action: effectiveAction(rule), rule, subject, peers });
        if (rule.direction === 'egress') forEachBitOf(subject, (c) => this.egressOf[c]!.push(id));
        else {
          forEachBitOf(peers, (c) => this.ingressOf[c]!.push(id));
          forEachBitOf(subject, (c) => this.ingressSubjectOf[c]!.push(id));
        }
      }
    }
    const rows: number[] = [];
    this.isRow = new Uint8Array(K);
    for (let c = 0; c < K; c++) {
      if (this.egressOf[c]!.length > 0 || this.ingressOf[c]!.length > 0) {
        rows.push(c);
        this.isRow[c] = 1;
      }
    }
    this.rows = rows;
    this.scratch = Array.from({ length: 2 }, () => new Uint32Array(W));
    this.decisions = new Uint32Array(6 * W);
    this.full.add(0, W);
    const ported = this.rules.map((r) => r.rule.failClosed !== 'deny-all' && r.rule.ports !== null);
    this.agnostic = { signature: '', ok: ported.map((p) => !p) };
    this.portedOf = rows.map((s) => [...this.egressOf[s]!, ...this.ingressOf[s]!].filter((id) => ported[id]));
  }

  get empty(): boolean {
    return this.rows.length === 0;
  }

  /** The ids of the rules of one direction of the cluster policies whose subject holds class C, in order. */
  subjectRules(c: number, direction: 'ingress' | 'egress'): readonly number[] {
    return direction === 'egress' ? this.egressOf[c]! : this.ingressSubjectOf[c]!;
  }

  /** The rule a compiled rule id stands for. */
  ruleOf(id: number): TierRule {
    return this.rules[id]!.rule;
  }

  /**
   * One side of a connection decided through the tiers for a pod with the rules `ids` (`subjectRules` of its class), over every remote end: out[k] for the targets of word k
   * (the rules' peers). `np` is the NetworkPolicy answer of that side (null: no NetworkPolicy isolates the pod that
   * way, Baseline then decides). `at` >= 0: the named ports of the rules are looked up on that class (an ingress side,
   * whose destination is the pod itself); -1: on the targets (an egress side).
   */
  sideRow(tc: TierColumn, ids: readonly number[], at: number, np: Uint32Array | null, out: Uint32Array): void {
    this.sideDecisions(tc, ids, at, this.decisions);
    this.sideAnswer(this.decisions, np, out);
  }

  /** The first-match decisions of `sideRow` (Admin accept, Admin deny, Baseline deny: three rows of W words). */
  sideDecisions(tc: TierColumn, ids: readonly number[], at: number, dec: Uint32Array): void {
    const W = this.W;
    this.firstMatch(tc, ids, 'subject', dec, 0, W, 2 * W, this.full, at);
  }

  /** `sideRow` from its decisions. */
  sideAnswer(dec: Uint32Array, np: Uint32Array | null, out: Uint32Array): void {
    const W = this.W;
    for (let k = 0; k < W; k++) out[k] = firstAnswer(dec[k]!, dec[W + k]!, np ? np[k]! : ~dec[2 * W + k]!);
  }

  /** The column in which no rule with ports admits anything. */
  get portAgnostic(): TierColumn {
    return this.agnostic;
  }

  /** Whether a rule's ports make it differ between columns. */
  ported(id: number): boolean {
    const r = this.rules[id]!.rule;
    return r.failClosed !== 'deny-all' && r.ports !== null;
  }

  /** Which rules admit this column; columns with the same answer share a result. */
  column(col: MatrixColumn): TierColumn {
    const sig: string[] = [];
    const ok = this.rules.map((r, id): TierPortOk => {
      const v = this.portOk(r.rule, col);
      if (v === true) sig.push(`t${id}`);
      else if (v instanceof Uint32Array) sig.push(`t${id}:${maskText(v)}`);
      return v;
    });
    return { signature: sig.join(','), ok };
  }

  private portOk(rule: TierRule, col: MatrixColumn): TierPortOk {
    if (rule.failClosed === 'deny-all' || rule.ports === null) return true;
    let mask: Uint32Array | undefined;
    for (const p of rule.ports) {
      if (p.kind === 'named') {
        if (p.protocol !== undefined && p.protocol !== col.protocol) continue;
        const m = this.namedMask(p.name, col.protocol, col.port);
        if (!m) continue;
        if (!mask) mask = m;
        else {
          const u = new Uint32Array(this.W);
          for (let k = 0; k < this.W; k++) u[k] = mask[k]! | m[k]!;
          mask = u;
        }
        continue;
      }
      if (p.protocol !== col.protocol) continue;
      if (p.kind === 'protocol' || (col.port >= p.start && col.port <= p.end)) return true;
    }
    return mask ?? false;
  }

  /**
   * Writes row S into out[o..]: `npEgress` is the NetworkPolicy egress row (null: S not isolated for egress), and the
   * NetworkPolicy ingress side is `inFrom[iOff..] | open`, where `notIsolated` marks destinations no NetworkPolicy
   * isolates for ingress (the ones Baseline decides).
   */
  combine(tc: TierColumn, s: number, out: Uint32Array, o: number, npEgress: Uint32Array | null, inFrom: Uint32Array, iOff: number, open: Uint32Array, notIsolated: Uint32Array, segs: Segments = this.full): void {
    this.decide(tc, s, this.decisions, 0, segs);
    this.merge(this.decisions, 0, segs, out, o, npEgress, inFrom, iOff, open, notIsolated);
  }

  /** Row S's tier decisions in `dec` at `d0`: six rows of W words (see merge), written at the words of segs. */
  private decide(tc: TierColumn, s: number, dec: Uint32Array, d0: number, segs: Segments): void {
    const W = this.W;
    this.firstMatch(tc, this.egressOf[s]!, 'subject', dec, d0, d0 + W, d0 + 2 * W, segs);
    this.firstMatch(tc, this.ingressOf[s]!, 'peers', dec, d0 + 3 * W, d0 + 4 * W, d0 + 5 * W, segs);
  }

  /** Row S's words at segs from its decisions in `dec` at `d0` and its NetworkPolicy sides (see mergeWord). */
  private merge(dec: Uint32Array, d0: number, segs: Segments, out: Uint32Array, o: number, npEgress: Uint32Array | null, inFrom: Uint32Array, iOff: number, open: Uint32Array, notIsolated: Uint32Array): void {
    const W = this.W;
    for (let g = 0; g < segs.n; g++) {
      for (let k = segs.lo[g]!; k < segs.hi[g]!; k++) {
        out[o + k] = mergeWord(dec, d0, W, k, npEgress !== null, npEgress ? npEgress[k]! : 0, inFrom[iOff + k]! | open[k]!, notIsolated[k]!);
      }
    }
  }

  /**
   * Runs the rules in order for one row. For egress rules the row is their subject and the targets their peers; for
   * ingress rules the row is among their peers and the targets their subject. The first rule of a tier to match a
   * target decides it there: Admin Accept and Deny land in acc and den (Pass only shields the rest of the tier),
   * Baseline Deny in bDeny (offsets into `out`).
   */
  private firstMatch(tc: TierColumn, ids: readonly number[], target: 'subject' | 'peers', out: Uint32Array, acc: number, den: number, bDeny: number, segs: Segments, at = -1): void {
    const dec = this.scratch[0]!;
    const bDec = this.scratch[1]!;
    for (let g = 0; g < segs.n; g++) {
      const lo = segs.lo[g]!;
      const hi = segs.hi[g]!;
      out.fill(0, acc + lo, acc + hi);
      out.fill(0, den + lo, den + hi);
      out.fill(0, bDeny + lo, bDeny + hi);
      dec.fill(0, lo, hi);
      bDec.fill(0, lo, hi);
    }
    for (const id of ids) {
      let ok = tc.ok[id]!;
      // Named ports looked up on one pod: the rule admits the column for every target or for none.
      if (at >= 0 && ok instanceof Uint32Array) ok = (ok[at >>> 5]! & (1 << (at & 31))) !== 0;
      if (ok === false) continue;
      const r = this.rules[id]!;
      const t = target === 'subject' ? r.peers : r.subject;
      const admin = r.tier === 'Admin';
      const d = admin ? dec : bDec;
      const into = r.action === 'Pass' ? -1 : admin ? (r.action === 'Accept' ? acc : den) : r.action === 'Deny' ? bDeny : -1;
      const w = t.words;
      const tHi = t.lo + w.length;
      for (let s = 0; s < segs.n; s++) {
        const lo = Math.max(segs.lo[s]!, t.lo);
        const hi = Math.min(segs.hi[s]!, tHi);
        for (let g = lo; g < hi; g++) {
          const m = w[g - t.lo]! & (ok === true ? -1 : ok[g]!) & ~d[g]!;
          if (m === 0) continue;
          d[g]! |= m;
          if (into >= 0) out[into + g]! |= m;
        }
      }
    }
  }

  /**
   * The pairs this column gains (or loses) through the tiers, over every row they can change: the port-agnostic
   * difference of each row, corrected over the words where the column's rules with ports or its NetworkPolicy sides
   * (`sides`, undefined when the column adds nothing to them) make the row differ from the port-agnostic one.
   */
  pairsDelta(tc: TierColumn, b: BaseMatrix, sides: SideChanges | undefined): number {
    const ref = this.agnosticOf(b);
    const W = this.W;
    const words = new Int32Array(W);
    const stamp = new Int32Array(W).fill(-1);
    const addE = new Uint32Array(W);
    const addIn = new Uint32Array(W);
    const colDec = new Uint32Array(6 * W);
    const refDec = ref.decisions ?? new Uint32Array(6 * W);
    const segs = new Segments();
    const openAll = sides ? sides.openAll : b.open;
    let total = 0;
    for (let i = 0; i < this.rows.length; i++) {
      const s = this.rows[i]!;
      total += ref.delta[i]!;
      let n = 0;
      let ported = false;
      for (const id of this.portedOf[i]!) {
        if (tc.ok[id] === false) continue;
        const r = this.rules[id]!;
        const t = r.rule.direction === 'egress' ? r.peers : r.subject;
        for (let k = t.lo; k < t.lo + t.words.length; k++) {
          if (stamp[k] === s) continue;
          stamp[k] = s;
          words[n++] = k;
        }
        ported = true;
      }
      if (sides) n = sides.row(s, words, n, stamp, addE, addIn);
      if (n === 0) continue;
      // The port-agnostic decisions are kept (or computed here over the listed words); the column's are the same
      // unless one of its rules with ports admits it.
      if (ported || !ref.decisions) wordSegments(words, n, segs);
      if (!ref.decisions) this.decide(this.agnostic, s, refDec, 0, segs);
      if (ported) this.decide(tc, s, colDec, 0, segs);
      const r0 = ref.decisions ? i * 6 * W : 0;
      total += this.listedPairs(b, s, words, n, ported ? colDec : refDec, ported ? 0 : r0, refDec, r0, openAll, addE, addIn);
    }
    return total;
  }

  /**
   * Over the listed words of row S: pairs(tiers, column) − pairs(NetworkPolicy, column) − the same for the
   * port-agnostic row; clears addE and addIn there.
   */
  private listedPairs(b: BaseMatrix, s: number, words: Int32Array, n: number, cDec: Uint32Array, c0: number, rDec: Uint32Array, r0: number, openAll: Uint32Array, addE: Uint32Array, addIn: Uint32Array): number {
    const W = this.W;
    const isIp = this.cm.pod[s] === undefined;
    const isolated = b.egressSetOf[s]! >= 0;
    const e0 = b.egressRow(s);
    const sW = s * W;
    const sw = s >>> 5;
    const sBit = 1 << (s & 31);
    let sum = 0;
    let diag = 0;
    for (let j = 0; j < n; j++) {
      const k = words[j]!;
      const mask = isIp ? b.podMask[k]! : -1;
      const rE = e0[k]!;
      const rI = b.inFrom[sW + k]! | b.open[k]!;
      const cE = rE | addE[k]!;
      const cI = rI | openAll[k]! | addIn[k]!;
      addE[k] = 0;
      addIn[k] = 0;
      const nC = cE & cI & mask;
      const nR = rE & rI & mask;
      const tC = mergeWord(cDec, c0, W, k, isolated, cE, cI, b.open[k]!) & mask;
      const tR = mergeWord(rDec, r0, W, k, isolated, rE, rI, b.open[k]!) & mask;
      // What the tiers add and take away, on the column and on the port-agnostic row; bits alike in both cancel.
      const addC = tC & ~nC;
      const cutC = nC & ~tC;
      const addR = tR & ~nR;
      const cutR = nR & ~tR;
      if (addC === addR && cutC === cutR) continue;
      // (Kept apart: with rules with ports the column's decisions differ, and these sets can overlap.)
      const p1 = addC & ~addR;
      const p2 = cutR & ~cutC;
      const m1 = addR & ~addC;
      const m2 = cutC & ~cutR;
      if (p1 !== 0) sum += b.wordWeight(p1, k);
      if (p2 !== 0) sum += b.wordWeight(p2, k);
      if (m1 !== 0) sum -= b.wordWeight(m1, k);
      if (m2 !== 0) sum -= b.wordWeight(m2, k);
      // A pod always reaches itself: rowPairs counts the diagonal when its bit is off.
      if (!isIp && k === sw) diag += (tC & sBit ? 0 : 1) - (nC & sBit ? 0 : 1) - (tR & sBit ? 0 : 1) + (nR & sBit ? 0 : 1);
    }
    return (sum + diag) * b.sizes[s]!;
  }

  /**
   * Per row: its pairs with the tiers minus without them when no rule with ports admits anything, and, while they fit
   * a bounded budget, its port-agnostic decisions (every column starts from them).
   */
  private agnosticOf(b: BaseMatrix): { delta: Float64Array; decisions: Uint32Array | undefined } {
    if (this.agnosticMemo) return this.agnosticMemo;
    const W = this.W;
    const n = this.rows.length;
    const delta = new Float64Array(n);
    const decisions = n * 6 * W <= TierStage.decisionWords ? new Uint32Array(n * 6 * W) : undefined;
    const scratch = decisions ? undefined : new Uint32Array(6 * W);
    const [e, inn, row, np, none] = Array.from({ length: 5 }, () => new Uint32Array(W)) as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
    this.rows.forEach((s, i) => {
      baseSides(b, s, this.full, e, inn);
      const dec = decisions ?? scratch!;
      const d0 = decisions ? i * 6 * W : 0;
      this.decide(this.agnostic, s, dec, d0, this.full);
      this.merge(dec, d0, this.full, row, 0, b.egressSetOf[s]! >= 0 ? e : null, inn, 0, none, b.open);
      for (let k = 0; k < W; k++) np[k] = e[k]! & inn[k]!;
      delta[i] = b.rowPairs(row, 0, s) - b.rowPairs(np, 0, s);
    });
    return (this.agnosticMemo = { delta, decisions });
  }
}


/**
 * Word k of a row, first match first: Admin's decision, else NetworkPolicy's egress (Baseline's where S is not
 * isolated for egress) and ingress (Baseline Deny only where no NetworkPolicy isolates the destination). The six
 * decision rows at d0 are Admin accept, Admin deny, Baseline deny for egress, then the same for ingress.
 */
function mergeWord(dec: Uint32Array, d0: number, W: number, k: number, isolated: boolean, npEgress: number, npIngress: number, notIsolated: number): number {
  const egress = firstAnswer(dec[d0 + k]!, dec[d0 + W + k]!, isolated ? npEgress : ~dec[d0 + 2 * W + k]!);
  const ingress = firstAnswer(dec[d0 + 3 * W + k]!, dec[d0 + 4 * W + k]!, npIngress & ~(notIsolated & dec[d0 + 5 * W + k]!));
  return egress & ingress;
}

/**
 * The chain of one side, word by word: what Admin accepts, else what Admin leaves undecided and the rest allows (the
 * NetworkPolicy answer where it isolates the pod, else what Baseline does not deny).
 */
function firstAnswer(adminAccept: number, adminDeny: number, rest: number): number {
  return adminAccept | (~(adminAccept | adminDeny) & rest);
}

/** The listed words as sorted runs. */
function wordSegments(words: Int32Array, n: number, segs: Segments): void {
  segs.clear();
  const sorted = words.slice(0, n).sort();
  let lo = sorted[0]!;
  let hi = lo + 1;
  for (let j = 1; j < n; j++) {
    const k = sorted[j]!;
    if (k === hi) hi++;
    else {
      segs.add(lo, hi);
      lo = k;
      hi = k + 1;
    }
  }
  segs.add(lo, hi);
}

/** Row S's NetworkPolicy sides from the rules without ports, at the words of segs. */
function baseSides(b: BaseMatrix, s: number, segs: Segments, egress: Uint32Array, ingress: Uint32Array): void {
  const e0 = b.egressRow(s);
  const sW = s * b.W;
  for (let g = 0; g < segs.n; g++) {
    for (let k = segs.lo[g]!; k < segs.hi[g]!; k++) {
      egress[k] = e0[k]!;
      ingress[k] = b.inFrom[sW + k]! | b.open[k]!;
    }
  }
}

function subjectBits(cm: ClassModel, p: ClusterPolicy): Bits {
  return p.subject.kind === 'namespaces' ? cm.podsMatching(p.subject.namespaceSelector, null) : cm.podsMatching(p.subject.namespaceSelector, p.subject.podSelector);
}

function peerBits(cm: ClassModel, model: TierModel, peer: TierPeer): Bits {
  switch (peer.kind) {
    case 'namespaces':
      return cm.podsMatching(peer.namespaceSelector, null);
    case 'pods':
      return cm.podsMatching(peer.namespaceSelector, peer.podSelector);
    case 'networks':
      return orBitsAll(peer.cidrs.map((c) => cm.inRange(c)));
    case 'nodes':
      return orBitsAll([...model.nodeAddresses(peer)].map((a) => cm.inRange(`${a}/${a.includes(':') ? 128 : 32}`)));
    default:
      return EMPTY_BITS;
  }
}

function maskText(m: Uint32Array): string {
  let s = '';
  for (let k = 0; k < m.length; k++) if (m[k] !== 0) s += `${k}.${m[k]}`;
  return s;
}
