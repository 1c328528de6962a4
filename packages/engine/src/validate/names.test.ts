import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  dns1123LabelErrors,
  ianaSvcNameErrors,
  isDns1123Label,
  isDns1123Subdomain,
  isIanaSvcName,
  isQualifiedName,
  isValidLabelValue,
  qualifiedNameErrors,
} from './index.js';

// Reference definitions written differently from the implementation: character sets, lengths and
// end rules checked one by one, subdomains as dot-separated labels.
const refLabelChars = (s: string): boolean => /^[a-z0-9-]+$/.test(s) && !s.startsWith('-') && !s.endsWith('-');
const refDnsLabel = (s: string): boolean => s.length >= 1 && s.length <= 63 && refLabelChars(s);
const refSubdomain = (s: string): boolean => s.length >= 1 && s.length <= 253 && s.split('.').every(refLabelChars);
const refName = (s: string): boolean =>
  s.length >= 1 && s.length <= 63 && /^[A-Za-z0-9_.-]+$/.test(s) && /^[A-Za-z0-9]/.test(s) && /[A-Za-z0-9]$/.test(s);
const refQualified = (s: string): boolean => {
  const slash = s.indexOf('/');
  if (slash < 0) return refName(s);
  if (s.indexOf('/', slash + 1) >= 0) return false;
  return refSubdomain(s.slice(0, slash)) && refName(s.slice(slash + 1));
};
const refLabelValue = (s: string): boolean => s === '' || refName(s);
const refIana = (s: string): boolean =>
  s.length >= 1 && s.length <= 15 && /^[a-z0-9-]+$/.test(s) && /[a-z]/.test(s) && !s.includes('--') && !s.startsWith('-') && !s.endsWith('-');

const chars = (set: string, maxLength: number) => fc.string({ unit: fc.constantFrom(...set.split('')), maxLength });
/** Strings of exactly min..max units: the limits are where implementations slip. */
const near = (set: string, min: number, max: number) =>
  fc.integer({ min, max }).chain((n) => fc.string({ unit: fc.constantFrom(...set.split('')), minLength: n, maxLength: n }));
const ALL = 'abcxyzABZ0189-._/ é:';
const DNS = 'abz0189-.';

describe('property: validators agree with the reference definitions', () => {
  const params = { numRuns: 3000 };
  test('DNS-1123 label', () => {
    fc.assert(fc.property(fc.oneof(chars(ALL, 70), chars('az09-', 70), near('abcdefgh0123', 60, 66)), (s) => isDns1123Label(s) === refDnsLabel(s)), params);
  });
  test('DNS-1123 subdomain', () => {
    const long = fc.array(chars('az09-', 63), { maxLength: 6 }).map((parts) => parts.join('.'));
    fc.assert(fc.property(fc.oneof(chars(ALL, 40), chars(DNS, 260), long, near('abcdefghijklmnopqrstuvwxyz0123456789.', 250, 256)), (s) => isDns1123Subdomain(s) === refSubdomain(s)), params);
  });
  test('qualified name (label key)', () => {
    const prefixed = fc.tuple(fc.oneof(chars(DNS, 255), near('abcdefghij.', 250, 256)), fc.oneof(chars('aZ09-_.', 66), near('aZ09', 60, 66))).map(([p, n]) => `${p}/${n}`);
    fc.assert(fc.property(fc.oneof(chars(ALL, 70), prefixed, near('aZ09', 60, 66)), (s) => isQualifiedName(s) === refQualified(s)), params);
  });
  test('label value', () => {
    fc.assert(fc.property(fc.oneof(chars(ALL, 70), chars('aZ09-_.', 66), near('aZ09', 60, 66)), (s) => isValidLabelValue(s) === refLabelValue(s)), params);
  });
  test('IANA service name (named port)', () => {
    fc.assert(fc.property(fc.oneof(chars(ALL, 18), chars('az09-', 18), near('abz09', 13, 17)), (s) => isIanaSvcName(s) === refIana(s)), params);
  });
});

describe('edges', () => {
  test.each<[string, boolean]>([
    ['a', true],
    ['0', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['-a', false],
    ['a-', false],
    ['a.b', false],
    ['A', false],
    ['', false],
  ])('DNS label %j → %s', (s, ok) => expect(isDns1123Label(s)).toBe(ok));

  test.each<[string, boolean]>([
    ['a.b.c', true],
    ['a..b', false],
    ['.a', false],
    ['a.', false],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`, true],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`, false],
  ])('DNS subdomain %j → %s', (s, ok) => expect(isDns1123Subdomain(s)).toBe(ok));

  test.each<[string, boolean]>([
    ['app', true],
    ['app.kubernetes.io/name', true],
    ['kubernetes.io/metadata.name', true],
    ['My_Key.1', true],
    ['a/b/c', false],
    ['/a', false],
    ['a/', false],
    ['Example.com/a', false],
    ['a b', false],
    ['_a', false],
  ])('qualified name %j → %s', (s, ok) => expect(isQualifiedName(s)).toBe(ok));

  test.each<[string, boolean]>([
    ['', true],
    ['a', true],
    ['v1.2_3-x', true],
    ['x'.repeat(63), true],
    ['x'.repeat(64), false],
    ['-x', false],
    ['x.', false],
    ['a b', false],
  ])('label value %j → %s', (s, ok) => expect(isValidLabelValue(s)).toBe(ok));

  test.each<[string, boolean]>([
    ['http', true],
    ['h2c', true],
    ['a-1', true],
    ['abcdefghijklmno', true],
    ['abcdefghijklmnop', false],
    ['8080', false],
    ['HTTP', false],
    ['-http', false],
    ['http-', false],
    ['a--b', false],
    ['', false],
  ])('IANA service name %j → %s', (s, ok) => expect(isIanaSvcName(s)).toBe(ok));

  test('reasons: one per broken rule, as the API server lists them', () => {
    expect(ianaSvcNameErrors('')).toHaveLength(2);
    expect(ianaSvcNameErrors('-A-')).toHaveLength(3);
    expect(dns1123LabelErrors('a.b')).toEqual(['must not contain dots']);
    expect(qualifiedNameErrors(`/${'x'.repeat(64)}`)).toHaveLength(2);
  });
});
