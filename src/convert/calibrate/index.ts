/**
 * Post-training techniques for few timesteps, applied at conversion on calibration images only (never
 * test images, never labels), and their report:
 *   normalization "mse"   threshold per layer/channel chosen for T (Li et al., ICML 2021; ./threshold.ts,
 *                         applied inside convertAnn)
 *   normalization "ltb"   local threshold balancing per layer/channel (Bu et al., CVPR 2025; ./ltb.ts)
 *   biasCorrection        layer-by-layer bias correction (Li et al. 2021 light calibration; ./bias.ts)
 *   vInit "half"          θ/2 initial potential (Bu et al., AAAI 2022; a conversion option)
 *   readout / readoutDelay  membrane readout (non-spiking output) and delayed readout (src/convert/evaluate.ts)
 *   avgPool "fold"        average pooling folded into the layer reading it (src/convert/fold-pool.ts)
 *   tune                  the best combination for T by agreement with the DNN's predictions, ties broken
 *                         by the output KL error on the same images (./tune.ts)
 * convertCalibrated is what `run` calls instead of convertAnn: the plain conversion plus these.
 */
import { argmax } from "../../ann/infer.js";
import type { Activations } from "../../ann/infer.js";
import { SpikewasmError } from "../../errors.js";
import type { AnnGraph } from "../../ir/ann.js";
import type { SnnGraph } from "../../ir/graph.js";
import type { InputCoding } from "../../sim/input.js";
import { type ConversionReport, type ConvertOptions, convertAnn, resolveConvertOptions } from "../convert.js";
import type { EvaluateOptions, Readout, SnnEvaluation } from "../evaluate.js";
import { foldAvgPools } from "../fold-pool.js";
import { type BiasCorrectionLayer, correctBiases } from "./bias.js";
import { LTB_DEFAULTS, type LtbLayer, type LtbResult, ltbThresholds } from "./ltb.js";
import { type TieBreak, type TuneExclusion, type TuneResult, type TuneScore, type TuneSetting, tuneDelays, tuneSearch } from "./tune.js";

