/**
 * Simulator bookkeeping (records consistent with each other, event and MAC counts, output selection,
 * state reset between runs) and batch independence, on both back ends.
 */
import { describe, expect, it } from "vitest";
import { type SnnGraph, shapeSize } from "../../src/ir/graph.js";
import type { InputCoding } from "../../src/sim/input.js";
import { type SimResult, Simulator } from "../../src/sim/simulator.js";
import { BACKENDS, at, bits, oneNeuron } from "../helpers/sim.js";
import { randomGraph, randomInputs } from "../helpers/random-graph.js";

const inputSize = (g: SnnGraph) => shapeSize((g.nodes[0] as { shape: number[] }).shape);

/** Everything sample b did, as plain arrays (membrane as bits). */
function sampleView(r: SimResult, b: number) {
  const T = r.steps, B = r.batch, n = r.output.size;
  return {
    layers: r.layers.map((l) => ({
      id: l.id,
      perStep: Array.from({ length: T }, (_, t) => l.spikesPerStep[t * B + b]),
      counts: Array.from(l.spikeCounts.subarray(b * l.size, (b + 1) * l.size)),
      first: Array.from(l.firstSpike.subarray(b * l.size, (b + 1) * l.size)),
    })),
    input: Array.from({ length: T }, (_, t) => r.inputSpikesPerStep[t * B + b]),
    outCounts: Array.from({ length: T }, (_, t) => Array.from(at(r.output.counts, t, b, B, n))),
    outMembrane: Array.from({ length: T }, (_, t) => bits(at(r.output.membrane, t, b, B, n))),
  };
}

