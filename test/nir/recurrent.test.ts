/**
 * Recurrent NIR graphs: a loop neuron → Affine/Linear → the same neuron becomes the population's
 * `recurrent` weights (one step of delay), the inverse on export; what still cannot be expressed is
 * refused, every problem at once. The Braille networks of the NIR paper (test/fixtures/nir) load and run.
 *
 * dt = 1e-4 s for the Braille files: their time constants are snnTorch's per-step decays exported
 * with dt = 1e-4 (tau = dt/(1 − β): tau_mem 1e-3 s ↔ β = 0.9, tau_syn 2.2e-4 s ↔ α = 0.55, and
 * r = tau_mem/dt, w_in = tau_syn/dt), so at that dt the discretisation gives back leak = β,
 * synDecay = α and a gain g = (dt/tau_mem)·r·(dt/tau_syn)·w_in = 1, threshold 1. It also satisfies
 * forward Euler's dt < tau_mem and dt ≤ tau_syn for every population (smallest tau_syn 1.8e-4 s).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkGraph } from "../../src/ir/check.js";
import type { DenseNode, SnnGraph } from "../../src/ir/graph.js";
import { NirError } from "../../src/nir/errors.js";
import { nirToSnn, readNir, snnToNir, writeNir } from "../../src/nir/index.js";
import type { NirGraph, NirNode, NirPrimitive } from "../../src/nir/types.js";
import { f32, f64, i64 } from "../../src/nir/types.js";
import { quantizeGraph } from "../../src/loihi/quantize.js";
import { Simulator } from "../../src/sim/simulator.js";
import { brainScaleS2 } from "../../src/targets/brainscales2.js";
import { LOIHI } from "../../src/targets/loihi.js";
import { LOIHI2 } from "../../src/targets/loihi2.js";
import { mapToLoihi } from "../../src/targets/mapping.js";
import { SPINN5, mapToSpinnaker } from "../../src/targets/spinnaker.js";
import { mapToTrueNorth } from "../../src/targets/truenorth.js";
import { Rng } from "../../src/util/rng.js";
import { BACKENDS, bits } from "../helpers/sim.js";
import { caught, graph, lif, p } from "./helpers.js";

const load = (name: string) => readNir(new Uint8Array(readFileSync(new URL(`../fixtures/nir/${name}`, import.meta.url))), name);
const BRAILLE = [
  { file: "braille_noDelay_bias_zero.nir", reset: "value" as const, hidden: 38, bias: true },
  { file: "braille_noDelay_noBias_subtract.nir", reset: "subtract" as const, hidden: 40, bias: false },
];


const lin = (out: number, inp: number, v = 0.5) => p("Linear", { weight: f32(new Float32Array(out * inp).fill(v), [out, inp]) });

/** Braille-like input: 12 channels, each active in its own bursts (structured, deterministic). */
function brailleInput(samples: number): Float32Array {
  const x = new Float32Array(samples * 12);
  for (let b = 0; b < samples; b++) for (let c = 0; c < 12; c++) x[b * 12 + c] = ((c * 7 + b * 5) % 11) / 10;
  return x;
}

