/**
 * Input coding: how real-valued samples drive the first layers.
 *   current  — constant current: the input values themselves are multiplied into the first layers'
 *              weights once per run and that current is added at every step (analog, no input spikes).
 *   poisson  — at every step input i spikes with probability p_i = clamp(rate × x_i, 0, 1), drawn from a
 *              seeded xoshiro128** stream (the same seed gives the same spike trains everywhere).
 *   regular  — deterministic trains at the same rate: input i spikes at step t when
 *              floor(t·p_i) > floor((t−1)·p_i), i.e. it has fired exactly floor(t·p_i) spikes after t steps.
 * Each sample has its own random stream (seed + b for sample b, or a seed per sample).
 * `rate` is the spike probability per step of an input of value 1 (max frequency × dt, e.g. 100 Hz ×
 * 1 ms = 0.1). Values <= 0 never spike. The per-step generation is the kernel encodeSpikes
 * (assembly/encode.ts); this module prepares its inputs.
 */
import { Rng } from "../util/rng.js";

/** How inputs are presented to the network. */
export type InputCoding = "current" | "poisson" | "regular";

/** Kernel mode numbers of assembly/encode.ts. */
export const ENCODE_MODE = { poisson: 0, regular: 1 } as const;

/** Replaces values (in place, float32) by their firing probabilities clamp(rate × x, 0, 1). */
export function toProbabilities(values: Float32Array, rate: number): void {
  for (let i = 0; i < values.length; i++) values[i] = Math.min(1, Math.max(0, values[i] * rate));
}

/**
 * The xoshiro128** states of a batch, u32[B][4]: sample b's stream is Rng(seeds[b]) (splitmix32
 * seeding), where seeds[b] = seed + b for a single seed, so a sample's spike trains depend only on its
 * seed, never on the other samples of the batch.
 */
export function rngStates(seed: number | ArrayLike<number>, batch: number): Uint32Array {
  const out = new Uint32Array(4 * batch);
  for (let b = 0; b < batch; b++) out.set(new Rng(typeof seed === "number" ? seed + b : seed[b]).state(), 4 * b);
  return out;
}
