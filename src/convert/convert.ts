/**
 * ANN → SNN conversion (rate coding, Rueckauer et al. 2017, "Conversion of continuous-valued deep
 * networks to efficient event-driven networks"): each ReLU becomes an IF population with threshold 1,
 * weights and biases are rescaled by data-based normalisation factors λ so that the firing rate
 * (spikes per step) approximates the normalised activation a/λ ∈ [0, 1]:
 *   W_l ← W_l · λ_{l-1} / λ_l,   b_l ← b_l / λ_l   (λ per layer, or per output channel)
 * λ_l is the p-th percentile (default 99.9) of the layer's non-zero activations on calibration data
 * (or their maximum). Pooling and residual-add populations have no weights to rescale: their
 * normalisation is inherited (a pool averages rates, or max-pools them by gating on the most active
 * input (§2.2.3), with threshold 1, λ_pool = λ_in) or goes into the add scales (λ_in,k / λ_add).
 * Channel concatenation becomes a relay population (threshold 1) with λ_concat = max_k λ_in,k and
 * scales λ_in,k / λ_concat; its consumers see λ_concat.
 * Channel-wise λ applies to layers whose consumers are all weighted layers.
 * Normalisation "mse" chooses λ for the run's T instead of by percentile: the λ minimising the error
 * between the ANN activation clipped and floored at T levels and the activation itself (Li et al., ICML
 * 2021, "SNN calibration"; src/convert/calibrate/threshold.ts), per layer or per channel as above.
 * Normalisation "ltb" takes λ as given (`thresholds`, from local threshold balancing on calibration images,
 * Bu et al. CVPR 2025; src/convert/calibrate/ltb.ts) for every hidden weighted or add layer: one per layer,
 * or one per channel where channelWiseLayers allows it (a threshold that is missing or of the wrong size is
 * a named error); the output layer, which has no clipping neuron there, keeps the percentile λ.
 * NengoDL-style knobs: firing-rate scaling k multiplies every population's input current by k and its
 * outgoing spikes' effect by 1/k (net: the first layer's weights and every bias ×k, hidden weights
 * unchanged); synaptic smoothing gives every population an exponential synapse of time constant τ steps.
 *
 * Alternative normalisation "weight" (SNABSuite, Ostrau et al. 2020; hbp-unibi/SNABSuite
 * source/SNABs/mnist/mnist.cpp create_deep_network: m_weights_scale_factor = max_weight /
 * m_mlp->max_weight(), the largest positive weight over all dense layers, source/SNABs/mnist/mnist_mlp.hpp):
 * ONE global factor s = maxWeight / max_{l,i,j} W_l[i,j] for every weighted layer, W ← s·W (biases s·b),
 * no calibration data involved (λ are still computed, for the report's diagnosis only). SNABSuite
 * scales each convolution by its own conv_max_weight_i / max W_conv_i; here one factor covers dense and
 * convolution alike. With neuron "cond_exp" every population is a PyNN IF_cond_exp (graph.ts
 * CondExpParams) and the scaled weights are conductances in µS (SNABSuite: max_weight 0.01 µS); only
 * dense and conv2d layers convert then (pool/add/concat relays need a unit threshold).
 */
import { SpikewasmError } from "../errors.js";
import type { Activations } from "../ann/infer.js";
import { type AnnGraph, type AnnNode, annShapes } from "../ir/ann.js";
import type { CondExpParams, NeuronParams, Shape, SnnGraph, SnnNode } from "../ir/graph.js";
import { condExpNeuron, shapeSize } from "../ir/graph.js";
import { SNABSUITE_IF_COND_EXP } from "../reference/cond.js";
import { foldAvgPools } from "./fold-pool.js";
import { mseLambda } from "./calibrate/threshold.js";

