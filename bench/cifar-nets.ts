/**
 * CIFAR-shaped networks for the engine's benchmarks (`npm run bench:cifar`, and rows (e) of `npm run bench`):
 * VGG-11 and ResNet-18 in their CIFAR form
 * (3×32×32 input; ResNet-18 with 3×3 stem, four stages of two basic blocks, 64-128-256-512 channels,
 * residual additions, global average pool), seeded random He-scaled weights, IF neurons (threshold 1,
 * reset by subtraction), constant-current input of seeded uniform pixels, T = 64, one thread.
 * Per network: memory plan at batch 1 and the batch chosen from it for the 4 GiB WebAssembly limit
 * (src/sim/fit-batch.ts), ms per image and synaptic events per second at batch 1 and 8.
 * Untrained: the rows measure the engine, not accuracy.
 */
import { uniformInputs } from "../src/examples/networks.js";
import type { SnnGraph } from "../src/ir/graph.js";
import { Simulator } from "../src/sim/simulator.js";
import { Rng } from "../src/util/rng.js";

type Node = SnnGraph["nodes"][number];
const neuron = { model: "if" as const, threshold: 1, reset: "subtract" as const };

/** He-scaled N(0, gain²·2/fanIn) weights, a small positive mean (gains and mean chosen for mean rates of about 0.1–0.3 spikes per neuron and step). */
function weights(rng: Rng, n: number, fanIn: number, gain: number): Float32Array {
  const w = new Float32Array(n), std = gain * Math.sqrt(2 / fanIn);
  for (let i = 0; i < n; i++) w[i] = std * (rng.normal() + 0.02);
  return w;
}

function conv(rng: Rng, id: string, input: string, cin: number, cout: number, k: number, stride = 1, gain = 0.7): Node {
  const p = (k - 1) >> 1;
  return { kind: "conv2d", id, input, outChannels: cout, kernel: [k, k], stride: [stride, stride], padding: [p, p, p, p],
    weights: weights(rng, cout * cin * k * k, cin * k * k, gain), neuron };
}

/** VGG-11, CIFAR form: 64-M-128-M-256-256-M-512-512-M-512-512-M, dense 512 → 10. */
export function vgg11(seed = 1): SnnGraph {
  const rng = new Rng(seed);
  const nodes: Node[] = [{ kind: "input", id: "input", shape: [3, 32, 32] }];
  let prev = "input", cin = 3, i = 0;
  for (const c of [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"] as const) {
    const id = c === "M" ? `pool${++i}` : `conv${nodes.length}`;
    nodes.push(c === "M" ? { kind: "pool", id, input: prev, mode: "avg", kernel: [2, 2], neuron } : conv(rng, id, prev, cin, c, 3));
    if (c !== "M") cin = c;
    prev = id;
  }
  nodes.push({ kind: "flatten", id: "flat", input: prev }, { kind: "dense", id: "out", input: "flat", units: 10, weights: weights(rng, 512 * 10, 512, 1), neuron });
  return { nodes };
}

/** ResNet-18, CIFAR form: 3×3 stem, stages [2, 2, 2, 2] of basic blocks, 1×1 projection shortcuts, average pool 4, dense 10. */
export function resnet18(seed = 1): SnnGraph {
  const rng = new Rng(seed);
  const nodes: Node[] = [{ kind: "input", id: "input", shape: [3, 32, 32] }, conv(rng, "stem", "input", 3, 64, 3)];
  let prev = "stem", cin = 64;
  [64, 128, 256, 512].forEach((c, s) => {
    for (let b = 0; b < 2; b++) {
      const stride = b === 0 && s > 0 ? 2 : 1, id = `s${s + 1}b${b + 1}`;
      nodes.push(conv(rng, `${id}c1`, prev, cin, c, 3, stride), conv(rng, `${id}c2`, `${id}c1`, c, c, 3, 1, 0.6));
      let skip = prev;
      if (stride !== 1 || cin !== c) { nodes.push(conv(rng, `${id}sc`, prev, cin, c, 1, stride, 0.6)); skip = `${id}sc`; }
      nodes.push({ kind: "add", id: `${id}add`, inputs: [`${id}c2`, skip], neuron });
      prev = `${id}add`;
      cin = c;
    }
  });
  nodes.push({ kind: "pool", id: "gap", input: prev, mode: "avg", kernel: [4, 4], neuron }, { kind: "flatten", id: "flat", input: "gap" },
    { kind: "dense", id: "out", input: "flat", units: 10, weights: weights(rng, 512 * 10, 512, 1), neuron });
  return { nodes };
}

/** One timed run of T steps at `batch` (after a 4-step warm-up): ms per image, synaptic events, mean rate, memory. */
export async function measure(name: string, g: SnnGraph, batch: number, T: number) {
  const sim = await Simulator.create(g, { batch });
  const x = uniformInputs(sim.plan.input.n, batch, 7);
  sim.run(x, { steps: 4, coding: "current", seed: 1, recordOutputPerStep: false }); // warm-up
  const t0 = performance.now();
  const r = sim.run(x, { steps: T, coding: "current", seed: 1, recordOutputPerStep: false });
  const s = (performance.now() - t0) / 1000;
  const events = r.layers.reduce((a, l) => a + l.synapticEvents + l.inputMacsPerStep * T, 0);
  const spikes = r.layers.reduce((a, l) => a + l.spikeCounts.reduce((p, v) => p + v, 0), 0);
  const neurons = r.layers.reduce((a, l) => a + l.size, 0);
  return { name, batch, seconds: s, events, neuronUpdates: neurons * T * batch, msPerImage: (1000 * s) / batch, eventsPerImage: events / batch, eventsPerS: events / s,
    rate: spikes / (batch * neurons * T), memoryBytes: sim.plan.totalBytes };
}

