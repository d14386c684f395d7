/**
 * Recurrent populations (graph.ts RecurrentConnection): a population's own spikes of step t−1 enter its
 * accumulator at step t, before its feed-forward sources. Checked against hand-computed traces (values
 * exact in float32), against an independent float32 loop of the documented equations, across memory
 * layouts (a channels-last conv population vs the same network as 1-D dense), and WASM ≡ TS reference.
 */
import { describe, expect, it } from "vitest";
import type { NeuronParams, SnnGraph } from "../../src/ir/graph.js";
import { Simulator } from "../../src/sim/simulator.js";
import { Rng } from "../../src/util/rng.js";
import { BACKENDS, bits, simulate } from "../helpers/sim.js";

const f = Math.fround;

/** input [n] → dense n with diagonal weights `drive` (constant currents under "current" coding) and recurrent W. */
function drivenRecurrent(drive: number[], rec: number[] | null, neuron: NeuronParams): SnnGraph {
  const n = drive.length;
  const w = new Float32Array(n * n);
  drive.forEach((d, i) => (w[i * n + i] = d));
  return {
    nodes: [
      { kind: "input", id: "in", shape: [n] },
      { kind: "dense", id: "pop", input: "in", units: n, weights: w, neuron, ...(rec ? { recurrent: { weights: Float32Array.from(rec) } } : {}) },
    ],
  };
}

/** Steps (1-based) at which neuron j's cumulative count increased, from a [T][1][n] counts record. */
function spikeSteps(counts: Int32Array, n: number, j: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < counts.length / n; t++) if (counts[t * n + j] > (t === 0 ? 0 : counts[(t - 1) * n + j])) out.push(t + 1);
  return out;
}

/**
 * Independent float32 loop of the documented semantics for IF/LIF neurons without synapse, bias or
 * refractoriness: x_j = Σ_i W[i][j]·z_i[t−1] (i ascending) + I_j; u = leak·v + x; spike when u ≥ θ.
 */
function loop(drive: number[], rec: number[], leak: number, theta: number, reset: "subtract" | "value", T: number) {
  const n = drive.length;
  let v = new Array(n).fill(0), z = new Array(n).fill(0);
  const counts: number[] = [], membrane: number[] = [];
  const total = new Array(n).fill(0);
  for (let t = 1; t <= T; t++) {
    const acc = new Array(n).fill(0);
    for (let i = 0; i < n; i++) if (z[i]) for (let j = 0; j < n; j++) acc[j] = f(acc[j] + f(rec[i * n + j]));
    const zn = new Array(n).fill(0);
    v = v.map((vj, j) => {
      const x = f(acc[j] + f(drive[j])); // the dense source's current is added after the recurrent rows
      let u = f(f(f(leak) * vj) + x);
      if (u >= f(theta)) {
        zn[j] = 1;
        total[j]++;
        u = reset === "subtract" ? f(u - f(theta)) : 0;
      }
      return u;
    });
    z = zn;
    counts.push(...total);
    membrane.push(...v);
  }
  return { counts, membrane };
}

