/**
 * Quantisation of a converted (float) SNN into an integer Loihi net for simulateLoihi (issue #4, item 3),
 * dense-only networks (MLPs): input → [flatten] → dense → … → dense.
 *
 * Rules, per dense layer (one Loihi block, one connection from its source):
 *   scale    the layer's integers are its floats times s (units of v per unit of float potential). A spike
 *            is binary, so every layer has its own s: only its incoming weights, bias and threshold share it.
 *   wExp     for a candidate e in 7..0, s0 = 255·2^(6+e)/max|w| makes the largest |w| exactly the 8-bit
 *            magnitude 255. The threshold mantissa is vthMant = floor(θ·s0/64) and s = vthMant·64/θ (≤ s0),
 *            so the threshold is exact (vth = vthMant·2^6 = θ·s) and no weight exceeds 255 from scaling.
 *            The chosen e is the largest one for which vthMant ≤ 2^17 − 1 and the worst step (every source
 *            spiking at once: Σ of the positive resp. negative integer weights + bias + rounding slack)
 *            stays inside q's 21 bits + sign and vth + worst positive step ≤ vmax (2^23 − 1, vmaxExp 7).
 *            A larger e means a larger s: a finer threshold and bias relative to the weights (the weights
 *            always have 8 bits). If even e = 0 does not fit, e stays 0 and s shrinks to the largest value
 *            that fits (the largest mantissa is then below 255). Negative exponents are never chosen: the
 *            chip shifts the mantissa right arithmetically, so e < 0 only drops bits (e = −1 is e = 0 with
 *            mantissas ≤ 127); a user-given e < 0 uses mantissas k·2^−e, |k| ≤ 255 >> −e, which shift exactly.
 *   weights  k = round(w·s / (64·2^e)) clipped to ±255 (round half away from zero); counted: `rounded`
 *            (k ≠ exact value), `zeroed` (w ≠ 0 but k = 0), `saturated` (|exact| > 255, clipped; never
 *            with the automatic choice, which makes max|w| land on 255 or below).
 *   bias     b·s = biasMant·2^biasExp with the smallest biasExp in 0..7 for which |b·s|/2^biasExp ≤ 4095
 *            (13-bit signed mantissa, the finest step that fits); beyond 4095·2^7 it saturates (counted).
 *   neuron   IF: decayU = 4095 (with the emulator's offset of 1 the current decays by (4095 − 4095)/4096,
 *            i.e. u is cleared and holds exactly one step's input: an instantaneous synapse); a synaptic
 *            filter synDecay maps to decayU = 4095 − round(4096·synDecay). decayV = 0: v·(4096 − 0) >> 12
 *            is exactly v, so an IF neuron loses nothing (the 1/4096-per-step loss of the offset applies
 *            to u only); LIF leak maps to decayV = round(4096·(1 − leak)). refractDelay = refractory + 1
 *            (1 = no hold). vmaxExp = 7 (the largest vmax, 2^23 − 1); vminExp = 23 (vmin = −2^23 + 1, the
 *            24-bit v register of the chip; more negative potentials are clipped, which the float IF
 *            does not do — only neurons inhibited by more than vmin/vth thresholds are affected).
 *   reset    Loihi resets to 0 (v = 0 after a spike); reset "value" with vReset 0 is native. Reset by
 *            subtraction (the converter's default) is not: the quantised net falls back to reset to zero
 *            and the report says so (`report.reset`).
 *   firing   float: spike when v ≥ θ; Loihi: when v > vth. With vth = θ·s exactly the two differ only when
 *            the integer v equals vth.
 *   input    regular rate coding of clamp(rate·x, 0, 1) (as the float simulator's "regular" coding, p held
 *            in float32): input j spikes at step t when floor(t·p) > floor((t − 1)·p), t = 1..T.
 *   timing   on Loihi every connection delays by one step, so an L-layer net's output lags by L steps:
 *            the readout is the output block's spike counts after T + L steps.
 */
import { SpikewasmError } from "../errors.js";
import type { DenseNode, NeuronParams, SnnGraph, SnnNode } from "../ir/graph.js";
import { Simulator } from "../sim/simulator.js";
import type { Backend } from "../sim/kernels.js";
import { type LoihiBlock, type LoihiConnection, type LoihiNet, simulateLoihi } from "./simulate.js";

