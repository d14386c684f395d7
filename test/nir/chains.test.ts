/**
 * Chains of linear NIR nodes (src/nir/compose.ts): each chain, applied node by node by a naive reference
 * written here, must equal the one layer nirToSnn composes it into, on random inputs (padding included);
 * chains that cannot be composed exactly are refused with the reason.
 */
import { describe, expect, it } from "vitest";
import { checkGraph } from "../../src/ir/check.js";
import type { SnnGraph } from "../../src/ir/graph.js";
import { type ComposedChain, nirToSnn } from "../../src/nir/to-snn.js";
import { type NirPrimitive, f32, f64, i64 } from "../../src/nir/types.js";
import { Rng } from "../../src/util/rng.js";
import { expectNirProblems, graph, p } from "./helpers.js";

const rng = new Rng(5);
const rand = (n: number, lo = -1, hi = 1) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());

/** Naive convolution on [C, H, W] (zero padding [t, l, b, r]). */
function conv(x: Float64Array, [c, h, w]: number[], wt: ArrayLike<number>, [cout, cinG, kh, kw]: number[], bias: ArrayLike<number> | null,
  [sh, sw]: number[], [pt, pl, pb, pr]: number[], groups = 1, [dh, dw] = [1, 1]): { y: Float64Array; shape: number[] } {
  const oh = Math.floor((h + pt + pb - dh * (kh - 1) - 1) / sh) + 1, ow = Math.floor((w + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
  const y = new Float64Array(cout * oh * ow);
  const coutG = cout / groups;
  for (let o = 0; o < cout; o++) {
    const g = Math.floor(o / coutG);
    for (let u = 0; u < oh; u++) for (let v = 0; v < ow; v++) {
      let s = bias ? bias[o] : 0;
      for (let ci = 0; ci < cinG; ci++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
        const yy = u * sh - pt + i * dh, xx = v * sw - pl + j * dw;
        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
        s += wt[((o * cinG + ci) * kh + i) * kw + j] * x[((g * cinG + ci) * h + yy) * w + xx];
      }
      y[(o * oh + u) * ow + v] = s;
    }
  }
  return { y, shape: [cout, oh, ow] };
}

const pair = (t: NirPrimitive, k: string, d: number[]) => { const v = t.params[k]; return v && v.kind === "tensor" ? (v.data.length === 1 ? [v.data[0], v.data[0]] : Array.from(v.data)) : d; };

/** The chain applied node by node, as NIR defines each node. */
function reference(chain: NirPrimitive[], x: Float64Array, shape: number[]): Float64Array {
  let v = x, s = shape;
  for (const n of chain) {
    const t = (k: string) => { const d = n.params[k]; return d && d.kind === "tensor" ? d : undefined; };
    if (n.type === "Affine" || n.type === "Linear") {
      const w = t("weight")!, [o, i] = w.shape, b = t("bias");
      const y = new Float64Array(o);
      for (let r = 0; r < o; r++) { let a = b ? b.data[r] : 0; for (let c = 0; c < i; c++) a += w.data[r * i + c] * v[c]; y[r] = a; }
      v = y; s = [o];
    } else if (n.type === "Scale") {
      const sc = t("scale")!.data;
      v = v.map((a, k) => a * (sc.length === 1 ? sc[0] : sc[k]));
    } else if (n.type === "Flatten") s = [v.length];
    else if (n.type === "Conv2d") {
      const w = t("weight")!, [pp0, pp1] = pair(n, "padding", [0, 0]);
      const r = conv(v, s, w.data, w.shape, t("bias")?.data ?? null, pair(n, "stride", [1, 1]), [pp0, pp1, pp0, pp1], t("groups")?.data[0] ?? 1);
      v = r.y; s = r.shape;
    } else {
      const [kh, kw] = pair(n, "kernel_size", [1, 1]), [pp0, pp1] = pair(n, "padding", [0, 0]), c = s[0];
      const w = new Float64Array(c * kh * kw).fill(n.type === "SumPool2d" ? 1 : 1 / (kh * kw));
      const r = conv(v, s, w, [c, 1, kh, kw], null, pair(n, "stride", [kh, kw]), [pp0, pp1, pp0, pp1], c);
      v = r.y; s = r.shape;
    }
  }
  return v;
}

/** The composed population (and the flatten before it, if any) applied to x. */
function composite(g: SnnGraph, x: Float64Array): Float64Array {
  const { shapes } = checkGraph(g);
  const pop = g.nodes.find((n) => n.id === "n")!;
  const inShape = shapes.get(g.nodes[0].id)!;
  if (pop.kind === "dense") {
    const y = new Float64Array(pop.units);
    for (let o = 0; o < pop.units; o++) { let a = pop.bias ? pop.bias[o] : 0; for (let i = 0; i < x.length; i++) a += pop.weights[i * pop.units + o] * x[i]; y[o] = a; }
    return y;
  }
  if (pop.kind !== "conv2d") throw new Error(`expected a dense or conv2d population, got ${pop.kind}`);
  const groups = pop.groups ?? 1;
  return conv(x, inShape, pop.weights, [pop.outChannels, inShape[0] / groups, ...pop.kernel], pop.bias ?? null, pop.stride ?? [1, 1], pop.padding ?? [0, 0, 0, 0], groups, pop.dilation ?? [1, 1]).y;
}

/** Input(shape) → chain → IF n → Output, converted at dt = 1 (r = 1: weights and biases unchanged). */
function build(shape: number[], chain: [string, NirPrimitive][], nOut: number) {
  const nodes: [string, NirPrimitive][] = [["in", p("Input", { shape: i64(shape) })], ...chain,
    ["n", p("IF", { r: f64(new Float64Array(nOut).fill(1)), v_threshold: f64(new Float64Array(nOut).fill(1)) })], ["out", p("Output", { shape: i64([nOut]) })]];
  const names = nodes.map(([k]) => k);
  return graph(nodes, names.slice(1).map((b, i) => [names[i], b] as [string, string]));
}

function expectExact(shape: number[], chain: [string, NirPrimitive][], nOut: number, kind: "conv2d" | "dense"): { g: SnnGraph; composed: ComposedChain[] } {
  const composed: ComposedChain[] = [];
  const g = nirToSnn(build(shape, chain, nOut), { dt: 1, onComposed: (c) => composed.push(c) });
  expect(composed).toHaveLength(1);
  expect(composed[0]).toMatchObject({ neuron: "n", chain: chain.map(([k]) => k), kind });
  const n = shape.reduce((a, b) => a * b, 1);
  for (let trial = 0; trial < 3; trial++) {
    const x = Float64Array.from(rand(n, -1, 2));
    const want = reference(chain.map(([, v]) => v), x, shape), got = composite(g, x);
    expect(got.length).toBe(want.length);
    const scale = Math.max(1, ...want.map(Math.abs));
    for (let k = 0; k < want.length; k++) expect(Math.abs(got[k] - want[k]), `output ${k}`).toBeLessThan(1e-5 * scale);
  }
  return { g, composed };
}

const conv2d = (cout: number, cin: number, k: number, o: { stride?: number; pad?: number; bias?: boolean; groups?: number } = {}) => p("Conv2d", {
  weight: f32(rand(cout * (cin / (o.groups ?? 1)) * k * k), [cout, cin / (o.groups ?? 1), k, k]), bias: f32(o.bias ? rand(cout) : new Float32Array(cout), [cout]),
  stride: i64([o.stride ?? 1, o.stride ?? 1]), padding: i64([o.pad ?? 0, o.pad ?? 0]), dilation: i64([1, 1]), groups: i64(o.groups ?? 1),
});
const sumPool = (k: number) => p("SumPool2d", { kernel_size: i64([k, k]), stride: i64([k, k]), padding: i64([0, 0]) });
const avgPool = (k: number) => p("AvgPool2d", { kernel_size: i64([k, k]), stride: i64([k, k]), padding: i64([0, 0]) });
const affine = (o: number, i: number) => p("Affine", { weight: f32(rand(o * i), [o, i]), bias: f32(rand(o), [o]) });
const flatten = () => p("Flatten", { start_dim: i64(1), end_dim: i64(-1), input_type: i64([0, 0, 0, 0]) });

describe("chains of linear NIR nodes compose into one exact layer", () => {
  it("SumPool2d → Conv2d (padding 1): one strided convolution with kernel 6, stride 2, padding 2", () => {
    const { g, composed } = expectExact([3, 8, 8], [["pool", sumPool(2)], ["conv", conv2d(4, 3, 3, { pad: 1 })]], 4 * 4 * 4, "conv2d");
    const c = g.nodes.find((n) => n.id === "n")!;
    expect(c).toMatchObject({ kind: "conv2d", kernel: [6, 6], stride: [2, 2], padding: [2, 2, 2, 2] });
    expect(composed[0].weights).toBe(4 * 3 * 36);
  });

  it("SumPool2d → Flatten → Affine (a pool over a size it does not divide: the dropped row gets no weight)", () => {
    const { g } = expectExact([2, 5, 4], [["pool", sumPool(2)], ["flat", flatten()], ["fc", affine(6, 2 * 2 * 2)]], 6, "dense");
    expect(g.nodes.map((n) => n.kind)).toEqual(["input", "flatten", "dense"]);
    expect(g.nodes[1].id).toBe("flat");
  });

  it("Conv2d with a bias → Conv2d without padding; grouped Conv2d → SumPool2d; AvgPool2d → AvgPool2d (depthwise)", () => {
    expectExact([2, 9, 9], [["c1", conv2d(4, 2, 3, { pad: 1, bias: true })], ["c2", conv2d(3, 4, 3, { stride: 2, bias: true })]], 3 * 4 * 4, "conv2d");
    expectExact([4, 6, 6], [["c1", conv2d(4, 4, 3, { pad: 1, groups: 2, bias: true })], ["pool", sumPool(2)]], 4 * 3 * 3, "conv2d");
    const { g } = expectExact([3, 8, 8], [["a1", avgPool(2)], ["a2", avgPool(2)]], 3 * 2 * 2, "conv2d");
    expect(g.nodes.find((n) => n.id === "n")).toMatchObject({ kind: "conv2d", groups: 3, kernel: [4, 4], stride: [4, 4] });
  });

  it("Affine → Affine, Affine → Scale, Scale → Affine, per-channel Scale → Conv2d", () => {
    expectExact([5], [["f1", affine(7, 5)], ["f2", affine(3, 7)]], 3, "dense");
    expectExact([5], [["f1", affine(4, 5)], ["s", p("Scale", { scale: f64(rand(4, 0.5, 2)) })]], 4, "dense");
    expectExact([5], [["s", p("Scale", { scale: f64(rand(5, 0.5, 2)) })], ["f1", affine(4, 5)]], 4, "dense");
    const perChannel = new Float64Array(2 * 16).map((_, k) => (k < 16 ? 0.5 : 3));
    expectExact([2, 4, 4], [["s", p("Scale", { scale: f64(perChannel) })], ["c", conv2d(3, 2, 3, { pad: 1, bias: true })]], 3 * 16, "conv2d");
  });

  it("the Sinabs CNN's chains: pool → conv and pool → flatten → affine in one network", () => {
    const g = nirToSnn(graph([
      ["in", p("Input", { shape: i64([2, 8, 8]) })], ["c1", conv2d(4, 2, 3, { pad: 1 })], ["n1", p("IF", { r: f64([1]), v_threshold: f64([1]) })],
      ["p1", sumPool(2)], ["c2", conv2d(4, 4, 3, { pad: 1 })], ["n2", p("IF", { r: f64([1]), v_threshold: f64([1]) })],
      ["p2", sumPool(2)], ["fl", flatten()], ["fc", affine(3, 16)], ["n3", p("IF", { r: f64([1]), v_threshold: f64([1]) })], ["out", p("Output", { shape: i64([3]) })],
    ], [["in", "c1"], ["c1", "n1"], ["n1", "p1"], ["p1", "c2"], ["c2", "n2"], ["n2", "p2"], ["p2", "fl"], ["fl", "fc"], ["fc", "n3"], ["n3", "out"]]), { dt: 1 });
    expect(g.nodes.map((n) => `${n.id}:${n.kind}`)).toEqual(["in:input", "n1:conv2d", "n2:conv2d", "fl:flatten", "n3:dense"]);
    expect(checkGraph(g).shapes.get("fl")).toEqual([4 * 4 * 4]);
  });
});

describe("chains that cannot be composed exactly are refused with the reason", () => {
  it("a pool over an odd size feeding a padded conv, a padded conv after a biased one, a 1-D node into a conv, a composite too large", () => {
    const odd = build([2, 7, 7], [["pool", sumPool(2)], ["conv", conv2d(2, 2, 3, { pad: 1 })]], 2 * 3 * 3);
    expectNirProblems(odd, { dt: 1 }, ["'conv' (Conv2d) in the chain 'pool' → 'conv': it reads the zero padding of the nodes before it on the bottom, where their window still covers input"]);
    const biased = build([2, 6, 6], [["c1", conv2d(2, 2, 1, { bias: true })], ["c2", conv2d(2, 2, 3, { pad: 1 })]], 2 * 6 * 6);
    expectNirProblems(biased, { dt: 1 }, ["'c2' (Conv2d) in the chain 'c1' → 'c2': it reads the zero padding of the nodes before it, which add a bias"]);
    const flatConv = build([2, 4, 4], [["fl", flatten()], ["f", affine(32, 32)], ["c", conv2d(2, 2, 1)]], 32);
    expectNirProblems(flatConv, { dt: 1 }, ["'c' (Conv2d) in the chain 'f' → 'c': input of shape [32]; a Conv2d takes [C, H, W]"]);
    const wide = build([1500], [["a", affine(1, 1500)], ["b", affine(1500, 1)]], 1500);
    expectNirProblems(wide, { dt: 1 }, ["'b' (Affine) in the chain 'a' → 'b': the composite dense layer would hold 2250000 weights (the chain holds 3000; spikewasm passes only spikes between populations"]);
  });

  it("a chain node shared by two populations, and a chain summed with another input", () => {
    const shared = graph([
      ["in", p("Input", { shape: i64([4]) })], ["a", affine(4, 4)], ["b", affine(4, 4)], ["c", affine(4, 4)],
      ["n", p("IF", { r: f64([1]), v_threshold: f64([1]) })], ["m", p("IF", { r: f64([1]), v_threshold: f64([1]) })], ["out", p("Output", { shape: i64([4]) })],
    ], [["in", "a"], ["a", "b"], ["a", "c"], ["b", "n"], ["c", "m"], ["n", "out"]]);
    expectNirProblems(shared, { dt: 1 }, ["node 'n' (IF): the chain of linear nodes 'a' → 'b' has 'a' with 1 input(s) and 2 output(s)"]);
    const summed = graph([
      ["in", p("Input", { shape: i64([4]) })], ["a", affine(4, 4)], ["b", affine(4, 4)],
      ["n", p("IF", { r: f64([1]), v_threshold: f64([1]) })], ["out", p("Output", { shape: i64([4]) })],
    ], [["in", "a"], ["a", "b"], ["b", "n"], ["in", "n"], ["n", "out"]]);
    expectNirProblems(summed, { dt: 1 }, ["node 'n' (IF): sums the chain of linear nodes 'a' → 'b' and 1 other input(s)"]);
  });

  it("Affine → Threshold is still refused, with the reason", () => {
    const g = graph([["in", p("Input", { shape: i64([3]) })], ["a", affine(2, 3)], ["t", p("Threshold", { threshold: f64([0.5, 0.5]) })], ["out", p("Output", { shape: i64([2]) })]],
      [["in", "a"], ["a", "t"], ["t", "out"]]);
    expectNirProblems(g, { dt: 1 }, ["node 't' (Threshold): primitive Threshold has no spikewasm equivalent: a memoryless Heaviside step"]);
  });
});
