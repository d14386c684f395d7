/**
 * `spikewasm optimize`: a search over the coding steps T and the conversion knobs for the deployment on
 * Loihi, each candidate evaluated BIT-EXACTLY (the integer engine, NengoLoihi emulator arithmetic) on
 * validation images and priced in the chosen deployment flow (src/targets/loihi-flows.ts); the Pareto
 * front of accuracy against energy and latency, the chosen point, and its accuracy on the test set.
 *
 *   candidates  every knob combination (optimizeKnobs: thresholds, initial membrane, readout, input)
 *               × every T in `timesteps`: one bit-exact run of max(T) steps per knob combination gives
 *               the accuracy at every t ≤ max(T) (evaluateLoihi reads step t + latency, which equals a
 *               run of T = t exactly) and the activity through t + latency; thresholds chosen for T
 *               ("mse") are converted and run once per T;
 *   data        calibration images set the normalisation; VALIDATION images — training images after the
 *               calibration ones, never the test set — score the candidates; the DNN's accuracy on the
 *               same validation images is the reference of `maxLoss`;
 *   choice      among candidates within `maxLoss` points of the DNN on validation, the lowest energy per
 *               inference (then the lowest latency, then the smaller T); none within: the most accurate;
 *   test        the chosen point alone is run on the test samples: its accuracy there is reported, not used.
 *   layers      the best reset-by-subtraction candidate is refined layer by layer (refineSubtract below):
 *               the emulation dropped from the largest layers while validation accuracy holds; the knobs
 *               it tries are appended to the knob list;
 * A candidate is on the front when no other is at least as accurate, as cheap in energy and as fast,
 * and strictly better in one of them.
 */
import type { AnnGraph } from "../ir/ann.js";
import type { SnnGraph } from "../ir/graph.js";
import { createAnnRunner } from "../ann/infer-wasm.js";
import { type Activations, argmax } from "../ann/infer.js";
import { ltbThresholds } from "../convert/calibrate/ltb.js";
import { type ConvertOptions, convertAnn, resolveConvertOptions } from "../convert/convert.js";
import { SpikewasmError } from "../errors.js";
import { type EvaluateLoihiOptions, type LoihiEvaluation, evaluateLoihi } from "../loihi/evaluate.js";
import { type LoihiGraph, type QuantizeOptions, quantizeGraph } from "../loihi/quantize.js";
import { flowsOfEvaluation, inputLayersOf } from "../targets/loihi-flows.js";
import { LOIHI_CONSTANT_SETS, type LoihiConstantSet } from "../targets/loihi.js";
import type { LoihiFlow } from "../targets/loihi-system.js";
import { type LoihiMapping, mapQuantized } from "../targets/mapping.js";
import { VERSION } from "../version.js";

/** One knob combination of the search: conversion and quantisation options and a name for the report. */
export interface OptimizeKnob {
  name: string;
  convert: ConvertOptions;
  quantize?: QuantizeOptions;
}

/**
 * The knobs searched (post-training only, no retraining; sources in src/convert/calibrate/):
 *   thresholds  the 99.9th or 99.99th activation percentile, chosen for T ("mse": the clip-floor
 *               error at T levels, Li et al. ICML 2021 — one conversion and run per T), or balanced
 *               layer by layer ("ltb", Bu et al. CVPR 2025, src/convert/calibrate/ltb.ts; computed once);
 *   v0          the θ/2 initial membrane (Bu et al., AAAI 2022), Loihi's initial voltage;
 *   readout     spike counts, or the membrane of a non-spiking output block;
 *   reset       Loihi's reset to zero, or reset by subtraction emulated with two compartments per neuron
 *               (NxTF; src/loihi/quantize.ts "reset"), which costs compartments, cores and energy per step;
 *   input       (with `biasInput`) the image as a bias current of the first layer (NxTF), priced in flow bias.
 */