/** Options of quantizeToLoihi. */
export interface QuantizeOptions {
  /** weight exponent for every layer, or "auto" (default): the rule in the module header */
  wExp?: number | "auto";
  /** one sample's input values to encode into the net's input spike trains (default: no input spikes) */
  input?: ArrayLike<number>;
  /** coding steps T for `input` (default 64) */
  steps?: number;
  /** spike probability per step of an input of value 1 (default 1) */
  rate?: number;
}

/** What quantisation did to one dense layer. */
export interface LayerQuantization {
  id: string;
  /** source (input or block) name */
  src: string;
  nSrc: number;
  n: number;
  wExp: number;
  /** integers per unit of float potential */
  scale: number;
  threshold: number;
  vthMant: number;
  maxAbsWeight: number;
  weights: number;
  rounded: number;
  zeroed: number;
  saturated: number;
  /** RMS of (quantised − float) weight, relative to max|w| */
  weightRmsError: number;
  biases: number;
  biasRounded: number;
  biasSaturated: number;
  /** largest biasExp used */
  biasExpMax: number;
  /** worst one-step input magnitude (all sources spiking), integer units */
  worstStep: number;
  /** neurons whose worst step could wrap q (21 bits) or exceed vmax */
  overflowRisk: number;
  decayU: number;
  decayV: number;
  refractDelay: number;
  /** "zero": native reset to 0; "zero (fallback from subtract)": the float layer resets by subtraction */
  reset: "zero" | "zero (fallback from subtract)";
}

/** The quantisation report. */
export interface QuantizeReport {
  layers: LayerQuantization[];
  reset: { fallback: boolean; layers: string[]; note: string };
  /** number of dense layers between the input and the output: the output lags by this many steps */
  latency: number;
  notes: string[];
}

/** A quantised network: the Loihi net (inputs for one sample, see withInput) and its report. */
export interface QuantizedNet {
  net: LoihiNet;
  report: QuantizeReport;
  inputName: string;
  inputSize: number;
  outputBlock: string;
  /** the output lags by `latency` steps (one per connection on the input → output path) */
  latency: number;
}

const Q_MAX = 2 ** 21 - 1;
const VMAX_EXP = 7;
const VMAX = 2 ** (9 + 2 * VMAX_EXP) - 1;
const VMIN_EXP = 23;
const VTH_MANT_MAX = 2 ** 17 - 1;
const BIAS_MANT_MAX = 4095;

/** How subtraction could be emulated on Loihi, and why the quantised net does not. */
export const SUBTRACT_RESET_NOTE =
  "Loihi resets v to 0 after a spike; reset by subtraction (v -= θ) is not native, so the quantised net uses reset to zero " +
  "(the residual v − θ of each spike is lost, so rates fall below the float SNN's, most for neurons driven well above threshold). " +
  "Emulation (not implemented): integrate in a compartment that does not reset (on the chip, a non-spiking integrating compartment " +
  "joined to the spiking one in a multi-compartment tree, since a single compartment's reset cannot be disabled) and add a " +
  "self-connection of weight −θ·s from each neuron to itself: one extra synapse per neuron (n per layer, fan-in + 1) and one extra " +
  "synaptic event per output spike; θ·s needs its own connection (own wExp) to fit 8 bits when θ > max|w|. It is inexact because " +
  "every connection delays by one step: the −θ arrives one step after the spike, so for that step v is still above threshold and " +
  "the neuron can spike again for the same crossing (rates overshoot, up to one spike per step instead of the float rate).";

function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/** Regular rate coding: spike times (1..T) of each input, p = float32(clamp(rate·x, 0, 1)). */
export function regularSpikeTimes(values: ArrayLike<number>, steps: number, rate = 1): number[][] {
  const out: number[][] = [];
  for (let j = 0; j < values.length; j++) {
    const p = Math.fround(Math.min(1, Math.max(0, Math.fround(Math.fround(values[j]) * rate))));
    const times: number[] = [];
    if (p > 0) for (let t = 1; t <= steps; t++) if (Math.floor(t * p) > Math.floor((t - 1) * p)) times.push(t);
    out.push(times);
  }
  return out;
}

