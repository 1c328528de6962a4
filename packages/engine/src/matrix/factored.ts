/**
 * Pair counts without class × class rows. Each direction is decided on its own side (docs/semantics.md), so for a
 * source s and a destination t on one column
 *
 *   allowed(s, t) = E(a(s), t) ∧ I(d(t), s)
 *
 * where a(s) is the egress role of s and d(t) the ingress role of t (roles.ts): the egress side sees s only through
 * its role and t in full, the ingress side t only through its role and s in full. Summing over a pair of roles
 * separates the two sides:
 *
 *   Σ_{s,t} allowed = Σ_{a,d} e(a, d) · i(a, d),   e(a, d) = |{t ∈ d : E(a, t)}|,   i(a, d) = |{s ∈ a : I(d, s)}|
 *
 * so a column costs one row per role (egress rows over destinations, ingress rows over sources) instead of one per
 * class. The port-agnostic answer (rules with ports left out) is summed once, rows that allow everything in bulk (an
 * open egress role contributes |d| · i(a, d) for every d, an open ingress role |a| · e(a, d) for every a). A column
 * then changes only the rows of roles whose rules with ports admit it, and only at some words, so it is counted as
 *
 *   Σ e_c · i_c = Σ e_0 · i_0 + Σ (e_c − e_0) · i_c + Σ e_0 · (i_c − i_0)
 *
 * with each difference read off the words where a changed row differs from its port-agnostic one. Rules that admit
 * every port of a protocol (`ports: [{protocol: TCP}]`) change the same rows in every column of that protocol, often
 * at most of their words (their peers are wide): their rows and sum are taken once per protocol (`Reference`) and each
 * column of it is counted against those instead. What no role can see is corrected pair by pair: a pod always reaches
 * itself, and a pod and its own node always reach each other.
 */
import { PROTOCOLS, type Protocol, type Rule } from '../model/types.js';
import type { TierColumn, TierStage } from '../tiers/matrix-stage.js';
import { orBits, popcount32, type Bits } from './bitset.js';
import type { ClassModel } from './classes.js';
import type { ActiveRules, PortOk } from './delta.js';
import type { Role, Roles } from './roles.js';

/** Runs of consecutive classes of one role, sorted, with the first run reaching each word. */
interface Runs {
  start: Int32Array;
  end: Int32Array;
  role: Int32Array;
  atWord: Int32Array;
}

export class FactoredCounts {
  /**
   * `auto`: count by roles where `factoredWork` says it is cheaper than class rows; `always`: whenever asked, with the
   * classes renumbered by role whenever that changes their order (tests).
   */
  static use: 'auto' | 'always' = 'auto';
  private readonly K: number;
  private readonly W: number;
  private readonly roles: Roles;
  private readonly sizes: Int32Array;
  private readonly planes: Uint32Array[];
  /** Every class; and pod classes only (an outside address reaches no other outside address). */
  private readonly all: Uint32Array;
  private readonly podMask: Uint32Array;
  /** Endpoints per role. */
  private readonly ingressWeight: Float64Array;
  private readonly egressWeight: Float64Array;
  /** Runs of every class by egress role and by ingress role; and the egress runs of roles that can be restricted. */
  private readonly egressRuns: Runs;
  private readonly ingressRuns: Runs;
  private readonly restrictedRuns: Runs;
  /** Per role, its classes as [start, end) runs, flattened. */
  private readonly egressRunsOf: Int32Array[];
  private readonly ingressRunsOf: Int32Array[];
  /** The NetworkPolicy rows from the rules without ports, per role (null: not isolated in that direction). */
  private readonly egressBase: (Uint32Array | null)[];
  private readonly ingressBase: (Uint32Array | null)[];
  /** The port-agnostic rows (tiers included), per role. */
  private readonly egress0: Uint32Array[];
  private readonly ingress0: Uint32Array[];
  /** Room for the rows a column changes: a slot per role that can change, or -1. */
  private readonly egressSlot: Int32Array;
  private readonly ingressSlot: Int32Array;
  private readonly egressRoom: Uint32Array[];
  private readonly ingressRoom: Uint32Array[];
  /** Per role, its NetworkPolicy rules with ports (the ones a column can add). */
  private readonly egressPorted: PortedRule[][];
  private readonly ingressPorted: PortedRule[][];
  /** Own-node pairs as [source class, destination class], flattened. */
  private readonly ownNode: Int32Array;
  /** Per role with cluster policy rules: its rules with ports, and its port-agnostic tier decisions. */
  private readonly tierMemo = new Map<Role, { ported: number[]; dec: Uint32Array }>();
  /** Per protocol, the rows and sum its every-port rules give, on first use; the port-agnostic ones for the others. */
  private readonly refs = new Map<Protocol, Reference>();
  private agnostic: Reference | undefined;

