/**
 * Keras/tf2onnx-style NHWC models: Transpose [0,3,1,2] after an [N, H, W, C] input and Transpose
 * [0,2,3,1] + Reshape/Flatten before the dense head are folded at import (no runtime transpose). The
 * models are built in memory as tf2onnx lays them out (no TensorFlow on this machine to export a real
 * Keras model); onnxruntime-web runs the original NHWC model on NHWC inputs as the oracle, spikewasm
 * gets the same samples in [C, H, W] order.
 */
import { describe, expect, it } from "vitest";
import { argmax, inferAnn } from "../../src/ann/infer.js";
import { createAnnRunner } from "../../src/ann/infer-wasm.js";
import { importOnnx, requireConvertible } from "../../src/onnx/import.js";
import { runPipeline } from "../../src/pipeline/run.js";
import { Rng } from "../../src/util/rng.js";
import { type NodeSpec, buildModel, init, initInt, runOrt, softmax } from "../helpers/onnx-builder.js";

function randomInputs(n: number, seed: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.uniform());
}

/** [B][H][W][C] → [B][C][H][W] */
function nhwcToNchw(x: Float32Array, B: number, H: number, W: number, C: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let c = 0; c < C; c++) y[((b * C + c) * H + h) * W + w] = x[((b * H + h) * W + w) * C + c];
  return y;
}

/** Imports an NHWC model; checks TS and WASM DNN inference ([C, H, W] inputs) against onnxruntime-web (NHWC inputs). */
async function agreeNhwc(bytes: Uint8Array, [H, W, C]: number[], B = 4, tol = 1e-4) {
  const imp = importOnnx(bytes, "nhwc.onnx");
  expect(imp.problems).toEqual([]);
  const graph = requireConvertible(imp);
  const input = graph.nodes[0];
  expect(input.kind === "input" && input.shape).toEqual([C, H, W]);
  expect(imp.input).toEqual({ name: "input", layout: "NHWC", onnxShape: [H, W, C] });
  const xNhwc = randomInputs(B * H * W * C, 7);
  const xChw = nhwcToNchw(xNhwc, B, H, W, C);
  const want = await runOrt(bytes, xNhwc, [B, H, W, C]);
  let got = inferAnn(graph, xChw, B).get(graph.output!)!;
  if (imp.droppedSoftmax) got = softmax(got, B);
  expect(got.length).toBe(want.length);
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]) / scale, `output ${i}`).toBeLessThan(tol);
  const fast = (await createAnnRunner(graph, 2)).run(xChw, B, false).get(graph.output!)!;
  const ref = inferAnn(graph, xChw, B).get(graph.output!)!;
  for (let i = 0; i < ref.length; i++) expect(Math.abs(fast[i] - ref[i]) / Math.max(1, ...Array.from(ref, Math.abs))).toBeLessThan(1e-5);
  return { imp, graph };
}