function neuronRegs(id: string, nr: NeuronParams): { decayU: number; decayV: number; refractDelay: number; fallback: boolean } {
  if (nr.spiking === false) throw new SpikewasmError(`quantize: layer '${id}' is non-spiking (membrane readout); convert with a spiking output layer`);
  if ((nr.vInit ?? 0) !== 0) throw new SpikewasmError(`quantize: layer '${id}': vInit ${nr.vInit} is not supported (Loihi starts at v = 0)`);
  const reset = nr.reset ?? "subtract";
  if (reset === "value" && (nr.vReset ?? 0) !== 0) throw new SpikewasmError(`quantize: layer '${id}': reset to ${nr.vReset} is not supported (Loihi resets to 0)`);
  const leak = nr.model === "lif" ? nr.leak ?? 1 : 1;
  const decayV = Math.round(4096 * (1 - leak));
  const decayU = 4095 - Math.round(4096 * (nr.synDecay ?? 0));
  const refractDelay = (nr.refractory ?? 0) + 1;
  if (decayV < 0 || decayV > 4095 || decayU < 0 || decayU > 4095) throw new SpikewasmError(`quantize: layer '${id}': leak/synDecay out of Loihi's decay range`);
  if (refractDelay > 63) throw new SpikewasmError(`quantize: layer '${id}': refractory ${nr.refractory} exceeds Loihi's 62 steps`);
  return { decayU, decayV, refractDelay, fallback: reset === "subtract" };
}

interface Choice { wExp: number; s: number; vthMant: number; worst: number; fits: boolean }

/**
 * The chip shifts a mantissa m by wExp arithmetically, so for e < 0 only multiples of 2^−e are exact: the
 * effective weight is k·unit with unit = 64·2^max(e, 0) and |k| ≤ kmax = floor(255 / 2^max(−e, 0)).
 */
const unitOf = (e: number) => 64 * 2 ** Math.max(e, 0);
const kmaxOf = (e: number) => Math.floor(255 / 2 ** Math.max(-e, 0));

function choose(d: DenseNode, nSrc: number, e: number, maxW: number, pos: Float64Array, neg: Float64Array, sCap = Infinity): Choice {
  const th = d.neuron.threshold, unit = unitOf(e);
  const s0 = Math.min((kmaxOf(e) * unit) / maxW, sCap);
  const vthMant = Math.floor((th * s0) / 64);
  const s = (vthMant * 64) / th;
  const slack = nSrc * 0.5 * unit; // rounding of every weight
  let worst = 0, worstPos = 0;
  for (let j = 0; j < d.units; j++) {
    const b = d.bias ? d.bias[j] * s : 0;
    worstPos = Math.max(worstPos, pos[j] * s + slack + Math.max(b, 0));
    worst = Math.max(worst, pos[j] * s + slack + Math.max(b, 0), neg[j] * s + slack + Math.max(-b, 0));
  }
  const fits = vthMant >= 1 && vthMant <= VTH_MANT_MAX && worst <= Q_MAX && vthMant * 64 + worstPos <= VMAX;
  return { wExp: e, s, vthMant, worst, fits };
}

/** At wExp 0, the largest scale (max |k| below 255) whose worst step still fits. */
function shrinkAtZero(d: DenseNode, nSrc: number, maxW: number, pos: Float64Array, neg: Float64Array): Choice {
  const slack = nSrc * 0.5 * 64;
  let M = 0, Mpos = 0;
  for (let j = 0; j < d.units; j++) {
    const b = d.bias ? d.bias[j] : 0;
    Mpos = Math.max(Mpos, pos[j] + Math.max(b, 0));
    M = Math.max(M, Mpos, neg[j] + Math.max(-b, 0));
  }
  const cap = Math.min((Q_MAX - slack) / M, (VMAX - slack) / (d.neuron.threshold + Mpos));
  return choose(d, nSrc, 0, maxW, pos, neg, cap > 0 ? cap : 0);
}

