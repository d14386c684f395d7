/**
 * BrainScaleS-2 (src/targets/brainscales2.ts): published figures, the derived ASIC power, the energy
 * of a small network, and the bundled-CNN-sized network reported infeasible with the numbers.
 */
import { describe, expect, it } from "vitest";
import type { SnnGraph } from "../../src/ir/graph.js";
import { brainscales2Target } from "../../src/pipeline/targets.js";
import { BRAINSCALES2, brainScaleS2 } from "../../src/targets/brainscales2.js";

const IF = { model: "if" as const, threshold: 1 };
const dense = (id: string, input: string, nIn: number, units: number) =>
  ({ kind: "dense" as const, id, input, units, weights: new Float32Array(nIn * units).fill(0.1), neuron: IF });

describe("BrainScaleS-2 as data", () => {
  it("has the published figures and labels the rest", () => {
    expect(BRAINSCALES2.neurons.value).toBe(512);
    expect(BRAINSCALES2.synapseRows.value * BRAINSCALES2.synapseColumns.value).toBe(131072);
    expect(BRAINSCALES2.weightBits.value).toBe(6);
    expect(BRAINSCALES2.acceleration.value).toBe(1000);
    expect(BRAINSCALES2.asicEnergyJ.value).toBe(192e-6);
    expect(BRAINSCALES2.asicTimeS.value).toBe(276e-6);
    expect(BRAINSCALES2.asicPowerW).toMatchObject({ kind: "derived" });
    expect(BRAINSCALES2.asicPowerW.value).toBeCloseTo(0.6957, 4);
    for (const k of ["rowsPerSignedInput", "maxChips", "bioTimePerStepS"] as const) {
      expect(BRAINSCALES2[k].kind).toBe("assumed");
      expect(BRAINSCALES2[k].note ?? "").not.toBe("");
    }
  });
});

describe("brainScaleS2", () => {
  it("runs a small network in (T + depth) µs at the ASIC power (hand computation)", () => {
    const net: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [100] }, dense("h", "in", 100, 120), dense("o", "h", 120, 10)] };
    const r = brainScaleS2(net, 64);
    expect(r.feasible).toBe(true);
    expect(r.neurons).toBe(130);
    expect(r.steps).toBe(66);
    expect(r.latencyS).toBeCloseTo(66e-6, 15);
    expect(r.energyPerInferenceJ).toBeCloseTo(66e-6 * (192e-6 / 276e-6), 15);
  });

  it("reports a network with too many neurons and too wide a fan-in as infeasible, with the limits and numbers", () => {
    const net: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [784] }, dense("h", "in", 784, 600), dense("o", "h", 600, 10)] };
    const r = brainscales2Target(net, { accuracy: 0.9, layers: [] }, 8);
    expect(r.feasible).toBe(false);
    expect(r.reason).toContain("needs 610 neurons (h 600, o 10), one ASIC has 512 neuron circuits");
    expect(r.reason).toContain("fan-in h 784, o 600 exceeds 128 signed inputs per neuron");
    expect(r.energyPerInferenceJ).toBeNull();
  });
});
