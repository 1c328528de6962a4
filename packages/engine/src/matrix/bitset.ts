/** Fixed-width bitsets over Uint32Array words. */

export const wordsFor = (bits: number): number => (bits + 31) >>> 5;

export function setBit(words: Uint32Array, offset: number, i: number): void {
  words[offset + (i >>> 5)]! |= 1 << (i & 31);
}

export function getBit(words: Uint32Array, offset: number, i: number): boolean {
  return (words[offset + (i >>> 5)]! & (1 << (i & 31))) !== 0;
}

/** dst[dOff..] |= src[sOff..] over `n` words. */
export function orInto(dst: Uint32Array, dOff: number, src: Uint32Array, sOff: number, n: number): void {
  for (let k = 0; k < n; k++) dst[dOff + k]! |= src[sOff + k]!;
}

export function isEmpty(words: Uint32Array, offset: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (words[offset + k] !== 0) return false;
  return true;
}

/** Calls `f` with the index of every set bit. */
export function forEachBit(words: Uint32Array, offset: number, n: number, f: (i: number) => void): void {
  for (let k = 0; k < n; k++) {
    let w = words[offset + k]!;
    while (w !== 0) {
      const t = w & -w;
      f((k << 5) + 31 - Math.clz32(t));
      w ^= t;
    }
  }
}

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * A set over a window of words: `words[k]` is word `lo + k` of the full-width set. Sets that live inside one
 * namespace (whose classes are contiguous) stay small however large the cluster is.
 */
export interface Bits {
  lo: number;
  words: Uint32Array;
}

export const EMPTY_BITS: Bits = { lo: 0, words: new Uint32Array(0) };

export function fullBits(words: Uint32Array): Bits {
  return trimBits({ lo: 0, words });
}

/** Drops empty words at both ends (shares the buffer). */
export function trimBits(b: Bits): Bits {
  let s = 0;
  let e = b.words.length;
  while (s < e && b.words[s] === 0) s++;
  while (e > s && b.words[e - 1] === 0) e--;
  if (s === e) return EMPTY_BITS;
  if (s === 0 && e === b.words.length) return b;
  return { lo: b.lo + s, words: b.words.subarray(s, e) };
}

export function bitsHas(b: Bits, i: number): boolean {
  const k = (i >>> 5) - b.lo;
  return k >= 0 && k < b.words.length && (b.words[k]! & (1 << (i & 31))) !== 0;
}

export function forEachBitOf(b: Bits, f: (i: number) => void): void {
  const base = b.lo << 5;
  forEachBit(b.words, 0, b.words.length, (i) => f(base + i));
}

export function bitsCount(b: Bits): number {
  let n = 0;
  for (let k = 0; k < b.words.length; k++) n += popcount32(b.words[k]!);
  return n;
}

/** dst[off + word] |= b over b's window. */
export function orBits(dst: Uint32Array, off: number, b: Bits): void {
  const o = off + b.lo;
  const w = b.words;
  for (let k = 0; k < w.length; k++) dst[o + k]! |= w[k]!;
}

/** dst[off + word] |= b & mask (mask full width). */
export function orBitsMasked(dst: Uint32Array, off: number, b: Bits, mask: Uint32Array): void {
  const o = off + b.lo;
  const w = b.words;
  for (let k = 0; k < w.length; k++) dst[o + k]! |= w[k]! & mask[b.lo + k]!;
}

/** a ∩ b over the overlap of their windows. */
export function andBits(a: Bits, b: Bits): Bits {
  const lo = Math.max(a.lo, b.lo);
  const hi = Math.min(a.lo + a.words.length, b.lo + b.words.length);
  if (hi <= lo) return EMPTY_BITS;
  const out = new Uint32Array(hi - lo);
  for (let k = lo; k < hi; k++) out[k - lo] = a.words[k - a.lo]! & b.words[k - b.lo]!;
  return trimBits({ lo, words: out });
}

/** a minus b, over a's window. */
export function andNotBits(a: Bits, b: Bits): Bits {
  const out = a.words.slice();
  const lo = Math.max(a.lo, b.lo);
  const hi = Math.min(a.lo + a.words.length, b.lo + b.words.length);
  for (let k = lo; k < hi; k++) out[k - a.lo]! &= ~b.words[k - b.lo]!;
  return trimBits({ lo: a.lo, words: out });
}

/** a ∪ b over the union of their windows. */
export function orBitsAll(parts: readonly Bits[]): Bits {
  const live = parts.filter((p) => p.words.length > 0);
  if (live.length === 0) return EMPTY_BITS;
  if (live.length === 1) return live[0]!;
  let lo = Infinity;
  let hi = 0;
  for (const p of live) {
    lo = Math.min(lo, p.lo);
    hi = Math.max(hi, p.lo + p.words.length);
  }
  const out = new Uint32Array(hi - lo);
  for (const p of live) orBits(out, -lo, p);
  return { lo, words: out };
}

/** The classes from..to (inclusive) as a window. */
export function rangeBits(from: number, to: number): Bits {
  const lo = from >>> 5;
  const hi = (to >>> 5) + 1;
  const out = new Uint32Array(hi - lo);
  for (let i = from; i <= to; i++) out[(i >>> 5) - lo]! |= 1 << (i & 31);
  return { lo, words: out };
}