function quantizeDense(d: DenseNode, nSrc: number, src: string, wExpOpt: number | "auto"): { block: LoihiBlock; conn: LoihiConnection; rep: LayerQuantization } {
  const { decayU, decayV, refractDelay, fallback } = neuronRegs(d.id, d.neuron);
  const n = d.units, W = d.weights;
  if (W.length !== nSrc * n) throw new SpikewasmError(`quantize: layer '${d.id}' has ${W.length} weights, expected ${nSrc}×${n}`);
  let maxW = 0;
  const pos = new Float64Array(n), neg = new Float64Array(n);
  for (let i = 0; i < nSrc; i++) for (let j = 0; j < n; j++) {
    const w = W[i * n + j];
    maxW = Math.max(maxW, Math.abs(w));
    if (w > 0) pos[j] += w; else neg[j] -= w;
  }
  if (maxW === 0) maxW = d.neuron.threshold / 255; // all-zero weights: any scale works
  let c: Choice | undefined;
  if (wExpOpt === "auto") {
    for (let e = 7; e >= 0 && !c; e--) {
      const t = choose(d, nSrc, e, maxW, pos, neg);
      if (t.fits) c = t;
    }
    c ??= shrinkAtZero(d, nSrc, maxW, pos, neg);
    if (c.vthMant < 1) throw new SpikewasmError(`quantize: layer '${d.id}': no scale gives a threshold mantissa >= 1 inside q's range (threshold ${d.neuron.threshold}, max|w| ${maxW})`);
  } else {
    if (!Number.isInteger(wExpOpt) || wExpOpt < -8 || wExpOpt > 7) throw new SpikewasmError(`quantize: wExp must be an integer in -8..7 or "auto", got ${wExpOpt}`);
    c = choose(d, nSrc, wExpOpt, maxW, pos, neg);
    if (c.vthMant < 1 || c.vthMant > VTH_MANT_MAX) throw new SpikewasmError(`quantize: layer '${d.id}': wExp ${wExpOpt} gives vthMant ${c.vthMant}, outside 1..${VTH_MANT_MAX}`);
  }
  const unit = unitOf(c.wExp), kmax = kmaxOf(c.wExp), mul = 2 ** Math.max(-c.wExp, 0);
  let rounded = 0, zeroed = 0, saturated = 0, se = 0;
  const posI = new Float64Array(n), negI = new Float64Array(n);
  const weights: number[][] = [];
  for (let i = 0; i < nSrc; i++) {
    const row = new Array<number>(n);
    for (let j = 0; j < n; j++) {
      const w = W[i * n + j], x = (w * c.s) / unit;
      let k = roundHalfAway(x);
      if (Math.abs(k) > kmax) { k = Math.sign(k) * kmax; saturated++; }
      if (k !== x) rounded++;
      if (w !== 0 && k === 0) zeroed++;
      se += ((k * unit) / c.s - w) ** 2;
      row[j] = k === 0 ? 0 : k * mul; // mantissa: exact under the chip's shift by wExp
      if (k > 0) posI[j] += k * unit; else negI[j] -= k * unit;
    }
    weights.push(row);
  }
  const biasMant: number[] = [], biasExp: number[] = [];
  let biasRounded = 0, biasSaturated = 0, biasExpMax = 0, overflowRisk = 0;
  for (let j = 0; j < n; j++) {
    const b = d.bias ? d.bias[j] * c.s : 0;
    let e = 0;
    while (e < 7 && Math.abs(b) / 2 ** e > BIAS_MANT_MAX) e++;
    let m = roundHalfAway(b / 2 ** e);
    if (Math.abs(m) > BIAS_MANT_MAX) { m = Math.sign(m) * BIAS_MANT_MAX; biasSaturated++; }
    if (m * 2 ** e !== b) biasRounded++;
    biasMant.push(m === 0 ? 0 : m); // no -0
    biasExp.push(e);
    biasExpMax = Math.max(biasExpMax, e);
    const bi = m * 2 ** e;
    const worst = Math.max(posI[j] + Math.max(bi, 0), negI[j] + Math.max(-bi, 0));
    if (worst > Q_MAX || c.vthMant * 64 + posI[j] + Math.max(bi, 0) > VMAX) overflowRisk++;
  }
  const f = (x: number) => new Array<number>(n).fill(x);
  const block: LoihiBlock = {
    name: d.id, n, decayU: f(decayU), decayV: f(decayV), vthMant: f(c.vthMant), biasMant, biasExp,
    refractDelay: f(refractDelay), vminExp: VMIN_EXP, vmaxExp: VMAX_EXP,
  };
  const rep: LayerQuantization = {
    id: d.id, src, nSrc, n, wExp: c.wExp, scale: c.s, threshold: d.neuron.threshold, vthMant: c.vthMant, maxAbsWeight: maxW,
    weights: nSrc * n, rounded, zeroed, saturated, weightRmsError: Math.sqrt(se / (nSrc * n)) / maxW,
    biases: d.bias ? n : 0, biasRounded, biasSaturated, biasExpMax, worstStep: c.worst, overflowRisk, decayU, decayV, refractDelay,
    reset: fallback ? "zero (fallback from subtract)" : "zero",
  };
  return { block, conn: { src, dst: d.id, weights, wExp: c.wExp }, rep };
}

