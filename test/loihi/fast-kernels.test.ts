// assembly/loihi-fast.ts: WASM ≡ its TypeScript twin (src/reference/loihi-fast.ts), and each fast kernel ≡ the
// loihi.ts kernel it replaces in the engine — the sum kernels once q is wrapped (as every step reads it), loihiStepIF
// against loihiStep + countSpikes on IF registers — on random data with weights large enough to wrap q and v
// clamped at random limits.
import { describe, expect, it } from "vitest";
import { createReferenceKernels } from "../../src/reference/index.js";
import { type Kernels, createWasmKernels } from "../../src/sim/kernels.js";
import { Rng } from "../../src/util/rng.js";

const Q_BITS = 21;
const wrapQ = (x: number) => (x << (31 - Q_BITS)) >> (31 - Q_BITS);

/** A fresh 4-page memory with both back ends' kernels and a bump allocator (byte addresses, words zeroed). */
async function heap(backend: "wasm" | "js"): Promise<{ k: Kernels; I: Int32Array; alloc: (words: number) => number }> {
  const memory = new WebAssembly.Memory({ initial: 16, maximum: 16 });
  const k = backend === "wasm" ? await createWasmKernels(memory) : createReferenceKernels(memory);
  let top = 64;
  return { k, I: new Int32Array(memory.buffer), alloc: (words) => { const a = top; top += 4 * words + 16; return a; } };
}

/** Tap table of one axis (src/sim/plan.ts layout): row i = [count, k0, o0, k1, o1, ...] with i = o·s − pad + k·d. */
function taps(inLen: number, outLen: number, K: number, s: number, pad: number, d: number): number[] {
  const rows: number[] = [];
  for (let i = 0; i < inLen; i++) {
    const row: number[] = [];
    for (let k = 0; k < K; k++) {
      const o = (i + pad - k * d) / s;
      if (Number.isInteger(o) && o >= 0 && o < outLen) row.push(k, o);
    }
    rows.push(row.length / 2, ...row, ...new Array(2 * K - row.length).fill(0));
  }
  return rows;
}

/** Random ascending spike lists of B samples over n inputs at density p; returns [spikes, counts]. */
function spikeLists(r: Rng, B: number, n: number, p: number): [number[], number[]] {
  const sp: number[] = [], cnt: number[] = [];
  for (let b = 0; b < B; b++) {
    let c = 0;
    for (let j = 0; j < n; j++) if (r.uniform() < p) { sp.push(j); c++; }
    cnt.push(c);
  }
  return [sp, cnt];
}

const bigWeight = (r: Rng) => (r.int(511) - 255) * 2 ** (6 + r.int(8)); // up to 255·2^13: a few spikes wrap q

interface ConvCase { B: number; inH: number; inW: number; inC: number; outC: number; K: number; s: number; pad: number; d: number; groups: number }

/** Runs the old kernel (`wrap`) or a sum kernel on one random case; returns q (wrapped at Q_BITS when `wrapAfter`) and the events. */
async function convCase(backend: "wasm" | "js", c: ConvCase, seed: number, kernel: "wrap" | "sum" | "depthwise", wrapAfter: boolean): Promise<number[]> {
  const { k, I, alloc } = await heap(backend);
  const r = new Rng(seed);
  const outH = Math.floor((c.inH + 2 * c.pad - c.d * (c.K - 1) - 1) / c.s) + 1, outW = Math.floor((c.inW + 2 * c.pad - c.d * (c.K - 1) - 1) / c.s) + 1;
  const nIn = c.inH * c.inW * c.inC, nOut = outH * outW * c.outC, coutG = c.outC / c.groups;
  const [sp, cnt] = spikeLists(r, c.B, nIn, 0.3);
  const put = (xs: number[]) => { const a = alloc(xs.length); I.set(xs, a >> 2); return a; };
  const w = put(Array.from({ length: c.inC * c.K * c.K * coutG }, () => bigWeight(r)));
  const ty = put(taps(c.inH, outH, c.K, c.s, c.pad, c.d)), tx = put(taps(c.inW, outW, c.K, c.s, c.pad, c.d));
  const q = put(Array.from({ length: c.B * nOut }, () => wrapQ(r.int(2 ** 31) * (r.int(2) ? 1 : -1))));
  const spikes = put(sp), counts = put(cnt);
  const ev = kernel === "wrap" ? k.loihiConv2dSpikes(spikes, counts, c.B, c.inH, c.inW, c.inC, w, outH, outW, c.outC, c.K, c.K, c.groups, ty, tx, q)
    : kernel === "sum" ? k.loihiConv2dSum(spikes, counts, c.B, c.inH, c.inW, c.inC, w, outH, outW, c.outC, c.K, c.K, c.groups, ty, tx, q)
      : k.loihiDepthwiseSum(spikes, counts, c.B, c.inH, c.inW, c.inC, w, outH, outW, c.K, c.K, ty, tx, q);
  const out = Array.from(I.subarray(q >> 2, (q >> 2) + c.B * nOut), (x) => (wrapAfter ? wrapQ(x) : x));
  return [ev, ...out];
}

