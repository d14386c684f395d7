/**
 * TrueNorth (src/targets/truenorth.ts): constants against the published figures, the crossbar mapping
 * on hand-checkable cases (fan-in 300 split into partial sums; fan-out copies), the energy of a small
 * network with known activity, and infeasible / unmodelled networks reported with the numbers.
 */
import { describe, expect, it } from "vitest";
import type { SnnGraph } from "../../src/ir/graph.js";
import { truenorthTarget } from "../../src/pipeline/targets.js";
import { TRUENORTH, TRUENORTH_FIG17, fitFig17, mapToTrueNorth, trueNorthCost } from "../../src/targets/truenorth.js";

const IF = { model: "if" as const, threshold: 1 };
const dense = (id: string, input: string, nIn: number, units: number) =>
  ({ kind: "dense" as const, id, input, units, weights: new Float32Array(nIn * units).fill(0.1), neuron: IF });
const mlp = (sizes: number[]): SnnGraph => ({
  nodes: [{ kind: "input", id: "in", shape: [sizes[0]] }, ...sizes.slice(1).map((n, i) => dense(`fc${i + 1}`, i === 0 ? "in" : `fc${i}`, sizes[i], n))],
});

describe("TrueNorth as data", () => {
  it("has the published core, chip and energy figures", () => {
    expect(TRUENORTH.axonsPerCore.value).toBe(256);
    expect(TRUENORTH.neuronsPerCore.value).toBe(256);
    expect(TRUENORTH.targetsPerNeuron.value).toBe(1);
    expect(TRUENORTH.axonTypes.value).toBe(4);
    expect(TRUENORTH.weightBits.value).toBe(9);
    expect(TRUENORTH.coresPerChip.value).toBe(4096);
    expect(TRUENORTH.tickS.value).toBe(1e-3);
    expect(TRUENORTH.headlineEnergyPerEventJ.value).toBe(26e-12);
    expect(TRUENORTH.headlineEnergyPerEventJ.source).toContain("26pJ per synaptic event");
    expect(TRUENORTH.headlinePowerW.value).toBe(0.065);
    expect(TRUENORTH_FIG17).toEqual([[11.58, 0.068], [20.07, 0.071], [95.93, 0.094]]);
    for (const c of Object.values(TRUENORTH).filter((v) => typeof v === "object")) {
      expect(["measured", "derived", "assumed"]).toContain(c.kind);
      if (c.kind !== "measured") expect(c.note ?? "").not.toBe("");
    }
  });

  it("derives the marginal energy per event and the baseline power from Akopyan et al.'s three points", () => {
    const { slopeJ, interceptW } = fitFig17();
    expect(TRUENORTH.energyPerEventJ.value).toBe(slopeJ);
    expect(TRUENORTH.basePowerPerChipW.value).toBe(interceptW);
    expect(slopeJ).toBeCloseTo(2.2817e-12, 15);
    expect(interceptW).toBeCloseTo(0.064643, 5);
    // the line passes within 1.2 mW of each published point
    for (const [r, p] of TRUENORTH_FIG17) expect(Math.abs(interceptW + slopeJ * 4096 * 256 * r * 128 - p)).toBeLessThan(1.2e-3);
  });
});