/** Quantises a dense-only SNN (input, flatten, dense nodes) into a Loihi net; the rules are in the module header. */
export function quantizeToLoihi(snn: SnnGraph, options: QuantizeOptions = {}): QuantizedNet {
  const byId = new Map<string, SnnNode>(snn.nodes.map((n) => [n.id, n]));
  const bad = snn.nodes.filter((n) => n.kind !== "input" && n.kind !== "flatten" && n.kind !== "dense");
  if (bad.length) throw new SpikewasmError(`quantize: only dense-only SNNs (input, flatten, dense) are supported; unsupported: ${bad.map((n) => `'${n.id}' (${n.kind})`).join(", ")}`);
  const input = snn.nodes.find((n) => n.kind === "input");
  if (!input || input.kind !== "input") throw new SpikewasmError("quantize: the graph has no input node");
  const inputSize = input.shape.reduce((a, b) => a * b, 1);
  // resolve flatten chains to their population (or the input); sizes are the flat sizes
  const source = (id: string): { name: string; n: number; depth: number } => {
    const node = byId.get(id);
    if (!node) throw new SpikewasmError(`quantize: unknown node '${id}'`);
    if (node.kind === "flatten") return source(node.input);
    if (node.kind === "input") return { name: node.id, n: inputSize, depth: 0 };
    if (node.kind === "dense") return { name: node.id, n: node.units, depth: depth.get(node.id)! };
    throw new SpikewasmError(`quantize: unsupported node '${id}'`);
  };
  const depth = new Map<string, number>();
  const blocks: LoihiBlock[] = [], conns: LoihiConnection[] = [], layers: LayerQuantization[] = [];
  for (const n of snn.nodes) {
    if (n.kind !== "dense") continue;
    const s = source(n.input);
    depth.set(n.id, s.depth + 1);
    const q = quantizeDense(n, s.n, s.name, options.wExp ?? "auto");
    blocks.push(q.block); conns.push(q.conn); layers.push(q.rep);
  }
  const output = snn.output ?? snn.nodes[snn.nodes.length - 1].id;
  const out = source(output);
  if (out.depth === 0) throw new SpikewasmError("quantize: the output is the input; there is no dense layer");
  const fb = layers.filter((l) => l.reset !== "zero").map((l) => l.id);
  const notes: string[] = [];
  const risky = layers.filter((l) => l.overflowRisk > 0);
  if (risky.length) notes.push(`worst-case overflow possible (all sources spiking in one step) in ${risky.map((l) => `'${l.id}' (${l.overflowRisk} neurons)`).join(", ")}`);
  for (const l of layers) if (l.saturated || l.biasSaturated) notes.push(`'${l.id}': ${l.saturated} weights and ${l.biasSaturated} biases saturated`);
  const report: QuantizeReport = {
    layers, latency: out.depth, notes,
    reset: { fallback: fb.length > 0, layers: fb, note: fb.length ? SUBTRACT_RESET_NOTE : "every layer resets to 0 (native on Loihi)" },
  };
  const steps = options.steps ?? 64;
  const net: LoihiNet = {
    inputs: [{ name: input.id, n: inputSize, spikeTimes: options.input ? codeInput(options.input, inputSize, steps, options.rate ?? 1) : Array.from({ length: inputSize }, () => []) }],
    blocks, connections: conns,
  };
  return { net, report, inputName: input.id, inputSize, outputBlock: out.name, latency: out.depth };
}

