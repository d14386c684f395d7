/**
 * The integer Loihi engine (src/loihi/engine.ts) against simulateLoihi on the same quantised network
 * written as a Loihi net (src/loihi/net.ts: conv and pool layers expanded into matrices): random small
 * networks with convolutions (stride, padding, groups), average and sum pooling, flatten, dense layers,
 * biases, leak, synaptic decay and refractory periods — every layer's spike counts per neuron, the
 * output's spikes at every step and its final voltages must be equal. WASM and TypeScript kernels give
 * identical runs; the accuracy after t coding steps equals a run with T = t; conv quantisation rules.
 */
import { describe, expect, it } from "vitest";
import type { NeuronParams, SnnGraph, SnnNode } from "../../src/ir/graph.js";
import { LoihiEngine } from "../../src/loihi/engine.js";
import { evaluateLoihi, loihiActivity } from "../../src/loihi/evaluate.js";
import { toLoihiNet } from "../../src/loihi/net.js";
import { type LoihiGraph, quantizeGraph } from "../../src/loihi/quantize.js";
import { simulateLoihi } from "../../src/loihi/simulate.js";
import { Rng } from "../../src/util/rng.js";
import { block, net, range } from "./helpers.js";
import { expectEngineEqualsSimulate, randomNet, sym } from "./random-nets.js";

describe("LoihiEngine equals simulateLoihi on the expanded net", () => {
  it("12 random conv/pool/dense networks, 3 samples each, WASM and TypeScript kernels", async () => {
    const r = new Rng(11);
    let spikes = 0;
    for (let k = 0; k < 12; k++) {
      const snn = randomNet(r, k);
      const lg = quantizeGraph(snn);
      expect(lg.latency).toBe(5);
      const n = lg.input.size, T = 20, B = 3;
      const x = Float32Array.from({ length: B * n }, () => (r.uniform() < 0.3 ? 0 : r.uniform()));
      spikes += await expectEngineEqualsSimulate(lg, x, B, T, `net ${k}`);
    }
    expect(spikes).toBeGreaterThan(1000); // the networks are active
  }, 120_000);
});

describe("evaluateLoihi", () => {
  it("accuracy after t coding steps equals a run with T = t; activity through T + L is the whole run's", async () => {
    const r = new Rng(5);
    const lg = quantizeGraph(randomNet(r, 1));
    const N = 12, n = lg.input.size;
    const x = Float32Array.from({ length: N * n }, () => r.uniform());
    const labels = Int32Array.from({ length: N }, (_, i) => i % 4);
    const full = await evaluateLoihi(lg, x, labels, N, { steps: 24, batch: 5 });
    for (const t of [1, 7, 16]) {
      const short = await evaluateLoihi(lg, x, labels, N, { steps: t, batch: 4 });
      expect(short.accuracy).toBe(full.accuracyByStep[t - 1]);
    }
    const act = loihiActivity(full);
    const engine = await LoihiEngine.create(lg, { batch: N });
    const run = engine.run(x, { steps: 24 });
    run.layers.forEach((rec, li) => {
      expect(act[li].spikes).toBeCloseTo(rec.spikeCounts.reduce((a, c) => a + c, 0) / N, 9);
      expect(act[li].synops).toBeCloseTo(rec.synopsPerStep.reduce((a, c) => a + c, 0) / N, 9);
    });
    expect(() => loihiActivity(full, 25)).toThrow(/t must be an integer in 1..24/);
  });
});

