/**
 * TypeScript reference of assembly/masked.ts (same names, arguments, layouts and summation order): the
 * dense paths over a 0/1 spike mask. Every output sums its whole fan-in in ascending input index, a
 * non-spiking input adding +0.0 (the kernel's v128.and of weight and mask), each addition rounded to
 * float32.
 */
import { type Heap, f32 } from "./heap.js";

/** mask[0, B*n) = 0, then -1 at every spike; returns the spikes. */
function buildMask(I: Int32Array, spikes: number, counts: number, batch: number, n: number, mask: number): number {
  const m = mask >> 2;
  I.fill(0, m, m + batch * n);
  let p = spikes >> 2;
  let total = 0;
  for (let b = 0; b < batch; b++) {
    const c = I[(counts >> 2) + b];
    total += c;
    for (let k = 0; k < c; k++) I[m + b * n + I[p++]] = -1;
  }
  return total;
}

/** Dense layer over the spike mask; returns denseSpikes' events (spikes × nOut). */
export function denseSpikesMasked(
  h: Heap, spikes: number, counts: number, batch: number, nIn: number, w: number, nOut: number, acc: number, mask: number,
): number {
  const F = h.f32, I = h.i32;
  const total = buildMask(I, spikes, counts, batch, nIn, mask);
  for (let b = 0; b < batch; b++) {
    const d = (acc >> 2) + b * nOut, m = (mask >> 2) + b * nIn;
    for (let o = 0; o < nOut; o++) {
      let a = F[d + o];
      for (let i = 0; i < nIn; i++) a = f32(a + (I[m + i] !== 0 ? F[(w >> 2) + i * nOut + o] : 0));
      F[d + o] = a;
    }
  }
  return total * nOut;
}

/** Direct convolution over the spike mask; returns conv2dSpikes' events (per spike, its taps × CoutG). */
export function conv2dSpikesMasked(
  h: Heap, spikes: number, counts: number, batch: number, inH: number, inW: number, inC: number, w: number,
  outH: number, outW: number, outC: number, kh: number, kw: number, groups: number, tapsY: number, tapsX: number,
  gatherY: number, gatherX: number, acc: number, mask: number,
): number {
  const F = h.f32, I = h.i32;
  const nIn = inH * inW * inC;
  buildMask(I, spikes, counts, batch, nIn, mask);
  const cinG = inC / groups, coutG = outC / groups;
  const rowIn = inW * inC;
  let rows = 0;
  let p = spikes >> 2;
  for (let b = 0; b < batch; b++) {
    const cnt = I[(counts >> 2) + b];
    for (let k = 0; k < cnt; k++) {
      const j = I[p++];
      const y = Math.floor(j / rowIn);
      const x = Math.floor((j - y * rowIn) / inC);
      rows += I[(tapsY >> 2) + y * (1 + 2 * kh)] * I[(tapsX >> 2) + x * (1 + 2 * kw)];
    }
  }
  for (let b = 0; b < batch; b++) {
    const mb = (mask >> 2) + b * nIn;
    const db = (acc >> 2) + b * outH * outW * outC;
    for (let oy = 0; oy < outH; oy++) {
      const ty = (gatherY >> 2) + oy * (1 + 2 * kh);
      for (let ox = 0; ox < outW; ox++) {
        const tx = (gatherX >> 2) + ox * (1 + 2 * kw);
        for (let g = 0; g < groups; g++) {
          const d = db + (oy * outW + ox) * outC + g * coutG;
          for (let o = 0; o < coutG; o++) {
            let a = F[d + o];
            for (let i = 0; i < I[ty]; i++) {
              const ky = I[ty + 1 + 2 * i], iy = I[ty + 2 + 2 * i];
              for (let k = 0; k < I[tx]; k++) {
                const kx = I[tx + 1 + 2 * k], ix = I[tx + 2 + 2 * k];
                for (let cl = 0; cl < cinG; cl++) {
                  const c = g * cinG + cl;
                  const wv = F[(w >> 2) + ((c * kh + ky) * kw + kx) * coutG + o];
                  a = f32(a + (I[mb + (iy * inW + ix) * inC + c] !== 0 ? wv : 0));
                }
              }
            }
            F[d + o] = a;
          }
        }
      }
    }
  }
  return rows * coutG;
}
