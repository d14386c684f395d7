/**
 * Hand-built graphs with channel concatenation (3-D with the input and scales, flattened 3-D of one
 * shape, a max pool on a concat, 1-D), each with its input size: used by the layout oracle
 * (test/sim/layout-oracle.test.ts, dyadic weights) and WASM vs TS (test/sim/equivalence.test.ts).
 */
import type { SnnGraph } from "../../src/ir/graph.js";
import type { Rng } from "../../src/util/rng.js";

const IF = { model: "if", threshold: 1 } as const;
const LIF = { model: "lif", threshold: 1, leak: 0.75, refractory: 1, synDecay: 0.5, vInit: 0.5 } as const;

/** The graphs, weights drawn by `w`. */
export function concatGraphs(r: Rng, w: (r: Rng, n: number) => Float32Array): [string, SnnGraph, number][] {
  return [
    ["concat of the input and two conv branches (3-D, scales), then conv, flatten, dense", { nodes: [
      { kind: "input", id: "in", shape: [2, 4, 5] },
      { kind: "conv2d", id: "b1", input: "in", outChannels: 3, kernel: [3, 3], padding: [1, 1, 1, 1], weights: w(r, 54), bias: w(r, 3), neuron: IF },
      { kind: "conv2d", id: "b2", input: "in", outChannels: 1, kernel: [1, 1], weights: w(r, 2), neuron: LIF },
      { kind: "concat", id: "cat", inputs: ["b1", "in", "b2"], scales: [1, 0.5, 0.75], neuron: IF },
      { kind: "conv2d", id: "c", input: "cat", outChannels: 2, kernel: [2, 2], weights: w(r, 48), neuron: IF },
      { kind: "flatten", id: "f", input: "c" },
      { kind: "dense", id: "out", input: "f", units: 4, weights: w(r, 96), neuron: IF }] }, 40],
    ["concat of flattened conv outputs of one shape, then dense; a max pool on a 3-D concat", { nodes: [
      { kind: "input", id: "in", shape: [1, 4, 4] },
      { kind: "conv2d", id: "c1", input: "in", outChannels: 2, kernel: [3, 3], padding: [1, 1, 1, 1], weights: w(r, 18), neuron: IF },
      { kind: "conv2d", id: "c2", input: "in", outChannels: 2, kernel: [1, 1], weights: w(r, 2), bias: w(r, 2), neuron: IF },
      { kind: "concat", id: "cat3", inputs: ["c2", "c1"], neuron: IF },
      { kind: "pool", id: "mp", input: "cat3", mode: "max", kernel: [2, 2], neuron: IF },
      { kind: "flatten", id: "f1", input: "c1" }, { kind: "flatten", id: "f2", input: "c2" }, { kind: "flatten", id: "f3", input: "mp" },
      { kind: "concat", id: "cat", inputs: ["f1", "f2", "f1"], scales: [1, 1, 0.5], neuron: LIF },
      { kind: "dense", id: "d", input: "cat", units: 5, weights: w(r, 96 * 5), neuron: IF },
      { kind: "dense", id: "out", input: "f3", units: 3, weights: w(r, 48), neuron: IF }], output: "d" }, 16],
    ["concat of 1-D tensors: the input and two dense layers", { nodes: [
      { kind: "input", id: "in", shape: [7] },
      { kind: "dense", id: "d1", input: "in", units: 5, weights: w(r, 35), neuron: IF },
      { kind: "dense", id: "d2", input: "in", units: 3, weights: w(r, 21), bias: w(r, 3), neuron: LIF },
      { kind: "concat", id: "cat", inputs: ["d2", "in", "d1"], scales: [0.5, 1, 1.5], neuron: { model: "if", threshold: 1, reset: "value", vReset: -0.25 } },
      { kind: "dense", id: "out", input: "cat", units: 4, weights: w(r, 60), neuron: IF }] }, 7],
  ];
}
