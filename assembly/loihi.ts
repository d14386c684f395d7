// Bit-exact first-generation Loihi compartment (integer), one call per block per step for a batch.
// Reference semantics: the NengoLoihi emulator (nengo/nengo-loihi, nengo_loihi/emulator/interface.py,
// CompartmentState.update and SynapseState; bit widths and decay_int/overflow_signed from
// nengo_loihi/discretize.py). Noise, learning, multi-compartment and axon delays are not modelled.
//
// Per-step order for compartment j of sample b (i = b*n + j) at step t (all values integers):
//   1. q[i]  = Σ weights of the spikes emitted at step t-1 (inputs listed at t-1, blocks spiking at t-1)
//              (loihiAccumulate for dense weights, loihiConv2dSpikes for convolutions and pooling;
//              every add wraps to Q_BITS, equal to wrapping once at the end)
//   2. q[i]  = wrap(q[i], Q_BITS)                              (stored back: the host reads it as "q")
//   3. u[i]  = wrap(decayInt(u[i], 4096 - 1 - decayU[j]) + q[i], U_BITS)
//   4. u2    = wrap(u[i] + bias[j], U_BITS)                    (u2 is not stored; the probe "u" is u[i])
//   5. v[i]  = int32(decayInt(v[i], 4096 - decayV[j]) + u2)   (int32 add; the emulator models no V
//                                                               overflow, its numpy int32 sum wraps)
//   6. v[i]  = clamp(v[i], vmin, vmax)
//   7. if ref[i] > 0: v[i] = 0                                 (the voltage integrates, then is zeroed)
//   8. spike = v[i] > vth[j];  on a spike: v[i] = 0 (unless keepV), ref[i] = refractDelay[j]
//   9. ref[i] = max(ref[i] - 1, 0)
// so a spike at step t holds v at 0 for steps t+1 .. t+refractDelay-1 (refractDelay 1: no hold); u keeps
// integrating during the hold.
// keepV = 1 (a block-wide flag) leaves v as it is on a spike: the block stands for NxTF's two-compartment
// neuron for reset by subtraction (Rueckauer et al. 2021), whose integrating dendrite never resets while its
// soma spikes when the dendrite's v passes vth; the subtraction arrives as a self-connection of weight -vth
// one step later (src/loihi/quantize.ts, "reset"). Used with refractDelay 1 only (the host checks).
//
// decayInt(x, r) = sign(x) * ((|x| * r) >> DECAY_BITS)   -- rounding toward zero; |x|*r needs 44 bits (i64).
// Note the current decay's offset of 1 (emulator: decay_int(..., offset=1)): decayU = 0 still decays
// u by 1/4096 per step and decayU = 4095 clears it; for v, decayV = 0 keeps v and 4095 leaves |v|>>12.
// wrap(x, bits) = x sign-extended from bit `bits` (bits magnitude + sign): range [-2^bits, 2^bits - 1].
//
// Precision table
//   quantity   storage  width on chip              rule
//   weight     i32      8-bit magnitude + sign     w * 2^(6+wExp), wExp -8..7 (host: src/loihi/simulate.ts)
//   q          i32      Q_BITS = 21 + sign         two's-complement wrap
//   u, u2      i32      U_BITS = 23 + sign         two's-complement wrap
//   v          i32      32 (emulator int32)        int32 wrap, then clamp to [vmin, vmax]
//   decayU/V   i32      DECAY_BITS = 12 (0..4095)  decayInt above, i64 product, toward zero
//   vth        i32      vthMant (17 bits) * 2^VTH_EXP
//   bias       i32      biasMant (12 bits + sign) * 2^biasExp (0..7)
//   vmin/vmax  i32      -(2^vminExp) + 1 (vminExp 0..31); 2^(9 + 2*vmaxExp) - 1 (vmaxExp 0..7)
//   ref        i32      refractDelay 1..63 (REFRACT_BITS = 6)
//
// Buffers (byte addresses, sample-major, sample b's block at b*n): q, u, v, ref (i32[B*n]);
// decayU, decayV, bias, vth, refractDelay (i32[n], per compartment, derived once on the host);
// spikes (i32[B*n], out: within-sample indices, samples one after another), counts (i32[B], out).

import { scatterSpikes } from "./conv2d";
import { spikeRows } from "./dense";
import { ROW_WRAP } from "./rows";

