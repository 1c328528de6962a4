/**
 * The peer · protocol · port set elements of a class chain or a cluster policy rule: what its rules admit, as disjoint
 * elements (nft refuses overlapping elements in a concatenated interval set), single addresses on a single port in a
 * hash set and the rest in an interval set. Kept by run of the port axis, so that a pod event, which changes what the
 * rules admit at a few addresses only, patches the elements at those addresses instead of writing all of them again:
 * a broad peer (a namespace-wide selector, `{}`) holds most pods, and each class reading it holds its thousands of
 * elements. The patched elements are the ones a fresh build writes, in the same order (the incremental property test
 * compares the two after every random pod event).
 */
import type { Family } from '@kordon/engine';
import { portText } from './elements.js';
import { covers, disjointRuns, firstIndex, formatRange, lowerBound, mergeRanges, type AddrRange, type PortGroup } from './ranges.js';

/** A protocol and an inclusive port range. */
export interface PortBox {
  proto: number;
  lo: number;
  hi: number;
}

/** Every one of these address ranges (sorted, merged) on every one of these ports: what one peer admits on a rule's ports. */
export interface PortedRanges {
  ports: readonly PortBox[];
  ranges: readonly AddrRange[];
}

/** A run of the port axis over which the same port groups hold, with its addresses and their elements, in order. */
interface Run {
  proto: number;
  pLo: number;
  pHi: number;
  /** The port groups (`proto:lo-hi`) holding over the run. */
  keys: readonly string[];
  /** On a single port, single addresses are points (hash set); everything else is a span (interval set). */
  points: readonly bigint[];
  pointTexts: readonly string[];
  spans: readonly AddrRange[];
  spanTexts: readonly string[];
}

export interface BoxSets {
  /** The port groups the elements were made from, in order: a patch needs the same ones. */
  keys: string;
  runs: readonly Run[];
  points: string[];
  spans: string[];
}

interface KeyGroup {
  proto: number;
  pLo: number;
  pHi: number;
  lists: Array<readonly AddrRange[]>;
}

const portKeys = new WeakMap<readonly PortBox[], string[]>();
/** The keys of some ports, written once per ports list (a rule's, or a pod's named ports). */
function keysOfPorts(ports: readonly PortBox[]): string[] {
  let ks = portKeys.get(ports);
  if (!ks) portKeys.set(ports, (ks = ports.map((p) => `${p.proto}:${p.lo}-${p.hi}`)));
  return ks;
}

/** The input by port group (skipping empty address lists: a peer with no address adds no group). */
function keyGroups(input: readonly PortedRanges[]): Map<string, KeyGroup> {
  const byKey = new Map<string, KeyGroup>();
  for (const c of new Set(input)) {
    if (!c.ranges.length) continue;
    const keys = keysOfPorts(c.ports);
    for (let i = 0; i < keys.length; i++) {
      const p = c.ports[i] as PortBox;
      const k = keys[i] as string;
      const g = byKey.get(k);
      if (g) g.lists.push(c.ranges);
      else byKey.set(k, { proto: p.proto, pLo: p.lo, pHi: p.hi, lists: [c.ranges] });
    }
  }
  return byKey;
}

const keysOf = (groups: ReadonlyMap<string, KeyGroup>): string => [...groups.keys()].sort().join(' ');

const elementText = (f: Family, lo: bigint, hi: bigint, port: string): string => `${formatRange(f, lo, hi)} . ${port}`;

function runOf(f: Family, proto: number, pLo: number, pHi: number, keys: readonly string[], ranges: readonly AddrRange[]): Run {
  const port = portText(proto, pLo, pHi);
  const points: bigint[] = [];
  const pointTexts: string[] = [];
  const spans: AddrRange[] = [];
  const spanTexts: string[] = [];
  for (const r of ranges) {
    if (pLo === pHi && r[0] === r[1]) {
      points.push(r[0]);
      pointTexts.push(elementText(f, r[0], r[0], port));
    } else {
      spans.push(r);
      spanTexts.push(elementText(f, r[0], r[1], port));
    }
  }
  return { proto, pLo, pHi, keys, points, pointTexts, spans, spanTexts };
}

function assemble(keys: string, runs: readonly Run[]): BoxSets {
  const points: string[] = [];
  const spans: string[] = [];
  for (const r of runs) {
    for (const t of r.pointTexts) points.push(t);
    for (const t of r.spanTexts) spans.push(t);
  }
  return { keys, runs, points, spans };
}

const single: Record<Family, WeakMap<PortedRanges, BoxSets>> = { 4: new WeakMap(), 6: new WeakMap() };

/** The elements of some port groups of family `f`; one group (the common case) is written once and shared by every class. */
export function boxSets(f: Family, input: readonly PortedRanges[]): BoxSets {
  const one = sole(input);
  const known = one && single[f].get(one);
  if (known) return known;
  const groups = keyGroups(input);
  const byProto = new Map<number, PortGroup[]>();
  const keyAt = new Map<number, string[]>();
  for (const [k, g] of groups) {
    if (!byProto.has(g.proto)) (byProto.set(g.proto, []), keyAt.set(g.proto, []));
    (byProto.get(g.proto) as PortGroup[]).push({ pLo: g.pLo, pHi: g.pHi, ranges: g.lists.length === 1 ? (g.lists[0] as readonly AddrRange[]) : mergeRanges(g.lists.flat()) });
    (keyAt.get(g.proto) as string[]).push(k);
  }
  const runs = disjointRuns(byProto).map((r) => {
    const at = keyAt.get(r.proto) as string[];
    return runOf(f, r.proto, r.pLo, r.pHi, r.groups.map((i) => at[i] as string), r.ranges);
  });
  const out = assemble(keysOf(groups), runs);
  if (one) single[f].set(one, out);
  return out;
}

