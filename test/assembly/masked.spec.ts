// Unit tests of denseSpikesMasked / conv2dSpikesMasked (assembly/masked.ts): bit for bit the sums and
// the event counts of the scatter kernels (denseSpikes, conv2dSpikes) on the same spike lists, with
// non-dyadic weights (so that another summation order would round differently), batch 3, ~40 % of the
// inputs spiking, dense widths covering the 16-, 4- and 1-wide blocks, conv with stride, padding,
// dilation and groups. The accumulators start from non-zero values, and a sentinel after them must stay.
import { conv2dSpikes } from "../../assembly/conv2d";
import { denseSpikes } from "../../assembly/dense";
import { conv2dSpikesMasked, denseSpikesMasked } from "../../assembly/masked";

function ptr<T>(a: StaticArray<T>): usize { return changetype<usize>(a); }

let seed: u32 = 12345;
function rnd(): f32 { seed = seed * 1664525 + 1013904223; return <f32>(seed >> 8) / <f32>16777216; }

/** Ascending spike lists of `batch` samples over n inputs, each input spiking with probability p. */
function spikeLists(batch: i32, n: i32, p: f32, counts: StaticArray<i32>): StaticArray<i32> {
  const list = new StaticArray<i32>(batch * n + 3);
  let q = 0;
  for (let b = 0; b < batch; b++) {
    let c = 0;
    for (let j = 0; j < n; j++) if (rnd() < p) { list[q++] = j; c++; }
    counts[b] = c;
  }
  return list;
}

function filled(n: i32, scale: f32): StaticArray<f32> {
  const a = new StaticArray<f32>(n);
  for (let i = 0; i < n; i++) a[i] = (rnd() * 2 - 0.9) * scale;
  return a;
}

function sameBits(a: StaticArray<f32>, b: StaticArray<f32>): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(reinterpret<i32>(a[i])).toBe(reinterpret<i32>(b[i]));
}

/** Tap (input -> outputs) or gather (output -> inputs) table of one axis, i32[rows][1 + 2k]. */
function table(rows: i32, k: i32, s: i32, pad: i32, d: i32, other: i32, gather: bool): StaticArray<i32> {
  const row = 1 + 2 * k;
  const t = new StaticArray<i32>(rows * row);
  for (let r = 0; r < rows; r++) {
    let c = 0;
    for (let kk = 0; kk < k; kk++) {
      // gather: input p = r*s - pad + kk*d; taps: output o with o*s - pad + kk*d == r
      const p = gather ? r * s - pad + kk * d : r + pad - kk * d;
      if (gather ? p < 0 || p >= other : p < 0 || p % s != 0 || p / s >= other) continue;
      t[r * row + 1 + 2 * c] = kk;
      t[r * row + 2 + 2 * c] = gather ? p : p / s;
      c++;
    }
    t[r * row] = c;
  }
  return t;
}

describe("denseSpikesMasked", () => {
  it("equals denseSpikes bit for bit, events included, for nOut 1, 3, 4, 7, 16, 21, 37 (batch 3)", () => {
    const widths: i32[] = [1, 3, 4, 7, 16, 21, 37];
    for (let k = 0; k < widths.length; k++) {
      const nIn = 45, nOut = widths[k], B = 3;
      const w = filled(nIn * nOut, 0.7);
      const counts = new StaticArray<i32>(B);
      const list = spikeLists(B, nIn, 0.4, counts);
      const a = filled(B * nOut + 1, 0.3), b = new StaticArray<f32>(B * nOut + 1);
      for (let i = 0; i < a.length; i++) b[i] = a[i];
      const mask = new StaticArray<i32>(B * nIn);
      const e1 = denseSpikes(ptr(list), ptr(counts), B, nIn, ptr(w), nOut, ptr(a));
      const e2 = denseSpikesMasked(ptr(list), ptr(counts), B, nIn, ptr(w), nOut, ptr(b), ptr(mask));
      expect(e2).toBe(e1);
      expect(e1).toBeGreaterThan(0);
      sameBits(b, a);
      // the scratch holds the spike mask of the batch
      let ones = 0;
      for (let i = 0; i < mask.length; i++) ones -= mask[i];
      expect(ones).toBe(counts[0] + counts[1] + counts[2]);
    }
  });
});

describe("conv2dSpikesMasked", () => {
  it("equals conv2dSpikes bit for bit, events included, on strided, padded, dilated and grouped convolutions", () => {
    // inH, inW, inC, outC, k, stride, pad, dilation, groups
    const geos: i32[][] = [
      [9, 8, 5, 21, 3, 1, 1, 1, 1],
      [10, 9, 6, 9, 3, 2, 1, 2, 3],
      [7, 7, 8, 32, 5, 1, 2, 1, 2],
      [12, 12, 6, 16, 5, 1, 0, 1, 1],
      [6, 5, 4, 4, 3, 2, 1, 1, 4],
    ];
    for (let gi = 0; gi < geos.length; gi++) {
      const g = geos[gi];
      const inH = g[0], inW = g[1], inC = g[2], outC = g[3], k = g[4], s = g[5], pad = g[6], d = g[7], groups = g[8];
      const outH = (inH + 2 * pad - d * (k - 1) - 1) / s + 1, outW = (inW + 2 * pad - d * (k - 1) - 1) / s + 1;
      const B = 3, nIn = inH * inW * inC, nOut = outH * outW * outC;
      const w = filled((inC * k * k * outC) / groups, 0.5);
      const tY = table(inH, k, s, pad, d, outH, false), tX = table(inW, k, s, pad, d, outW, false);
      const gY = table(outH, k, s, pad, d, inH, true), gX = table(outW, k, s, pad, d, inW, true);
      const counts = new StaticArray<i32>(B);
      const list = spikeLists(B, nIn, 0.4, counts);
      const a = filled(B * nOut + 1, 0.3), b = new StaticArray<f32>(B * nOut + 1);
      for (let i = 0; i < a.length; i++) b[i] = a[i];
      const mask = new StaticArray<i32>(B * nIn);
      const e1 = conv2dSpikes(ptr(list), ptr(counts), B, inH, inW, inC, ptr(w), outH, outW, outC, k, k, groups, ptr(tY), ptr(tX), ptr(a));
      const e2 = conv2dSpikesMasked(ptr(list), ptr(counts), B, inH, inW, inC, ptr(w), outH, outW, outC, k, k, groups,
        ptr(tY), ptr(tX), ptr(gY), ptr(gX), ptr(b), ptr(mask));
      expect(e2).toBe(e1);
      expect(e1).toBeGreaterThan(0);
      sameBits(b, a);
    }
  });
});