  constructor(
    private readonly cm: ClassModel,
    private readonly stage: TierStage | undefined,
    roles: Roles,
    ownNode: Iterable<[number, number]>,
  ) {
    const K = (this.K = cm.count);
    const W = (this.W = cm.words);
    this.roles = roles;
    this.sizes = Int32Array.from(cm.members, (m) => m.length);
    this.planes = planesOf(this.sizes, W);
    this.all = new Uint32Array(W);
    this.podMask = new Uint32Array(W);
    for (let c = 0; c < K; c++) {
      this.all[c >>> 5]! |= 1 << (c & 31);
      if (cm.pod[c]) this.podMask[c >>> 5]! |= 1 << (c & 31);
    }
    this.egressWeight = new Float64Array(roles.egress.length);
    this.ingressWeight = new Float64Array(roles.ingress.length);
    for (let c = 0; c < K; c++) {
      this.egressWeight[roles.egressOf[c]!]! += this.sizes[c]!;
      this.ingressWeight[roles.ingressOf[c]!]! += this.sizes[c]!;
    }
    const alwaysOpen = (r: Role) => r.kind === 'open' || (r.kind === 'pod' && r.policies.length === 0 && r.tierRules.length === 0);
    this.egressRuns = runsOf(roles.egressOf, W, () => true);
    this.ingressRuns = runsOf(roles.ingressOf, W, () => true);
    this.restrictedRuns = runsOf(roles.egressOf, W, (a) => !alwaysOpen(roles.egress[a]!));
    this.egressRunsOf = perRole(this.egressRuns, roles.egress.length);
    this.ingressRunsOf = perRole(this.ingressRuns, roles.ingress.length);
    this.egressBase = roles.egress.map((r) => this.baseRow(r, 'egress'));
    this.ingressBase = roles.ingress.map((r) => this.baseRow(r, 'ingress'));
    const changes = (r: Role, dir: 'egress' | 'ingress') => r.kind === 'pod' && (r.tierRules.length > 0 || r.policies.some((p) => (dir === 'egress' ? p.egress : p.ingress).some((rule) => rule.ports !== null)));
    let slots = 0;
    this.egressSlot = Int32Array.from(roles.egress, (r) => (changes(r, 'egress') ? slots++ : -1));
    this.egressRoom = rooms(slots, W);
    slots = 0;
    this.ingressSlot = Int32Array.from(roles.ingress, (r) => (changes(r, 'ingress') ? slots++ : -1));
    this.ingressRoom = rooms(slots, W);
    const ported = (r: Role, dir: 'egress' | 'ingress'): PortedRule[] =>
      r.kind !== 'pod' ? [] : r.policies.flatMap((policy) => (dir === 'egress' ? policy.egress : policy.ingress).filter((rule) => rule.ports !== null).map((rule) => ({ rule, peers: cm.peersOf(policy, rule), wide: wideBits(rule) })));
    this.egressPorted = roles.egress.map((r) => ported(r, 'egress'));
    this.ingressPorted = roles.ingress.map((r) => ported(r, 'ingress'));
    this.egress0 = roles.egress.map((r, a) => this.agnosticRow(r, this.egressBase[a]!, 'egress'));
    this.ingress0 = roles.ingress.map((r, d) => this.agnosticRow(r, this.ingressBase[d]!, 'ingress'));
    const own: number[] = [];
    for (const [s, t] of ownNode) own.push(s, t);
    this.ownNode = Int32Array.from(own);
  }

  /** Distinct rows: egress and ingress roles. */
  get roleCounts(): { egress: number; ingress: number } {
    return { egress: this.roles.egress.length, ingress: this.roles.ingress.length };
  }

