import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isStrictSubset, readCidr } from './cidr.js';

const v4 = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const u32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const prefix = fc.integer({ min: 0, max: 32 });
const masked = (n: number, p: number): number => (p === 0 ? 0 : (n >>> (32 - p)) << (32 - p)) >>> 0;

describe('CIDR reading', () => {
  test('property: host bits are warned about exactly when the address is not its network', () => {
    fc.assert(
      fc.property(u32, prefix, (n, p) => {
        const r = readCidr(`${v4(n)}/${p}`);
        expect(r).toBeDefined();
        const warned = r!.warnings.some((x) => x.code === 'cidr-host-bits');
        expect(warned).toBe(masked(n, p) !== n);
      }),
    );
  });

  test('property: except is a strict subset exactly when it is inside with a longer prefix (IPv4)', () => {
    fc.assert(
      fc.property(u32, prefix, u32, prefix, (a, p, b, q) => {
        const outer = readCidr(`${v4(masked(a, p))}/${p}`)!.cidr;
        const inner = readCidr(`${v4(b)}/${q}`)!.cidr;
        // Reference: the except's network address shares the cidr's first p bits, and q > p.
        const expected = q > p && masked(masked(b, q), p) === masked(a, p);
        expect(isStrictSubset(inner, outer)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });

  test('property: a nearby except is found inside (a network inside a /p, one bit longer)', () => {
    fc.assert(
      fc.property(u32, fc.integer({ min: 0, max: 31 }), (a, p) => {
        const outer = readCidr(`${v4(masked(a, p))}/${p}`)!.cidr;
        const inner = readCidr(`${v4(masked(a, p + 1))}/${p + 1}`)!.cidr;
        expect(isStrictSubset(inner, outer)).toBe(true);
        expect(isStrictSubset(outer, outer)).toBe(false);
      }),
    );
  });

  test.each<[string, string[] | undefined]>([
    ['10.0.0.0/8', []],
    ['0.0.0.0/0', []],
    ['255.255.255.255/32', []],
    ['10.0.0.1/8', ['cidr-host-bits']],
    ['010.0.0.0/8', ['cidr-leading-zeros']],
    ['10.0.0.0/08', ['cidr-leading-zeros']],
    ['10.0.0.01/32', ['cidr-leading-zeros']],
    ['2001:db8::/32', []],
    ['::/0', []],
    ['2001:db8::1/128', []],
    ['2001:DB8::/32', ['cidr-not-canonical']],
    ['2001:0db8::/32', ['cidr-not-canonical']],
    ['2001:db8::1/32', ['cidr-host-bits']],
    ['::ffff:10.0.0.0/104', ['cidr-ipv4-mapped']],
    ['10.0.0.0', undefined],
    ['10.0.0.0/', undefined],
    ['10.0.0.0/33', undefined],
    ['10.0.0.0/8/8', undefined],
    ['10.0.0/8', undefined],
    ['10.0.0.0.0/8', undefined],
    ['1000.0.0.0/8', undefined],
    ['::/129', undefined],
    ['1:2:3:4:5:6:7:8:9/64', undefined],
    ['fe80::1%eth0/64', undefined],
    ['10.0.0.0/8 ', undefined],
    ['', undefined],
    ['/8', undefined],
  ])('%j → %j', (text, codes) => {
    const r = readCidr(text);
    if (codes === undefined) expect(r).toBeUndefined();
    else expect(r?.warnings.map((x) => x.code)).toEqual(codes);
  });
});
