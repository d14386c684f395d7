// Conductance-based integrate-and-fire neuron, PyNN IF_cond_exp / NEST iaf_cond_exp, float32, one call
// per layer per step for a whole batch (sample-major, sample b's block at b*n).
//
// Model (PyNN units: mV, ms, nF, µS, nA):
//   cm dV/dt = gL (E_L - V) + gE (E_e - V) + gI (E_i - V) + i_offset,   gL = cm / tau_m
//   dgE/dt = -gE / tau_syn_E,  dgI/dt = -gI / tau_syn_I;  an input spike adds its weight to gE (w > 0)
//   or |w| to gI (w < 0);  V >= v_thresh: spike, V = v_reset, V held for tau_refrac.
//
// Integration scheme for step t of length dt (neuron i = b*n + j):
//   1. xE, xI = this step's excitatory / inhibitory input (µS), read from the accumulators (then zeroed):
//        two buffers (accI != 0): xE = accE[i], xI = accI[i]  -- exact; the host runs the unchanged
//          denseSpikes / conv2dSpikes twice, with W+ = max(W, 0) into accE and W- = max(-W, 0) into accI;
//        one signed buffer (accI == 0): xE = max(acc[i], 0), xI = max(-acc[i], 0)  -- one accumulation
//          pass with the signed W; exact unless a neuron gets excitation and inhibition in the same step
//          (then only their net sum reaches one conductance).
//   2. gE = decayE*gE + xE,  gI = decayI*gI + xI          decay = exp(-dt/tau_syn): exact decay, the
//        input arrives at the start of the step (a pulse of weight w gives gE = w exp(-(t-1) dt/tau)).
//   3. refractory (ref > 0): ref -= 1, V unchanged (= v_reset), no spike; the conductances still evolve.
//   4. the conductances are replaced by their exact mean over the step, ḡ = meanX*g with
//        meanX = (tau/dt)(1 - exp(-dt/tau))  (0.8504 at dt 1 ms, tau 3 ms; meanX = 1 holds g at its
//        start-of-step value), and V is advanced EXACTLY for these constant conductances
//        (exponential Euler):
//        gT   = (gL + ḡE) + ḡI
//        vInf = (((gL E_L + i_offset) + bias[j]) + ḡE E_e) + ḡI E_i) / gT      (bias term only if given)
//        y    = clamp(-(gT * dtOverCm), -80, 0)
//        V    = vInf + (V - vInf) * exp32(y)
//   5. spike when V >= v_thresh:  V = v_reset, ref = refractory, spike recorded (list, counts, total,
//        first exactly as neuronStep in assembly/neuron.ts, so downstream layers are unchanged).
// Why: exponential Euler is unconditionally stable (forward Euler at dt 1 ms overshoots E_e once
// gT dt/cm > 1, i.e. gT > 0.2 µS with cm = 0.2 nF, eight coincident 0.025 µS inputs) and exact for
// constant conductances (no input: V - E_L decays as exp(-t/tau_m) exactly; constant g: the
// steady state (gL E_L + gE E_e + gI E_i)/(gL + gE + gI) and the time to threshold are exact).
// The only error left vs an exact solution of the ODE (what NEST's adaptive RK45 converges to) is
// that g varies within the step while V responds: measured in test/sim/cond.test.ts against a
// 1 µs-step RK4 double-precision solution with the exact exponential conductance, single pulses from
// rest with the SNABSuite parameters (0.002 / 0.005 / 0.01 µS: PSPs of 1.4 / 3.4 / 6.5 mV) stay within
// 0.002 / 0.005 / 0.009 mV of it; holding g at its start-of-step value (meanX = 1) errs by 0.24 / 0.58 / 1.08 mV.
// (Note the scale: one 0.025 µS input, SNABSuite's max_weight, drives 8 mV/ms at rest.) Timing
// convention: an input of step t acts on V from step t on (NEST adds the spike to g at the end of its
// arrival step, i.e. one step later); this is the convention of neuronStep.
//
// exp32(y): the kernel's own float32 exponential, so that the TypeScript reference (src/reference/
// cond.ts) reproduces it bit for bit with Math.fround (WASM has no exp instruction and AS's Mathf.exp
// is not reproducible op for op): k = round-half-even(y log2 e) by the 1.5*2^23 shift trick; r = (y -
// k LN2_HI) - k LN2_LO (Cody-Waite, k LN2_HI exact for |k| < 256); p = degree-7 Taylor polynomial of
// e^r in Horner form (|r| <= ln2/2: truncation 5e-9); exp32 = p * 2^k, 2^k built from the exponent
// bits. Relative error about 3e-7 (a few ulp) on [-80, 0].
//
// Every operation is an IEEE float32 operation in the order written (no fused multiply-add).
//
// Parameters (host-derived once, see condConstants in src/reference/cond.ts):
//   name       unit    SNABSuite MnistITL (GeNN)      meaning
//   gL         µS      cm/tau_m = 0.2/20 = 0.01       leak conductance
//   gLEL       nA      gL*v_rest + i_offset = -0.65   constant drive
//   eE, eI     mV      0, -130                        reversal potentials e_rev_E, e_rev_I
//   decayE/I   1       exp(-1/3) = 0.7165             exp(-dt/tau_syn_E/I), tau_syn 3 ms
//   meanE/I    1       3 (1 - exp(-1/3)) = 0.8504     step mean of the conductance (1: hold)
//   dtOverCm   ms/nF   1/0.2 = 5                      dt/cm
//   vThresh    mV      -55                            v_thresh
//   vReset     mV      -75                            v_reset
//   refractory steps   round(tau_refrac/dt) = 0       tau_refrac 0 ms (SmallMnist/NEST: 1 ms)
// Not modelled: spike times within a step (grid-constrained, like NEST's iaf_cond_exp), synaptic delays,
// STDP, the adaptive solver's sub-step conductance variation beyond the step mean.
//
// Buffers (byte addresses): v, accE, accI, gE, gI (f32[B*n]; accI may be 0, see 1.), bias (f32[n], nA,
// or 0), ref (i32[B*n], or 0 when refractory == 0), spikes (i32[B*n + 3]: the SIMD path writes up to 3
// slots past the last spike), counts (i32[B]), total (i32[B*n]), first (i32[B*n], -1 = none yet; 0: not recorded).
// SIMD f32x4 over 4 neurons when refractory == 0; the last n % 4 neurons and refractory layers are scalar.