for (const backend of BACKENDS) {
  describe(`Simulator records (${backend} backend)`, () => {
    it("recordFirstSpike: false leaves every spike, count and membrane as they were; reading firstSpike then is a named error", async () => {
      for (let seed = 1; seed <= 8; seed++) {
        const g = randomGraph(seed, { richNeurons: seed % 2 === 0 }), B = 3, T = 16;
        const sim = await Simulator.create(g, { batch: B, backend });
        const x = randomInputs(seed, B, inputSize(g));
        for (const coding of ["poisson", "current"] as const) {
          const a = sim.run(x, { steps: T, coding, seed });
          const b = sim.run(x, { steps: T, coding, seed, recordFirstSpike: false });
          const strip = (r: SimResult) => r.layers.map((l) => ({ id: l.id, perStep: Array.from(l.spikesPerStep), counts: Array.from(l.spikeCounts), events: l.synapticEvents }));
          expect(strip(b), `seed ${seed} ${coding}`).toEqual(strip(a));
          expect(bits(b.output.membrane)).toEqual(bits(a.output.membrane));
          expect(() => b.layers[0].firstSpike).toThrow(new RegExp(`layer ${b.layers[0].id}: first spikes were not recorded`));
          // and the next run that records them starts from -1 again
          expect(Array.from(sim.run(x, { steps: T, coding, seed }).layers[0].firstSpike)).toEqual(Array.from(a.layers[0].firstSpike));
        }
      }
    });

    it("records agree with each other on random graphs: cumulative output counts, per-step totals, first spikes", async () => {
      for (let seed = 1; seed <= 10; seed++) {
        const g = randomGraph(seed), B = 2, T = 20;
        const sim = await Simulator.create(g, { batch: B, backend });
        const r = sim.run(randomInputs(seed, B, inputSize(g)), { steps: T, coding: "poisson", seed });
        for (const l of r.layers) {
          for (let b = 0; b < B; b++) {
            let perStep = 0;
            for (let t = 0; t < T; t++) perStep += l.spikesPerStep[t * B + b];
            const counts = l.spikeCounts.subarray(b * l.size, (b + 1) * l.size);
            expect(perStep, `seed ${seed} ${l.id}`).toBe(counts.reduce((a, c) => a + c, 0));
            l.firstSpike.subarray(b * l.size, (b + 1) * l.size).forEach((f, j) => {
              if (counts[j] === 0) expect(f).toBe(-1);
              else expect(f >= 1 && f <= T && counts[j] <= T - f + 1).toBe(true);
            });
          }
        }
        const out = r.layers.find((l) => l.id === r.output.id)!;
        const n = r.output.size;
        for (let b = 0; b < B; b++)
          for (let j = 0; j < n; j++) {
            const series = Array.from({ length: T }, (_, t) => r.output.counts[(t * B + b) * n + j]);
            series.forEach((c, t) => { if (t > 0) expect(c - series[t - 1]).toBeGreaterThanOrEqual(0); });
            expect(series[T - 1]).toBe(out.spikeCounts[b * n + j]);
            expect(out.firstSpike[b * n + j]).toBe(series.findIndex((c) => c > 0) + (series[T - 1] > 0 ? 1 : 0));
          }
      }
    });

    it("synaptic events = presynaptic spikes × fan-out for dense and add, and taps reached × channels for conv", async () => {
      const w = (n: number, v: number) => new Float32Array(n).fill(v);
      const g: SnnGraph = { nodes: [
        { kind: "input", id: "in", shape: [1, 4, 4] },
        { kind: "conv2d", id: "conv", input: "in", outChannels: 2, kernel: [3, 3], weights: w(18, 0.3), neuron: { model: "if", threshold: 1 } },
        { kind: "flatten", id: "flat", input: "conv" },
        { kind: "dense", id: "fc", input: "flat", units: 5, weights: w(40, 0.2), neuron: { model: "if", threshold: 1 } },
        { kind: "add", id: "sum", inputs: ["fc", "fc"], neuron: { model: "if", threshold: 1 } }] };
      const x = Float32Array.from({ length: 16 }, (_, i) => (i % 5) / 4);
      const r = await (await Simulator.create(g, { backend })).run(x, { steps: 40, coding: "regular" });
      // Input position (y, x) of a 4x4 input feeds (number of 3x3 windows covering it) outputs per channel.
      const cover = (p: number) => Math.min(p, 1) - Math.max(p - 2, 0) + 1;
      let convEvents = 0;
      for (let t = 1; t <= 40; t++)
        x.forEach((v, i) => { if (Math.floor(t * v) > Math.floor((t - 1) * v)) convEvents += cover(Math.floor(i / 4)) * cover(i % 4) * 2; });
      const [conv, fc, sum] = r.layers;
      const spikes = (l: typeof conv) => l.spikeCounts.reduce((a, c) => a + c, 0);
      expect(conv.synapticEvents).toBe(convEvents);
      expect(spikes(conv)).toBeGreaterThan(0);
      expect(fc.synapticEvents).toBe(spikes(conv) * 5);
      expect(sum.synapticEvents).toBe(spikes(fc) * 2);
      expect(r.inputSpikesPerStep.reduce((a, c) => a + c, 0)).toBe(x.reduce((a, v) => a + Math.floor(40 * v), 0));
    });

    it("current coding: no input spikes, inputMacsPerStep = non-zero inputs × units × samples for layers fed by the input", async () => {
      const g: SnnGraph = { nodes: [
        { kind: "input", id: "in", shape: [6] },
        { kind: "dense", id: "a", input: "in", units: 3, weights: new Float32Array(18).fill(0.25), neuron: { model: "if", threshold: 1 } },
        { kind: "dense", id: "b", input: "a", units: 2, weights: new Float32Array(6).fill(0.5), neuron: { model: "if", threshold: 1 } }] };
      const sim = await Simulator.create(g, { batch: 2, backend });
      const r = sim.run([0, 1, 0, 0.5, 0.25, 0, 1, 1, 1, 0, 0, 0], { steps: 5 });
      expect(Array.from(r.inputSpikesPerStep)).toEqual(new Array(10).fill(0));
      expect(r.layers.map((l) => l.inputMacsPerStep)).toEqual([(3 + 3) * 3, 0]);
    });

    it("recordOutputPerStep: false leaves the per-step output records empty but the layer records unchanged", async () => {
      const g = randomGraph(3);
      const sim = await Simulator.create(g, { backend });
      const x = randomInputs(3, 1, inputSize(g));
      const full = sim.run(x, { steps: 15 });
      const bare = sim.run(x, { steps: 15, recordOutputPerStep: false });
      expect(full.output.counts.length).toBe(15 * full.output.size);
      expect(bare.output.counts.length).toBe(0);
      expect(bare.output.membrane.length).toBe(0);
      expect(bare.layers).toEqual(full.layers);
    });

    it("graph.output selects a middle layer as the recorded output", async () => {
      const g = randomGraph(2);
      const mid = g.nodes.find((n) => n.kind === "conv2d" || n.kind === "dense")!;
      const sim = await Simulator.create({ ...g, output: mid.id }, { backend });
      const r = sim.run(randomInputs(2, 1, inputSize(g)), { steps: 10 });
      expect(r.output.id).toBe(mid.id);
      const layer = r.layers.find((l) => l.id === mid.id)!;
      expect(Array.from(r.output.counts.subarray(9 * layer.size))).toEqual(Array.from(layer.spikeCounts));
    });

    it("state is reset at every run: a repeated run is identical even after a run on other inputs", async () => {
      const g = randomGraph(11);
      const sim = await Simulator.create(g, { batch: 2, backend });
      const n = inputSize(g), x = randomInputs(11, 2, n), other = randomInputs(12, 2, n);
      const first = sim.run(x, { steps: 25, coding: "poisson", seed: 3 });
      sim.run(other, { steps: 7, coding: "current" });
      const again = sim.run(x, { steps: 25, coding: "poisson", seed: 3 });
      for (const b of [0, 1]) expect(sampleView(again, b)).toEqual(sampleView(first, b));
    });
    it("a spike-coded run after a current-coded run does not see the old constant input current", async () => {
      // input 0 under Poisson coding never spikes, so the neuron must stay at 0 whatever ran before
      const sim = await Simulator.create(oneNeuron(0.25, { model: "if", threshold: 100, spiking: false }), { backend });
      expect(sim.run([1], { steps: 4, coding: "current" }).output.membrane[3]).toBe(1);
      for (const coding of ["poisson", "regular"] as const)
        expect(Array.from(sim.run([0], { steps: 4, coding }).output.membrane)).toEqual([0, 0, 0, 0]);
    });
  });

  describe(`batch independence (${backend} backend)`, () => {
    // Poisson coding gives sample b its own stream seeded seed + b, so sample b of a batch run with seed s
    // must equal the sample run alone with seed s + b.
    for (const coding of ["current", "regular", "poisson"] as InputCoding[]) {
      it(`a batch of 3 gives each sample the results it gets alone (${coding} coding, 12 random graphs)`, async () => {
        for (let seed = 20; seed < 32; seed++) {
          const g = randomGraph(seed), n = inputSize(g), x = randomInputs(seed, 3, n);
          const together = (await Simulator.create(g, { batch: 4, backend })).run(x, { steps: 20, coding, seed: 100 });
          const alone = await Simulator.create(g, { batch: 1, backend });
          for (let b = 0; b < 3; b++) {
            const single = alone.run(x.subarray(b * n, (b + 1) * n), { steps: 20, coding, seed: 100 + b });
            expect(sampleView(together, b), `seed ${seed} sample ${b}`).toEqual(sampleView(single, 0));
          }
        }
      });
    }
  });
}

describe("per-sample seeds", () => {
  it("an explicit seed per sample reproduces each sample's Poisson trains; a wrong-length seed list is refused", async () => {
    const g = randomGraph(41), n = inputSize(g), x = randomInputs(41, 2, n);
    const sim = await Simulator.create(g, { batch: 2 });
    const a = sim.run(x, { steps: 15, coding: "poisson", seed: [7, 9] });
    const b = (await Simulator.create(g, { batch: 1 })).run(x.subarray(n, 2 * n), { steps: 15, coding: "poisson", seed: 9 });
    expect(sampleView(a, 1)).toEqual(sampleView(b, 0));
    expect(() => sim.run(x, { steps: 5, coding: "poisson", seed: [1] })).toThrow(/seed has 1 entries, expected one per sample \(2\)/);
    expect(() => sim.run(x, { steps: 5, coding: "poisson", seed: 1.5 })).toThrow(/seed must be an integer/);
  });
});