/** Magnitude bits of the synaptic accumulator q (plus a sign bit). */
export const Q_BITS: i32 = 21;
/** Magnitude bits of the compartment current u (plus a sign bit). */
export const U_BITS: i32 = 23;
/** Fraction bits of the current and voltage decays (decay registers 0 .. 2^12 - 1). */
export const DECAY_BITS: i32 = 12;
/** Threshold exponent: vth = vthMant << VTH_EXP. */
export const VTH_EXP: i32 = 6;
/** Magnitude bits of the threshold mantissa (vthMant < 2^17). */
export const VTH_MANT_BITS: i32 = 17;
/** Weight exponent offset: an 8-bit weight w contributes w << (WEIGHT_EXP_OFFSET + wExp). */
export const WEIGHT_EXP_OFFSET: i32 = 6;
/** Magnitude bits of a weight (plus a sign bit). */
export const WEIGHT_BITS: i32 = 8;
/** Bits of the refractory delay register (1 .. 63). */
export const REFRACT_BITS: i32 = 6;

/** Sign-extends x from `bits` magnitude bits + sign (the emulator's overflow_signed). */
// @ts-ignore: decorator
@inline export function wrapSigned(x: i32, bits: i32): i32 {
  const s = 31 - bits;
  return (x << s) >> s;
}

/** sign(x) * ((|x| * r) >> DECAY_BITS): the emulator's decay_int, rounding toward zero. */
// @ts-ignore: decorator
@inline export function decayInt(x: i32, r: i32): i32 {
  const m = <i32>((abs<i64>(<i64>x) * <i64>r) >> DECAY_BITS);
  return x < 0 ? -m : m;
}

/**
 * Adds the weight row w[s] (i32[nSrc][nDst], already scaled by 2^(6+wExp)) of every spike s of
 * sample b into q[b] (i32[B][nDst]), wrapping to Q_BITS. @returns the synaptic events (spikes × nDst).
 */
export function loihiAccumulate(spikes: usize, counts: usize, batch: i32, nSrc: i32, w: usize, nDst: i32, q: usize): f64 {
  return spikeRows(ROW_WRAP, Q_BITS, spikes, counts, batch, w, nDst, q);
}

/**
 * The integer twin of conv2dSpikes (assembly/conv2d.ts: same layouts, tap tables and event order):
 * every spike at channels-last input position (y, x, c) adds its kernel slice Wt[c][ky][kx][0..CoutG)
 * (i32, already scaled by 2^(6+wExp)) into q at every output it reaches, wrapping to Q_BITS.
 * Average and sum pooling run through it as depthwise convolutions with one constant weight.
 * @returns the synaptic events (rows × CoutG).
 */
export function loihiConv2dSpikes(
  spikes: usize, counts: usize, batch: i32, inH: i32, inW: i32, inC: i32, w: usize,
  outH: i32, outW: i32, outC: i32, kh: i32, kw: i32, groups: i32, tapsY: usize, tapsX: usize, q: usize
): f64 {
  return scatterSpikes(ROW_WRAP, Q_BITS, spikes, counts, batch, inH, inW, inC, w, outH, outW, outC, kh, kw, groups, tapsY, tapsX, q);
}

/**
 * Residual addition into q: every spike j of sample b adds the integer weight w (already scaled by
 * 2^(6+wExp)) to q[b][j] (one-to-one), wrapping to Q_BITS. @returns the synaptic events (spikes).
 */
export function loihiAddSpikes(spikes: usize, counts: usize, batch: i32, n: i32, w: i32, q: usize): f64 {
  let total: i64 = 0;
  let p = spikes;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const c = load<i32>(counts + (b << 2));
    const dst = q + ((b * <usize>n) << 2);
    total += c;
    for (let k = 0; k < c; k++) {
      const a = dst + (<usize>load<i32>(p) << 2);
      store<i32>(a, wrapSigned(load<i32>(a) + w, Q_BITS));
      p += 4;
    }
  }
  return <f64>total;
}

/**
 * Channel concatenation into q: spike j of an input with cIn channels (channels-last; cIn = nIn for
 * 1-D) adds the integer weight w to q[b][(j / cIn)·cTot + cOff + j mod cIn], wrapping to Q_BITS (the
 * index map of concatSpikes). @returns the synaptic events (spikes).
 */
export function loihiConcatSpikes(
  spikes: usize, counts: usize, batch: i32, nIn: i32, cIn: i32, cTot: i32, cOff: i32, nOut: i32, w: i32, q: usize
): f64 {
  let total: i64 = 0;
  let p = spikes;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const c = load<i32>(counts + (b << 2));
    const base = q + ((b * <usize>nOut) << 2);
    total += c;
    for (let k = 0; k < c; k++) {
      const j = load<i32>(p);
      const pos = j / cIn;
      const a = base + (<usize>(pos * cTot + cOff + (j - pos * cIn)) << 2);
      store<i32>(a, wrapSigned(load<i32>(a) + w, Q_BITS));
      p += 4;
    }
  }
  return <f64>total;
}

