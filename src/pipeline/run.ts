/**
 * The main job as one pure-ish function: ONNX model + labelled test data + calibration data →
 * DNN accuracy, converted SNN accuracy at every step, conversion loss, activity per layer and the
 * DNN-activation / SNN-rate correlation per layer (with saturated and silent layers flagged).
 * The CLI (`spikewasm run`) only reads files and prints; browsers can call this with bytes.
 */
import { type AnnRunner, createAnnRunner } from "../ann/infer-wasm.js";
import { type ConvertOptions, resolveConvertOptions } from "../convert/convert.js";
import { type CalibrationOptions, convertCalibrated } from "../convert/calibrate/index.js";
import type { ChunkSums, EvaluateOptions, Readout, SnnEvaluation } from "../convert/evaluate.js";
import { SpikewasmError } from "../errors.js";
import { type AnnGraph, annInputs, annMacs, annParams, annShapes } from "../ir/ann.js";
import { shapeSize } from "../ir/graph.js";
import { type OnnxImport, importOnnx, requireConvertible } from "../onnx/import.js";
import type { InputCoding } from "../sim/input.js";
import type { SnnGraph } from "../ir/graph.js";
import { connectionSparsity, parameterBytes } from "./metrics.js";
import type { DnnSums } from "./dnn-sums.js";
import { EarlyDnn, type TestSet, evaluateFloatSnn, testPass } from "./test-pass.js";
import { type RunStatic, finishRun } from "./run-sums.js";
import { WASM_MAX_BYTES, planMemory } from "../sim/plan.js";
import { fitBatch } from "../sim/fit-batch.js";
import { PROTOCOLS, type ProtocolName, getProtocol, withProtocol } from "../protocol/ostrau.js";
import { Simulator } from "../sim/simulator.js";
import { checkSubtractLayers } from "../loihi/quantize.js";
import { checkLoihiFlow } from "../targets/loihi-system.js";
import { checkLabelRange } from "../data/dataset.js";
import { checkMemory } from "../sim/budget.js";
import { checkLoihiConstants } from "../targets/loihi.js";
import { type LoihiTargetOptions, type TargetReport, checkTargets, snnActivityTarget, cpuTarget, loihiTarget } from "./targets.js";

/** Inputs of a run: model bytes and samples already in the model's [C, H, W] order. */
export interface RunInputs {
  model: Uint8Array;
  modelFile: string;
  /** importOnnx(model, modelFile) when the caller has already imported it (it is not imported again) */
  imported?: OnnxImport;
  test: { samples: Float32Array; count: number; labels: Int32Array; source: string; preprocessing?: unknown };
  calibration: { samples: Float32Array; count: number; source: string };
}

