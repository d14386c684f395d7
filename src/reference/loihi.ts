/**
 * TypeScript reference of assembly/loihi.ts (same names, arguments and order of operations; see that
 * file's header for the arithmetic and its precision table). Every value stays an exact integer:
 * |x|·r < 2^44 is exact in a double, `| 0` reproduces int32 wrap-around, and wrapSigned sign-extends
 * with the same shifts as the kernel — so both give bit-identical q, u, v, ref and spike lists.
 */
import { scatterSpikes } from "./conv2d.js";
import type { Heap } from "./heap.js";

/** Magnitude bits of the synaptic accumulator q (plus a sign bit). */
export const Q_BITS = 21;
/** Magnitude bits of the compartment current u (plus a sign bit). */
export const U_BITS = 23;
/** Fraction bits of the current and voltage decays (decay registers 0 .. 2^12 - 1). */
export const DECAY_BITS = 12;
/** Threshold exponent: vth = vthMant · 2^VTH_EXP. */
export const VTH_EXP = 6;
/** Magnitude bits of the threshold mantissa (vthMant < 2^17). */
export const VTH_MANT_BITS = 17;
/** Weight exponent offset: an 8-bit weight w contributes w · 2^(WEIGHT_EXP_OFFSET + wExp). */
export const WEIGHT_EXP_OFFSET = 6;
/** Magnitude bits of a weight (plus a sign bit). */
export const WEIGHT_BITS = 8;
/** Bits of the refractory delay register (1 .. 63). */
export const REFRACT_BITS = 6;

/** Sign-extends x from `bits` magnitude bits + sign (the emulator's overflow_signed). */
export function wrapSigned(x: number, bits: number): number {
  const s = 31 - bits;
  return ((x << s) >> s);
}

/** sign(x) · ((|x| · r) >> DECAY_BITS), rounding toward zero (the emulator's decay_int). */
export function decayInt(x: number, r: number): number {
  const m = Math.floor((Math.abs(x) * r) / (1 << DECAY_BITS)) | 0;
  return x < 0 ? -m : m;
}

/** q[b] += w[s] (wrapped to Q_BITS) for every spike s of sample b; returns the synaptic events. */
export function loihiAccumulate(h: Heap, spikes: number, counts: number, batch: number, nSrc: number, w: number, nDst: number, q: number): number {
  const I = h.i32;
  let p = spikes >> 2;
  let total = 0;
  for (let b = 0; b < batch; b++) {
    const c = I[(counts >> 2) + b];
    const d = (q >> 2) + b * nDst;
    total += c;
    for (let k = 0; k < c; k++) {
      const r = (w >> 2) + I[p++] * nDst;
      for (let o = 0; o < nDst; o++) I[d + o] = wrapSigned((I[d + o] + I[r + o]) | 0, Q_BITS);
    }
  }
  return total * nDst;
}

/** Integer twin of conv2dSpikes (assembly/loihi.ts loihiConv2dSpikes): q += kernel slices, wrapped to Q_BITS. */
export function loihiConv2dSpikes(
  h: Heap, spikes: number, counts: number, batch: number, inH: number, inW: number, inC: number, w: number,
  outH: number, outW: number, outC: number, kh: number, kw: number, groups: number, tapsY: number, tapsX: number, q: number,
): number {
  return scatterSpikes(h, "wrap", Q_BITS, spikes, counts, batch, inH, inW, inC, w, outH, outW, outC, kh, kw, groups, tapsY, tapsX, q);
}

/** Integer residual addition (assembly/loihi.ts loihiAddSpikes): q[b][j] += w per spike j, wrapped to Q_BITS. */
export function loihiAddSpikes(h: Heap, spikes: number, counts: number, batch: number, n: number, w: number, q: number): number {
  const I = h.i32;
  let p = spikes >> 2, total = 0;
  for (let b = 0; b < batch; b++) {
    const c = I[(counts >> 2) + b], d = (q >> 2) + b * n;
    total += c;
    for (let k = 0; k < c; k++) {
      const a = d + I[p++];
      I[a] = wrapSigned((I[a] + w) | 0, Q_BITS);
    }
  }
  return total;
}

/** Integer channel concatenation (assembly/loihi.ts loihiConcatSpikes), wrapped to Q_BITS. */
export function loihiConcatSpikes(
  h: Heap, spikes: number, counts: number, batch: number, nIn: number, cIn: number, cTot: number, cOff: number, nOut: number, w: number, q: number,
): number {
  const I = h.i32;
  let p = spikes >> 2, total = 0;
  for (let b = 0; b < batch; b++) {
    const c = I[(counts >> 2) + b], base = (q >> 2) + b * nOut;
    total += c;
    for (let k = 0; k < c; k++) {
      const j = I[p++], pos = Math.floor(j / cIn);
      const a = base + pos * cTot + cOff + (j - pos * cIn);
      I[a] = wrapSigned((I[a] + w) | 0, Q_BITS);
    }
  }
  return total;
}

/** One step of B×n Loihi compartments (keepV ≠ 0: v is not zeroed on a spike); returns the number of spikes written at `spikes`. */
export function loihiStep(
  h: Heap, q: number, u: number, v: number, ref: number,
  decayU: number, decayV: number, bias: number, vth: number, refractDelay: number,
  vmin: number, vmax: number, n: number, batch: number, spikes: number, counts: number, keepV: number,
): number {
  const I = h.i32;
  const qi0 = q >> 2, ui0 = u >> 2, vi0 = v >> 2, ri0 = ref >> 2;
  const du = decayU >> 2, dv = decayV >> 2, bi = bias >> 2, th = vth >> 2, rd = refractDelay >> 2;
  const one = 1 << DECAY_BITS;
  let out = spikes >> 2;
  let written = 0;
  for (let b = 0; b < batch; b++) {
    const start = written;
    for (let j = 0; j < n; j++) {
      const i = b * n + j;
      const qi = wrapSigned(I[qi0 + i], Q_BITS);
      I[qi0 + i] = qi;
      const ui = wrapSigned((decayInt(I[ui0 + i], one - 1 - I[du + j]) + qi) | 0, U_BITS);
      I[ui0 + i] = ui;
      const u2 = wrapSigned((ui + I[bi + j]) | 0, U_BITS);
      let vi = (decayInt(I[vi0 + i], one - I[dv + j]) + u2) | 0;
      vi = vi < vmin ? vmin : vi > vmax ? vmax : vi;
      let r = I[ri0 + i];
      if (r > 0) vi = 0;
      if (vi > I[th + j]) {
        if (keepV === 0) vi = 0;
        r = I[rd + j];
        I[out++] = j;
        written++;
      }
      I[vi0 + i] = vi;
      I[ri0 + i] = r > 0 ? r - 1 : 0;
    }
    I[(counts >> 2) + b] = written - start;
  }
  return written;
}