describe("conv quantisation rules", () => {
  it("one scale per layer from max|w|; a channel's worst step sums its kernel slice; pools become exact depthwise weights", () => {
    // 2 output channels, 1 input channel, 2×2 kernels: channel 0 = [1, 0.5, 0.25, 0], channel 1 = [-1, -1, 0.5, 0.1]
    const snn: SnnGraph = { nodes: [
      { kind: "input", id: "in", shape: [1, 4, 4] },
      { kind: "conv2d", id: "c", input: "in", outChannels: 2, kernel: [2, 2], weights: Float32Array.from([1, 0.5, 0.25, 0, -1, -1, 0.5, 0.1]),
        neuron: { model: "if", threshold: 1, reset: "value" } },
      { kind: "pool", id: "p", input: "c", mode: "avg", kernel: [3, 3], neuron: { model: "if", threshold: 1, reset: "value" } },
    ] };
    const lg = quantizeGraph(snn);
    const [c, p] = lg.report.layers;
    // e = 6: s = 255·2^12 = 1044480; channel 1's negative sum 2·s + rounding slack 4·0.5·2^12 = 2^21 + 1 > 2^21 − 1 (q would wrap);
    // e = 5: s = 522240, vthMant = 522240/64 = 8160, mantissas w·255 rounded half away from zero
    expect([c.kind, c.fanIn, c.wExp, c.vthMant]).toEqual(["conv2d", 4, 5, 8160]);
    expect(Array.from(lg.layers[0].mant)).toEqual([255, 128, 64, 0, -255, -255, 128, 26]);
    expect(c.worstStep).toBeLessThanOrEqual(2 ** 21 - 1);
    // pool: weight float32(1/9) → 255; float32(1/9) > 1/9 makes s0 fall just short of 18360·64, so vthMant = 18359
    // and the weight is off by 1/18359 (exact for 2×2 pools, whose 1/4 is a float32)
    expect(p.kind).toBe("pool");
    expect([p.wExp, p.vthMant]).toEqual([3, 18359]);
    expect(p.weightRmsError).toBeLessThan(1e-4);
    expect(Array.from(lg.layers[1].mant).every((m) => m === 255)).toBe(true);
    expect(lg.layers[1].node).toMatchObject({ kind: "conv2d", groups: 2, outChannels: 2, kernel: [3, 3], stride: [3, 3] });
    expect(() => toLoihiNet(lg, { maxSynapseMatrix: 100 })).toThrow(/layer 'c' expands to a 16 × 18 matrix \(288 entries\), above the limit of 100/);
  });
});

describe("evaluateLoihiParallel", () => {
  it("two workers give the single-thread evaluation exactly (chunks merged from counts)", async () => {
    const { evaluateLoihiParallel } = await import("../../src/convert/parallel.js");
    const r = new Rng(9);
    const lg = quantizeGraph(randomNet(r, 2));
    const N = 23, n = lg.input.size;
    const x = Float32Array.from({ length: N * n }, () => r.uniform());
    const labels = Int32Array.from({ length: N }, (_, i) => (i * 7) % 4);
    const one = await evaluateLoihi(lg, x, labels, N, { steps: 12, batch: 4 });
    const two = await evaluateLoihiParallel(lg, x, labels, N, { steps: 12, batch: 4, workers: 2 });
    expect(two).toEqual(one);
  }, 60_000);
});

describe("residual add on Loihi", () => {
  it("engine equals simulateLoihi on random conv → conv → add(skip, main) → pool → dense networks (skip arrives one step earlier)", async () => {
    const r = new Rng(21);
    let spikes = 0;
    for (let k = 0; k < 6; k++) {
      const c = 2 + (k % 2), h = 6, w = 6;
      const nr = (): NeuronParams => ({ model: "if", threshold: 0.6 + r.uniform(), reset: "value" });
      const snn: SnnGraph = { nodes: [
        { kind: "input", id: "in", shape: [1, h, w] },
        { kind: "conv2d", id: "c1", input: "in", outChannels: c, kernel: [3, 3], padding: [1, 1, 1, 1],
          weights: Float32Array.from({ length: c * 9 }, () => sym(r, 0.6) + 0.1), neuron: nr() },
        { kind: "conv2d", id: "c2", input: "c1", outChannels: c, kernel: [3, 3], padding: [1, 1, 1, 1],
          weights: Float32Array.from({ length: c * c * 9 }, () => sym(r, 0.5) + 0.05), bias: Float32Array.from({ length: c }, () => sym(r, 0.05)), neuron: nr() },
        { kind: "add", id: "a", inputs: ["c1", "c2"], scales: [0.5 + r.uniform(), k % 3 === 0 ? -0.3 : 0.7 + r.uniform()], neuron: nr() },
        { kind: "pool", id: "p", input: "a", mode: "avg", kernel: [2, 2], neuron: { model: "if", threshold: 1, reset: "value" } },
        { kind: "flatten", id: "f", input: "p" },
        { kind: "dense", id: "d", input: "f", units: 5, weights: Float32Array.from({ length: c * 9 * 5 }, () => sym(r, 0.6) + 0.1), neuron: nr() },
      ] };
      const lg = quantizeGraph(snn);
      expect(lg.latency).toBe(5); // in → c1 → c2 → a → p → d: the add sits at depth 3 (its deeper input c2 is at 2)
      expect(lg.report.layers.find((l) => l.id === "a")).toMatchObject({ kind: "add", src: "c1 + c2", fanIn: 2 });
      const n = lg.input.size, T = 16, B = 2;
      const x = Float32Array.from({ length: B * n }, () => r.uniform());
      spikes += await expectEngineEqualsSimulate(lg, x, B, T, `net ${k}`);
    }
    expect(spikes).toBeGreaterThan(500);
  }, 60_000);
});

