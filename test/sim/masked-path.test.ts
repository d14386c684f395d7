/**
 * The two kernels of dense and conv2d sources (src/sim/accumulate.ts): the event-driven scatter and the
 * masked dense SIMD path (assembly/masked.ts) give bit-identical results (tolerance 0, non-dyadic
 * weights, so that a different summation order would show), on both back ends; "auto" (chosen per
 * step by spike density) as well.
 */
import { describe, expect, it } from "vitest";
import { shapeSize } from "../../src/ir/graph.js";
import type { SnnGraph } from "../../src/ir/graph.js";
import type { KernelPath } from "../../src/sim/accumulate.js";
import type { Backend } from "../../src/sim/kernels.js";
import { type SimResult, Simulator } from "../../src/sim/simulator.js";
import { bits } from "../helpers/sim.js";
import { randomGraph, randomInputs } from "../helpers/random-graph.js";
import { Rng } from "../../src/util/rng.js";

const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);

async function runWith(graph: SnnGraph, backend: Backend, kernelPath: KernelPath, x: Float32Array, batch: number, coding: "current" | "poisson"): Promise<SimResult> {
  const sim = await Simulator.create(graph, { batch, backend, kernelPath });
  return sim.run(x, { steps: 25, coding, seed: 3, rate: 0.9 });
}

function expectIdentical(what: string, a: SimResult, b: SimResult): void {
  a.layers.forEach((la, k) => {
    const lb = b.layers[k];
    expect(Array.from(la.spikesPerStep), `${what}: ${la.id} spikesPerStep`).toEqual(Array.from(lb.spikesPerStep));
    expect(Array.from(la.spikeCounts), `${what}: ${la.id} spikeCounts`).toEqual(Array.from(lb.spikeCounts));
    expect(la.synapticEvents, `${what}: ${la.id} synapticEvents`).toBe(lb.synapticEvents);
  });
  expect(bits(a.output.membrane), `${what}: output membrane bits`).toEqual(bits(b.output.membrane));
}

describe("masked dense path ≡ event-driven scatter, bit for bit", () => {
  for (const coding of ["current", "poisson"] as const)
    it(`random graphs (dense, conv2d with stride/padding/groups/dilation), ${coding} coding, seeds 1..40, WASM and TS`, async () => {
      let convSpikes = 0, denseSpikes = 0;
      for (const seed of SEEDS) {
        const graph = randomGraph(seed);
        const n = shapeSize((graph.nodes[0] as { shape: number[] }).shape);
        const B = 1 + (seed % 3);
        const x = randomInputs(seed, B, n);
        const scatter = await runWith(graph, "wasm", "scatter", x, B, coding);
        for (const backend of ["wasm", "js"] as const)
          for (const path of ["masked", "auto"] as const)
            expectIdentical(`seed ${seed} ${backend} ${path}`, await runWith(graph, backend, path, x, B, coding), scatter);
        for (const l of scatter.layers) {
          if (l.kind === "conv2d") convSpikes += l.synapticEvents;
          if (l.kind === "dense") denseSpikes += l.synapticEvents;
        }
      }
      // the comparison means something: spikes reached conv and dense layers
      expect(convSpikes).toBeGreaterThan(0);
      expect(denseSpikes).toBeGreaterThan(0);
    });

  it("a dense layer with widths that exercise every block size (16, 4 and the scalar tail) and batch 5", async () => {
    const rng = new Rng(9);
    for (const nOut of [1, 3, 4, 7, 16, 21, 37]) {
      const nIn = 53;
      const w = Float32Array.from({ length: nIn * nOut }, () => (rng.uniform() * 2 - 0.9) * 0.7);
      const graph: SnnGraph = {
        nodes: [
          { id: "in", kind: "input", shape: [nIn] },
          { id: "fc", kind: "dense", input: "in", units: nOut, weights: w, neuron: { model: "if", threshold: 0.6 } },
        ],
        output: "fc",
      } as SnnGraph;
      const x = Float32Array.from({ length: 5 * nIn }, () => rng.uniform());
      const scatter = await runWith(graph, "wasm", "scatter", x, 5, "poisson");
      expect(scatter.layers[0].spikeCounts.some((c) => c > 0)).toBe(true);
      for (const backend of ["wasm", "js"] as const) expectIdentical(`nOut ${nOut} ${backend}`, await runWith(graph, backend, "masked", x, 5, "poisson"), scatter);
    }
  });

  it("conv layers with many channels per field (every block size, stride, padding, dilation, groups), batch 3", async () => {
    const rng = new Rng(17);
    const nd = (n: number) => Float32Array.from({ length: n }, () => (rng.uniform() * 2 - 0.9) * 0.5);
    const geos: { c: number; h: number; w: number; out: number; k: [number, number]; stride: [number, number];
      padding: [number, number, number, number]; dilation: [number, number]; groups: number; out2: number }[] = [
      { c: 5, h: 9, w: 8, out: 21, k: [3, 3], stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1, out2: 16 },
      { c: 6, h: 10, w: 9, out: 9, k: [3, 2], stride: [2, 1], padding: [1, 0, 0, 1], dilation: [2, 1], groups: 3, out2: 7 },
      { c: 8, h: 7, w: 7, out: 32, k: [5, 5], stride: [1, 1], padding: [2, 2, 2, 2], dilation: [1, 1], groups: 2, out2: 4 },
    ];
    for (const g of geos) {
      const graph: SnnGraph = {
        nodes: [
          { id: "in", kind: "input", shape: [g.c, g.h, g.w] },
          { id: "c1", kind: "conv2d", input: "in", outChannels: g.out, kernel: g.k, stride: g.stride, padding: g.padding, dilation: g.dilation,
            groups: g.groups, weights: nd((g.out * g.c * g.k[0] * g.k[1]) / g.groups), neuron: { model: "if", threshold: 0.4 } },
          { id: "c2", kind: "conv2d", input: "c1", outChannels: g.out2, kernel: [3, 3], stride: [2, 2], padding: [1, 1, 1, 1],
            weights: nd(g.out2 * g.out * 9), neuron: { model: "if", threshold: 0.4 } },
        ],
        output: "c2",
      } as SnnGraph;
      const x = Float32Array.from({ length: 3 * g.c * g.h * g.w }, () => rng.uniform());
      const scatter = await runWith(graph, "wasm", "scatter", x, 3, "poisson");
      for (const l of scatter.layers) expect(l.spikeCounts.reduce((a, b) => a + b, 0), `${l.id} spikes`).toBeGreaterThan(50);
      for (const backend of ["wasm", "js"] as const) expectIdentical(`conv ${JSON.stringify(g)} ${backend}`, await runWith(graph, backend, "masked", x, 3, "poisson"), scatter);
    }
  });

  it("refuses an unknown kernel path by name", async () => {
    const graph = randomGraph(1);
    await expect(Simulator.create(graph, { kernelPath: "gather" as KernelPath })).rejects.toThrow(/kernelPath must be "auto", "scatter" or "masked"/);
  });
});
