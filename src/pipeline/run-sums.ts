/**
 * The run report from raw sums: a range of the test set gives DNN sums (dnnRange) and SNN chunk sums
 * (evaluateChunk); sums of consecutive ranges add up exactly (integer counts, ExactSums), so the report
 * finishRun builds from merged sums equals, bit for bit apart from timings, the one a single process
 * builds from the whole set — runPipeline itself goes through finishRun, as do `merge` and the queue
 * (src/distributed/).
 */
import { argmax } from "../ann/infer.js";
import type { LayerActivity, SnnEvaluation } from "../convert/evaluate.js";
import { ExactSums } from "../util/exact-sum.js";
import type { CalibrationReport } from "../convert/calibrate/index.js";
import { VERSION } from "../version.js";
import { type NeuroBenchMetrics, ZeroCounter, computeNodeIds } from "./metrics.js";
import type { RunContext, SpikeRaster } from "./run.js";
import { type TargetName, type TargetReport, compareTargets, ncs2Target } from "./targets.js";

/** Per-layer DNN-vs-SNN diagnosis: the layer's activity plus how well its rates track the DNN. */
export interface LayerDiagnosis extends Omit<LayerActivity, "spikeCountsSum"> {
  /** Pearson correlation of the per-neuron mean DNN activation / λ and the SNN firing rate */
  correlation: number | null;
  /** fraction of neurons firing at >= 0.95 spikes per step */
  saturatedFraction: number;
  /** fraction of neurons silent in the SNN whose DNN activation is > 5% of λ */
  silentFraction: number;
  flags: string[];
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) ** 2; sbb += (b[i] - mb) ** 2; }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : null;
}

/**
 * The DNN pass over samples [start, start + count) of the test set, as raw sums that add up exactly over
 * any split of the set (src/distributed merges parts): correct predictions, zero and all outputs,
 * effective MACs per layer (integer counts) and per-neuron activation sums of the SNN's populations
 * (ExactSums: the same double whatever the split). The whole set in one call is the one-process run.
 */
export async function dnnRange(ctx: RunContext, test: { samples: Float32Array; labels: Int32Array }, start: number, count: number, chunk = 256,
  yieldBetween?: () => Promise<void>): Promise<DnnSums> {
  const { ann, runner, n } = ctx;
  const zeros = new ZeroCounter(computeNodeIds(ann));
  runner.resetStats();
  const predictions = new Int32Array(count);
  const means = ctx.populations.map(({ id, size }) => ({ id, sums: new ExactSums(size) }));
  let correct = 0;
  for (let s0 = 0; s0 < count; s0 += chunk) {
    const B = Math.min(chunk, count - s0), g0 = start + s0;
    const acts = runner.run(test.samples.subarray(g0 * n, (g0 + B) * n), B, true);
    predictions.set(argmax(acts.get(ann.output!)!, B), s0);
    for (let b = 0; b < B; b++) if (predictions[s0 + b] === test.labels[g0 + b]) correct++;
    zeros.add(acts);
    for (const { id, sums } of means) {
      const a = acts.get(id)!;
      for (let b = 0; b < B; b++) sums.addRow(a, b * sums.size);
    }
    if (yieldBetween) await yieldBetween();
  }
  const stats = runner.stats();
  return { start, count, correct, predictions, zeros: zeros.zeros, all: zeros.all,
    effectiveMacs: stats ? [...stats.effectiveMacs] : null, means };
}

/** Raw DNN sums of a range of test samples (see dnnRange). */
export interface DnnSums {
  start: number;
  count: number;
  correct: number;
  /** the range's predictions */
  predictions: Int32Array;
  zeros: number;
  all: number;
  /** [layer id, effective MACs summed over the range's samples] in graph order; null without WASM stats */
  effectiveMacs: [string, number][] | null;
  /** per population of the SNN (graph order): the exact per-neuron sums of the DNN activations */
  means: { id: string; sums: ExactSums }[];
}

/** Adds DNN sums of consecutive ranges (sorted by start, checked contiguous by the caller) into one. */
export function mergeDnnSums(parts: DnnSums[]): DnnSums {
  const first = parts[0];
  const count = parts.reduce((a, p) => a + p.count, 0);
  const predictions = new Int32Array(count);
  const means = first.means.map(({ id, sums }) => ({ id, sums: new ExactSums(sums.size) }));
  const macs = first.effectiveMacs ? new Map(first.effectiveMacs.map(([id]) => [id, 0])) : null;
  let correct = 0, zeros = 0, all = 0;
  for (const p of parts) {
    predictions.set(p.predictions, p.start - first.start);
    correct += p.correct; zeros += p.zeros; all += p.all;
    p.means.forEach((m, i) => means[i].sums.merge(m.sums));
    if (macs) for (const [id, v] of p.effectiveMacs ?? []) macs.set(id, (macs.get(id) ?? 0) + v);
  }
  return { start: first.start, count, correct, predictions, zeros, all, effectiveMacs: macs ? [...macs] : null, means };
}


/** The report's parts that do not depend on which test samples were run (equal in every shard of a run). */
export interface RunStatic {
  model: { file: string; opset: number; producer: string; layers: { id: string; kind: string; shape: number[]; params: number; macs: number; activation?: unknown }[];
    params: number; macs: number; droppedSoftmax: boolean };
  data: { source: string; preprocessing: unknown; calibration: { samples: number; source: string } };
  options: Record<string, unknown>;
  /** the post-training calibration's report (src/convert/calibrate/) */
  calibration: unknown;
  targets: TargetName[];
  /** steps simulated per sample */
  simSteps: number;
  lambdas: { id: string; lambda: number[] }[];
  weightScale?: { factor: number; maxAnnWeight: number; layer: string };
  /** [population id, its DNN shape] in plan order */
  populationShapes: [string, number[]][];
  /** ids of the layers fed by the input (their MACs are the SNN's analog input current under current coding) */
  fedByInput: string[];
  denseMacs: number;
  parameterBytes: number;
  connectionSparsity: number;
  /** the simulator's state bytes at batch 1 (the SNN footprint's share beyond the parameters) */
  stateBytes: number;
}

