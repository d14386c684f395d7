/** TypeScript reference of assembly/conv2d.ts (same names, arguments, layouts, tap tables and summation order). */
import { type Heap, f32 } from "./heap.js";

interface Geo {
  outW: number; outC: number; kh: number; kw: number; tapsY: number; tapsX: number; cinG: number; coutG: number;
}

/**
 * Row operation of scatter (assembly/rows.ts addRowOp): f32 dst += row, f32 dst += a * row, or
 * i32 dst = wrap(dst + row, wrapBits) (loihiConv2dSpikes: i32 weights and accumulator), or i32 dst += row
 * modulo 2^32 (loihiConv2dSum).
 */
type RowOp = "add" | "scaled" | "wrap" | "int";

function scatter(
  F: Float32Array, I: Int32Array, y: number, x: number, c: number, a: number, op: RowOp, wrapBits: number, w: number, dst: number, g: Geo,
): number {
  const s = 31 - wrapBits;
  const grp = Math.floor(c / g.cinG);
  const wc = (w >> 2) + c * g.kh * g.kw * g.coutG;
  const chanOff = grp * g.coutG;
  const ty = (g.tapsY >> 2) + y * (1 + 2 * g.kh);
  const tx = (g.tapsX >> 2) + x * (1 + 2 * g.kw);
  const ny = I[ty], nx = I[tx];
  for (let i = 0; i < ny; i++) {
    const ky = I[ty + 1 + 2 * i], oy = I[ty + 2 + 2 * i];
    for (let k = 0; k < nx; k++) {
      const kx = I[tx + 1 + 2 * k], ox = I[tx + 2 + 2 * k];
      const r = wc + (ky * g.kw + kx) * g.coutG;
      const d = dst + (oy * g.outW + ox) * g.outC + chanOff;
      if (op === "scaled") for (let o = 0; o < g.coutG; o++) F[d + o] += f32(a * F[r + o]);
      else if (op === "wrap") for (let o = 0; o < g.coutG; o++) I[d + o] = ((I[d + o] + I[r + o]) << s) >> s;
      else if (op === "int") for (let o = 0; o < g.coutG; o++) I[d + o] = (I[d + o] + I[r + o]) | 0;
      else for (let o = 0; o < g.coutG; o++) F[d + o] += F[r + o];
    }
  }
  return ny * nx;
}

/** Event-driven convolution of a spike list with row operation "add" (conv2dSpikes), "wrap" (loihiConv2dSpikes) or "int" (loihiConv2dSum); returns the events. */
export function scatterSpikes(
  h: Heap, op: "add" | "wrap" | "int", wrapBits: number, spikes: number, counts: number, batch: number, inH: number, inW: number, inC: number, w: number,
  outH: number, outW: number, outC: number, kh: number, kw: number, groups: number, tapsY: number, tapsX: number, acc: number,
): number {
  const F = h.f32, I = h.i32;
  const g: Geo = { outW, outC, kh, kw, tapsY, tapsX, cinG: inC / groups, coutG: outC / groups };
  const rowIn = inW * inC;
  let p = spikes >> 2;
  let rows = 0;
  for (let b = 0; b < batch; b++) {
    const cnt = I[(counts >> 2) + b];
    const dst = (acc >> 2) + b * outH * outW * outC;
    for (let k = 0; k < cnt; k++) {
      const j = I[p++];
      const y = Math.floor(j / rowIn);
      const r = j - y * rowIn;
      const x = Math.floor(r / inC);
      rows += scatter(F, I, y, x, r - x * inC, 1, op, wrapBits, w, dst, g);
    }
  }
  return rows * g.coutG;
}

/** Event-driven convolution of a spike list; returns the events. */
export function conv2dSpikes(
  h: Heap, spikes: number, counts: number, batch: number, inH: number, inW: number, inC: number, w: number,
  outH: number, outW: number, outC: number, kh: number, kw: number, groups: number, tapsY: number, tapsX: number, acc: number,
): number {
  return scatterSpikes(h, "add", 0, spikes, counts, batch, inH, inW, inC, w, outH, outW, outC, kh, kw, groups, tapsY, tapsX, acc);
}

/** Convolution of analog inputs (channels-last), zero inputs skipped; returns the MACs. */
export function conv2dValues(
  h: Heap, xs: number, batch: number, inH: number, inW: number, inC: number, w: number,
  outH: number, outW: number, outC: number, kh: number, kw: number, groups: number, tapsY: number, tapsX: number, acc: number,
): number {
  const F = h.f32, I = h.i32;
  const g: Geo = { outW, outC, kh, kw, tapsY, tapsX, cinG: inC / groups, coutG: outC / groups };
  let rows = 0;
  for (let b = 0; b < batch; b++) {
    const src = (xs >> 2) + b * inH * inW * inC;
    const dst = (acc >> 2) + b * outH * outW * outC;
    let q = 0;
    for (let y = 0; y < inH; y++)
      for (let x = 0; x < inW; x++)
        for (let c = 0; c < inC; c++) {
          const a = F[src + q++];
          if (a !== 0) rows += scatter(F, I, y, x, c, a, "scaled", 0, w, dst, g);
        }
  }
  return rows * g.coutG;
}
