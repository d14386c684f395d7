/**
 * ONNX import + TS DNN inference against onnxruntime-web, on models built in memory for every
 * supported operator, and the error paths (unsupported ops all listed, truncated files, external data).
 */
import { describe, expect, it } from "vitest";
import { inferAnn } from "../../src/ann/infer.js";
import { createAnnRunner } from "../../src/ann/infer-wasm.js";
import { SpikewasmError } from "../../src/errors.js";
import { importOnnx, requireConvertible } from "../../src/onnx/import.js";
import { Rng } from "../../src/util/rng.js";
import { buildModel, init, initInt, runOrt, softmax } from "../helpers/onnx-builder.js";

function inputs(n: number, seed: number, nonneg = true): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => (nonneg ? r.uniform() : r.uniform() * 2 - 1));
}

async function agree(bytes: Uint8Array, inShape: number[], B = 3, tol = 1e-4): Promise<ReturnType<typeof importOnnx>> {
  const imp = importOnnx(bytes, "t.onnx");
  const graph = requireConvertible(imp);
  const n = inShape.reduce((a, b) => a * b, 1);
  const x = inputs(B * n, 11, false);
  const want = await runOrt(bytes, x, [B, ...inShape]);
  let got = inferAnn(graph, x, B).get(graph.output!)!;
  if (imp.droppedSoftmax) got = softmax(got, B); // the oracle still applies the dropped Softmax
  expect(got.length).toBe(want.length);
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]) / scale, `output ${i}`).toBeLessThan(tol);
  // the WASM runner (float32 accumulation, batch 2 so the last chunk is partial) agrees with the TS reference
  const ref = inferAnn(graph, x, B);
  const runner = await createAnnRunner(graph, 2);
  const fast = runner.run(x, B, true);
  expect(runner.stats(), "the WASM runner (not the TS fallback) ran").not.toBeNull();
  for (const [id, a] of ref) {
    const f = fast.get(id)!;
    const m = Math.max(1, ...Array.from(a, Math.abs));
    for (let i = 0; i < a.length; i++) expect(Math.abs(f[i] - a[i]) / m, `${id}[${i}]`).toBeLessThan(1e-5);
  }
  return imp;
}

describe("ONNX import matches onnxruntime-web", () => {
  it("conv (pads, stride, bias) + BatchNorm folded + Relu + AvgPool + Flatten + Gemm(transB) + Softmax dropped", async () => {
    const r = new Rng(1);
    const bytes = buildModel([2, 9, 9], [
      { op: "Conv", inputs: ["input", "w1", "b1"], output: "c1", attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] } },
      { op: "BatchNormalization", inputs: ["c1", "g", "be", "m", "v"], output: "bn", attrs: { epsilon: 1e-3 } },
      { op: "Relu", inputs: ["bn"], output: "r1" },
      { op: "AveragePool", inputs: ["r1"], output: "p1", attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: "Flatten", inputs: ["p1"], output: "f" },
      { op: "Gemm", inputs: ["f", "w2", "b2"], output: "logits0", attrs: { transB: 1, alpha: 0.5 } },
      { op: "Softmax", inputs: ["logits0"], output: "logits", attrs: { axis: 1 } },
    ], [init("w1", [4, 2, 3, 3], r), init("b1", [4], r), init("g", [4], r), init("be", [4], r), init("m", [4], r),
      init("v", [4], Array.from({ length: 4 }, () => 0.5 + r.uniform())), init("w2", [5, 16], r), init("b2", [5], r)], "logits");
    const imp = await agree(bytes, [2, 9, 9]);
    expect(imp.droppedSoftmax).toBe(true);
  });
});