  /** The NetworkPolicy row of a role from its rules without ports; null when no policy isolates it that way. */
  private baseRow(role: Role, dir: 'egress' | 'ingress'): Uint32Array | null {
    if (role.kind !== 'pod' || role.policies.length === 0) return null;
    const row = new Uint32Array(this.W);
    for (const p of role.policies) for (const rule of dir === 'egress' ? p.egress : p.ingress) if (rule.ports === null) orBits(row, 0, this.cm.peersOf(p, rule));
    return row;
  }

  /** A role's row when no rule with ports admits anything. */
  private agnosticRow(role: Role, base: Uint32Array | null, dir: 'egress' | 'ingress'): Uint32Array {
    if (role.kind === 'outside' && dir === 'egress') return this.podMask;
    if (role.kind !== 'pod') return this.all;
    if (!this.stage || role.tierRules.length === 0) return base ?? this.all;
    const row = new Uint32Array(this.W);
    this.stage.sideAnswer(this.tierMemoOf(role, dir).dec, base, row);
    return this.fullOr(row);
  }

  private tierMemoOf(role: Role, dir: 'egress' | 'ingress'): { ported: number[]; dec: Uint32Array } {
    let memo = this.tierMemo.get(role);
    if (!memo) {
      const stage = this.stage!;
      const dec = new Uint32Array(3 * this.W);
      stage.sideDecisions(stage.portAgnostic, role.tierRules, dir === 'egress' ? -1 : role.rep, dec);
      this.tierMemo.set(role, (memo = { ported: role.tierRules.filter((id) => stage.ported(id)), dec }));
    }
    return memo;
  }

  /** `all` when the row (masked to the classes) holds every class, else the row. */
  private fullOr(row: Uint32Array): Uint32Array {
    let full = true;
    for (let k = 0; k < this.W; k++) {
      row[k]! &= this.all[k]!;
      if (row[k] !== this.all[k]) full = false;
    }
    return full ? this.all : row;
  }

  /**
   * The NetworkPolicy row of a role on a column: its base row and the rules with ports that admit the column (named
   * ports: on the destinations for egress, on the role's own pods for ingress), written into `room` when it differs.
   * Rules that admit every port of a protocol in `skip` are left out: `base` already holds them.
   */
  private npRow(role: Role, base: Uint32Array, rules: readonly PortedRule[], dir: 'egress' | 'ingress', ok: ReadonlyMap<Rule, PortOk>, room: Uint32Array, skip = 0): Uint32Array {
    let row = base;
    for (const { rule, peers, wide } of rules) {
      if (peers.words.length === 0 || (wide & skip) !== 0) continue;
      const o = ok.get(rule);
      if (o === undefined || o === false) continue;
      if (o instanceof Uint32Array && dir === 'ingress' && !hasBit(o, role.rep)) continue;
      if (row === base) {
        room.set(base);
        row = room;
        this.lo = peers.lo;
        this.hi = peers.lo + peers.words.length;
      } else {
        this.lo = Math.min(this.lo, peers.lo);
        this.hi = Math.max(this.hi, peers.lo + peers.words.length);
      }
      if (o === true || dir === 'ingress') orBits(row, 0, peers);
      else for (let k = 0; k < peers.words.length; k++) row[peers.lo + k]! |= peers.words[k]! & o[peers.lo + k]!;
    }
    return row;
  }

  /** The words [lo, hi) where the last row `rowOn` made can differ from the port-agnostic one. */
  private lo = 0;
  private hi = 0;

