import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { editDistance } from './hints.js';

/** Plain Levenshtein, the reference the transposition-aware distance may only undercut. */
function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

describe('editDistance', () => {
  it.each([
    ['labels', 'labels', 0],
    ['lables', 'labels', 1],
    ['containerport', 'containerPort', 1],
    ['prots', 'ports', 1],
    ['port', 'ports', 1],
    ['nmae', 'name', 1],
    ['', 'abc', 3],
    ['ca', 'abc', 3],
  ])('%j to %j is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });

  it('is zero exactly for equal strings, symmetric, never above Levenshtein, and one for a swap of neighbours', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = editDistance(a, b);
        expect(d === 0).toBe(a === b);
        expect(editDistance(b, a)).toBe(d);
        expect(d).toBeLessThanOrEqual(levenshtein(a, b));
        expect(d).toBeGreaterThanOrEqual(Math.abs(a.length - b.length));
      }),
    );
    fc.assert(
      fc.property(fc.string({ minLength: 2, maxLength: 12 }), fc.nat(), (s, k) => {
        const i = k % (s.length - 1);
        if (s[i] === s[i + 1]) return;
        const swapped = s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
        expect(editDistance(s, swapped)).toBe(1);
      }),
    );
  });
});
