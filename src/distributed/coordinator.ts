/**
 * `spikewasm run … --queue redis://…`: the run split into BullMQ jobs of whole batches, processed by any
 * number of `spikewasm worker` processes, merged here into the report a single process writes.
 *
 * The model, data and options are stored once in Redis under the run's fingerprint (src/distributed/
 * redis.ts); a job holds only the fingerprint and its range. Job ids are the fingerprint and the range,
 * so adding a run's jobs again adds nothing (a finished job's part is reused) and a retried job has the
 * same id: each range's part is taken once, and mergeParts checks every sample is counted exactly once.
 * Progress comes from the queue's events; when no job progresses for `timeoutS` seconds the run stops
 * with a named error instead of waiting for workers that never come.
 */
import { Job, Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { SpikewasmError } from "../errors.js";
import { type RunInputs, type RunOptions, type RunReport, prepareRun } from "../pipeline/run.js";
import { VERSION } from "../version.js";
import { type RunPart, checkSplittable, mergeParts, parsePart } from "./part.js";
import { QUEUE_NAME, type RedisTarget, connectRedis, parseRedisUrl, redactText, storeRunInputs } from "./redis.js";
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
  const timeoutS = q.timeoutS ?? 300;
  // bad input is found here, before any job is queued (workers compute the same context)
  const ctx = await prepareRun(inputs, { ...o, onProgress: undefined });
  const batch = ctx.static.options.batch as number;
  const run = runFingerprint(inputs, o);
  const batches = Math.ceil(inputs.test.count / batch);
  const ranges = jobRanges(inputs.test.count, batch, q.jobBatches ?? Math.max(1, Math.ceil(batches / 64)));
  const ids = ranges.map((r) => `${run.slice(0, 32)}-${r.start}-${r.count}`);
  const redis = await connectRedis(target);
  let events: QueueEvents | undefined, queue: Queue | undefined, eventsConnection: Redis | undefined;
  try {
    await storeRunInputs(redis, run, inputs, o);
    eventsConnection = await connectRedis(target, 10, true);
    events = new QueueEvents(QUEUE_NAME, { connection: eventsConnection });
    queue = new Queue(QUEUE_NAME, { connection: redis });
    events.on("error", () => undefined);
    queue.on("error", () => undefined);
    await events.waitUntilReady();
    const parts = await collect(queue, events, target, ranges.map((r, i) => ({ id: ids[i], data: { run, spikewasm: VERSION, start: r.start, count: r.count } })),
      inputs.test.count, timeoutS, q);
    const report = mergeParts(parts);
    return { ...report, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    // a run that stops here takes its jobs that no worker has started off the queue
    if (queue) for (const id of ids) await Job.fromId(queue, id).then(async (j) => { if (j && ["waiting", "delayed", "prioritized"].includes(await j.getState())) await j.remove(); }).catch(() => undefined);
    throw e;
  } finally {
    await events?.close().catch(() => undefined);
    await queue?.close().catch(() => undefined);
    eventsConnection?.disconnect();
    redis.disconnect();
  }
}

/** Adds the jobs (existing ones with these ids are kept; failed ones retried) and waits for every part. */
async function collect(queue: Queue, events: QueueEvents, target: RedisTarget, jobs: { id: string; data: RunJobData }[], total: number, timeoutS: number,
  q: QueueRunOptions): Promise<{ file: string; part: RunPart }[]> {
  const wanted = new Map(jobs.map((j) => [j.id, j.data]));
  const parts = new Map<string, RunPart>();
  const progress = new Map<string, number>();
  let last = performance.now(), settle: ((e?: Error) => void) | undefined;
  const report = () => {
    let done = 0;
    for (const [id, d] of wanted) done += parts.has(id) ? d.count : Math.min(d.count, progress.get(id) ?? 0);
    q.onProgress?.("queue", done, total);
  };
  const take = async (id: string) => {
    if (parts.has(id)) return;
    const job = await Job.fromId(queue, id);
    if (!job || job.returnvalue === null || job.returnvalue === undefined) return;
    parts.set(id, parsePart(job.returnvalue, `job ${id}`));
    last = performance.now();
    report();
    if (parts.size === wanted.size) settle?.();
  };
  const failed = (id: string, reason: string) =>
    settle?.(new SpikewasmError(`job ${id} (samples ${wanted.get(id)!.start}..${wanted.get(id)!.start + wanted.get(id)!.count - 1}) failed on a worker: ${redactText(reason)}`));
  const done = new Promise<void>((resolve, reject) => { settle = (e) => (e ? reject(e) : resolve()); });
  done.catch(() => undefined);
  events.on("completed", ({ jobId }) => { if (wanted.has(jobId)) take(jobId).catch((e) => settle?.(e)); });
  events.on("failed", ({ jobId, failedReason }) => { if (wanted.has(jobId)) failed(jobId, failedReason); });
  events.on("progress", ({ jobId, data }) => {
    if (!wanted.has(jobId)) return;
    progress.set(jobId, typeof data === "number" ? data : 0);
    last = performance.now();
    report();
  });
  await queue.addBulk(jobs.map(({ id, data }) => ({ name: "range", data, opts: { jobId: id, attempts: 1, removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 24 * 3600 } } })));
  (q.notice ?? ((l: string) => console.error(l)))(`spikewasm: ${jobs.length} jobs of ${total} samples on ${target.shown} (queue ${QUEUE_NAME}); ` +
    `waiting for workers (start them with: spikewasm worker --queue ${target.shown})`);
  // jobs finished or failed before the events were heard (e.g. the same run queued earlier)
  for (const { id } of jobs) {
    const job = await Job.fromId(queue, id);
    const state = job ? await job.getState() : "unknown";
    if (state === "completed") await take(id);
    else if (state === "failed") await job!.retry("failed");
  }
  report();
  if (parts.size < wanted.size) {
    const timer = setInterval(() => {
      if (performance.now() - last > timeoutS * 1000)
        settle?.(new SpikewasmError(`no job of this run progressed for ${timeoutS} s (--queue-timeout; ${parts.size} of ${wanted.size} jobs done): ` +
          `is a worker running? start one with: spikewasm worker --queue ${target.shown}`));
    }, 250);
    try {
      await done;
    } finally {
      clearInterval(timer);
    }
  }
  return jobs.map(({ id }) => ({ file: `job ${id}`, part: parts.get(id)! }));
}
