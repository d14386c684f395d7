/**
 * Input coding (src/sim/input.ts and the encodeSpikes kernel). Per-input spike trains are observed
 * through a relay layer (identity weights, IF threshold 1), which repeats every input spike in the
 * same step, so its cumulative output counts are the inputs' spike counts.
 */
import { describe, expect, it } from "vitest";
import { toProbabilities } from "../../src/sim/input.js";
import { Simulator } from "../../src/sim/simulator.js";
import { Rng } from "../../src/util/rng.js";
import { BACKENDS, at, relay } from "../helpers/sim.js";

/** The firing probability the simulator derives from an input value: clamp(rate·x, 0, 1) in float32. */
const prob = (x: number, rate: number) => Math.fround(Math.min(1, Math.max(0, Math.fround(x) * rate)));

describe("toProbabilities", () => {
  it("multiplies by the rate and clamps to [0, 1]", () => {
    const v = Float32Array.of(-1, 0, 0.25, 0.5, 2, 10);
    toProbabilities(v, 0.5);
    expect(Array.from(v)).toEqual([0, 0, 0.125, 0.25, 1, 1]);
  });
});

for (const backend of BACKENDS) {
  describe(`input coding (${backend} backend)`, () => {
    const xs = [0, 0.1, 0.25, 0.3, 0.5, 0.7, 0.999, 1, 1.5, -0.5, 1 / 3];

    for (const rate of [1, 0.37]) {
      it(`regular coding, rate ${rate}: input j has fired exactly floor(t·p_j) spikes after every t <= 200`, async () => {
        const sim = await Simulator.create(relay(xs.length), { backend });
        const r = sim.run(xs, { steps: 200, coding: "regular", rate });
        let total = 0;
        for (let t = 1; t <= 200; t++) {
          const counts = Array.from(at(r.output.counts, t - 1, 0, 1, xs.length));
          expect(counts, `t=${t}`).toEqual(xs.map((x) => Math.floor(t * prob(x, rate))));
          total += r.inputSpikesPerStep[t - 1];
          expect(total, `t=${t}`).toBe(counts.reduce((a, c) => a + c, 0));
        }
      });
    }

    it("poisson coding: the same seed gives the same trains (also in a new Simulator), another seed differs", async () => {
      const x = Array.from({ length: 40 }, (_, i) => (i % 8) / 8);
      const a = await Simulator.create(relay(40), { backend });
      const b = await Simulator.create(relay(40), { backend });
      const r1 = a.run(x, { steps: 50, coding: "poisson", seed: 42 });
      const r2 = a.run(x, { steps: 50, coding: "poisson", seed: 42 });
      const r3 = b.run(x, { steps: 50, coding: "poisson", seed: 42 });
      const r4 = a.run(x, { steps: 50, coding: "poisson", seed: 43 });
      expect(Array.from(r2.output.counts)).toEqual(Array.from(r1.output.counts));
      expect(Array.from(r3.output.counts)).toEqual(Array.from(r1.output.counts));
      expect(Array.from(r4.output.counts)).not.toEqual(Array.from(r1.output.counts));
      expect(Array.from(r4.inputSpikesPerStep)).not.toEqual(Array.from(r1.inputSpikesPerStep));
    });

    it("poisson coding draws from the seeded Rng stream: input j spikes when the next uniform() < p_j (p = 0 draws nothing)", async () => {
      const x = [0.3, 0, 0.8, 1];
      const r = (await Simulator.create(relay(4), { backend })).run(x, { steps: 100, coding: "poisson", seed: 9 });
      const rng = new Rng(9);
      const want = [0, 0, 0, 0];
      for (let t = 1; t <= 100; t++) {
        x.forEach((v, j) => { if (v > 0 && rng.uniform() < prob(v, 1)) want[j]++; });
        expect(Array.from(at(r.output.counts, t - 1, 0, 1, 4)), `t=${t}`).toEqual(want);
      }
    });

    it("poisson coding: inputs at probability 1 fire every step, inputs <= 0 never", async () => {
      const r = (await Simulator.create(relay(4), { backend })).run([1, 2, 0, -3], { steps: 300, coding: "poisson", seed: 1 });
      expect(Array.from(r.layers[0].spikeCounts)).toEqual([300, 300, 0, 0]);
    });

    it("poisson mean rate is within 5 sigma of p over 5000 steps", async () => {
      const x = [0.02, 0.1, 0.25, 0.5, 0.9, 0.6];
      const rate = 0.5;
      const T = 5000;
      const sim = await Simulator.create(relay(x.length), { backend });
      for (const seed of [1, 2]) {
        const r = sim.run(x, { steps: T, coding: "poisson", rate, seed, recordOutputPerStep: false });
        x.forEach((v, j) => {
          const p = prob(v, rate);
          const sigma = Math.sqrt(T * p * (1 - p));
          expect(Math.abs(r.layers[0].spikeCounts[j] - T * p), `p=${p}, seed ${seed}`).toBeLessThan(5 * sigma);
        });
      }
    });

    it("poisson spike trains of a batch differ between samples with equal inputs (independent draws)", async () => {
      const x = new Array(20).fill(0.5);
      const r = (await Simulator.create(relay(10), { batch: 2, backend })).run(x, { steps: 30, coding: "poisson", seed: 5 });
      const s0 = Array.from(r.layers[0].spikeCounts.subarray(0, 10)), s1 = Array.from(r.layers[0].spikeCounts.subarray(10));
      expect(s0).not.toEqual(s1);
    });
  });
}
