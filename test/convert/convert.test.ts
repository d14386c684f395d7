/**
 * Conversion: on random ReLU networks (dense and conv + avg-pool or max-pool, with biases), the
 * converted SNN's firing rates after many steps approximate the normalised ANN activations a/λ, and
 * the SNN's predictions agree with the ANN's; options change the graph as documented.
 */
import { describe, expect, it } from "vitest";
import { inferAnn } from "../../src/ann/infer.js";
import { convertAnn, percentileNonZero } from "../../src/convert/convert.js";
import { evaluateSnn } from "../../src/convert/evaluate.js";
import type { AnnGraph } from "../../src/ir/ann.js";
import { Simulator } from "../../src/sim/simulator.js";
import { Rng } from "../../src/util/rng.js";

function rand(r: Rng, n: number, s: number, mean = 0): Float32Array {
  return Float32Array.from({ length: n }, () => mean + s * (r.uniform() * 2 - 1));
}

function convAnn(seed: number, pool: "avg" | "max" = "avg"): AnnGraph {
  const r = new Rng(seed);
  return {
    nodes: [
      { kind: "input", id: "in", shape: [2, 8, 8] },
      { kind: "conv2d", id: "c1", input: "in", outChannels: 6, kernel: [3, 3], stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1,
        weights: rand(r, 6 * 2 * 9, 0.4, 0.05), bias: rand(r, 6, 0.05), activation: "relu" },
      { kind: "pool", id: "p1", input: "c1", mode: pool, kernel: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0], countIncludePad: true, activation: "none" },
      { kind: "flatten", id: "f", input: "p1" },
      { kind: "dense", id: "h", input: "f", units: 20, weights: rand(r, 96 * 20, 0.2, 0.01), bias: rand(r, 20, 0.05), activation: "relu" },
      { kind: "dense", id: "out", input: "h", units: 5, weights: rand(r, 20 * 5, 0.5), activation: "none" },
    ],
  };
}

/** Two conv branches (3x3 and 1x1) concatenated along channels, then conv, dense, dense. */
function concatAnn(seed: number): AnnGraph {
  const r = new Rng(seed);
  return {
    nodes: [
      { kind: "input", id: "in", shape: [2, 8, 8] },
      { kind: "conv2d", id: "b1", input: "in", outChannels: 4, kernel: [3, 3], stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1,
        weights: rand(r, 4 * 2 * 9, 0.4, 0.05), bias: rand(r, 4, 0.05), activation: "relu" },
      { kind: "conv2d", id: "b2", input: "in", outChannels: 3, kernel: [1, 1], stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1,
        weights: rand(r, 3 * 2, 1, 0.3), bias: rand(r, 3, 0.05), activation: "relu" },
      { kind: "concat", id: "cat", inputs: ["b1", "b2"], activation: "none" },
      { kind: "conv2d", id: "c3", input: "cat", outChannels: 6, kernel: [3, 3], stride: [2, 2], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1,
        weights: rand(r, 6 * 7 * 9, 0.25, 0.03), bias: rand(r, 6, 0.05), activation: "relu" },
      { kind: "flatten", id: "f", input: "c3" },
      { kind: "dense", id: "h", input: "f", units: 20, weights: rand(r, 96 * 20, 0.2, 0.01), bias: rand(r, 20, 0.05), activation: "relu" },
      { kind: "dense", id: "out", input: "h", units: 5, weights: rand(r, 20 * 5, 0.5), activation: "none" },
    ],
  };
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ma = 0, mb = 0;
  for (let i = 0; i < a.length; i++) { ma += a[i]; mb += b[i]; }
  ma /= a.length; mb /= b.length;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) ** 2; sbb += (b[i] - mb) ** 2; }
  return sab / Math.sqrt(saa * sbb);
}

