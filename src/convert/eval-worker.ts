/**
 * Worker-thread entry of evaluateSnnParallel and evaluateLoihiParallel (src/convert/parallel.ts): evaluates
 * one chunk of samples (workerData: an EvalJob) with evaluateChunk or evaluateLoihi, posts progress after each batch, then the raw sums
 * (buffers transferred) or the error. Bundled to dist/eval-worker.js by scripts/bundle.mjs.
 */
import { parentPort, workerData } from "node:worker_threads";
import { SpikewasmError } from "../errors.js";
import { type LoihiEvaluation, evaluateLoihi } from "../loihi/evaluate.js";
import { type ChunkSums, evaluateChunk } from "./evaluate.js";
import type { EvalJob, EvalMessage } from "./parallel.js";

/** The buffers of a ChunkSums, for the transfer list. */
function chunkTransferList(s: ChunkSums | LoihiEvaluation): ArrayBuffer[] {
  if ("accuracyByStep" in s)
    return [s.predictions.buffer as ArrayBuffer, s.inputSpikesPerStep.buffer as ArrayBuffer,
      ...s.layers.flatMap((l) => [l.spikesPerStep.buffer as ArrayBuffer, l.synopsPerStep.buffer as ArrayBuffer, l.spikeCountsSum.buffer as ArrayBuffer])];
  return [s.correct.buffer as ArrayBuffer, s.predictions.buffer as ArrayBuffer, ...(s.outputs ? [s.outputs.buffer as ArrayBuffer] : []), ...s.layers.map((l) => l.spikeCountsSum.buffer as ArrayBuffer)];
}

const port = parentPort!;
const post = (m: EvalMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const job = workerData as EvalJob;
try {
  const onProgress = (done: number) => post({ type: "progress", done });
  const sums = job.kind === "loihi"
    ? await evaluateLoihi(job.graph, job.samples, job.labels, job.count, { ...job.options, onProgress })
    : await evaluateChunk(job.graph, job.samples, job.labels, job.count, { ...job.options, onProgress });
  post({ type: "result", sums }, chunkTransferList(sums));
} catch (e) {
  const err = e instanceof Error ? e : new Error(String(e));
  post({ type: "error", message: err.message, exitCode: e instanceof SpikewasmError ? e.exitCode : null, stack: err.stack });
}