describe("the Braille files (recurrent CubaLIF, NIR paper 03_rnn)", () => {
  for (const { file, reset, hidden, bias } of BRAILLE) {
    it(`${file}: lif1.w_rec becomes lif1.lif's recurrent weights; runs and spikes with reset "${reset}"`, async () => {
      const nir = await load(file);
      const warnings: string[] = [];
      const g = nirToSnn(nir, { dt: 1e-4, file, reset, onWarning: (m) => warnings.push(m) });
      checkGraph(g);
      expect(g.nodes.map((n) => `${n.kind}:${n.id}`)).toEqual(["input:input", "dense:lif1.lif", "dense:lif2"]);
      const l1 = g.nodes[1] as DenseNode, l2 = g.nodes[2] as DenseNode;
      expect(l1.units).toBe(hidden);
      expect(l1.recurrent?.weights.length).toBe(hidden * hidden);
      expect(l2.recurrent).toBeUndefined();
      // NIR weight [out, in] → spikewasm [in][out], for the recurrent matrix as for the feed-forward one
      const wRec = (nir.nodes.get("lif1.w_rec") as NirPrimitive).params.weight as { data: Float32Array };
      expect(l1.recurrent!.weights[1 * hidden + 2]).toBe(wRec.data[2 * hidden + 1]);
      expect(l1.recurrent!.weights[5 * hidden + 0]).toBe(wRec.data[0 * hidden + 5]);
      for (const l of [l1, l2]) {
        expect(l.neuron.reset).toBe(reset);
        expect(l.neuron.threshold).toBeCloseTo(1, 12);
      }
      expect(l1.neuron.leak).toBeCloseTo(1 - 1e-4 / (file.includes("subtract") ? 0.00066666666 : 0.001), 6);
      if (bias) {
        // fc1's and w_rec's biases both enter the synapse: one dense bias (b_fc1 + b_rec) / a, a = dt/tau_syn
        const b1 = (nir.nodes.get("fc1") as NirPrimitive).params.bias as { data: Float32Array };
        const br = (nir.nodes.get("lif1.w_rec") as NirPrimitive).params.bias as { data: Float32Array };
        const a = 1 - l1.neuron.synDecay!;
        expect(l1.bias![3]).toBeCloseTo((b1.data[3] + br.data[3]) / a, 5);
        expect(warnings.join("\n")).toContain("the bias of 'fc1' and 'lif1.w_rec' enters the synapse");
      } else expect(l1.bias).toBeUndefined();

      const sim = await Simulator.create(g, { batch: 4 });
      const T = 300;
      const r = sim.run(brailleInput(4), { steps: T, coding: "poisson", rate: 0.2, seed: 1, recordSpikes: true });
      const total = (i: number) => r.layers[i].spikeCounts.reduce((s, c) => s + c, 0);
      expect(total(0)).toBeGreaterThan(100);
      expect(total(1)).toBeGreaterThan(100);
      // recurrent events: each hidden spike of steps 1..T−1 adds one row of `hidden` weights
      const inputSpikes = r.inputSpikesPerStep.reduce((s, c) => s + c, 0);
      const lastStep = r.layers[0].spikesPerStep.subarray((T - 1) * 4).reduce((s, c) => s + c, 0);
      expect(r.layers[0].synapticEvents).toBe(inputSpikes * hidden + (total(0) - lastStep) * hidden);
      // the reset rule shows in the output membrane right after a spike: 0 for "value" (v_reset 0);
      // for "subtract", u − θ, which is non-zero after at least some spikes
      const { counts, membrane } = r.output;
      const after: number[] = [];
      for (let t = 1; t < T; t++)
        for (let j = 0; j < 4 * 7; j++) if (counts[t * 28 + j] > counts[(t - 1) * 28 + j]) after.push(membrane[t * 28 + j]);
      expect(after.length).toBeGreaterThan(50);
      if (reset === "value") expect(after.every((v) => v === 0)).toBe(true);
      else expect(after.filter((v) => v !== 0).length).toBeGreaterThan(after.length / 2);
    });
  }

  it("the reset mode matters: the '_subtract' file with reset by subtraction spikes differently from reset to v_reset", async () => {
    const nir = await load("braille_noDelay_noBias_subtract.nir");
    const run = async (reset: "value" | "subtract") => {
      const sim = await Simulator.create(nirToSnn(nir, { dt: 1e-4, reset }), { batch: 4 });
      return sim.run(brailleInput(4), { steps: 300, coding: "poisson", rate: 0.2, seed: 1 }).layers.map((l) => l.spikeCounts.reduce((s, c) => s + c, 0));
    };
    const [sub, val] = [await run("subtract"), await run("value")];
    expect(sub).not.toEqual(val);
    expect(sub[0]).toBeGreaterThan(val[0]); // subtraction keeps the charge above θ
  });

  it("WASM ≡ TS reference on both files, bit for bit (Poisson input, batch 3)", async () => {
    for (const { file, reset } of BRAILLE) {
      const g = nirToSnn(await load(file), { dt: 1e-4, reset });
      const opts = { steps: 200, coding: "poisson" as const, rate: 0.3, seed: 9, recordSpikes: true };
      const [w, j] = await Promise.all(BACKENDS.map(async (backend) => (await Simulator.create(g, { batch: 3, backend })).run(brailleInput(3), opts)));
      expect(bits(w.output.membrane)).toEqual(bits(j.output.membrane));
      w.layers.forEach((l, i) => expect(Array.from(l.spikeTrain!.indices)).toEqual(Array.from(j.layers[i].spikeTrain!.indices)));
    }
  });

  it("export → write → read → import gives back the same Braille graph and the same simulation", async () => {
    const { file, reset } = BRAILLE[1];
    const g = nirToSnn(await load(file), { dt: 1e-4, reset });
    const back = nirToSnn(await readNir(await writeNir(snnToNir(g, { dt: 1e-4 })), "again.nir"));
    expect(back).toEqual(g);
  });
});