import { recordSpikes4 } from "./neuron";

/** Lower clamp of the exponent argument: exp32(-80) = 1.8e-35 is still a normal float32. */
export const EXP_MIN: f32 = -80;

// Constants of exp32, written once as decimals; both sides round them to float32 the same way.
const LOG2E: f32 = 1.4426950408889634;
const SHIFTER: f32 = 12582912; // 1.5 * 2^23: (x + SHIFTER) - SHIFTER rounds x to the nearest integer, ties to even
const LN2_HI: f32 = 0.693145751953125; // 0x3f317200: 16 significant bits, k * LN2_HI exact for |k| < 256
const LN2_LO: f32 = 1.4286068202862268e-6; // ln 2 - LN2_HI
const C2: f32 = 0.5;
const C3: f32 = 0.16666666666666666;
const C4: f32 = 0.041666666666666664;
const C5: f32 = 0.008333333333333333;
const C6: f32 = 0.001388888888888889;
const C7: f32 = 0.0001984126984126984;

/** e^y for y in [EXP_MIN, 0], float32 (header: exp32). */
// @ts-ignore: decorator
@inline export function exp32(y: f32): f32 {
  const k = (y * LOG2E + SHIFTER) - SHIFTER;
  const r = (y - k * LN2_HI) - k * LN2_LO;
  let p = C7 * r + C6;
  p = p * r + C5;
  p = p * r + C4;
  p = p * r + C3;
  p = p * r + C2;
  p = p * r + 1;
  p = p * r + 1;
  return p * reinterpret<f32>((<i32>k + 127) << 23);
}

// @ts-ignore: decorator
@inline function exp32x4(y: v128): v128 {
  const k = f32x4.sub(f32x4.add(f32x4.mul(y, f32x4.splat(LOG2E)), f32x4.splat(SHIFTER)), f32x4.splat(SHIFTER));
  const r = f32x4.sub(f32x4.sub(y, f32x4.mul(k, f32x4.splat(LN2_HI))), f32x4.mul(k, f32x4.splat(LN2_LO)));
  let p = f32x4.add(f32x4.mul(f32x4.splat(C7), r), f32x4.splat(C6));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(C5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(C4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(C3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(C2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1));
  return f32x4.mul(p, i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(k), i32x4.splat(127)), 23));
}

