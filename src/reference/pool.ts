/** TypeScript reference of assembly/pool.ts (same names, arguments, layouts, window tables and summation order). */
import { type Heap, f32 } from "./heap.js";

interface Geo {
  outW: number; C: number; winY: number; winX: number; scale: number; recip: number;
}

function scatter(F: Float32Array, I: Int32Array, y: number, x: number, c: number, a: number, dst: number, g: Geo): number {
  const y0 = I[(g.winY >> 2) + 2 * y], y1 = I[(g.winY >> 2) + 2 * y + 1];
  const x0 = I[(g.winX >> 2) + 2 * x], x1 = I[(g.winX >> 2) + 2 * x + 1];
  if (y1 < y0 || x1 < x0) return 0;
  for (let oy = y0; oy <= y1; oy++)
    for (let ox = x0; ox <= x1; ox++) {
      const pos = oy * g.outW + ox;
      const s = g.recip !== 0 ? F[(g.recip >> 2) + pos] : g.scale;
      F[dst + pos * g.C + c] += f32(a * s);
    }
  return (y1 - y0 + 1) * (x1 - x0 + 1);
}

/** Event-driven pooling of a spike list; returns the events. */
export function poolSpikes(
  h: Heap, spikes: number, counts: number, batch: number, inH: number, inW: number, C: number, outH: number, outW: number,
  winY: number, winX: number, scale: number, recip: number, acc: number,
): number {
  const F = h.f32, I = h.i32;
  const g: Geo = { outW, C, winY, winX, scale: f32(scale), recip };
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
      events += scatter(F, I, y, x, r - x * C, 1, dst, g);
    }
  }
  return events;
}

/** Pooling of analog inputs (channels-last), zero inputs skipped; returns the MACs. */
export function poolValues(
  h: Heap, xs: number, batch: number, inH: number, inW: number, C: number, outH: number, outW: number,
  winY: number, winX: number, scale: number, recip: number, acc: number,
): number {
  const F = h.f32, I = h.i32;
  const g: Geo = { outW, C, winY, winX, scale: f32(scale), recip };
  let events = 0;
  for (let b = 0; b < batch; b++) {
    const src = (xs >> 2) + b * inH * inW * C;
    const dst = (acc >> 2) + b * outH * outW * C;
    let q = 0;
    for (let y = 0; y < inH; y++)
      for (let x = 0; x < inW; x++)
        for (let c = 0; c < C; c++) {
          const a = F[src + q++];
          if (a !== 0) events += scatter(F, I, y, x, c, f32(a), dst, g);
        }
  }
  return events;
}
