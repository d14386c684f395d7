// Dense synaptic accumulation over a 0/1 spike mask: the alternative to the event-driven scatter of
// dense.ts and conv2d.ts for layers whose inputs spike densely. The simulator picks one of the two per
// layer and step from the spike density (src/sim/accumulate.ts, crossover measured in bench/crossover.ts).
//
//   denseSpikesMasked:  acc[b, o]          += sum over i   of  s[b, i]          * W[i, o]
//   conv2dSpikesMasked: acc[b, oy, ox, o]  += sum over taps of  s[b, iy, ix, c]  * Wt[c, ky, kx, o]
//
// s is the spike map of sample b as an i32 mask (-1 where the neuron spiked, 0 elsewhere), built from
// the spike list in the caller-provided scratch buffer `mask` (i32[B][nIn]); a weight enters the sum as
// v128.and(weight, mask), i.e. the weight itself or +0.0. The accumulator of one output block (16 floats)
// stays in registers over the whole fan-in and is stored once.
//
// Exactness against the scatter (tested, tolerance 0): for every output, the scatter adds the weights
// of the spiking inputs in spike-list order, which is ascending input index (neuronStep and
// encodeSpikes write lists in ascending order). The loops here visit the fan-in of every output in
// ascending input index too (dense: i ascending; conv: ky, kx, c ascending, i.e. ascending (iy, ix, c),
// since iy = oy*sh - padT + ky*dh grows with ky), so the non-zero addends come in the same order. The
// extra addends are +0.0, and x + (+0.0) == x for every float32 x except -0.0; an accumulator is never
// -0.0 (it starts at +0.0, every step ends with neuronStep storing +0.0, and a float32 sum is -0.0 only
// when both operands are -0.0), so every partial sum is the scatter's, bit for bit. The masked-out
// weight is +0.0 whatever the weight (also Inf/NaN), because the mask selects bits, it does not multiply.
//
// Gather tables (host-built, src/sim/plan.ts), the transpose of conv2d.ts's tap tables:
//   gatherY: i32[outH][1 + 2*KH], row oy = [count, ky0, iy0, ky1, iy1, ...] with ky ascending and
//   iy = oy*sh - padT + ky*dh inside [0, inH)  (likewise gatherX: i32[outW][1 + 2*KW]).
// Events returned are the scatter's: spikes × nOut (dense); per spike, its taps × CoutG (conv).

/** Zeroes mask[0, B*n) and sets -1 at every spike; returns the spikes of the batch. */
// @ts-ignore: decorator
@inline function buildMask(spikes: usize, counts: usize, batch: i32, n: i32, mask: usize): i64 {
  memory.fill(mask, 0, <usize>(batch * n) << 2);
  let total: i64 = 0;
  let p = spikes;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const c = load<i32>(counts + (b << 2));
    const base = mask + ((b * <usize>n) << 2);
    total += c;
    for (let k = 0; k < c; k++) {
      store<i32>(base + (<usize>load<i32>(p) << 2), -1);
      p += 4;
    }
  }
  return total;
}

/**
 * acc[b, o0..o0+len) += sum over the fan-in rows r of (W row r & mask r), rows visited in order;
 * `len` <= 16 floats held in registers. Row r: weights at w + r*wStride, mask i32 at m + r*mStride.
 */
