/** TypeScript reference of assembly/pool.ts (same names, arguments, layouts, window tables and summation order), max pooling included. */
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

/** Spiking max pooling: a spike passes only when it raises its window's maximum count (see assembly/pool.ts). */
export function maxPoolSpikes(
  h: Heap, spikes: number, counts: number, batch: number, inH: number, inW: number, C: number, outH: number, outW: number,
  winY: number, winX: number, inTotal: number, passes: number, acc: number,
): number {
  const F = h.f32, I = h.i32;
  const rowIn = inW * C;
  let p = spikes >> 2;
  let events = 0;
  for (let b = 0; b < batch; b++) {
    const cnt = I[(counts >> 2) + b];
    const dst = (acc >> 2) + b * outH * outW * C;
    const gate = (passes >> 2) + b * outH * outW * C;
    const tot = (inTotal >> 2) + b * inH * inW * C;
    for (let k = 0; k < cnt; k++) {
      const j = I[p++];
      const y = Math.floor(j / rowIn);
      const r = j - y * rowIn;
      const x = Math.floor(r / C);
      const c = r - x * C;
      const y0 = I[(winY >> 2) + 2 * y], y1 = I[(winY >> 2) + 2 * y + 1];
      const x0 = I[(winX >> 2) + 2 * x], x1 = I[(winX >> 2) + 2 * x + 1];
      const mine = I[tot + j];
      for (let oy = y0; oy <= y1; oy++)
        for (let ox = x0; ox <= x1; ox++) {
          const o = (oy * outW + ox) * C + c;
          if (mine <= I[gate + o]) continue;
          I[gate + o] = mine;
          F[dst + o] = f32(F[dst + o] + 1);
          events++;
        }
    }
  }
  return events;
}

/** Max pooling of analog inputs: acc += the largest non-padding value of each window; returns the comparisons. */
export function maxPoolValues(
  h: Heap, xs: number, batch: number, inH: number, inW: number, C: number, outH: number, outW: number,
  kh: number, kw: number, sh: number, sw: number, padT: number, padL: number, acc: number,
): number {
  const F = h.f32;
  let events = 0;
  for (let b = 0; b < batch; b++) {
    const src = (xs >> 2) + b * inH * inW * C;
    const dst = (acc >> 2) + b * outH * outW * C;
    for (let oy = 0; oy < outH; oy++) {
      const ys = oy * sh - padT;
      const yy0 = Math.max(ys, 0), yy1 = Math.min(ys + kh, inH);
      for (let ox = 0; ox < outW; ox++) {
        const xs0 = ox * sw - padL;
        const xx0 = Math.max(xs0, 0), xx1 = Math.min(xs0 + kw, inW);
        events += (yy1 - yy0) * (xx1 - xx0) * C;
        for (let c = 0; c < C; c++) {
          let m = F[src + (yy0 * inW + xx0) * C + c];
          for (let yy = yy0; yy < yy1; yy++)
            for (let xx = xx0; xx < xx1; xx++) {
              const v = F[src + (yy * inW + xx) * C + c];
              if (v > m) m = v;
            }
          const d = dst + (oy * outW + ox) * C + c;
          F[d] = f32(F[d] + m);
        }
      }
    }
  }
  return events;
}

/** Running spike counts of the network input: total[b, j] += 1 for every spike j of sample b. */
export function countSpikes(h: Heap, spikes: number, counts: number, batch: number, n: number, total: number): void {
  const I = h.i32;
  let p = spikes >> 2;
  for (let b = 0; b < batch; b++) {
    const cnt = I[(counts >> 2) + b];
    const base = (total >> 2) + b * n;
    for (let k = 0; k < cnt; k++) I[base + I[p++]]++;
  }
}
