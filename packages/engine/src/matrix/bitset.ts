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
