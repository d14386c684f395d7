/**
 * Input coding: how real-valued samples drive the first layers.
 *   current  — constant current: the input values themselves are multiplied into the first layers'
 *              weights once per run and that current is added at every step (analog, no input spikes).
 *   poisson  — at every step input i spikes with probability p_i = clamp(rate × x_i, 0, 1), drawn from a
 *              seeded xoshiro128** stream (the same seed gives the same spike trains everywhere).
 *   regular  — deterministic trains at the same rate: input i spikes at step t when
 *              floor(t·p_i) > floor((t−1)·p_i), i.e. it has fired exactly floor(t·p_i) spikes after t steps.
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

/** The four xoshiro128** state words for `seed` (splitmix32 seeding, as Rng). */
export function rngState(seed: number): Uint32Array {
  return new Rng(seed).state();
}