/** tf2onnx's layout of a small Keras CNN: NHWC input, Conv/Relu/Pool in NCHW, NHWC flatten, MatMul + Add, Softmax. */
function kerasCnn(opts: { H: number; W: number; C: number; pool: "AveragePool" | "MaxPool"; head: "reshape" | "flatten"; rescale?: boolean; seed: number }) {
  const { H, W, C } = opts, F = 3, K = 5, r = new Rng(opts.seed);
  const k = F * (H / 2) * (W / 2);
  const nodes: NodeSpec[] = [];
  let x = "input";
  if (opts.rescale) { // Keras Rescaling(1/2, offset 0.1) before the transpose, on the NHWC tensor
    nodes.push({ op: "Mul", inputs: [x, "scale"], output: "sc" }, { op: "Add", inputs: ["sc", "offset"], output: "of" });
    x = "of";
  }
  nodes.push(
    { op: "Transpose", inputs: [x], output: "nchw", attrs: { perm: [0, 3, 1, 2] }, name: "sequential/conv/Conv2D__6" },
    { op: "Conv", inputs: ["nchw", "wc", "bc"], output: "c", attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
    { op: "Relu", inputs: ["c"], output: "cr" },
    { op: "Identity", inputs: ["cr"], output: "cri" }, // tf2onnx leaves Identity nodes around
    { op: opts.pool, inputs: ["cri"], output: "p", attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    { op: "Transpose", inputs: ["p"], output: "p_nhwc", attrs: { perm: [0, 2, 3, 1] }, name: "sequential/pool/MaxPool__12" },
    opts.head === "reshape"
      ? { op: "Reshape", inputs: ["p_nhwc", "flat_shape"], output: "f", name: "sequential/flatten/Reshape" }
      : { op: "Flatten", inputs: ["p_nhwc"], output: "f", attrs: { axis: 1 } },
    { op: "MatMul", inputs: ["f", "wd"], output: "mm" },
    { op: "Add", inputs: ["mm", "bd"], output: "logits" },
    { op: "Softmax", inputs: ["logits"], output: "sm", attrs: { axis: -1 } },
    { op: "Identity", inputs: ["sm"], output: "probs" }, // tf2onnx names the graph output with an Identity
  );
  const inits = [init("wc", [F, C, 3, 3], r), init("bc", [F], r, 0.1), initInt("flat_shape", [-1, k]), init("wd", [k, K], r), init("bd", [K], r, 0.1),
    init("scale", [], [0.5]), init("offset", [C], Array.from({ length: C }, (_, i) => 0.1 * (i + 1)))];
  return buildModel([H, W, C], nodes, inits, "probs");
}

describe("NHWC (Keras/tf2onnx) Transposes are folded at import", () => {
  it("input [1,8,8,2] → Transpose → Conv → Relu → AveragePool → Transpose [0,2,3,1] → Reshape [-1, k] → MatMul + Add → Softmax matches onnxruntime-web", async () => {
    const bytes = kerasCnn({ H: 8, W: 8, C: 2, pool: "AveragePool", head: "reshape", seed: 1 });
    const { imp, graph } = await agreeNhwc(bytes, [8, 8, 2]);
    expect(imp.droppedSoftmax).toBe(true);
    expect(graph.nodes.map((n) => n.kind)).toEqual(["input", "conv2d", "pool", "flatten", "dense"]);
    expect(imp.nodes.find((n) => n.name === "sequential/conv/Conv2D__6")?.note).toMatch(/network input is \[C, H, W\] = \[2, 8, 8\]/);
    expect(imp.nodes.find((n) => n.opType === "MatMul")?.note).toMatch(/permuted .* 'sequential\/pool\/MaxPool__12' perm \[0, 2, 3, 1\] folded/);
  });

  it("non-square input, MaxPool, Flatten, Rescaling (Mul/Add) on the NHWC input folded into the preprocessing", async () => {
    const bytes = kerasCnn({ H: 8, W: 6, C: 3, pool: "MaxPool", head: "flatten", rescale: true, seed: 2 });
    const { graph } = await agreeNhwc(bytes, [8, 6, 3]);
    const input = graph.nodes[0];
    expect(input.kind === "input" && input.preprocess).toEqual({ scale: [0.5, 0.5, 0.5], shift: [0.1, 0.2, 0.3].map((v) => expect.closeTo(v, 6)) });
  });

  it("the folded model is the NCHW model with the dense rows permuted (same ANN graph)", () => {
    const H = 8, W = 6, C = 3, F = 3, k = F * 4 * 3, r = new Rng(3);
    const wc = init("wc", [F, C, 3, 3], r), wd = init("wd", [k, 4], r);
    const nhwc = buildModel([H, W, C], [
      { op: "Transpose", inputs: ["input"], output: "t", attrs: { perm: [0, 3, 1, 2] } },
      { op: "Conv", inputs: ["t", "wc"], output: "c", attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: "Relu", inputs: ["c"], output: "cr" },
      { op: "AveragePool", inputs: ["cr"], output: "p", attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: "Transpose", inputs: ["p"], output: "pt", attrs: { perm: [0, 2, 3, 1] } },
      { op: "Reshape", inputs: ["pt", "s"], output: "f" },
      { op: "Gemm", inputs: ["f", "wd"], output: "logits" },
    ], [wc, wd, initInt("s", [0, -1])], "logits");
    // the same weights with rows reordered from (h, w, c) to (c, h, w), on an NCHW model
    const rows = wd.floatData as number[];
    const perm: number[] = new Array(rows.length);
    for (let c = 0; c < F; c++) for (let h = 0; h < 4; h++) for (let w = 0; w < 3; w++) for (let o = 0; o < 4; o++)
      perm[((c * 4 + h) * 3 + w) * 4 + o] = rows[((h * 3 + w) * F + c) * 4 + o];
    const nchw = buildModel([C, H, W], [
      { op: "Conv", inputs: ["input", "wc"], output: "c", attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: "Relu", inputs: ["c"], output: "cr" },
      { op: "AveragePool", inputs: ["cr"], output: "p", attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: "Flatten", inputs: ["p"], output: "f" },
      { op: "Gemm", inputs: ["f", "wd"], output: "logits" },
    ], [wc, init("wd", [k, 4], perm)], "logits");
    const a = requireConvertible(importOnnx(nhwc)), b = requireConvertible(importOnnx(nchw));
    const strip = (g: typeof a) => g.nodes.map((n) => ({ ...n, id: undefined, input: undefined, weights: "weights" in n ? Array.from(n.weights) : undefined }));
    expect(strip(a)).toEqual(strip(b));
    expect(importOnnx(nchw).input.layout).toBe("NCHW");
  });

  it("identity perms are removed; a Transpose [0,2,3,1] undone by [0,3,1,2] cancels", async () => {
    const r = new Rng(4);
    const bytes = buildModel([2, 6, 6], [
      { op: "Conv", inputs: ["input", "w"], output: "c", attrs: { kernel_shape: [3, 3] } },
      { op: "Transpose", inputs: ["c"], output: "ci", attrs: { perm: [0, 1, 2, 3] }, name: "ident" },
      { op: "Relu", inputs: ["ci"], output: "r" },
      { op: "Transpose", inputs: ["r"], output: "rt", attrs: { perm: [0, 2, 3, 1] } },
      { op: "Transpose", inputs: ["rt"], output: "rb", attrs: { perm: [0, 3, 1, 2] } },
      { op: "Flatten", inputs: ["rb"], output: "f" },
      { op: "Gemm", inputs: ["f", "wd"], output: "g" },
      { op: "Transpose", inputs: ["g"], output: "logits", attrs: { perm: [0, 1] } },
    ], [init("w", [3, 2, 3, 3], r), init("wd", [48, 4], r)], "logits");
    const imp = importOnnx(bytes, "ident.onnx");
    expect(imp.problems).toEqual([]);
    expect(imp.nodes.find((n) => n.name === "ident")?.note).toBe("removed (identity perm [0, 1, 2, 3])");
    const graph = requireConvertible(imp);
    const x = randomInputs(3 * 72, 5);
    const want = await runOrt(bytes, x, [3, 2, 6, 6]);
    const got = inferAnn(graph, x, 3).get(graph.output!)!;
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-4);
  });

  it("converts to an SNN whose predictions track the DNN on random inputs", async () => {
    const H = 8, W = 8, C = 2, count = 96;
    const bytes = kerasCnn({ H, W, C, pool: "AveragePool", head: "reshape", seed: 6 });
    const graph = requireConvertible(importOnnx(bytes));
    const test = randomInputs(count * H * W * C, 8), cal = randomInputs(64 * H * W * C, 9); // already in [C, H, W] order
    const labels = argmax(inferAnn(graph, test, count).get(graph.output!)!, count); // the DNN's own predictions
    const r = await runPipeline({
      model: bytes, modelFile: "nhwc.onnx",
      test: { samples: test, count, labels, source: "random" },
      calibration: { samples: cal, count: 64, source: "random" },
    }, { timesteps: 128 });
    expect(r.dnn.accuracy).toBe(1);
    expect(r.snn.accuracy).toBeGreaterThan(0.8);
    expect(r.snn.accuracyByStep[127]).toBeGreaterThanOrEqual(r.snn.accuracyByStep[7]);
  });
});

describe("unsupported Transposes are refused, naming the node and perm", () => {
  const r = new Rng(10);
  const body = (mid: NodeSpec[], flatIn: string, k: number): Uint8Array => buildModel([2, 6, 6], [
    { op: "Conv", inputs: ["input", "w"], output: "c", attrs: { kernel_shape: [3, 3] } },
    { op: "Relu", inputs: ["c"], output: "r" },
    ...mid,
    { op: "Flatten", inputs: [flatIn], output: "f" },
    { op: "Gemm", inputs: ["f", "wd"], output: "logits", name: "fc" },
  ], [init("w", [3, 2, 3, 3], r), init("w2", [3, 3, 1, 1], r), init("wd", [k, 4], r)], "logits");

  it("a Transpose with an unsupported perm in the middle of the net (and its dependants)", () => {
    const imp = importOnnx(body([{ op: "Transpose", inputs: ["r"], output: "t", attrs: { perm: [0, 1, 3, 2] }, name: "swap_hw" }], "t", 48), "mid.onnx");
    expect(imp.problems).toEqual([{ name: "swap_hw", opType: "Transpose", why: expect.stringMatching(/Transpose 'swap_hw' perm \[0, 1, 3, 2\] is not supported/) }]);
    expect(imp.nodes.find((n) => n.name === "fc")?.note).toMatch(/depends on unsupported node 'swap_hw'/);
    expect(() => requireConvertible(imp)).toThrow(/mid\.onnx: 1 unsupported node\(s\):\n  node 'swap_hw' \(Transpose\): Transpose 'swap_hw' perm \[0, 1, 3, 2\]/);
  });

  it("a Transpose [0,2,3,1] that feeds a Conv, and a [0,3,1,2] on an NCHW activation, listed at once", () => {
    const imp = importOnnx(body([
      { op: "Transpose", inputs: ["r"], output: "t", attrs: { perm: [0, 2, 3, 1] }, name: "to_nhwc" },
      { op: "Conv", inputs: ["t", "w2"], output: "c2", attrs: { kernel_shape: [1, 1] }, name: "conv_nhwc" },
      { op: "Transpose", inputs: ["r"], output: "u", attrs: { perm: [0, 3, 1, 2] }, name: "to_nchw" },
      { op: "Add", inputs: ["c2", "u"], output: "sum" },
    ], "sum", 48), "two.onnx");
    expect(imp.problems.map((p) => p.name)).toEqual(["to_nhwc", "to_nchw"]);
    expect(imp.problems[0].why).toMatch(/Transpose 'to_nhwc' perm \[0, 2, 3, 1\] \(NCHW → NHWC\) is folded only when .* here it reaches 'conv_nhwc' \(Conv\)/);
    expect(imp.problems[1].why).toMatch(/Transpose 'to_nchw' perm \[0, 3, 1, 2\] \(NHWC → NCHW\) is folded only on the NHWC graph input/);
  });

  it("an NHWC tensor at the graph output, or NHWC input used without its Transpose", () => {
    const out = buildModel([2, 4, 4], [
      { op: "Conv", inputs: ["input", "w"], output: "c", attrs: { kernel_shape: [1, 1] } },
      { op: "Transpose", inputs: ["c"], output: "logits", attrs: { perm: [0, 2, 3, 1] }, name: "last" },
    ], [init("w", [3, 2, 1, 1], r)], "logits");
    expect(importOnnx(out).problems[0]).toMatchObject({ name: "last", why: expect.stringMatching(/perm \[0, 2, 3, 1\].*reaches the graph output/) });
    const side = buildModel([4, 4, 2], [
      { op: "Transpose", inputs: ["input"], output: "t", attrs: { perm: [0, 3, 1, 2] } },
      { op: "Conv", inputs: ["t", "w"], output: "c", attrs: { kernel_shape: [1, 1] } },
      { op: "Flatten", inputs: ["c"], output: "f1" },
      { op: "Flatten", inputs: ["input"], output: "f2" },
      { op: "Relu", inputs: ["input"], output: "bad", name: "relu_on_input" },
      { op: "Concat", inputs: ["f1", "f2"], output: "logits", attrs: { axis: 1 }, name: "cat" },
    ], [init("w", [3, 2, 1, 1], r)], "logits");
    const imp = importOnnx(side);
    expect(imp.input.layout).toBe("NHWC");
    expect(imp.problems.map((p) => p.name)).toEqual(["relu_on_input", "cat"]);
    expect(imp.problems[1].why).toMatch(/NHWC order \(from the NHWC graph input 'input', flattened\); Concat on NHWC tensors is not supported/);
  });
});

describe("ReduceMean over the spatial axes (Keras GlobalAveragePooling2D via tf2onnx)", () => {
  it("on the NHWC tensor (axes [1, 2], keepdims 0) and on NCHW (axes [2, 3], keepdims 1, then Flatten) match onnxruntime-web", async () => {
    const H = 6, W = 6, C = 2, F = 4, K = 3, r = new Rng(5);
    const inits = () => [init("wc", [F, C, 3, 3], r), init("bc", [F], r, 0.1), init("wd", [F, K], r), init("bd", [K], r, 0.1)];
    const nhwc = buildModel([H, W, C], [
      { op: "Transpose", inputs: ["input"], output: "t", attrs: { perm: [0, 3, 1, 2] } },
      { op: "Conv", inputs: ["t", "wc", "bc"], output: "c", attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: "Relu", inputs: ["c"], output: "cr" },
      { op: "Transpose", inputs: ["cr"], output: "back", attrs: { perm: [0, 2, 3, 1] } },
      { op: "ReduceMean", inputs: ["back"], output: "gap", attrs: { axes: [1, 2], keepdims: 0 }, name: "sequential/global_average_pooling2d/Mean" },
      { op: "MatMul", inputs: ["gap", "wd"], output: "mm" },
      { op: "Add", inputs: ["mm", "bd"], output: "logits" },
    ], inits(), "logits");
    const { graph } = await agreeNhwc(nhwc, [H, W, C]);
    expect(graph.nodes.map((n) => n.kind)).toEqual(["input", "conv2d", "pool", "flatten", "dense"]);
    const nchw = buildModel([C, H, W], [
      { op: "Conv", inputs: ["input", "wc", "bc"], output: "c", attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: "Relu", inputs: ["c"], output: "cr" },
      { op: "ReduceMean", inputs: ["cr"], output: "gap", attrs: { axes: [-2, -1], keepdims: 1 } },
      { op: "Flatten", inputs: ["gap"], output: "f" },
      { op: "MatMul", inputs: ["f", "wd"], output: "mm" },
      { op: "Add", inputs: ["mm", "bd"], output: "logits" },
    ], inits(), "logits");
    const imp = importOnnx(nchw, "nchw.onnx");
    expect(imp.problems).toEqual([]);
    const g = requireConvertible(imp);
    const x = randomInputs(3 * C * H * W, 9);
    const want = await runOrt(nchw, x, [3, C, H, W]);
    const got = inferAnn(g, x, 3).get(g.output!)!;
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-5);
    // other axes are refused, naming the node
    const bad = buildModel([C, H, W], [
      { op: "Conv", inputs: ["input", "wc", "bc"], output: "c", attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: "ReduceMean", inputs: ["c"], output: "m", attrs: { axes: [1], keepdims: 0 }, name: "channel_mean" },
    ], inits(), "m");
    expect(importOnnx(bad, "bad.onnx").problems.map((p) => `${p.name}: ${p.why}`).join("\n")).toMatch(/channel_mean: ReduceMean over axes \[1\] of an NCHW tensor: only the spatial axes \[2, 3\]/);
  });
});
