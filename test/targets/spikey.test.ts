/**
 * Spikey (src/targets/spikey.ts): each constant against its source value, a hand-computed SNABSuite
 * energy for a small network that fits, and the bundled-size (784-input) network reported infeasible
 * with the limit and the numbers (a clean feasible: false, not an exception).
 */
import { describe, expect, it } from "vitest";
import type { SnnGraph } from "../../src/ir/graph.js";
import { SNN_ACTIVITY_TARGETS, TARGET_NAMES, snnActivityTarget, spikeyTarget } from "../../src/pipeline/targets.js";
import { SNABSUITE_PLATFORMS } from "../../src/targets/snabsuite.js";
import { SPIKEY, mapToSpikey, spikey, spikeyCost } from "../../src/targets/spikey.js";

const IF = { model: "if" as const, threshold: 1 };
const dense = (id: string, input: string, nIn: number, units: number) =>
  ({ kind: "dense" as const, id, input, units, weights: new Float32Array(nIn * units).fill(0.1), neuron: IF });

describe("Spikey as data", () => {
  it("has each constant equal to its source value, with its kind", () => {
    expect(SPIKEY.neurons).toMatchObject({ value: 384, kind: "measured" });
    expect(SPIKEY.neurons.source).toContain("384 neurons are split into two blocks of 192");
    expect(SPIKEY.blocks).toMatchObject({ value: 2, kind: "measured" });
    expect(SPIKEY.blocks.source).toContain("num_blocks = 2");
    expect(SPIKEY.neuronsPerBlock).toMatchObject({ value: 192, kind: "measured" });
    expect(SPIKEY.neuronsPerBlock.source).toContain("nNeuronPerBlock = 192");
    expect(SPIKEY.blocks.value * SPIKEY.neuronsPerBlock.value).toBe(SPIKEY.neurons.value);
    expect(SPIKEY.synapseDriversPerBlock).toMatchObject({ value: 256, kind: "measured" });
    expect(SPIKEY.synapseDriversPerBlock.source).toContain("num_presyns = 256");
    expect(SPIKEY.synapseDriversPerBlock.source).toContain("nDrvPerBlock = 256");
    expect(SPIKEY.weightBits).toMatchObject({ value: 4, kind: "measured" });
    expect(SPIKEY.weightBits.source).toContain("4-bit resolution");
    // speed-up derived from SNABSuite's calibration: 1,500,000 ms of model time in 150 ms of sim_pure
    expect(SPIKEY.speedUp).toMatchObject({ value: 1e4, kind: "derived" });
    expect(SPIKEY.speedUp.value).toBe(1500000 / 150);
    expect(SPIKEY.speedUp.source).toContain("1500000");
    expect(SPIKEY.speedUp.source).toContain("150.0");
    expect(SPIKEY.speedUp.source).toContain("approximately 10^4");
    for (const k of ["driversPerSignedInput", "maxChips", "bioTimePerStepS"] as const) {
      expect(SPIKEY[k].kind).toBe("assumed");
      expect(SPIKEY[k].note ?? "").not.toBe("");
    }
    expect(SPIKEY.driversPerSignedInput.value).toBe(2);
    expect(SPIKEY.maxChips.value).toBe(1);
    expect(SPIKEY.bioTimePerStepS.value).toBe(1e-3);
    for (const c of Object.values(SPIKEY)) if (typeof c === "object") expect(c.source.length).toBeGreaterThan(20);
  });
});