/** Conversion options; every field has the documented default. */
export interface ConvertOptions {
  /**
   * "percentile" (default) or "max" of the calibration activations; "weight": one global weight scale;
   * "mse": λ minimising the clip-floor error at `timesteps` levels; "ltb": λ = `thresholds` (header)
   */
  normalization?: "percentile" | "max" | "weight" | "mse" | "ltb";
  /** normalization "ltb": λ per node id (one value, or one per channel), e.g. from ltbThresholds */
  thresholds?: Map<string, number[]>;
  /** normalization "mse": the number of steps T the thresholds are chosen for (required there) */
  timesteps?: number;
  /** "weight" normalisation: the largest weight after scaling (default 1; µS for neuron "cond_exp") */
  maxWeight?: number;
  /** neuron model of every population: "if" (default, threshold 1) or "cond_exp" (PyNN IF_cond_exp, `cond`) */
  neuron?: "if" | "cond_exp";
  /** neuron "cond_exp": PyNN parameters and dt (default SNABSuite's, SNABSUITE_IF_COND_EXP, dt 1 ms) */
  cond?: CondExpParams;
  /** refuse a model with a non-zero bias, naming every such layer (default false) */
  biasFree?: boolean;
  /** percentile for "percentile" normalisation (default 99.9) */
  percentile?: number;
  /** one λ per layer (default) or per output channel */
  granularity?: "layer" | "channel";
  /** "subtract" (default) or "zero" */
  reset?: "subtract" | "zero";
  /** initial membrane: 0 (default) or θ/2 ("half") */
  vInit?: "zero" | "half";
  /** output layer: spiking (count / first-spike readout, default) or non-spiking (membrane readout) */
  outputSpiking?: boolean;
  /** firing-rate scaling k (default 1) */
  rateScale?: number;
  /** synaptic smoothing τ in steps (default 0: none) */
  synapseTau?: number;
  /**
   * biases: "scale" (default) — a constant current b·k/λ_out every step, scaled with the layer's
   * normalisation like its weights; "drop" — removed (bias-free deployment, or to measure what the
   * biases contribute; the DNN accuracy reported is still the model's own, with biases)
   */
  bias?: "scale" | "drop";
  /**
   * max pooling: "gate" (default) — spikes gated by the window's most active input (exact in rate);
   * "avg" — replaced by average pooling, an approximation for chips without the gate (Loihi): the report's
   * accuracy shows its cost
   */
  maxPool?: "gate" | "avg";
  /**
   * average pooling: "relay" (default) — a population of IF neurons (threshold 1) re-spiking the averaged
   * spikes; "fold" — folded into the conv/dense layer that reads it where exact (./fold-pool.ts): one
   * quantisation stage less, more synaptic events
   */
  avgPool?: "relay" | "fold";
}

/** Conversion options with defaults filled; maxWeight only with "weight" normalisation, cond only with neuron "cond_exp". */
export type ResolvedConvertOptions = Required<Omit<ConvertOptions, "maxWeight" | "cond" | "timesteps" | "thresholds">> & { maxWeight?: number; cond?: CondExpParams; timesteps?: number };

/** What conversion did per layer (for reports). */
export interface ConversionReport {
  lambdas: { id: string; lambda: number[]; }[];
  options: ResolvedConvertOptions;
  /** "weight" normalisation: the global factor s (maxWeight / largest positive ANN weight) and that weight */
  weightScale?: { factor: number; maxAnnWeight: number; layer: string };
  /** stated fallbacks, e.g. layers kept layer-wise under granularity "channel" */
  notes: string[];
}

