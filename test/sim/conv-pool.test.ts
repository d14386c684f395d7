/**
 * Convolution and pooling through the whole Simulator: a one-hot input (value 1 at one (c, y, x),
 * "current" coding) into a non-spiking layer leaves, after one step, exactly the layer's response to
 * that input in its membrane. It is compared with a naive ONNX Conv / AveragePool computed here in
 * [C, H, W] order from the original weights, for every input position. Each output receives at most
 * one weight per one-hot input, so the comparison is exact.
 */
import { describe, expect, it } from "vitest";
import type { Conv2dNode, PoolNode, SnnGraph } from "../../src/ir/graph.js";
import { Simulator } from "../../src/sim/simulator.js";
import { Rng } from "../../src/util/rng.js";
import { BACKENDS } from "../helpers/sim.js";

type Shape3 = [number, number, number];
const out1 = (n: number, p0: number, p1: number, k: number, s: number, d: number) => Math.floor((n + p0 + p1 - d * (k - 1) - 1) / s) + 1;

/** ONNX Conv (cross-correlation, zero padding, stride, dilation, groups) of x [C, H, W]. */
function naiveConv(x: Float32Array, [C, H, W]: Shape3, node: Conv2dNode): Float32Array {
  const [kh, kw] = node.kernel, [sh, sw] = node.stride ?? [1, 1], [dh, dw] = node.dilation ?? [1, 1];
  const [pt, pl, pb, pr] = node.padding ?? [0, 0, 0, 0];
  const g = node.groups ?? 1, cinG = C / g, coutG = node.outChannels / g;
  const OH = out1(H, pt, pb, kh, sh, dh), OW = out1(W, pl, pr, kw, sw, dw);
  const out = new Float32Array(node.outChannels * OH * OW);
  for (let oc = 0; oc < node.outChannels; oc++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++) {
        let s = 0;
        const grp = Math.floor(oc / coutG);
        for (let cl = 0; cl < cinG; cl++)
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const y = oy * sh - pt + ky * dh, xx = ox * sw - pl + kx * dw;
              if (y < 0 || y >= H || xx < 0 || xx >= W) continue; // zero padding
              s += node.weights[((oc * cinG + cl) * kh + ky) * kw + kx] * x[((grp * cinG + cl) * H + y) * W + xx];
            }
        out[(oc * OH + oy) * OW + ox] = s;
      }
  return out;
}

/** ONNX AveragePool (count_include_pad 0/1) or sum pooling of x [C, H, W]. */
function naivePool(x: Float32Array, [C, H, W]: Shape3, node: PoolNode): Float32Array {
  const [kh, kw] = node.kernel, [sh, sw] = node.stride ?? node.kernel;
  const [pt, pl, pb, pr] = node.padding ?? [0, 0, 0, 0];
  const OH = out1(H, pt, pb, kh, sh, 1), OW = out1(W, pl, pr, kw, sw, 1);
  const out = new Float32Array(C * OH * OW);
  for (let c = 0; c < C; c++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++) {
        let s = 0, inside = 0;
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const y = oy * sh - pt + ky, xx = ox * sw - pl + kx;
            if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
            inside++;
            s += x[(c * H + y) * W + xx];
          }
        const div = node.mode === "sum" ? 1 : (node.countIncludePad ?? true) ? kh * kw : inside;
        out[(c * OH + oy) * OW + ox] = s * Math.fround(1 / div);
      }
  return out;
}

const readout = { model: "if", threshold: 1, spiking: false } as const;

function convNode(rng: Rng, C: number, p: Omit<Conv2dNode, "kind" | "id" | "input" | "weights" | "neuron">): Conv2dNode {
  const g = p.groups ?? 1;
  const w = new Float32Array(p.outChannels * (C / g) * p.kernel[0] * p.kernel[1]);
  for (let i = 0; i < w.length; i++) w[i] = rng.uniform() * 2 - 1;
  return { kind: "conv2d", id: "layer", input: "in", weights: w, neuron: readout, ...p };
}

