/**
 * Evaluations over the local pool of worker threads (Node only; src/convert/pool.ts): the float SNN
 * (evaluateSnnParallel), the whole test pass of a run — DNN and SNN on the same ranges
 * (evaluateRunParallel) — the DNN pass alone (evaluateDnnParallel), and the bit-exact Loihi engine (evaluateLoihiParallel). Samples are
 * independent: the set is cut into tasks of whole batches, so every batch — and with it every Poisson
 * seed `seed + s0` — is the one a single-thread evaluation would run, and the tasks' raw sums merge exactly
 * (integer counts; the DNN's activation sums in ExactSums). The results are identical (deep-equal) to the
 * single-thread evaluation, whatever the number of threads and whichever thread ran which task.
 */
import { SpikewasmError } from "../errors.js";
import type { AnnGraph } from "../ir/ann.js";
import { type SnnGraph, shapeSize } from "../ir/graph.js";
import { type EvaluateLoihiOptions, type LoihiEvaluation, evaluateLoihi, mergeLoihiEvaluations } from "../loihi/evaluate.js";
import type { LoihiGraph } from "../loihi/quantize.js";
import { type DnnSums, type DnnSumsPartials, dnnSumsFromPartials, mergeDnnSums } from "../pipeline/dnn-sums.js";
import type { PoolTask } from "./eval-worker.js";
import { type ChunkSums, type EvaluateOptions, type SnnEvaluation, evaluateChunk, finalizeEvaluation } from "./evaluate.js";
import { evaluationKey, runTasks, shareArrays, sharedProgress, splitTasks, threadCount } from "./pool.js";

/** Options of evaluateSnnParallel: evaluateSnn's plus the number of workers. */
export interface ParallelEvaluateOptions extends EvaluateOptions {
  /** worker threads (default: all cores, at most one per batch); 1 evaluates in this thread */
  workers?: number;
  /** the worker entry module (file: URL or path of an ES module); default: found as src/convert/pool.ts says */
  workerUrl?: URL | string;
}

/** Runs evaluateSnn's work in worker threads; the result equals evaluateSnn(snn, samples, labels, count, options). */
export async function evaluateSnnParallel(snn: SnnGraph, samples: Float32Array, labels: Int32Array, count: number, options: ParallelEvaluateOptions): Promise<SnnEvaluation> {
  return finalizeEvaluation(await evaluateSnnChunksParallel(snn, samples, labels, count, options));
}

/** Samples and labels of an evaluation's first `count` samples, shared once for all its tasks. */
function shareSet(samples: Float32Array, labels: Int32Array, count: number, n: number): { samples: Float32Array; labels: Int32Array } {
  return { samples: shareArrays(samples.subarray(0, count * n)), labels: shareArrays(labels.subarray(0, count)) };
}

/** Values per sample of a graph's input node. */
function inputSize(snn: SnnGraph): number {
  const input = snn.nodes.find((node) => node.kind === "input");
  if (!input || input.kind !== "input") throw new SpikewasmError("the graph has no input node");
  return shapeSize(input.shape);
}

/**
 * The raw chunk sums of evaluateSnnParallel (one per task, in sample order). With `sampleOffset` (a
 * multiple of the batch) the samples are a range of a larger set starting there: its Poisson seeds and
 * the chunks' offsets are those of the whole set, so chunks of several ranges merge exactly (src/distributed/).
 */
export async function evaluateSnnChunksParallel(snn: SnnGraph, samples: Float32Array, labels: Int32Array, count: number,
  options: ParallelEvaluateOptions & { sampleOffset?: number }): Promise<ChunkSums[]> {
  const { workers, workerUrl, onProgress, sampleOffset = 0, ...o } = options;
  if (labels.length < count) throw new SpikewasmError(`${labels.length} labels for ${count} samples`);
  const batch = Math.min(o.batch ?? 32, count);
  const W = threadCount(workers, batch > 0 ? Math.ceil(count / batch) : 0);
  if (W <= 1) return [await evaluateChunk(snn, samples, labels, count, { ...o, onProgress, sampleOffset })];
  const n = inputSize(snn); // samples may hold more than `count` samples, as for evaluateSnn
  const base = { key: evaluationKey(), graph: shareArrays(snn), ...shareSet(samples, labels, count, n), total: count, progress: sharedProgress(),
    options: { ...o, batch, sampleOffset } };
  const tasks = splitTasks(count, batch, W).map((range): PoolTask => ({ kind: "snn", ...base, range }));
  return runTasks<PoolTask, ChunkSums>(tasks, workers, workerUrl,
    onProgress && { total: count, onProgress });
}

/** What evaluateRunParallel returns: the DNN's sums and the SNN's chunk sums over the same samples. */
export interface RunSums { dnn: DnnSums; chunks: ChunkSums[] }

/**
 * The test pass of a run over the pool: each task takes a range of samples through the DNN (dnnRange) and
 * then the float SNN (evaluateChunk). Equals dnnRange over the whole range and evaluateSnnChunksParallel's
 * sums, merged. `onProgress` is told the samples through both (a task's DNN pass comes first).
 */
