// Unit tests of denseSpikes / denseValues (assembly/dense.ts): acc[b] += W rows of the spiking inputs,
// acc[b] += x[b]·W. nOut = 37 covers the 16-wide SIMD loop, the 4-wide loop and the scalar tail.
import { denseSpikes, denseValues } from "../../assembly/dense";

function ptr<T>(a: StaticArray<T>): usize { return changetype<usize>(a); }
function fi(x: i32): f32 { return <f32>x; }

const NIN = 10;
const NOUT = 37;

/** W[i][o] = i*64 + o: every weight distinct, every sum below exact in f32. */
function weights(): StaticArray<f32> {
  const w = new StaticArray<f32>(NIN * NOUT);
  for (let i = 0; i < NIN; i++) for (let o = 0; o < NOUT; o++) w[i * NOUT + o] = <f32>(i * 64 + o);
  return w;
}

/** acc for batch 2 plus one sentinel float after it (must stay untouched); sample b starts at 0.5*b. */
function accumulator(): StaticArray<f32> {
  const acc = new StaticArray<f32>(2 * NOUT + 1);
  for (let o = 0; o < NOUT; o++) acc[NOUT + o] = 0.5;
  acc[2 * NOUT] = 12345;
  return acc;
}

describe("denseSpikes", () => {
  it("adds exactly the weight rows of each sample's spikes (batch 2)", () => {
    const w = weights();
    const acc = accumulator();
    const spikes: StaticArray<i32> = [3, 7, 0, 9, 2]; // sample 0: 3, 7, 0; sample 1: 9, 2
    const counts: StaticArray<i32> = [3, 2];
    const events = denseSpikes(ptr(spikes), ptr(counts), 2, NIN, ptr(w), NOUT, ptr(acc));
    expect(events).toBe(5 * NOUT);
    for (let o = 0; o < NOUT; o++) {
      expect(acc[o]).toBe(fi((3 + 7 + 0) * 64 + 3 * o));
      expect(acc[NOUT + o]).toBe(0.5 + fi((9 + 2) * 64 + 2 * o));
    }
    expect(acc[2 * NOUT]).toBe(12345);
  });

  it("leaves acc unchanged for an empty sample and counts no events", () => {
    const w = weights();
    const acc = accumulator();
    const spikes: StaticArray<i32> = [4];
    const counts: StaticArray<i32> = [0, 1];
    expect(denseSpikes(ptr(spikes), ptr(counts), 2, NIN, ptr(w), NOUT, ptr(acc))).toBe(NOUT);
    for (let o = 0; o < NOUT; o++) {
      expect(acc[o]).toBe(0);
      expect(acc[NOUT + o]).toBe(0.5 + fi(4 * 64 + o));
    }
  });

  it("covers every row length 0..40 (SIMD and scalar tails)", () => {
    for (let n = 0; n <= 40; n++) {
      const w = new StaticArray<f32>(2 * n);
      for (let k = 0; k < 2 * n; k++) w[k] = <f32>(k + 1);
      const acc = new StaticArray<f32>(n + 1);
      acc[n] = -1;
      const spikes: StaticArray<i32> = [1, 0, 1];
      const counts: StaticArray<i32> = [3];
      expect(denseSpikes(ptr(spikes), ptr(counts), 1, 2, ptr(w), n, ptr(acc))).toBe(3 * n);
      for (let o = 0; o < n; o++) expect(acc[o]).toBe(fi(2 * (n + o + 1) + (o + 1)));
      expect(acc[n]).toBe(-1);
    }
  });
});

describe("denseValues", () => {
  it("adds x·W for each sample (batch 2, zero inputs skipped)", () => {
    const w = weights();
    const acc = accumulator();
    const x = new StaticArray<f32>(2 * NIN);
    for (let i = 0; i < NIN; i++) {
      x[i] = i % 3 == 0 ? 0 : <f32>i * 0.5;     // sample 0
      x[NIN + i] = i % 2 == 0 ? -1.5 : 0;       // sample 1
    }
    denseValues(ptr(x), 2, NIN, ptr(w), NOUT, ptr(acc));
    for (let b = 0; b < 2; b++) {
      for (let o = 0; o < NOUT; o++) {
        let want: f64 = b == 0 ? 0 : 0.5;
        for (let i = 0; i < NIN; i++) want += <f64>x[b * NIN + i] * <f64>w[i * NOUT + o];
        expect(acc[b * NOUT + o]).toBe(<f32>want); // all terms are multiples of 0.25 below 2^20: exact
      }
    }
    expect(acc[2 * NOUT]).toBe(12345);
  });
});