/** Scalar step of neuron (b, j) (header, 1.-5.); returns 1 when it spiked. */
// @ts-ignore: decorator
@inline function condOne(
  b: usize, j: i32, n: i32, v: usize, accE: usize, accI: usize, gE: usize, gI: usize, bias: usize, ref: usize,
  out: usize, total: usize, first: usize,
  gL: f32, gLEL: f32, eE: f32, eI: f32, decayE: f32, decayI: f32, meanE: f32, meanI: f32,
  dtOverCm: f32, vThresh: f32, vReset: f32, refractory: i32, step: i32
): i32 {
  const i = b * <usize>n + <usize>j;
  const o = i << 2;
  let xE: f32, xI: f32;
  if (accI != 0) {
    xE = load<f32>(accE + o);
    xI = load<f32>(accI + o);
    store<f32>(accI + o, 0);
  } else {
    const x = load<f32>(accE + o);
    xE = max<f32>(x, 0);
    xI = max<f32>(-x, 0);
  }
  store<f32>(accE + o, 0);
  const ge = decayE * load<f32>(gE + o) + xE;
  const gi = decayI * load<f32>(gI + o) + xI;
  store<f32>(gE + o, ge);
  store<f32>(gI + o, gi);
  if (refractory > 0) {
    const r = load<i32>(ref + o);
    if (r > 0) {
      store<i32>(ref + o, r - 1);
      return 0;
    }
  }
  const me = meanE * ge;
  const mi = meanI * gi;
  const gT = (gL + me) + mi;
  let num = gLEL;
  if (bias != 0) num = num + load<f32>(bias + (<usize>j << 2));
  num = (num + me * eE) + mi * eI;
  const vInf = num / gT;
  const y = min<f32>(max<f32>(-(gT * dtOverCm), EXP_MIN), 0);
  const u = vInf + (load<f32>(v + o) - vInf) * exp32(y);
  if (u >= vThresh) {
    store<f32>(v + o, vReset);
    if (refractory > 0) store<i32>(ref + o, refractory);
    store<i32>(out, j);
    store<i32>(total + o, load<i32>(total + o) + 1);
    if (first != 0 && load<i32>(first + o) < 0) store<i32>(first + o, step);
    return 1;
  }
  store<f32>(v + o, u);
  return 0;
}

/** SIMD step of neurons j..j+3 of the sample at `base` (refractory == 0); returns the new `written`. */
// @ts-ignore: decorator
@inline function cond4(
  SPLIT: bool, BIAS: bool, base: usize, j: i32, v: usize, accE: usize, accI: usize, gE: usize, gI: usize, bias: usize,
  spikes: usize, total: usize, first: usize,
  vgL: v128, vgLEL: v128, veE: v128, veI: v128, vdE: v128, vdI: v128, vmE: v128, vmI: v128,
  vdt: v128, vThr: v128, vRst: v128, step: i32, written: i32
): i32 {
  const o = (base + <usize>j) << 2;
  const zero = f32x4.splat(0);
  let xE: v128, xI: v128;
  if (SPLIT) {
    const x = v128.load(accE + o);
    xE = f32x4.max(x, zero);
    xI = f32x4.max(f32x4.neg(x), zero);
  } else {
    xE = v128.load(accE + o);
    xI = v128.load(accI + o);
    v128.store(accI + o, zero);
  }
  v128.store(accE + o, zero);
  const ge = f32x4.add(f32x4.mul(vdE, v128.load(gE + o)), xE);
  const gi = f32x4.add(f32x4.mul(vdI, v128.load(gI + o)), xI);
  v128.store(gE + o, ge);
  v128.store(gI + o, gi);
  const me = f32x4.mul(vmE, ge);
  const mi = f32x4.mul(vmI, gi);
  const gT = f32x4.add(f32x4.add(vgL, me), mi);
  let num = vgLEL;
  if (BIAS) num = f32x4.add(num, v128.load(bias + (<usize>j << 2)));
  num = f32x4.add(f32x4.add(num, f32x4.mul(me, veE)), f32x4.mul(mi, veI));
  const vInf = f32x4.div(num, gT);
  const y = f32x4.min(f32x4.max(f32x4.neg(f32x4.mul(gT, vdt)), f32x4.splat(EXP_MIN)), zero);
  const u = f32x4.add(vInf, f32x4.mul(f32x4.sub(v128.load(v + o), vInf), exp32x4(y)));
  const fired = f32x4.ge(u, vThr);
  v128.store(v + o, v128.bitselect(vRst, u, fired));
  return recordSpikes4(fired, o, j, total, first, spikes, written, step);
}

