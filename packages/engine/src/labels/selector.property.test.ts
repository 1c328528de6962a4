import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LabelSelector, Labels } from '../model/types.js';
import { normalizeSelector } from '../model/normalize.js';
import { describeSelectorMiss, selectorIsEmpty, selectorKey, selectorMatches, selectorMismatch, selectorMiss, selectorSubsumes, selectSet, type SelectorSets } from './selector.js';

// Few keys and values, so that random labels and selectors meet often.
// 'constructor' and 'toString' are valid label keys that plain objects also inherit.
const KEYS = ['app', 'tier', 'example.com/team', 'k', 'constructor', 'toString'];
const VALUES = ['a', 'b', 'c', ''];

const labelsArb: fc.Arbitrary<Labels> = fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), { maxKeys: 4 });
const requirementArb = fc.oneof(
  fc.record({ key: fc.constantFrom(...KEYS), operator: fc.constantFrom('In' as const, 'NotIn' as const), values: fc.uniqueArray(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 3 }) }),
  fc.record({ key: fc.constantFrom(...KEYS), operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const), values: fc.constant([] as string[]) }),
);
const selectorArb: fc.Arbitrary<LabelSelector> = fc.record({
  matchLabels: fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), { maxKeys: 3 }),
  matchExpressions: fc.array(requirementArb, { maxLength: 4 }),
});

/** The definition, term by term (semantics §2): every pair equal AND every requirement holds. */
function reference(sel: LabelSelector, labels: Labels): boolean {
  const pairs = Object.entries(sel.matchLabels).every(([k, v]) => Object.keys(labels).includes(k) && labels[k] === v);
  const reqs = sel.matchExpressions.every((r) => {
    const present = Object.keys(labels).includes(r.key);
    if (r.operator === 'In') return present && r.values.some((v) => v === labels[r.key]);
    if (r.operator === 'NotIn') return !present || r.values.every((v) => v !== labels[r.key]);
    if (r.operator === 'Exists') return present;
    return !present;
  });
  return pairs && reqs;
}

const RUNS = { seed: 4242, numRuns: 2000 };

