/**
 * Spiking max pooling (gating by the most active input, assembly/pool.ts) through the whole Simulator
 * on both back ends, against closed forms: a 2x1 window over regular trains at rates 0.2 and 0.5 fires
 * at rate 0.5; the same through an IF layer; on an analog input (current coding) the pool receives the
 * window maximum as a constant current. Invariants on Poisson trains: one passed spike per window and
 * step at most, and never fewer pool spikes than the window's most active input has fired.
 */
import { describe, expect, it } from "vitest";
import type { NeuronParams, PoolNode, SnnGraph } from "../../src/ir/graph.js";
import { planMemory } from "../../src/sim/plan.js";
import { Simulator } from "../../src/sim/simulator.js";
import { Rng } from "../../src/util/rng.js";
import { BACKENDS, at, simulate } from "../helpers/sim.js";

const IF: NeuronParams = { model: "if", threshold: 1 };
const maxPool = (input: string, geo: Partial<PoolNode> = {}): PoolNode =>
  ({ kind: "pool", id: "mp", input, mode: "max", kernel: [2, 1], neuron: IF, ...geo });

/** input [1, 2, 1] -> max pool over the 2x1 window (one neuron). */
const onInput: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [1, 2, 1] }, maxPool("in")] };

/** input [1, 2, 1] -> IF neurons driven by the input as current (1x1 conv, weight 1) -> max pool. */
const throughIf: SnnGraph = { output: "mp", nodes: [
  { kind: "input", id: "in", shape: [1, 2, 1] },
  { kind: "conv2d", id: "c", input: "in", outChannels: 1, kernel: [1, 1], weights: Float32Array.of(1), neuron: IF },
  maxPool("c"),
] };

/** Naive max pooling of x [C, H, W] (padding excluded). */
function naiveMax(x: Float32Array, [C, H, W]: number[], k: number, s: number, pad: number): Float32Array {
  const OH = Math.floor((H + 2 * pad - k) / s) + 1, OW = Math.floor((W + 2 * pad - k) / s) + 1;
  const out = new Float32Array(C * OH * OW);
  for (let c = 0; c < C; c++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++) {
        let m = -Infinity;
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++) {
            const y = oy * s - pad + ky, xx = ox * s - pad + kx;
            if (y >= 0 && y < H && xx >= 0 && xx < W) m = Math.max(m, x[(c * H + y) * W + xx]);
          }
        out[(c * OH + oy) * OW + ox] = m;
      }
  return out;
}