describe("mapToSpikey and spikeyCost", () => {
  // 100 -> 120 -> 10: 130 neurons, fan-in 100 and 120 (<= 128)
  const net: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [100] }, dense("h", "in", 100, 120), dense("o", "h", 120, 10)] };

  it("fits a small network on one chip", () => {
    const m = mapToSpikey(net);
    expect(m.feasible).toBe(true);
    expect(m.neurons).toBe(130);
    expect(m.maxFanIn).toBe(120);
    expect(m.blocksUsed).toBe(1);
    expect(m.populations.map((p) => [p.id, p.connector, p.fedByInput])).toEqual([["h", "allToAll", true], ["o", "allToAll", false]]);
  });

  it("prices it with SNABSuite's Spikey coefficients at wall time = model time / 10^4 (hand computation)", () => {
    // per inference: h fires 1000 spikes and receives 5000 input events; o fires 40 and receives 10,000 events
    const r = spikey(net, [{ id: "h", spikes: 1000, synops: 5000 }, { id: "o", spikes: 40, synops: 10000 }], 64);
    const c = r.cost!;
    expect(c.steps).toBe(66); // T + depth 2
    expect(c.modelTimeMs).toBe(66);
    expect(c.wallTimeMs).toBeCloseTo(0.0066, 15);
    expect(c.latencyS).toBeCloseTo(6.6e-6, 18);
    const p = SNABSUITE_PLATFORMS.spikey;
    const hand = 0.0066 * p.idlePower.value + 130 * p.neuronCost.value * 0.0066 + 1040 * p.spike.value
      + 10000 * p.transmission.allToAll.value + 5000 * p.inputSpike.allToAll.value;
    expect(c.energyJ).toBeCloseTo(hand, 18);
    // spelled out with the published numbers (spikey_energy.json @ c20187f8; Transmission_S2A is 0)
    const published = 0.0066 * 0.005249025832963578 + 130 * 3.832277802181283e-07 * 0.0066 + 1040 * 4.3895899469723625e-10
      + 10000 * 0 + 5000 * 6.656102858426691e-14;
    expect(c.energyJ).toBeCloseTo(published, 18);
    expect(c.powerW).toBeCloseTo(published / 6.6e-6, 9);
    // calculate_energy @ 9a5f846's reading: per-neuron power × model time instead of wall time
    expect(c.snabsuiteLiteralEnergyJ).toBeCloseTo(published - 130 * 3.832277802181283e-07 * 0.0066 + 130 * 3.832277802181283e-07 * 66, 15);
  });

  it("prices a convolution's events as 'random'", () => {
    const conv: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [1, 4, 4] },
      { kind: "conv2d", id: "c", input: "in", outChannels: 2, kernel: [3, 3], weights: new Float32Array(18), neuron: IF },
      { kind: "flatten", id: "f", input: "c" }, dense("o", "f", 8, 2)] };
    const m = mapToSpikey(conv);
    expect(m.feasible).toBe(true);
    const c = spikeyCost(m, [{ id: "c", spikes: 10, synops: 100 }, { id: "o", spikes: 2, synops: 20 }], 5);
    expect(c.breakdown.inputJ).toBeCloseTo(100 * SNABSUITE_PLATFORMS.spikey.inputSpike.random.value, 20);
  });

  it("reports the bundled-size 784-input network as infeasible, naming the limit and the numbers", () => {
    const mlp: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [784] }, dense("h1", "in", 784, 100), dense("h2", "h1", 100, 100), dense("o", "h2", 100, 10)] };
    const r = spikeyTarget(mlp, { accuracy: 0.97, layers: [{ id: "h1", spikesPerInference: 1, synopsPerInference: 1 }] }, 64);
    expect(r.feasible).toBe(false);
    expect(r.reason).toBe("fan-in h1 784 exceeds 128 signed inputs per neuron (limit synapseDriversPerBlock: 256 drivers / 2 per signed input)");
    expect(r.energyPerInferenceJ).toBeNull();
    expect(r.latencyS).toBeNull();
    expect(r.accuracy).toBe(0.97);
    expect(r.notes.join(" ")).toContain("scaled_image");
    const big: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [784] }, dense("h", "in", 784, 1200), dense("o", "h", 1200, 10)] };
    const b = spikeyTarget(big, { accuracy: 0.98, layers: [] }, 64);
    expect(b.feasible).toBe(false);
    expect(b.reason).toContain("needs 1210 neurons (h 1200, o 10), one Spikey chip has 384 (limit neurons: 2 blocks × 192)");
    expect(b.reason).toContain("fan-in h 784, o 1200 exceeds 128 signed inputs per neuron");
  });

  it("is registered: a target name, an SNN-activity target, dispatched by snnActivityTarget", () => {
    expect(TARGET_NAMES).toContain("spikey");
    expect(SNN_ACTIVITY_TARGETS).toContain("spikey");
    const r = snnActivityTarget("spikey", net, { accuracy: 0.9, layers: [{ id: "h", spikesPerInference: 1000, synopsPerInference: 5000 }, { id: "o", spikesPerInference: 40, synopsPerInference: 10000 }] }, 64);
    expect(r).toMatchObject({ name: "spikey", model: "snn", feasible: true, chips: 1, cores: 1 });
    expect(r.energyPerInferenceJ).toBeCloseTo(spikey(net, [{ id: "h", spikes: 1000, synops: 5000 }, { id: "o", spikes: 40, synops: 10000 }], 64).cost!.energyJ, 20);
    expect(r.sources.map((s) => s.name)).toEqual(expect.arrayContaining(["spikey.neurons", "spikey.speedUp", "energy.idlePower"]));
  });
});
