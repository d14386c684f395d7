// Unit tests of the row primitives (assembly/rows.ts): addInto (dst += src), addScaledInto
// (dst += a*src) for every length 0..40 (16-wide SIMD loop, 4-wide loop, scalar tail), at aligned and
// unaligned addresses, never writing past len; addSpikes (acc[b*n + j] += scale per spike);
// concatSpikes / concatValues (input element j -> acc[b*nOut + (j / cIn)*cTot + cOff + j % cIn]).
import { addInto, addScaledInto, addSpikes, concatSpikes, concatValues } from "../../assembly/rows";

function ptr<T>(a: StaticArray<T>): usize { return changetype<usize>(a); }
function fi(x: i32): f32 { return <f32>x; }

const MAXLEN = 40;
const SENTINEL: f32 = -777;

/** dst[k] = k (k < 44), src[k] = 100 + 3k: every value and every result exact in f32. */
function fill(dst: StaticArray<f32>, src: StaticArray<f32>): void {
  for (let k = 0; k < dst.length; k++) { dst[k] = fi(k); src[k] = fi(100 + 3 * k); }
}

describe("addInto", () => {
  it("adds src into dst for every length and offset, nothing past len", () => {
    for (let off = 0; off < 2; off++) {             // off = 1: addresses 4 bytes past 16-byte alignment
      for (let len = 0; len <= MAXLEN; len++) {
        const dst = new StaticArray<f32>(MAXLEN + 4);
        const src = new StaticArray<f32>(MAXLEN + 4);
        fill(dst, src);
        dst[off + len] = SENTINEL;
        addInto(ptr(dst) + (<usize>off << 2), ptr(src) + (<usize>off << 2), len);
        for (let k = 0; k < off; k++) expect(dst[k]).toBe(fi(k));
        for (let k = off; k < off + len; k++) expect(dst[k]).toBe(fi(k + 100 + 3 * k));
        expect(dst[off + len]).toBe(SENTINEL);
      }
    }
  });
});

describe("addScaledInto", () => {
  it("adds a*src into dst for every length and offset, nothing past len", () => {
    const scales: f32[] = [0.5, -1.5, 0];
    for (let si = 0; si < scales.length; si++) {
      const a = scales[si];
      for (let off = 0; off < 2; off++) {
        for (let len = 0; len <= MAXLEN; len++) {
          const dst = new StaticArray<f32>(MAXLEN + 4);
          const src = new StaticArray<f32>(MAXLEN + 4);
          fill(dst, src);
          dst[off + len] = SENTINEL;
          addScaledInto(ptr(dst) + (<usize>off << 2), ptr(src) + (<usize>off << 2), a, len);
          for (let k = 0; k < off; k++) expect(dst[k]).toBe(fi(k));
          for (let k = off; k < off + len; k++) expect(dst[k]).toBe(fi(k) + a * fi(100 + 3 * k));
          expect(dst[off + len]).toBe(SENTINEL);
        }
      }
    }
  });
});

describe("addSpikes", () => {
  it("adds scale at each spike of its own sample (batch 2, n = 7) and returns the spike count", () => {
    const n = 7;
    const acc = new StaticArray<f32>(2 * n + 1);
    for (let i = 0; i < 2 * n; i++) acc[i] = fi(i);
    acc[2 * n] = SENTINEL;
    const spikes: StaticArray<i32> = [0, 6, 3, 6, 1, 4]; // sample 0: 0, 6, 3; sample 1: 6, 1, 4
    const counts: StaticArray<i32> = [3, 3];
    expect(addSpikes(ptr(spikes), ptr(counts), 2, n, 0.75, ptr(acc))).toBe(6);
    const hit0: i32[] = [1, 0, 0, 1, 0, 0, 1];
    const hit1: i32[] = [0, 1, 0, 0, 1, 0, 1];
    for (let j = 0; j < n; j++) {
      expect(acc[j]).toBe(fi(j) + 0.75 * fi(hit0[j]));
      expect(acc[n + j]).toBe(fi(n + j) + 0.75 * fi(hit1[j]));
    }
    expect(acc[2 * n]).toBe(SENTINEL);
  });

  it("repeated spikes accumulate; an empty batch does nothing", () => {
    const acc = new StaticArray<f32>(4);
    const spikes: StaticArray<i32> = [2, 2, 2];
    const counts: StaticArray<i32> = [3];
    expect(addSpikes(ptr(spikes), ptr(counts), 1, 4, -0.5, ptr(acc))).toBe(3);
    expect(acc[2]).toBe(-1.5);
    expect(addSpikes(ptr(spikes), ptr(counts), 0, 4, 1, ptr(acc))).toBe(0);
    expect(acc[0]).toBe(0);
    expect(acc[2]).toBe(-1.5);
  });
});

