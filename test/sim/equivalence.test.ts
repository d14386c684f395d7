/**
 * WASM kernels vs the TypeScript reference kernels on random graphs with non-dyadic weights.
 *
 * The tolerance is zero on purpose: both back ends perform the same IEEE float32 operations in the
 * same order (the reference rounds every operation with Math.fround, the kernels use no fused
 * multiply-add, spikes are accumulated in spike-list order), so every membrane bit, spike and counter
 * must be identical. Any difference is a bug in one of them.
 */
import { describe, expect, it } from "vitest";
import { shapeSize } from "../../src/ir/graph.js";
import type { InputCoding } from "../../src/sim/input.js";
import { type SimResult, Simulator } from "../../src/sim/simulator.js";
import { bits } from "../helpers/sim.js";
import { type RandomGraphOptions, randomGraph, randomInputs } from "../helpers/random-graph.js";
import { concatGraphs } from "../helpers/concat-graphs.js";
import { Rng } from "../../src/util/rng.js";

const SEEDS = Array.from({ length: 64 }, (_, i) => i + 1);
const STEPS = 30;

async function runBoth(seed: number, coding: InputCoding, gopts: RandomGraphOptions = {}): Promise<[SimResult, SimResult]> {
  const graph = randomGraph(seed, gopts);
  const n = shapeSize((graph.nodes[0] as { shape: number[] }).shape);
  const B = 1 + (seed % 4);
  // odd seeds run B samples on a Simulator sized for 4, even seeds on one sized exactly for B
  const batch = seed % 2 ? 4 : B;
  const x = randomInputs(seed, B, n);
  const opts = { steps: STEPS, coding, seed: seed * 7 + 1, rate: 0.8 };
  const [w, j] = await Promise.all([
    Simulator.create(graph, { batch, backend: "wasm" }),
    Simulator.create(graph, { batch, backend: "js" }),
  ]);
  return [w.run(x, opts), j.run(x, opts)];
}

function expectIdentical(seed: number, w: SimResult, j: SimResult): void {
  const at = (what: string) => `seed ${seed}: ${what}`;
  expect(w.layers.map((l) => l.id)).toEqual(j.layers.map((l) => l.id));
  expect(Array.from(w.inputSpikesPerStep), at("input spikes")).toEqual(Array.from(j.inputSpikesPerStep));
  w.layers.forEach((lw, k) => {
    const lj = j.layers[k];
    expect(Array.from(lw.spikesPerStep), at(`${lw.id} spikesPerStep`)).toEqual(Array.from(lj.spikesPerStep));
    expect(Array.from(lw.spikeCounts), at(`${lw.id} spikeCounts`)).toEqual(Array.from(lj.spikeCounts));
    // the per-neuron sums an evaluation takes without reading spikeCounts (memory order, permuted): the same
    const sums = new Float64Array(lw.size), want = new Float64Array(lw.size);
    let spikes = 0;
    lw.spikeCounts.forEach((c, i) => { want[i % lw.size] += c; spikes += c; });
    expect(lw.addCountsPerNeuron(sums), at(`${lw.id} spikes`)).toBe(spikes);
    expect(Array.from(sums), at(`${lw.id} counts per neuron`)).toEqual(Array.from(want));
    expect(Array.from(lw.firstSpike), at(`${lw.id} firstSpike`)).toEqual(Array.from(lj.firstSpike));
    expect(lw.synapticEvents, at(`${lw.id} synapticEvents`)).toBe(lj.synapticEvents);
    expect(lw.inputMacsPerStep, at(`${lw.id} inputMacsPerStep`)).toBe(lj.inputMacsPerStep);
  });
  expect(Array.from(w.output.counts), at("output counts")).toEqual(Array.from(j.output.counts));
  expect(bits(w.output.membrane), at("output membrane bits")).toEqual(bits(j.output.membrane));
}

describe("WASM and TypeScript reference back ends agree bit for bit on random graphs", () => {
  for (const coding of ["current", "poisson"] as const) {
    it.each(SEEDS)(`${coding} coding, random graph seed %i, 30 steps`, async (seed) => {
      const [w, j] = await runBoth(seed, coding);
      expectIdentical(seed, w, j);
    });
  }

  it("regular coding on the first 16 seeds agrees as well", async () => {
    for (const seed of SEEDS.slice(0, 16)) {
      const [w, j] = await runBoth(seed, "regular");
      expectIdentical(seed, w, j);
    }
  });

  it("the random graphs are active enough for the comparison to mean something", async () => {
    // Most graphs must spike in a hidden layer and in the output, and include conv, pool and add layers.
    let hidden = 0, output = 0;
    const kinds = new Set<string>();
    for (const seed of SEEDS) {
      const [w] = await runBoth(seed, "current");
      w.layers.forEach((l) => kinds.add(l.kind));
      if (w.layers.slice(0, -1).some((l) => l.spikeCounts.some((c) => c > 0))) hidden++;
      if (w.layers[w.layers.length - 1].spikeCounts.some((c) => c > 0)) output++;
    }
    expect(hidden).toBeGreaterThan(SEEDS.length * 0.75);
    expect(output).toBeGreaterThan(SEEDS.length * 0.75);
    expect([...kinds].sort()).toEqual(["add", "conv2d", "dense", "pool"]);
  });
});

describe("WASM and TypeScript reference back ends agree bit for bit on random graphs with max pools", () => {
  const MAX_SEEDS = SEEDS.slice(0, 40);
  for (const coding of ["current", "poisson", "regular"] as const) {
    it(`${coding} coding, random graphs with max pools (some on the input), seeds 1..40, 30 steps`, async () => {
      let gated = 0, onInput = 0;
      for (const seed of MAX_SEEDS) {
        const [w, j] = await runBoth(seed, coding, { maxPool: true });
        expectIdentical(seed, w, j);
        const pools = w.layers.filter((l) => l.kind === "pool");
        if (pools.some((l) => l.synapticEvents > 0)) gated++;
        if (pools.some((l) => l.id === "inpool")) onInput++;
      }
      // the comparison means something: max pools pass spikes in most graphs, and some read the input
      expect(gated).toBeGreaterThan(20);
      expect(onInput).toBeGreaterThan(8);
    });
  }
});

describe("WASM and TypeScript reference back ends agree bit for bit on hand-built graphs with concat", () => {
  /** Non-dyadic weights in [-0.9, 1.1) · 0.8, so that summation order matters. */
  const nd = (r: Rng, n: number) => Float32Array.from({ length: n }, () => (r.uniform() * 2 - 0.9) * 0.8);
  for (const [name, graph, n] of concatGraphs(new Rng(31), nd))
    for (const coding of ["current", "poisson", "regular"] as const)
      it(`${name} (${coding} coding, batch 3)`, async () => {
        const x = randomInputs(11, 3, n);
        const opts = { steps: STEPS, coding, seed: 5, rate: 0.8 };
        const [w, j] = await Promise.all([
          Simulator.create(graph, { batch: 3, backend: "wasm" }),
          Simulator.create(graph, { batch: 3, backend: "js" }),
        ]);
        const rw = w.run(x, opts), rj = j.run(x, opts);
        expectIdentical(0, rw, rj);
        // the comparison means something: every concat population receives and emits spikes
        for (const l of rw.layers.filter((l) => l.kind === "concat")) {
          expect(l.synapticEvents + l.inputMacsPerStep, `${l.id} receives input`).toBeGreaterThan(0);
          expect(l.spikeCounts.some((c) => c > 0), `${l.id} spikes`).toBe(true);
        }
      });
});