const convCases: [string, Shape3, Omit<Conv2dNode, "kind" | "id" | "input" | "weights" | "neuron">][] = [
  ["3x3, stride 1, same padding", [2, 5, 6], { outChannels: 3, kernel: [3, 3], padding: [1, 1, 1, 1] }],
  ["3x2 kernel, stride [2,1], asymmetric padding, dilation [1,2]", [2, 7, 6],
    { outChannels: 4, kernel: [3, 2], stride: [2, 1], padding: [1, 0, 0, 1], dilation: [1, 2] }],
  ["groups 2, 2x2 kernel, stride 2, padding [0,1,1,0]", [4, 5, 5],
    { outChannels: 6, kernel: [2, 2], stride: [2, 2], padding: [0, 1, 1, 0], groups: 2 }],
  ["depthwise (groups = C = 3, multiplier 2), dilation 2, padding 2", [3, 6, 5],
    { outChannels: 6, kernel: [3, 3], padding: [2, 2, 2, 2], dilation: [2, 2], groups: 3 }],
  ["1x1 kernel, stride 2, no padding", [3, 5, 4], { outChannels: 2, kernel: [1, 1], stride: [2, 2] }],
  ["kernel as large as the padded input", [1, 3, 4], { outChannels: 2, kernel: [4, 5], padding: [1, 0, 0, 1] }],
];

const poolCases: [string, Shape3, Omit<PoolNode, "kind" | "id" | "input" | "neuron">][] = [
  ["avg 3x3 stride 2 padding 1, count_include_pad", [2, 5, 5], { mode: "avg", kernel: [3, 3], stride: [2, 2], padding: [1, 1, 1, 1], countIncludePad: true }],
  ["avg 3x3 stride 2 padding 1, not counting the padding", [2, 5, 5], { mode: "avg", kernel: [3, 3], stride: [2, 2], padding: [1, 1, 1, 1], countIncludePad: false }],
  ["avg 2x2 default stride, no padding", [3, 4, 6], { mode: "avg", kernel: [2, 2] }],
  ["sum 2x2 stride 1", [2, 4, 5], { mode: "sum", kernel: [2, 2], stride: [1, 1] }],
  ["avg 2x3 stride [1,2], asymmetric padding, not counting the padding", [2, 5, 7],
    { mode: "avg", kernel: [2, 3], stride: [1, 2], padding: [1, 0, 0, 2], countIncludePad: false }],
];

/** Runs every one-hot input through `graph` for one step and compares the membrane with `expected`. */
async function checkOneHot(graph: SnnGraph, shape: Shape3, backend: "wasm" | "js", expected: (x: Float32Array) => Float32Array) {
  const sim = await Simulator.create(graph, { backend });
  const n = shape[0] * shape[1] * shape[2];
  let nonzero = 0;
  for (let i = 0; i < n; i++) {
    const x = new Float32Array(n);
    x[i] = 1;
    const want = expected(x);
    const r = sim.run(x, { steps: 1, coding: "current" });
    expect(r.output.shape.reduce((a, b) => a * b, 1)).toBe(want.length);
    const c = i % (shape[1] * shape[2]);
    expect(Array.from(r.output.membrane), `one-hot at c=${Math.floor(i / (shape[1] * shape[2]))}, y=${Math.floor(c / shape[2])}, x=${c % shape[2]}`)
      .toEqual(Array.from(want));
    nonzero += want.some((v) => v !== 0) ? 1 : 0;
  }
  expect(nonzero).toBeGreaterThan(0);
}

for (const backend of BACKENDS) {
  describe(`one-hot responses of conv2d and pool layers (${backend} backend)`, () => {
    convCases.forEach(([name, shape, geo], k) => {
      it(`conv2d ${name}: membrane after one step equals naive ONNX Conv for every one-hot input`, async () => {
        const node = convNode(new Rng(100 + k), shape[0], geo);
        const graph: SnnGraph = { nodes: [{ kind: "input", id: "in", shape }, node] };
        await checkOneHot(graph, shape, backend, (x) => naiveConv(x, shape, node));
      });
    });

    poolCases.forEach(([name, shape, geo]) => {
      it(`pool ${name}: membrane after one step equals naive pooling for every one-hot input`, async () => {
        const node: PoolNode = { kind: "pool", id: "layer", input: "in", neuron: readout, ...geo };
        const graph: SnnGraph = { nodes: [{ kind: "input", id: "in", shape }, node] };
        await checkOneHot(graph, shape, backend, (x) => naivePool(x, shape, node));
      });
    });

    it("conv2d bias is a per-output-channel constant current (membrane = bias with a zero input)", async () => {
      const shape: Shape3 = [2, 4, 3];
      const node = convNode(new Rng(7), 2, { outChannels: 3, kernel: [2, 2], padding: [1, 1, 0, 0] });
      node.bias = Float32Array.of(0.5, -0.25, 0.125);
      const sim = await Simulator.create({ nodes: [{ kind: "input", id: "in", shape }, node] }, { backend });
      const r = sim.run(new Float32Array(24), { steps: 1 });
      const [C, OH, OW] = r.output.shape;
      for (let c = 0; c < C; c++)
        for (let p = 0; p < OH * OW; p++) expect(r.output.membrane[c * OH * OW + p]).toBe(node.bias[c]);
    });
  });
}
