// 2-D convolution, event-driven scatter (the transpose of the usual gather).
//
// A spike (or a non-zero analog value a) at input position (y, x, c) adds a × its kernel slice into
// every output position whose receptive field covers it:
//   for ky < KH, kx < KW with  y + padT - ky*dh = oy*sh,  x + padL - kx*dw = ox*sw,  0 <= oy < outH, 0 <= ox < outW:
//     acc[b, oy, ox, g*CoutG + o] += a * Wt[c, ky, kx, o]     for o < CoutG,   g = c / CinG
// which is exactly  out[oc, oy, ox] = sum_{cl, ky, kx} W[oc, cl, ky, kx] * in[g*CinG + cl, oy*sh - padT + ky*dh, ox*sw - padL + kx*dw]
// (ONNX Conv, cross-correlation, zero padding, groups incl. depthwise, dilation).
//
// The index arithmetic (which (ky, oy) pairs an input row y feeds) is derived once by the host into
// tap tables, so the per-spike loop has no division and no bounds test:
//   tapsY: i32[inH][1 + 2*KH], row y = [count, ky0, oy0, ky1, oy1, ...]   (likewise tapsX: i32[inW][1 + 2*KW])
//
// Layouts (host-permuted once when the graph is built, see src/sim/plan.ts):
//   input positions and acc are channels-last per sample: [B][H][W][C], so the inner loop over the
//   output channels of a group is one contiguous row for both the weights and the accumulator;
//   Wt is f32[Cin][KH][KW][CoutG] (ONNX W is [Cout][CinG][KH][KW]).

import { ROW_ADD, ROW_SCALED, addRowGroup, addRowOp } from "./rows";

// ROW (rows.ts addRowOp) and wrapBits are constants at every call site: each specialisation is branch-free.
// GROUP (a constant too, 1, 2 or 4): that many spikes at this position, the others' weights o2, o3, o4 bytes
// after the first's; each row then gets ((acc + w1) + w2) … in one pass, the additions of the scatters in order.
// @ts-ignore: decorator
@inline export function scatter(
  y: i32, x: i32, c: i32, a: f32, ROW: i32, wrapBits: i32, w: usize, dst: usize,
  outW: i32, outC: i32, kh: i32, kw: i32, tapsY: usize, tapsX: usize, cinG: i32, coutG: i32,
  GROUP: i32 = 1, o2: usize = 0, o3: usize = 0, o4: usize = 0
): i32 {
  const g = c / cinG;
  const wc = w + <usize>(c * kh * kw * coutG) * 4;
  const chanOff = g * coutG;
  const ty = tapsY + <usize>(y * (1 + 2 * kh)) * 4;
  const tx = tapsX + <usize>(x * (1 + 2 * kw)) * 4;
  const ny = load<i32>(ty), nx = load<i32>(tx);
  if (nx == 0) return 0;
  // stride 1, dilation 1 (the usual case): the x taps are consecutive kx with consecutive, decreasing ox, so
  // each row's weights and accumulator follow by arithmetic, not from the tap table
  const kx0 = load<i32>(tx + 4), ox0 = load<i32>(tx + 8);
  const kxL = load<i32>(tx + <usize>(2 * nx - 1) * 4), oxL = load<i32>(tx + <usize>(2 * nx) * 4);
  if (kxL - kx0 == nx - 1 && ox0 - oxL == nx - 1) {
    const wStep = <usize>coutG << 2, dStep = <usize>outC << 2;
    for (let i = 0; i < ny; i++) {
      const ky = load<i32>(ty + <usize>(1 + 2 * i) * 4);
      const oy = load<i32>(ty + <usize>(2 + 2 * i) * 4);
      let row = wc + <usize>((ky * kw + kx0) * coutG) * 4;
      let d = dst + <usize>((oy * outW + ox0) * outC + chanOff) * 4;
      for (let k = 0; k < nx; k++) {
        addRowGroup(ROW, wrapBits, GROUP, d, row, row + o2, row + o3, row + o4, a, coutG);
        row += wStep;
        d -= dStep;
      }
    }
    return ny * nx;
  }
  for (let i = 0; i < ny; i++) {
    const ky = load<i32>(ty + <usize>(1 + 2 * i) * 4);
    const oy = load<i32>(ty + <usize>(2 + 2 * i) * 4);
    for (let k = 0; k < nx; k++) {
      const kx = load<i32>(tx + <usize>(1 + 2 * k) * 4);
      const ox = load<i32>(tx + <usize>(2 + 2 * k) * 4);
      const row = wc + <usize>((ky * kw + kx) * coutG) * 4;
      const d = dst + <usize>((oy * outW + ox) * outC + chanOff) * 4;
      addRowGroup(ROW, wrapBits, GROUP, d, row, row + o2, row + o3, row + o4, a, coutG);
    }
  }
  return ny * nx;
}

/**
 * Scatters every spike (list + per-sample counts, channels-last indices) through the kernel with row
 * operation ROW_ADD (conv2dSpikes) or ROW_WRAP (loihiConv2dSpikes: i32 weights and accumulator).
 * @returns the number of synaptic events (weight additions) performed.
 */
