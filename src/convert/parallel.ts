/**
 * SNN evaluation over worker threads (Node only: node:worker_threads, node:os). Samples are independent:
 * the set is split into contiguous chunks whose sizes are multiples of the batch, so every batch — and
 * with it every Poisson seed `seed + s0` — is the one a single-thread evaluateSnn would run; each worker
 * runs evaluateChunk on its chunk and finalizeEvaluation merges the raw counts. The result is identical
 * (deep-equal) to evaluateSnn on the whole set, whatever the number of workers.
 *
 * Data: the graph is structured-cloned (typed arrays copied, views compacted first); each worker gets a
 * copy of its own slice of samples and labels, transferred (not cloned again); results come back
 * transferred. Progress is the sum of the workers' progress.
 *
 * The worker entry is src/convert/eval-worker.ts. Where its code comes from, in order:
 *   1. `options.workerUrl` when given (a file: or data: URL of an ES module);
 *   2. `eval-worker.js` next to this module's file: the esbuild bundle dist/eval-worker.js (built by
 *      scripts/bundle.mjs) beside dist/cli.js, into which this module is bundled;
 *   3. running from TypeScript sources (vitest, tsx: this file is parallel.ts), eval-worker.ts is bundled
 *      on the fly with esbuild's JS API (a devDependency) into one self-contained ES module and started
 *      from a data: URL — no temporary file, built once per process, always from the current sources.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { SpikewasmError } from "../errors.js";
import { type SnnGraph, shapeSize } from "../ir/graph.js";
import { type EvaluateLoihiOptions, type LoihiEvaluation, evaluateLoihi, mergeLoihiEvaluations } from "../loihi/evaluate.js";
import type { LoihiGraph } from "../loihi/quantize.js";
import { type ChunkOptions, type ChunkSums, type EvaluateOptions, type SnnEvaluation, evaluateChunk, finalizeEvaluation } from "./evaluate.js";

/** Options of evaluateSnnParallel: evaluateSnn's plus the number of workers. */
export interface ParallelEvaluateOptions extends EvaluateOptions {
  /** worker threads (default: all cores, at most one per batch); 1 evaluates in this thread */
  workers?: number;
  /** the worker entry module (file: or data: URL); default: found as the file header says */
  workerUrl?: URL | string;
}

/** What a worker receives (workerData): a chunk of the float SNN evaluation, or of the bit-exact Loihi one. */
export type EvalJob =
  | { kind: "snn"; graph: SnnGraph; samples: Float32Array; labels: Int32Array; count: number; options: Omit<ChunkOptions, "onProgress"> }
  | { kind: "loihi"; graph: LoihiGraph; samples: Float32Array; labels: Int32Array; count: number; options: Omit<EvaluateLoihiOptions, "onProgress"> };

/** What a worker posts back. */
export type EvalMessage =
  | { type: "progress"; done: number }
  | { type: "result"; sums: ChunkSums | LoihiEvaluation }
  | { type: "error"; message: string; exitCode: number | null; stack?: string };

/** Runs evaluateSnn's work in worker threads; the result equals evaluateSnn(snn, samples, labels, count, options). */
export async function evaluateSnnParallel(snn: SnnGraph, samples: Float32Array, labels: Int32Array, count: number, options: ParallelEvaluateOptions): Promise<SnnEvaluation> {
  return finalizeEvaluation(await evaluateSnnChunksParallel(snn, samples, labels, count, options));
}

/**
 * The raw chunk sums of evaluateSnnParallel (one per worker, in order). With `sampleOffset` (a multiple of
 * the batch) the samples are a range of a larger set starting there: its Poisson seeds and the chunks'
 * offsets are those of the whole set, so chunks of several ranges merge exactly (src/distributed/).
 */
export async function evaluateSnnChunksParallel(snn: SnnGraph, samples: Float32Array, labels: Int32Array, count: number,
  options: ParallelEvaluateOptions & { sampleOffset?: number }): Promise<ChunkSums[]> {
  const { workers, workerUrl, onProgress, sampleOffset = 0, ...o } = options;
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) throw new SpikewasmError(`workers must be an integer >= 1, got ${workers}`);
  if (labels.length < count) throw new SpikewasmError(`${labels.length} labels for ${count} samples`);
  const batch = Math.min(o.batch ?? 32, count);
  const batches = batch > 0 ? Math.ceil(count / batch) : 0;
  const W = Math.min(workers ?? availableParallelism(), batches);
  if (W <= 1) return [await evaluateChunk(snn, samples, labels, count, { ...o, onProgress, sampleOffset })];
  // values per sample, from the graph (samples may hold more than `count` samples, as for evaluateSnn)
  const input = snn.nodes.find((node) => node.kind === "input");
  if (!input || input.kind !== "input") throw new SpikewasmError("the graph has no input node");
  const n = shapeSize(input.shape);

  const chunks = splitChunks(count, batch, W);
  const graph = compactGraph(snn);
  const parts = await runChunks(workerUrl, chunks, count, onProgress, (c) => ({
    kind: "snn", graph, count: c.count,
    samples: samples.slice(c.start * n, (c.start + c.count) * n),
    labels: labels.slice(c.start, c.start + c.count),
    options: { ...o, batch, sampleOffset: sampleOffset + c.start },
  }));
  return parts as ChunkSums[];
}

