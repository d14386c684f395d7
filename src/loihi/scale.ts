/**
 * Per-layer integer scale of the Loihi quantisation (rules in src/loihi/quantize.ts's header): the weight
 * exponent and scale s chosen from the weights, threshold and q's range (or, for a membrane-readout output,
 * the largest threshold), the weights as 8-bit mantissas, the biases as 13-bit mantissa × 2^biasExp, the
 * initial voltage; and the register limits they share.
 */
import { SpikewasmError } from "../errors.js";
import type { NeuronParams } from "../ir/graph.js";
import type { LoihiLayer } from "./quantize.js";

export const Q_MAX = 2 ** 21 - 1;
/** vmax exponent used for every block (vmax = 2^23 − 1, the largest). */
export const VMAX_EXP = 7;
export const VMAX = 2 ** (9 + 2 * VMAX_EXP) - 1;
/** vmin exponent used for every block (vmin = −2^23 + 1, the 24-bit v register). */
export const VMIN_EXP = 23;
export const VTH_MANT_MAX = 2 ** 17 - 1;
export const BIAS_MANT_MAX = 4095;

export function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/**
 * A layer's float weights seen per "unit" (a dense neuron, or a conv channel whose neurons share the
 * kernel slice and bias): unitOfWeight maps a weight index to its unit.
 */
export interface FloatLayer {
  id: string; kind: LoihiLayer["kind"]; threshold: number; weights: Float32Array; bias?: Float32Array;
  units: number; fanIn: number; unitOfWeight: (i: number) => number;
  /** non-spiking output: the largest threshold, s from the weights and q's range only */
  membrane?: boolean;
  /** reset by subtraction emulated (quantize.ts "reset"): vthMant must be an 8-bit weight mantissa × 2^wExp, q must hold −vth too */
  subtract?: boolean;
}

/**
 * The self-connection weight −vth of an emulated subtractive reset as an 8-bit mantissa and exponent:
 * vthMant·2^6 = mant·2^(6+wExp) with mant ≤ 255 and wExp in 0..7 (the smallest exponent), or null.
 */
export function subtractWeight(vthMant: number): { mant: number; wExp: number } | null {
  for (let e = 0; e <= 7; e++) if (vthMant % 2 ** e === 0 && vthMant / 2 ** e <= 255) return { mant: vthMant / 2 ** e, wExp: e };
  return null;
}

/**
 * The self-connection of a layer whose reset by subtraction is emulated (`subtract`), from its final vthMant
 * (which the scale rule keeps writable), else null.
 */
export function subtractConnection(id: string, subtract: boolean, vthMant: number): { mant: number; wExp: number } | null {
  if (!subtract) return null;
  const w = subtractWeight(vthMant);
  if (!w) throw new SpikewasmError(`quantize: layer '${id}': vthMant ${vthMant} is not an 8-bit weight × 2^0..7; reset by subtraction cannot be emulated`);
  return w;
}

/** The report's reset of a layer: emulated subtraction, the fallback from subtraction to zero, or native zero. */
export function resetLabel(r: { subtract: boolean; fallback: boolean }): "zero" | "zero (fallback from subtract)" | "subtract (two compartments)" {
  return r.subtract ? "subtract (two compartments)" : r.fallback ? "zero (fallback from subtract)" : "zero";
}

/** The largest vthMant ≤ v that subtractWeight can write (v ≥ 1), or 0 above 255·2^7. */
export function subtractableVth(v: number): number {
  if (v <= 255) return v;
  const k = Math.ceil(Math.log2(v / 255));
  return k > 7 ? 0 : Math.floor(v / 2 ** k) * 2 ** k;
}

interface Choice { wExp: number; s: number; vthMant: number; worst: number; fits: boolean }

/**
 * The chip shifts a mantissa m by wExp arithmetically, so for e < 0 only multiples of 2^−e are exact: the
 * effective weight is k·unit with unit = 64·2^max(e, 0) and |k| ≤ kmax = floor(255 / 2^max(−e, 0)).
 */
