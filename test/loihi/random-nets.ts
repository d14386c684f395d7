/**
 * Random small quantisable SNNs for the Loihi tests, and the check that the integer engine equals
 * simulateLoihi on the expanded net (src/loihi/net.ts): every layer's spike counts per neuron, its spikes
 * at every step and the output's final voltages, WASM and TypeScript kernels alike.
 */
import { expect } from "vitest";
import type { NeuronParams, SnnGraph, SnnNode } from "../../src/ir/graph.js";
import { LoihiEngine } from "../../src/loihi/engine.js";
import { toLoihiNet } from "../../src/loihi/net.js";
import type { LoihiGraph } from "../../src/loihi/quantize.js";
import { simulateLoihi } from "../../src/loihi/simulate.js";
import type { Rng } from "../../src/util/rng.js";

export const sym = (r: Rng, a: number) => a * (2 * r.uniform() - 1);

/** A random conv → pool → conv → flatten → dense → dense network on a [cin, h, w] input. */
export function randomNet(r: Rng, k: number): SnnGraph {
  const cin = 1 + (k % 3), h = 6 + (k % 3), w = 7 - (k % 2);
  const neuron = (): NeuronParams => {
    const n: NeuronParams = { model: r.uniform() < 0.3 ? "lif" : "if", threshold: 0.5 + r.uniform(), reset: "value", vReset: 0 };
    if (n.model === "lif") n.leak = 0.85 + 0.15 * r.uniform();
    if (r.uniform() < 0.25) n.synDecay = 0.5 * r.uniform();
    if (r.uniform() < 0.25) n.refractory = 1 + Math.floor(3 * r.uniform());
    return n;
  };
  const groups = k % 4 === 3 && cin > 1 ? cin : 1;
  const c1 = groups > 1 ? cin * 2 : 4;
  const stride: [number, number] = k % 2 ? [1, 1] : [2, 1];
  const pad: [number, number, number, number] = k % 3 ? [1, 1, 1, 1] : [0, 1, 0, 0];
  const oh1 = Math.floor((h + pad[0] + pad[2] - 3) / stride[0]) + 1, ow1 = Math.floor((w + pad[1] + pad[3] - 3) / stride[1]) + 1;
  const oh2 = Math.floor(oh1 / 2), ow2 = Math.floor(ow1 / 2);
  const nodes: SnnNode[] = [
    { kind: "input", id: "in", shape: [cin, h, w] },
    { kind: "conv2d", id: "c1", input: "in", outChannels: c1, kernel: [3, 3], stride, padding: pad, groups,
      weights: Float32Array.from({ length: c1 * (cin / groups) * 9 }, () => sym(r, 0.6) + 0.05),
      bias: r.uniform() < 0.5 ? Float32Array.from({ length: c1 }, () => sym(r, 0.1)) : undefined, neuron: neuron() },
    { kind: "pool", id: "p1", input: "c1", mode: k % 2 ? "avg" : "sum", kernel: [2, 2], neuron: { model: "if", threshold: k % 2 ? 1 : 2, reset: "value" } },
    { kind: "conv2d", id: "c2", input: "p1", outChannels: 3, kernel: [2, 2], padding: [0, 0, 1, 1],
      weights: Float32Array.from({ length: 3 * c1 * 4 }, () => sym(r, 0.5) + 0.05), neuron: neuron() },
    { kind: "flatten", id: "f", input: "c2" },
    { kind: "dense", id: "d1", input: "f", units: 9, weights: Float32Array.from({ length: 3 * oh2 * ow2 * 9 }, () => sym(r, 0.5) + 0.03),
      bias: Float32Array.from({ length: 9 }, () => sym(r, 0.05)), neuron: neuron() },
    { kind: "dense", id: "d2", input: "d1", units: 4, weights: Float32Array.from({ length: 36 }, () => sym(r, 0.8) + 0.1), neuron: neuron() },
  ];
  return { nodes };
}

/**
 * Runs `lg` on B samples with the WASM and TypeScript kernels (which must agree) and compares every layer
 * with simulateLoihi on the expanded net: spike counts per neuron, spikes at every step and the output's
 * final voltages. Returns the spikes seen.
 */
export async function expectEngineEqualsSimulate(lg: LoihiGraph, x: Float32Array, B: number, T: number, label: string): Promise<number> {
  const n = lg.input.size;
  const wasm = (await LoihiEngine.create(lg, { batch: B })).run(x, { steps: T });
  const js = (await LoihiEngine.create(lg, { batch: B, backend: "js" })).run(x, { steps: T });
  expect(js).toEqual(wasm);
  // the batch stepped in chunks of samples (the default for large nets) gives the same run, record for record
  expect((await LoihiEngine.create(lg, { batch: B, chunk: 1 })).run(x, { steps: T }), `${label} chunk 1`).toEqual(wasm);
  expect((await LoihiEngine.create(lg, { batch: B, chunk: 2, backend: "js" })).run(x, { steps: T }), `${label} chunk 2`).toEqual(wasm);
  let spikes = 0;
  for (let b = 0; b < B; b++) {
    const ref = await simulateLoihi(toLoihiNet(lg, { input: x.subarray(b * n, (b + 1) * n), steps: T }), T + lg.latency);
    for (const rec of wasm.layers) {
      const counts = new Array<number>(rec.neurons).fill(0);
      ref.blocks[rec.id].spikes.forEach((row) => row.forEach((j) => counts[j]++));
      expect(Array.from(rec.spikeCounts.subarray(b * rec.neurons, (b + 1) * rec.neurons)), `${label} sample ${b} layer ${rec.id}`).toEqual(counts);
      ref.blocks[rec.id].spikes.forEach((row, t) => expect(rec.spikesPerStep[t * B + b]).toBe(row.length));
      spikes += counts.reduce((a, c) => a + c, 0);
    }
    const out = ref.blocks[wasm.output.id], nOut = wasm.output.size, last = T + lg.latency - 1;
    expect(Array.from(wasm.output.v.subarray((last * B + b) * nOut, (last * B + b + 1) * nOut))).toEqual(out.v[last]);
  }
  return spikes;
}