/** Options of a run (conversion options plus simulation options). */
export interface RunOptions extends ConvertOptions, Pick<CalibrationOptions, "readoutDelay" | "biasCorrection" | "biasCorrectionSamples" | "tune" | "tuneSamples" | "tuneTieBreak" | "ltbIterations"> {
  /** steps of input presentation per sample (with a pause the run lasts timesteps + floor(pause/2) steps) */
  timesteps: number;
  /**
   * A benchmark protocol preset that sets the conversion, neuron, input, timing and readout options
   * (fields given explicitly win): "ostrau" — Ostrau et al. 2020 / SNABSuite (src/protocol/ostrau.ts).
   */
  protocol?: ProtocolName;
  /**
   * Pause after each presentation, in steps (default 0). Samples run from the resting state, so only
   * its first half matters: the SNN runs timesteps + floor(pause/2) steps with the input switched off
   * after `timesteps`, and the readout counts all of them (SNABSuite's window [−pause/2, duration + pause/2)).
   */
  pause?: number;
  coding?: InputCoding;
  rate?: number;
  seed?: number;
  readout?: Readout;
  batch?: number;
  /**
   * Worker threads of the SNN evaluation, used only with `parallelEvaluate` (results are identical
   * whatever the number); 1 never starts a worker.
   */
  workers?: number;
  /**
   * A multi-threaded evaluateSnn (Node: evaluateSnnParallel from src/convert/parallel.ts, which the CLI
   * passes). Injected rather than imported so that this module bundles for browsers, where the
   * evaluation runs in the calling thread.
   */
  parallelEvaluate?: (snn: SnnGraph, samples: Float32Array, labels: Int32Array, count: number, o: EvaluateOptions & { workers?: number }) => Promise<SnnEvaluation>;
  /**
   * The test pass — DNN and float SNN on the same ranges of samples — over worker threads (Node:
   * evaluateRunParallel from src/convert/parallel.ts, which the CLI passes); used instead of
   * parallelEvaluate for the test set, so that the DNN pass is spread too. Results are identical.
   */
  parallelRun?: (ann: AnnGraph, snn: SnnGraph, populations: { id: string; size: number }[], samples: Float32Array, labels: Int32Array, count: number,
    o: EvaluateOptions & { workers?: number }) => Promise<{ dnn: DnnSums; chunks: ChunkSums[] }>;
  /**
   * The DNN pass alone over worker threads (Node: evaluateDnnParallel from src/convert/parallel.ts, which
   * the CLI passes). Given, runPipeline starts it as soon as the inputs are checked, so that the threads
   * run the DNN over the test set while this thread calibrates and converts; the SNN follows on the same
   * threads. Results are identical. It returns null where threads would not pay: one thread, or a single batch.
   */
  parallelDnn?: (ann: AnnGraph, populations: { id: string; size: number }[], samples: Float32Array, labels: Int32Array, count: number,
    o: { batch?: number; workers?: number; onProgress?: (done: number, total: number) => void; signal?: AbortSignal }) => Promise<DnnSums> | null;
  /** the same for the bit-exact Loihi run (Node: evaluateLoihiParallel) */
  parallelEvaluateLoihi?: LoihiTargetOptions["evaluate"];
  /**
   * WebAssembly memory limit of the SNN simulation in bytes (default and maximum 4 GiB, wasm32): the batch
   * is lowered to the largest that fits (reported as options.batchFromMemoryPlan); one sample too many is exit 3.
   */
  memoryLimitBytes?: number;
  /** hardware targets to estimate ("loihi", "ncs2", "cpu"; src/pipeline/targets.ts) */
  targets?: string[];
  /** test samples the bit-exact Loihi run uses (default: all of them) */
  loihiSamples?: number;
  /** CPU power in watts for the "cpu" target's energy (no default: not measurable from here) */
  cpuWatts?: number;
  /** Loihi deployment flow the report leads with (default "host"; src/targets/loihi-system.ts) */
  loihiFlow?: string;
  /** Loihi per-event constant set: "davies" (Davies et al. 2018 Table 2, default) or "sanafe" (SANA-FE v2.2) */
  loihiConstants?: string;
  /** layers that reset by subtraction on Loihi: "zero" (default, native reset) or "subtract" (emulated, src/loihi/quantize.ts) */
  loihiReset?: "zero" | "subtract";
  /** with loihiReset "subtract": only these layers (ids) emulate it */
  loihiSubtractLayers?: string[];
  onProgress?: (stage: string, done: number, total: number) => void;
  /**
   * A spike raster of the converted SNN on the first `samples` test samples (default off): the report
   * gets `raster` (see SpikeRaster). `neurons` caps the neurons kept per layer (default 128).
   */
  raster?: { samples: number; neurons?: number };
}

/** One layer of the spike raster: which neurons are shown and their spikes in each sample. */
export interface RasterLayer {
  id: string;
  kind: string;
  /** neurons per sample in the layer */
  neurons: number;
  /** neurons that fired at least once in any raster sample */
  active: number;
  /** the neurons shown ([C, H, W] indices, ascending): evenly spaced among the active ones, at most `neurons` of the options */
  shown: number[];
  /** per sample: [step (1..T), row in `shown`] of every spike of a shown neuron */
  spikes: [number, number][][];
}

/** The report's spike raster: the first test samples through the converted SNN, same coding and seed as the evaluation. */
export interface SpikeRaster {
  samples: number;
  steps: number;
  labels: number[];
  layers: RasterLayer[];
}

function checkRaster(r: { samples: number; neurons?: number }): void {
  if (!Number.isInteger(r.samples) || r.samples < 1) throw new SpikewasmError(`raster.samples must be an integer >= 1, got ${r.samples}`);
  if (r.neurons !== undefined && (!Number.isInteger(r.neurons) || r.neurons < 1)) throw new SpikewasmError(`raster.neurons must be an integer >= 1, got ${r.neurons}`);
}

