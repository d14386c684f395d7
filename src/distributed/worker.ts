/**
 * A queue worker (`spikewasm worker --queue redis://…`): a BullMQ Worker that takes jobs of the run
 * queue — a range of one run's DNN pass (queued before the coordinator has converted the model) or of its
 * SNN pass (whole batches), or of one candidate of an optimize search (optimize-worker.ts) — and returns
 * their partial results. It loads a run's inputs, and the coordinator's converted network once it is
 * stored, from Redis once and keeps them for the next jobs of that run; of the test samples it reads only
 * the ranges of its jobs. Between batches it
 * yields, so BullMQ renews the job's lock; a worker that dies mid-job stops renewing it and BullMQ's
 * stalled-job check hands the job to another worker (the job id is deterministic, so its result is
 * counted once). SIGTERM / SIGINT: the current job is finished, then the worker exits.
 *
 * One process runs one job at a time (the simulation is synchronous); `concurrency` > 1 starts that
 * many worker processes of this command, one per core by default.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { UnrecoverableError, Worker, type Job } from "bullmq";
import { SpikewasmError } from "../errors.js";
import { type RunContext, prepareRun } from "../pipeline/run.js";
import { VERSION } from "../version.js";
import type { OptimizeJobData, OptimizePart } from "./optimize-part.js";
import { optimizeProcessor, recentCache } from "./optimize-worker.js";
import { type RunPart, evaluateDnnPart, evaluatePart } from "./part.js";
import { createAnnRunner } from "../ann/infer-wasm.js";
import { annShapes } from "../ir/ann.js";
import { shapeSize } from "../ir/graph.js";
import { importOnnx, requireConvertible } from "../onnx/import.js";
import type { DnnContext } from "../pipeline/dnn-sums.js";
import { Simulator } from "../sim/simulator.js";
import { QUEUE_NAME, type RedisTarget, type StoredRun, connectRedis, loadRunInputs } from "./redis.js";
import { loadRunContext } from "./run-context.js";

/**
 * What a `run --queue` job carries: the run (its fingerprint, under which the inputs are stored), the range
 * and the pass — the DNN's (run before the coordinator has converted), the SNN's, or both when absent.
 */
export interface RunJobData { kind?: "run"; run: string; spikewasm: string; start: number; count: number; pass?: "dnn" | "snn" }

/** Any job of the queue: a run's range or an optimize candidate's range (optimize-part.ts). */
export type QueueJobData = RunJobData | OptimizeJobData;

export interface WorkerOptions {
  /** seconds without a lock renewal after which a job counts as stalled and is retried elsewhere (default 30) */
  stallTimeoutS?: number;
  /** called for each job done (tests, logging) */
  log?: (line: string) => void;
}