describe("channel concat on Loihi", () => {
  it("engine equals simulateLoihi on random two-branch conv → concat → pool → dense networks (branches of different depths)", async () => {
    const r = new Rng(33);
    let spikes = 0;
    for (let k = 0; k < 4; k++) {
      const c1 = 2 + (k % 2), c2 = 3, h = 6, w = 6;
      const nr = (): NeuronParams => ({ model: "if", threshold: 0.6 + r.uniform(), reset: "value" });
      const snn: SnnGraph = { nodes: [
        { kind: "input", id: "in", shape: [1, h, w] },
        { kind: "conv2d", id: "a", input: "in", outChannels: c1, kernel: [3, 3], padding: [1, 1, 1, 1], weights: Float32Array.from({ length: c1 * 9 }, () => sym(r, 0.6) + 0.1), neuron: nr() },
        { kind: "conv2d", id: "b0", input: "in", outChannels: c2, kernel: [1, 1], weights: Float32Array.from({ length: c2 }, () => 0.5 + r.uniform()), neuron: nr() },
        { kind: "conv2d", id: "b", input: "b0", outChannels: c2, kernel: [3, 3], padding: [1, 1, 1, 1], weights: Float32Array.from({ length: c2 * c2 * 9 }, () => sym(r, 0.5) + 0.05), neuron: nr() },
        { kind: "concat", id: "cat", inputs: ["a", "b"], scales: [0.8 + 0.4 * r.uniform(), 0.6 + 0.4 * r.uniform()], neuron: { model: "if", threshold: 1, reset: "value" } },
        { kind: "pool", id: "p", input: "cat", mode: "avg", kernel: [2, 2], neuron: { model: "if", threshold: 1, reset: "value" } },
        { kind: "flatten", id: "f", input: "p" },
        { kind: "dense", id: "d", input: "f", units: 4, weights: Float32Array.from({ length: (c1 + c2) * 9 * 4 }, () => sym(r, 0.6) + 0.1), neuron: nr() },
      ] };
      const lg = quantizeGraph(snn);
      expect(lg.latency).toBe(5); // in → b0 → b → cat → p → d
      expect(lg.report.layers.find((l) => l.id === "cat")).toMatchObject({ kind: "concat", src: "a | b" });
      const n = lg.input.size, T = 16, B = 2;
      const x = Float32Array.from({ length: B * n }, () => r.uniform());
      spikes += await expectEngineEqualsSimulate(lg, x, B, T, `net ${k}`);
    }
    expect(spikes).toBeGreaterThan(300);
  }, 60_000);
});