for (const backend of BACKENDS) {
  describe(`recurrent populations (${backend} backend)`, () => {
    it("one IF neuron exciting itself (I = 0.5, w = 0.25, θ = 1): spikes at 2, then every t ≡ 1, 2 (mod 3) from 4", async () => {
      // v: 0.5, 1.0→0, 0.75, 1.25→0.25, 1.0→0, 0.75, ... (the step after a spike gets +0.25); alone: every 2nd step
      const T = 60;
      const r = await simulate(drivenRecurrent([0.5], [0.25], { model: "if", threshold: 1 }), [1], { steps: T }, backend);
      const want = [2, ...Array.from({ length: T }, (_, i) => i + 1).filter((t) => t >= 4 && t % 3 !== 0)];
      expect(spikeSteps(r.output.counts, 1, 0)).toEqual(want);
      for (let t = 4; t <= T; t++) expect(r.output.membrane[t - 1], `t=${t}`).toBe([0.75, 0.25, 0][t % 3]);
      // synaptic events: one recurrent row (1 weight) per spike of steps 1..T−1; current coding adds none
      const before = want.filter((t) => t < T).length;
      expect(r.layers[0].synapticEvents).toBe(before);
      const alone = await simulate(drivenRecurrent([0.5], null, { model: "if", threshold: 1 }), [1], { steps: T }, backend);
      expect(spikeSteps(alone.output.counts, 1, 0)).toEqual(Array.from({ length: T / 2 }, (_, i) => 2 * i + 2));
    });

    it("two IF neurons inhibiting each other (I = 0.625, 0.5; w = −1): the stronger one wins, hand trace of 8 steps", async () => {
      // t1 v=(.625,.5)  t2 (1.25→.25, 1→0) both spike  t3 (−.125, −.5)  t4 (.5, 0)  t5 (1.125→.125, .5)
      // t6 (.75, 0)  t7 (1.375→.375, .5)  t8 (1→0, 0)
      const T = 200;
      const rec = [0, -1, -1, 0];
      const r = await simulate(drivenRecurrent([0.625, 0.5], rec, { model: "if", threshold: 1 }), [1, 1], { steps: T }, backend);
      const m = r.output.membrane;
      const trace = [[0.625, 0.5], [0.25, 0], [-0.125, -0.5], [0.5, 0], [0.125, 0.5], [0.75, 0], [0.375, 0.5], [0, 0]];
      trace.forEach((vt, t) => expect([m[2 * t], m[2 * t + 1]], `t=${t + 1}`).toEqual(vt));
      expect(spikeSteps(r.output.counts, 2, 0).slice(0, 4)).toEqual([2, 5, 7, 8]);
      expect(spikeSteps(r.output.counts, 2, 1).slice(0, 1)).toEqual([2]);
      const ref = loop([0.625, 0.5], rec, 1, 1, "subtract", T);
      expect(Array.from(r.output.counts)).toEqual(ref.counts);
      expect(Array.from(m)).toEqual(ref.membrane);
      const free = await simulate(drivenRecurrent([0.625, 0.5], null, { model: "if", threshold: 1 }), [1, 1], { steps: T }, backend);
      const [w0, w1] = [r.layers[0].spikeCounts[0], r.layers[0].spikeCounts[1]];
      expect(w0).toBeGreaterThan(w1);
      expect(w1).toBeLessThan(free.layers[0].spikeCounts[1]);
    });

    it("LIF with reset to value and random recurrent weights follows the independent float32 loop for 300 steps", async () => {
      const rng = new Rng(7);
      const n = 6;
      const drive = Array.from({ length: n }, () => f(0.2 + 0.3 * rng.uniform()));
      const rec = Array.from({ length: n * n }, () => f(rng.uniform() - 0.6));
      const T = 300;
      const r = await simulate(drivenRecurrent(drive, rec, { model: "lif", leak: 0.9, threshold: 1, reset: "value" }), new Array(n).fill(1), { steps: T }, backend);
      const ref = loop(drive, rec, 0.9, 1, "value", T);
      expect(Array.from(r.output.counts)).toEqual(ref.counts);
      expect(Array.from(r.output.membrane)).toEqual(ref.membrane);
      expect(r.layers[0].spikeCounts.reduce((a, b) => a + b, 0)).toBeGreaterThan(20);
    });

    it("a 3-D (channels-last) conv population with recurrent weights ≡ the same network as flatten → dense", async () => {
      // 1×1 conv with identity weights on [2, 2, 2] = dense with identity on the flattened input; the
      // recurrent W is in [C, H, W] order in both graphs; weights k/8 keep every sum exact in float32
      const rng = new Rng(11);
      const n = 8;
      const rec = Float32Array.from({ length: n * n }, () => Math.round(rng.uniform() * 8 - 4) / 8);
      const neuron: NeuronParams = { model: "lif", leak: 0.875, threshold: 1, synDecay: 0.5 };
      const conv: SnnGraph = { nodes: [
        { kind: "input", id: "in", shape: [2, 2, 2] },
        { kind: "conv2d", id: "c", input: "in", outChannels: 2, kernel: [1, 1], weights: Float32Array.of(1, 0, 0, 1), neuron, recurrent: { weights: rec } },
      ] };
      const eye = new Float32Array(n * n);
      for (let i = 0; i < n; i++) eye[i * n + i] = 1;
      const dense: SnnGraph = { nodes: [
        { kind: "input", id: "in", shape: [2, 2, 2] },
        { kind: "flatten", id: "f", input: "in" },
        { kind: "dense", id: "c", input: "f", units: n, weights: eye, neuron, recurrent: { weights: rec } },
      ] };
      const x = Array.from({ length: 2 * n }, (_, i) => ((i * 5) % 9) / 8);
      const opts = { steps: 80, coding: "poisson" as const, rate: 0.7, seed: 3, recordSpikes: true };
      const a = await simulate(conv, x, opts, backend, 2);
      const b = await simulate(dense, x, opts, backend, 2);
      expect(Array.from(a.output.counts)).toEqual(Array.from(b.output.counts));
      expect(bits(a.output.membrane)).toEqual(bits(b.output.membrane));
      expect(Array.from(a.layers[0].spikeTrain!.indices)).toEqual(Array.from(b.layers[0].spikeTrain!.indices));
      expect(a.layers[0].spikeCounts.reduce((s, c) => s + c, 0)).toBeGreaterThan(50);
    });

    it("state is reset between runs: a second run repeats the first (no spikes of the last step leak into step 1)", async () => {
      const sim = await Simulator.create(drivenRecurrent([0.5, 0.75], [0.5, 0.25, -0.25, 0.5], { model: "if", threshold: 1 }), { backend });
      const a = sim.run([1, 1], { steps: 37 });
      const b = sim.run([1, 1], { steps: 37 });
      expect(Array.from(b.output.counts)).toEqual(Array.from(a.output.counts));
      expect(bits(b.output.membrane)).toEqual(bits(a.output.membrane));
      expect(b.layers[0].synapticEvents).toBe(a.layers[0].synapticEvents);
    });
  });
}