/** One compartment (index o = sample offset, p = compartment offset, bytes), scalar: steps 2-9 of the header. */
// @ts-ignore: decorator
@inline function stepOne(
  o: usize, p: usize, q: usize, u: usize, v: usize, ref: usize,
  decayU: usize, decayV: usize, bias: usize, vth: usize, refractDelay: usize, vmin: i32, vmax: i32, keepV: bool
): bool {
  const qi = wrapSigned(load<i32>(q + o), Q_BITS);
  store<i32>(q + o, qi);
  const ui = wrapSigned(decayInt(load<i32>(u + o), (1 << DECAY_BITS) - 1 - load<i32>(decayU + p)) + qi, U_BITS);
  store<i32>(u + o, ui);
  const u2 = wrapSigned(ui + load<i32>(bias + p), U_BITS);
  let vi = decayInt(load<i32>(v + o), (1 << DECAY_BITS) - load<i32>(decayV + p)) + u2;
  vi = vi < vmin ? vmin : vi > vmax ? vmax : vi;
  let r = load<i32>(ref + o);
  if (r > 0) vi = 0;
  const fire = vi > load<i32>(vth + p);
  if (fire) {
    if (!keepV) vi = 0;
    r = load<i32>(refractDelay + p);
  }
  store<i32>(v + o, vi);
  store<i32>(ref + o, r > 0 ? r - 1 : 0);
  return fire;
}

/**
 * Advances B×n compartments by one step (order above) and writes the spike list.
 * vmin, vmax: the block's voltage limits; keepV: 1 = v is not zeroed on a spike (header, step 8).
 * @returns the number of spikes in the whole batch.
 *
 * Groups of 4 compartments whose current decay is instantaneous (decayU 4095: u = q, as
 * decayInt(u, 0) = 0) and whose voltage does not decay (decayV 0: decayInt(v, 4096) = v) — every
 * IF layer of a converted network — take an i32x4 path with the same integer operations and no
 * 64-bit products; the others, and the n mod 4 tail, the scalar path. Spikes are listed in
 * ascending order either way.
 */
export function loihiStep(
  q: usize, u: usize, v: usize, ref: usize,
  decayU: usize, decayV: usize, bias: usize, vth: usize, refractDelay: usize,
  vmin: i32, vmax: i32, n: i32, batch: i32, spikes: usize, counts: usize, keepV: i32
): i32 {
  let written: i32 = 0;
  const keep = keepV != 0;
  const sq: i32 = 31 - Q_BITS, su: i32 = 31 - U_BITS;
  const vMin = i32x4.splat(vmin), vMax = i32x4.splat(vmax), zero = i32x4.splat(0), one = i32x4.splat(1);
  const instant = i32x4.splat((1 << DECAY_BITS) - 1);
  for (let b: usize = 0; b < <usize>batch; b++) {
    const start = written;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = (b * <usize>n + <usize>j) << 2;
      const p = <usize>j << 2;
      const fast = i32x4.all_true(i32x4.eq(v128.load(decayU + p), instant)) && !v128.any_true(v128.load(decayV + p));
      if (fast) {
        const qi = i32x4.shr_s(i32x4.shl(v128.load(q + o), sq), sq);
        v128.store(q + o, qi);
        v128.store(u + o, qi);
        const u2 = i32x4.shr_s(i32x4.shl(i32x4.add(qi, v128.load(bias + p)), su), su);
        let vi = i32x4.min_s(i32x4.max_s(i32x4.add(v128.load(v + o), u2), vMin), vMax);
        let r = v128.load(ref + o);
        vi = v128.andnot(vi, i32x4.gt_s(r, zero));
        const fire = i32x4.gt_s(vi, v128.load(vth + p));
        v128.store(v + o, keep ? vi : v128.andnot(vi, fire));
        r = v128.bitselect(v128.load(refractDelay + p), r, fire);
        v128.store(ref + o, i32x4.max_s(i32x4.sub(r, one), zero));
        let mask = i32x4.bitmask(fire);
        while (mask != 0) {
          store<i32>(spikes + (<usize>written << 2), j + ctz(mask));
          written++;
          mask &= mask - 1;
        }
      } else {
        for (let k = j; k < j + 4; k++) {
          if (stepOne(o + (<usize>(k - j) << 2), <usize>k << 2, q, u, v, ref, decayU, decayV, bias, vth, refractDelay, vmin, vmax, keep)) {
            store<i32>(spikes + (<usize>written << 2), k);
            written++;
          }
        }
      }
    }
    for (; j < n; j++) {
      if (stepOne((b * <usize>n + <usize>j) << 2, <usize>j << 2, q, u, v, ref, decayU, decayV, bias, vth, refractDelay, vmin, vmax, keep)) {
        store<i32>(spikes + (<usize>written << 2), j);
        written++;
      }
    }
    store<i32>(counts + (b << 2), written - start);
  }
  return written;
}