// @ts-ignore: decorator
@inline function maskedBlock(d: usize, w: usize, wStride: usize, m: usize, mStride: usize, rows: i32, len: i32): void {
  if (len == 16) {
    let a0 = v128.load(d), a1 = v128.load(d, 16), a2 = v128.load(d, 32), a3 = v128.load(d, 48);
    for (let r = 0; r < rows; r++) {
      const s = i32x4.splat(load<i32>(m));
      a0 = f32x4.add(a0, v128.and(v128.load(w), s));
      a1 = f32x4.add(a1, v128.and(v128.load(w, 16), s));
      a2 = f32x4.add(a2, v128.and(v128.load(w, 32), s));
      a3 = f32x4.add(a3, v128.and(v128.load(w, 48), s));
      w += wStride;
      m += mStride;
    }
    v128.store(d, a0);
    v128.store(d, a1, 16);
    v128.store(d, a2, 32);
    v128.store(d, a3, 48);
  } else if (len == 4) {
    let a0 = v128.load(d);
    for (let r = 0; r < rows; r++) {
      a0 = f32x4.add(a0, v128.and(v128.load(w), i32x4.splat(load<i32>(m))));
      w += wStride;
      m += mStride;
    }
    v128.store(d, a0);
  } else {
    let a = load<f32>(d);
    for (let r = 0; r < rows; r++) {
      a += reinterpret<f32>(load<i32>(w) & load<i32>(m));
      w += wStride;
      m += mStride;
    }
    store<f32>(d, a);
  }
}

/** One output row of `n` floats in blocks of 16, then 4, then 1 (maskedBlock). */
// @ts-ignore: decorator
@inline function maskedRow(d: usize, w: usize, wStride: usize, m: usize, mStride: usize, rows: i32, n: i32): void {
  let o = 0;
  for (; o + 16 <= n; o += 16) maskedBlock(d + (<usize>o << 2), w + (<usize>o << 2), wStride, m, mStride, rows, 16);
  for (; o + 4 <= n; o += 4) maskedBlock(d + (<usize>o << 2), w + (<usize>o << 2), wStride, m, mStride, rows, 4);
  for (; o < n; o++) maskedBlock(d + (<usize>o << 2), w + (<usize>o << 2), wStride, m, mStride, rows, 1);
}

/**
 * One block of `len` (16, 4 or 1) output channels of one output position, accumulated in registers
 * over its whole fan-in in ascending (iy, ix, c): gather rows ty (i32 [count, ky, iy, ...]) and tx,
 * then the group's input channels. w: the weight of (c = first of the group, ky = kx = 0, this block's
 * first channel); m: the mask of (iy = ix = 0, c = first of the group); cStride: weight bytes per channel.
 */
// @ts-ignore: decorator
@inline function convBlock(
  len: i32, d: usize, w: usize, m: usize, ty: usize, tx: usize, inW: i32, inC: i32, kh: i32, kw: i32,
  coutG: i32, cinG: i32, cStride: usize,
): void {
  const ny = load<i32>(ty), nx = load<i32>(tx);
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  let a: f32 = 0;
  if (len == 16) {
    a0 = v128.load(d); a1 = v128.load(d, 16); a2 = v128.load(d, 32); a3 = v128.load(d, 48);
  } else if (len == 4) a0 = v128.load(d);
  else a = load<f32>(d);
  for (let i = 0; i < ny; i++) {
    const ky = load<i32>(ty + <usize>(1 + 2 * i) * 4);
    const iy = load<i32>(ty + <usize>(2 + 2 * i) * 4);
    for (let k = 0; k < nx; k++) {
      const kx = load<i32>(tx + <usize>(1 + 2 * k) * 4);
      const ix = load<i32>(tx + <usize>(2 + 2 * k) * 4);
      let mp = m + (<usize>((iy * inW + ix) * inC) << 2);
      let wp = w + (<usize>((ky * kw + kx) * coutG) << 2);
      for (let cl = 0; cl < cinG; cl++) {
        if (len == 16) {
          const s = i32x4.splat(load<i32>(mp));
          a0 = f32x4.add(a0, v128.and(v128.load(wp), s));
          a1 = f32x4.add(a1, v128.and(v128.load(wp, 16), s));
          a2 = f32x4.add(a2, v128.and(v128.load(wp, 32), s));
          a3 = f32x4.add(a3, v128.and(v128.load(wp, 48), s));
        } else if (len == 4) {
          a0 = f32x4.add(a0, v128.and(v128.load(wp), i32x4.splat(load<i32>(mp))));
        } else {
          a += reinterpret<f32>(load<i32>(wp) & load<i32>(mp));
        }
        mp += 4;
        wp += cStride;
      }
    }
  }
  if (len == 16) {
    v128.store(d, a0);
    v128.store(d, a1, 16);
    v128.store(d, a2, 32);
    v128.store(d, a3, 48);
  } else if (len == 4) v128.store(d, a0);
  else store<f32>(d, a);
}