for (const backend of BACKENDS) {
  describe(`spiking max pooling, closed forms (${backend} backend)`, () => {
    for (const x of [[0.2, 0.5], [0.5, 0.2]]) {
      it(`regular trains at rates [${x}] in one 2x1 window: the pool fires floor(0.5·t) ± 1 times after every t <= 200`, async () => {
        const r = await simulate(onInput, x, { steps: 200, coding: "regular", rate: 1 }, backend);
        for (let t = 1; t <= 200; t++) expect(Math.abs(r.output.counts[t - 1] - Math.floor(0.5 * t)), `t=${t}`).toBeLessThanOrEqual(1);
        expect(r.layers[0].synapticEvents).toBe(r.output.counts[199]); // passed spikes only; the slower input's are blocked
      });

      it(`IF neurons with currents [${x}] feeding a 2x1 max pool: the pool fires at rate 0.5 (±1 spike over 200 steps)`, async () => {
        const r = await simulate(throughIf, x, { steps: 200, coding: "current" }, backend);
        expect(Array.from(r.layers[0].spikeCounts)).toEqual(x.map((v) => Math.floor(200 * v)));
        expect(Math.abs(r.output.counts[199] - 100)).toBeLessThanOrEqual(1);
      });
    }

    it("ties go to the first input of the window: equal trains pass exactly one spike per step", async () => {
      const r = await simulate(onInput, [0.25, 0.25], { steps: 200, coding: "regular", rate: 1 }, backend);
      expect(r.output.counts[199]).toBe(50);
      expect(r.layers[0].synapticEvents).toBe(50); // the second input's simultaneous spikes are blocked
    });

    it("nearly equal rates [0.5, 0.51] (the lead changes hands): the pool passes exactly the max count, floor(0.51 t), at every step", async () => {
      const r = await simulate(onInput, [0.5, 0.51], { steps: 200, coding: "regular", rate: 1 }, backend);
      const p = Math.fround(0.51); // the rate as the float32 the encoder reads
      for (let t = 1; t <= 200; t++) expect(r.output.counts[t - 1], `t = ${t}`).toBe(Math.max(Math.floor(0.5 * t), Math.floor(p * t)));
    });

    it("on an analog input (current coding) the pool receives the window maximum as a constant current", async () => {
      const r = await simulate(onInput, [0.2, 0.5], { steps: 200, coding: "current" }, backend);
      expect(r.output.counts[199]).toBe(100);
      const neg: SnnGraph = { nodes: [onInput.nodes[0], maxPool("in", { neuron: { model: "if", threshold: 1, spiking: false } })] };
      const m = await simulate(neg, [-0.375, -0.75], { steps: 8, coding: "current" }, backend);
      expect(Array.from(m.output.membrane)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((t) => -0.375 * t)); // max of negatives, no ReLU
    });

    it("analog max pooling 3x3 stride 2 padding 1 of random inputs equals the naive max after one step (padding never wins)", async () => {
      const shape = [2, 5, 6];
      const g: SnnGraph = { nodes: [{ kind: "input", id: "in", shape },
        maxPool("in", { kernel: [3, 3], stride: [2, 2], padding: [1, 1, 1, 1], neuron: { model: "if", threshold: 1, spiking: false } })] };
      const rng = new Rng(11);
      const x = Float32Array.from({ length: 60 }, () => rng.uniform() * 2 - 1.5); // mostly negative: a zero pad would win
      const r = await simulate(g, x, { steps: 1, coding: "current" }, backend);
      expect(Array.from(r.output.membrane)).toEqual(Array.from(naiveMax(x, shape, 3, 2, 1)));
      expect(r.layers[0].inputMacsPerStep).toBe(2 * (2 + 3 + 2) * (2 + 3 + 3)); // comparisons: non-padding inputs of every window (C × rows × columns)
    });

    it("Poisson trains through a relay: per window at most one pass per step, and never fewer pool spikes than its most active input", async () => {
      const shape = [3, 6, 6], B = 2, T = 300;
      const relay = new Float32Array(9);
      for (let c = 0; c < 3; c++) relay[c * 3 + c] = 1;
      const g: SnnGraph = { output: "mp", nodes: [{ kind: "input", id: "in", shape },
        { kind: "conv2d", id: "relay", input: "in", outChannels: 3, kernel: [1, 1], weights: relay, neuron: IF },
        maxPool("relay", { kernel: [3, 3], stride: [2, 2], padding: [1, 1, 1, 1] })] };
      const rng = new Rng(5);
      const x = Float32Array.from({ length: B * 108 }, () => rng.uniform());
      const r = await simulate(g, x, { steps: T, coding: "poisson", rate: 0.6, seed: 9 }, backend, B);
      const inC = r.layers[0].spikeCounts, pool = r.layers[1].spikeCounts;
      let exact = 0;
      for (let b = 0; b < B; b++) {
        const m = naiveMax(Float32Array.from(inC.subarray(b * 108, (b + 1) * 108)), shape, 3, 2, 1);
        m.forEach((want, i) => {
          const got = pool[b * 27 + i];
          expect(got, `sample ${b}, pool neuron ${i}`).toBeGreaterThanOrEqual(want);
          expect(got).toBeLessThanOrEqual(T);
          if (got === want) exact++;
        });
      }
      expect(exact).toBeGreaterThan(0);
      expect(r.layers[1].synapticEvents).toBe(pool.reduce((a, c) => a + c, 0)); // threshold 1: one spike per passed spike
    });

    it("the input's running counts restart with every run (two runs of one Simulator agree)", async () => {
      const sim = await Simulator.create(onInput, { backend });
      const opts = { steps: 50, coding: "poisson" as const, rate: 1, seed: 3 };
      const a = sim.run([0.3, 0.6], opts), b = sim.run([0.3, 0.6], opts);
      expect(b).toEqual(a);
      expect(at(a.output.counts, 49, 0, 1, 1)[0]).toBeGreaterThan(15);
    });
  });
}

describe("memory plan of max pooling", () => {
  it("plans input running counts only when a max pool reads the input, and points each max pool at its source's counts", () => {
    const p = planMemory(throughIf, 2);
    expect(p.input.total).toBe(0);
    const src = p.pops[1].sources[0];
    expect(src.op === "pool" && src.max?.total).toBe(p.pops[0].total);
    const q = planMemory(onInput, 2);
    expect(q.input.total).toBeGreaterThan(0);
    const s2 = q.pops[0].sources[0];
    expect(s2.op === "pool" && s2.max).toMatchObject({ kh: 2, kw: 1, sh: 2, sw: 1, padT: 0, padL: 0, total: q.input.total });
    const avg = planMemory({ nodes: [onInput.nodes[0], { ...maxPool("in"), mode: "avg" }] }, 2);
    expect(avg.input.total).toBe(0);
    expect(avg.pops[0].sources[0]).toMatchObject({ op: "pool", max: null });
  });
});