/** Options with defaults filled. */
export function resolveConvertOptions(o: ConvertOptions = {}): ResolvedConvertOptions {
  const r: ResolvedConvertOptions = {
    normalization: o.normalization ?? "percentile", percentile: o.percentile ?? 99.9, granularity: o.granularity ?? "layer",
    reset: o.reset ?? "subtract", vInit: o.vInit ?? "zero", outputSpiking: o.outputSpiking ?? true,
    rateScale: o.rateScale ?? 1, synapseTau: o.synapseTau ?? 0, bias: o.bias ?? "scale",
    neuron: o.neuron ?? "if", biasFree: o.biasFree ?? false, maxPool: o.maxPool ?? "gate", avgPool: o.avgPool ?? "relay",
  };
  if (r.avgPool !== "relay" && r.avgPool !== "fold") throw new SpikewasmError(`avgPool must be "relay" or "fold", got ${JSON.stringify(r.avgPool)}`);
  if (r.maxPool !== "gate" && r.maxPool !== "avg") throw new SpikewasmError(`maxPool must be "gate" or "avg", got ${JSON.stringify(r.maxPool)}`);
  if (!["percentile", "max", "weight", "mse", "ltb"].includes(r.normalization))
    throw new SpikewasmError(`normalization must be "percentile", "max", "weight", "mse" or "ltb", got ${JSON.stringify(r.normalization)}`);
  if (r.normalization === "mse") {
    if (!Number.isInteger(o.timesteps) || o.timesteps! < 1) throw new SpikewasmError(`normalization "mse" chooses thresholds for a number of steps: timesteps must be an integer >= 1, got ${o.timesteps}`);
    r.timesteps = o.timesteps;
  }
  if (r.normalization === "weight") {
    r.maxWeight = o.maxWeight ?? 1;
    if (!(r.maxWeight > 0 && Number.isFinite(r.maxWeight))) throw new SpikewasmError(`max weight must be a finite number > 0, got ${r.maxWeight}`);
  } else if (o.maxWeight !== undefined) throw new SpikewasmError(`maxWeight applies only to normalization "weight" (got normalization "${r.normalization}")`);
  if (r.neuron !== "if" && r.neuron !== "cond_exp") throw new SpikewasmError(`neuron must be "if" or "cond_exp", got ${JSON.stringify(r.neuron)}`);
  if (r.neuron === "cond_exp") {
    if (r.normalization !== "weight")
      throw new SpikewasmError(`neuron "cond_exp" needs normalization "weight" (weights become conductances in µS, scaled to maxWeight), got "${r.normalization}"`);
    r.cond = o.cond ?? { ...SNABSUITE_IF_COND_EXP, dt: 1 };
    const bad = ([["reset", r.reset !== "subtract"], ["vInit", r.vInit !== "zero"], ["synapseTau", r.synapseTau !== 0], ["outputSpiking", !r.outputSpiking]] as const)
      .filter(([, b]) => b).map(([k]) => k);
    if (bad.length) throw new SpikewasmError(`neuron "cond_exp": ${bad.join(", ")} do not apply (IF_cond_exp resets to v_reset, starts at v_rest, its synapses are the conductances, its output spikes)`);
  } else if (o.cond !== undefined) throw new SpikewasmError(`cond parameters apply only to neuron "cond_exp"`);
  if (r.bias !== "scale" && r.bias !== "drop") throw new SpikewasmError(`bias must be "scale" or "drop", got ${JSON.stringify(r.bias)}`);
  if (!(r.percentile > 0 && r.percentile <= 100)) throw new SpikewasmError(`percentile must be in (0, 100], got ${r.percentile}`);
  if (!(r.rateScale > 0 && Number.isFinite(r.rateScale))) throw new SpikewasmError(`rate scale must be a finite number > 0, got ${r.rateScale}`);
  if (!(r.synapseTau >= 0 && Number.isFinite(r.synapseTau))) throw new SpikewasmError(`synapse τ must be >= 0 steps, got ${r.synapseTau}`);
  // the kernels hold the decay exp(−1/τ) in float32: past ~3.4e7 steps it rounds to 1 (no decay at all)
  if (r.synapseTau > 0 && Math.fround(Math.exp(-1 / r.synapseTau)) >= 1)
    throw new SpikewasmError(`synapse τ ${r.synapseTau} steps is too long: its per-step decay exp(−1/τ) rounds to 1 in float32 (τ must be below about 3.3e7 steps; 0 turns the synapse filter off)`);
  return r;
}

/**
 * p-th percentile of the non-zero values (linear interpolation; max for p = 100); 1 when there are none.
 * A high percentile needs only the top of the values: a threshold t from a strided sample, then every
 * non-zero value >= t is collected and the order statistics are taken among those. When at least r + 1
 * values are >= t, the r + 1 largest of all are among them (ties at t included), so the result is the one
 * of a selection over all values, bit for bit; otherwise (an unlucky sample) that selection is made.
 */