const convCases: ConvCase[] = [
  { B: 3, inH: 9, inW: 7, inC: 3, outC: 16, K: 3, s: 1, pad: 1, d: 1, groups: 1 },
  { B: 2, inH: 8, inW: 8, inC: 4, outC: 6, K: 3, s: 2, pad: 1, d: 1, groups: 2 },
  { B: 2, inH: 11, inW: 10, inC: 5, outC: 5, K: 3, s: 1, pad: 2, d: 2, groups: 1 },
  // 8 channels at density 0.3: runs of 2 and 4 spikes at one position (added together), rows of 6 (a SIMD tail)
  { B: 2, inH: 6, inW: 5, inC: 8, outC: 6, K: 3, s: 1, pad: 1, d: 1, groups: 1 },
];
const depthwiseCases: ConvCase[] = [
  { B: 3, inH: 12, inW: 12, inC: 16, outC: 16, K: 2, s: 2, pad: 0, d: 1, groups: 16 }, // 2×2 average pool
  { B: 2, inH: 9, inW: 11, inC: 3, outC: 3, K: 3, s: 2, pad: 1, d: 1, groups: 3 },
  { B: 1, inH: 7, inW: 5, inC: 1, outC: 1, K: 3, s: 1, pad: 1, d: 2, groups: 1 },
];

describe("Loihi sum kernels (q modulo 2^32, wrapped when read)", () => {
  it("loihiConv2dSum and loihiDepthwiseSum: WASM equals the TypeScript twin, unwrapped q included", async () => {
    for (const [i, c] of convCases.entries()) expect(await convCase("wasm", c, 10 + i, "sum", false), `conv case ${i}`).toEqual(await convCase("js", c, 10 + i, "sum", false));
    for (const [i, c] of depthwiseCases.entries())
      expect(await convCase("wasm", c, 20 + i, "depthwise", false), `depthwise case ${i}`).toEqual(await convCase("js", c, 20 + i, "depthwise", false));
  });

  it("wrapped once, they equal loihiConv2dSpikes wrapping every add (same events), and q does wrap", async () => {
    let wraps = 0;
    for (const backend of ["wasm", "js"] as const) {
      for (const [i, c] of convCases.entries()) {
        const want = await convCase(backend, c, 30 + i, "wrap", false), raw = await convCase(backend, c, 30 + i, "sum", false);
        expect(await convCase(backend, c, 30 + i, "sum", true), `${backend} conv case ${i}`).toEqual(want);
        wraps += raw.filter((x, j) => j > 0 && x !== wrapQ(x)).length;
      }
      for (const [i, c] of depthwiseCases.entries())
        expect(await convCase(backend, c, 40 + i, "depthwise", true), `${backend} depthwise case ${i}`).toEqual(await convCase(backend, c, 40 + i, "wrap", false));
    }
    expect(wraps).toBeGreaterThan(50); // the unwrapped sums leave the 22-bit range: the test sees the wrap
  });

  it("loihiAccumulateSum: WASM equals the twin, and wrapped once equals loihiAccumulate", async () => {
    const run = async (backend: "wasm" | "js", sum: boolean, wrapAfter: boolean) => {
      const { k, I, alloc } = await heap(backend);
      const r = new Rng(5), B = 4, nSrc = 50, nDst = 37;
      const [sp, cnt] = spikeLists(r, B, nSrc, 0.4);
      const put = (xs: number[]) => { const a = alloc(xs.length); I.set(xs, a >> 2); return a; };
      const w = put(Array.from({ length: nSrc * nDst }, () => bigWeight(r))), q = put(new Array(B * nDst).fill(0));
      const spikes = put(sp), counts = put(cnt);
      const ev = sum ? k.loihiAccumulateSum(spikes, counts, B, nSrc, w, nDst, q) : k.loihiAccumulate(spikes, counts, B, nSrc, w, nDst, q);
      return [ev, ...Array.from(I.subarray(q >> 2, (q >> 2) + B * nDst), (x) => (wrapAfter ? wrapQ(x) : x))];
    };
    expect(await run("wasm", true, false)).toEqual(await run("js", true, false));
    expect(await run("wasm", true, true)).toEqual(await run("wasm", false, false));
    expect(await run("js", true, true)).toEqual(await run("js", false, false));
    expect(await run("wasm", true, false)).not.toEqual(await run("wasm", true, true));
  });
});

