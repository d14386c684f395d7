// Faster kernels of the integer Loihi engine (src/loihi/engine.ts), bit-exact with those of loihi.ts.
//
// Sum kernels (loihiAccumulateSum, loihiConv2dSum, loihiDepthwiseSum): the accumulations of
// loihiAccumulate and loihiConv2dSpikes without the Q_BITS wrap per add. q holds the plain i32 sum
// (modulo 2^32) and is wrapped once, when loihiStep or loihiStepIF read it. Both give the same wrapped q:
// wrapSigned(x, Q_BITS) depends only on x modulo 2^(Q_BITS+1), which divides 2^32, so
//   wrap(wrap(a + b) + c) = wrap(a + b + c)   for every i32 a, b, c (adds modulo 2^32).
// Same tap tables, layouts and event counts as conv2d.ts; loihiDepthwiseSum is the scatter of a depthwise
// convolution with one output channel per group (average and sum pooling on Loihi): one weight per tap.
// Spike indices j = (y·inW + x)·C + c are split with a shift when C is a power of two, else with a float
// reciprocal and one integer correction instead of a division (quot: exact for every 0 <= j < 2^31).
//
// loihiStepIF: loihiStep (loihi.ts, header steps 2-9) for a block of IF compartments whose registers make
// most steps void — decayU 4095 (u = q), decayV 0 (v kept), refractDelay 1 and ref 0 on entry (a spike
// sets ref to 1, the step ends with max(ref - 1, 0) = 0, so ref stays 0 and never zeroes v): every layer of
// a converted network on Loihi. Per compartment i = b*n + j:
//   qi = wrap(q[i], Q_BITS);  q[i] = 0 (cleared for the next step's sums; loihiStep stores qi instead)
//   u2 = wrap(qi + bias[b*biasStride + j], U_BITS);  vi = clamp(int32(v[i] + u2), vmin, vmax)
//   spike = vi > vth;  on a spike v[i] = 0 unless keepV, total[i] += 1 (countSpikes fused)
// u is not written (with decayU 4095 loihiStep never reads it back), ref neither (it stays 0). vth is one
// value for the block; biasStride 0 shares bias[0..n) across the batch, n gives each sample its own
// (input mode "bias"). Spike lists in ascending order per sample, counts per sample, as loihiStep.

import { Q_BITS, U_BITS } from "./loihi";
import { scatter, scatterSpikesGrouped } from "./conv2d";
import { spikeRows } from "./dense";
import { ROW_INT } from "./rows";

/** floor(j / d) for 0 <= j < 2^31, d >= 1, inv = 1/d: the f64 quotient is within one of it, corrected once. */
// @ts-ignore: decorator
@inline function quot(j: i32, d: i32, inv: f64): i32 {
  let y = <i32>(<f64>j * inv);
  if (y * d > j) y--;
  else if ((y + 1) * d <= j) y++;
  return y;
}

/** loihiAccumulate without the per-add wrap (header): q[b] += w[s] modulo 2^32. @returns spikes × nDst. */
export function loihiAccumulateSum(spikes: usize, counts: usize, batch: i32, nSrc: i32, w: usize, nDst: i32, q: usize): f64 {
  return spikeRows(ROW_INT, 0, spikes, counts, batch, w, nDst, q);
}