export function percentileNonZero(values: ArrayLike<number>, p: number): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) m++;
  if (m === 0) return 1;
  const pos = (p / 100) * (m - 1);
  const lo = Math.floor(pos);
  const r = m - 1 - lo; // rank of the lo-th smallest from the top (0 = the largest)
  const top = r < m / 32 && m >= 4096 ? topValues(values, m, r + 1) : null;
  const a = top ?? new Float64Array(m);
  if (!top) for (let i = 0, j = 0; i < values.length; i++) if (values[i] !== 0) a[j++] = values[i];
  const k = a.length - 1 - r; // the lo-th smallest of all, as an index among `a`
  const vlo = select(a, k);
  const vhi = lo + 1 < m && pos > lo ? minFrom(a, k + 1) : vlo;
  const v = vlo + (vhi - vlo) * (pos - lo);
  return v > 0 ? v : 1;
}

/**
 * Every non-zero value >= t, for a t below which, by a strided sample of 2,048 non-zero values, about twice
 * `need` of the m non-zero values lie above; null when fewer than `need` are >= t.
 */
function topValues(values: ArrayLike<number>, m: number, need: number): Float64Array | null {
  const S = 2048, stride = Math.max(1, Math.floor(m / S));
  const sample: number[] = [];
  for (let i = 0, nz = 0; i < values.length && sample.length < S; i++) {
    const x = values[i];
    if (x !== 0 && nz++ % stride === 0) sample.push(x);
  }
  sample.sort((x, y) => x - y);
  const above = Math.min(sample.length, Math.ceil((2 * need * sample.length) / m) + 2);
  const t = sample[sample.length - above];
  let c = 0;
  for (let i = 0; i < values.length; i++) { const x = values[i]; if (x !== 0 && x >= t) c++; }
  if (c < need) return null;
  const out = new Float64Array(c);
  for (let i = 0, j = 0; i < values.length; i++) { const x = values[i]; if (x !== 0 && x >= t) out[j++] = x; }
  return out;
}

/** k-th smallest value (Hoare quickselect, in place: afterwards a[k] holds it and a[k+1..] are >= it). */
function select(a: Float64Array, k: number): number {
  let l = 0, r = a.length - 1;
  while (l < r) {
    const pivot = a[(l + r) >> 1];
    let i = l, j = r;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i]; a[i] = a[j]; a[j] = t;
        i++; j--;
      }
    }
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else break;
  }
  return a[k];
}

function minFrom(a: Float64Array, from: number): number {
  let m = Infinity;
  for (let i = from; i < a.length; i++) if (a[i] < m) m = a[i];
  return m;
}

/** λ of a node's activations: one value (layer) or one per channel; non-positive percentiles fall back to 1. */
function lambdaOf(acts: Float32Array, shape: Shape, B: number, o: ResolvedConvertOptions, perChannel: boolean): number[] {
  const p = o.normalization === "max" ? 100 : o.percentile;
  const of = o.normalization === "mse" ? (v: ArrayLike<number>) => mseLambda(v, o.timesteps!, o.vInit === "half", o.reset === "zero") : (v: ArrayLike<number>) => percentileNonZero(v, p);
  if (!perChannel) return [of(acts)];
  const C = shape[0], per = shapeSize(shape) / C, n = shapeSize(shape);
  return Array.from({ length: C }, (_, c) => {
    const vals = new Float32Array(B * per);
    for (let b = 0; b < B; b++) vals.set(acts.subarray(b * n + c * per, b * n + (c + 1) * per), b * per);
    return of(vals);
  });
}

/**
 * Converts an ANN to an SNN using calibration activations (from inferAnn on `count` calibration samples).
 * Unsupported structures (non-ReLU activations on hidden layers) are all listed in one error.
 */
