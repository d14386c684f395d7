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
import { checkSplittable, mergeParts, parsePart } from "./part.js";
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

/** Runs `inputs` with `o` through the queue; returns the report runPipeline would (its `seconds`: the wall time here). */
export async function runOnQueue(inputs: RunInputs, o: RunOptions, q: QueueRunOptions): Promise<RunReport> {
  const t0 = performance.now();
  const target = parseRedisUrl(q.queue);
  checkSplittable(o, "--queue");
  // bad input is found here, before any job is queued
  const ctx = await prepareRun(inputs, { ...o, onProgress: undefined });
  const batch = ctx.static.options.batch as number;
  const run = runFingerprint(inputs, o);
  const batches = Math.ceil(inputs.test.count / batch);
  const ranges = jobRanges(inputs.test.count, batch, q.jobBatches ?? Math.max(1, Math.ceil(batches / 64)));
  const session = await QueueSession.open(target);
  try {
    await storeRunInputs(session.redis, run, inputs, o);
    await storeRunContext(session.redis, run, ctx); // workers take the converted network rather than preparing the run again
    const jobs = ranges.map((r) => ({ id: `${run.slice(0, 32)}-${r.start}-${r.count}`, name: "range", samples: r.count, what: `samples ${r.start}..${r.start + r.count - 1}`,
      data: { run, spikewasm: VERSION, start: r.start, count: r.count } satisfies RunJobData }));
    const parts = await session.collect(jobs, {
      stage: "queue", label: "run", timeoutS: q.timeoutS ?? 300, timeoutFlag: "--queue-timeout", onProgress: q.onProgress, notice: q.notice,
      parse: (value, job) => {
        const part = parsePart(value, `job ${job.id}`);
        const d = job.data as RunJobData;
        if (part.fingerprint !== run || part.samples.start !== d.start || part.samples.count !== d.count)
          throw new SpikewasmError(`job ${job.id} holds the result of another run or range (run ${part.fingerprint.slice(0, 12)}, samples ${part.samples.start}+${part.samples.count}): ` +
            "the queue holds jobs of another model or version under this id; clear it (a fresh database number in the URL) and run again");
        return part;
      },
    });
    const report = mergeParts(jobs.map((j, i) => ({ file: `job ${j.id}`, part: parts[i] })));
    return { ...report, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    await session.withdraw();
    throw e;
  } finally {
    await session.close();
  }
}