/** What finishRun takes besides the sums: timing, versions and the targets only a whole run computes. */
export interface FinishExtras {
  seconds: number;
  node: string | undefined;
  /** a target's report computed by the caller (cpu, loihi, the chips); undefined: ncs2 is computed here */
  target?: (name: TargetName) => TargetReport | undefined;
  raster?: SpikeRaster;
}

/** The run report from the sample-independent part, the DNN sums and the SNN evaluation of the whole test set. */
export function finishRun(st: RunStatic, dnn: DnnSums, ev: SnnEvaluation, x: FinishExtras) {
  const count = dnn.count, simSteps = st.simSteps;
  const dnnAccuracy = dnn.correct / count;
  const shapes = new Map(st.populationShapes);
  const means = new Map(dnn.means.map(({ id, sums }) => [id, sums.values()]));
  const layers: LayerDiagnosis[] = ev.layers.map((l) => {
    const lam = st.lambdas.find((q) => q.id === l.id)?.lambda ?? [1];
    const mean = means.get(l.id)!;
    const s = shapes.get(l.id)!;
    const per = s.length === 3 ? s[1] * s[2] : 1;
    const target = Array.from(mean, (a, j) => a / count / (lam.length === 1 ? lam[0] : lam[Math.floor(j / per)]));
    const rates = Array.from(l.spikeCountsSum, (c) => c / (count * simSteps));
    const saturatedFraction = rates.filter((r) => r >= 0.95).length / rates.length;
    const silentFraction = rates.filter((r, j) => r === 0 && target[j] > 0.05).length / rates.length;
    const correlation = pearson(target, rates);
    const flags: string[] = [];
    if (saturatedFraction > 0.01) flags.push(`saturated: ${(100 * saturatedFraction).toFixed(1)}% of neurons fire at >= 0.95 spikes/step`);
    if (silentFraction > 0.05) flags.push(`silent: ${(100 * silentFraction).toFixed(1)}% of neurons never fire though the DNN activates them`);
    if (l.rate === 0) flags.push("silent layer: no spikes at all");
    return { id: l.id, kind: l.kind, neurons: l.neurons, spikesPerInference: l.spikesPerInference, synopsPerInference: l.synopsPerInference,
      rate: l.rate, correlation, saturatedFraction, silentFraction, flags };
  });
  const macs = st.model.macs;
  const T = st.options.timesteps as number;
  const effectiveMacs = dnn.effectiveMacs ? new Map(dnn.effectiveMacs.map(([id, v]) => [id, v / count])) : null;
  const fedByInput = new Set(st.fedByInput);
  const snnInputMacs = st.options.coding === "current" && effectiveMacs
    ? T * [...effectiveMacs].filter(([id]) => fedByInput.has(id)).reduce((a, [, v]) => a + v, 0) : 0;
  const neurons = ev.layers.reduce((a, l) => a + l.neurons, 0);
  const dnnMetrics: NeuroBenchMetrics = {
    footprintBytes: st.parameterBytes, connectionSparsity: st.connectionSparsity, activationSparsity: dnn.all ? dnn.zeros / dnn.all : 0, denseOps: macs,
    effectiveMacs: effectiveMacs ? [...effectiveMacs.values()].reduce((a, v) => a + v, 0) : macs, effectiveAcs: 0,
  };
  const snnMetrics: NeuroBenchMetrics = {
    footprintBytes: st.parameterBytes + st.stateBytes, connectionSparsity: st.connectionSparsity,
    activationSparsity: 1 - ev.layers.reduce((a, l) => a + l.spikesPerInference, 0) / (neurons * simSteps),
    denseOps: macs * simSteps, effectiveMacs: snnInputMacs, effectiveAcs: ev.synopsPerInference - snnInputMacs,
  };
  const targets: TargetReport[] = st.targets.map((t) => x.target?.(t) ?? (t === "ncs2" ? ncs2Target(macs, st.denseMacs, dnnAccuracy) : missingTarget(t)));
  return {
    spikewasm: VERSION, node: x.node,
    seconds: x.seconds,
    model: st.model,
    data: { samples: count, source: st.data.source, preprocessing: st.data.preprocessing, calibration: st.data.calibration },
    options: st.options,
    calibration: st.calibration as CalibrationReport,
    dnn: { accuracy: dnnAccuracy, metrics: dnnMetrics },
    snn: {
      timesteps: simSteps, accuracy: ev.accuracy, accuracyByStep: ev.accuracyByStep, conversionLoss: dnnAccuracy - ev.accuracy,
      ...(st.weightScale ? { weightScale: st.weightScale } : {}),
      spikesPerInference: ev.spikesPerInference, synopsPerInference: ev.synopsPerInference, inputSpikesPerInference: ev.inputSpikesPerInference,
      normalization: st.lambdas, layers, metrics: snnMetrics,
      ...(x.raster ? { raster: x.raster } : {}),
    },
    targets,
    comparison: compareTargets(targets),
  };
}

function missingTarget(name: string): never {
  throw new Error(`finishRun: no report for target ${name}`);
}