/** A recurrent graph with every population kind NIR can hold: CubaLIF + bias, IF, conv (3-D), add, LI readout. */
function recurrentGraph(): SnnGraph {
  const r = new Rng(5);
  const rand = (n: number, s: number) => Float32Array.from({ length: n }, () => (r.uniform() * 2 - 0.9) * s);
  return { nodes: [
    { kind: "input", id: "in", shape: [1, 4, 4] },
    { kind: "conv2d", id: "conv", input: "in", outChannels: 2, kernel: [3, 3], padding: [1, 1, 1, 1], weights: rand(18, 0.8),
      neuron: { model: "lif", leak: 0.9, threshold: 0.7 }, recurrent: { weights: rand(32 * 32, 0.2) } },
    { kind: "add", id: "res", inputs: ["conv"], neuron: { model: "if", threshold: 0.8 }, recurrent: { weights: rand(32 * 32, 0.3) } },
    { kind: "flatten", id: "flat", input: "res" },
    { kind: "dense", id: "cuba", input: "flat", units: 6, weights: rand(32 * 6, 0.5), bias: rand(6, 0.1),
      neuron: { model: "lif", leak: 0.85, synDecay: 0.6, threshold: 0.5, reset: "subtract" }, recurrent: { weights: rand(36, 0.6) } },
    { kind: "dense", id: "out", input: "cuba", units: 3, weights: rand(18, 0.7), neuron: { model: "lif", leak: 0.95, threshold: 1, spiking: false } },
  ] };
}

describe("graph → NIR → graph with recurrent populations", () => {
  it("exports each recurrent matrix as a Linear '<id>.w_rec' in a loop, NIR orientation [out, in]", () => {
    const g = recurrentGraph();
    const nir = snnToNir(g, { dt: 1e-3 });
    const w = nir.nodes.get("cuba.w_rec") as NirPrimitive;
    expect(w.type).toBe("Linear");
    const t = w.params.weight as { shape: number[]; data: Float32Array };
    expect(t.shape).toEqual([6, 6]);
    const src = (g.nodes[4] as DenseNode).recurrent!.weights;
    expect(t.data[2 * 6 + 1]).toBe(src[1 * 6 + 2]);
    expect(nir.edges).toContainEqual(["cuba", "cuba.w_rec"]);
    expect(nir.edges).toContainEqual(["cuba.w_rec", "cuba"]);
    expect([...nir.nodes.keys()].filter((k) => k.endsWith(".w_rec"))).toEqual(["conv.w_rec", "res.w_rec", "cuba.w_rec"]);
  });

  it("round trip through a .nir file: identical graph, bit-identical simulation on both back ends", async () => {
    const g = recurrentGraph();
    const back = nirToSnn(await readNir(await writeNir(snnToNir(g, { dt: 1e-3 })), "rec.nir"));
    expect(back).toEqual(g);
    const x = Array.from({ length: 32 }, (_, i) => ((i * 3) % 7) / 6);
    for (const backend of BACKENDS) {
      const opts = { steps: 120, coding: "poisson" as const, rate: 0.6, seed: 2 };
      const [a, b] = await Promise.all([g, back].map(async (h) => (await Simulator.create(h, { batch: 2, backend })).run(x, opts)));
      expect(bits(b.output.membrane)).toEqual(bits(a.output.membrane));
      a.layers.forEach((l, i) => expect(Array.from(b.layers[i].spikeCounts)).toEqual(Array.from(l.spikeCounts)));
      expect(a.layers[2].spikeCounts.reduce((s, c) => s + c, 0)).toBeGreaterThan(10);
    }
  });
});