describe('selectorMatches', () => {
  it('follows the definition over random labels and selectors', () => {
    fc.assert(fc.property(selectorArb, labelsArb, (sel, labels) => selectorMatches(sel, labels) === reference(sel, labels)), RUNS);
  });

  it('selectSet, over an index of sets, picks exactly the objects the definition matches', () => {
    fc.assert(
      fc.property(selectorArb, fc.array(labelsArb, { maxLength: 8 }), (sel, objects) => {
        // Sets of object numbers, built from an index the way the matrix builds its class bitsets.
        const all = objects.map((_, i) => i);
        const has = (i: number, key: string) => Object.prototype.hasOwnProperty.call(objects[i]!, key);
        const sets: SelectorSets<number[]> = {
          and: (a, b) => a.filter((i) => b.includes(i)),
          andNot: (a, b) => a.filter((i) => !b.includes(i)),
          withValue: (key, values) => all.filter((i) => has(i, key) && values.includes(objects[i]![key]!)),
          withKey: (key) => all.filter((i) => has(i, key)),
        };
        expect(selectSet(all, sel, sets)).toEqual(all.filter((i) => reference(sel, objects[i]!)));
      }),
      RUNS,
    );
  });

  it('selectorMismatch names a reason exactly when the selector does not match', () => {
    fc.assert(fc.property(selectorArb, labelsArb, (sel, labels) => (selectorMismatch(sel, labels) === undefined) === selectorMatches(sel, labels)), RUNS);
  });

  it('selectorMiss names a term of the selector that the labels fail, with the value they have', () => {
    fc.assert(
      fc.property(selectorArb, labelsArb, (sel, labels) => {
        const m = selectorMiss(sel, labels);
        if (m === undefined) return selectorMatches(sel, labels);
        const has = Object.keys(labels).includes(m.key) ? labels[m.key] : undefined;
        // The named term alone must fail on these labels: the miss is the reason, not a guess.
        const term: LabelSelector = m.operator === 'Equals' ? { matchLabels: { [m.key]: m.values[0]! }, matchExpressions: [] } : { matchLabels: {}, matchExpressions: [{ key: m.key, operator: m.operator, values: m.values }] };
        const written = m.operator === 'Equals' ? sel.matchLabels[m.key] === m.values[0] : sel.matchExpressions.some((r) => r.key === m.key && r.operator === m.operator);
        return m.has === has && written && !reference(term, labels) && describeSelectorMiss(m) === selectorMismatch(sel, labels);
      }),
      RUNS,
    );
  });

  it('a miss in words', () => {
    const words = (sel: LabelSelector, labels: Labels) => describeSelectorMiss(selectorMiss(sel, labels)!);
    const expr = (key: string, operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist', values: string[] = []): LabelSelector => ({ matchLabels: {}, matchExpressions: [{ key, operator, values }] });
    expect(selectorMiss({ matchLabels: { app: 'web' }, matchExpressions: [] }, { app: 'db' })).toEqual({ key: 'app', operator: 'Equals', values: ['web'], has: 'db' });
    expect(words({ matchLabels: { app: 'web' }, matchExpressions: [] }, { app: 'db' })).toBe('has app=db, not app=web');
    expect(words({ matchLabels: { app: 'web' }, matchExpressions: [] }, {})).toBe('has no label app');
    expect(words(expr('tier', 'In', ['a', 'b']), { tier: 'c' })).toBe('has tier=c, not in (a,b)');
    expect(words(expr('tier', 'NotIn', ['a']), { tier: 'a' })).toBe('has tier=a, which is excluded');
    expect(words(expr('tier', 'Exists'), {})).toBe('has no label tier');
    expect(words(expr('tier', 'DoesNotExist'), { tier: 'a' })).toBe('has label tier');
  });

  it('selectorSubsumes is never wrong: what the narrow selector matches, the broad one matches', () => {
    fc.assert(fc.property(selectorArb, selectorArb, labelsArb, (broad, narrow, labels) => !selectorSubsumes(broad, narrow) || !reference(narrow, labels) || reference(broad, labels)), { seed: 4242, numRuns: 5000 });
    // And it does see containment: a selector with one more term, or a term pinned by In.
    fc.assert(fc.property(selectorArb, requirementArb, (sel, extra) => selectorSubsumes(sel, { matchLabels: sel.matchLabels, matchExpressions: [...sel.matchExpressions, extra] })), RUNS);
    expect(selectorSubsumes({ matchLabels: { app: 'a' }, matchExpressions: [] }, { matchLabels: {}, matchExpressions: [{ key: 'app', operator: 'In', values: ['a'] }] })).toBe(true);
    expect(selectorSubsumes({ matchLabels: {}, matchExpressions: [{ key: 'constructor', operator: 'Exists', values: [] }] }, { matchLabels: {}, matchExpressions: [] })).toBe(false);
  });

  it('an empty selector matches everything', () => {
    fc.assert(fc.property(labelsArb, (labels) => selectorIsEmpty({ matchLabels: {}, matchExpressions: [] }) && selectorMatches({ matchLabels: {}, matchExpressions: [] }, labels)), RUNS);
  });

  it('equal selectorKey means the same selection, whatever the order of terms', () => {
    fc.assert(
      fc.property(selectorArb, labelsArb, fc.infiniteStream(fc.nat()), (sel, labels, rnd) => {
        const shuffled: LabelSelector = {
          matchLabels: Object.fromEntries(Object.entries(sel.matchLabels).reverse()),
          matchExpressions: [...sel.matchExpressions].reverse().map((r) => ({ ...r, values: [...r.values].sort(() => (rnd.next().value % 2 ? 1 : -1)) })),
        };
        expect(selectorKey(shuffled)).toBe(selectorKey(sel));
        expect(selectorMatches(shuffled, labels)).toBe(selectorMatches(sel, labels));
      }),
      { seed: 4242, numRuns: 500 },
    );
  });

  it('normalizeSelector keeps the meaning of a written selector', () => {
    fc.assert(
      fc.property(selectorArb, labelsArb, (sel, labels) => {
        const written = { matchLabels: sel.matchLabels, matchExpressions: sel.matchExpressions.map((r) => (r.values.length ? r : { key: r.key, operator: r.operator })) };
        return selectorMatches(normalizeSelector(written), labels) === reference(sel, labels);
      }),
      RUNS,
    );
  });

  it('a label named like an Object.prototype member is just a label', () => {
    expect(selectorMatches({ matchLabels: {}, matchExpressions: [{ key: 'constructor', operator: 'Exists', values: [] }] }, {})).toBe(false);
    expect(selectorMatches({ matchLabels: {}, matchExpressions: [{ key: 'toString', operator: 'DoesNotExist', values: [] }] }, {})).toBe(true);
    expect(selectorMatches({ matchLabels: { constructor: 'x' }, matchExpressions: [] }, {})).toBe(false);
    expect(selectorMatches({ matchLabels: {}, matchExpressions: [{ key: 'hasOwnProperty', operator: 'NotIn', values: ['x'] }] }, {})).toBe(true);
    expect(selectorMismatch({ matchLabels: {}, matchExpressions: [{ key: 'toString', operator: 'Exists', values: [] }] }, {})).toBe('has no label toString');
    expect(selectorMismatch({ matchLabels: { constructor: 'x' }, matchExpressions: [] }, {})).toBe('has no label constructor');
  });
});
