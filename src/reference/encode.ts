/** TypeScript reference of assembly/encode.ts (same name, arguments and random stream). */
import type { Heap } from "./heap.js";

/** Poisson (Bernoulli per step) coding. */
export const ENCODE_POISSON = 0;
/** Deterministic regular spike trains. */
export const ENCODE_REGULAR = 1;

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** xoshiro128** step on the four u32 words at i32 index r (stored as int32 bit patterns). */
function nextU32(I: Int32Array, r: number): number {
  const s0 = I[r] >>> 0, s1 = I[r + 1] >>> 0, s2 = I[r + 2] >>> 0, s3 = I[r + 3] >>> 0;
  const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
  const t = (s1 << 9) >>> 0;
  const n2 = (s2 ^ s0) >>> 0;
  const n3 = (s3 ^ s1) >>> 0;
  I[r] = s0 ^ n3;
  I[r + 1] = s1 ^ n2;
  I[r + 2] = n2 ^ t;
  I[r + 3] = rotl(n3, 11);
  return result;
}

/** Writes the input spikes of step t (1-based); returns their number. */
export function encodeSpikes(h: Heap, p: number, batch: number, n: number, mode: number, step: number, rng: number, spikes: number, counts: number): number {
  const F = h.f32, I = h.i32;
  let w = 0;
  for (let b = 0; b < batch; b++) {
    const start = w;
    const base = (p >> 2) + b * n;
    for (let j = 0; j < n; j++) {
      const pj = F[base + j];
      if (pj === 0) continue;
      const fire = mode === ENCODE_POISSON
        ? (nextU32(I, (rng >> 2) + 4 * b) >>> 8) / 16777216 < pj
        : Math.floor(step * pj) > Math.floor((step - 1) * pj);
      if (fire) I[(spikes >> 2) + w++] = j;
    }
    I[(counts >> 2) + b] = w - start;
  }
  return w;
}