/** Runs the SNN on the first samples with spike recording and keeps a few neurons per layer. */
async function spikeRaster(snn: SnnGraph, samples: Float32Array, labels: Int32Array, count: number, n: number, o: RunOptions): Promise<SpikeRaster> {
  const r = o.raster!, maxShown = r.neurons ?? 128;
  const B = Math.min(r.samples, count), T = o.timesteps + Math.floor((o.pause ?? 0) / 2);
  const sim = await Simulator.create(snn, { batch: B });
  const res = sim.run(samples.subarray(0, B * n), { steps: T, inputSteps: o.timesteps, coding: o.coding ?? "current", rate: o.rate ?? 1, seed: o.seed ?? 0, recordOutputPerStep: false, recordSpikes: true });
  const layers = res.layers.map((l): RasterLayer => {
    const fired = new Uint8Array(l.size);
    for (let i = 0; i < B * l.size; i++) if (l.spikeCounts[i] > 0) fired[i % l.size] = 1;
    const active: number[] = [];
    fired.forEach((f, j) => { if (f) active.push(j); });
    const m = Math.min(maxShown, active.length);
    const shown = Array.from({ length: m }, (_, i) => active[Math.floor((i * active.length) / m)]);
    const row = new Map(shown.map((j, i) => [j, i]));
    const tr = l.spikeTrain!;
    const spikes = Array.from({ length: B }, (_, b) => {
      const out: [number, number][] = [];
      for (let t = 1; t <= T; t++) {
        const k = (t - 1) * B + b;
        for (let i = tr.offsets[k]; i < tr.offsets[k + 1]; i++) {
          const rr = row.get(tr.indices[i]);
          if (rr !== undefined) out.push([t, rr]);
        }
      }
      return out;
    });
    return { id: l.id, kind: l.kind, neurons: l.size, active: active.length, shown, spikes };
  });
  return { samples: B, steps: T, labels: Array.from(labels.subarray(0, B)), layers };
}

/** Options with the protocol preset applied (explicit fields win) and the pause checked. */
function resolveRunOptions(o: RunOptions): RunOptions {
  if (o.protocol !== undefined) {
    const p = getProtocol(o.protocol);
    if (!p) throw new SpikewasmError(`unknown protocol ${JSON.stringify(o.protocol)} (available: ${PROTOCOLS.join(", ")})`);
    o = withProtocol(p, o);
  }
  if (!Number.isInteger(o.timesteps) || o.timesteps < 1) throw new SpikewasmError(`timesteps must be an integer >= 1, got ${o.timesteps}`);
  if (o.pause !== undefined && (!Number.isInteger(o.pause) || o.pause < 0)) throw new SpikewasmError(`pause must be an integer >= 0 steps, got ${o.pause}`);
  // per-step records (accuracy, spikes and output per step and sample) grow with the steps: refuse before any work
  const steps = o.timesteps + Math.floor((o.pause ?? 0) / 2);
  checkMemory(`per-step records of ${steps} steps × ${o.batch ?? 32} samples`, steps * (o.batch ?? 32) * 16 + steps * 64, "lower -T (--timesteps), --pause or --batch");
  return o;
}

/** The protocol block of the report: the preset's settings and sources, or null. */
function protocolReport(o: RunOptions) {
  const p = o.protocol !== undefined ? getProtocol(o.protocol) : undefined;
  return p ? { name: p.name, reference: p.reference, settings: p.settings, sources: p.sources } : null;
}

/** The Loihi target on the first `loihiSamples` test samples at T = o.timesteps, next to the float SNN's evaluation `ev`. */
export function runLoihiTarget(snn: SnnGraph, test: TestSet, ev: SnnEvaluation,
  o: Pick<RunOptions, "timesteps" | "rate" | "batch" | "workers" | "loihiSamples" | "onProgress" | "parallelEvaluateLoihi" | "loihiFlow" | "loihiConstants" | "loihiReset" | "loihiSubtractLayers">): Promise<TargetReport> {
  const count = Math.min(o.loihiSamples ?? test.count, test.count);
  // a user error (exit 2), checked before loihiTarget, which reports a network Loihi cannot take as infeasible
  if (o.loihiSubtractLayers) checkSubtractLayers(snn, o.loihiSubtractLayers, "--loihi-subtract-layers");
  return loihiTarget(snn, test.samples, test.labels, count, {
    flow: checkLoihiFlow(o.loihiFlow ?? "host", "loihiFlow"), constants: checkLoihiConstants(o.loihiConstants ?? "davies", "loihiConstants"), steps: o.timesteps, rate: o.rate ?? 1, batch: o.batch ?? 32, floatAccuracy: ev.accuracy, floatAccuracyByStep: ev.accuracyByStep,
    reset: o.loihiReset, subtractLayers: o.loihiSubtractLayers, onProgress: (d, total) => o.onProgress?.("loihi", d, total),
    evaluate: o.parallelEvaluateLoihi && o.workers !== 1 ? (lg, x, y, c, eo) => o.parallelEvaluateLoihi!(lg, x, y, c, { ...eo, workers: o.workers }) : undefined,
  });
}

