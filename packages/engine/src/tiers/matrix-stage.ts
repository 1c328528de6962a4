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
 */
import type { Cluster, Protocol } from '../model/types.js';
import type { MatrixColumn } from '../matrix/columns.js';
import type { ClassModel } from '../matrix/classes.js';
import { EMPTY_BITS, forEachBitOf, orBitsAll, type Bits } from '../matrix/bitset.js';
import { effectiveAction, tierModelOf, type TierModel } from './model.js';
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
  /** Rows a cluster policy can change, ascending. */
  readonly rows: readonly number[];
  readonly isRow: Uint8Array;
  private readonly rules: CompiledRule[] = [];
  /** Per class: ids of egress rules whose subject holds it, and of ingress rules whose peers hold it (global order). */
  private readonly egressOf: number[][];
  private readonly ingressOf: number[][];
  private readonly W: number;
  private readonly scratch: Uint32Array[];

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
    const model = tierModelOf(cluster);
    this.egressOf = Array.from({ length: K }, () => []);
    this.ingressOf = Array.from({ length: K }, () => []);
    for (const policy of cluster.clusterPolicies) {
      const subject = subjectBits(cm, policy);
      for (const rule of [...policy.egress, ...policy.ingress]) {
        if (rule.failClosed === 'match-nothing') continue;
        const peers = rule.failClosed === 'deny-all' ? all : orBitsAll(rule.peers.map((p) => peerBits(cm, model, p)));
        const id = this.rules.length;
        this.rules.push({ tier: policy.tier, action: effectiveAction(rule), rule, subject, peers });
        if (rule.direction === 'egress') forEachBitOf(subject, (c) => this.egressOf[c]!.push(id));
        else forEachBitOf(peers, (c) => this.ingressOf[c]!.push(id));
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
    this.scratch = Array.from({ length: 8 }, () => new Uint32Array(W));
  }

  get empty(): boolean {
    return this.rows.length === 0;
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
  combine(tc: TierColumn, s: number, out: Uint32Array, o: number, npEgress: Uint32Array | null, inFrom: Uint32Array, iOff: number, open: Uint32Array, notIsolated: Uint32Array): void {
    const W = this.W;
    const [eAcc, eDen, eBDeny, iAcc, iDen, iBDeny] = this.scratch as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
    this.firstMatch(tc, this.egressOf[s]!, 'subject', eAcc, eDen, eBDeny);
    this.firstMatch(tc, this.ingressOf[s]!, 'peers', iAcc, iDen, iBDeny);
    for (let k = 0; k < W; k++) {
      const egressRest = npEgress ? npEgress[k]! : ~eBDeny[k]!;
      const egress = eAcc[k]! | (~(eAcc[k]! | eDen[k]!) & egressRest);
      const ingressRest = (inFrom[iOff + k]! | open[k]!) & ~(notIsolated[k]! & iBDeny[k]!);
      const ingress = iAcc[k]! | (~(iAcc[k]! | iDen[k]!) & ingressRest);
      out[o + k] = egress & ingress;
    }
  }

  /**
   * Runs the rules in order for one row. For egress rules the row is their subject and the targets their peers; for
   * ingress rules the row is among their peers and the targets their subject. The first rule of a tier to match a
   * target decides it there: Admin Accept and Deny land in acc and den (Pass only shields the rest of the tier),
   * Baseline Deny in bDeny.
   */
  private firstMatch(tc: TierColumn, ids: readonly number[], target: 'subject' | 'peers', acc: Uint32Array, den: Uint32Array, bDeny: Uint32Array): void {
    const dec = this.scratch[6]!;
    const bDec = this.scratch[7]!;
    acc.fill(0);
    den.fill(0);
    bDeny.fill(0);
    dec.fill(0);
    bDec.fill(0);
    for (const id of ids) {
      const ok = tc.ok[id]!;
      if (ok === false) continue;
      const r = this.rules[id]!;
      const t = target === 'subject' ? r.peers : r.subject;
      const admin = r.tier === 'Admin';
      const d = admin ? dec : bDec;
      const into = r.action === 'Pass' ? undefined : admin ? (r.action === 'Accept' ? acc : den) : r.action === 'Deny' ? bDeny : undefined;
      const w = t.words;
      for (let k = 0; k < w.length; k++) {
        const g = t.lo + k;
        const m = w[k]! & (ok === true ? -1 : ok[g]!) & ~d[g]!;
        if (m === 0) continue;
        d[g]! |= m;
        if (into) into[g]! |= m;
      }
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
