/**
 * TypeScript reference of assembly/neuron.ts (same name, same arguments, same equations; see that
 * file's header). Every arithmetic operation is rounded to float32 with Math.fround in the same order
 * as the WASM kernel, so both give bit-identical membranes and spike lists.
 */
import { type Heap, f32 } from "./heap.js";

/** Reset by subtracting the threshold. */
export const RESET_SUBTRACT = 0;
/** Reset to vReset. */
export const RESET_TO_VALUE = 1;

/** One step of B×n IF/LIF neurons; returns the number of spikes written at `spikes`. */
export function neuronStep(
  h: Heap, v: number, acc: number, syn: number, bias: number, ref: number,
  spikes: number, counts: number, total: number, first: number,
  batch: number, n: number, leak: number, threshold: number, resetMode: number, vReset: number,
  refractory: number, synDecay: number, step: number, spiking: number, keepAcc: number,
): number {
  const F = h.f32;
  const I = h.i32;
  const vi = v >> 2, ai = acc >> 2, si = syn >> 2, bi = bias >> 2, ri = ref >> 2;
  const ti = total >> 2, fi = first >> 2, ci = counts >> 2;
  leak = f32(leak); threshold = f32(threshold); vReset = f32(vReset); synDecay = f32(synDecay);
  let out = spikes >> 2;
  let written = 0;
  for (let b = 0; b < batch; b++) {
    I[ci + b] = 0;
    for (let j = 0; j < n; j++) {
      const i = b * n + j;
      let x = F[ai + i];
      if (keepAcc === 0) F[ai + i] = 0;
      if (syn !== 0) {
        x = f32(f32(synDecay * F[si + i]) + x);
        F[si + i] = x;
      }
      if (bias !== 0) x = f32(x + F[bi + j]);
      if (refractory > 0 && I[ri + i] > 0) {
        I[ri + i]--;
        continue;
      }
      let u = f32(f32(leak * F[vi + i]) + x);
      if (spiking !== 0 && u >= threshold) {
        u = resetMode === RESET_SUBTRACT ? f32(u - threshold) : vReset;
        if (refractory > 0) I[ri + i] = refractory;
        I[out++] = j;
        I[ci + b]++;
        I[ti + i]++;
        if (first !== 0 && I[fi + i] < 0) I[fi + i] = step;
        written++;
      }
      F[vi + i] = u;
    }
  }
  return written;
}