export function optimizeKnobs(o: { biasInput?: boolean } = {}): OptimizeKnob[] {
  const out: OptimizeKnob[] = [];
  const norms: Array<[string, ConvertOptions]> = [["p99.9", { normalization: "percentile", percentile: 99.9 }], ["p99.99", { normalization: "percentile", percentile: 99.99 }],
    ["mse", { normalization: "mse" }], ["ltb", { normalization: "ltb" }]];
  for (const [nn, norm] of norms)
    for (const half of [false, true])
      for (const membrane of [false, true])
        for (const subtract of [false, true])
          for (const bias of o.biasInput ? [false, true] : [false]) {
            const name = [nn, half ? "v0=θ/2" : "", membrane ? "membrane" : "", subtract ? "subtract" : "", bias ? "bias input" : ""].filter(Boolean).join(" ");
            const quantize: QuantizeOptions = { ...(bias ? { inputMode: "bias" as const } : {}), ...(subtract ? { reset: "subtract" as const } : {}) };
            out.push({ name, convert: { ...norm, ...(half ? { vInit: "half" as const } : {}), ...(membrane ? { outputSpiking: false } : {}) },
              ...(Object.keys(quantize).length ? { quantize } : {}) });
          }
  return out;
}

/** Labelled images as the search takes them. */
export interface LabelledSet { samples: Float32Array; labels: Int32Array; count: number; source: string }

