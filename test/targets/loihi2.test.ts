/**
 * Loihi 2 (src/targets/loihi2.ts): the published capacity figures, every other constant marked as an
 * assumption carried over from Loihi 1, and a hand-computed energy on a small network.
 */
import { describe, expect, it } from "vitest";
import type { SnnGraph } from "../../src/ir/graph.js";
import { loihi2Target } from "../../src/pipeline/targets.js";
import { LOIHI, chipConstants } from "../../src/targets/loihi.js";
import { LOIHI2 } from "../../src/targets/loihi2.js";
import { mapToLoihi } from "../../src/targets/mapping.js";

const IF = { model: "if" as const, threshold: 1 };
const dense = (id: string, input: string, nIn: number, units: number) =>
  ({ kind: "dense" as const, id, input, units, weights: new Float32Array(nIn * units).fill(0.1), neuron: IF });

describe("Loihi 2 as data", () => {
  it("has Intel's capacity figures and labels everything else as assumed (Loihi 1's values)", () => {
    expect(LOIHI2.limits.coresPerChip).toMatchObject({ value: 128, kind: "measured" });
    expect(LOIHI2.limits.compartmentsPerCore).toMatchObject({ value: 8192, kind: "derived" });
    expect(LOIHI2.limits.compartmentsPerCore.value).toBe(1048576 / 128);
    for (const c of chipConstants(LOIHI2)) {
      expect(["measured", "derived", "assumed"]).toContain(c.kind);
      if (c.kind === "assumed") expect(c.note ?? "").toMatch(/no public Loihi 2 figure|secondary|one core per mesh|hop energies/);
    }
    expect(LOIHI2.energy.synOpJ).toMatchObject({ value: 23.6e-12, kind: "assumed" });
    expect(LOIHI2.energy.neuronUpdateInactiveJ.value).toBe(LOIHI.energy.neuronUpdateInactiveJ.value);
    expect(LOIHI2.energy.staticPowerPerChipW.value).toBe(0.029);
    expect(LOIHI2.time.barrierSyncS.value).toBe(465e-9);
  });
});

describe("loihi2Target", () => {
  const net: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [20] }, dense("h", "in", 20, 3000), dense("o", "h", 3000, 4)] };

  it("puts 3,000 neurons in one Loihi 2 core (8,192) where Loihi 1 needs three (1,024)", () => {
    expect(mapToLoihi(net, LOIHI2).layers[0].cores.length).toBe(1);
    expect(mapToLoihi(net, LOIHI).layers[0].cores.length).toBe(3);
  });

  it("computes the energy of a small network with known spike counts by the Loihi cost model (hand computation)", () => {
    const ev = { accuracy: 0.8, layers: [{ id: "h", spikesPerInference: 600, synopsPerInference: 30000 }, { id: "o", spikesPerInference: 20, synopsPerInference: 2400 }] };
    const r = loihi2Target(net, ev, 10);
    expect(r.feasible).toBe(true);
    expect(r.chipSteps).toBe(12);
    const m = mapToLoihi(net, LOIHI2), E = LOIHI2.energy;
    const layer = (id: string, neurons: number, spikes: number, synops: number) => {
      const l = m.layers.find((x) => x.id === id)!;
      return synops * E.synOpJ.value + spikes * E.neuronUpdateActiveJ.value + (neurons * 12 - spikes) * E.neuronUpdateInactiveJ.value
        + spikes * l.meanDestCores * (E.spikeWithinTileJ.value + l.meanHopsX * E.hopEastWestJ.value + l.meanHopsY * E.hopNorthSouthJ.value);
    };
    const dynamic = layer("h", 3000, 600, 30000) + layer("o", 4, 20, 2400);
    const staticJ = E.staticPowerPerChipW.value * 1 * (r.latencyS as number);
    expect(r.energyPerInferenceJ).toBeCloseTo(dynamic + staticJ, 15);
    expect(r.accuracy).toBe(0.8);
    expect(r.notes.join(" ")).toContain("ASSUMED");
  });

  it("reports a layer that fits no core as infeasible, with the limit", () => {
    const wide: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [5000] }, dense("h", "in", 5000, 2)] };
    const r = loihi2Target(wide, { accuracy: 0.5, layers: [{ id: "h", spikesPerInference: 1, synopsPerInference: 1 }] }, 8);
    expect(r.feasible).toBe(false);
    expect(r.reason).toContain("5000 input axons, more than the 4096");
  });
});