/** loihiConv2dSpikes without the per-add wrap (header): same tap tables, event order and events. */
export function loihiConv2dSum(
  spikes: usize, counts: usize, batch: i32, inH: i32, inW: i32, inC: i32, w: usize,
  outH: i32, outW: i32, outC: i32, kh: i32, kw: i32, groups: i32, tapsY: usize, tapsX: usize, q: usize
): f64 {
  // one group: consecutive spikes at one position go through together (integer sums: any order is exact)
  if (groups == 1) return scatterSpikesGrouped(ROW_INT, spikes, counts, batch, inW, inC, w, outH, outW, outC, kh, kw, tapsY, tapsX, q);
  const cinG = inC / groups, coutG = outC / groups;
  const invW = 1.0 / <f64>inW, invC = 1.0 / <f64>inC;
  const pow2 = (inC & (inC - 1)) == 0, cShift = ctz(inC); // channels a power of two: the channel split is a shift
  const outBytes = <usize>(outH * outW * outC) << 2;
  let rows: i64 = 0;
  let p = spikes;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const cnt = load<i32>(counts + (b << 2));
    const dst = q + b * outBytes;
    for (let k = 0; k < cnt; k++) {
      const j = load<i32>(p);
      p += 4;
      const pos = pow2 ? j >> cShift : quot(j, inC, invC); // input position y·inW + x
      const y = quot(pos, inW, invW);
      rows += scatter(y, pos - y * inW, j - pos * inC, 1, ROW_INT, 0, w, dst, outW, outC, kh, kw, tapsY, tapsX, cinG, coutG);
    }
  }
  return <f64>(rows * <i64>coutG);
}

/**
 * loihiConv2dSum for a depthwise convolution with one output channel per input channel (groups = C,
 * Wt i32[C][KH][KW]): a spike at (y, x, c) adds Wt[c][ky][kx] to q[oy][ox][c] for each of its taps. The
 * spikes at one position (neighbours in the ascending list) share its taps, looked up once for all of them.
 * @returns the synaptic events (taps).
 */
export function loihiDepthwiseSum(
  spikes: usize, counts: usize, batch: i32, inH: i32, inW: i32, C: i32, w: usize,
  outH: i32, outW: i32, kh: i32, kw: i32, tapsY: usize, tapsX: usize, q: usize
): f64 {
  const invW = 1.0 / <f64>inW, invC = 1.0 / <f64>C;
  const pow2 = (C & (C - 1)) == 0, cShift = ctz(C); // channels a power of two: the channel split is a shift
  const outBytes = <usize>(outH * outW * C) << 2;
  const kk = kh * kw;
  let events: i64 = 0;
  let p = spikes;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const cnt = load<i32>(counts + (b << 2));
    const dst = q + b * outBytes;
    let k = 0;
    while (k < cnt) {
      const j = load<i32>(p);
      const pos = pow2 ? j >> cShift : quot(j, C, invC); // input position y·inW + x
      // the spikes at this position (consecutive in the ascending list) share its taps: a run of r spikes
      const base = pos * C;
      let r = 1;
      while (k + r < cnt && <u32>(load<i32>(p + (<usize>r << 2)) - base) < <u32>C) r++;
      const y = quot(pos, inW, invW);
      const x = pos - y * inW;
      const ty = tapsY + <usize>(y * (1 + 2 * kh)) * 4;
      const tx = tapsX + <usize>(x * (1 + 2 * kw)) * 4;
      const ny = load<i32>(ty), nx = load<i32>(tx);
      for (let i = 0; i < ny; i++) {
        const ky = load<i32>(ty + <usize>(1 + 2 * i) * 4);
        const oy = load<i32>(ty + <usize>(2 + 2 * i) * 4);
        for (let m = 0; m < nx; m++) {
          const kx = load<i32>(tx + <usize>(1 + 2 * m) * 4);
          const ox = load<i32>(tx + <usize>(2 + 2 * m) * 4);
          const d0 = dst + (<usize>((oy * outW + ox) * C) << 2), w0 = w + (<usize>(ky * kw + kx) << 2);
          for (let s = 0; s < r; s++) {
            const c = load<i32>(p + (<usize>s << 2)) - base;
            const d = d0 + (<usize>c << 2);
            store<i32>(d, load<i32>(d) + load<i32>(w0 + (<usize>(c * kk) << 2)));
          }
        }
      }
      events += ny * nx * r;
      p += <usize>r << 2;
      k += r;
    }
  }
  return <f64>events;
}

