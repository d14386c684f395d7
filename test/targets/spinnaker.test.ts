/**
 * SpiNNaker (src/targets/spinnaker.ts): board constants against their published values, the
 * population-per-core mapping, a hand-computed SNABSuite energy, and an infeasible network.
 */
import { describe, expect, it } from "vitest";
import type { SnnGraph } from "../../src/ir/graph.js";
import { spinnakerTarget } from "../../src/pipeline/targets.js";
import { SNABSUITE_PLATFORMS } from "../../src/targets/snabsuite.js";
import { SPINN3, SPINN5, mapToSpinnaker, spinnakerCost } from "../../src/targets/spinnaker.js";

const IF = { model: "if" as const, threshold: 1 };
const dense = (id: string, input: string, nIn: number, units: number) =>
  ({ kind: "dense" as const, id, input, units, weights: new Float32Array(nIn * units).fill(0.1), neuron: IF });

describe("SpiNNaker boards as data", () => {
  it("has the published figures: 18 cores per chip, 255 neurons per core (sPyNNaker), 4 and 48 chips", () => {
    for (const b of [SPINN3, SPINN5]) {
      expect(b.coresPerChip.value).toBe(18);
      expect(b.neuronsPerCore.value).toBe(255);
      expect(b.neuronsPerCore.source).toContain("255 neurons per core");
      expect(b.applicationCoresPerChip.value).toBe(16);
      expect(b.applicationCoresPerChip.kind).toBe("assumed");
      expect(b.timestepS.value).toBe(1e-3);
      for (const c of [b.chips, b.coresPerChip, b.applicationCoresPerChip, b.neuronsPerCore, b.timestepS]) {
        expect(c.source.length).toBeGreaterThan(10);
        if (c.kind === "assumed") expect(c.note ?? "").not.toBe("");
      }
    }
    expect(SPINN3.chips.value).toBe(4);
    expect(SPINN5.chips.value).toBe(48);
    expect(SPINN3.platform).toBe("spinn3");
    expect(SPINN5.platform).toBe("spinn5");
  });
});

describe("mapToSpinnaker and spinnakerCost", () => {
  // a dense MLP 600 -> 300 -> 10
  const net: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [600] }, dense("h", "in", 600, 300), dense("o", "h", 300, 10)] };

  it("splits each population over cores of 255 neurons", () => {
    const m = mapToSpinnaker(net, SPINN3);
    expect(m.populations.map((p) => [p.id, p.cores])).toEqual([["in", 3], ["h", 2], ["o", 1]]);
    expect(m.cores).toBe(6);
    expect(m.applicationCores).toBe(64);
    expect(m.chipsUsed).toBe(1);
    expect(m.feasible).toBe(true);
  });

  it("prices a small network with known activity exactly as SNABSuite's model (hand computation)", () => {
    const m = mapToSpinnaker(net, SPINN5);
    // per inference: h fires 1000 spikes, receives 5000 input events; o fires 40, receives 1000 × 10 = 10,000 events
    const c = spinnakerCost(m, [{ id: "h", spikes: 1000, synops: 5000 }, { id: "o", spikes: 40, synops: 10000 }], SPINN5, 10);
    const p = SNABSUITE_PLATFORMS.spinn5;
    const wallMs = 10; // 10 steps × 1 ms, real time
    const hand = wallMs * p.idlePower.value + 310 * p.neuronCost.value * wallMs + 1040 * p.spike.value
      + 10000 * p.transmission.allToAll.value + 5000 * p.inputSpike.allToAll.value;
    expect(c.energyJ).toBeCloseTo(hand, 15);
    expect(c.latencyS).toBe(0.01);
    expect(c.powerW).toBeCloseTo(hand / 0.01, 12);
    // spelled out with the published numbers (spinnaker_energy_spinn5.json)
    const published = 10 * 0.023048989855072463 + 310 * 9.220240417691496e-08 * 10 + 1040 * 1.0041068896694714e-08
      + 10000 * 7.32249998423626e-09 + 5000 * 6.747307919456861e-09;
    expect(c.energyJ).toBeCloseTo(published, 15);
  });

  it("prices convolutions as 'random' events", () => {
    const conv: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [1, 4, 4] },
      { kind: "conv2d", id: "c", input: "in", outChannels: 2, kernel: [3, 3], weights: new Float32Array(18), neuron: IF },
      { kind: "flatten", id: "f", input: "c" }, dense("o", "f", 8, 2)] };
    const m = mapToSpinnaker(conv, SPINN3);
    expect(m.populations.map((p) => p.connector)).toEqual([null, "random", "allToAll"]);
    const c = spinnakerCost(m, [{ id: "c", spikes: 10, synops: 100 }, { id: "o", spikes: 2, synops: 20 }], SPINN3, 5);
    const p = SNABSUITE_PLATFORMS.spinn3;
    expect(c.breakdown.inputJ).toBeCloseTo(100 * p.inputSpike.random.value, 18);
    expect(c.breakdown.transmissionJ).toBeCloseTo(20 * p.transmission.allToAll.value, 18);
  });

  it("reports a network too large for SpiNN-3 as infeasible, with the limit and the numbers", () => {
    const big: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [16, 32, 32] },
      { kind: "pool", id: "p", input: "in", mode: "avg", kernel: [1, 1], neuron: IF }] };
    const m = mapToSpinnaker(big, SPINN3);
    expect(m.feasible).toBe(false);
    expect(m.cores).toBe(2 * 65); // 16,384 neurons / 255 -> 65 cores, twice
    expect(m.reason).toContain("needs 130 application cores");
    expect(m.reason).toContain("has 64 (4 chips × 16 application cores");
    const r = spinnakerTarget(big, { accuracy: 0.5, layers: [{ id: "p", spikesPerInference: 1, synopsPerInference: 1 }] }, 8, "spinn3");
    expect(r.feasible).toBe(false);
    expect(r.reason).toContain("130");
    expect(r.energyPerInferenceJ).toBeNull();
    expect(spinnakerTarget(big, { accuracy: 0.5, layers: [{ id: "p", spikesPerInference: 1, synopsPerInference: 1 }] }, 8, "spinn5").feasible).toBe(true);
  });
});
