/**
 * Input coding: how real-valued samples drive the first layers.
 *   current  — constant current: the input values themselves are multiplied into the first layers'
 *              weights once per run and that current is added at every step (analog, no input spikes).
 *   poisson  — at every step input i spikes with probability p_i = clamp(rate × x_i, 0, 1), drawn from a
 *              seeded xoshiro128** stream (the same seed gives the same spike trains everywhere).
 *   regular  — deterministic trains at the same rate: input i spikes at step t when
 *              floor(t·p_i) > floor((t−1)·p_i), i.e. it has fired exactly floor(t·p_i) spikes after t steps.
 * `rate` is the spike probability per step of an input of value 1 (max frequency × dt, e.g. 100 Hz ×
 * 1 ms = 0.1). Values <= 0 never spike.
 */
import { Rng } from "../util/rng.js";

/** How inputs are presented to the network. */
export type InputCoding = "current" | "poisson" | "regular";

/** Writes one step of input spikes per call, into a spike list and per-sample counts. */
export class SpikeEncoder {
  private readonly p: Float64Array;
  /** per sample, the indices with p > 0 */
  private readonly active: Int32Array[];
  private readonly rng: Rng;

  /**
   * @param values inputs in memory order, batch × n
   * @param rate spike probability per step for value 1
   */
  constructor(
    values: Float32Array,
    private readonly batch: number,
    private readonly n: number,
    private readonly coding: "poisson" | "regular",
    rate: number,
    seed: number,
  ) {
    this.p = new Float64Array(values.length);
    this.active = [];
    for (let b = 0; b < batch; b++) {
      const idx: number[] = [];
      for (let j = 0; j < n; j++) {
        const p = Math.min(1, Math.max(0, values[b * n + j] * rate));
        this.p[b * n + j] = p;
        if (p > 0) idx.push(j);
      }
      this.active.push(Int32Array.from(idx));
    }
    this.rng = new Rng(seed);
  }

  /**
   * Writes the spikes of step t (1-based) at i32 index `spikes`, per-sample counts at `counts`.
   * @returns the number of input spikes in the batch at this step
   */
  step(I: Int32Array, spikes: number, counts: number, t: number): number {
    let w = spikes;
    for (let b = 0; b < this.batch; b++) {
      const start = w;
      const base = b * this.n;
      for (const j of this.active[b]) {
        const p = this.p[base + j];
        const fire = this.coding === "poisson" ? this.rng.uniform() < p : Math.floor(t * p) > Math.floor((t - 1) * p);
        if (fire) I[w++] = j;
      }
      I[counts + b] = w - start;
    }
    return w - spikes;
  }
}
