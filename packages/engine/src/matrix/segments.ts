/** Disjoint sorted word ranges [lo, hi), merged as they are added; rows have a few, so insertion is cheap. */
export class Segments {
  lo = new Int32Array(8);
  hi = new Int32Array(8);
  n = 0;

  clear(): void {
    this.n = 0;
  }

  add(lo: number, hi: number): void {
    // The first range that ends at or after lo; everything before it stays.
    let i = 0;
    while (i < this.n && this.hi[i]! < lo) i++;
    let j = i;
    while (j < this.n && this.lo[j]! <= hi) {
      lo = Math.min(lo, this.lo[j]!);
      hi = Math.max(hi, this.hi[j]!);
      j++;
    }
    // Ranges i..j-1 merge into one at i.
    const shift = 1 - (j - i);
    if (shift !== 0) {
      if (this.n + shift > this.lo.length) {
        const lo2 = new Int32Array(this.lo.length * 2);
        const hi2 = new Int32Array(this.hi.length * 2);
        lo2.set(this.lo);
        hi2.set(this.hi);
        this.lo = lo2;
        this.hi = hi2;
      }
      this.lo.copyWithin(i + 1, j, this.n);
      this.hi.copyWithin(i + 1, j, this.n);
      this.n += shift;
    }
    this.lo[i] = lo;
    this.hi[i] = hi;
  }
}