describe("convertAnn", () => {
  it("percentileNonZero interpolates over non-zero values; max for p = 100", () => {
    expect(percentileNonZero([0, 0, 1, 2, 3, 4, 0], 100)).toBe(4);
    expect(percentileNonZero([0, 1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentileNonZero([0, 0], 99)).toBe(1);
  });

  for (const granularity of ["layer", "channel"] as const)
    it(`SNN rates × λ track ANN activations and predictions agree (${granularity}-wise, 3 seeds)`, async () => {
      for (const seed of [1, 2, 3]) {
        const ann = convAnn(seed);
        const r = new Rng(seed + 10), B = 16;
        const x = Float32Array.from({ length: B * 128 }, () => r.uniform());
        const acts = inferAnn(ann, x, B);
        const { snn, report } = convertAnn(ann, acts, B, { normalization: "max", granularity });
        const T = 1500;
        const sim = await Simulator.create(snn, { batch: B });
        const res = sim.run(x, { steps: T, coding: "current" });
        const h = res.layers.find((l) => l.id === "h")!;
        const lam = report.lambdas.find((l) => l.id === "h")!.lambda;
        const rates = Array.from(h.spikeCounts, (c, i) => (c / T) * lam[lam.length === 1 ? 0 : i % 20]);
        expect(pearson(rates, acts.get("h")!), `seed ${seed}`).toBeGreaterThan(0.99);
        const ev = await evaluateSnn(snn, x, Int32Array.from({ length: B }, (_, b) => {
          const o = acts.get("out")!.subarray(b * 5, b * 5 + 5);
          return o.indexOf(Math.max(...o));
        }), B, { timesteps: 400, batch: 8 });
        expect(ev.accuracy, `seed ${seed}: SNN agrees with the ANN`).toBeGreaterThanOrEqual(0.8);
        expect(ev.accuracyByStep.length).toBe(400);
      }
    });

  it("options: reset to zero, v0 = θ/2, synaptic smoothing, membrane readout, rate scaling", () => {
    const ann = convAnn(4);
    const x = new Float32Array(4 * 128).fill(0.5);
    const acts = inferAnn(ann, x, 4);
    const base = convertAnn(ann, acts, 4).snn;
    const opt = convertAnn(ann, acts, 4, { reset: "zero", vInit: "half", synapseTau: 5, outputSpiking: false, rateScale: 2 }).snn;
    const n0 = base.nodes[1] as Extract<typeof base.nodes[number], { kind: "conv2d" }>;
    const n1 = opt.nodes[1] as typeof n0;
    expect(n1.neuron).toMatchObject({ reset: "value", vReset: 0, vInit: 0.5, synDecay: Math.exp(-1 / 5) });
    expect(n1.weights[0]).toBeCloseTo(2 * n0.weights[0], 6); // first layer: input current × k
    expect(n1.bias![0]).toBeCloseTo(2 * n0.bias![0], 6);
    const h0 = base.nodes[4] as Extract<typeof base.nodes[number], { kind: "dense" }>, h1 = opt.nodes[4] as typeof h0;
    expect(h1.weights[7]).toBeCloseTo(h0.weights[7], 6); // hidden: × k × 1/k
    expect((opt.nodes[5] as typeof h0).neuron.spiking).toBe(false);
    const dropped = convertAnn(ann, acts, 4, { bias: "drop" }).snn;
    expect((dropped.nodes[1] as typeof n0).bias).toBeUndefined();
    expect((dropped.nodes[1] as typeof n0).weights).toEqual(n0.weights);
    expect(() => convertAnn(ann, acts, 4, { bias: "keep" as "drop" })).toThrow(/bias must be "scale" or "drop"/);
  });

  it("maxPool 'avg' replaces max pooling by average pooling (for chips without the gate); bad values are named", () => {
    const ann = convAnn(1, "max");
    const r = new Rng(4), x = Float32Array.from({ length: 4 * 128 }, () => r.uniform());
    const acts = inferAnn(ann, x, 4);
    expect(convertAnn(ann, acts, 4, { maxPool: "avg" }).snn.nodes.find((n) => n.id === "p1")).toMatchObject({ kind: "pool", mode: "avg", kernel: [2, 2] });
    expect(convertAnn(ann, acts, 4).snn.nodes.find((n) => n.id === "p1")).toMatchObject({ kind: "pool", mode: "max" });
    expect(() => convertAnn(ann, acts, 4, { maxPool: "min" as "avg" })).toThrow(/maxPool must be "gate" or "avg"/);
  });

  // (channel-wise λ does not apply here: c1 feeds a pool, which cannot absorb per-channel factors)
  it("max pooling converts to a gated max-pool population whose rates × λ track the ANN's max-pooled activations (3 seeds)", async () => {
    for (const seed of [1, 2, 3]) {
      const ann = convAnn(seed, "max");
      const r = new Rng(seed + 20), B = 16;
      const x = Float32Array.from({ length: B * 128 }, () => r.uniform());
      const acts = inferAnn(ann, x, B);
      const { snn, report } = convertAnn(ann, acts, B, { normalization: "max" });
      const p1 = snn.nodes.find((n) => n.id === "p1")!;
      expect(p1).toMatchObject({ kind: "pool", mode: "max", kernel: [2, 2], neuron: { model: "if", threshold: 1, reset: "subtract" } });
      const T = 1500;
      const res = (await Simulator.create(snn, { batch: B })).run(x, { steps: T, coding: "current" });
      const lam = report.lambdas.find((l) => l.id === "c1")!.lambda[0]; // the pool inherits λ of c1
      const pool = res.layers.find((l) => l.id === "p1")!;
      const poolRates = Array.from(pool.spikeCounts, (c) => (c / T) * lam);
      expect(pearson(poolRates, acts.get("p1")!), `seed ${seed}: max-pool rates`).toBeGreaterThan(0.98);
      const h = res.layers.find((l) => l.id === "h")!;
      const lh = report.lambdas.find((l) => l.id === "h")!.lambda[0];
      const hRates = Array.from(h.spikeCounts, (c) => (c / T) * lh);
      expect(pearson(hRates, acts.get("h")!), `seed ${seed}: the layer after the max pool`).toBeGreaterThan(0.98);
    }
  });

  it("channel concat converts to a relay population (no longer refused); its rates × λ track the ANN's (3 seeds)", async () => {
    for (const seed of [1, 2, 3]) {
      const ann = concatAnn(seed);
      const r = new Rng(seed + 30), B = 16;
      const x = Float32Array.from({ length: B * 128 }, () => r.uniform());
      const acts = inferAnn(ann, x, B);
      const { snn, report } = convertAnn(ann, acts, B, { normalization: "max" });
      const lam = (id: string) => report.lambdas.find((l) => l.id === id)!.lambda[0];
      const lc = lam("cat");
      expect(lc).toBe(Math.max(lam("b1"), lam("b2")));
      expect(snn.nodes.find((n) => n.id === "cat")).toMatchObject({ kind: "concat", inputs: ["b1", "b2"],
        scales: [lam("b1") / lc, lam("b2") / lc], neuron: { model: "if", threshold: 1, reset: "subtract" } });
      const T = 1500;
      const res = (await Simulator.create(snn, { batch: B })).run(x, { steps: T, coding: "current" });
      for (const id of ["cat", "c3", "h"]) {
        const l = res.layers.find((q) => q.id === id)!;
        const rates = Array.from(l.spikeCounts, (c) => (c / T) * lam(id));
        expect(pearson(rates, acts.get(id)!), `seed ${seed}: ${id}`).toBeGreaterThan(0.98);
      }
    }
  });

  it("a concat reading the network input scales it by k (rate scaling), like add", () => {
    const r = new Rng(8);
    const ann: AnnGraph = { nodes: [
      { kind: "input", id: "in", shape: [4] },
      { kind: "dense", id: "d", input: "in", units: 3, weights: rand(r, 12, 0.5, 0.2), activation: "relu" },
      { kind: "concat", id: "cat", inputs: ["in", "d"], activation: "none" },
      { kind: "dense", id: "out", input: "cat", units: 2, weights: rand(r, 14, 0.5), activation: "none" }] };
    const x = new Float32Array(4 * 4).map((_, i) => (i % 5) / 4);
    const acts = inferAnn(ann, x, 4);
    const { snn, report } = convertAnn(ann, acts, 4, { rateScale: 2 });
    const ld = report.lambdas.find((l) => l.id === "d")!.lambda[0], lc = Math.max(1, ld);
    expect(report.lambdas.find((l) => l.id === "cat")!.lambda).toEqual([lc]);
    const cat = snn.nodes.find((n) => n.id === "cat") as Extract<typeof snn.nodes[number], { kind: "concat" }>;
    expect(cat.scales![0]).toBeCloseTo((1 * 2) / lc, 12);
    expect(cat.scales![1]).toBeCloseTo(ld / lc, 12);
  });

});

describe("percentileNonZero (quickselect)", () => {
  it("equals the sorted-array definition with linear interpolation on 200 random arrays with ties and zeros", () => {
    const r = new Rng(3);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + r.int(300);
      const v = Float64Array.from({ length: n }, () => (r.uniform() < 0.3 ? 0 : Math.round(r.uniform() * 20) / 4));
      const p = [50, 90, 99.9, 100, 1][trial % 5];
      const nz = Array.from(v).filter((x) => x !== 0).sort((a, b) => a - b);
      let want = 1;
      if (nz.length) {
        const pos = (p / 100) * (nz.length - 1), lo = Math.floor(pos), hi = Math.ceil(pos);
        want = nz[lo] + (nz[hi] - nz[lo]) * (pos - lo);
      }
      expect(percentileNonZero(v, p)).toBeCloseTo(want, 12);
    }
  });

  it("on large arrays (the top-values path) equals a selection over all values bit for bit, ties, negatives and samples that mislead both ways", () => {
    const r = new Rng(8);
    const exact = (v: ArrayLike<number>, p: number) => {
      const nz = Float64Array.from(Array.from(v).filter((x) => x !== 0)).sort();
      if (!nz.length) return 1;
      const pos = (p / 100) * (nz.length - 1), lo = Math.floor(pos);
      const vlo = nz[lo], vhi = lo + 1 < nz.length && pos > lo ? nz[lo + 1] : vlo, x = vlo + (vhi - vlo) * (pos - lo);
      return x > 0 ? x : 1;
    };
    const cases: Float32Array[] = [
      Float32Array.from({ length: 50_000 }, () => (r.uniform() < 0.6 ? 0 : Math.fround(r.uniform() * 3))), // ReLU-like
      Float32Array.from({ length: 30_000 }, () => Math.round(r.uniform() * 8) / 2), // few distinct values: ties at any threshold
      Float32Array.from({ length: 20_000 }, () => Math.fround(r.normal() * 2)), // negatives
      // the largest values only at indices the 2,048-value sample skips: the threshold comes out low, more is collected
      Float32Array.from({ length: 40_960 }, (_, i) => (i % 20 === 7 ? 100 + i : (i % 997) / 10)),
      // the largest values exactly at the sampled indices (stride 20 of 40,960): the threshold comes out too high,
      // fewer than r + 1 values reach it (7 < 42 at p = 99.9), and the full selection runs
      Float32Array.from({ length: 40_960 }, (_, i) => (i % 20 === 0 ? 1000 + i : 1 + (i % 997) / 10)),
    ];
    for (const [i, v] of cases.entries())
      for (const p of [99.9, 99.99, 99, 97, 100, 50]) expect(percentileNonZero(v, p), `case ${i}, p ${p}`).toBe(exact(v, p));
  });
});

describe("synapse τ beyond float32", () => {
  it("a τ whose per-step decay rounds to 1 in float32 is refused by name, not reported as synDecay 1", async () => {
    const { resolveConvertOptions } = await import("../../src/convert/convert.js");
    for (const tau of [1e308, 1e8]) expect(() => resolveConvertOptions({ synapseTau: tau })).toThrow(/synapse τ .* is too long: its per-step decay exp\(−1\/τ\) rounds to 1 in float32/);
    expect(() => resolveConvertOptions({ synapseTau: 1e6 })).not.toThrow();
  });
});