describe("few-timestep techniques on Loihi (issue 12)", () => {
  /** randomNet with θ/2 initial potentials everywhere, a non-spiking output and no synaptic filter on the input-fed layer. */
  function halfMembraneNet(r: Rng, k: number): SnnGraph {
    const g = randomNet(r, k);
    const nodes = g.nodes.map((n) => {
      if (!("neuron" in n)) return n;
      const neuron: NeuronParams = { ...n.neuron, vInit: n.neuron.threshold / 2 };
      if (n.id === "c1") delete neuron.synDecay;
      if (n.id === "d2") neuron.spiking = false;
      return { ...n, neuron };
    }) as SnnNode[];
    return { nodes };
  }

  it("input as bias current, θ/2 initial voltage and a membrane-readout output: the engine equals simulateLoihi", async () => {
    const r = new Rng(44);
    let spikes = 0;
    for (let k = 0; k < 8; k++) {
      const snn = halfMembraneNet(r, k);
      const lg = quantizeGraph(snn, { inputMode: "bias" });
      expect([lg.latency, lg.inputMode, lg.readout]).toEqual([4, "bias", "membrane"]); // one step less: layer 1 integrates from step 1
      const out = lg.layers.find((l) => l.id === "d2")!;
      expect([out.membrane, out.vthMant]).toEqual([true, 2 ** 17 - 1]);
      for (const l of lg.layers) if (l.id !== "d2") expect(l.vInit).toBe(l.vthMant * 32); // θ/2 exactly
      const n = lg.input.size, T = 16, B = 3;
      const x = Float32Array.from({ length: B * n }, () => (r.uniform() < 0.3 ? 0 : r.uniform()));
      spikes += await expectEngineEqualsSimulate(lg, x, B, T, `net ${k}`);
      // no input spikes at all: the image is in the first layer's biases
      const run = (await LoihiEngine.create(lg, { batch: B })).run(x, { steps: T });
      expect(run.inputSpikesPerStep.every((c) => c === 0)).toBe(true);
    }
    expect(spikes).toBeGreaterThan(1000);
  }, 120_000);

  it("the θ/2 initial voltage equals a one-step input of θ/2 one step before the first input (IF compartment)", async () => {
    const r = new Rng(45);
    const n = 6, nIn = 5, T = 30, vthMant = 1000; // vth/2 = 32000 = 250·2^(6+1)
    const w = Array.from({ length: nIn }, () => Array.from({ length: n }, () => Math.round(sym(r, 150) + 80)));
    const times = Array.from({ length: nIn }, () => range(1, T - 1).filter(() => r.uniform() < 0.4));
    const a = net({ ...block(n, { vthMant }), vInit: new Array<number>(n).fill(vthMant * 32) }, times, w);
    const b = net(block(n, { vthMant }), times.map((ts) => ts.map((t) => t + 1)), w);
    b.inputs!.push({ name: "half", n: 1, spikeTimes: [[1]] });
    b.connections!.push({ src: "half", dst: "b", weights: [new Array<number>(n).fill(250)], wExp: 1 });
    const ra = await simulateLoihi(a, T), rb = await simulateLoihi(b, T + 1);
    expect(rb.blocks.b.v.slice(1)).toEqual(ra.blocks.b.v);
    expect(rb.blocks.b.spikes.slice(1)).toEqual(ra.blocks.b.spikes);
    expect(ra.blocks.b.spikes.flat().length).toBeGreaterThan(10);
  });

  it("refuses what the bias input or the membrane readout cannot take, naming the layer", () => {
    const r = new Rng(46);
    const g = halfMembraneNet(r, 1);
    const filtered = { nodes: g.nodes.map((n) => (n.id === "c1" && "neuron" in n ? { ...n, neuron: { ...n.neuron, synDecay: 0.3 } } : n)) as SnnNode[] };
    expect(() => quantizeGraph(filtered, { inputMode: "bias" })).toThrow(/input "bias": layer 'c1' has a synaptic filter/);
    const hidden = { nodes: g.nodes.map((n) => (n.id === "d1" && "neuron" in n ? { ...n, neuron: { ...n.neuron, spiking: false } } : n)) as SnnNode[] };
    expect(() => quantizeGraph(hidden)).toThrow(/layer 'd1' is non-spiking but not the output/);
  });
});