// @ts-ignore: decorator
@inline function loopCond4(
  SPLIT: bool, BIAS: bool, n4: i32, base: usize, v: usize, accE: usize, accI: usize, gE: usize, gI: usize, bias: usize,
  spikes: usize, total: usize, first: usize,
  vgL: v128, vgLEL: v128, veE: v128, veI: v128, vdE: v128, vdI: v128, vmE: v128, vmI: v128,
  vdt: v128, vThr: v128, vRst: v128, step: i32, written: i32
): i32 {
  for (let j = 0; j < n4; j += 4) {
    written = cond4(SPLIT, BIAS, base, j, v, accE, accI, gE, gI, bias, spikes, total, first,
      vgL, vgLEL, veE, veI, vdE, vdI, vmE, vmI, vdt, vThr, vRst, step, written);
  }
  return written;
}

/**
 * Advances B×n IF_cond_exp neurons by one step (header) and writes the spike list.
 * @returns the number of spikes in the whole batch (the length written at `spikes`).
 */
export function condStep(
  v: usize, accE: usize, accI: usize, gE: usize, gI: usize, bias: usize, ref: usize,
  spikes: usize, counts: usize, total: usize, first: usize, batch: i32, n: i32,
  gL: f32, gLEL: f32, eE: f32, eI: f32, decayE: f32, decayI: f32, meanE: f32, meanI: f32,
  dtOverCm: f32, vThresh: f32, vReset: f32, refractory: i32, step: i32
): i32 {
  let written: i32 = 0;
  const n4 = refractory > 0 ? 0 : n & ~3;
  const vgL = f32x4.splat(gL), vgLEL = f32x4.splat(gLEL), veE = f32x4.splat(eE), veI = f32x4.splat(eI);
  const vdE = f32x4.splat(decayE), vdI = f32x4.splat(decayI), vmE = f32x4.splat(meanE), vmI = f32x4.splat(meanI);
  const vdt = f32x4.splat(dtOverCm), vThr = f32x4.splat(vThresh), vRst = f32x4.splat(vReset);
  const variant = (accI == 0 ? 2 : 0) | (bias != 0 ? 1 : 0);
  for (let b: usize = 0; b < <usize>batch; b++) {
    const start = written;
    const base = b * <usize>n;
    switch (variant) {
      case 0: written = loopCond4(false, false, n4, base, v, accE, accI, gE, gI, bias, spikes, total, first, vgL, vgLEL, veE, veI, vdE, vdI, vmE, vmI, vdt, vThr, vRst, step, written); break;
      case 1: written = loopCond4(false, true, n4, base, v, accE, accI, gE, gI, bias, spikes, total, first, vgL, vgLEL, veE, veI, vdE, vdI, vmE, vmI, vdt, vThr, vRst, step, written); break;
      case 2: written = loopCond4(true, false, n4, base, v, accE, accI, gE, gI, bias, spikes, total, first, vgL, vgLEL, veE, veI, vdE, vdI, vmE, vmI, vdt, vThr, vRst, step, written); break;
      default: written = loopCond4(true, true, n4, base, v, accE, accI, gE, gI, bias, spikes, total, first, vgL, vgLEL, veE, veI, vdE, vdI, vmE, vmI, vdt, vThr, vRst, step, written); break;
    }
    for (let j = n4; j < n; j++) {
      written += condOne(b, j, n, v, accE, accI, gE, gI, bias, ref, spikes + (<usize>written << 2), total, first,
        gL, gLEL, eE, eI, decayE, decayI, meanE, meanI, dtOverCm, vThresh, vReset, refractory, step);
    }
    store<i32>(counts + (b << 2), written - start);
  }
  return written;
}
