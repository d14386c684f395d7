/**
 * The local worker-thread pool of every parallel evaluation (Node only): a Piscina pool (piscina, a
 * well-kept worker-thread pool) whose threads live as long as the process (unref'd while idle, so they
 * never keep it alive) and serve one evaluation after another — the tune's candidates, the DNN pass, the
 * SNN and the Loihi runs — instead of starting new threads for each.
 *
 * Work is cut into tasks of whole batches, several per thread, that threads take as they become free:
 * a slower thread simply takes fewer tasks. The tasks' results are raw sums that merge exactly in sample
 * order (src/convert/parallel.ts), so neither the cut nor the thread that ran a task changes the result.
 *
 * Data is shared, not copied per task: the model's typed arrays and the samples are put once into
 * SharedArrayBuffers (`shareArrays`), and a task carries only views of them plus its range; a thread
 * builds its simulator (or DNN runner, or Loihi engine) once per evaluation (`key`) and keeps it for every
 * task of that evaluation. Progress: the threads add finished samples to a shared counter that the
 * calling thread reads ten times a second; a failed task cancels the evaluation's others through the
 * same shared array.
 *
 * The worker entry is src/convert/eval-worker.ts. Where its code comes from, in order:
 *   1. `workerUrl` when given (a file: URL or path of an ES module);
 *   2. `eval-worker.js` next to this module's file: the esbuild bundle dist/eval-worker.js (built by
 *      scripts/bundle.mjs) beside dist/cli.js, into which this module is bundled;
 *   3. running from TypeScript sources (vitest: this file is pool.ts), eval-worker.ts is bundled with
 *      esbuild's JS API (a devDependency) into node_modules/.cache/spikewasm/, named by its content's
 *      digest, written atomically (a temporary name, then renamed), built once per source state.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Piscina } from "piscina";
import { SpikewasmError } from "../errors.js";
import { CANCELLED_SLOT, DONE_SLOT } from "./pool-slots.js";

/** Every typed array of `value` (plain objects and arrays walked) copied once into a SharedArrayBuffer. */
export function shareArrays<T>(value: T): T {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof SharedArrayBuffer || value instanceof DataView) return value;
    const src = value as unknown as Float32Array;
    const Ctor = src.constructor as new (b: SharedArrayBuffer) => Float32Array;
    const copy = new Ctor(new SharedArrayBuffer(src.byteLength));
    copy.set(src);
    return copy as unknown as T;
  }
  if (Array.isArray(value)) return value.map((v) => shareArrays(v)) as T;
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = shareArrays(v);
    return out as T;
  }
  return value;
}

/** One task: samples [start, start + count) of an evaluation. */
export interface TaskRange { start: number; count: number }

/**
 * Contiguous tasks of whole batches over `threads` threads: about `perThread` tasks each (fewer when
 * there are fewer batches), so that a thread that runs slower takes fewer of them.
 */
export function splitTasks(count: number, batch: number, threads: number, perThread = 16): TaskRange[] {
  const batches = Math.ceil(count / batch);
  const tasks = Math.max(1, Math.min(batches, threads * perThread));
  const out: TaskRange[] = [];
  for (let i = 0, b0 = 0; i < tasks; i++) {
    const nb = Math.floor(batches / tasks) + (i < batches % tasks ? 1 : 0);
    const start = b0 * batch, end = Math.min(count, (b0 + nb) * batch);
    out.push({ start, count: end - start });
    b0 += nb;
  }
  return out;
}

/** What a task returns: its result, or the error it met (a SpikewasmError keeps its exit code). */
export type TaskOutcome<R> = { ok: true; result: R } | { ok: false; message: string; exitCode: number | null; stack?: string };

let pool: { threads: number; url: string; piscina: Piscina } | null = null;
let evaluations = 0;

/** The number of threads for `workers` (default: all cores) and `units` independent units of work. */
export function threadCount(workers: number | undefined, units: number): number {
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) throw new SpikewasmError(`workers must be an integer >= 1, got ${workers}`);
  return Math.max(1, Math.min(workers ?? availableParallelism(), units));
}

/** A fresh key of one evaluation: threads keep what they built for it under this key. */
export function evaluationKey(): string {
  return `${process.pid}:${++evaluations}`;
}

/** The shared array of an evaluation's tasks (DONE_SLOT, CANCELLED_SLOT). */
export function sharedProgress(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(8));
}