describe("loihiStepIF", () => {
  /** `steps` steps of B×n IF compartments, random q each step; fast: loihiStepIF, else loihiStep + countSpikes. */
  const run = async (backend: "wasm" | "js", fast: boolean, o: { perSample: boolean; keepV: number; seed: number }) => {
    const { k, I, alloc } = await heap(backend);
    const r = new Rng(o.seed), B = 3, n = 23, steps = 30;
    const vth = (1 + r.int(3000)) * 64, vmin = -(2 ** (r.int(2) ? 31 : r.int(24))) + 1, vmax = 2 ** (9 + 2 * r.int(8)) - 1;
    const q = alloc(B * n), u = alloc(B * n), v = alloc(B * n), ref = alloc(B * n), total = alloc(B * n), sp = alloc(B * n), cnt = alloc(B);
    const regs = [alloc(n), alloc(n), alloc(n), alloc(n)], bias = alloc(B * n); // decayU, decayV, vth, refractDelay
    I.fill(4095, regs[0] >> 2, (regs[0] >> 2) + n);
    I.fill(vth, regs[2] >> 2, (regs[2] >> 2) + n);
    I.fill(1, regs[3] >> 2, (regs[3] >> 2) + n);
    for (let i = 0; i < (o.perSample ? B * n : n); i++) I[(bias >> 2) + i] = (r.int(8191) - 4095) * 2 ** r.int(8);
    for (let i = 0; i < B * n; i++) I[(v >> 2) + i] = r.int(vth);
    const out: number[] = [];
    for (let t = 0; t < steps; t++) {
      for (let i = 0; i < B * n; i++) I[(q >> 2) + i] = r.int(4) === 0 ? (r.int(2 ** 31) | 0) * (r.int(2) ? 1 : -1) : r.int(4 * vth) - vth;
      let total0: number;
      if (fast) total0 = k.loihiStepIF(q, v, bias, o.perSample ? n : 0, vth, vmin, vmax, n, B, sp, cnt, total, o.keepV);
      else {
        if (o.perSample) {
          total0 = 0;
          for (let b = 0; b < B; b++)
            total0 += k.loihiStep(q + 4 * b * n, u + 4 * b * n, v + 4 * b * n, ref + 4 * b * n, regs[0], regs[1], bias + 4 * b * n, regs[2], regs[3], vmin, vmax, n, 1, sp + 4 * total0, cnt + 4 * b, o.keepV);
        } else total0 = k.loihiStep(q, u, v, ref, regs[0], regs[1], bias, regs[2], regs[3], vmin, vmax, n, B, sp, cnt, o.keepV);
        k.countSpikes(sp, cnt, B, n, total);
        expect(Array.from(I.subarray(ref >> 2, (ref >> 2) + B * n)).every((x) => x === 0)).toBe(true); // ref stays 0 (refractDelay 1)
      }
      if (fast) expect(Array.from(I.subarray(q >> 2, (q >> 2) + B * n)).every((x) => x === 0)).toBe(true); // q cleared
      out.push(total0, ...I.subarray(cnt >> 2, (cnt >> 2) + B), ...I.subarray(sp >> 2, (sp >> 2) + total0), ...I.subarray(v >> 2, (v >> 2) + B * n), ...I.subarray(total >> 2, (total >> 2) + B * n));
    }
    return out;
  };

  it("equals loihiStep + countSpikes on IF registers (shared and per-sample biases, keepV 0 and 1), WASM and TypeScript", async () => {
    let spikes = 0;
    for (let seed = 1; seed <= 8; seed++)
      for (const perSample of [false, true])
        for (const keepV of [0, 1]) {
          const o = { perSample, keepV, seed };
          const want = await run("wasm", false, o);
          expect(await run("wasm", true, o), JSON.stringify(o)).toEqual(want);
          expect(await run("js", true, o), JSON.stringify(o)).toEqual(want);
          expect(await run("js", false, o)).toEqual(want);
          spikes += want[0];
        }
    expect(spikes).toBeGreaterThan(0);
  });
});