/** Options of optimizeLoihi. */
export interface OptimizeOptions {
  /** coding steps to consider (each >= 1) */
  timesteps: number[];
  /** largest accuracy loss against the DNN on validation, in points (0..100) */
  maxLoss: number;
  flow?: LoihiFlow;
  constants?: LoihiConstantSet;
  /** default optimizeKnobs({ biasInput }) */
  knobs?: OptimizeKnob[];
  /** also search the image as a bias current of the first layer (flow bias) */
  biasInput?: boolean;
  /** refine the best reset-by-subtraction candidate layer by layer (default true; refineSubtract in optimizeLoihi) */
  refineSubtract?: boolean;
  rate?: number;
  batch?: number;
  /** the bit-exact evaluation (the CLI passes its worker-thread version) */
  evaluate?: (lg: LoihiGraph, samples: Float32Array, labels: Int32Array, count: number, o: EvaluateLoihiOptions) => Promise<LoihiEvaluation>;
  /** all evaluations of one set at once (`optimize --queue`: jobs on Redis); default: `evaluate` on each in turn */
  evaluateMany?: EvaluateMany;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** One (knob, T) point of the search. */
export interface OptimizeCandidate {
  knob: string;
  /** the deployment flow it is priced in (flow bias for bias input) */
  flow: LoihiFlow;
  timesteps: number;
  chipSteps: number;
  /** bit-exact accuracy on the validation images */
  accuracy: number;
  energyPerInferenceJ: number;
  latencyS: number;
  powerW: number;
  cores: number;
  pareto: boolean;
}

/** Checks the search's options (named errors, exit 2). */
export function checkOptimizeOptions(o: OptimizeOptions): void {
  if (!(o.maxLoss >= 0 && o.maxLoss <= 100)) throw new SpikewasmError(`--max-loss must be between 0 and 100 points, got ${o.maxLoss}`);
  if (o.timesteps.length === 0 || !o.timesteps.every((t) => Number.isInteger(t) && t >= 1 && t <= 100_000))
    throw new SpikewasmError(`--timesteps must be a comma list of integers in 1..100000, got ${o.timesteps.join(",") || "nothing"}`);
  if (o.knobs && o.knobs.length === 0) throw new SpikewasmError("optimize: no knob combinations to search");
}

/** Marks the candidates no other candidate dominates (accuracy ↑, energy ↓, latency ↓). */
export function markPareto(c: OptimizeCandidate[]): void {
  for (const a of c) {
    a.pareto = !c.some((b) => b !== a && b.accuracy >= a.accuracy && b.energyPerInferenceJ <= a.energyPerInferenceJ && b.latencyS <= a.latencyS &&
      (b.accuracy > a.accuracy || b.energyPerInferenceJ < a.energyPerInferenceJ || b.latencyS < a.latencyS));
  }
}

/** The chosen candidate: the cheapest within the loss budget, else the most accurate. */
export function chooseCandidate(c: OptimizeCandidate[], floor: number): { chosen: OptimizeCandidate; withinBudget: boolean } {
  const ok = c.filter((x) => x.accuracy >= floor - 1e-12);
  const byCost = (a: OptimizeCandidate, b: OptimizeCandidate) => a.energyPerInferenceJ - b.energyPerInferenceJ || a.latencyS - b.latencyS || a.timesteps - b.timesteps;
  if (ok.length > 0) return { chosen: [...ok].sort(byCost)[0], withinBudget: true };
  return { chosen: [...c].sort((a, b) => b.accuracy - a.accuracy || byCost(a, b))[0], withinBudget: false };
}

/** What every conversion of a search shares: the DNN runner and the calibration activations (a queue worker computes the same). */
export interface OptimizeSetup {
  ann: AnnGraph;
  runner: Awaited<ReturnType<typeof createAnnRunner>>;
  calActs: Activations;
  calibrationCount: number;
  outId: string;
  /** the calibration images (local threshold balancing runs the DNN on them) */
  calibration: { samples: Float32Array; count: number };
  /** local threshold balancing's thresholds, computed at the first "ltb" knob */
  ltb?: Map<string, number[]>;
}

export async function optimizeSetup(ann: AnnGraph, calibration: { samples: Float32Array; count: number }): Promise<OptimizeSetup> {
  const runner = await createAnnRunner(ann, 64);
  return { ann, runner, calActs: runner.run(calibration.samples, calibration.count, true), calibrationCount: calibration.count,
    outId: ann.output ?? ann.nodes[ann.nodes.length - 1].id, calibration };
}

/** Thresholds chosen for T ("mse") need a conversion and a run per T; the other knobs one run of max(T) for every t. */
export const knobPerStep = (k: OptimizeKnob): boolean => k.convert.normalization === "mse";

/** The SNN and its quantised graph for `knob` (converted for T = `convertSteps` when the knob is per-T, else null). */
export function convertCandidate(setup: OptimizeSetup, knob: OptimizeKnob, convertSteps: number | null): { snn: SnnGraph; lg: LoihiGraph } {
  if (knob.convert.normalization === "ltb" && !knob.convert.thresholds)
    setup.ltb ??= ltbThresholds(setup.ann, setup.calibration.samples, setup.calibration.count).thresholds;
  const thresholds = knob.convert.normalization === "ltb" ? { thresholds: knob.convert.thresholds ?? setup.ltb } : {};
  const { snn } = convertAnn(setup.ann, setup.calActs, setup.calibrationCount,
    { ...resolveConvertOptions({ ...knob.convert, ...(convertSteps !== null ? { timesteps: convertSteps } : {}) }), ...thresholds });
  return { snn, lg: quantizeGraph(snn, knob.quantize ?? {}) };
}

/** One bit-exact evaluation the search needs: knob `knob` (its index), converted for `convertSteps`, run for `steps`. */
export interface OptimizeEvaluation { knob: number; convertSteps: number | null; steps: number; lg: LoihiGraph }

/** Runs the evaluations on a labelled set, in order (the local default; the queue passes its own, src/distributed/optimize-queue.ts). */
export type EvaluateMany = (evals: OptimizeEvaluation[], set: "validation" | "test", data: LabelledSet, o: { rate: number; batch: number }) => Promise<LoihiEvaluation[]>;

function evaluateInTurn(o: OptimizeOptions, knobs: number): EvaluateMany {
  const evaluate = o.evaluate ?? evaluateLoihi;
  return async (evals, set, data, eo) => {
    const out: LoihiEvaluation[] = [];
    for (const e of evals) {
      const stage = set === "test" ? "test" : e.knob < knobs ? `knob ${e.knob + 1}/${knobs}` : "subtract layers"; // refineSubtract appends knobs
      o.onProgress?.(stage, 0, data.count);
      out.push(await evaluate(e.lg, data.samples, data.labels, data.count, { ...eo, steps: e.steps, onProgress: (d, t) => o.onProgress?.(stage, d, t) }));
    }
    return out;
  };
}

/** Searches T and the knobs for `ann` on Loihi; see the module header. */
export async function optimizeLoihi(ann: AnnGraph, calibration: LabelledSet, validation: LabelledSet, test: LabelledSet, o: OptimizeOptions) {
  checkOptimizeOptions(o);
  const t0 = performance.now();
  const knobs = o.knobs ?? optimizeKnobs({ biasInput: o.biasInput }), flow = o.flow ?? "host", constants = o.constants ?? "davies", chip = LOIHI_CONSTANT_SETS[constants];
  const ts = [...new Set(o.timesteps)].sort((a, b) => a - b), Tmax = ts[ts.length - 1];
  const evaluateMany = o.evaluateMany ?? evaluateInTurn(o, knobs.length);
  const eo = { rate: o.rate ?? 1, batch: o.batch ?? 32 };
  const setup = await optimizeSetup(ann, calibration);
  const { runner, outId } = setup;
  const dnnPred = argmax(runner.run(validation.samples, validation.count, false).get(outId)!, validation.count);
  let dnnCorrect = 0;
  for (let i = 0; i < validation.count; i++) if (dnnPred[i] === validation.labels[i]) dnnCorrect++;
  const dnnAccuracy = dnnCorrect / validation.count;
  const floor = dnnAccuracy - o.maxLoss / 100;

  // every conversion first, then all their evaluations at once (the queue runs them side by side)
  const refused: Array<{ knob: string; reason: string }> = [];
  type Plan = OptimizeEvaluation & { mapping: LoihiMapping; inputLayers: string[] };
  /** Converts, quantises and maps knob k for one evaluation; a knob Loihi cannot take goes to `refused` (null). */
  const planKnob = (k: number, convertSteps: number | null, steps: number): Plan | null => {
    try {
      const { snn, lg } = convertCandidate(setup, knobs[k], convertSteps);
      return { knob: k, convertSteps, steps, lg, mapping: mapQuantized(snn, lg, chip), inputLayers: inputLayersOf(snn) };
    } catch (e) {
      if (!(e instanceof SpikewasmError)) throw e;
      refused.push({ knob: knobs[k].name, reason: e.message });
      return null;
    }
  };
  const planned: Plan[] = [];
  for (let k = 0; k < knobs.length; k++) {
    const perT = knobPerStep(knobs[k]);
    for (const steps of perT ? ts : [Tmax]) {
      const p = planKnob(k, perT ? steps : null, steps);
      if (!p) break;
      planned.push(p);
    }
  }
  const evs = await evaluateMany(planned.map(({ knob, convertSteps, steps, lg }) => ({ knob, convertSteps, steps, lg })), "validation", validation, eo);
  const candidates: OptimizeCandidate[] = [];
  const kept = new Map<string, OptimizeEvaluation>();
  /** The candidates of an evaluated plan: every T for a knob run at max(T), its T for a per-T one or a refinement. */
  const addCandidates = (p: Plan, ev: LoihiEvaluation, each: boolean) => {
    const knob = knobs[p.knob];
    const kflow: LoihiFlow = knob.quantize?.inputMode === "bias" ? "bias" : flow;
    for (const t of each ? ts : [p.steps]) {
      const f = flowsOfEvaluation(p.mapping, ev, t, p.inputLayers, chip, kflow).flows[kflow];
      candidates.push({ knob: knob.name, flow: kflow, timesteps: t, chipSteps: t + ev.latency, accuracy: ev.accuracyByStep[t - 1], energyPerInferenceJ: f.energyPerInferenceJ,
        latencyS: f.latencyS, powerW: f.powerW, cores: p.mapping.coresUsed, pareto: false });
      kept.set(`${knob.name}@${t}`, { knob: p.knob, convertSteps: p.convertSteps, steps: t, lg: p.lg });
    }
  };
  planned.forEach((p, i) => addCandidates(p, evs[i], p.convertSteps === null));
  if (o.refineSubtract !== false) await refineSubtract();

  /**
   * Reset by subtraction layer by layer: two compartments per neuron cost most in the largest layers, and
   * not every layer needs the residual. From the best subtracting candidate (the cheapest within the loss
   * budget, else the most accurate), drop the emulation from one layer at a time, largest first, keeping a
   * drop when the validation accuracy at that candidate's T does not fall; every evaluated set is a candidate.
   */
  async function refineSubtract(): Promise<void> {
    const subtracting = candidates.filter((c) => knobs.find((k) => k.name === c.knob)?.quantize?.reset === "subtract");
    if (subtracting.length === 0) return;
    const base = chooseCandidate(subtracting, floor).chosen;
    const from = kept.get(`${base.knob}@${base.timesteps}`)!, knob = knobs[from.knob], all = from.lg.report.reset.emulated;
    const size = (id: string) => from.lg.layers.find((l) => l.id === id)!.shape.reduce((a, b) => a + b, 1);
    let keep = [...all], acc = base.accuracy;
    const order = [...keep].sort((a, b) => size(b) - size(a));
    for (let i = 0; i < order.length && keep.length > 1; i++) {
      const next = keep.filter((id) => id !== order[i]), dropped = all.filter((id) => !next.includes(id));
      const trial: OptimizeKnob = { ...knob, name: `${knob.name} (not in ${dropped.join(", ")})`, quantize: { ...knob.quantize, subtractLayers: next } };
      knobs.push(trial);
      const plan = planKnob(knobs.length - 1, from.convertSteps, base.timesteps);
      if (!plan) continue;
      const [ev] = await evaluateMany([{ knob: plan.knob, convertSteps: plan.convertSteps, steps: plan.steps, lg: plan.lg }], "validation", validation, eo);
      addCandidates(plan, ev, false);
      if (ev.accuracyByStep[base.timesteps - 1] >= acc) { keep = next; acc = ev.accuracyByStep[base.timesteps - 1]; }
    }
  }
  if (candidates.length === 0) throw new SpikewasmError(`optimize: no candidate could be deployed on Loihi (${refused.map((r) => `${r.knob}: ${r.reason}`).join("; ")})`);
  markPareto(candidates);
  const { chosen, withinBudget } = chooseCandidate(candidates, floor);

  // the chosen point on the test set (reported only; nothing above saw it)
  const [evTest] = await evaluateMany([kept.get(`${chosen.knob}@${chosen.timesteps}`)!], "test", test, eo);
  const testDnn = argmax(runner.run(test.samples, test.count, false).get(outId)!, test.count);
  let testDnnCorrect = 0;
  for (let i = 0; i < test.count; i++) if (testDnn[i] === test.labels[i]) testDnnCorrect++;
  o.onProgress?.("done", 1, 1);

  return {
    spikewasm: VERSION, node: typeof process !== "undefined" ? process.versions?.node : undefined, seconds: (performance.now() - t0) / 1000,
    target: "loihi", flow, constants,
    data: { calibration: { source: calibration.source, samples: calibration.count }, validation: { source: validation.source, samples: validation.count },
      test: { source: test.source, samples: test.count } },
    selection: `candidates scored bit-exactly on ${validation.count} validation images (training images after the ${calibration.count} calibration ones; never the test set); ` +
      `chosen: the lowest energy per inference in flow '${flow}' within ${o.maxLoss} points of the DNN on validation (then latency, then T)`,
    maxLoss: o.maxLoss, dnnValidationAccuracy: dnnAccuracy, timesteps: ts, knobs: knobs.map((k) => ({ name: k.name, convert: k.convert, ...(k.quantize ? { quantize: k.quantize } : {}) })), refused,
    candidates, pareto: candidates.filter((c) => c.pareto),
    chosen: { ...chosen, withinBudget, testAccuracy: evTest.accuracy, dnnTestAccuracy: testDnnCorrect / test.count },
  };
}

/** The report optimizeLoihi returns. */
export type OptimizeReport = Awaited<ReturnType<typeof optimizeLoihi>>;