/**
 * Runs the tasks of one evaluation (all holding the same `progress` array, sharedProgress()) on the pool
 * of threadCount(workers) threads — the same pool whatever the number of tasks, so an evaluation of few
 * batches neither restarts it nor disturbs another evaluation's tasks (it is started, or restarted when
 * `workers` or the worker code changes) — in any order; returns their results in task order. The tasks add finished samples to progress[DONE_SLOT],
 * reported through `onProgress` while they run. The first failed task's error is the evaluation's: it
 * sets progress[CANCELLED_SLOT], which the other tasks check before each batch, so they stop at once
 * (no thread is terminated; the pool serves the next evaluation as before). An aborted `signal` does the
 * same: running tasks stop at their next batch, queued ones return at once.
 */
export async function runTasks<T extends { progress: Int32Array }, R>(tasks: T[], workers: number | undefined, workerUrl: URL | string | undefined,
  onProgress?: { total: number; onProgress: (done: number, total: number) => void }, signal?: AbortSignal): Promise<R[]> {
  const piscina = await poolOf(threadCount(workers, Number.MAX_SAFE_INTEGER), workerUrl);
  const shared = tasks[0].progress;
  // aborted: every task of the evaluation stops at its next check (a queued one as soon as it starts)
  const onAbort = () => Atomics.store(shared, CANCELLED_SLOT, 1);
  if (signal?.aborted) onAbort();
  signal?.addEventListener("abort", onAbort, { once: true });
  let last = -1;
  const report = () => {
    const done = Atomics.load(shared, DONE_SLOT);
    if (onProgress && done !== last) { last = done; onProgress.onProgress(done, onProgress.total); }
  };
  const timer = onProgress ? setInterval(report, 100) : undefined;
  timer?.unref();
  const cancel = () => Atomics.store(shared, CANCELLED_SLOT, 1);
  try {
    const results = await Promise.all(tasks.map(async (t) => {
      let o: TaskOutcome<R>;
      try {
        o = (await piscina.run(t)) as TaskOutcome<R>;
      } catch (e) {
        cancel(); // a thread that died (out of memory, say)
        throw e;
      }
      if (o.ok) return o.result;
      cancel();
      throw o.exitCode !== null ? new SpikewasmError(o.message, o.exitCode) : Object.assign(new Error(o.message), { stack: o.stack });
    }));
    report();
    return results;
  } finally {
    if (timer) clearInterval(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

/** The pool of `threads` threads running the worker code: the current one, or a new one replacing it. */
async function poolOf(threads: number, workerUrl: URL | string | undefined): Promise<Piscina> {
  const url = await resolveWorkerUrl(workerUrl);
  if (!pool || pool.threads !== threads || pool.url !== url) {
    const old = pool;
    pool = { threads, url, piscina: new Piscina({ filename: url, minThreads: threads, maxThreads: threads, idleTimeout: 60_000, concurrentTasksPerWorker: 1 }) };
    if (old) await old.piscina.destroy();
  }
  return pool.piscina;
}

/**
 * Starts the pool's threads ahead of their first task (`spikewasm run` calls it first thing, so that the
 * threads load while the model is imported and calibrated). Never fails: a problem shows at the first task.
 */
export function warmPool(workers: number | undefined, workerUrl?: URL | string): void {
  try {
    const threads = threadCount(workers, Number.MAX_SAFE_INTEGER);
    if (threads > 1) poolOf(threads, workerUrl).catch(() => undefined);
  } catch {
    // a bad --workers is reported by the run itself
  }
}

let sourceWorker: Promise<string> | null = null;

async function resolveWorkerUrl(given: URL | string | undefined): Promise<string> {
  if (given !== undefined) return String(given).startsWith("file:") ? String(given) : pathToFileURL(String(given)).href;
  const built = new URL("./eval-worker.js", import.meta.url);
  if (built.protocol === "file:" && existsSync(fileURLToPath(built))) return built.href;
  const source = new URL("./eval-worker.ts", import.meta.url);
  if (source.protocol === "file:" && existsSync(fileURLToPath(source))) return (sourceWorker ??= bundleSourceWorker(source));
  throw new SpikewasmError(`the evaluation worker is missing (looked for ${fileURLToPath(built)}): rebuild with node scripts/bundle.mjs, or pass workers: 1`);
}

/** Development fallback: eval-worker.ts and everything it imports bundled into node_modules/.cache/spikewasm/. */
async function bundleSourceWorker(source: URL): Promise<string> {
  const esbuild = "esbuild"; // a variable: bundlers leave the dev-only import alone
  const { build } = (await import(esbuild)) as typeof import("esbuild");
  const r = await build({
    entryPoints: [fileURLToPath(source)], bundle: true, format: "esm", platform: "node", target: "es2022", write: false, logLevel: "silent",
  });
  const code = r.outputFiles[0].contents;
  const dir = fileURLToPath(new URL("../../node_modules/.cache/spikewasm/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}eval-worker-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.mjs`;
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file);
  }
  return pathToFileURL(file).href;
}
