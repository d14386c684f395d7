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

/** Channel concatenation of spikes: acc[b*nOut + floor(j/cIn)*cTot + cOff + j%cIn] += scale per spike j; returns the events. */
export function concatSpikes(
  h: Heap, spikes: number, counts: number, batch: number, nIn: number, cIn: number, cTot: number, cOff: number, nOut: number, scale: number, acc: number,
): number {
  const F = h.f32, I = h.i32;
  let p = spikes >> 2;
  let events = 0;
  scale = f32(scale);
  for (let b = 0; b < batch; b++) {
    const c = I[(counts >> 2) + b];
    const base = (acc >> 2) + b * nOut;
    events += c;
    for (let k = 0; k < c; k++) {
      const j = I[p++];
      const pos = Math.floor(j / cIn);
      F[base + pos * cTot + cOff + (j - pos * cIn)] += scale;
    }
  }
  return events;
}

/** Channel concatenation of analog values: the same mapping, acc += f32(scale * x) for non-zero x; returns the MACs. */
export function concatValues(
  h: Heap, x: number, batch: number, nIn: number, cIn: number, cTot: number, cOff: number, nOut: number, scale: number, acc: number,
): number {
  const F = h.f32;
  let nnz = 0;
  scale = f32(scale);
  for (let b = 0; b < batch; b++) {
    const xs = (x >> 2) + b * nIn;
    const base = (acc >> 2) + b * nOut;
    for (let j = 0; j < nIn; j++) {
      const a = F[xs + j];
      if (a === 0) continue;
      const pos = Math.floor(j / cIn);
      F[base + pos * cTot + cOff + (j - pos * cIn)] += f32(scale * a);
      nnz++;
    }
  }
  return nnz;
}

/** v[b·n + j] = act(f32(acc[b·n + j] + bias[j])) (+ 0 without a bias), act ReLU (t > 0 ? t : 0) when relu, else none. */
export function biasActivate(h: Heap, v: number, acc: number, bias: number, hasBias: number, batch: number, n: number, relu: number): void {
  const F = h.f32;
  for (let b = 0; b < batch; b++) {
    const o = b * n;
    for (let j = 0; j < n; j++) {
      const t = f32(F[(acc >> 2) + o + j] + (hasBias ? F[(bias >> 2) + j] : 0));
      F[(v >> 2) + o + j] = relu ? (t > 0 ? t : 0) : t;
    }
  }
}
