/** TypeScript reference of assembly/pool.ts (same names, arguments, layouts and summation order). */
import { type Heap, f32 } from "./heap.js";

interface Geo {
  outH: number; outW: number; C: number; kh: number; kw: number; sh: number; sw: number;
  padT: number; padL: number; scale: number; recip: number;
}

function windows(p: number, pad: number, k: number, s: number, outN: number): [number, number] {
  const t = p + pad;
  const lo = t - k + 1 <= 0 ? 0 : Math.floor((t - k + 1 + s - 1) / s);
  return [lo, Math.min(Math.floor(t / s), outN - 1)];
}

function scatter(F: Float32Array, y: number, x: number, c: number, a: number, dst: number, g: Geo): number {
  const [y0, y1] = windows(y, g.padT, g.kh, g.sh, g.outH);
  const [x0, x1] = windows(x, g.padL, g.kw, g.sw, g.outW);
  for (let oy = y0; oy <= y1; oy++)
    for (let ox = x0; ox <= x1; ox++) {
      const pos = oy * g.outW + ox;
      const s = g.recip !== 0 ? F[(g.recip >> 2) + pos] : g.scale;
      F[dst + pos * g.C + c] += f32(a * s);
    }
  return Math.max(0, y1 - y0 + 1) * Math.max(0, x1 - x0 + 1);
}

/** Event-driven pooling of a spike list; returns the events. */
export function poolSpikes(
  h: Heap, spikes: number, counts: number, batch: number, inH: number, inW: number, C: number,
  outH: number, outW: number, kh: number, kw: number, sh: number, sw: number, padT: number, padL: number,
  scale: number, recip: number, acc: number,
): number {
  const F = h.f32, I = h.i32;
  const g: Geo = { outH, outW, C, kh, kw, sh, sw, padT, padL, scale: f32(scale), recip };
  const rowIn = inW * C;
  let p = spikes >> 2;
  let events = 0;
  for (let b = 0; b < batch; b++) {
    const cnt = I[(counts >> 2) + b];
    const dst = (acc >> 2) + b * outH * outW * C;
    for (let k = 0; k < cnt; k++) {
      const j = I[p++];
      const y = Math.floor(j / rowIn);
      const r = j - y * rowIn;
      const x = Math.floor(r / C);
      events += scatter(F, y, x, r - x * C, 1, dst, g);
    }
  }
  return events;
}

/** Pooling of analog inputs (channels-last), zero inputs skipped; returns the MACs. */
export function poolValues(
  h: Heap, xs: number, batch: number, inH: number, inW: number, C: number,
  outH: number, outW: number, kh: number, kw: number, sh: number, sw: number, padT: number, padL: number,
  scale: number, recip: number, acc: number,
): number {
  const F = h.f32;
  let events = 0;
  const g: Geo = { outH, outW, C, kh, kw, sh, sw, padT, padL, scale: f32(scale), recip };
  for (let b = 0; b < batch; b++) {
    const src = (xs >> 2) + b * inH * inW * C;
    const dst = (acc >> 2) + b * outH * outW * C;
    let q = 0;
    for (let y = 0; y < inH; y++)
      for (let x = 0; x < inW; x++)
        for (let c = 0; c < C; c++) {
          const a = F[src + q++];
          if (a !== 0) events += scatter(F, y, x, c, f32(a), dst, g);
        }
  }
  return events;
}