const unitOf = (e: number) => 64 * 2 ** Math.max(e, 0);
const kmaxOf = (e: number) => Math.floor(255 / 2 ** Math.max(-e, 0));

function choose(L: FloatLayer, e: number, maxW: number, pos: Float64Array, neg: Float64Array, sCap = Infinity): Choice {
  const th = L.threshold, unit = unitOf(e);
  const s0 = Math.min((kmaxOf(e) * unit) / maxW, sCap);
  if (L.membrane) {
    let worst = 0;
    const slack = L.fanIn * 0.5 * unit;
    for (let j = 0; j < L.units; j++) {
      const b = L.bias ? L.bias[j] * s0 : 0;
      worst = Math.max(worst, pos[j] * s0 + slack + Math.max(b, 0), neg[j] * s0 + slack + Math.max(-b, 0));
    }
    return { wExp: e, s: s0, vthMant: VTH_MANT_MAX, worst, fits: s0 > 0 && worst <= Q_MAX };
  }
  const raw = Math.floor((th * s0) / 64);
  const vthMant = L.subtract ? subtractableVth(raw) : raw;
  const s = (vthMant * 64) / th;
  const slack = L.fanIn * 0.5 * unit; // rounding of every weight
  const self = L.subtract ? vthMant * 64 : 0; // the −vth of the emulated reset lands in q with the inputs
  let worst = 0, worstPos = 0;
  for (let j = 0; j < L.units; j++) {
    const b = L.bias ? L.bias[j] * s : 0;
    worstPos = Math.max(worstPos, pos[j] * s + slack + Math.max(b, 0));
    worst = Math.max(worst, pos[j] * s + slack + Math.max(b, 0), neg[j] * s + slack + Math.max(-b, 0) + self);
  }
  const fits = vthMant >= 1 && vthMant <= VTH_MANT_MAX && worst <= Q_MAX && vthMant * 64 + worstPos <= VMAX;
  return { wExp: e, s, vthMant, worst, fits };
}

/** At wExp 0, the largest scale (max |k| below 255) whose worst step still fits. */
function shrinkAtZero(L: FloatLayer, maxW: number, pos: Float64Array, neg: Float64Array): Choice {
  const slack = L.fanIn * 0.5 * 64;
  let M = 0, Mpos = 0;
  for (let j = 0; j < L.units; j++) {
    const b = L.bias ? L.bias[j] : 0;
    Mpos = Math.max(Mpos, pos[j] + Math.max(b, 0));
    M = Math.max(M, Mpos, neg[j] + Math.max(-b, 0) + (L.subtract ? L.threshold : 0));
  }
  const cap = L.membrane ? (Q_MAX - slack) / M : Math.min((Q_MAX - slack) / M, (VMAX - slack) / (L.threshold + Mpos));
  return choose(L, 0, maxW, pos, neg, cap > 0 ? cap : 0);
}

function chooseScale(L: FloatLayer, wExpOpt: number | "auto", maxW: number, pos: Float64Array, neg: Float64Array): Choice {
  if (wExpOpt === "auto") {
    for (let e = 7; e >= 0; e--) {
      const t = choose(L, e, maxW, pos, neg);
      if (t.fits) return t;
    }
    const c = shrinkAtZero(L, maxW, pos, neg);
    if (c.vthMant < 1 || !(c.s > 0)) throw new SpikewasmError(`quantize: layer '${L.id}': no scale gives a threshold mantissa >= 1 inside q's range (threshold ${L.threshold}, max|w| ${maxW})`);
    return c;
  }
  if (!Number.isInteger(wExpOpt) || wExpOpt < -8 || wExpOpt > 7) throw new SpikewasmError(`quantize: wExp must be an integer in -8..7 or "auto", got ${wExpOpt}`);
  const c = choose(L, wExpOpt, maxW, pos, neg);
  if (c.vthMant < 1 || c.vthMant > VTH_MANT_MAX)
    throw new SpikewasmError(`quantize: layer '${L.id}': wExp ${wExpOpt} gives vthMant ${c.vthMant}, outside 1..${L.subtract ? `${255 * 2 ** 7} (reset by subtraction: vth must be an 8-bit weight)` : VTH_MANT_MAX}`);
  return c;
}

