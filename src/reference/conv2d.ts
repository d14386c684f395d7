/** TypeScript reference of assembly/conv2d.ts (same names, arguments, layouts and summation order). */
import { type Heap, f32 } from "./heap.js";

/** Geometry arguments shared by conv2dSpikes and conv2dValues, in the kernels' argument order. */
interface Geo {
  outH: number; outW: number; outC: number; kh: number; kw: number; sh: number; sw: number;
  padT: number; padL: number; dh: number; dw: number; cinG: number; coutG: number;
}

function scatter(F: Float32Array, y: number, x: number, c: number, a: number, scaled: boolean, w: number, dst: number, g: Geo): number {
  const grp = Math.floor(c / g.cinG);
  const wc = (w >> 2) + c * g.kh * g.kw * g.coutG;
  const chanOff = grp * g.coutG;
  let rows = 0;
  for (let ky = 0; ky < g.kh; ky++) {
    const ty = y + g.padT - ky * g.dh;
    if (ty < 0) break;
    if (ty % g.sh !== 0) continue;
    const oy = ty / g.sh;
    if (oy >= g.outH) continue;
    for (let kx = 0; kx < g.kw; kx++) {
      const tx = x + g.padL - kx * g.dw;
      if (tx < 0) break;
      if (tx % g.sw !== 0) continue;
      const ox = tx / g.sw;
      if (ox >= g.outW) continue;
      const r = wc + (ky * g.kw + kx) * g.coutG;
      const d = dst + (oy * g.outW + ox) * g.outC + chanOff;
      if (scaled) for (let o = 0; o < g.coutG; o++) F[d + o] += f32(a * F[r + o]);
      else for (let o = 0; o < g.coutG; o++) F[d + o] += F[r + o];
      rows++;
    }
  }
  return rows;
}

/** Event-driven convolution of a spike list; returns the events. */
export function conv2dSpikes(
  h: Heap, spikes: number, counts: number, batch: number, inH: number, inW: number, inC: number, w: number,
  outH: number, outW: number, outC: number, kh: number, kw: number, sh: number, sw: number,
  padT: number, padL: number, dh: number, dw: number, groups: number, acc: number,
): number {
  const F = h.f32, I = h.i32;
  const g: Geo = { outH, outW, outC, kh, kw, sh, sw, padT, padL, dh, dw, cinG: inC / groups, coutG: outC / groups };
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
      rows += scatter(F, y, x, r - x * inC, 1, false, w, dst, g);
    }
  }
  return rows * g.coutG;
}

/** Convolution of analog inputs (channels-last), zero inputs skipped; returns the MACs. */
export function conv2dValues(
  h: Heap, xs: number, batch: number, inH: number, inW: number, inC: number, w: number,
  outH: number, outW: number, outC: number, kh: number, kw: number, sh: number, sw: number,
  padT: number, padL: number, dh: number, dw: number, groups: number, acc: number,
): number {
  const F = h.f32;
  let rows = 0;
  const g: Geo = { outH, outW, outC, kh, kw, sh, sw, padT, padL, dh, dw, cinG: inC / groups, coutG: outC / groups };
  for (let b = 0; b < batch; b++) {
    const src = (xs >> 2) + b * inH * inW * inC;
    const dst = (acc >> 2) + b * outH * outW * outC;
    let q = 0;
    for (let y = 0; y < inH; y++)
      for (let x = 0; x < inW; x++)
        for (let c = 0; c < inC; c++) {
          const a = F[src + q++];
          if (a !== 0) rows += scatter(F, y, x, c, a, true, w, dst, g);
        }
  }
  return rows * g.coutG;
}