/** Options of a calibrated conversion: the conversion's, the simulation's, and the techniques'. */
export interface CalibrationOptions extends ConvertOptions {
  timesteps: number;
  coding?: InputCoding;
  rate?: number;
  seed?: number;
  batch?: number;
  readout?: Readout;
  /** delayed readout: steps not counted (default 0; src/convert/evaluate.ts) */
  readoutDelay?: number;
  /** layer-by-layer bias correction (default false; ./bias.ts) */
  biasCorrection?: boolean;
  /** calibration images the bias correction simulates (default 256) */
  biasCorrectionSamples?: number;
  /** search the techniques for T on calibration images (default false; ./tune.ts) */
  tune?: boolean;
  /** calibration images the search scores candidates on (default 500) */
  tuneSamples?: number;
  /** how the search breaks agreement ties (default "outputKl"; ./tune.ts) */
  tuneTieBreak?: TieBreak;
  /** normalization "ltb": mini-batches of 100 calibration images (default 40; ./ltb.ts) */
  ltbIterations?: number;
  /** knob values the search leaves out (a target that cannot take them), with the reason */
  tuneExclude?: TuneExclusion[];
  /**
   * the run's hardware targets (src/pipeline/targets.ts): with a neuromorphic one (anything but the DNN
   * targets cpu and ncs2) the search leaves folding average pooling out, and the report says why
   */
  targets?: string[];
  /** false: the search tries no readout delay (a target whose readout already waits for the pipeline); default true */
  tuneReadoutDelay?: boolean;
  /** pause steps of the run (the techniques need a run without a pause) */
  pause?: number;
  /** progress of the search: stage "tune", candidates done of total */
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** Calibration images: samples in the model's input order. */
export interface CalibrationSet {
  samples: Float32Array;
  count: number;
  source: string;
}

/**
 * SNN evaluation against given labels (here: the DNN's predictions), e.g. over worker threads; only the
 * accuracy after T steps is used (a target's own engine can score candidates, e.g. the bit-exact Loihi one).
 */
export type EvaluateFn = (snn: SnnGraph, samples: Float32Array, labels: Int32Array, count: number, o: EvaluateOptions) => Promise<Pick<SnnEvaluation, "accuracy" | "outputs">>;

/** The report's `calibration` block: which techniques ran, on what, and what the search chose. */
export interface CalibrationReport {
  /** every technique as used for the run (after --tune, the chosen ones) */
  techniques: { normalization: string; granularity: string; vInit: string; biasCorrection: boolean; readout: Readout; readoutDelay: number; avgPool: "relay" | "fold" };
  /** where the calibration data came from; the test set is never used */
  data: string;
  biasCorrection?: { samples: number; layers: BiasCorrectionLayer[] };
  /** local threshold balancing, when the run (or the chosen setting) uses it: its thresholds per layer */
  thresholdBalancing?: { granularity: string; iterations: number; batch: number; images: number; layers: LtbLayer[] };
  tune?: TuneResult & { samples: number; criterion: string; secondary: string };
  notes: string[];
}

/** The result: the SNN to evaluate, its conversion report, the readout to use and the calibration report. */
export interface CalibratedConversion {
  snn: SnnGraph;
  conversion: ConversionReport;
  readout: Readout;
  readoutDelay: number;
  report: CalibrationReport;
}

const DEFAULT_BC_SAMPLES = 256;
const DEFAULT_TUNE_SAMPLES = 500;

/**
 * Converts `ann` with the techniques of `o` (module header). `acts` are the ANN activations of all
 * `cal.count` calibration images; `evaluate` scores candidates under `tune` (evaluateSnn, or a parallel one).
 */
export async function convertCalibrated(ann: AnnGraph, acts: Activations, cal: CalibrationSet, o: CalibrationOptions, evaluate: EvaluateFn): Promise<CalibratedConversion> {
  check(o, cal);
  const notes: string[] = [];
  const bcSamples = Math.min(o.biasCorrectionSamples ?? DEFAULT_BC_SAMPLES, cal.count);
  if ((o.biasCorrection || o.tune) && bcSamples < (o.biasCorrectionSamples ?? DEFAULT_BC_SAMPLES))
    notes.push(`bias correction uses ${bcSamples} calibration images (only ${cal.count} given; ${o.biasCorrectionSamples ?? DEFAULT_BC_SAMPLES} asked)`);
  const data = `${cal.source} (calibration images; no test images, no labels)`;
  // local threshold balancing depends only on the granularity: computed once per granularity
  const ltbCache = new Map<string, LtbResult>();
  const ltb = (granularity: "layer" | "channel"): LtbResult => {
    if (!ltbCache.has(granularity)) ltbCache.set(granularity, ltbThresholds(ann, cal.samples, cal.count, { granularity, iterations: o.ltbIterations }));
    return ltbCache.get(granularity)!;
  };
  const ltbReport = (s: TuneSetting) => {
    if (s.normalization !== "ltb") return {};
    const r = ltb(s.granularity);
    notes.push(...r.notes);
    return { thresholdBalancing: { granularity: s.granularity, iterations: r.iterations, batch: r.batch, images: r.images, layers: r.layers } };
  };
  if (!o.tune) {
    const built = await build(ann, acts, cal, o, settingOf(o), bcSamples, ltb);
    notes.push(...built.conversion.notes);
    return { snn: built.snn, conversion: built.conversion, readout: o.readout ?? "count", readoutDelay: o.readoutDelay ?? 0,
      report: { techniques: techniquesOf(o, settingOf(o)), data, ...(built.bc ? { biasCorrection: { samples: bcSamples, layers: built.bc } } : {}), ...ltbReport(settingOf(o)), notes } };
  }
  const N = Math.min(o.tuneSamples ?? DEFAULT_TUNE_SAMPLES, cal.count);
  if (N < (o.tuneSamples ?? DEFAULT_TUNE_SAMPLES)) notes.push(`tune scores candidates on ${N} calibration images (only ${cal.count} given)`);
  if (N < 100) notes.push(`tune: ${N} images decide between candidates to within ${(100 / N).toFixed(1)} points; give more calibration images for a firmer choice`);
  const output = ann.output ?? ann.nodes[ann.nodes.length - 1].id;
  const outActs = acts.get(output)!, nOut = outActs.length / cal.count;
  const dnnPred = argmax(outActs.subarray(0, N * nOut), N);
  const nIn = cal.samples.length / cal.count;
  const tuneImages = cal.samples.subarray(0, N * nIn);
  // graphs share everything but the readout delay: build once per setting without delay
  const cache = new Map<string, Promise<Awaited<ReturnType<typeof build>>>>();
  const graphKey = (s: TuneSetting) => `${s.normalization}/${s.granularity}/${s.vInit}/${s.biasCorrection}/${s.avgPool}`;
  const graph = (s: TuneSetting) => {
    const key = graphKey(s);
    if (!cache.has(key)) cache.set(key, build(ann, acts, cal, o, { ...s, readout: "count" }, bcSamples, ltb));
    return cache.get(key)!;
  };
  let noOutputs = false;
  const score = async (ss: TuneSetting[]): Promise<TuneScore[]> => {
    const out: TuneScore[] = [];
    for (const s of ss) {
      const g = await graph(s);
      const snn = s.readout === "membrane" ? membraneOutput(g.snn, g.uncorrectedOutputBias) : g.snn;
      const ev = await evaluate(snn, tuneImages, dnnPred, N, {
        timesteps: o.timesteps, batch: o.batch ?? 32, coding: o.coding ?? "current", rate: o.rate ?? 1, seed: o.seed ?? 0, readout: s.readout, readoutDelay: s.readoutDelay,
        recordOutputs: true,
      });
      if (!ev.outputs) noOutputs = true;
      const lamOut = g.conversion.lambdas.find((l) => l.id === output)?.lambda[0] ?? 1;
      const sec = ev.outputs ? outputErrors(ev.outputs, outActs.subarray(0, N * nOut), N, {
        scale: lamOut / ((o.timesteps - s.readoutDelay) * (o.rateScale ?? 1)), offset: s.readout === "membrane" && s.readoutDelay === 0 && s.vInit === "half" ? 0.5 : 0,
      }) : { outputKl: null, outputMse: null };
      out.push({ agreement: ev.accuracy, ...sec });
    }
    return out;
  };
  const tieBreak = o.tuneTieBreak ?? "outputKl";
  // folding average pooling is searched only where some pool folds exactly (./fold-pool.ts)
  // (and not for a neuromorphic target: a folded layer has k² times the fan-in, e.g. more input axons per
  // neuron than a Loihi core has, and k² times the synaptic events)
  const chips = (o.targets ?? []).filter((t) => t !== "cpu" && t !== "ncs2");
  const noFold: TuneExclusion[] = !foldAvgPools(ann).folded.length ? [{ knob: "avgPool", value: "fold", reason: "no average pooling of the model folds into the layer reading it" }]
    : chips.length ? [{ knob: "avgPool", value: "fold", reason: `the run targets ${chips.join(", ")}: folding multiplies the reading layer's fan-in and synaptic events by the pool's window` }] : [];
  const result = await tuneSearch(o.timesteps, [...(o.tuneExclude ?? []), ...noFold], score, o.tuneReadoutDelay === false ? [] : tuneDelays(o.timesteps), (_, done, total) => o.onProgress?.("tune", done, total), tieBreak);
  if (noOutputs && tieBreak !== "simpler") notes.push("tune: the evaluator gave no output values, so no secondary score: agreement ties went to the simpler setting");
  const chosen = result.chosen;
  const g = await graph(chosen);
  const snn = chosen.readout === "membrane" ? membraneOutput(g.snn, g.uncorrectedOutputBias) : g.snn;
  const conversion = { ...g.conversion, options: { ...g.conversion.options, outputSpiking: chosen.readout !== "membrane" } };
  for (const e of result.excluded) notes.push(`tune: ${e.knob} ${e.value} not searched: ${e.reason}`);
  notes.push(...g.conversion.notes);
  return {
    snn, conversion, readout: chosen.readout, readoutDelay: chosen.readoutDelay,
    report: {
      techniques: techniquesOf(o, chosen), data,
      ...(chosen.biasCorrection ? { biasCorrection: { samples: bcSamples, layers: g.bc! } } : {}),
      ...ltbReport(chosen),
      tune: { ...result, samples: N, criterion: `agreement with the DNN's own predictions on the first ${N} calibration images after T = ${o.timesteps} steps (no labels, no test images)`,
        secondary: tieBreak === "simpler" ? "none: agreement ties go to the setting with fewer techniques"
          : `agreement ties broken by the lower ${tieBreak === "outputKl" ? "output KL error, mean over the same images of KL(softmax(DNN logits) ‖ softmax(SNN readout in the DNN's units))" : "output MSE, mean over the same images and classes of (SNN readout in the DNN's units − DNN logit)²"}; still tied: fewer techniques (every candidate's outputKl and outputMse are listed)` },
      notes,
    },
  };
}

/** Refuses what the techniques cannot take, naming it. */
function check(o: CalibrationOptions, cal: CalibrationSet): void {
  const any = o.tune || o.biasCorrection || o.normalization === "mse" || o.normalization === "ltb";
  if (o.tune && !(cal.count >= 1)) throw new SpikewasmError("tune needs calibration data (calibration images of the training set): none given");
  if (o.normalization === "ltb" && !(cal.count >= 1)) throw new SpikewasmError(`normalization "ltb" (local threshold balancing) needs calibration data (calibration images of the training set): none given`);
  if (o.ltbIterations !== undefined && o.normalization !== "ltb" && !o.tune)
    throw new SpikewasmError(`ltbIterations applies to normalization "ltb" (local threshold balancing) or tune, got normalization "${o.normalization ?? "percentile"}"`);
  if (!any) return;
  const what = o.tune ? "tune" : o.biasCorrection ? "bias correction" : `normalization "${o.normalization}"`;
  if (o.neuron === "cond_exp") throw new SpikewasmError(`${what} applies to IF neurons; neuron "cond_exp" cannot take it`);
  if (o.normalization === "weight") throw new SpikewasmError(`${what} needs data-based normalisation; normalization "weight" (one global scale) cannot take it`);
  if ((o.pause ?? 0) > 0) throw new SpikewasmError(`${what} assumes the input is presented every step; a pause (${o.pause} steps) cannot take it`);
  if ((o.biasCorrection || o.tune) && o.bias === "drop") throw new SpikewasmError(`${what}: bias correction adds biases, which bias "drop" removes; use bias "scale"`);
  if (o.tune && o.readout && o.readout !== "count" && o.readout !== "membrane")
    throw new SpikewasmError(`tune chooses between the count and membrane readouts; readout "${o.readout}" cannot be tuned`);
  if (o.biasCorrectionSamples !== undefined && (!Number.isInteger(o.biasCorrectionSamples) || o.biasCorrectionSamples < 1))
    throw new SpikewasmError(`biasCorrectionSamples must be an integer >= 1, got ${o.biasCorrectionSamples}`);
  if (o.tuneSamples !== undefined && (!Number.isInteger(o.tuneSamples) || o.tuneSamples < 1))
    throw new SpikewasmError(`tuneSamples must be an integer >= 1, got ${o.tuneSamples}`);
  if (o.tuneTieBreak !== undefined && !["outputKl", "outputMse", "simpler"].includes(o.tuneTieBreak))
    throw new SpikewasmError(`tuneTieBreak must be "outputKl", "outputMse" or "simpler", got ${JSON.stringify(o.tuneTieBreak)}`);
}

/** The setting the options ask for (no search). */
function settingOf(o: CalibrationOptions): TuneSetting {
  return {
    normalization: o.normalization === "mse" || o.normalization === "ltb" ? o.normalization : "percentile", granularity: o.granularity ?? "layer", vInit: o.vInit ?? "zero",
    biasCorrection: o.biasCorrection ?? false, readout: o.readout === "membrane" ? "membrane" : "count", readoutDelay: o.readoutDelay ?? 0,
    avgPool: o.avgPool ?? "relay",
  };
}

function techniquesOf(o: CalibrationOptions, s: TuneSetting): CalibrationReport["techniques"] {
  return { normalization: o.tune ? s.normalization : (o.normalization ?? "percentile"), granularity: s.granularity, vInit: s.vInit,
    biasCorrection: s.biasCorrection, readout: o.tune ? s.readout : (o.readout ?? "count"), readoutDelay: s.readoutDelay, avgPool: s.avgPool };
}

/** One setting's SNN: converted, bias-corrected if asked; the output's bias before correction kept for membrane readout. */
async function build(ann: AnnGraph, acts: Activations, cal: CalibrationSet, o: CalibrationOptions, s: TuneSetting, bcSamples: number, ltb: (g: "layer" | "channel") => LtbResult) {
  const co = resolveConvertOptions({
    ...o, normalization: s.normalization !== "percentile" ? s.normalization : o.normalization === "mse" || o.normalization === "ltb" ? "percentile" : o.normalization, granularity: s.granularity, vInit: s.vInit, avgPool: s.avgPool,
    outputSpiking: o.tune ? true : (o.outputSpiking ?? true),
  });
  const { snn, report: conversion } = convertAnn(ann, acts, cal.count, { ...co, ...(s.normalization === "ltb" ? { thresholds: ltb(s.granularity).thresholds } : {}) });
  const out = snn.nodes.find((n) => n.id === snn.output);
  const uncorrectedOutputBias = out && (out.kind === "dense" || out.kind === "conv2d") ? out.bias : undefined;
  if (!s.biasCorrection) return { snn, conversion, uncorrectedOutputBias, bc: undefined };
  const r = await correctBiases(snn, acts, conversion.lambdas, cal.samples, {
    timesteps: o.timesteps, samples: bcSamples, batch: o.batch, coding: o.coding, rate: o.rate, seed: o.seed, rateScale: o.rateScale,
  });
  return { snn: r.snn, conversion, uncorrectedOutputBias, bc: r.layers };
}

/**
 * The graph with a non-spiking output layer (membrane readout), its bias as converted: the output's
 * correction targets a spiking rate (clipped at 1), which a membrane readout does not have.
 */
function membraneOutput(snn: SnnGraph, bias: Float32Array | undefined): SnnGraph {
  const nodes = snn.nodes.map((n) => {
    if (n.id !== snn.output || !("neuron" in n)) return n;
    const m = { ...n, neuron: { ...n.neuron, spiking: false } };
    if ((m.kind === "dense" || m.kind === "conv2d")) m.bias = bias;
    return m;
  });
  return { ...snn, nodes };
}

/**
 * The secondary scores of ./tune.ts from the SNN's final readout values `out` ([N][n]) and the DNN's
 * output `dnn` ([N][n]): â = (out − offset)·scale in the DNN's units; outputKl = mean over images of
 * KL(softmax(a) ‖ softmax(â)), outputMse = mean over images and classes of (â − a)².
 */
export function outputErrors(out: Float32Array, dnn: Float32Array, N: number, o: { scale: number; offset: number }): { outputKl: number; outputMse: number } {
  const n = out.length / N;
  let kl = 0, mse = 0;
  const p = new Float64Array(n), lq = new Float64Array(n);
  for (let b = 0; b < N; b++) {
    let ma = -Infinity, mq = -Infinity;
    for (let i = 0; i < n; i++) {
      const a = dnn[b * n + i], q = (out[b * n + i] - o.offset) * o.scale;
      mse += (q - a) ** 2;
      p[i] = a; lq[i] = q;
      if (a > ma) ma = a;
      if (q > mq) mq = q;
    }
    let za = 0, zq = 0;
    for (let i = 0; i < n; i++) { za += Math.exp(p[i] - ma); zq += Math.exp(lq[i] - mq); }
    const lza = Math.log(za) + ma, lzq = Math.log(zq) + mq;
    for (let i = 0; i < n; i++) {
      const lp = p[i] - lza;
      kl += Math.exp(lp) * (lp - (lq[i] - lzq));
    }
  }
  return { outputKl: kl / N, outputMse: mse / (N * n) };
}