/** Contiguous chunks of whole batches over W workers: the first `batches % W` chunks get one batch more. */
function splitChunks(count: number, batch: number, W: number): { start: number; count: number }[] {
  const batches = Math.ceil(count / batch);
  const chunks: { start: number; count: number }[] = [];
  for (let i = 0, b0 = 0; i < W; i++) {
    const nb = Math.floor(batches / W) + (i < batches % W ? 1 : 0);
    const start = b0 * batch, end = Math.min(count, (b0 + nb) * batch);
    chunks.push({ start, count: end - start });
    b0 += nb;
  }
  return chunks;
}

/** Starts one worker per chunk, sums their progress, returns their results in chunk order. */
async function runChunks(workerUrl: URL | string | undefined, chunks: { start: number; count: number }[], count: number,
  onProgress: ((done: number, total: number) => void) | undefined, job: (c: { start: number; count: number }) => EvalJob): Promise<(ChunkSums | LoihiEvaluation)[]> {
  const url = await resolveWorkerUrl(workerUrl);
  const done = chunks.map(() => 0);
  const running: Worker[] = [];
  try {
    return await Promise.all(chunks.map((c, i) => runWorker(url, job(c), running, (d) => {
      done[i] = d;
      onProgress?.(done.reduce((a, v) => a + v, 0), count);
    })));
  } finally {
    for (const w of running) void w.terminate();
  }
}

/**
 * evaluateLoihi over worker threads: contiguous chunks of samples, merged by mergeLoihiEvaluations. The
 * integer engine is deterministic per sample, so the result equals evaluateLoihi on the whole set.
 */
export async function evaluateLoihiParallel(lg: LoihiGraph, samples: Float32Array, labels: Int32Array, count: number,
  options: EvaluateLoihiOptions & { workers?: number; workerUrl?: URL | string }): Promise<LoihiEvaluation> {
  const { workers, workerUrl, onProgress, yieldBetween: _y, ...o } = options;
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) throw new SpikewasmError(`workers must be an integer >= 1, got ${workers}`);
  const batch = Math.max(1, Math.min(o.batch ?? 32, count));
  const W = Math.min(workers ?? availableParallelism(), Math.ceil(count / batch));
  if (W <= 1 || labels.length < count) return evaluateLoihi(lg, samples, labels, count, options);
  const n = lg.input.size;
  const parts = await runChunks(workerUrl, splitChunks(count, batch, W), count, onProgress, (c) => ({
    kind: "loihi", graph: lg, count: c.count,
    samples: samples.slice(c.start * n, (c.start + c.count) * n),
    labels: labels.slice(c.start, c.start + c.count),
    options: { ...o, batch },
  }));
  return mergeLoihiEvaluations(parts as LoihiEvaluation[]);
}

function runWorker(url: URL, job: EvalJob, running: Worker[], progress: (done: number) => void): Promise<ChunkSums | LoihiEvaluation> {
  return new Promise((resolve, reject) => {
    const w = new Worker(url, { workerData: job, transferList: [job.samples.buffer as ArrayBuffer, job.labels.buffer as ArrayBuffer] });
    running.push(w);
    let settled = false;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      reject(e);
    };
    w.on("message", (m: EvalMessage) => {
      if (m.type === "progress") progress(m.done);
      else if (m.type === "result") {
        settled = true;
        resolve(m.sums);
      } else if (m.exitCode !== null) fail(new SpikewasmError(m.message, m.exitCode));
      else fail(Object.assign(new Error(m.message), { stack: m.stack }));
    });
    w.on("error", (e) => fail(e instanceof Error ? e : new Error(String(e))));
    w.on("exit", (code) => fail(new Error(`evaluation worker exited (code ${code}) before returning its result`)));
  });
}

/** The graph with every typed array compacted to its own buffer (structured clone copies whole buffers). */
function compactGraph(g: SnnGraph): SnnGraph {
  const nodes = g.nodes.map((node) => {
    const copy: Record<string, unknown> = { ...node };
    for (const [k, v] of Object.entries(copy))
      if (ArrayBuffer.isView(v) && v.byteLength !== v.buffer.byteLength) copy[k] = (v as Float32Array).slice();
    return copy as unknown as SnnGraph["nodes"][number];
  });
  return g.output === undefined ? { nodes } : { nodes, output: g.output };
}

let sourceWorker: Promise<URL> | null = null;

async function resolveWorkerUrl(given: URL | string | undefined): Promise<URL> {
  if (given !== undefined) return new URL(given);
  const built = new URL("./eval-worker.js", import.meta.url);
  if (built.protocol === "file:" && existsSync(fileURLToPath(built))) return built;
  const source = new URL("./eval-worker.ts", import.meta.url);
  if (source.protocol === "file:" && existsSync(fileURLToPath(source))) return (sourceWorker ??= bundleSourceWorker(source));
  throw new SpikewasmError(`the evaluation worker is missing (looked for ${fileURLToPath(built)}): rebuild with node scripts/bundle.mjs, or pass workers: 1`);
}

/** Development fallback: bundles eval-worker.ts (and everything it imports) into a data: URL. */
async function bundleSourceWorker(source: URL): Promise<URL> {
  const esbuild = "esbuild"; // a variable: bundlers leave the dev-only import alone
  const { build } = (await import(esbuild)) as typeof import("esbuild");
  const r = await build({
    entryPoints: [fileURLToPath(source)], bundle: true, format: "esm", platform: "node", target: "es2022", write: false, logLevel: "silent",
  });
  return new URL(`data:text/javascript;base64,${Buffer.from(r.outputFiles[0].contents).toString("base64")}`);
}
