/**
 * Simulator.run({recordSpikes: true}): the per-step spike lists of every population, in [C, H, W]
 * order, agree with a closed-form answer and with the run's other records; without the option the
 * result is unchanged and has no spike trains.
 */
import { describe, expect, it } from "vitest";
import { type SnnGraph, shapeSize } from "../../src/ir/graph.js";
import { type SimResult, type SpikeTrain, Simulator } from "../../src/sim/simulator.js";
import { BACKENDS } from "../helpers/sim.js";
import { randomGraph, randomInputs } from "../helpers/random-graph.js";

/** Spike indices of sample b at step t (1-based). */
function slice(tr: SpikeTrain, t: number, b: number, B: number): number[] {
  const i = (t - 1) * B + b;
  return Array.from(tr.indices.subarray(tr.offsets[i], tr.offsets[i + 1]));
}

/** input [1, 2, 2] -> 1×1 conv, 2 channels (weights 1 and 0.5), IF threshold 1: channel 0 fires every step, channel 1 every other step. */
function twoChannels(): SnnGraph {
  return {
    nodes: [
      { kind: "input", id: "in", shape: [1, 2, 2] },
      { kind: "conv2d", id: "c", input: "in", outChannels: 2, kernel: [1, 1], weights: Float32Array.of(1, 0.5), neuron: { model: "if", threshold: 1 } },
    ],
  };
}

/** Everything a run returned except spike trains, as plain values. */
function plain(r: SimResult) {
  return JSON.stringify({ ...r, layers: r.layers.map(({ spikeTrain: _, ...l }) => ({ ...l, spikesPerStep: Array.from(l.spikesPerStep), spikeCounts: Array.from(l.spikeCounts), firstSpike: Array.from(l.firstSpike) })),
    output: { ...r.output, counts: Array.from(r.output.counts), membrane: Array.from(r.output.membrane) }, inputSpikesPerStep: Array.from(r.inputSpikesPerStep) });
}

for (const backend of BACKENDS) {
  describe(`Simulator recordSpikes (${backend} backend)`, () => {
    it("a 1x1 conv under constant current: channel 0 spikes at CHW 0 and 3 every step, channel 1 at 4 and 7 on even steps", async () => {
      const sim = await Simulator.create(twoChannels(), { batch: 2, backend });
      // sample 0: pixels (0,0) and (1,1) on; sample 1: pixel (0,1) on
      const r = sim.run(Float32Array.of(1, 0, 0, 1, 0, 1, 0, 0), { steps: 6, recordSpikes: true });
      const tr = r.layers[0].spikeTrain!;
      expect(tr.offsets).toHaveLength(6 * 2 + 1);
      for (let t = 1; t <= 6; t++) {
        expect(slice(tr, t, 0, 2)).toEqual(t % 2 === 0 ? [0, 3, 4, 7] : [0, 3]);
        expect(slice(tr, t, 1, 2)).toEqual(t % 2 === 0 ? [1, 5] : [1]);
      }
    });

    it("spike trains agree with spikesPerStep, spikeCounts and firstSpike on random graphs, and the rest of the result is unchanged", async () => {
      for (let seed = 1; seed <= 6; seed++) {
        const g = randomGraph(seed), B = 3, T = 15;
        const sim = await Simulator.create(g, { batch: B, backend });
        const x = randomInputs(seed, B, shapeSize((g.nodes[0] as { shape: number[] }).shape));
        const without = sim.run(x, { steps: T, coding: "poisson", seed });
        const withTrains = sim.run(x, { steps: T, coding: "poisson", seed, recordSpikes: true });
        expect(without.layers.every((l) => !("spikeTrain" in l))).toBe(true);
        expect(plain(withTrains)).toBe(plain(without));
        for (const l of withTrains.layers) {
          const tr = l.spikeTrain!;
          const counts = new Int32Array(B * l.size), first = new Int32Array(B * l.size).fill(-1);
          for (let t = 1; t <= T; t++) {
            for (let b = 0; b < B; b++) {
              const s = slice(tr, t, b, B);
              expect(s.length).toBe(l.spikesPerStep[(t - 1) * B + b]);
              expect([...s].sort((p, q) => p - q)).toEqual(s);
              for (const j of s) {
                counts[b * l.size + j]++;
                if (first[b * l.size + j] < 0) first[b * l.size + j] = t;
              }
            }
          }
          expect(counts).toEqual(l.spikeCounts);
          expect(first).toEqual(l.firstSpike);
        }
      }
    });
  });
}