describe("mapToTrueNorth on hand-checkable cases", () => {
  it("splits a neuron with fan-in 300 into 2 chunks of partial sums (+/−) and a summing layer", () => {
    const m = mapToTrueNorth(mlp([300, 10]));
    const l = m.layers[0];
    expect(l.fanIn).toBe(300);
    expect(l.chunks).toBe(2);
    expect(l.stages.map((s) => [s.role, s.neurons, s.cores])).toEqual([["partial", 40, 2], ["sum", 10, 1]]); // 2 signs × 10 outputs × 2 chunks
    expect(l.stages[1].maxAxonsPerCore).toBe(40); // 10 outputs × 2 chunks × 2 signs
    expect(m.extraNeurons.partialSums).toBe(40);
    expect(m.cores).toBe(3);
    expect(m.depth).toBe(2); // one connection + the summing stage
    expect(m.feasible).toBe(true);
  });

  it("keeps a neuron with fan-in 256 in one core", () => {
    const m = mapToTrueNorth(mlp([256, 10]));
    expect(m.layers[0].chunks).toBe(1);
    expect(m.cores).toBe(1);
  });

  it("copies a source neuron once per destination core it feeds (one target per TrueNorth neuron)", () => {
    // fc2 has 600 neurons of fan-in 20: 3 cores of 200; every fc1 neuron feeds all 3 -> 3 copies, 60 slots
    const m = mapToTrueNorth(mlp([10, 20, 600]));
    const [fc1, fc2] = m.layers;
    expect(fc2.stages[0].cores).toBe(3);
    expect(fc2.meanCopies).toBe(1);
    expect(fc1.meanCopies).toBe(3);
    expect(fc1.maxCopies).toBe(3);
    expect(fc1.stages[0].slots).toBe(60);
    expect(fc1.cores).toBe(1);
    expect(m.extraNeurons.copies).toBe(40);
  });

  it("copies only where convolution windows of neighbouring cores overlap", () => {
    // 1×8×8 input -> pool 1×1 (relay, 64 neurons) -> conv 3×3 pad 1 with 8 out channels: 512 neurons, 2+ cores
    const g: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [1, 8, 8] },
      { kind: "pool", id: "p", input: "in", mode: "sum", kernel: [1, 1], neuron: IF },
      { kind: "conv2d", id: "c", input: "p", outChannels: 8, kernel: [3, 3], padding: [1, 1, 1, 1], weights: new Float32Array(72), neuron: IF }] };
    const m = mapToTrueNorth(g);
    const c = m.layers[1].stages[0], p = m.layers[0];
    expect(c.cores).toBe(2);
    expect(c.split).toEqual([1, 2, 1]); // rows 0-3 and 4-7; each reads 5 input rows × 8
    expect(c.maxAxonsPerCore).toBe(40);
    expect(p.meanCopies).toBeCloseTo(80 / 64, 12); // rows 3 and 4 are read by both cores: 16 extra
    expect(p.maxCopies).toBe(2);
  });

  it("costs events × marginal energy + baseline power × chips × (T + depth) ms", () => {
    const m = mapToTrueNorth(mlp([300, 10]));
    const c = trueNorthCost(m, [{ id: "fc1", spikes: 50, synops: 1000 }], 8);
    // 2 × 1000 events into the +/− partial neurons, 2 chunks × 50 partial spikes into the summing neurons
    expect(c.events).toBe(2100);
    expect(c.steps).toBe(10);
    const hand = 2100 * TRUENORTH.energyPerEventJ.value + TRUENORTH.basePowerPerChipW.value * 1 * 0.010;
    expect(c.energyPerInferenceJ).toBeCloseTo(hand, 18);
    expect(c.headlineEnergyJ).toBeCloseTo(2100 * 26e-12, 20);
    expect(c.latencyS).toBeCloseTo(0.01, 15);
    const m2 = mapToTrueNorth(mlp([10, 20, 600]));
    const c2 = trueNorthCost(m2, [{ id: "fc1", spikes: 30, synops: 100 }, { id: "fc2", spikes: 500, synops: 30 * 600 }], 4);
    expect(c2.events).toBe(100 * 3 + 18000); // fc1's 3 copies each integrate its 100 input events
  });

  it("reports a network larger than the chips allowed as infeasible, with the limit and the numbers", () => {
    const small = { ...TRUENORTH, coresPerChip: { ...TRUENORTH.coresPerChip, value: 2 } };
    const m = mapToTrueNorth(mlp([10, 20, 600]), small);
    expect(m.feasible).toBe(false);
    expect(m.reason).toBe("needs 4 cores = 2 chips of 2 cores (fc1 1, fc2 3), more than maxChips 1");
  });

  it("refuses a convolution with fan-in > 256 as not modelled, as an infeasible target entry (not an exception)", () => {
    const g: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [32, 4, 4] },
      { kind: "conv2d", id: "c", input: "in", outChannels: 2, kernel: [3, 3], weights: new Float32Array(2 * 32 * 9), neuron: IF }] };
    expect(() => mapToTrueNorth(g)).toThrow(/reads 288 inputs, more than the 256 axons/);
    const r = truenorthTarget(g, { accuracy: 0.9, layers: [{ id: "c", spikesPerInference: 1, synopsPerInference: 1 }] }, 8);
    expect(r.feasible).toBe(false);
    expect(r.reason).toContain("288");
    expect(r.energyPerInferenceJ).toBeNull();
  });
});
