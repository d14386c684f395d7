/** TypeScript reference of assembly/dense.ts (same names, arguments and summation order). */
import { type Heap, f32 } from "./heap.js";

/** acc[b] += W[i] for every spike i of sample b; returns the events. */
export function denseSpikes(h: Heap, spikes: number, counts: number, batch: number, nIn: number, w: number, nOut: number, acc: number): number {
  const F = h.f32, I = h.i32;
  let p = spikes >> 2;
  let total = 0;
  for (let b = 0; b < batch; b++) {
    const c = I[(counts >> 2) + b];
    const d = (acc >> 2) + b * nOut;
    total += c;
    for (let k = 0; k < c; k++) {
      const r = (w >> 2) + I[p++] * nOut;
      for (let o = 0; o < nOut; o++) F[d + o] += F[r + o];
    }
  }
  return total * nOut;
}

/** acc[b] += x[b, i] * W[i] for every non-zero x[b, i]; returns the MACs. */
export function denseValues(h: Heap, x: number, batch: number, nIn: number, w: number, nOut: number, acc: number): number {
  const F = h.f32;
  let nnz = 0;
  for (let b = 0; b < batch; b++) {
    const xs = (x >> 2) + b * nIn;
    const d = (acc >> 2) + b * nOut;
    for (let i = 0; i < nIn; i++) {
      const a = F[xs + i];
      if (a === 0) continue;
      const r = (w >> 2) + i * nOut;
      for (let o = 0; o < nOut; o++) F[d + o] += f32(a * F[r + o]);
      nnz++;
    }
  }
  return nnz * nOut;
}