/** What every range of a run shares: the resolved options, the imported and converted model, the DNN runner. */
export interface RunContext {
  o: RunOptions;
  ann: AnnGraph;
  snn: SnnGraph;
  runner: AnnRunner;
  /** values per sample */
  n: number;
  /** the SNN's populations (id, neurons) in plan order: the layers of the evaluation */
  populations: { id: string; size: number }[];
  evOptions: EvaluateOptions;
  /** the report's sample-independent part */
  static: RunStatic;
}

/**
 * Everything before the test set is evaluated: options checked, the model imported, normalised on the
 * calibration data and converted. Deterministic: every shard and queue worker computes the same context.
 * `onChecked` is called (and awaited) once the inputs and options are checked, before the calibration:
 * runPipeline starts the DNN's test pass on the local threads there, a queue coordinator queues its jobs.
 */
export async function prepareRun(inp: RunInputs, o: RunOptions, onChecked?: (ann: AnnGraph, n: number) => void | Promise<void>): Promise<RunContext> {
  o = resolveRunOptions(o);
  /** steps simulated per sample: the presentation plus the counted half of the pause */
  const simSteps = o.timesteps + Math.floor((o.pause ?? 0) / 2);
  const targetNames = checkTargets(o.targets ?? []);
  checkLoihiFlow(o.loihiFlow ?? "host", "loihiFlow");
  checkLoihiConstants(o.loihiConstants ?? "davies", "loihiConstants");
  if (o.loihiSamples !== undefined && (!Number.isInteger(o.loihiSamples) || o.loihiSamples < 1))
    throw new SpikewasmError(`loihiSamples must be an integer >= 1, got ${o.loihiSamples}`);
  if (o.raster) checkRaster(o.raster);
  const imp = inp.imported ?? importOnnx(inp.model, inp.modelFile);
  const ann = requireConvertible(imp);
  const shapes = annShapes(ann);
  const inShape = shapes.get(ann.nodes[0].id)!;
  const n = shapeSize(inShape);
  if (inp.test.samples.length !== inp.test.count * n) throw new SpikewasmError(`${inp.test.source}: samples of ${inp.test.samples.length / inp.test.count} values do not match the model input [${inShape.join(", ")}]`);
  if (inp.calibration.samples.length !== inp.calibration.count * n) throw new SpikewasmError(`${inp.calibration.source}: calibration samples do not match the model input [${inShape.join(", ")}]`);
  if (inp.test.labels.length !== inp.test.count) throw new SpikewasmError(`${inp.test.source}: ${inp.test.count} samples but ${inp.test.labels.length} labels`);
  if (inp.test.count < 1) throw new SpikewasmError(`${inp.test.source}: no test samples (the data file holds none, or --limit selected none)`);
  checkLabelRange(inp.test.labels, shapeSize(shapes.get(ann.output ?? ann.nodes[ann.nodes.length - 1].id)!), inp.test.source);
  const convertOptions = resolveConvertOptions(o);
  await onChecked?.(ann, n);

  o.onProgress?.("calibration", 0, inp.calibration.count);
  const runner = await createAnnRunner(ann, 64);
  const calActs = runner.run(inp.calibration.samples, inp.calibration.count, true);
  // conversion with the post-training techniques asked for (or chosen by tune) on calibration images only
  const cc = await convertCalibrated(ann, calActs, inp.calibration, {
    ...o, ...convertOptions,
  }, (g, x, y, c, eo) => evaluateFloatSnn(g, { samples: x, labels: y, count: c }, eo, o));
  const { snn, conversion: conv } = cc;
  if (o.tune && targetNames.includes("loihi") && convertOptions.reset !== "zero")
    cc.report.notes.push("tune scored the float SNN with reset by subtraction; the Loihi target resets to zero: --reset zero tunes for what Loihi runs");
  const plan = planMemory(snn, 1);
  // the batch from the memory plan: a model whose requested batch does not fit in WebAssembly memory runs at a smaller one
  const requestedBatch = o.batch ?? 32;
  const fit = fitBatch(snn, requestedBatch, o.memoryLimitBytes ?? WASM_MAX_BYTES);
  if (fit.batch !== requestedBatch) o = { ...o, batch: fit.batch };

  const evOptions: EvaluateOptions = {
    timesteps: simSteps, ...(simSteps !== o.timesteps ? { inputSteps: o.timesteps } : {}), batch: o.batch ?? 32, coding: o.coding ?? "current", rate: o.rate ?? 1, seed: o.seed ?? 0,
    readout: cc.readout, readoutDelay: cc.readoutDelay,
    onProgress: (d, t) => o.onProgress?.("snn", d, t),
  };
  const annLayers = ann.nodes.map((node) => ({
    id: node.id, kind: node.kind, shape: shapes.get(node.id)!, params: annParams(node),
    macs: annMacs(node, annInputs(node).map((id) => shapes.get(id)!)[0], shapes.get(node.id)!),
    activation: "activation" in node ? node.activation : undefined,
  }));
  const populations = plan.pops.map((p) => ({ id: p.id, size: p.n }));
  const stat: RunStatic = {
    model: { file: inp.modelFile, opset: imp.opset, producer: imp.producer, layers: annLayers,
      params: annLayers.reduce((a, l) => a + l.params, 0), macs: annLayers.reduce((a, l) => a + l.macs, 0), droppedSoftmax: imp.droppedSoftmax },
    data: { source: inp.test.source, preprocessing: inp.test.preprocessing ?? null, calibration: { samples: inp.calibration.count, source: inp.calibration.source } },
    options: { ...conv.options, timesteps: o.timesteps, coding: o.coding ?? "current", rate: o.rate ?? 1, seed: o.seed ?? 0, readout: cc.readout, readoutDelay: cc.readoutDelay, batch: o.batch ?? 32,
      ...(o.pause !== undefined ? { pause: o.pause, stepsSimulated: simSteps } : {}), ...(o.protocol !== undefined ? { protocol: protocolReport(o) } : {}),
      ...(fit.batch !== requestedBatch ? { batchFromMemoryPlan: { requested: requestedBatch, requestedBytes: fit.requestedBytes, batch: fit.batch, bytes: fit.plan.totalBytes,
        limitBytes: o.memoryLimitBytes ?? WASM_MAX_BYTES } } : {}) },
    calibration: cc.report,
    targets: targetNames,
    simSteps,
    lambdas: conv.lambdas,
    ...(conv.weightScale ? { weightScale: conv.weightScale } : {}),
    populationShapes: populations.map(({ id }) => [id, shapes.get(id)!] as [string, number[]]),
    fedByInput: ann.nodes.filter((nd) => annInputs(nd).includes(ann.nodes[0].id)).map((nd) => nd.id),
    denseMacs: annLayers.filter((l) => l.kind === "dense").reduce((a, l) => a + l.macs, 0),
    parameterBytes: parameterBytes(ann), connectionSparsity: connectionSparsity(ann), stateBytes: plan.stateBytes,
  };
  return { o, ann, snn, runner, n, populations, evOptions, static: stat };
}