// @ts-ignore: decorator
@inline export function scatterSpikes(
  ROW: i32, wrapBits: i32, spikes: usize, counts: usize, batch: i32, inH: i32, inW: i32, inC: i32, w: usize,
  outH: i32, outW: i32, outC: i32, kh: i32, kw: i32, groups: i32, tapsY: usize, tapsX: usize, acc: usize
): f64 {
  const cinG = inC / groups;
  const coutG = outC / groups;
  let rows: i64 = 0;
  const outBytes = <usize>(outH * outW * outC) << 2;
  const pow2 = (inC & (inC - 1)) == 0, cShift = ctz(inC);
  let p = spikes;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const cnt = load<i32>(counts + (b << 2));
    const dst = acc + b * outBytes;
    for (let k = 0; k < cnt; k++) {
      const j = load<i32>(p);
      p += 4;
      const pos = pow2 ? j >> cShift : j / inC; // y·inW + x: a shift for a power-of-two channel count
      const y = pos / inW;
      rows += scatter(y, pos - y * inW, j - pos * inC, 1, ROW, wrapBits, w, dst, outW, outC, kh, kw, tapsY, tapsX, cinG, coutG);
    }
  }
  return <f64>(rows * <i64>coutG);
}

/** Whether the spike q places after p in the list is at the input position whose first index is base. */
// @ts-ignore: decorator
@inline function samePos(p: usize, q: i32, base: i32, inC: i32): bool {
  return <u32>(load<i32>(p + (<usize>q << 2)) - base) < <u32>inC;
}

/**
 * Scatters every spike (list + per-sample counts, channels-last indices) through the kernel.
 * @returns the number of synaptic events (weight additions) performed.
 */
export function conv2dSpikes(
  spikes: usize, counts: usize, batch: i32, inH: i32, inW: i32, inC: i32, w: usize,
  outH: i32, outW: i32, outC: i32, kh: i32, kw: i32, groups: i32, tapsY: usize, tapsX: usize, acc: usize
): f64 {
  if (groups != 1) return scatterSpikes(ROW_ADD, 0, spikes, counts, batch, inH, inW, inC, w, outH, outW, outC, kh, kw, groups, tapsY, tapsX, acc);
  return scatterSpikesGrouped(ROW_ADD, spikes, counts, batch, inW, inC, w, outH, outW, outC, kh, kw, tapsY, tapsX, acc);
}

/**
 * scatterSpikes for one group (ROW_ADD: f32, conv2dSpikes; ROW_INT: i32 modulo 2^32, loihiConv2dSum):
 * consecutive spikes at one input position share every tap and go through together, four or two at a time
 * (a spike list is ascending per sample, so they are neighbours in it; the test below is exact anyway).
 * Each accumulator element gets ((acc + w1) + w2)…, the spikes' order. @returns the synaptic events.
 */
// @ts-ignore: decorator
@inline export function scatterSpikesGrouped(
  ROW: i32, spikes: usize, counts: usize, batch: i32, inW: i32, inC: i32, w: usize,
  outH: i32, outW: i32, outC: i32, kh: i32, kw: i32, tapsY: usize, tapsX: usize, acc: usize
): f64 {
  let rows: i64 = 0;
  const outBytes = <usize>(outH * outW * outC) << 2;
  const pow2 = (inC & (inC - 1)) == 0, cShift = ctz(inC);
  const cBytes = <usize>(kh * kw * outC) << 2; // one input channel's weights
  let p = spikes;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const cnt = load<i32>(counts + (b << 2));
    const dst = acc + b * outBytes;
    let k = 0;
    while (k < cnt) {
      const j = load<i32>(p);
      const pos = pow2 ? j >> cShift : j / inC; // y·inW + x
      const y = pos / inW, x = pos - y * inW, c = j - pos * inC;
      const base = pos * inC;
      if (k + 3 < cnt && samePos(p, 1, base, inC) && samePos(p, 2, base, inC) && samePos(p, 3, base, inC)) {
        rows += 4 * scatter(y, x, c, 1, ROW, 0, w, dst, outW, outC, kh, kw, tapsY, tapsX, inC, outC, 4,
          <usize>(load<i32>(p, 4) - j) * cBytes, <usize>(load<i32>(p, 8) - j) * cBytes, <usize>(load<i32>(p, 12) - j) * cBytes);
        p += 16;
        k += 4;
        continue;
      }
      if (k + 1 < cnt && samePos(p, 1, base, inC)) {
        rows += 2 * scatter(y, x, c, 1, ROW, 0, w, dst, outW, outC, kh, kw, tapsY, tapsX, inC, outC, 2, <usize>(load<i32>(p, 4) - j) * cBytes);
        p += 8;
        k += 2;
        continue;
      }
      rows += scatter(y, x, c, 1, ROW, 0, w, dst, outW, outC, kh, kw, tapsY, tapsX, inC, outC);
      p += 4;
      k++;
    }
  }
  return <f64>(rows * <i64>outC);
}

/** Scatters every non-zero analog input value a (x is f32[B][inH][inW][inC]) as a × kernel; returns the MACs. */
export function conv2dValues(
  xs: usize, batch: i32, inH: i32, inW: i32, inC: i32, w: usize,
  outH: i32, outW: i32, outC: i32, kh: i32, kw: i32, groups: i32, tapsY: usize, tapsX: usize, acc: usize
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
          if (a != 0) rows += scatter(y, x, c, a, ROW_SCALED, 0, w, dst, outW, outC, kh, kw, tapsY, tapsX, cinG, coutG);
        }
      }
    }
  }
  return <f64>(rows * <i64>coutG);
}
