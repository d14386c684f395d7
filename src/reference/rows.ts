/** TypeScript reference of assembly/rows.ts (same names and arguments; float32 rounding per operation). */
import { type Heap, f32 } from "./heap.js";

/** dst[k] += src[k], k < len. */
export function addInto(h: Heap, dst: number, src: number, len: number): void {
  const F = h.f32;
  const d = dst >> 2, s = src >> 2;
  for (let k = 0; k < len; k++) F[d + k] += F[s + k];
}

/** dst[k] += a * src[k], k < len. */
export function addScaledInto(h: Heap, dst: number, src: number, a: number, len: number): void {
  const F = h.f32;
  const d = dst >> 2, s = src >> 2;
  a = f32(a);
  for (let k = 0; k < len; k++) F[d + k] += f32(a * F[s + k]);
}

/** Residual Add of spikes: acc[b*n + j] += scale per spike; returns the events. */
export function addSpikes(h: Heap, spikes: number, counts: number, batch: number, n: number, scale: number, acc: number): number {
  const F = h.f32, I = h.i32;
  let p = spikes >> 2;
  let events = 0;
  scale = f32(scale);
  for (let b = 0; b < batch; b++) {
    const c = I[(counts >> 2) + b];
    const base = (acc >> 2) + b * n;
    events += c;
    for (let k = 0; k < c; k++) F[base + I[p++]] += scale;
  }
  return events;
}
