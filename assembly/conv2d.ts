// 2-D convolution, event-driven scatter (the transpose of the usual gather).
//
// A spike (or a non-zero analog value a) at input position (y, x, c) adds a × its kernel slice into
// every output position whose receptive field covers it:
//   for ky < KH, kx < KW with  y + padT - ky*dh = oy*sh,  x + padL - kx*dw = ox*sw,  0 <= oy < outH, 0 <= ox < outW:
//     acc[b, oy, ox, g*CoutG + o] += a * Wt[c, ky, kx, o]     for o < CoutG,   g = c / CinG
// which is exactly  out[oc, oy, ox] = sum_{cl, ky, kx} W[oc, cl, ky, kx] * in[g*CinG + cl, oy*sh - padT + ky*dh, ox*sw - padL + kx*dw]
// (ONNX Conv, cross-correlation, zero padding, groups incl. depthwise, dilation).
//
// Layouts (host-permuted once when the graph is built, see src/sim/plan.ts):
//   input positions and acc are channels-last per sample: [B][H][W][C], so the inner loop over the
//   output channels of a group is one contiguous row for both the weights and the accumulator;
//   Wt is f32[Cin][KH][KW][CoutG] (ONNX W is [Cout][CinG][KH][KW]).

import { addRow, addRowScaled } from "./rows";

// @ts-ignore: decorator
@inline function scatter(
  y: i32, x: i32, c: i32, a: f32, scaled: bool, w: usize, dst: usize,
  outH: i32, outW: i32, outC: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  padT: i32, padL: i32, dh: i32, dw: i32, cinG: i32, coutG: i32
): i32 {
  const g = c / cinG;
  const wc = w + <usize>(c * kh * kw * coutG) * 4;
  const chanOff = g * coutG;
  let rows = 0;
  for (let ky = 0; ky < kh; ky++) {
    const ty = y + padT - ky * dh;
    if (ty < 0) break;
    if (ty % sh != 0) continue;
    const oy = ty / sh;
    if (oy >= outH) continue;
    for (let kx = 0; kx < kw; kx++) {
      const tx = x + padL - kx * dw;
      if (tx < 0) break;
      if (tx % sw != 0) continue;
      const ox = tx / sw;
      if (ox >= outW) continue;
      const row = wc + <usize>((ky * kw + kx) * coutG) * 4;
      const d = dst + <usize>((oy * outW + ox) * outC + chanOff) * 4;
      if (scaled) addRowScaled(d, row, a, coutG);
      else addRow(d, row, coutG);
      rows++;
    }
  }
  return rows;
}

/**
 * Scatters every spike (list + per-sample counts, channels-last indices) through the kernel.
 * @returns the number of synaptic events (weight additions) performed.
 */
export function conv2dSpikes(
  spikes: usize, counts: usize, batch: i32, inH: i32, inW: i32, inC: i32, w: usize,
  outH: i32, outW: i32, outC: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  padT: i32, padL: i32, dh: i32, dw: i32, groups: i32, acc: usize
): f64 {
  const cinG = inC / groups;
  const coutG = outC / groups;
  let rows: i64 = 0;
  const rowIn = inW * inC;
  const outBytes = <usize>(outH * outW * outC) << 2;
  let p = spikes;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const cnt = load<i32>(counts + (b << 2));
    const dst = acc + b * outBytes;
    for (let k = 0; k < cnt; k++) {
      const j = load<i32>(p);
      p += 4;
      const y = j / rowIn;
      const r = j - y * rowIn;
      const x = r / inC;
      rows += scatter(y, x, r - x * inC, 1, false, w, dst, outH, outW, outC, kh, kw, sh, sw, padT, padL, dh, dw, cinG, coutG);
    }
  }
  return <f64>(rows * <i64>coutG);
}

/** Scatters every non-zero analog input value a (x is f32[B][inH][inW][inC]) as a × kernel; returns the MACs. */
export function conv2dValues(
  xs: usize, batch: i32, inH: i32, inW: i32, inC: i32, w: usize,
  outH: i32, outW: i32, outC: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  padT: i32, padL: i32, dh: i32, dw: i32, groups: i32, acc: usize
): f64 {
  const cinG = inC / groups;
  const coutG = outC / groups;
  let rows: i64 = 0;
  const inBytes = <usize>(inH * inW * inC) << 2;
  const outBytes = <usize>(outH * outW * outC) << 2;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const src = xs + b * inBytes;
    const dst = acc + b * outBytes;
    let q: usize = 0;
    for (let y = 0; y < inH; y++) {
      for (let x = 0; x < inW; x++) {
        for (let c = 0; c < inC; c++) {
          const a = load<f32>(src + (q << 2));
          q++;
          if (a != 0) rows += scatter(y, x, c, a, true, w, dst, outH, outW, outC, kh, kw, sh, sw, padT, padL, dh, dw, cinG, coutG);
        }
      }
    }
  }
  return <f64>(rows * <i64>coutG);
}
