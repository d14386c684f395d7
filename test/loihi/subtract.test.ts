/**
 * Reset by subtraction on Loihi, emulated the NxTF way (src/loihi/quantize.ts "reset"): an integrating
 * compartment that keeps v on a spike plus a self-connection of weight −vth. The integer engine must equal
 * simulateLoihi on the net toLoihiNet writes (block with keepVoltage + self-connection), the result must be
 * exactly an integer subtractive IF, and the mapping and the cost must price two compartments per neuron.
 */
import { describe, expect, it } from "vitest";
import type { SnnGraph, SnnNode } from "../../src/ir/graph.js";
import { LoihiEngine } from "../../src/loihi/engine.js";
import { regularSpikeTimes, toLoihiNet } from "../../src/loihi/net.js";
import { quantizeGraph } from "../../src/loihi/quantize.js";
import { subtractWeight } from "../../src/loihi/scale.js";
import { LoihiNetError, loihiWeight, simulateLoihi } from "../../src/loihi/simulate.js";
import { loihiCost } from "../../src/targets/cost.js";
import { LOIHI } from "../../src/targets/loihi.js";
import { mapToLoihi } from "../../src/targets/mapping.js";
import { Rng } from "../../src/util/rng.js";
import { block, net } from "./helpers.js";
import { expectEngineEqualsSimulate, randomNet, sym } from "./random-nets.js";

/** The graph with every layer resetting by subtraction (refractory periods kept: those layers must fall back). */
function subtractive(g: SnnGraph): SnnGraph {
  return { ...g, nodes: g.nodes.map((n) => ("neuron" in n ? { ...n, neuron: { ...n.neuron, reset: "subtract" as const } } : n)) as SnnNode[] };
}