export function convertAnn(annIn: AnnGraph, acts: Activations, count: number, options: ConvertOptions = {}): { snn: SnnGraph; report: ConversionReport } {
  const o = resolveConvertOptions(options);
  const fold = o.avgPool === "fold" && o.neuron === "if" ? foldAvgPools(annIn) : null;
  const ann = fold ? fold.ann : annIn;
  const shapes = annShapes(ann);
  const output = ann.output ?? ann.nodes[ann.nodes.length - 1].id;
  const problems: string[] = [];
  for (const n of ann.nodes) {
    if ("activation" in n && typeof n.activation === "object" && n.id !== output)
      problems.push(`layer '${n.id}': Clip to [0, ${n.activation.clip[1]}] converts only approximately (rates saturate at λ); use ReLU`);
    if (o.neuron === "cond_exp" && (n.kind === "pool" || n.kind === "add" || n.kind === "concat"))
      problems.push(`layer '${n.id}': ${n.kind} does not convert with neuron "cond_exp" (dense and conv2d layers only)`);
  }
  if (o.biasFree) problems.push(...biasProblems(ann));
  if (problems.length) throw new SpikewasmError(`cannot convert ${problems.length} layer(s):\n  ${problems.join("\n  ")}`);

  // λ per node (input: 1, i.e. rates = input values). Channel-wise λ only where every consumer is a
  // weighted layer (possibly through a flatten), which can absorb per-channel factors in its weights.
  const inputId = ann.nodes.find((n) => n.kind === "input")!.id;
  const chanWise = channelWiseLayers(ann);
  if (o.normalization === "ltb" && !options.thresholds)
    throw new SpikewasmError(`normalization "ltb" takes its thresholds from local threshold balancing on calibration images (ltbThresholds, run by convertCalibrated): none given`);
  const lambda = new Map<string, number[]>();
  const chanOf = new Map<string, (i: number) => number>(); // element index -> index into the λ vector
  const syn = o.synapseTau > 0 ? Math.exp(-1 / o.synapseTau) : 0;
  const nodes: SnnNode[] = [];
  const report: ConversionReport = { lambdas: [], options: o, notes: [] };
  if (o.avgPool === "fold") report.notes.push(fold ? `average pooling folded into the next layer: ${fold.folded.join(", ") || "none"}${fold.kept.map((k) => `; '${k.id}' kept as a relay (${k.reason})`).join("")}` : `average pooling not folded: neuron "${o.neuron}" converts dense and conv2d layers only`);
  const global = o.normalization === "weight" ? globalWeightScale(ann, o.maxWeight!) : null;
  if (global) report.weightScale = global;
  const neuron = (id: string, threshold: number): NeuronParams => o.cond ? condExpNeuron(o.cond, o.cond.dt, o.cond.accumulate) : ({
    model: "if", threshold, reset: o.reset === "zero" ? "value" : "subtract", vReset: 0,
    vInit: o.vInit === "half" ? threshold / 2 : 0, synDecay: syn, spiking: id !== output || o.outputSpiking,
  });
  const ctx: NodeCtx = {
    shapes, inputId, k: o.rateScale, bias: o.bias === "scale", neuron,
    scale: global ? global.factor : null,
    lam: (id, i) => {
      const l = lambda.get(id)!;
      return l.length === 1 ? l[0] : l[chanOf.get(id)!(i)];
    },
  };
  for (const n of ann.nodes) {
    const s = shapes.get(n.id)!;
    if (n.kind === "input" || n.kind === "flatten" || n.kind === "pool") {
      // no weights: rates pass through (pool averages or max-pools them, threshold 1), λ is inherited
      const src = n.kind === "input" ? null : n.input;
      lambda.set(n.id, src ? lambda.get(src)! : [1]);
      if (src && chanOf.has(src)) {
        const ss = shapes.get(src)!, f = chanOf.get(src)!;
        const hw = ss.length === 3 ? ss[1] * ss[2] : 1, ohw = s.length === 3 ? s[1] * s[2] : 1;
        chanOf.set(n.id, n.kind === "flatten" ? (i) => f(Math.floor(i / hw) * hw) : (i) => f(Math.floor(i / ohw) * hw));
      }
      if (n.kind === "input") nodes.push({ kind: "input", id: n.id, shape: s });
      else if (n.kind === "flatten") nodes.push({ kind: "flatten", id: n.id, input: n.input });
      else nodes.push({ kind: "pool", id: n.id, input: n.input, mode: n.mode === "max" && o.maxPool === "avg" ? "avg" : n.mode, kernel: n.kernel, stride: n.stride,
        padding: n.padding, countIncludePad: n.countIncludePad, neuron: neuron(n.id, n.input === inputId ? 1 / o.rateScale : 1) });
      continue;
    }
    if (n.kind === "concat") {
      // a relay population (threshold 1): λ_concat = max of the inputs' (layer-wise) λ, each input's
      // spikes scaled by λ_k / λ_concat (× k from the network input) so that no relay rate exceeds 1
      const lIn = n.inputs.map((id) => Math.max(...lambda.get(id)!));
      const lc = Math.max(...lIn);
      lambda.set(n.id, [lc]);
      report.lambdas.push({ id: n.id, lambda: [lc] });
      nodes.push({ kind: "concat", id: n.id, inputs: n.inputs, scales: n.inputs.map((id, k) => ((global ? 1 : lIn[k] / lc) * (id === inputId ? o.rateScale : 1))),
        neuron: neuron(n.id, 1) });
      continue;
    }
    const a = acts.get(n.id);
    // "weight" normalisation needs no calibration data (its λ only serve the report's diagnosis)
    if (!a && !global) throw new SpikewasmError(`no calibration activations for layer '${n.id}'`);
    const perChan = o.granularity === "channel" && chanWise.has(n.id);
    if (o.granularity === "channel" && (n.kind === "conv2d" || n.kind === "dense") && !perChan)
      report.notes.push(`layer '${n.id}': one λ for the whole layer (channel-wise needs every consumer to be a dense or conv layer that absorbs per-channel factors${n.id === output ? "; the output layer keeps one" : ""})`);
    const l = o.normalization === "ltb" && n.id !== output ? givenLambda(options.thresholds!, n.id, s, perChan) : a ? lambdaOf(a, s, count, o, perChan) : [1];
    lambda.set(n.id, l);
    if (l.length > 1) chanOf.set(n.id, s.length === 3 ? (i) => Math.floor(i / (s[1] * s[2])) : (i) => i);
    report.lambdas.push({ id: n.id, lambda: l });
    nodes.push(convertNode(n, l, ctx));
  }
  return { snn: { nodes, output }, report };
}