export { evaluateFloatSnn };

/** Runs the whole pipeline; returns the report (JSON-ready). */
export async function runPipeline(inp: RunInputs, o: RunOptions) {
  const t0 = performance.now();
  let early: EarlyDnn | null = null;
  let ctx: RunContext;
  try {
    ctx = await prepareRun(inp, o, (ann) => { early = EarlyDnn.start(ann, inp.test, o); });
  } catch (e) {
    await (early as EarlyDnn | null)?.cancel();
    throw e;
  }
  o = ctx.o;
  const { dnn, ev } = await testPass(ctx, inp.test, o, early);
  const raster = o.raster ? await spikeRaster(ctx.snn, inp.test.samples, inp.test.labels, inp.test.count, ctx.n, o) : undefined;
  const dnnAccuracy = dnn.correct / dnn.count;
  const targets = new Map<string, TargetReport>();
  for (const t of ctx.static.targets) {
    if (t === "cpu") targets.set(t, cpuTarget(ctx.runner, inp.test.samples, inp.test.count, ctx.n, dnnAccuracy, o.cpuWatts));
    // model time actually simulated (presentation + the counted half of a pause)
    else if (t === "loihi") targets.set(t, await runLoihiTarget(ctx.snn, inp.test, ev, o));
    else if (t !== "ncs2") targets.set(t, snnActivityTarget(t, ctx.snn, ev, ev.timesteps));
  }
  return finishRun(ctx.static, dnn, ev, {
    seconds: (performance.now() - t0) / 1000, node: typeof process !== "undefined" ? process.versions?.node : undefined,
    target: (name) => targets.get(name), raster,
  });
}

/** The report runPipeline returns. */
export type RunReport = ReturnType<typeof finishRun>;
