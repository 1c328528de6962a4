import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LabelSelector, Labels } from '../model/types.js';
import { normalizeSelector } from '../model/normalize.js';
import { selectorIsEmpty, selectorKey, selectorMatches, selectorMismatch } from './selector.js';

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

  it('selectorMismatch names a reason exactly when the selector does not match', () => {
    fc.assert(fc.property(selectorArb, labelsArb, (sel, labels) => (selectorMismatch(sel, labels) === undefined) === selectorMatches(sel, labels)), RUNS);
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
