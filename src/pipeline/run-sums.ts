/**
 * The run report from raw sums: a range of the test set gives DNN sums (dnnRange) and SNN chunk sums
 * (evaluateChunk); dnnRange and mergeDnnSums are in dnn-sums.ts; sums of consecutive ranges add up exactly (integer counts, ExactSums), so the report
 * finishRun builds from merged sums equals, bit for bit apart from timings, the one a single process
 * builds from the whole set — runPipeline itself goes through finishRun, as do `merge` and the queue
 * (src/distributed/).
 */
import type { LayerActivity, SnnEvaluation } from "../convert/evaluate.js";
import type { CalibrationReport } from "../convert/calibrate/index.js";
import { VERSION } from "../version.js";
import type { DnnSums } from "./dnn-sums.js";
import type { NeuroBenchMetrics } from "./metrics.js";
import type { SpikeRaster } from "./run.js";
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