  /**
   * One side's row of a role on a column, tiers included: its reference row (`ref`, see Reference) when the column
   * changes nothing, else a new row that can differ from it only at words lo..hi-1.
   */
  private rowOn(role: Role, r: number, dir: 'egress' | 'ingress', ok: ReadonlyMap<Rule, PortOk>, tier: TierColumn | undefined, ref: Reference): Uint32Array {
    const row0 = dir === 'egress' ? this.egress0[r]! : this.ingress0[r]!;
    const slot = dir === 'egress' ? this.egressSlot[r]! : this.ingressSlot[r]!;
    if (slot < 0) return row0;
    const room = (dir === 'egress' ? this.egressRoom : this.ingressRoom)[slot]!;
    const base = dir === 'egress' ? this.egressBase[r]! : this.ingressBase[r]!;
    const rules = (dir === 'egress' ? this.egressPorted : this.ingressPorted)[r]!;
    if (!this.tiered(role)) {
      // The reference row is the base with the protocol's every-port rules: only the other rules are added.
      const refRow = (dir === 'egress' ? ref.egress : ref.ingress)[r]!;
      return base ? this.npRow(role, refRow, rules, dir, ok, room, ref.wide) : row0;
    }
    const np = base ? this.npRow(role, base, rules, dir, ok, room) : null;
    const at = dir === 'egress' ? -1 : role.rep;
    const memo = this.tierMemoOf(role, dir);
    let admits = false;
    for (const id of memo.ported) {
      const o = tier!.ok[id]!;
      if (o === true || (o instanceof Uint32Array && (at < 0 || hasBit(o, at)))) {
        admits = true;
        break;
      }
    }
    if (!admits) {
      if (np === base) return row0;
      this.stage!.sideAnswer(memo.dec, np, room);
    } else this.stage!.sideRow(tier!, role.tierRules, at, np, room);
    this.lo = 0;
    this.hi = this.W;
    return this.fullOr(room);
  }

  /** Decided through the cluster policy tiers (whose rows are recomputed in each column, against the port-agnostic). */
  private tiered(role: Role): boolean {
    return this.stage !== undefined && role.tierRules.length > 0;
  }

  /** Allowed pairs of one column (of `protocol`): every (source, destination) pair of endpoints but outside-to-outside ones. */
  count(active: ActiveRules, tier: TierColumn | undefined, protocol: Protocol): number {
    const { roles } = this;
    const ok = new Map<Rule, PortOk>();
    for (const r of active.egress) ok.set(r.rule, r.ok);
    for (const r of active.ingress) ok.set(r.rule, r.ok);
    const ref = this.referenceOf(protocol);
    const eWin = new Int32Array(2 * roles.egress.length);
    const iWin = new Int32Array(2 * roles.ingress.length);
    const rows = (list: readonly Role[], dir: 'egress' | 'ingress', win: Int32Array) =>
      list.map((role, r) => {
        const row = this.rowOn(role, r, dir, ok, tier, ref);
        win[2 * r] = this.lo;
        win[2 * r + 1] = this.hi;
        return row;
      });
    const E = rows(roles.egress, 'egress', eWin);
    const I = rows(roles.ingress, 'ingress', iWin);
    return ref.sum + this.changes(E, I, eWin, iWin, ref) + this.corrections(E, I);
  }

  /** Σ e · i − Σ e_ref · i_ref = Σ (e − e_ref) · i + Σ e_ref · (i − i_ref), read at the changed words of each side. */
  private changes(E: readonly Uint32Array[], I: readonly Uint32Array[], eWin: Int32Array, iWin: Int32Array, ref: Reference): number {
    return this.rowChanges(E, ref.egress, eWin, this.ingressRuns, this.egressRunsOf, I) + this.rowChanges(I, ref.ingress, iWin, this.egressRuns, this.ingressRunsOf, ref.egress);
  }

  /** The port-agnostic rows and their sum. */
  private agnosticRef(): Reference {
    return (this.agnostic ??= { wide: 0, egress: this.egress0, ingress: this.ingress0, sum: this.sum(this.egress0, this.ingress0) });
  }