function sole(input: readonly PortedRanges[]): PortedRanges | undefined {
  const first = input[0];
  return first !== undefined && input.every((c) => c === first) ? first : undefined;
}

/**
 * `before` (the elements of the last compile) made true of `input`, which differs from the input of `before` at the
 * addresses `changed` (sorted) and nowhere else: the addresses of the pods that came and went. Each run's membership
 * of those addresses is asked of the input again and its ranges cut or joined there. A change of the port groups
 * themselves (a port name resolving to a new number, a peer's last pod gone) moves the runs: built again.
 */
export function patchBoxSets(before: BoxSets, f: Family, input: readonly PortedRanges[], changed: readonly bigint[]): BoxSets {
  const one = sole(input);
  const known = one && single[f].get(one);
  if (known) return known;
  // One pass over the input: its port groups, and for each changed address the groups that now hold it.
  const ports = new Set<readonly PortBox[]>();
  const holding = changed.map(() => new Set<readonly PortBox[]>());
  for (const c of input) {
    if (!c.ranges.length) continue;
    ports.add(c.ports);
    changed.forEach((v, i) => {
      if (covers(c.ranges, v)) (holding[i] as Set<readonly PortBox[]>).add(c.ports);
    });
  }
  const keys = new Set<string>();
  for (const p of ports) for (const k of keysOfPorts(p)) keys.add(k);
  if ([...keys].sort().join(' ') !== before.keys) return boxSets(f, input);
  const heldBy = holding.map((ps) => {
    const ks = new Set<string>();
    for (const p of ps) for (const k of keysOfPorts(p)) ks.add(k);
    return ks;
  });
  let touched = false;
  const runs = before.runs.map((run) => {
    let r = run;
    changed.forEach((v, i) => {
      const now = r.keys.some((k) => (heldBy[i] as Set<string>).has(k));
      if (now !== holds(r, v)) r = now ? joined(f, r, v) : cut(f, r, v);
    });
    if (r !== run) touched = true;
    return r;
  });
  const out = touched ? assemble(before.keys, runs) : before;
  if (one) single[f].set(one, out);
  return out;
}

/** Index of the first range whose start is above `v`. */
const upper = (ranges: readonly AddrRange[], v: bigint): number => firstIndex(ranges.length, (i) => (ranges[i] as AddrRange)[0] > v);


/** The run's range holding `v`, if any. */
function rangeAt(r: Run, v: bigint): AddrRange | undefined {
  const i = lowerBound(r.points, v);
  if (r.points[i] === v) return [v, v];
  const j = upper(r.spans, v) - 1;
  const s = r.spans[j];
  return s && s[1] >= v ? s : undefined;
}

const holds = (r: Run, v: bigint): boolean => rangeAt(r, v) !== undefined;

/** A copy of the run without the range `[lo, hi]` (one of its own) and with the ranges `add`. */
function replaced(f: Family, r: Run, drop: readonly AddrRange[], add: readonly AddrRange[]): Run {
  const port = portText(r.proto, r.pLo, r.pHi);
  const points = r.points.slice();
  const pointTexts = r.pointTexts.slice();
  const spans = r.spans.slice();
  const spanTexts = r.spanTexts.slice();
  for (const [lo, hi] of drop) {
    if (r.pLo === r.pHi && lo === hi) {
      const i = lowerBound(points, lo);
      points.splice(i, 1);
      pointTexts.splice(i, 1);
    } else {
      const i = upper(spans, lo) - 1;
      spans.splice(i, 1);
      spanTexts.splice(i, 1);
    }
  }
  for (const [lo, hi] of add) {
    if (r.pLo === r.pHi && lo === hi) {
      const i = lowerBound(points, lo);
      points.splice(i, 0, lo);
      pointTexts.splice(i, 0, elementText(f, lo, lo, port));
    } else {
      const i = upper(spans, lo);
      spans.splice(i, 0, [lo, hi]);
      spanTexts.splice(i, 0, elementText(f, lo, hi, port));
    }
  }
  return { ...r, points, pointTexts, spans, spanTexts };
}

/** The run with `v` added: joined with the ranges ending just below and starting just above it. */
function joined(f: Family, r: Run, v: bigint): Run {
  const below = rangeAt(r, v - 1n);
  const above = rangeAt(r, v + 1n);
  const drop = [below, above].filter((x): x is AddrRange => x !== undefined);
  return replaced(f, r, drop, [[below ? below[0] : v, above ? above[1] : v]]);
}

/** The run with `v` taken out of its range. */
function cut(f: Family, r: Run, v: bigint): Run {
  const [lo, hi] = rangeAt(r, v) as AddrRange;
  const add: AddrRange[] = [];
  if (lo < v) add.push([lo, v - 1n]);
  if (v < hi) add.push([v + 1n, hi]);
  return replaced(f, r, [[lo, hi]], add);
}
