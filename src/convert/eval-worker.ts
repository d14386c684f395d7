/**
 * Worker-thread entry of the local pool (src/convert/pool.ts, a Piscina pool): its default export runs
 * one task of a parallel evaluation (src/convert/parallel.ts) — a range of samples through the float SNN
 * (evaluateChunk), through the DNN and the float SNN (dnnRange + evaluateChunk: the whole test pass of a
 * run), through the DNN alone (dnnRange: a run's DNN pass started while the run converts), or through the bit-exact Loihi engine (evaluateLoihi) — and returns its raw sums, or the error it
 * met (a SpikewasmError keeps its exit code). What a thread builds for an evaluation (simulator, DNN
 * runner, Loihi engine) is kept under the evaluation's key for its next tasks; only the latest
 * evaluation's is kept. Bundled to dist/eval-worker.js by scripts/bundle.mjs.
 */
import { type AnnRunner, createAnnRunner } from "../ann/infer-wasm.js";
import { SpikewasmError } from "../errors.js";
import type { AnnGraph } from "../ir/ann.js";
import type { SnnGraph } from "../ir/graph.js";
import { type EvaluateLoihiOptions, type LoihiEvaluation, evaluateLoihi } from "../loihi/evaluate.js";
import { LoihiEngine } from "../loihi/engine.js";
import type { LoihiGraph } from "../loihi/quantize.js";
import { type DnnSumsPartials, dnnRange, dnnSumsToPartials } from "../pipeline/dnn-sums.js";
import { Simulator } from "../sim/simulator.js";
import { type ChunkOptions, type ChunkSums, evaluateChunk } from "./evaluate.js";
import type { TaskOutcome, TaskRange } from "./pool.js";
import { CANCELLED_SLOT, DONE_SLOT } from "./pool-slots.js";

/** What every task carries: its evaluation's key, the shared samples and labels of the whole set, its range, a shared progress counter. */
interface TaskBase {
  key: string;
  samples: Float32Array;
  labels: Int32Array;
  range: TaskRange;
  /** samples in the whole evaluation (the simulator's batch is min(batch, total), as in one thread) */
  total: number;
  /** shared by the evaluation's tasks (Atomics): [DONE_SLOT] finished samples, [CANCELLED_SLOT] 1 once another task failed */
  progress: Int32Array;
}

/** A task of the local pool. */
export type PoolTask =
  | (TaskBase & { kind: "snn"; graph: SnnGraph; options: Omit<ChunkOptions, "onProgress" | "yieldBetween"> })
  | (TaskBase & { kind: "run"; graph: SnnGraph; ann: AnnGraph; populations: { id: string; size: number }[]; options: Omit<ChunkOptions, "onProgress" | "yieldBetween"> })
  | (TaskBase & { kind: "dnn"; ann: AnnGraph; populations: { id: string; size: number }[]; inputSize: number })
  | (TaskBase & { kind: "loihi"; graph: LoihiGraph; options: Omit<EvaluateLoihiOptions, "onProgress" | "yieldBetween"> });

/** What a task returns. */
export type PoolResult = ChunkSums | LoihiEvaluation | DnnSumsPartials | { dnn: DnnSumsPartials; snn: ChunkSums };

/** Stops the task (an error it returns, which the caller ignores) once another task of its evaluation failed. */
function stopIfCancelled(t: TaskBase): void {
  if (Atomics.load(t.progress, CANCELLED_SLOT)) throw new Error("cancelled: another task of this evaluation failed");
}

/** The onProgress of the task's evaluation call: finished samples added to the shared count, then the cancel check. */
function progressOf(t: TaskBase): (done: number) => void {
  let reported = 0;
  return (done) => {
    Atomics.add(t.progress, DONE_SLOT, done - reported);
    reported = done;
    stopIfCancelled(t);
  };
}

/** The task's samples and labels (n values per sample). */
function rangeOf(t: TaskBase, n: number): { samples: Float32Array; labels: Int32Array; count: number } {
  const { start, count } = t.range;
  return { samples: t.samples.subarray(start * n, (start + count) * n), labels: t.labels.subarray(start, start + count), count };
}

let kept: { key: string; sim?: Simulator; runner?: AnnRunner; engine?: LoihiEngine } = { key: "" };

function cache(key: string) {
  if (kept.key !== key) kept = { key };
  return kept;
}

async function simulatorFor(t: PoolTask & { kind: "snn" | "run" }): Promise<Simulator> {
  const c = cache(t.key);
  return (c.sim ??= await Simulator.create(t.graph, { batch: Math.min(t.options.batch ?? 32, t.total), backend: t.options.backend }));
}

/** The SNN sums of the task's range, its progress added to the shared counter after each batch. */
async function snnRange(t: PoolTask & { kind: "snn" | "run" }, n: number): Promise<ChunkSums> {
  const r = rangeOf(t, n);
  return evaluateChunk(t.graph, r.samples, r.labels, r.count, { ...t.options, sampleOffset: (t.options.sampleOffset ?? 0) + t.range.start, onProgress: progressOf(t) },
    await simulatorFor(t));
}

/** A DNN runner kept for the task's evaluation. */
async function runnerFor(t: PoolTask & { ann: AnnGraph }): Promise<AnnRunner> {
  const c = cache(t.key);
  return (c.runner ??= await createAnnRunner(t.ann, 64));
}

async function runTask(t: PoolTask): Promise<PoolResult> {
  stopIfCancelled(t);
  if (t.kind === "dnn") {
    // the DNN alone (a run's test pass started before its conversion): progress and the cancel check after each chunk
    const progress = progressOf(t);
    return dnnSumsToPartials(await dnnRange({ ann: t.ann, runner: await runnerFor(t), n: t.inputSize, populations: t.populations }, t, t.range.start, t.range.count, 256, progress));
  }
  if (t.kind === "loihi") {
    const c = cache(t.key);
    const batch = Math.min(t.options.batch ?? 32, t.total);
    c.engine ??= await LoihiEngine.create(t.graph, { batch, backend: t.options.backend, chunk: t.options.chunk });
    const r = rangeOf(t, t.graph.input.size);
    return evaluateLoihi(t.graph, r.samples, r.labels, r.count, { ...t.options, batch, onProgress: progressOf(t) }, c.engine);
  }
  const sim = await simulatorFor(t);
  const n = sim.plan.input.n;
  if (t.kind === "snn") return snnRange(t, n);
  const d = await dnnRange({ ann: t.ann, runner: await runnerFor(t), n, populations: t.populations }, t, t.range.start, t.range.count);
  return { dnn: dnnSumsToPartials(d), snn: await snnRange(t, n) };
}

/** The pool's task handler. */
export default async function evaluateTask(t: PoolTask): Promise<TaskOutcome<PoolResult>> {
  try {
    return { ok: true, result: await runTask(t) };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    return { ok: false, message: err.message, exitCode: e instanceof SpikewasmError ? e.exitCode : null, stack: err.stack };
  }
}
