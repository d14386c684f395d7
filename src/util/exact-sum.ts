/**
 * Exact sums of many floating-point values, one per element of a vector (e.g. a mean activation per
 * neuron over a test set), that can be split over any number of parts and merged with a result that
 * does not depend on the split: each element keeps its running sum exactly as a short list of
 * non-overlapping doubles in increasing magnitude (Shewchuk's expansion, the "partials" of Python's
 * math.fsum: R. Hettinger's msum recipe), and `value` rounds that exact sum once, correctly. Adding the
 * same values in any order, or the parts' partials in any order, gives the same exact sum and hence the
 * same double, bit for bit — which a plain running `+=` does not (floating-point addition is not
 * associative). Typically one or two partials per element; the storage grows when more are needed.
 */

export class ExactSums {
  /** partials of element j at p[j·width .. j·width + len[j]) */
  private p: Float64Array;
  private len: Uint16Array;
  private width = 2;

  constructor(readonly size: number) {
    this.p = new Float64Array(size * this.width);
    this.len = new Uint16Array(size);
  }

  /** Adds x to element j (exactly). */
  add(j: number, x: number): void {
    const w = this.width, base = j * w, n = this.len[j], p = this.p;
    let i = 0;
    for (let k = 0; k < n; k++) {
      let y = p[base + k];
      if (Math.abs(x) < Math.abs(y)) { const t = x; x = y; y = t; }
      const hi = x + y, lo = y - (hi - x);
      if (lo !== 0) p[base + i++] = lo;
      x = hi;
    }
    if (i >= this.width) this.grow(); // i partials kept (all of them) and x still to store
    this.p[j * this.width + i] = x;
    this.len[j] = i + 1;
  }

  /**
   * Adds values[offset + j] to element j for every j. The common cases are inlined, with add's arithmetic:
   * an element without partials takes x; one with one partial y keeps hi = x + y and, when that sum was
   * rounded, its error lo (Fast2Sum on the larger first: lo is exact) below it. Returns how many of the
   * values were zero (the DNN pass counts them for its sparsity).
   */
  addRow(values: Float32Array | Float64Array | Int32Array, offset = 0): number {
    const len = this.len, size = this.size;
    let zeros = 0;
    for (let j = 0; j < size; j++) {
      let x = values[offset + j];
      if (x === 0) { zeros++; continue; }
      const n = len[j];
      if (n > 1) { this.add(j, x); continue; }
      const p = this.p, base = j * this.width;
      if (n === 0) { p[base] = x; len[j] = 1; continue; }
      let y = p[base];
      if (Math.abs(x) < Math.abs(y)) { const t = x; x = y; y = t; }
      const hi = x + y, lo = y - (hi - x);
      if (lo === 0) p[base] = hi;
      else { p[base] = lo; p[base + 1] = hi; len[j] = 2; } // width >= 2 always
    }
    return zeros;
  }

  /** These sums with element m moved to perm[m] (perm a permutation of 0..size-1). */
  permuted(perm: Int32Array): ExactSums {
    if (perm.length !== this.size) throw new Error(`ExactSums.permuted: ${perm.length} indices for ${this.size} elements`);
    const out = new ExactSums(this.size), w = this.width;
    out.width = w;
    out.p = new Float64Array(this.size * w);
    for (let m = 0; m < this.size; m++) {
      const j = perm[m];
      out.len[j] = this.len[m];
      out.p.set(this.p.subarray(m * w, m * w + this.len[m]), j * w);
    }
    return out;
  }

  /** Adds every partial of `other` (same size) into this: the exact sum of both. */
  merge(other: ExactSums): void {
    if (other.size !== this.size) throw new Error(`ExactSums.merge: sizes ${this.size} and ${other.size}`);
    for (let j = 0; j < this.size; j++) for (const x of other.partials(j)) this.add(j, x);
  }

  /** The partials of element j (non-overlapping, increasing magnitude). */
  partials(j: number): number[] {
    const base = j * this.width;
    return Array.from(this.p.subarray(base, base + this.len[j]));
  }

  /** The exact sum of element j rounded once to the nearest double (ties to even), as math.fsum. */
  value(j: number): number {
    const base = j * this.width, p = this.p;
    let n = this.len[j];
    if (n === 0) return 0;
    let hi = p[base + --n], lo = 0;
    while (n > 0) {
      const x = hi, y = p[base + --n];
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    if (n > 0 && ((lo < 0 && p[base + n - 1] < 0) || (lo > 0 && p[base + n - 1] > 0))) {
      const y = lo * 2, x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }

  /** Every element's rounded sum. */
  values(): Float64Array {
    const out = new Float64Array(this.size);
    for (let j = 0; j < this.size; j++) out[j] = this.value(j);
    return out;
  }

  /**
   * Packed form, for what crosses a thread, a file or the queue: element j's partials are values[o_j ..
   * o_j + lengths[j]), o_j the sum of the lengths before j. Two typed arrays instead of one list per element.
   */
  pack(): { lengths: Uint16Array; values: Float64Array } {
    let total = 0;
    for (let j = 0; j < this.size; j++) total += this.len[j];
    const values = new Float64Array(total);
    for (let j = 0, o = 0; j < this.size; j++) {
      const base = j * this.width, n = this.len[j];
      values.set(this.p.subarray(base, base + n), o);
      o += n;
    }
    return { lengths: this.len.slice(), values };
  }

  /** Rebuilds sums from their packed form (checked: the lengths cover the values exactly, every value finite). */
  static unpack(lengths: Uint16Array, values: Float64Array, what: string): ExactSums {
    let total = 0;
    for (const n of lengths) total += n;
    if (total !== values.length) throw new TypeError(`${what}: the lengths add up to ${total} partials, the values hold ${values.length}`);
    const s = new ExactSums(lengths.length);
    for (let j = 0, o = 0; j < lengths.length; j++)
      for (const end = o + lengths[j]; o < end; o++) {
        if (!Number.isFinite(values[o])) throw new TypeError(`${what}[${j}]: partial ${values[o]} is not a finite number`);
        s.add(j, values[o]);
      }
    return s;
  }

  /** Doubles the partials per element (kept in place: element j's list stays at j·width). */
  private grow(): void {
    const w = this.width, nw = w * 2, np = new Float64Array(this.size * nw);
    for (let j = 0; j < this.size; j++) np.set(this.p.subarray(j * w, j * w + this.len[j]), j * nw);
    this.p = np;
    this.width = nw;
  }
}