/**
 * The weighted layers that can take one λ per output channel: dense and conv2d layers, not the output,
 * whose consumers are all dense or conv2d layers (possibly through a flatten) that absorb per-channel factors.
 */
export function channelWiseLayers(ann: AnnGraph): Set<string> {
  const output = ann.output ?? ann.nodes[ann.nodes.length - 1].id;
  const consumers = new Map<string, AnnNode[]>();
  for (const n of ann.nodes) for (const id of annInputsOf(n)) consumers.set(id, [...(consumers.get(id) ?? []), n]);
  const absorbs = (id: string): boolean =>
    (consumers.get(id) ?? []).every((c) => c.kind === "dense" || c.kind === "conv2d" || (c.kind === "flatten" && absorbs(c.id)));
  return new Set(ann.nodes.filter((n) => n.id !== output && (n.kind === "conv2d" || n.kind === "dense") && absorbs(n.id)).map((n) => n.id));
}

/** normalization "ltb": the given λ of a node, checked (one value, or one per channel where the layer takes them; all > 0). */
function givenLambda(th: Map<string, number[]>, id: string, s: Shape, perChan: boolean): number[] {
  const l = th.get(id);
  if (!l) throw new SpikewasmError(`normalization "ltb": no threshold for layer '${id}'`);
  const C = s[0];
  if (l.length !== 1 && !(perChan && l.length === C))
    throw new SpikewasmError(`normalization "ltb": layer '${id}' got ${l.length} thresholds; it takes ${perChan ? `1 or ${C} (one per channel)` : "1 (it cannot take per-channel thresholds)"}`);
  if (!l.every((x) => x > 0 && Number.isFinite(x))) throw new SpikewasmError(`normalization "ltb": layer '${id}' has a threshold that is not a finite number > 0`);
  return l;
}

function annInputsOf(n: AnnNode): string[] {
  return n.kind === "input" ? [] : n.kind === "add" || n.kind === "concat" ? n.inputs : [n.input];
}

interface NodeCtx {
  shapes: Map<string, Shape>;
  /** "weight" normalisation: the global factor s (W ← s·W, b ← s·b), replacing the λ ratios; null otherwise */
  scale: number | null;
  inputId: string;
  /** firing-rate scale */
  k: number;
  /** keep (scaled) biases */
  bias: boolean;
  lam: (id: string, i: number) => number;
  neuron: (id: string, th: number) => NeuronParams;
}