describe("recurrence nirToSnn still refuses, every problem at once", () => {
  it("a cycle through two populations, a neuron feeding itself directly, two recurrent weight nodes, a wrong-shaped recurrent weight", () => {
    const g = graph([
      ["in", p("Input", { shape: i64([3]) })],
      ["w1", lin(3, 3)], ["n1", lif(3)],
      ["w2", lin(3, 3)], ["n2", lif(3)], ["back", lin(3, 3)],
      ["w3", lin(3, 3)], ["n3", lif(3)],
      ["w4", lin(3, 3)], ["n4", lif(3)], ["ra", lin(3, 3)], ["rb", lin(3, 3)],
      ["w5", lin(3, 3)], ["n5", lif(3)], ["r5", lin(2, 2)],
      ["out", p("Output", { shape: i64([3]) })],
    ], [
      ["in", "w1"], ["w1", "n1"], ["n1", "w2"], ["w2", "n2"], ["n2", "back"], ["back", "n1"], // n1 → n2 → n1
      ["n2", "w3"], ["w3", "n3"], ["n3", "n3"], // straight self-edge
      ["n3", "w4"], ["w4", "n4"], ["n4", "ra"], ["ra", "n4"], ["n4", "rb"], ["rb", "n4"], // two loops
      ["in", "w5"], ["w5", "n5"], ["n5", "r5"], ["r5", "n5"], ["n5", "out"], // [2, 2] on 3 neurons (fed from the input: n4 is not converted)
    ]);
    const e = caught(() => nirToSnn(g, { dt: 1e-4, file: "rec.nir" }));
    expect(e.kind).toBe("unsupported");
    const m = e.message;
    expect(m).toMatch(/rec\.nir: recurrent edge '(back|n1|w2|n2)' → '(n1|w2|n2|back)' \(a cycle through [A-Za-z]+ '[a-z0-9]+'\); spikewasm expresses only a population's own recurrent weights/);
    expect(m).toContain("recurrent edge 'n3' → 'n3'");
    expect(m).toContain("node 'n4' (LIF): 2 recurrent weight nodes ('ra', 'rb'); spikewasm holds one recurrent matrix per population");
    expect(m).toContain("node 'r5' (Linear): recurrent weight [2, 2] must be [3, 3] for the 3 neurons of 'n5'");
    expect(e.problems.length).toBeGreaterThanOrEqual(4);
  });

  it("a population summing two feed-forward weighted inputs besides its recurrent one is named with it", () => {
    const g = graph([
      ["in", p("Input", { shape: i64([3]) })], ["wa", lin(3, 3)], ["wb", lin(3, 3)], ["n", lif(3)], ["r", lin(3, 3)],
      ["out", p("Output", { shape: i64([3]) })],
    ], [["in", "wa"], ["in", "wb"], ["wa", "n"], ["wb", "n"], ["n", "r"], ["r", "n"], ["n", "out"]]);
    const m = caught(() => nirToSnn(g, { dt: 1e-4, file: "two.nir" })).message;
    expect(m).toContain("two.nir: node 'n' (LIF): sums 2 weighted input(s) ('wa', 'wb') besides its recurrent 'r'");
  });

  it("a recurrent Affine bias on a population without per-neuron bias (add) is refused", () => {
    const g = graph([
      ["in", p("Input", { shape: i64([3]) })], ["n", lif(3)],
      ["r", p("Affine", { weight: f32(new Float32Array(9).fill(0.1), [3, 3]), bias: f32(Float32Array.of(0.1, 0, 0), [3]) })],
      ["out", p("Output", { shape: i64([3]) })],
    ], [["in", "n"], ["n", "r"], ["r", "n"], ["n", "out"]]);
    expect(caught(() => nirToSnn(g, { dt: 1e-4, file: "b.nir" })).message).toContain("node 'r' (Affine): a recurrent bias on a add population");
  });

  it("an unweighted population (add) with a recurrent Linear converts", () => {
    const g = graph([
      ["in", p("Input", { shape: i64([3]) })], ["n", lif(3)], ["r", lin(3, 3, -0.25)], ["out", p("Output", { shape: i64([3]) })],
    ], [["in", "n"], ["n", "r"], ["r", "n"], ["n", "out"]]);
    const snn = nirToSnn(g, { dt: 1e-3 });
    expect(snn.nodes[1]).toMatchObject({ kind: "add", id: "n", inputs: ["in"] });
    expect(Array.from((snn.nodes[1] as { recurrent: { weights: Float32Array } }).recurrent.weights)).toEqual(Array(9).fill(-0.25));
  });
});

describe("passes that cannot handle recurrence refuse it by name", () => {
  it("Loihi quantisation and every hardware mapper refuse the Braille graph, naming 'lif1.lif'", async () => {
    const g = nirToSnn(await load(BRAILLE[1].file), { dt: 1e-4, reset: "subtract" });
    expect(() => quantizeGraph(g)).toThrow("quantize: recurrent layers are not supported on Loihi here (LoihiEngine runs feed-forward layers only): 'lif1.lif' (dense)");
    expect(() => mapToLoihi(g, LOIHI)).toThrow(`${LOIHI.name}: recurrent layers are not mapped (the mapper counts feed-forward synapses and routes only): 'lif1.lif' (dense)`);
    expect(() => mapToLoihi(g, LOIHI2)).toThrow(`${LOIHI2.name}: recurrent layers are not mapped`);
    expect(() => mapToSpinnaker(g, SPINN5)).toThrow("SpiNNaker: recurrent layers are not mapped");
    expect(() => mapToTrueNorth(g)).toThrow("TrueNorth: recurrent layers are not mapped");
    expect(() => brainScaleS2(g, 100)).toThrow("BrainScaleS-2: recurrent layers are not mapped");
    // the same graph without its recurrent matrix maps
    const ff = { ...g, nodes: g.nodes.map((n) => ("recurrent" in n ? (({ recurrent: _r, ...rest }) => rest)(n) : n)) } as SnnGraph;
    expect(mapToLoihi(ff, LOIHI).layers.map((l) => l.id)).toEqual(["lif1.lif", "lif2"]);
  });
});