describe("recurrent populations: WASM ≡ TS reference", () => {
  it("a two-layer network with recurrent dense and conv populations, Poisson input, batch 3: bit-identical", async () => {
    const rng = new Rng(99);
    const r = (len: number, s: number) => Float32Array.from({ length: len }, () => f((rng.uniform() * 2 - 0.9) * s));
    const g: SnnGraph = { nodes: [
      { kind: "input", id: "in", shape: [1, 5, 5] },
      { kind: "conv2d", id: "c", input: "in", outChannels: 3, kernel: [3, 3], padding: [1, 1, 1, 1], weights: r(27, 0.6),
        bias: r(3, 0.05), neuron: { model: "lif", leak: 0.9, threshold: 0.8, synDecay: 0.3 }, recurrent: { weights: r(75 * 75, 0.2) } },
      { kind: "flatten", id: "f", input: "c" },
      { kind: "dense", id: "d", input: "f", units: 10, weights: r(750, 0.3), neuron: { model: "if", threshold: 1, reset: "value", refractory: 1 },
        recurrent: { weights: r(100, 0.5) } },
    ] };
    const x = Array.from({ length: 75 }, () => rng.uniform());
    const opts = { steps: 60, coding: "poisson" as const, rate: 0.5, seed: 5, recordSpikes: true };
    const [w, j] = await Promise.all(BACKENDS.map((be) => simulate(g, x, opts, be, 3)));
    expect(Array.from(w.output.counts)).toEqual(Array.from(j.output.counts));
    expect(bits(w.output.membrane)).toEqual(bits(j.output.membrane));
    w.layers.forEach((l, i) => {
      expect(Array.from(l.spikeTrain!.indices)).toEqual(Array.from(j.layers[i].spikeTrain!.indices));
      expect(l.synapticEvents).toBe(j.layers[i].synapticEvents);
    });
    expect(w.layers[0].spikeCounts.reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
    expect(w.layers[1].spikeCounts.reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
  });
});
