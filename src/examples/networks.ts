/**
 * Synthetic networks with seeded random weights, used by the benchmarks (bench/) and the CLI demo:
 * the shapes the engine's targets are measured on. They are not trained: they exercise the engine at
 * realistic activity (weights scaled so that hidden layers fire at tens of Hz at dt = 1 ms).
 */
import type { SnnGraph } from "../ir/graph.js";
import { Rng } from "../util/rng.js";

function gaussian(rng: Rng, n: number, mean: number, std: number): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = mean + std * rng.normal();
  return w;
}

/**
 * The fully connected IF network 784-1200-1200-10 (Diehl et al. 2015's MNIST MLP shape), reset by
 * subtraction, threshold 1. Weights N(mean, std) per layer, chosen so that with Poisson inputs at
 * 0–100 Hz the hidden layers fire at roughly 20–60 Hz.
 */
export function mlp784(seed = 1): SnnGraph {
  const rng = new Rng(seed);
  const sizes = [784, 1200, 1200, 10];
  const scale = [
    { mean: 0.0008, std: 0.02 },
    { mean: 0.0004, std: 0.01 },
    { mean: 0.002, std: 0.03 },
  ];
  const nodes: SnnGraph["nodes"] = [{ kind: "input", id: "input", shape: [784] }];
  for (let l = 0; l < 3; l++) {
    nodes.push({
      kind: "dense", id: l < 2 ? `fc${l + 1}` : "out", input: nodes[nodes.length - 1].id, units: sizes[l + 1],
      weights: gaussian(rng, sizes[l] * sizes[l + 1], scale[l].mean, scale[l].std),
      neuron: { model: "if", threshold: 1, reset: "subtract" },
    });
  }
  return { nodes };
}

/** The conv net 28×28×1 → conv 32 3×3 → conv 64 3×3 stride 2 → dense 10, IF neurons, no padding. */
export function convNet(seed = 1): SnnGraph {
  const rng = new Rng(seed);
  return {
    nodes: [
      { kind: "input", id: "input", shape: [1, 28, 28] },
      { kind: "conv2d", id: "conv1", input: "input", outChannels: 32, kernel: [3, 3], weights: gaussian(rng, 32 * 9, 0.02, 0.25),
        neuron: { model: "if", threshold: 1 } },
      { kind: "conv2d", id: "conv2", input: "conv1", outChannels: 64, kernel: [3, 3], stride: [2, 2], weights: gaussian(rng, 64 * 32 * 9, 0.002, 0.05),
        neuron: { model: "if", threshold: 1 } },
      { kind: "flatten", id: "flat", input: "conv2" },
      { kind: "dense", id: "out", input: "flat", units: 10, weights: gaussian(rng, 64 * 12 * 12 * 10, 0.0005, 0.02),
        neuron: { model: "if", threshold: 1 } },
    ],
  };
}

/** Per-input values in [0, 1) (rate fractions), seeded: a stand-in for pixel intensities. */
export function uniformInputs(n: number, batch = 1, seed = 7): Float32Array {
  const rng = new Rng(seed);
  const x = new Float32Array(n * batch);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  return x;
}