describe("reset by subtraction emulated on Loihi (two compartments, NxTF)", () => {
  it("engine equals simulateLoihi (keepVoltage block + self-connection) on random nets, spike and bias input", async () => {
    const r = new Rng(71);
    let spikes = 0, emulated = 0, fellBack = 0;
    for (let k = 0; k < 10; k++) {
      const snn = subtractive(randomNet(r, k));
      const inputMode = k % 2 ? "bias" as const : "spikes" as const;
      if (inputMode === "bias") for (const n of snn.nodes) if (n.id === "c1" && "neuron" in n) delete n.neuron.synDecay;
      const lg = quantizeGraph(snn, { reset: "subtract", inputMode });
      for (const l of lg.layers) {
        const rep = lg.report.layers.find((x) => x.id === l.id)!;
        const held = l.refractDelay > 1;
        expect(rep.reset, `net ${k} ${l.id}`).toBe(held ? "zero (fallback from subtract)" : "subtract (two compartments)");
        if (held) { expect(l.subtract).toBeNull(); fellBack++; continue; }
        emulated++;
        // the self weight is exactly −vth in 8 bits
        expect(l.subtract).not.toBeNull();
        expect(loihiWeight(l.subtract!.mant, l.subtract!.wExp)).toBe(l.vthMant * 64);
        expect(Math.abs(l.subtract!.mant)).toBeLessThanOrEqual(255);
      }
      expect(lg.report.reset.emulated.length + lg.report.reset.layers.length).toBe(lg.layers.length);
      const n = lg.input.size, B = 3, T = 18;
      const x = Float32Array.from({ length: B * n }, () => (r.uniform() < 0.3 ? 0 : r.uniform()));
      spikes += await expectEngineEqualsSimulate(lg, x, B, T, `net ${k}`);
    }
    expect(spikes).toBeGreaterThan(1000);
    expect(emulated).toBeGreaterThan(20);
    expect(fellBack).toBeGreaterThan(0); // the random nets hold refractory layers: they keep reset to zero, named
  }, 120_000);

  it("is exactly the integer subtractive IF: v += input + bias, spike when v > vth, then v −= vth", async () => {
    const r = new Rng(72);
    const nIn = 30, units = 12, T = 40;
    const snn: SnnGraph = { nodes: [
      { kind: "input", id: "in", shape: [nIn] },
      { kind: "dense", id: "d", input: "in", units, weights: Float32Array.from({ length: nIn * units }, () => sym(r, 0.4) + 0.08),
        bias: Float32Array.from({ length: units }, () => sym(r, 0.05)), neuron: { model: "if", threshold: 1, reset: "subtract" } },
    ] };
    const lg = quantizeGraph(snn, { reset: "subtract" });
    const l = lg.layers[0];
    const x = Float32Array.from({ length: nIn }, () => r.uniform());
    const run = (await LoihiEngine.create(lg)).run(x, { steps: T });
    // the reference: input spikes coded at step s reach the layer at s + 1 (one connection)
    const times = regularSpikeTimes(x, T);
    const w = (l.node as { weights: Float32Array }).weights, vth = l.vthMant * 64;
    const counts = new Array<number>(units).fill(0);
    for (let j = 0; j < units; j++) {
      let v = 0;
      for (let t = 1; t <= T + 1; t++) {
        let input = l.biasMant[j] * 2 ** l.biasExp[j];
        for (let i = 0; i < nIn; i++) if (times[i].includes(t - 1)) input += w[i * units + j];
        v += input;
        if (v > vth) { counts[j]++; v -= vth; }
      }
    }
    expect(Array.from(run.layers[0].spikeCounts)).toEqual(counts);
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(50);
    // with reset to zero the same layer loses the residuals: fewer spikes
    const zero = (await LoihiEngine.create(quantizeGraph(snn))).run(x, { steps: T });
    expect(zero.layers[0].spikeCounts.reduce((a, b) => a + b, 0)).toBeLessThan(counts.reduce((a, b) => a + b, 0));
    // one synaptic event per spike for the self-connection (a spike of the last step lands after the run)
    const synops = run.layers[0].synopsPerStep.reduce((a, b) => a + b, 0);
    const inputSpikes = run.inputSpikesPerStep.reduce((a, b) => a + b, 0);
    const selfEvents = counts.reduce((a, b) => a + b, 0) - run.layers[0].spikesPerStep[T];
    expect(synops).toBe(inputSpikes * units + selfEvents);
  });

  it("the mapping counts two compartments, one more axon and synapse per neuron; the cost prices them", () => {
    const r = new Rng(73);
    const snn = subtractive(randomNet(r, 1));
    for (const n of snn.nodes) if ("neuron" in n) delete n.neuron.refractory;
    const lg = quantizeGraph(snn, { reset: "subtract" });
    const sub = new Set(lg.report.reset.emulated);
    expect(sub.size).toBe(lg.layers.length);
    const a = mapToLoihi(snn, LOIHI), b = mapToLoihi(snn, LOIHI, { subtract: sub });
    for (const la of a.layers) {
      const lb = b.layers.find((x) => x.id === la.id)!;
      expect(lb.compartments).toBe(2 * la.neurons);
      expect(lb.maxNeuronFanIn).toBe(la.maxNeuronFanIn + 1);
      expect(lb.synapses).toBe(la.synapses + la.neurons);
      expect(lb.outputAxons).toBe(la.outputAxons + la.neurons);
      expect(lb.meanDestCores).toBeCloseTo(la.meanDestCores + 1, 12);
    }
    const activity = a.layers.map((l) => ({ id: l.id, spikes: 0.1 * l.neurons * 20, synops: 50 * l.neurons }));
    const ca = loihiCost(a, activity, LOIHI, 20), cb = loihiCost(b, activity, LOIHI, 20);
    // the dendrites: one inactive update per neuron and step more
    const extra = a.layers.reduce((s, l) => s + l.neurons * 20, 0) * LOIHI.energy.neuronUpdateInactiveJ.value;
    expect(cb.breakdown.neuronInactiveJ - ca.breakdown.neuronInactiveJ).toBeCloseTo(extra, 15);
    expect(cb.breakdown.spikeRoutingJ).toBeGreaterThan(ca.breakdown.spikeRoutingJ);
    expect(cb.notes.some((x) => /two compartments per neuron/.test(x))).toBe(true);
  });

  it("vthMant is rounded to an 8-bit weight × 2^e; a block with keepVoltage and a refractory hold is refused", async () => {
    expect(subtractWeight(255)).toEqual({ mant: 255, wExp: 0 });
    expect(subtractWeight(2040)).toEqual({ mant: 255, wExp: 3 });
    expect(subtractWeight(2047)).toBeNull();
    expect(subtractWeight(255 * 128 + 128)).toBeNull();
    const b = { ...block(2, { vthMant: 100, refractDelay: 2 }), keepVoltage: true };
    await expect(simulateLoihi(net(b, [[1]], [[10, 10]]), 3)).rejects.toThrow(LoihiNetError);
    await expect(simulateLoihi(net(b, [[1]], [[10, 10]]), 3)).rejects.toThrow(/blocks\[0\]\.refractDelay\[0\]: is 2; a block with keepVoltage needs refractDelay 1/);
    const bad = { ...block(1), keepVoltage: "yes" as unknown as boolean };
    await expect(simulateLoihi(net(bad, [[1]], [[1]]), 2)).rejects.toThrow(/blocks\[0\]\.keepVoltage: must be true or false/);
    // toLoihiNet writes the self-connection with the layer's own exponent
    const snn: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [3] },
      { kind: "dense", id: "d", input: "in", units: 2, weights: Float32Array.from([0.5, -0.2, 0.3, 0.9, 0.1, 0.4]), neuron: { model: "if", threshold: 1, reset: "subtract" } }] };
    const lg = quantizeGraph(snn, { reset: "subtract" });
    const written = toLoihiNet(lg, { input: [1, 0.5, 0.2], steps: 4 });
    const self = written.connections!.find((c) => c.src === "d" && c.dst === "d")!;
    expect(self.wExp).toBe(lg.layers[0].subtract!.wExp);
    expect(self.weights).toEqual([[-lg.layers[0].subtract!.mant, 0], [0, -lg.layers[0].subtract!.mant]]);
    expect(written.blocks[0].keepVoltage).toBe(true);
    // subtractLayers: only those layers, unknown ids named
    const two: SnnGraph = { nodes: [...snn.nodes, { kind: "dense", id: "e", input: "d", units: 2, weights: Float32Array.from([0.7, 0.1, 0.2, 0.6]), neuron: { model: "if", threshold: 1, reset: "subtract" } }] };
    const some = quantizeGraph(two, { reset: "subtract", subtractLayers: ["e"] });
    expect([some.report.reset.emulated, some.report.reset.layers]).toEqual([["e"], ["d"]]);
    expect(() => quantizeGraph(two, { reset: "subtract", subtractLayers: ["x"] })).toThrow(/quantize: subtractLayers: 'x' is not a layer of the network \(layers: d, e\)/);
  });
});
