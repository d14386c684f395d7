/**
 * TypeScript reference of assembly/loihi-fast.ts (same names, arguments and integer results; see that
 * file's header): the Loihi sum kernels (q += weights modulo 2^32, wrapped once when a step reads q) and
 * loihiStepIF (the IF compartment step that clears q and counts spikes). `| 0` is the i32 wrap-around;
 * Math.floor(j / d) is the kernels' corrected float quotient.
 */
import { scatterSpikes } from "./conv2d.js";
import type { Heap } from "./heap.js";
import { Q_BITS, U_BITS, wrapSigned } from "./loihi.js";

/** q[b] += w[s] modulo 2^32 for every spike s of sample b; returns the synaptic events (spikes × nDst). */
export function loihiAccumulateSum(h: Heap, spikes: number, counts: number, batch: number, nSrc: number, w: number, nDst: number, q: number): number {
  const I = h.i32;
  let p = spikes >> 2, total = 0;
  for (let b = 0; b < batch; b++) {
    const c = I[(counts >> 2) + b], d = (q >> 2) + b * nDst;
    total += c;
    for (let k = 0; k < c; k++) {
      const r = (w >> 2) + I[p++] * nDst;
      for (let o = 0; o < nDst; o++) I[d + o] = (I[d + o] + I[r + o]) | 0;
    }
  }
  return total * nDst;
}

/** loihiConv2dSpikes with q += kernel slices modulo 2^32; returns the events. */
export function loihiConv2dSum(
  h: Heap, spikes: number, counts: number, batch: number, inH: number, inW: number, inC: number, w: number,
  outH: number, outW: number, outC: number, kh: number, kw: number, groups: number, tapsY: number, tapsX: number, q: number,
): number {
  return scatterSpikes(h, "int", 0, spikes, counts, batch, inH, inW, inC, w, outH, outW, outC, kh, kw, groups, tapsY, tapsX, q);
}

/** Depthwise scatter (groups = C, one output channel each, Wt i32[C][KH][KW]) modulo 2^32; returns the events (taps). */
export function loihiDepthwiseSum(
  h: Heap, spikes: number, counts: number, batch: number, inH: number, inW: number, C: number, w: number,
  outH: number, outW: number, kh: number, kw: number, tapsY: number, tapsX: number, q: number,
): number {
  const I = h.i32, rowIn = inW * C;
  let p = spikes >> 2, events = 0;
  for (let b = 0; b < batch; b++) {
    const cnt = I[(counts >> 2) + b], dst = (q >> 2) + b * outH * outW * C;
    for (let k = 0; k < cnt; k++) {
      const j = I[p++];
      const y = Math.floor(j / rowIn), r = j - y * rowIn, x = Math.floor(r / C), c = r - x * C;
      const ty = (tapsY >> 2) + y * (1 + 2 * kh), tx = (tapsX >> 2) + x * (1 + 2 * kw);
      const ny = I[ty], nx = I[tx];
      for (let i = 0; i < ny; i++)
        for (let m = 0; m < nx; m++) {
          const ky = I[ty + 1 + 2 * i], oy = I[ty + 2 + 2 * i], kx = I[tx + 1 + 2 * m], ox = I[tx + 2 + 2 * m];
          const d = dst + (oy * outW + ox) * C + c;
          I[d] = (I[d] + I[(w >> 2) + c * kh * kw + ky * kw + kx]) | 0;
        }
      events += ny * nx;
    }
  }
  return events;
}

/** One step of B×n IF compartments (assembly/loihi-fast.ts loihiStepIF); returns the spikes written at `spikes`. */
export function loihiStepIF(
  h: Heap, q: number, v: number, bias: number, biasStride: number, vth: number, vmin: number, vmax: number,
  n: number, batch: number, spikes: number, counts: number, total: number, keepV: number,
): number {
  const I = h.i32;
  let out = spikes >> 2, written = 0;
  for (let b = 0; b < batch; b++) {
    const start = written;
    for (let j = 0; j < n; j++) {
      const i = b * n + j;
      const qi = wrapSigned(I[(q >> 2) + i], Q_BITS);
      I[(q >> 2) + i] = 0;
      const u2 = wrapSigned((qi + I[(bias >> 2) + b * biasStride + j]) | 0, U_BITS);
      let vi = (I[(v >> 2) + i] + u2) | 0;
      vi = vi < vmin ? vmin : vi > vmax ? vmax : vi;
      if (vi > vth) {
        if (keepV === 0) vi = 0;
        I[(total >> 2) + i] = (I[(total >> 2) + i] + 1) | 0;
        I[out++] = j;
        written++;
      }
      I[(v >> 2) + i] = vi;
    }
    I[(counts >> 2) + b] = written - start;
  }
  return written;
}