/**
 * Dense layer over the spike mask (W f32[nIn][nOut], acc f32[B][nOut], mask scratch i32[B][nIn]);
 * returns the events of denseSpikes (spikes × nOut).
 */
export function denseSpikesMasked(
  spikes: usize, counts: usize, batch: i32, nIn: i32, w: usize, nOut: i32, acc: usize, mask: usize,
): f64 {
  const total = buildMask(spikes, counts, batch, nIn, mask);
  const rowBytes = <usize>nOut << 2;
  for (let b: usize = 0; b < <usize>batch; b++) {
    maskedRow(acc + b * rowBytes, w, rowBytes, mask + ((b * <usize>nIn) << 2), 4, nIn, nOut);
  }
  return <f64>(total * <i64>nOut);
}

/**
 * Direct convolution over the spike mask (layouts of conv2d.ts: channels-last input and acc, Wt
 * f32[Cin][KH][KW][CoutG]; mask scratch i32[B][inH][inW][inC]); returns the events of conv2dSpikes.
 */
export function conv2dSpikesMasked(
  spikes: usize, counts: usize, batch: i32, inH: i32, inW: i32, inC: i32, w: usize,
  outH: i32, outW: i32, outC: i32, kh: i32, kw: i32, groups: i32, tapsY: usize, tapsX: usize,
  gatherY: usize, gatherX: usize, acc: usize, mask: usize,
): f64 {
  const nIn = inH * inW * inC;
  buildMask(spikes, counts, batch, nIn, mask);
  const cinG = inC / groups, coutG = outC / groups;
  const cStride = <usize>(kh * kw * coutG) << 2; // weight bytes from channel c to c + 1
  // events as conv2dSpikes counts them: every spike's taps (tap-table counts) × CoutG
  const rowIn = inW * inC;
  let rows: i64 = 0;
  let p = spikes;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const cnt = load<i32>(counts + (b << 2));
    for (let k = 0; k < cnt; k++) {
      const j = load<i32>(p);
      p += 4;
      const y = j / rowIn;
      const x = (j - y * rowIn) / inC;
      rows += load<i32>(tapsY + <usize>(y * (1 + 2 * kh)) * 4) * load<i32>(tapsX + <usize>(x * (1 + 2 * kw)) * 4);
    }
  }
  const outBytes = <usize>(outH * outW * outC) << 2;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const mb = mask + b * (<usize>nIn << 2);
    const db = acc + b * outBytes;
    for (let oy = 0; oy < outH; oy++) {
      const ty = gatherY + <usize>(oy * (1 + 2 * kh)) * 4;
      for (let ox = 0; ox < outW; ox++) {
        const tx = gatherX + <usize>(ox * (1 + 2 * kw)) * 4;
        for (let g = 0; g < groups; g++) {
          const d = db + <usize>((oy * outW + ox) * outC + g * coutG) * 4;
          const wg = w + <usize>(g * cinG) * cStride;
          const mg = mb + (<usize>(g * cinG) << 2);
          let o = 0;
          for (; o + 16 <= coutG; o += 16) convBlock(16, d + (<usize>o << 2), wg + (<usize>o << 2), mg, ty, tx, inW, inC, kh, kw, coutG, cinG, cStride);
          for (; o + 4 <= coutG; o += 4) convBlock(4, d + (<usize>o << 2), wg + (<usize>o << 2), mg, ty, tx, inW, inC, kh, kw, coutG, cinG, cStride);
          for (; o < coutG; o++) convBlock(1, d + (<usize>o << 2), wg + (<usize>o << 2), mg, ty, tx, inW, inC, kh, kw, coutG, cinG, cStride);
        }
      }
    }
  }
  return <f64>(rows * <i64>coutG);
}
