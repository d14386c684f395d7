/**
 * The test pass of a run: the DNN and the float SNN over the test set — on this thread, over the local
 * pool's threads together (`parallelRun`), or with the DNN's pass started on the threads before the
 * conversion (`parallelDnn`, EarlyDnn) and the SNN's queued behind it. Every way gives the same sums.
 */
import { type EvaluateOptions, type SnnEvaluation, evaluateSnn, finalizeEvaluation } from "../convert/evaluate.js";
import { SpikewasmError } from "../errors.js";
import type { AnnGraph } from "../ir/ann.js";
import type { SnnGraph } from "../ir/graph.js";
import { type DnnSums, dnnPopulations, dnnRange, selectMeans } from "./dnn-sums.js";
import type { RunContext, RunOptions } from "./run.js";

/** Labelled test samples as the pipelines hold them. */
export interface TestSet { samples: Float32Array; labels: Int32Array; count: number }

/** The float SNN's evaluation: over worker threads with `parallelEvaluate` (unless workers = 1), else on this thread. */
export async function evaluateFloatSnn(snn: SnnGraph, test: TestSet, evOptions: EvaluateOptions, o: Pick<RunOptions, "workers" | "parallelEvaluate">): Promise<SnnEvaluation> {
  if (o.workers !== undefined && (!Number.isInteger(o.workers) || o.workers < 1)) throw new SpikewasmError(`workers must be an integer >= 1, got ${o.workers}`);
  return o.parallelEvaluate && o.workers !== 1
    ? o.parallelEvaluate(snn, test.samples, test.labels, test.count, { ...evOptions, workers: o.workers })
    : evaluateSnn(snn, test.samples, test.labels, test.count, evOptions);
}

/**
 * The DNN's test pass started over worker threads before the conversion (`parallelDnn`): sums of every DNN
 * layer (dnnPopulations), cut to the SNN's populations once they are known.
 */
export class EarlyDnn {
  private done = 0;
  private constructor(readonly result: Promise<DnnSums>, private readonly abort: AbortController) {
    result.catch(() => undefined); // awaited later; a failure meanwhile is not an unhandled rejection
  }

  /** Started for this run, or null (no parallelDnn, one thread, or a single batch). */
  static start(ann: AnnGraph, test: TestSet, o: RunOptions): EarlyDnn | null {
    if (!o.parallelDnn || o.workers === 1) return null;
    const abort = new AbortController();
    let early: EarlyDnn | null = null;
    const result = o.parallelDnn(ann, dnnPopulations(ann), test.samples, test.labels, test.count,
      { batch: o.batch ?? 32, workers: o.workers, signal: abort.signal, onProgress: (d) => { if (early) early.done = d; } });
    return result ? (early = new EarlyDnn(result, abort)) : null;
  }

  /** Samples through the DNN so far. */
  get samplesDone(): number { return this.done; }

  /** Stops the pass (the run failed before its test pass) and waits until its threads have let go. */
  async cancel(): Promise<void> {
    this.abort.abort();
    await this.result.catch(() => undefined);
  }
}

/** The DNN and the float SNN over the test set: together over worker threads with `parallelRun`, else one after the other. */
export async function testPass(ctx: RunContext, test: TestSet, o: RunOptions, early: EarlyDnn | null): Promise<{ dnn: DnnSums; ev: SnnEvaluation }> {
  if (early) {
    // the DNN runs on the threads already; the SNN's tasks queue behind it on the same threads
    const progress = (d: number, t: number) => o.onProgress?.("dnn+snn", early.samplesDone + d, 2 * t);
    const [dnn, ev] = await Promise.allSettled([early.result, evaluateFloatSnn(ctx.snn, test, { ...ctx.evOptions, onProgress: progress }, o)]);
    if (dnn.status === "rejected") throw dnn.reason;
    if (ev.status === "rejected") throw ev.reason;
    const selected = selectMeans(dnn.value, ctx.populations);
    if (selected) return { dnn: selected, ev: ev.value };
    // an SNN population the DNN's layers do not hold as such (not met by conversion today): its own DNN pass
    return { dnn: await dnnRange(ctx, test, 0, test.count), ev: ev.value };
  }
  const batches = Math.ceil(test.count / (ctx.evOptions.batch ?? 32));
  if (o.parallelRun && o.workers !== 1 && batches > 1) {
    const r = await o.parallelRun(ctx.ann, ctx.snn, ctx.populations, test.samples, test.labels, test.count,
      { ...ctx.evOptions, workers: o.workers, onProgress: (d, t) => o.onProgress?.("dnn+snn", d, t) });
    return { dnn: r.dnn, ev: finalizeEvaluation(r.chunks) };
  }
  const dnn = await dnnRange(ctx, test, 0, test.count);
  o.onProgress?.("dnn", test.count, test.count);
  return { dnn, ev: await evaluateFloatSnn(ctx.snn, test, ctx.evOptions, o) };
}