describe("ONNX import matches onnxruntime-web (more operators)", () => {
  it("Sub/Div on the input folded, Pad, depthwise dilated Conv, Clip as ReLU6, MaxPool, GlobalAveragePool, shape-computed Reshape, MatMul+Add, Mul", async () => {
    const r = new Rng(2);
    const bytes = buildModel([3, 10, 10], [
      { op: "Sub", inputs: ["input", "mean"], output: "s" },
      { op: "Div", inputs: ["s", "std"], output: "d" },
      { op: "Pad", inputs: ["d", "pads"], output: "pd" },
      { op: "Conv", inputs: ["pd", "wdw"], output: "c1", attrs: { kernel_shape: [3, 3], group: 3, dilations: [2, 2] } },
      { op: "Clip", inputs: ["c1", "zero", "six"], output: "r1" },
      { op: "Conv", inputs: ["r1", "w2", "b2"], output: "c2", attrs: { kernel_shape: [1, 1] } },
      { op: "Relu", inputs: ["c2"], output: "r2" },
      { op: "MaxPool", inputs: ["r2"], output: "mp", attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
      { op: "GlobalAveragePool", inputs: ["mp"], output: "gap" },
      { op: "Shape", inputs: ["gap"], output: "shp" },
      { op: "Gather", inputs: ["shp", "zeroIdx"], output: "bs" , attrs: { axis: 0 } },
      { op: "Unsqueeze", inputs: ["bs", "axes0"], output: "bsu" },
      { op: "Concat", inputs: ["bsu", "minus1"], output: "tshape", attrs: { axis: 0 } },
      { op: "Reshape", inputs: ["gap", "tshape"], output: "flat" },
      { op: "MatMul", inputs: ["flat", "wm"], output: "mm" },
      { op: "Add", inputs: ["mm", "bm"], output: "mmb" },
      { op: "Mul", inputs: ["mmb", "k"], output: "logits" },
    ], [init("mean", [1, 3, 1, 1], [0.1, 0.2, 0.3]), init("std", [1, 3, 1, 1], [0.5, 0.25, 2]), initInt("pads", [0, 0, 2, 1, 0, 0, 1, 2]),
      init("wdw", [3, 1, 3, 3], r), init("zero", [], [0]), init("six", [], [0.6]), init("w2", [6, 3, 1, 1], r), init("b2", [6], r),
      { name: "zeroIdx", dims: [], dataType: 7, int64Data: [0] }, initInt("axes0", [0]), initInt("minus1", [-1]), init("wm", [6, 4], r), init("bm", [4], r), init("k", [], [1.5])], "logits");
    const imp = await agree(bytes, [3, 10, 10]);
    const input = imp.graph.nodes[0];
    expect(input.kind === "input" && input.preprocess?.scale).toEqual([2, 4, 0.5]);
  });

  it("residual Add, channel Concat, AveragePool with count_include_pad = 0 and padding, Clip (opset 9 attributes)", async () => {
    const r = new Rng(3);
    const bytes = buildModel([2, 7, 7], [
      { op: "Conv", inputs: ["input", "wa"], output: "a", attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: "Relu", inputs: ["a"], output: "ar" },
      { op: "Conv", inputs: ["ar", "wb", "bb"], output: "b", attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: "Add", inputs: ["b", "ar"], output: "res" },
      { op: "Clip", inputs: ["res"], output: "resr", attrs: { min: 0, max: 4 } },
      { op: "Conv", inputs: ["input", "wc"], output: "c", attrs: { kernel_shape: [1, 1] } },
      { op: "Relu", inputs: ["c"], output: "cr" },
      { op: "Concat", inputs: ["resr", "cr"], output: "cat", attrs: { axis: 1 } },
      { op: "AveragePool", inputs: ["cat"], output: "ap", attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 0 } },
      { op: "Flatten", inputs: ["ap"], output: "f" },
      { op: "Gemm", inputs: ["f", "wd", "bd"], output: "logits" },
    ], [init("wa", [3, 2, 3, 3], r), init("wb", [3, 3, 3, 3], r), init("bb", [3], r), init("wc", [2, 2, 1, 1], r), init("wd", [80, 5], r), init("bd", [5], r)], "logits", 9);
    await agree(bytes, [2, 7, 7]);
  });
});

describe("ONNX import errors", () => {
  it("lists every unsupported node at once, with names, op types and reasons, and marks dependants", () => {
    const r = new Rng(4);
    const bytes = buildModel([4], [
      { op: "Gemm", inputs: ["input", "w"], output: "h", name: "fc" },
      { op: "Sigmoid", inputs: ["h"], output: "s", name: "sig" },
      { op: "Gemm", inputs: ["s", "w2"], output: "h2", name: "fc2" },
      { op: "LeakyRelu", inputs: ["input"], output: "lr", name: "leaky" },
      { op: "Add", inputs: ["h2", "lr"], output: "logits", name: "sum" },
    ], [init("w", [4, 3], r), init("w2", [3, 4], r)], "logits");
    const imp = importOnnx(bytes, "bad.onnx");
    expect(imp.problems.map((p) => `${p.name}:${p.opType}`)).toEqual(["sig:Sigmoid", "leaky:LeakyRelu"]);
    expect(imp.nodes.find((n) => n.name === "fc2")?.note).toMatch(/depends on unsupported node 'sig'/);
    expect(() => requireConvertible(imp)).toThrow(/bad\.onnx: 2 unsupported node\(s\):\n  node 'sig' \(Sigmoid\): operator Sigmoid is not supported\n  node 'leaky'/);
  });

  it("rejects a truncated or non-ONNX file and a dynamic non-batch dimension, naming the file", () => {
    const r = new Rng(5);
    const good = buildModel([4], [{ op: "Gemm", inputs: ["input", "w"], output: "logits" }], [init("w", [4, 2], r)], "logits");
    expect(() => importOnnx(good.subarray(0, good.length - 7), "cut.onnx")).toThrow(SpikewasmError);
    expect(() => importOnnx(good.subarray(0, good.length - 7), "cut.onnx")).toThrow(/cut\.onnx/);
    expect(() => importOnnx(new TextEncoder().encode("hello world, not a model"), "text.onnx")).toThrow(/text\.onnx/);
    const dyn = buildModel([4], [{ op: "Gemm", inputs: ["input", "w"], output: "logits" }], [init("w", [4, 2], r)], "logits");
    expect(importOnnx(dyn, "ok.onnx").problems).toEqual([]);
  });

  it("rejects a NaN or infinite weight, naming the tensor and element", () => {
    const bytes = buildModel([4], [{ op: "Gemm", inputs: ["input", "w"], output: "logits" }], [init("w", [4, 2], [0, 1, 2, NaN, 4, 5, 6, 7])], "logits");
    expect(() => importOnnx(bytes, "nan.onnx")).toThrow(/nan\.onnx: initializer: tensor 'w' element 3 is NaN/);
  });

  it("rejects weights stored as external data", () => {
    const bytes = buildModel([4], [{ op: "Gemm", inputs: ["input", "w"], output: "logits" }],
      [{ name: "w", dims: [4, 2], dataType: 1, dataLocation: 1, externalData: [{ key: "location", value: "w.bin" }] }], "logits");
    expect(() => importOnnx(bytes, "ext.onnx")).toThrow(/ext\.onnx: initializer: tensor 'w' keeps its data in an external file/);
  });
});
