import type { LabelSelector, Labels, SelectorOperator } from '../model/types.js';

/**
 * A selector matches when every matchLabels pair is equal AND every matchExpressions entry holds:
 * In (key present, value listed), NotIn (key absent, or value not listed), Exists, DoesNotExist.
 * An empty selector matches everything.
 *
 * Each term is a positive test (the label has one of some values, or the key at all) or its negation. That reading is
 * written once, in `TERMS`; `selectorMatches` applies it to one set of labels and `selectSet` to sets of objects held
 * in an index, so the two cannot drift.
 */
const TERMS: Record<SelectorOperator, { test: 'value' | 'key'; negated: boolean }> = {
  In: { test: 'value', negated: false },
  NotIn: { test: 'value', negated: true },
  Exists: { test: 'key', negated: false },
  DoesNotExist: { test: 'key', negated: true },
};

export function selectorMatches(sel: LabelSelector, labels: Labels): boolean {
  for (const key in sel.matchLabels) {
    if (ownLabel(labels, key) !== sel.matchLabels[key]) return false;
  }
  for (const req of sel.matchExpressions) if (!termHolds(req.operator, req.values, ownLabel(labels, req.key))) return false;
  return true;
}

/** Whether one matchExpressions term holds for an object whose label at the term's key is `v` (undefined: none). */
function termHolds(operator: SelectorOperator, values: readonly string[], v: string | undefined): boolean {
  const t = TERMS[operator];
  const positive = v !== undefined && (t.test === 'key' || values.includes(v));
  return positive !== t.negated;
}

/**
 * Set operations over some representation of sets of labelled objects (bitsets of pod classes, say): what
 * `selectSet` needs to read a selector over an index instead of object by object.
 */
export interface SelectorSets<S> {
  and(a: S, b: S): S;
  andNot(a: S, b: S): S;
  /** The objects whose label `key` has one of `values`. */
  withValue(key: string, values: readonly string[]): S;
  /** The objects that carry label `key`. */
  withKey(key: string): S;
}

/** The objects of `scope` a selector matches, read term by term as set operations (the terms as `TERMS` reads them). */
export function selectSet<S>(scope: S, sel: LabelSelector, sets: SelectorSets<S>): S {
  let r = scope;
  for (const key of Object.keys(sel.matchLabels)) r = sets.and(r, sets.withValue(key, [sel.matchLabels[key]!]));
  for (const req of sel.matchExpressions) {
    const t = TERMS[req.operator];
    const positive = t.test === 'key' ? sets.withKey(req.key) : sets.withValue(req.key, req.values);
    r = t.negated ? sets.andNot(r, positive) : sets.and(r, positive);
  }
  return r;
}

export function selectorIsEmpty(sel: LabelSelector): boolean {
  return Object.keys(sel.matchLabels).length === 0 && sel.matchExpressions.length === 0;
}

/** kubectl's way of writing a selector: `app=web,tier in (a,b),!debug`; empty selector: `<none>`-style callers decide. */
export function formatSelector(sel: LabelSelector): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) parts.push(`${k}=${v}`);
  for (const r of sel.matchExpressions) {
    switch (r.operator) {
      case 'In':
        parts.push(`${r.key} in (${[...r.values].sort().join(',')})`);
        break;
      case 'NotIn':
        parts.push(`${r.key} notin (${[...r.values].sort().join(',')})`);
        break;
      case 'Exists':
        parts.push(r.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${r.key}`);
        break;
    }
  }
  return parts.join(',');
}

/** The value of a label the object itself carries: `constructor` or `toString` are label keys, not inherited members. */
function ownLabel(labels: Labels, key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : undefined;
}

/**
 * The first term of a selector that a set of labels fails, as data. `operator` is the term's: `Equals` for a
 * `matchLabels` entry (`values` holds its one value). `has` is the value the labels carry for `key`; absent: no such
 * label.
 */
export interface SelectorMiss {
  key: string;
  operator: 'Equals' | SelectorOperator;
  values: readonly string[];
  has?: string;
}

/** Why a selector does not match (the first failing term), or undefined when it matches. */
export function selectorMiss(sel: LabelSelector, labels: Labels): SelectorMiss | undefined {
  const miss = (key: string, operator: SelectorMiss['operator'], values: readonly string[], has: string | undefined): SelectorMiss =>
    has === undefined ? { key, operator, values } : { key, operator, values, has };
  for (const key in sel.matchLabels) {
    const want = sel.matchLabels[key]!;
    const have = ownLabel(labels, key);
    if (have !== want) return miss(key, 'Equals', [want], have);
  }
  for (const r of sel.matchExpressions) {
    const v = ownLabel(labels, r.key);
    if (!termHolds(r.operator, r.values, v)) return miss(r.key, r.operator, r.values, v);
  }
  return undefined;
}

/** A selector miss in words, as the labelled object is described: `has no label app`, `has app=db, not app=web`. */
export function describeSelectorMiss(m: SelectorMiss): string {
  if (m.has === undefined) return `has no label ${m.key}`;
  const have = `${m.key}=${m.has}`;
  switch (m.operator) {
    case 'Equals':
      return `has ${have}, not ${m.key}=${m.values[0]}`;
    case 'In':
      return `has ${have}, not in (${m.values.join(',')})`;
    case 'NotIn':
      return `has ${have}, which is excluded`;
    default:
      return `has label ${m.key}`;
  }
}

/** Why a selector does not match, in words (the first failing term), or undefined when it matches. */
export function selectorMismatch(sel: LabelSelector, labels: Labels): string | undefined {
  const m = selectorMiss(sel, labels);
  return m && describeSelectorMiss(m);
}

/**
 * Whether every object `narrow` matches is matched by `broad`, in every cluster: broad's terms are a subset of
 * narrow's (a `k In (v)` term in narrow pins `k=v` as a matchLabels entry does). This is a question about two
 * selectors, not about the objects of one cluster (that is `selectorMatches`, and the compiled model for peers): lint
 * asks it to call a rule redundant whatever labels the cluster's objects get later. It may answer false for a
 * selector that does cover the other (it does not reason about value sets), never true for one that does not.
 */
export function selectorSubsumes(broad: LabelSelector, narrow: LabelSelector): boolean {
  for (const [k, v] of Object.entries(broad.matchLabels)) {
    if (ownLabel(narrow.matchLabels, k) === v) continue;
    if (!narrow.matchExpressions.some((e) => e.key === k && e.operator === 'In' && e.values.length > 0 && e.values.every((x) => x === v))) return false;
  }
  for (const e of broad.matchExpressions) {
    const key = selectorKey({ matchLabels: {}, matchExpressions: [e] });
    if (narrow.matchExpressions.some((n) => selectorKey({ matchLabels: {}, matchExpressions: [n] }) === key)) continue;
    // A term of broad holds for every object narrow matches when narrow pins the term's key to a value it accepts.
    const pinned = ownLabel(narrow.matchLabels, e.key);
    if (pinned !== undefined && termHolds(e.operator, e.values, pinned)) continue;
    return false;
  }
  return true;
}

/** Canonical key for deduplicating selectors. */
export function selectorKey(sel: LabelSelector): string {
  const ml = Object.entries(sel.matchLabels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const me = sel.matchExpressions
    .map((r) => `${r.key}\u0001${r.operator}\u0001${[...r.values].sort().join('\u0002')}`)
    .sort();
  return `${ml.map(([k, v]) => `${k}=${v}`).join('\u0003')}|${me.join('\u0003')}`;
}

export function formatLabels(labels: Labels): string {
  return Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