/** Four IF compartments (header): wraps and clears q, writes v; returns the spike lanes (-1). */
// @ts-ignore: decorator
@inline function stepIF4(q: usize, v: usize, bias: usize, sq: i32, su: i32, vMin: v128, vMax: v128, vTh: v128, keep: bool): v128 {
  const qi = i32x4.shr_s(i32x4.shl(v128.load(q), sq), sq);
  v128.store(q, i32x4.splat(0));
  const u2 = i32x4.shr_s(i32x4.shl(i32x4.add(qi, v128.load(bias)), su), su);
  const vi = i32x4.min_s(i32x4.max_s(i32x4.add(v128.load(v), u2), vMin), vMax);
  const fire = i32x4.gt_s(vi, vTh);
  v128.store(v, keep ? vi : v128.andnot(vi, fire));
  return fire;
}

/**
 * One step of B×n IF compartments (header): wraps and clears q, integrates into v, writes the spike list,
 * the per-sample counts and adds the spikes to total (i32[B][n]). @returns the spikes of the batch.
 */
export function loihiStepIF(
  q: usize, v: usize, bias: usize, biasStride: i32, vth: i32, vmin: i32, vmax: i32,
  n: i32, batch: i32, spikes: usize, counts: usize, total: usize, keepV: i32
): i32 {
  let written: i32 = 0;
  const keep = keepV != 0;
  const sq: i32 = 31 - Q_BITS, su: i32 = 31 - U_BITS;
  const vMin = i32x4.splat(vmin), vMax = i32x4.splat(vmax), vTh = i32x4.splat(vth);
  for (let b: usize = 0; b < <usize>batch; b++) {
    const start = written;
    const off = (b * <usize>n) << 2;
    const qb = q + off, vb = v + off, tb = total + off, bb = bias + ((b * <usize>biasStride) << 2);
    let j = 0;
    // 16 compartments per iteration: four i32x4 groups, one branch on their joint spike mask
    for (; j + 16 <= n; j += 16) {
      const o = <usize>j << 2;
      const f0 = stepIF4(qb + o, vb + o, bb + o, sq, su, vMin, vMax, vTh, keep);
      const f1 = stepIF4(qb + o + 16, vb + o + 16, bb + o + 16, sq, su, vMin, vMax, vTh, keep);
      const f2 = stepIF4(qb + o + 32, vb + o + 32, bb + o + 32, sq, su, vMin, vMax, vTh, keep);
      const f3 = stepIF4(qb + o + 48, vb + o + 48, bb + o + 48, sq, su, vMin, vMax, vTh, keep);
      let mask = i32x4.bitmask(f0) | (i32x4.bitmask(f1) << 4) | (i32x4.bitmask(f2) << 8) | (i32x4.bitmask(f3) << 12);
      if (mask != 0) {
        do {
          const jj = j + ctz(mask);
          store<i32>(spikes + (<usize>written << 2), jj);
          const a = tb + (<usize>jj << 2);
          store<i32>(a, load<i32>(a) + 1);
          written++;
          mask &= mask - 1;
        } while (mask != 0);
      }
    }
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      let mask = i32x4.bitmask(stepIF4(qb + o, vb + o, bb + o, sq, su, vMin, vMax, vTh, keep));
      while (mask != 0) {
        const jj = j + ctz(mask);
        store<i32>(spikes + (<usize>written << 2), jj);
        const a = tb + (<usize>jj << 2);
        store<i32>(a, load<i32>(a) + 1);
        written++;
        mask &= mask - 1;
      }
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      const qi = (load<i32>(qb + o) << sq) >> sq;
      store<i32>(qb + o, 0);
      const u2 = ((qi + load<i32>(bb + o)) << su) >> su;
      let vi = load<i32>(vb + o) + u2;
      vi = vi < vmin ? vmin : vi > vmax ? vmax : vi;
      if (vi > vth) {
        store<i32>(vb + o, keep ? vi : 0);
        store<i32>(tb + o, load<i32>(tb + o) + 1);
        store<i32>(spikes + (<usize>written << 2), j);
        written++;
      } else store<i32>(vb + o, vi);
    }
    store<i32>(counts + (b << 2), written - start);
  }
  return written;
}