function codeInput(values: ArrayLike<number>, n: number, steps: number, rate: number): number[][] {
  if (values.length !== n) throw new SpikewasmError(`quantize: input has ${values.length} values, expected ${n}`);
  if (!Number.isInteger(steps) || steps < 1) throw new SpikewasmError(`quantize: steps must be an integer >= 1, got ${steps}`);
  if (!(rate >= 0 && Number.isFinite(rate))) throw new SpikewasmError(`quantize: rate must be a finite number >= 0, got ${rate}`);
  return regularSpikeTimes(values, steps, rate);
}

/** The quantised net with its input replaced by the regular coding of `values` over `steps` steps. */
export function withInput(q: QuantizedNet, values: ArrayLike<number>, steps: number, rate = 1): LoihiNet {
  return { ...q.net, inputs: [{ name: q.inputName, n: q.inputSize, spikeTimes: codeInput(values, q.inputSize, steps, rate) }] };
}

/**
 * The same net restricted to the input axons that spike (rows of their connections kept in order): silent
 * axons add nothing, so the result is identical, and simulateLoihi validates fewer weights (MNIST: about
 * 150 of 784 pixels are non-zero).
 */
export function activeInputsOnly(net: LoihiNet): LoihiNet {
  const keep = new Map<string, number[]>();
  const inputs = (net.inputs ?? []).map((inp) => {
    const idx = inp.spikeTimes.map((t, j) => (t.length ? j : -1)).filter((j) => j >= 0);
    if (idx.length === 0) idx.push(0); // n must be >= 1
    keep.set(inp.name, idx);
    return { ...inp, n: idx.length, spikeTimes: idx.map((j) => inp.spikeTimes[j]) };
  });
  const connections = (net.connections ?? []).map((c) => {
    const idx = keep.get(c.src);
    return idx ? { ...c, weights: idx.map((j) => c.weights[j]) } : c;
  });
  return { ...net, inputs, connections };
}

/** Output spike counts (over steps + latency Loihi steps) and final output potentials of one sample. */
export async function runQuantized(q: QuantizedNet, values: ArrayLike<number>, steps: number, o: { rate?: number; backend?: Backend } = {}): Promise<{ counts: Int32Array; v: number[] }> {
  const r = await simulateLoihi(withInput(q, values, steps, o.rate ?? 1), steps + q.latency, { backend: o.backend });
  const tr = r.blocks[q.outputBlock];
  const counts = new Int32Array(tr.v[0].length);
  for (const row of tr.spikes) for (const j of row) counts[j]++;
  return { counts, v: tr.v[tr.v.length - 1] };
}

/** Predicted class: most spikes, ties broken by the higher potential, then the lower index. */
function pick(counts: ArrayLike<number>, v: ArrayLike<number>, off = 0, n = counts.length): number {
  let best = 0;
  for (let i = 1; i < n; i++) {
    const a = counts[off + i], b = counts[off + best];
    if (a > b || (a === b && v[off + i] > v[off + best])) best = i;
  }
  return best;
}

/** Options of evaluateQuantized. */
export interface EvaluateQuantizedOptions {
  /** coding steps T (default 64); Loihi runs T + latency steps */
  steps?: number;
  /** spike probability of an input of value 1 (default 1) */
  rate?: number;
  backend?: Backend;
  /** float simulator batch (default 32) */
  batch?: number;
  wExp?: number | "auto";
}

/** Accuracies of the quantised Loihi net and of the float SNN (both resets) on the same samples. */
export interface QuantizedEvaluation {
  samples: number;
  steps: number;
  latency: number;
  loihiAccuracy: number;
  /** float simulator, regular coding, every layer reset to zero (what the Loihi net does) */
  floatZeroAccuracy: number;
  /** float simulator, regular coding, reset by subtraction */
  floatSubtractAccuracy: number;
  loihiPredictions: Int32Array;
  floatZeroPredictions: Int32Array;
  floatSubtractPredictions: Int32Array;
  /** fraction of samples where the Loihi and float reset-to-zero predictions agree */
  agreementWithFloatZero: number;
  report: QuantizeReport;
  warnings: string[];
}

