/**
 * TypeScript reference of assembly/cond.ts (PyNN IF_cond_exp; same name, same arguments, same
 * equations — see that file's header). Every arithmetic operation is rounded to float32 with
 * Math.fround in the same order as the WASM kernel, including the kernel's own exponential exp32, so
 * both give bit-identical membranes, conductances and spike lists. Also: the SNABSuite parameter set
 * and the host-side derivation of the kernel constants.
 */
import type { CondExpParams } from "../ir/graph.js";
import { type Heap, f32 } from "./heap.js";

/** Lower clamp of the exponent argument (assembly/cond.ts EXP_MIN). */
export const EXP_MIN = -80;

const LOG2E = f32(1.4426950408889634);
const SHIFTER = f32(12582912);
const LN2_HI = f32(0.693145751953125);
const LN2_LO = f32(1.4286068202862268e-6);
const C2 = f32(0.5);
const C3 = f32(0.16666666666666666);
const C4 = f32(0.041666666666666664);
const C5 = f32(0.008333333333333333);
const C6 = f32(0.001388888888888889);
const C7 = f32(0.0001984126984126984);

const bitsI = new Int32Array(1);
const bitsF = new Float32Array(bitsI.buffer);

/** The kernel's float32 e^y for y in [EXP_MIN, 0] (assembly/cond.ts exp32), bit for bit. */
export function exp32(y: number): number {
  y = f32(y);
  const k = f32(f32(f32(y * LOG2E) + SHIFTER) - SHIFTER);
  const r = f32(f32(y - f32(k * LN2_HI)) - f32(k * LN2_LO));
  let p = f32(f32(C7 * r) + C6);
  p = f32(f32(p * r) + C5);
  p = f32(f32(p * r) + C4);
  p = f32(f32(p * r) + C3);
  p = f32(f32(p * r) + C2);
  p = f32(f32(p * r) + 1);
  p = f32(f32(p * r) + 1);
  bitsI[0] = ((k | 0) + 127) << 23;
  return f32(p * bitsF[0]);
}

/** One step of B×n IF_cond_exp neurons; returns the number of spikes written at `spikes`. */
export function condStep(
  h: Heap, v: number, accE: number, accI: number, gE: number, gI: number, bias: number, ref: number,
  spikes: number, counts: number, total: number, first: number, batch: number, n: number,
  gL: number, gLEL: number, eE: number, eI: number, decayE: number, decayI: number, meanE: number, meanI: number,
  dtOverCm: number, vThresh: number, vReset: number, refractory: number, step: number,
): number {
  const F = h.f32;
  const I = h.i32;
  const vi = v >> 2, ei = accE >> 2, ii = accI >> 2, gei = gE >> 2, gii = gI >> 2, bi = bias >> 2, ri = ref >> 2;
  const ti = total >> 2, fi = first >> 2, ci = counts >> 2;
  gL = f32(gL); gLEL = f32(gLEL); eE = f32(eE); eI = f32(eI); decayE = f32(decayE); decayI = f32(decayI);
  meanE = f32(meanE); meanI = f32(meanI); dtOverCm = f32(dtOverCm); vThresh = f32(vThresh); vReset = f32(vReset);
  let out = spikes >> 2;
  let written = 0;
  for (let b = 0; b < batch; b++) {
    I[ci + b] = 0;
    for (let j = 0; j < n; j++) {
      const i = b * n + j;
      let xE: number, xI: number;
      if (accI !== 0) {
        xE = F[ei + i];
        xI = F[ii + i];
        F[ii + i] = 0;
      } else {
        const x = F[ei + i];
        xE = Math.max(x, 0);
        xI = Math.max(-x, 0);
      }
      F[ei + i] = 0;
      const ge = f32(f32(decayE * F[gei + i]) + xE);
      const gi = f32(f32(decayI * F[gii + i]) + xI);
      F[gei + i] = ge;
      F[gii + i] = gi;
      if (refractory > 0 && I[ri + i] > 0) {
        I[ri + i]--;
        continue;
      }
      const me = f32(meanE * ge);
      const mi = f32(meanI * gi);
      const gT = f32(f32(gL + me) + mi);
      let num = gLEL;
      if (bias !== 0) num = f32(num + F[bi + j]);
      num = f32(f32(num + f32(me * eE)) + f32(mi * eI));
      const vInf = f32(num / gT);
      const y = Math.min(Math.max(-f32(gT * dtOverCm), EXP_MIN), 0);
      const u = f32(vInf + f32(f32(F[vi + i] - vInf) * exp32(y)));
      if (u >= vThresh) {
        F[vi + i] = vReset;
        if (refractory > 0) I[ri + i] = refractory;
        I[out++] = j;
        I[ci + b]++;
        I[ti + i]++;
        if (first !== 0 && I[fi + i] < 0) I[fi + i] = step;
        written++;
      } else {
        F[vi + i] = u;
      }
    }
  }
  return written;
}

/** PyNN IF_cond_exp parameters (mV, ms, nF, nA; weights and conductances in µS): the graph's CondExpParams without dt and accumulate. */
export type IfCondExpParams = Omit<CondExpParams, "dt" | "accumulate">;

/**
 * SNABSuite's IF_cond_exp parameters for its MNIST networks on GeNN, config/MnistITL.json (key "genn")
 * @ 15a6e27f5762ed95731f2cb5471a23bb64587cb2; i_offset is not set there (PyNN default 0). Its
 * config/SmallMnist.json ("nest") @ 20362dab3c22ffd3c578ef9b31b905dc1c842ab0 differs in tau_m = 10 ms
 * and tau_refrac = 1 ms.
 */
export const SNABSUITE_IF_COND_EXP: Readonly<IfCondExpParams> = {
  cm: 0.2, tau_m: 20, v_rest: -65, v_reset: -75, v_thresh: -55,
  tau_syn_E: 3, tau_syn_I: 3, e_rev_E: 0, e_rev_I: -130, tau_refrac: 0, i_offset: 0,
};

/** The constants condStep takes, derived once on the host (double precision; the kernel rounds to f32). */
export interface CondConstants {
  gL: number; gLEL: number; eE: number; eI: number; decayE: number; decayI: number;
  meanE: number; meanI: number; dtOverCm: number; vThresh: number; vReset: number; refractory: number;
}

/**
 * Kernel constants for parameters `p` at step `dtMs`. `holdConductance` uses the start-of-step
 * conductance over the step (meanX = 1) instead of its exact step mean (tau/dt)(1 - exp(-dt/tau)).
 */
export function condConstants(p: IfCondExpParams, dtMs: number, holdConductance = false): CondConstants {
  const gL = p.cm / p.tau_m;
  const mean = (tau: number) => (holdConductance ? 1 : (tau / dtMs) * -Math.expm1(-dtMs / tau));
  return {
    gL, gLEL: gL * p.v_rest + p.i_offset, eE: p.e_rev_E, eI: p.e_rev_I,
    decayE: Math.exp(-dtMs / p.tau_syn_E), decayI: Math.exp(-dtMs / p.tau_syn_I),
    meanE: mean(p.tau_syn_E), meanI: mean(p.tau_syn_I), dtOverCm: dtMs / p.cm,
    vThresh: p.v_thresh, vReset: p.v_reset, refractory: Math.round(p.tau_refrac / dtMs),
  };
}