  /**
   * The rows a protocol's every-port rules give (rules that admit every port of it are active in each of its columns),
   * and their sum, counted once against the port-agnostic ones. Roles decided through the tiers keep their
   * port-agnostic row: theirs are recomputed whole in every column anyway.
   */
  private referenceOf(protocol: Protocol): Reference {
    let ref = this.refs.get(protocol);
    if (ref) return ref;
    const agnostic = this.agnosticRef();
    const wide = 1 << PROTOCOLS.indexOf(protocol);
    const side = (dir: 'egress' | 'ingress', win: Int32Array): Uint32Array[] => {
      const [list, rows0, bases, ported] = dir === 'egress' ? [this.roles.egress, this.egress0, this.egressBase, this.egressPorted] : [this.roles.ingress, this.ingress0, this.ingressBase, this.ingressPorted];
      return list.map((role, r) => {
        win[2 * r] = win[2 * r + 1] = 0;
        const base = bases[r];
        const rules = ported[r]!.filter((p) => (p.wide & wide) !== 0 && p.peers.words.length > 0);
        if (!base || rules.length === 0 || this.tiered(role)) return rows0[r]!;
        const row = base.slice();
        let lo = this.W;
        let hi = 0;
        for (const { peers } of rules) {
          orBits(row, 0, peers);
          lo = Math.min(lo, peers.lo);
          hi = Math.max(hi, peers.lo + peers.words.length);
        }
        [win[2 * r], win[2 * r + 1]] = [lo, hi];
        return row;
      });
    };
    const eWin = new Int32Array(2 * this.roles.egress.length);
    const iWin = new Int32Array(2 * this.roles.ingress.length);
    const egress = side('egress', eWin);
    const ingress = side('ingress', iWin);
    const sum = agnostic.sum + this.changes(egress, ingress, eWin, iWin, agnostic);
    this.refs.set(protocol, (ref = { wide, egress, ingress, sum }));
    return ref;
  }

  /** Σ_{a,d} e(a, d) · i(a, d) for these rows, open rows in bulk. */
  private sum(E: readonly Uint32Array[], I: readonly Uint32Array[]): number {
    const { K, W, roles, all, sizes } = this;
    const { start, end, role: runRole, atWord } = this.restrictedRuns;
    // Sources whose egress allows everything, and their number.
    const openSrc = new Uint32Array(W);
    let openSrcWeight = 0;
    for (let c = 0; c < K; c++) {
      if (E[roles.egressOf[c]!] !== all) continue;
      openSrc[c >>> 5]! |= 1 << (c & 31);
      openSrcWeight += sizes[c]!;
    }
    const restrictedSrc = new Uint32Array(W);
    for (let k = 0; k < W; k++) restrictedSrc[k] = all[k]! & ~openSrc[k]!;
    const openDst = new Uint32Array(W);
    const acc = new Float64Array(roles.egress.length);
    const touched = new Int32Array(roles.egress.length);
    const runCount = start.length;
    let pairs = 0;
    for (let d = 0; d < I.length; d++) {
      const row = I[d]!;
      const runs = this.ingressRunsOf[d]!;
      if (row === all) {
        for (let r = 0; r < runs.length; r += 2) for (let c = runs[r]!; c < runs[r + 1]!; c++) openDst[c >>> 5]! |= 1 << (c & 31);
        continue;
      }
      // Open sources reach every destination of d that admits them.
      pairs += this.ingressWeight[d]! * this.weightOf(row, openSrc);
      // The other sources, per egress role: i(a, d) from the row, then e(a, d) from a's row over d's destinations.
      let n = 0;
      for (let k = 0; k < W; k++) {
        const x = row[k]! & restrictedSrc[k]!;
        if (x === 0) continue;
        const lo = k << 5;
        for (let r = atWord[k]!; r < runCount && start[r]! < lo + 32; r++) {
          const m = x & bitsBetween(start[r]! > lo ? start[r]! - lo : 0, end[r]! < lo + 32 ? end[r]! - lo : 32);
          if (m === 0) continue;
          const a = runRole[r]!;
          if (acc[a] === 0) touched[n++] = a;
          acc[a]! += this.weight(m, k);
        }
      }
      for (let j = 0; j < n; j++) {
        const a = touched[j]!;
        pairs += this.runsWeight(E[a]!, runs) * acc[a]!;
        acc[a] = 0;
      }
    }
    // Destinations that admit everyone: every source whose egress allows them.
    for (let a = 0; a < E.length; a++) if (E[a] !== all) pairs += this.egressWeight[a]! * this.weightOf(E[a]!, openDst);
    return pairs + openSrcWeight * this.weightOf(openDst, all);
  }

