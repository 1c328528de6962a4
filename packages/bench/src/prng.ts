/**
 * Deterministic pseudo-random numbers: xoshiro128** seeded through splitmix32. Pure 32-bit integer
 * arithmetic (Math.imul, >>>), so the sequence is identical on every platform and Node version.
 */

/** splitmix32: spreads a single uint32 seed over the 128-bit xoshiro state. */
export function splitmix32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    t ^= t >>> 15;
    return t >>> 0;
  };
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/** Alphabet Kubernetes uses for generated name suffixes (no vowels, no ambiguous characters). */
const K8S_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    const sm = splitmix32(seed);
    this.s0 = sm();
    this.s1 = sm();
    this.s2 = sm();
    this.s3 = sm();
    // xoshiro's only forbidden state; splitmix32 never yields four zeros in a row, but be explicit.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A generator at an exact xoshiro128** state (for known-answer tests against the reference C code). */
  static fromState(s0: number, s1: number, s2: number, s3: number): Prng {
    const p = new Prng(0);
    p.s0 = s0 | 0;
    p.s1 = s1 | 0;
    p.s2 = s2 | 0;
    p.s3 = s3 | 0;
    return p;
  }

  /** Next uint32. */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }

  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** Picks a key of `weights` with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    let total = 0;
    for (const [, w] of entries) total += w;
    let r = this.float() * total;
    for (const [k, w] of entries) {
      r -= w;
      if (r < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }

  /** Geometric size >= 1 with the given mean (number of trials up to the first success). */
  geometric(mean: number): number {
    if (mean <= 1) return 1;
    const p = 1 / mean;
    const u = 1 - this.float(); // (0, 1]
    return 1 + Math.floor(Math.log(u) / Math.log(1 - p));
  }

  /** A random string over the Kubernetes suffix alphabet, like apimachinery's rand.String. */
  k8sString(length: number): string {
    let s = '';
    for (let i = 0; i < length; i++) s += K8S_ALPHABET[Math.floor(this.float() * K8S_ALPHABET.length)]!;
    return s;
  }

  /** Fisher–Yates shuffle of a copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
    return out;
  }

  /** RFC 4122 version-4 UUID text. */
  uuid(): string {
    const h = (n: number) => n.toString(16).padStart(8, '0');
    const a = h(this.next());
    const b = h(this.next());
    const c = h(this.next());
    const d = h(this.next());
    const variant = ((parseInt(c[0]!, 16) & 0x3) | 0x8).toString(16);
    return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4)}${d}`;
  }
}

/** Zipf sampler over ranks 0..n-1 with P(rank k) ∝ 1/(k+1)^s. */
export class Zipf {
  private readonly cdf: Float64Array;

  constructor(n: number, s: number) {
    this.cdf = new Float64Array(n);
    let acc = 0;
    for (let k = 0; k < n; k++) {
      acc += 1 / Math.pow(k + 1, s);
      this.cdf[k] = acc;
    }
    for (let k = 0; k < n; k++) this.cdf[k] = this.cdf[k]! / acc;
  }

  sample(rng: Prng): number {
    const u = rng.float();
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Splits `total` into parts proportional to `weights` (largest remainder), each part at least `min`. */
export function apportion(total: number, weights: readonly number[], min = 0): number[] {
  const n = weights.length;
  const rest = total - min * n;
  if (rest < 0) throw new Error(`cannot split ${total} into ${n} parts of at least ${min}`);
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (w / sum) * rest);
  const parts = exact.map((x) => Math.floor(x));
  let left = rest - parts.reduce((a, b) => a + b, 0);
  // Ties broken by index so the result is deterministic.
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; left > 0; k++, left--) parts[order[k % n]!.i]! += 1;
  return parts.map((p) => p + min);
}