describe("concatSpikes / concatValues", () => {
  // 3-D: an input of cIn = 2 channels on 2x3 positions (channels-last j = pos*2 + c) is the second block
  // (cOff = 3) of a concat with cTot = 5: output nOut = 6 * 5 = 30 per sample.
  it("3-D: spike j of sample b lands on b*nOut + (j / cIn)*cTot + cOff + j % cIn", () => {
    const nIn = 12, cIn = 2, cTot = 5, cOff = 3, nOut = 30;
    const acc = new StaticArray<f32>(2 * nOut + 1);
    acc[2 * nOut] = SENTINEL;
    const spikes: StaticArray<i32> = [0, 5, 11, 5, 7]; // sample 0: 0, 5, 11, 5; sample 1: 7
    const counts: StaticArray<i32> = [4, 1];
    expect(concatSpikes(ptr(spikes), ptr(counts), 2, nIn, cIn, cTot, cOff, nOut, 0.25, ptr(acc))).toBe(5);
    // j=0 -> 3; j=5 -> pos 2, c 1 -> 14 (twice); j=11 -> pos 5, c 1 -> 29; sample 1: j=7 -> pos 3, c 1 -> 19
    for (let i = 0; i < 2 * nOut; i++) {
      let want: f32 = 0;
      if (i == 3 || i == 29) want = 0.25;
      if (i == 14) want = 0.5;
      if (i == nOut + 19) want = 0.25;
      expect(acc[i]).toBe(want);
    }
    expect(acc[2 * nOut]).toBe(SENTINEL);

    const out = new StaticArray<f32>(2 * nOut + 1);
    out[2 * nOut] = SENTINEL;
    const x = new StaticArray<f32>(2 * nIn);
    for (let i = 0; i < 2 * nIn; i++) x[i] = i % 3 == 0 ? 0 : fi(i);
    let nnz = 0;
    for (let i = 0; i < 2 * nIn; i++) if (x[i] != 0) nnz++;
    expect(concatValues(ptr(x), 2, nIn, cIn, cTot, cOff, nOut, -0.5, ptr(out))).toBe(<f64>nnz);
    for (let b = 0; b < 2; b++)
      for (let j = 0; j < nIn; j++) expect(out[b * nOut + (j / cIn) * cTot + cOff + j % cIn]).toBe(-0.5 * x[b * nIn + j]);
    for (let b = 0; b < 2; b++)
      for (let m = 0; m < nOut; m++) {
        const ch = m % cTot;
        if (ch < cOff || ch >= cOff + cIn) expect(out[b * nOut + m]).toBe(0);
      }
    expect(out[2 * nOut]).toBe(SENTINEL);
  });

  it("1-D: cIn = nIn places the input at offset cOff of the nOut = cTot neurons", () => {
    const nIn = 4, cOff = 3, nOut = 9;
    const acc = new StaticArray<f32>(2 * nOut);
    const spikes: StaticArray<i32> = [0, 3, 2]; // sample 0: 0, 3; sample 1: 2
    const counts: StaticArray<i32> = [2, 1];
    expect(concatSpikes(ptr(spikes), ptr(counts), 2, nIn, nIn, nOut, cOff, nOut, 1, ptr(acc))).toBe(3);
    for (let i = 0; i < 2 * nOut; i++) expect(acc[i]).toBe(i == 3 || i == 6 || i == nOut + 5 ? <f32>1 : <f32>0);
    const x: StaticArray<f32> = [1, 0, 2, 3, 0, 0, 0.5, 0];
    const out = new StaticArray<f32>(2 * nOut);
    expect(concatValues(ptr(x), 2, nIn, nIn, nOut, cOff, nOut, 2, ptr(out))).toBe(4);
    for (let b = 0; b < 2; b++) for (let j = 0; j < nIn; j++) expect(out[b * nOut + cOff + j]).toBe(2 * x[b * nIn + j]);
    for (let b = 0; b < 2; b++) for (let m = 0; m < cOff; m++) expect(out[b * nOut + m]).toBe(0);
    for (let b = 0; b < 2; b++) for (let m = cOff + nIn; m < nOut; m++) expect(out[b * nOut + m]).toBe(0);
  });
});