  /**
   * One side's rows against their reference rows (`rows0`): for each changed row, the weight its changed bits add or remove
   * per role of the other side (found through the runs of classes of that side, `walked`), times how much of that
   * role's row (`partners`) the changed row's own runs (`runsOf`) cover.
   */
  private rowChanges(
    rows: readonly Uint32Array[],
    rows0: readonly Uint32Array[],
    win: Int32Array,
    walked: Runs,
    runsOf: readonly Int32Array[],
    partners: readonly Uint32Array[],
  ): number {
    const { start, end, role: runRole, atWord } = walked;
    const runCount = start.length;
    const acc = new Float64Array(partners.length);
    const stamp = new Int32Array(partners.length).fill(-1);
    const touched = new Int32Array(partners.length);
    let total = 0;
    for (let a = 0; a < rows.length; a++) {
      const row = rows[a]!;
      const row0 = rows0[a]!;
      if (row === row0) continue;
      let n = 0;
      for (let k = win[2 * a]!; k < win[2 * a + 1]!; k++) {
        const x = row[k]!;
        const x0 = row0[k]!;
        let changed = x ^ x0;
        if (changed === 0) continue;
        const lo = k << 5;
        // Only the runs that hold a changed bit, each once.
        for (let r = atWord[k]!; changed !== 0 && r < runCount; r++) {
          if (end[r]! <= lo + 31 - Math.clz32(changed & -changed)) continue;
          const m = bitsBetween(start[r]! > lo ? start[r]! - lo : 0, end[r]! < lo + 32 ? end[r]! - lo : 32);
          if ((changed & m) === 0) continue;
          changed &= ~m;
          const diff = this.weight(x & ~x0 & m, k) - this.weight(x0 & ~x & m, k);
          if (diff === 0) continue;
          const d = runRole[r]!;
          if (stamp[d] !== a) {
            stamp[d] = a;
            acc[d] = 0;
            touched[n++] = d;
          }
          acc[d]! += diff;
        }
      }
      const runs = runsOf[a]!;
      for (let j = 0; j < n; j++) {
        const d = touched[j]!;
        if (acc[d] !== 0) total += acc[d]! * this.runsWeight(partners[d]!, runs);
      }
    }
    return total;
  }

  /**
   * What the roles cannot see: a pod always reaches itself, and a pod and its own node always reach each other; the
   * sum counts those pairs only where both sides allow them.
   */
  private corrections(E: readonly Uint32Array[], I: readonly Uint32Array[]): number {
    const { K, roles, sizes } = this;
    let extra = 0;
    for (let c = 0; c < K; c++) {
      if (!this.cm.pod[c]) continue;
      if (!(hasBit(E[roles.egressOf[c]!]!, c) && hasBit(I[roles.ingressOf[c]!]!, c))) extra += sizes[c]!;
    }
    const own = this.ownNode;
    for (let x = 0; x < own.length; x += 2) {
      const s = own[x]!;
      const t = own[x + 1]!;
      if (!(hasBit(E[roles.egressOf[s]!]!, t) && hasBit(I[roles.ingressOf[t]!]!, s))) extra++;
    }
    return extra;
  }

  /** Σ |c| over the classes c set in both rows. */
  private weightOf(row: Uint32Array, mask: Uint32Array): number {
    let sum = 0;
    for (let k = 0; k < this.W; k++) {
      const x = row[k]! & mask[k]!;
      if (x !== 0) sum += this.weight(x, k);
    }
    return sum;
  }

  /** Σ |c| over the classes of the runs (flattened [start, end) pairs) set in the row. */
  private runsWeight(row: Uint32Array, runs: Int32Array): number {
    let sum = 0;
    for (let r = 0; r < runs.length; r += 2) {
      const from = runs[r]!;
      const to = runs[r + 1]!;
      const k0 = from >>> 5;
      const k1 = (to - 1) >>> 5;
      for (let k = k0; k <= k1; k++) {
        let x = row[k]!;
        if (x === 0) continue;
        x &= bitsBetween(k === k0 ? from & 31 : 0, k === k1 ? to - (k << 5) : 32);
        if (x !== 0) sum += this.weight(x, k);
      }
    }
    return sum;
  }

  /** Σ |c| over the classes of word k set in x. */
  private weight(x: number, k: number): number {
    if (x === 0) return 0;
    const planes = this.planes;
    if (planes.length === 1) return popcount32(x & planes[0]![k]!);
    let sum = 0;
    for (let b = 0; b < planes.length; b++) sum += popcount32(x & planes[b]![k]!) << b;
    return sum;
  }
}