export async function evaluateRunParallel(ann: AnnGraph, snn: SnnGraph, populations: { id: string; size: number }[], samples: Float32Array, labels: Int32Array, count: number,
  options: ParallelEvaluateOptions & { sampleOffset?: number }): Promise<RunSums> {
  const { workers, workerUrl, onProgress, sampleOffset = 0, ...o } = options;
  if (labels.length < count) throw new SpikewasmError(`${labels.length} labels for ${count} samples`);
  if (count < 1) throw new SpikewasmError("evaluateRunParallel: no samples");
  const batch = Math.min(o.batch ?? 32, count);
  const W = threadCount(workers, Math.ceil(count / batch));
  const n = inputSize(snn);
  const base = { key: evaluationKey(), graph: shareArrays(snn), ann: shareArrays(ann), populations, ...shareSet(samples, labels, count, n), total: count,
    progress: sharedProgress(), options: { ...o, batch, sampleOffset } };
  const tasks = splitTasks(count, batch, W).map((range): PoolTask => ({ kind: "run", ...base, range }));
  const parts = await runTasks<PoolTask, { dnn: DnnSumsPartials; snn: ChunkSums }>(tasks, workers, workerUrl,
    onProgress && { total: count, onProgress });
  const dnn = mergeDnnSums(parts.map(({ dnn: d }) => dnnSumsFromPartials({ ...d, start: d.start + sampleOffset }, "the DNN sums of")));
  return { dnn, chunks: parts.map((p) => p.snn) };
}

/**
 * The DNN pass alone over the pool (dnnRange on tasks of whole batches), merged: equals dnnRange over the
 * whole set with these populations. A run starts it before its conversion (src/pipeline/run.ts), so the
 * threads take the DNN's share while the calling thread calibrates and converts; `signal` stops it.
 * Null (nothing started) with one thread, or a single batch.
 */
export function evaluateDnnParallel(ann: AnnGraph, populations: { id: string; size: number }[], samples: Float32Array, labels: Int32Array, count: number,
  options: { batch?: number; workers?: number; workerUrl?: URL | string; onProgress?: (done: number, total: number) => void; signal?: AbortSignal }): Promise<DnnSums> | null {
  const { workers, workerUrl, onProgress, signal } = options;
  if (labels.length < count) throw new SpikewasmError(`${labels.length} labels for ${count} samples`);
  const batch = Math.max(1, Math.min(options.batch ?? 32, count));
  const W = threadCount(workers, Math.ceil(count / batch));
  if (W < 2) return null;
  return dnnOverPool(ann, populations, samples, labels, count, batch, W, workers, workerUrl, onProgress, signal);
}

async function dnnOverPool(ann: AnnGraph, populations: { id: string; size: number }[], samples: Float32Array, labels: Int32Array, count: number, batch: number, W: number,
  workers: number | undefined, workerUrl: URL | string | undefined, onProgress: ((done: number, total: number) => void) | undefined, signal: AbortSignal | undefined): Promise<DnnSums> {
  const input = ann.nodes[0];
  const n = input.kind === "input" ? shapeSize(input.shape) : samples.length / count;
  const base = { key: evaluationKey(), ann: shareArrays(ann), populations, inputSize: n, ...shareSet(samples, labels, count, n), total: count, progress: sharedProgress() };
  // one task per thread: the calling thread is busy converting meanwhile and could not hand out the next task
  const tasks = splitTasks(count, batch, W, 1).map((range): PoolTask => ({ kind: "dnn", ...base, range }));
  const parts = await runTasks<PoolTask, DnnSumsPartials>(tasks, workers, workerUrl, onProgress && { total: count, onProgress }, signal);
  return mergeDnnSums(parts.map((d) => dnnSumsFromPartials(d, "the DNN sums of")));
}

/**
 * evaluateLoihi over the pool: tasks of whole batches, merged by mergeLoihiEvaluations. The integer engine
 * is deterministic per sample, so the result equals evaluateLoihi on the whole set.
 */
export async function evaluateLoihiParallel(lg: LoihiGraph, samples: Float32Array, labels: Int32Array, count: number,
  options: EvaluateLoihiOptions & { workers?: number; workerUrl?: URL | string }): Promise<LoihiEvaluation> {
  const { workers, workerUrl, onProgress, yieldBetween: _y, ...o } = options;
  const batch = Math.max(1, Math.min(o.batch ?? 32, count));
  const W = threadCount(workers, Math.ceil(count / batch));
  if (W <= 1 || labels.length < count) return evaluateLoihi(lg, samples, labels, count, options);
  const base = { key: evaluationKey(), graph: shareArrays(lg), ...shareSet(samples, labels, count, lg.input.size), total: count, progress: sharedProgress(),
    options: { ...o, batch } };
  const tasks = splitTasks(count, batch, W).map((range): PoolTask => ({ kind: "loihi", ...base, range }));
  return mergeLoihiEvaluations(await runTasks<PoolTask, LoihiEvaluation>(tasks, workers, workerUrl,
    onProgress && { total: count, onProgress }));
}
