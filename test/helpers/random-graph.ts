/**
 * Random SNN graphs for equivalence tests: dense, conv2d (stride, padding, groups, dilation), pooling
 * (avg/sum, count_include_pad or not; max with option `maxPool`), flatten and residual add, with random
 * neuron parameters. Without `maxPool` a seed gives the same graph as before max pooling existed.
 * `dyadic` weights are multiples of 1/64 in [-1, 1], so that every float32 sum is exact whatever its
 * order: with them, implementations that add in different orders must still agree bit for bit.
 */
import type { NeuronParams, SnnGraph, SnnNode } from "../../src/ir/graph.js";
import { Rng } from "../../src/util/rng.js";

export interface RandomGraphOptions {
  dyadic?: boolean;
  /** allow LIF, refractory, synaptic filter, reset to value (default true) */
  richNeurons?: boolean;
  /** conv graphs always get a max pool where they would get avg/sum pooling, and 40 % of them one more
   *  straight on the input (input running counts / analog max); default false */
  maxPool?: boolean;
}

function weights(rng: Rng, n: number, scale: number, dyadic: boolean): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = dyadic ? Math.round((rng.uniform() * 2 - 1) * 64 * scale) / 64 : (rng.uniform() * 2 - 0.9) * scale;
  return w;
}

function neuron(rng: Rng, rich: boolean, dyadic: boolean): NeuronParams {
  const p: NeuronParams = { model: "if", threshold: dyadic ? 1 : 0.5 + rng.uniform() };
  if (!rich) return p;
  if (rng.uniform() < 0.4) {
    p.model = "lif";
    p.leak = dyadic ? 0.75 : 0.8 + 0.2 * rng.uniform();
  }
  if (rng.uniform() < 0.3) {
    p.reset = "value";
    p.vReset = dyadic ? -0.25 : -0.3 * rng.uniform();
  }
  if (rng.uniform() < 0.25) p.refractory = 1 + rng.int(3);
  if (rng.uniform() < 0.25) p.synDecay = dyadic ? 0.5 : 0.9 * rng.uniform();
  if (rng.uniform() < 0.3) p.vInit = dyadic ? 0.5 : 0.5 * rng.uniform();
  return p;
}

/** A random valid graph; the input is [C, H, W] or [n] depending on the seed. */
export function randomGraph(seed: number, opts: RandomGraphOptions = {}): SnnGraph {
  const rng = new Rng(seed);
  const dy = opts.dyadic ?? false;
  const rich = opts.richNeurons ?? true;
  const nodes: SnnNode[] = [];
  const conv = rng.uniform() < 0.7;
  if (!conv) {
    const n0 = 5 + rng.int(40);
    nodes.push({ kind: "input", id: "in", shape: [n0] });
    let prev = "in", n = n0;
    const layers = 1 + rng.int(3);
    for (let l = 0; l < layers; l++) {
      const units = 3 + rng.int(45);
      nodes.push({ kind: "dense", id: `fc${l}`, input: prev, units, weights: weights(rng, n * units, 1.5 / Math.sqrt(n) + 0.3, dy),
        bias: rng.uniform() < 0.5 ? weights(rng, units, 0.1, dy) : undefined, neuron: neuron(rng, rich, dy) });
      prev = `fc${l}`; n = units;
    }
    return { nodes };
  }
  let c = 1 + rng.int(3), h = 6 + rng.int(7), w = 6 + rng.int(7);
  nodes.push({ kind: "input", id: "in", shape: [c, h, w] });
  let first = "in";
  if (opts.maxPool && rng.uniform() < 0.4) {
    const pp = rng.int(2); // 2x2 stride 1: h, w stay >= 5, enough for any conv0 below
    nodes.push({ kind: "pool", id: "inpool", input: "in", mode: "max", kernel: [2, 2], stride: [1, 1], padding: [pp, pp, pp, pp],
      neuron: neuron(rng, rich, dy) });
    h = h + 2 * pp - 1; w = w + 2 * pp - 1;
    first = "inpool";
  }
  const g = rng.uniform() < 0.3 ? c : 1;
  const oc = g === c ? c * (1 + rng.int(2)) : 2 + rng.int(6);
  const k = 1 + rng.int(3), s = 1 + rng.int(2), pad = rng.int(2), dil = rng.uniform() < 0.2 ? 2 : 1;
  const cw = { kind: "conv2d" as const, id: "conv0", input: first, outChannels: oc, kernel: [k, k] as [number, number],
    stride: [s, s] as [number, number], padding: [pad, pad, pad, pad] as [number, number, number, number], dilation: [dil, dil] as [number, number], groups: g,
    weights: weights(rng, oc * (c / g) * k * k, 1, dy), bias: rng.uniform() < 0.5 ? weights(rng, oc, 0.1, dy) : undefined, neuron: neuron(rng, rich, dy) };
  nodes.push(cw);
  c = oc; h = Math.floor((h + 2 * pad - dil * (k - 1) - 1) / s) + 1; w = Math.floor((w + 2 * pad - dil * (k - 1) - 1) / s) + 1;
  let prev = "conv0";
  if (rng.uniform() < 0.5) {
    // residual block: conv 3x3 same padding, then add
    nodes.push({ kind: "conv2d", id: "conv1", input: prev, outChannels: c, kernel: [3, 3], padding: [1, 1, 1, 1],
      weights: weights(rng, c * c * 9, 0.6, dy), neuron: neuron(rng, rich, dy) });
    nodes.push({ kind: "add", id: "res", inputs: [prev, "conv1"], scales: dy ? [1, 0.5] : [1, 0.5 + rng.uniform()], neuron: neuron(rng, rich, dy) });
    prev = "res";
  }
  if (h >= 2 && w >= 2 && (opts.maxPool || rng.uniform() < 0.7)) {
    const avg = rng.uniform() < 0.6;
    const pk = 2, ps = rng.uniform() < 0.5 ? 2 : 1, pp = rng.uniform() < 0.3 ? 1 : 0;
    nodes.push({ kind: "pool", id: "pool", input: prev, mode: opts.maxPool ? "max" : avg ? "avg" : "sum", kernel: [pk, pk], stride: [ps, ps],
      padding: [pp, pp, pp, pp], countIncludePad: rng.uniform() < 0.5, neuron: neuron(rng, rich, dy) });
    h = Math.floor((h + 2 * pp - pk) / ps) + 1; w = Math.floor((w + 2 * pp - pk) / ps) + 1;
    prev = "pool";
  }
  nodes.push({ kind: "flatten", id: "flat", input: prev });
  const units = 3 + rng.int(12);
  nodes.push({ kind: "dense", id: "out", input: "flat", units, weights: weights(rng, c * h * w * units, 1, dy), neuron: neuron(rng, rich, dy) });
  return { nodes };
}

/** Random inputs in [0, 1) for `batch` samples of `n` values (a quarter of them zero). */
export function randomInputs(seed: number, batch: number, n: number, dyadic = false): Float32Array {
  const rng = new Rng(seed ^ 0x5bd1e995);
  const x = new Float32Array(batch * n);
  for (let i = 0; i < x.length; i++) {
    const u = rng.uniform();
    x[i] = u < 0.25 ? 0 : dyadic ? Math.round(u * 16) / 16 : u;
  }
  return x;
}