/** The graph with every layer's reset set to reset-to-`mode`. */
export function withReset(snn: SnnGraph, mode: "zero" | "subtract"): SnnGraph {
  return {
    ...snn,
    nodes: snn.nodes.map((n) => ("neuron" in n ? { ...n, neuron: { ...n.neuron, reset: mode === "zero" ? "value" : "subtract", vReset: 0 } } : n)) as SnnNode[],
  };
}

async function floatPredictions(snn: SnnGraph, samples: Float32Array, count: number, inputSize: number, steps: number, rate: number, batch: number, backend: Backend): Promise<Int32Array> {
  const sim = await Simulator.create(snn, { batch, backend });
  const pred = new Int32Array(count);
  for (let b0 = 0; b0 < count; b0 += batch) {
    const B = Math.min(batch, count - b0);
    const r = sim.run(samples.subarray(b0 * inputSize, (b0 + B) * inputSize), { steps, coding: "regular", rate });
    const nOut = r.output.counts.length / (steps * B);
    const off = (steps - 1) * B * nOut;
    for (let b = 0; b < B; b++) pred[b0 + b] = pick(r.output.counts, r.output.membrane, off + b * nOut, nOut);
  }
  return pred;
}

/**
 * Quantises `snn`, runs it with simulateLoihi on `count` samples (one call per sample: about 0.3 s per
 * sample for a 784-1200-1200-10 MLP, dominated by simulateLoihi's validation of the weights; silent input
 * axons are dropped first, see activeInputsOnly) and
 * returns its accuracy (argmax of output spike counts after T + L steps) next to the float SNN's with
 * reset to zero and with reset by subtraction (float Simulator, regular coding, T steps).
 */
export async function evaluateQuantized(snn: SnnGraph, samples: Float32Array, labels: ArrayLike<number>, count: number, o: EvaluateQuantizedOptions = {}): Promise<QuantizedEvaluation> {
  const steps = o.steps ?? 64, rate = o.rate ?? 1, backend = o.backend ?? "wasm";
  const q = quantizeToLoihi(snn, { wExp: o.wExp });
  if (labels.length < count) throw new SpikewasmError(`evaluateQuantized: ${labels.length} labels for ${count} samples`);
  if (samples.length < count * q.inputSize) throw new SpikewasmError(`evaluateQuantized: ${samples.length} values for ${count} samples of ${q.inputSize}`);
  const loihi = new Int32Array(count);
  const warnings = new Set<string>();
  for (let k = 0; k < count; k++) {
    const x = samples.subarray(k * q.inputSize, (k + 1) * q.inputSize);
    const r = await simulateLoihi(activeInputsOnly(withInput(q, x, steps, rate)), steps + q.latency, { backend });
    r.warnings.forEach((w) => warnings.add(w));
    const tr = r.blocks[q.outputBlock];
    const counts = new Int32Array(tr.v[0].length);
    for (const row of tr.spikes) for (const j of row) counts[j]++;
    loihi[k] = pick(counts, tr.v[tr.v.length - 1]);
  }
  const batch = o.batch ?? 32;
  const fz = await floatPredictions(withReset(snn, "zero"), samples, count, q.inputSize, steps, rate, batch, backend);
  const fs = await floatPredictions(withReset(snn, "subtract"), samples, count, q.inputSize, steps, rate, batch, backend);
  const acc = (p: Int32Array) => p.reduce((a, c, i) => a + (c === labels[i] ? 1 : 0), 0) / count;
  return {
    samples: count, steps, latency: q.latency,
    loihiAccuracy: acc(loihi), floatZeroAccuracy: acc(fz), floatSubtractAccuracy: acc(fs),
    loihiPredictions: loihi, floatZeroPredictions: fz, floatSubtractPredictions: fs,
    agreementWithFloatZero: loihi.reduce((a, c, i) => a + (c === fz[i] ? 1 : 0), 0) / count,
    report: q.report, warnings: [...warnings],
  };
}