/** Runs one worker (one job at a time) until SIGTERM/SIGINT; resolves when it has stopped. */
export async function runWorker(target: RedisTarget, o: WorkerOptions = {}): Promise<void> {
  const stallMs = (o.stallTimeoutS ?? 30) * 1000;
  const log = o.log ?? ((line: string) => console.log(line));
  const probe = await connectRedis(target); // a named error now rather than endless reconnects
  probe.disconnect();
  const connection = await connectRedis(target, 10, true);
  type Stored = StoredRun;
  // a run's inputs with its imported model and a DNN runner (what a DNN job needs), and its converted network (an SNN job)
  const loaded = recentCache<{ stored: Stored; dnn: Omit<DnnContext, "populations"> }>(2);
  const inputsFor = (run: string) => loaded(run, async () => {
    const stored = await loadRunInputs(connection, run);
    if (!stored) throw new UnrecoverableError(`the inputs of run ${run.slice(0, 12)} are not in Redis at ${target.shown} (expired or deleted): start the run again`);
    stored.inputs.imported = importOnnx(stored.inputs.model, stored.inputs.modelFile); // imported once for both kinds of job
    const ann = requireConvertible(stored.inputs.imported);
    return { stored, dnn: { ann, runner: await createAnnRunner(ann, 64), n: shapeSize(annShapes(ann).get(ann.nodes[0].id)!) } };
  });
  const runs = recentCache<{ ctx: RunContext; inputs: Stored; simulator: Simulator }>(2);
  const contextFor = (run: string) => runs(run, async () => {
    const { stored, dnn } = await inputsFor(run);
    // the coordinator's converted network when stored (run-context.ts), else the run prepared here
    const t0 = performance.now();
    const taken = await loadRunContext(connection, run, stored.options, dnn);
    const ctx = taken ?? await prepareRun(stored.inputs, stored.options);
    log(`spikewasm worker ${process.pid}: run ${run.slice(0, 12)}: ${taken ? "took the coordinator's converted network" : "prepared the run (no stored network)"} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // one simulator for every job of the run (as a pool thread keeps one per evaluation), not one per job
    const simulator = await Simulator.create(ctx.snn, { batch: Math.min(ctx.evOptions.batch ?? 32, stored.inputs.test.count), backend: ctx.evOptions.backend });
    return { ctx, inputs: stored, simulator };
  });
  /** bad input (a SpikewasmError) is the same on every worker: the job fails for good instead of being retried */
  const unrecoverable = <T>(p: Promise<T>): Promise<T> => p.catch((e: unknown) => { throw e instanceof SpikewasmError ? new UnrecoverableError(e.message) : e; });
  const runRange = async (job: Job<RunJobData, RunPart>): Promise<RunPart> => {
    const d = job.data;
    const range = { start: d.start, count: d.count };
    if (d.pass === "dnn") {
      const { stored, dnn } = await unrecoverable(inputsFor(d.run));
      await unrecoverable(stored.loadSamples(d.start, d.count)); // only this job's test samples are read from Redis
      return evaluateDnnPart(stored.inputs, dnn, range, Math.min(stored.options.batch ?? 32, Math.max(1, d.count)), d.run, async (done) => {
        job.updateProgress(done).catch(() => undefined);
        await new Promise((r) => setImmediate(r));
      });
    }
    const { ctx, inputs, simulator } = await unrecoverable(contextFor(d.run));
    await unrecoverable(inputs.loadSamples(d.start, d.count));
    return evaluatePart(inputs.inputs, inputs.options, range, {
      context: ctx, fingerprint: d.run, simulator, yieldBetween: () => new Promise((r) => setImmediate(r)), ...(d.pass === "snn" ? { pass: "snn" as const } : {}),
      onProgress: (done) => { job.updateProgress(done).catch(() => undefined); },
    });
  };
  const optimizeJob = optimizeProcessor(connection, target);
  const processor = async (job: Job<QueueJobData, RunPart | OptimizePart>): Promise<RunPart | OptimizePart> => {
    const d = job.data;
    if (d.spikewasm !== VERSION) throw new UnrecoverableError(`job ${job.id} is from spikewasm ${d.spikewasm}; this worker runs spikewasm ${VERSION}: run workers of the same version`);
    const t0 = performance.now();
    const what = `${d.kind === "optimize" ? `optimize ${d.candidate} ${d.set} ` : d.pass ? `${d.pass.toUpperCase()} pass of ` : ""}samples ${d.start}..${d.start + d.count - 1}`;
    log(`spikewasm worker ${process.pid}: job ${job.id}: ${what} started`);
    const part = d.kind === "optimize" ? await optimizeJob(job as Job<OptimizeJobData, OptimizePart>) : await runRange(job as Job<RunJobData, RunPart>);
    log(`spikewasm worker ${process.pid}: job ${job.id}: ${what} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return part;
  };
  const worker = new Worker<QueueJobData, RunPart | OptimizePart>(QUEUE_NAME, processor, {
    connection, concurrency: 1, lockDuration: stallMs, stalledInterval: stallMs, maxStalledCount: 5,
  });
  worker.on("error", (e) => log(`spikewasm worker ${process.pid}: ${e.message}`));
  await worker.waitUntilReady();
  log(`spikewasm worker ${process.pid} (spikewasm ${VERSION}) waiting for jobs on ${target.shown}`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (sig: string) => {
      if (stopping) return;
      stopping = true;
      log(`spikewasm worker ${process.pid}: ${sig}: finishing the current job, then stopping`);
      worker.close().then(() => connection.quit()).catch(() => undefined).finally(resolve);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
}

/**
 * `concurrency` worker processes of this command (`argv`: how to start one: node, the CLI, its
 * arguments with --concurrency 1); SIGTERM/SIGINT are passed on and this resolves when all have stopped.
 * Resolves with the first non-zero exit code of a child (0 when all stopped cleanly).
 */
export function runWorkerProcesses(concurrency: number, argv: string[]): Promise<number> {
  const children: ChildProcess[] = [];
  let code = 0, left = concurrency;
  return new Promise((resolve) => {
    const forward = (sig: NodeJS.Signals) => { for (const c of children) if (c.exitCode === null) c.kill(sig); };
    process.once("SIGTERM", () => forward("SIGTERM"));
    process.once("SIGINT", () => forward("SIGINT"));
    for (let i = 0; i < concurrency; i++) {
      const c = spawn(process.execPath, argv, { stdio: "inherit" });
      children.push(c);
      c.on("exit", (exit, sig) => {
        if (code === 0 && exit !== 0 && sig === null) { code = exit ?? 1; forward("SIGTERM"); }
        if (--left === 0) resolve(code);
      });
    }
  });
}
