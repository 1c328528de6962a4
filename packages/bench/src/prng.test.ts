import { describe, expect, it } from 'vitest';
import { apportion, Prng, Zipf } from './prng.js';

describe('Prng', () => {
  it('matches the xoshiro128** reference implementation (Blackman & Vigna) from state 1,2,3,4', () => {
    // Printed by the reference C code compiled with gcc.
    const p = Prng.fromState(1, 2, 3, 4);
    expect(Array.from({ length: 6 }, () => p.next())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('is a pure function of the seed', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(xs);
  });

  it('keeps int() inside its bounds and reaches both ends', () => {
    const p = new Prng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = p.int(3, 7);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(7);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7]);
  });

  it('draws geometric sizes with about the asked mean', () => {
    const p = new Prng(3);
    let sum = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const g = p.geometric(4);
      expect(g).toBeGreaterThanOrEqual(1);
      sum += g;
    }
    expect(sum / n).toBeGreaterThan(3.8);
    expect(sum / n).toBeLessThan(4.2);
  });

  it('makes RFC 4122 v4 UUIDs', () => {
    const p = new Prng(9);
    for (let i = 0; i < 100; i++) expect(p.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('Zipf', () => {
  it('favours low ranks with the right ratio', () => {
    const z = new Zipf(20, 1.1);
    const p = new Prng(5);
    const counts = new Array<number>(20).fill(0);
    for (let i = 0; i < 50_000; i++) counts[z.sample(p)]! += 1;
    // P(0)/P(1) = 2^1.1 ≈ 2.14.
    expect(counts[0]! / counts[1]!).toBeGreaterThan(1.95);
    expect(counts[0]! / counts[1]!).toBeLessThan(2.35);
    expect(counts[19]).toBeGreaterThan(0);
  });
});

describe('apportion', () => {
  it('splits exactly, proportionally and with the minimum', () => {
    expect(apportion(10, [1, 1, 1], 0).reduce((a, b) => a + b)).toBe(10);
    expect(apportion(10, [1, 1, 1], 0).sort()).toEqual([3, 3, 4]);
    expect(apportion(100, [3, 1], 0)).toEqual([75, 25]);
    expect(apportion(5, [1000, 1, 1], 1)).toEqual([3, 1, 1]);
    expect(() => apportion(2, [1, 1, 1], 1)).toThrow();
  });
});