/**
 * About the words the port-agnostic sum reads: each ingress role's row and, per word, the runs of classes whose
 * egress can be restricted. Class rows cost about K · W words per distinct column instead.
 */
export function factoredWork(cm: ClassModel, roles: Roles): number {
  let runs = 0;
  for (let c = 0; c < cm.count; c++) {
    const a = roles.egressOf[c]!;
    const r = roles.egress[a]!;
    if (r.kind === 'open' || (r.kind === 'pod' && r.policies.length === 0 && r.tierRules.length === 0)) continue;
    if (c === 0 || roles.egressOf[c - 1] !== a) runs++;
  }
  return roles.ingress.length * (cm.words + runs);
}

/** A NetworkPolicy rule with ports and the classes its peers select. */
interface PortedRule {
  rule: Rule;
  peers: Bits;
  /** The protocols whose every port it admits, one bit each (PROTOCOLS order). */
  wide: number;
}

/**
 * What a column is counted against: per role, its row on every column of one protocol before that column's own rules
 * (the port-agnostic row, with the rules that admit every port of the protocol), and Σ e · i over those rows.
 */
interface Reference {
  /** The protocol bit of PROTOCOLS (0: the port-agnostic reference). */
  wide: number;
  egress: readonly Uint32Array[];
  ingress: readonly Uint32Array[];
  sum: number;
}

/** The protocols whose every port a rule admits (a port entry with no port), as bits in PROTOCOLS order. */
function wideBits(rule: Rule): number {
  let bits = 0;
  for (const s of rule.ports ?? []) if (s.port === null) bits |= 1 << PROTOCOLS.indexOf(s.protocol);
  return bits;
}

/** `n` rows of W words in one buffer. */
function rooms(n: number, W: number): Uint32Array[] {
  const buf = new Uint32Array(n * W);
  return Array.from({ length: n }, (_, i) => buf.subarray(i * W, i * W + W));
}

/** Maximal runs of consecutive classes with one role, over the classes whose role passes `keep`. */
function runsOf(roleOf: Int32Array, W: number, keep: (role: number) => boolean): Runs {
  const starts: number[] = [];
  const ends: number[] = [];
  const roles: number[] = [];
  for (let c = 0; c < roleOf.length; c++) {
    const r = roleOf[c]!;
    if (!keep(r)) continue;
    if (ends.length > 0 && ends[ends.length - 1] === c && roles[roles.length - 1] === r) ends[ends.length - 1] = c + 1;
    else {
      starts.push(c);
      ends.push(c + 1);
      roles.push(r);
    }
  }
  const atWord = new Int32Array(W);
  for (let k = 0, r = 0; k < W; k++) {
    while (r < ends.length && ends[r]! <= k << 5) r++;
    atWord[k] = r;
  }
  return { start: Int32Array.from(starts), end: Int32Array.from(ends), role: Int32Array.from(roles), atWord };
}

/** Each role's runs as flattened [start, end) pairs. */
function perRole(runs: Runs, count: number): Int32Array[] {
  const lists: number[][] = Array.from({ length: count }, () => []);
  for (let r = 0; r < runs.start.length; r++) lists[runs.role[r]!]!.push(runs.start[r]!, runs.end[r]!);
  return lists.map((l) => Int32Array.from(l));
}

/** Bits from..to-1 of a word (0 <= from <= to <= 32). */
function bitsBetween(from: number, to: number): number {
  const upper = to >= 32 ? -1 : (1 << to) - 1;
  return upper & (-1 << from);
}

function hasBit(row: Uint32Array, c: number): boolean {
  return (row[c >>> 5]! & (1 << (c & 31))) !== 0;
}

/** Class sizes as bit planes: the weighted count of a word is a few popcounts. */
function planesOf(sizes: Int32Array, W: number): Uint32Array[] {
  let max = 1;
  for (const s of sizes) if (s > max) max = s;
  const planes: Uint32Array[] = [];
  for (let b = 0; 1 << b <= max; b++) {
    const plane = new Uint32Array(W);
    sizes.forEach((s, c) => {
      if (s & (1 << b)) plane[c >>> 5]! |= 1 << (c & 31);
    });
    planes.push(plane);
  }
  return planes;
}
