/**
 * `spikewasm run … --queue redis://…`: the run split into BullMQ jobs of whole batches, processed by any
 * number of `spikewasm worker` processes, merged here into the report a single process writes.
 *
 * The model, data and options are stored once in Redis under the run's fingerprint (src/distributed/
 * redis.ts), and beside them the prepared context — the converted network — that workers use instead of
 * preparing the run again (run-context.ts); a job holds only the fingerprint and its range. Job ids are the fingerprint and the range,
 * so adding a run's jobs again adds nothing (a finished job's part is reused) and a retried job has the
 * same id: each range's part is taken once, and mergeParts checks every sample is counted exactly once.
 * Progress comes from the queue's events; when no job progresses for `timeoutS` seconds the run stops
 * with a named error instead of waiting for workers that never come (src/distributed/queue-jobs.ts).
 */
import { SpikewasmError } from "../errors.js";
import { type RunInputs, type RunOptions, type RunReport, prepareRun } from "../pipeline/run.js";
import { VERSION } from "../version.js";
import { type RunPart, checkSplittable, mergeParts, parsePart } from "./part.js";
import { QueueSession } from "./queue-jobs.js";
import { parseRedisUrl, storeRunInputs } from "./redis.js";
import { storeRunContext } from "./run-context.js";
import { jobRanges, runFingerprint } from "./shard.js";
import type { RunJobData } from "./worker.js";

export interface QueueRunOptions {
  /** redis://[:password@]host:port[/db] */
  queue: string;
  /** seconds without any job progress before giving up (default 300) */
  timeoutS?: number;
  /** batches per job (default: about 64 jobs, at least one batch each) */
  jobBatches?: number;
  onProgress?: (stage: string, done: number, total: number) => void;
  /** where the waiting notice goes (default stderr) */
  notice?: (line: string) => void;
}

/** What a run's jobs are: a range of one pass, the ids naming the run, the pass and the range. */
function passJobs(run: string, pass: "dnn" | "snn", ranges: { start: number; count: number }[]) {
  return ranges.map((r) => ({ id: `${run.slice(0, 32)}-${pass}-${r.start}-${r.count}`, name: pass, samples: r.count,
    what: `${pass === "dnn" ? "DNN" : "SNN"} pass of samples ${r.start}..${r.start + r.count - 1}`,
    data: { run, spikewasm: VERSION, start: r.start, count: r.count, pass } satisfies RunJobData }));
}

/**
 * Runs `inputs` with `o` through the queue; returns the report runPipeline would (its `seconds`: the wall time here).
 *
 * Two waves of jobs: once the inputs are checked and stored, the DNN pass over the test set (jobs of about
 * 1/16 of it) — which needs no conversion, so the workers run it while this process calibrates and
 * converts; then the SNN pass (about 64 jobs of whole batches) with the converted network. The parts of
 * both waves merge into the one-process report (mergeParts).
 */
export async function runOnQueue(inputs: RunInputs, o: RunOptions, q: QueueRunOptions): Promise<RunReport> {
  const t0 = performance.now();
  const target = parseRedisUrl(q.queue);
  checkSplittable(o, "--queue");
  const run = runFingerprint(inputs, o);
  const count = inputs.test.count;
  const stop = new AbortController();
  let session: QueueSession | null = null, dnnWave: Promise<RunPart[]> | null = null;
  // one progress bar over both waves: samples through the DNN plus samples through the SNN, of twice the set
  const done = { dnn: 0, snn: 0 };
  const progress = (pass: "dnn" | "snn") => (_stage: string, d: number) => { done[pass] = d; q.onProgress?.("queue", done.dnn + done.snn, 2 * count); };
  const parse = (pass: "dnn" | "snn") => (value: unknown, job: { id: string; data: unknown }) => {
    const part = parsePart(value, `job ${job.id}`);
    const d = job.data as RunJobData;
    if (part.fingerprint !== run || part.samples.start !== d.start || part.samples.count !== d.count || part.pass !== pass)
      throw new SpikewasmError(`job ${job.id} holds the result of another run, range or pass (run ${part.fingerprint.slice(0, 12)}, samples ${part.samples.start}+${part.samples.count}, ` +
        `pass ${part.pass ?? "both"}): the queue holds jobs of another model or version under this id; clear it (a fresh database number in the URL) and run again`);
    return part;
  };
  const wave = (pass: "dnn" | "snn") => ({ stage: "queue", label: pass === "dnn" ? "run's DNN pass" : "run", timeoutS: q.timeoutS ?? 300, timeoutFlag: "--queue-timeout",
    onProgress: progress(pass), notice: q.notice, signal: stop.signal, parse: parse(pass) });
  try {
    // bad input is found before any job is queued: the DNN's jobs go on the queue once prepareRun has checked the inputs
    const ctx = await prepareRun(inputs, { ...o, onProgress: undefined }, async () => {
      session = await QueueSession.open(target);
      await storeRunInputs(session.redis, run, inputs, o);
      const dnnBatch = Math.min(o.batch ?? 32, count);
      const ranges = jobRanges(count, dnnBatch, Math.max(1, Math.ceil(Math.ceil(count / dnnBatch) / 16)));
      await new Promise<void>((added, failed) => {
        dnnWave = session!.collect(passJobs(run, "dnn", ranges), { ...wave("dnn"), onAdded: added });
        dnnWave.catch(failed);
      });
    });
    const s = session as QueueSession | null;
    if (!s) throw new SpikewasmError("internal: the run was prepared without its check (no queue session)");
    const batch = ctx.static.options.batch as number;
    const batches = Math.ceil(count / batch);
    const ranges = jobRanges(count, batch, q.jobBatches ?? Math.max(1, Math.ceil(batches / 64)));
    await storeRunContext(s.redis, run, ctx); // workers take the converted network rather than preparing the run again
    const snnWave = s.collect(passJobs(run, "snn", ranges), wave("snn"));
    const [dnnParts, snnParts] = await Promise.all([dnnWave!, snnWave]);
    const report = mergeParts([...dnnParts, ...snnParts].map((part) => ({ file: `job ${run.slice(0, 12)} ${part.pass} ${part.samples.start}+${part.samples.count}`, part })));
    return { ...report, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    stop.abort();
    await (dnnWave as Promise<RunPart[]> | null)?.catch(() => undefined);
    await (session as QueueSession | null)?.withdraw();
    throw e;
  } finally {
    await (session as QueueSession | null)?.close();
  }
}