/** One weighted or add layer: rescaled weights, biases and scales (see the module header). */
function convertNode(n: Exclude<AnnNode, { kind: "input" | "flatten" | "pool" | "concat" }>, lambdas: number[], c: NodeCtx): SnnNode {
  // with a global scale s every weight is s·W: λ_in / λ_out = s, and b/λ_out = s·b with λ_out = 1/s
  const l = c.scale !== null ? [1 / c.scale] : lambdas;
  if (c.scale !== null) c = { ...c, lam: () => 1 };
  const lOut = (o: number) => (l.length === 1 ? l[0] : l[o]);
  const fromInput = (id: string) => (id === c.inputId ? c.k : 1);
  switch (n.kind) {
    case "dense": {
      const nIn = shapeSize(c.shapes.get(n.input)!);
      const w = new Float32Array(n.weights.length);
      for (let i = 0; i < nIn; i++) {
        const li = c.lam(n.input, i) * fromInput(n.input);
        for (let o = 0; o < n.units; o++) w[i * n.units + o] = (n.weights[i * n.units + o] * li) / lOut(o);
      }
      const bias = n.bias && c.bias ? Float32Array.from(n.bias, (b, o) => (c.k * b) / lOut(o)) : undefined;
      return { kind: "dense", id: n.id, input: n.input, units: n.units, weights: w, bias, neuron: c.neuron(n.id, 1) };
    }
    case "conv2d": {
      const inS = c.shapes.get(n.input)!;
      const cinG = inS[0] / n.groups, coutG = n.outChannels / n.groups, kk = n.kernel[0] * n.kernel[1];
      const hw = inS[1] * inS[2];
      const w = new Float32Array(n.weights.length);
      for (let oc = 0; oc < n.outChannels; oc++) {
        const g = Math.floor(oc / coutG);
        for (let cl = 0; cl < cinG; cl++) {
          const li = c.lam(n.input, (g * cinG + cl) * hw) * fromInput(n.input);
          for (let q = 0; q < kk; q++) {
            const idx = (oc * cinG + cl) * kk + q;
            w[idx] = (n.weights[idx] * li) / lOut(oc);
          }
        }
      }
      const bias = n.bias && c.bias ? Float32Array.from(n.bias, (b, o) => (c.k * b) / lOut(o)) : undefined;
      return { kind: "conv2d", id: n.id, input: n.input, outChannels: n.outChannels, kernel: n.kernel, stride: n.stride, padding: n.padding,
        dilation: n.dilation, groups: n.groups, weights: w, bias, neuron: c.neuron(n.id, 1) };
    }
    case "add":
      return { kind: "add", id: n.id, inputs: n.inputs, scales: n.inputs.map((id) => (c.scale !== null ? 1 : c.lam(id, 0) / l[0]) * fromInput(id)), neuron: c.neuron(n.id, 1) };
    default:
      throw new SpikewasmError(`layer '${(n as AnnNode).id}': ${(n as AnnNode).kind} cannot be converted`);
  }
}

/** "weight" normalisation: s = maxWeight / the largest positive weight of all dense and conv2d layers (module header). */
export function globalWeightScale(ann: AnnGraph, maxWeight: number): { factor: number; maxAnnWeight: number; layer: string } {
  let max = 0, layer = "";
  for (const n of ann.nodes) {
    if (n.kind !== "dense" && n.kind !== "conv2d") continue;
    for (let i = 0; i < n.weights.length; i++) if (n.weights[i] > max) { max = n.weights[i]; layer = n.id; }
  }
  if (!(max > 0)) throw new SpikewasmError(`normalization "weight": the model has no positive weight to scale to ${maxWeight}`);
  return { factor: maxWeight / max, maxAnnWeight: max, layer };
}

/** One problem per layer with a non-zero bias (bias-free conversion), naming the layer and its largest |bias|. */
export function biasProblems(ann: AnnGraph): string[] {
  const out: string[] = [];
  for (const n of ann.nodes) {
    if ((n.kind !== "dense" && n.kind !== "conv2d") || !n.bias) continue;
    let m = 0, at = -1;
    for (let i = 0; i < n.bias.length; i++) if (Math.abs(n.bias[i]) > m) { m = Math.abs(n.bias[i]); at = i; }
    if (at >= 0) out.push(`layer '${n.id}' (${n.kind}) has non-zero biases (max |b| = ${m} at unit ${at}); the protocol needs a bias-free network`);
  }
  return out;
}