/** Quantises one layer's weights, threshold and biases (rules in the module header). */
export function quantizeWeights(L: FloatLayer, wExpOpt: number | "auto") {
  const W = L.weights;
  let maxW = 0;
  const pos = new Float64Array(L.units), neg = new Float64Array(L.units);
  for (let i = 0; i < W.length; i++) {
    const w = W[i], j = L.unitOfWeight(i);
    maxW = Math.max(maxW, Math.abs(w));
    if (w > 0) pos[j] += w; else neg[j] -= w;
  }
  if (maxW === 0) maxW = L.threshold / 255; // all-zero weights: any scale works
  const c = chooseScale(L, wExpOpt, maxW, pos, neg);
  const unit = unitOf(c.wExp), kmax = kmaxOf(c.wExp), mul = 2 ** Math.max(-c.wExp, 0);
  let rounded = 0, zeroed = 0, saturated = 0, se = 0;
  const posI = new Float64Array(L.units), negI = new Float64Array(L.units);
  const mant = new Int32Array(W.length), eff = new Float32Array(W.length);
  for (let i = 0; i < W.length; i++) {
    const w = W[i], x = (w * c.s) / unit, j = L.unitOfWeight(i);
    let k = roundHalfAway(x);
    if (Math.abs(k) > kmax) { k = Math.sign(k) * kmax; saturated++; }
    if (k !== x) rounded++;
    if (w !== 0 && k === 0) zeroed++;
    se += ((k * unit) / c.s - w) ** 2;
    mant[i] = k * mul; // mantissa: exact under the chip's shift by wExp
    eff[i] = k * unit;
    if (k > 0) posI[j] += k * unit; else negI[j] -= k * unit;
  }
  const biasMant = new Int32Array(L.units), biasExp = new Int32Array(L.units);
  let biasRounded = 0, biasSaturated = 0, biasExpMax = 0, overflowRisk = 0;
  for (let j = 0; j < L.units; j++) {
    const b = L.bias ? L.bias[j] * c.s : 0;
    let e = 0;
    while (e < 7 && Math.abs(b) / 2 ** e > BIAS_MANT_MAX) e++;
    let m = roundHalfAway(b / 2 ** e);
    if (Math.abs(m) > BIAS_MANT_MAX) { m = Math.sign(m) * BIAS_MANT_MAX; biasSaturated++; }
    if (m * 2 ** e !== b) biasRounded++;
    biasMant[j] = m;
    biasExp[j] = e;
    biasExpMax = Math.max(biasExpMax, e);
    const bi = m * 2 ** e;
    const worst = Math.max(posI[j] + Math.max(bi, 0), negI[j] + Math.max(-bi, 0));
    if (worst > Q_MAX || (!L.membrane && c.vthMant * 64 + posI[j] + Math.max(bi, 0) > VMAX)) overflowRisk++;
  }
  return {
    c, mant, eff, biasMant, biasExp,
    stats: { maxAbsWeight: maxW, weights: W.length, rounded, zeroed, saturated, weightRmsError: Math.sqrt(se / W.length) / maxW,
      biases: L.bias ? L.units : 0, biasRounded, biasSaturated, biasExpMax, worstStep: c.worst, overflowRisk },
  };
}

/** The float initial potential in integer units: round(vInit·s), inside [vmin, vmax]. */
export function initialVoltage(id: string, nr: NeuronParams, s: number): number {
  const v = Math.round((nr.vInit ?? 0) * s);
  if (v > VMAX || v < -(2 ** VMIN_EXP) + 1) throw new SpikewasmError(`quantize: layer '${id}': initial potential ${nr.vInit} is ${v} in integer units, outside v's range`);
  return v === 0 ? 0 : v; // no -0
}

