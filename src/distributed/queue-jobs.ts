/**
 * The coordinator's side of the queue, shared by `run --queue` (coordinator.ts) and `optimize --queue`
 * (optimize-queue.ts): a session holding the BullMQ queue and its event listener, and `collect`, which adds
 * a wave of jobs with deterministic ids and waits for every result with progress from the queue's events.
 *
 * A job's id names its work (the run's fingerprint and the range), so adding the same jobs again adds
 * nothing (a finished job's result is reused) and a retried job has the same id: each id's result is
 * taken once, parsed and checked by the caller's `parse`. When no job of the wave progresses for
 * `timeoutS` seconds the wait stops with a named error instead of waiting for workers that never come;
 * a session that stops takes its jobs that no worker has started off the queue.
 */
import { Job, Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { SpikewasmError } from "../errors.js";
import { QUEUE_NAME, type RedisTarget, connectRedis, redactText } from "./redis.js";

/** One job of a wave: its id, BullMQ name, data, samples (for progress) and how messages name it. */
export interface WaveJob<D> { id: string; name: string; data: D; samples: number; what: string }

export interface WaveOptions<P> {
  /** the result of a completed job, checked (named error when it is not this job's) */
  parse: (value: unknown, job: WaveJob<unknown>) => P;
  /** progress bar stage */
  stage: string;
  /** what the messages call the wave ("run", "search's validation") */
  label: string;
  /** seconds without any job progress before giving up */
  timeoutS: number;
  /** what the timeout message names as the flag setting it */
  timeoutFlag: string;
  onProgress?: (stage: string, done: number, total: number) => void;
  /** where the waiting notice goes (default stderr) */
  notice?: (line: string) => void;
  /** called once the jobs are on the queue (collect then waits for their results) */
  onAdded?: () => void;
  /** stops the wait with an error (another wave of the run failed); the jobs stay queued until `withdraw` */
  signal?: AbortSignal;
}

/** A coordinator's connections: the queue and its events, opened once for every wave of a run. */
export class QueueSession {
  private readonly added: string[] = [];
  private constructor(readonly target: RedisTarget, readonly redis: Redis, private readonly eventsConnection: Redis,
    readonly queue: Queue, readonly events: QueueEvents) {}

  /** Connects (a named error within 10 s for an unreachable server or a refused password). */
  static async open(target: RedisTarget): Promise<QueueSession> {
    const redis = await connectRedis(target);
    let eventsConnection: Redis | undefined;
    try {
      eventsConnection = await connectRedis(target, 10, true);
      const events = new QueueEvents(QUEUE_NAME, { connection: eventsConnection });
      const queue = new Queue(QUEUE_NAME, { connection: redis });
      events.on("error", () => undefined);
      queue.on("error", () => undefined);
      await events.waitUntilReady();
      return new QueueSession(target, redis, eventsConnection, queue, events);
    } catch (e) {
      eventsConnection?.disconnect();
      redis.disconnect();
      throw e;
    }
  }

  /** Takes the jobs this session added that no worker has started off the queue (after an error). */
  async withdraw(): Promise<void> {
    for (const id of this.added)
      await Job.fromId(this.queue, id).then(async (j) => { if (j && ["waiting", "delayed", "prioritized"].includes(await j.getState())) await j.remove(); }).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.events.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    this.eventsConnection.disconnect();
    this.redis.disconnect();
  }

  /** Adds the jobs (existing ones with these ids are kept; failed ones retried) and waits for every result, in the order of `jobs`. */
  async collect<D, P>(jobs: WaveJob<D>[], o: WaveOptions<P>): Promise<P[]> {
    const { queue, events, target } = this;
    const wanted = new Map(jobs.map((j) => [j.id, j as WaveJob<unknown>]));
    // two jobs with one id (two candidates with the same graph) are one job
    const total = [...wanted.values()].reduce((a, j) => a + j.samples, 0);
    const results = new Map<string, P>();
    const progress = new Map<string, number>();
    let last = performance.now(), settle: ((e?: Error) => void) | undefined;
    const report = () => {
      let done = 0;
      for (const [id, j] of wanted) done += results.has(id) ? j.samples : Math.min(j.samples, progress.get(id) ?? 0);
      o.onProgress?.(o.stage, done, total);
    };
    // the result as the completed event carries it, else (a job finished before this session listened) read from the job
    const take = async (id: string, carried?: unknown) => {
      if (results.has(id)) return;
      const value = carried ?? (await Job.fromId(queue, id))?.returnvalue;
      if (value === null || value === undefined || results.has(id)) return;
      results.set(id, o.parse(value, wanted.get(id)!));
      last = performance.now();
      report();
      if (results.size === wanted.size) settle?.();
    };
    const done = new Promise<void>((resolve, reject) => { settle = (e) => (e ? reject(e) : resolve()); });
    done.catch(() => undefined);
    const onCompleted = ({ jobId, returnvalue }: { jobId: string; returnvalue: unknown }) => { if (wanted.has(jobId)) take(jobId, returnvalue).catch((e) => settle?.(e)); };
    const onFailed = ({ jobId, failedReason }: { jobId: string; failedReason: string }) => {
      if (wanted.has(jobId)) settle?.(new SpikewasmError(`job ${jobId} (${wanted.get(jobId)!.what}) failed on a worker: ${redactText(failedReason)}`));
    };
    const onProgress = ({ jobId, data }: { jobId: string; data: unknown }) => {
      if (!wanted.has(jobId)) return;
      progress.set(jobId, typeof data === "number" ? data : 0);
      last = performance.now();
      report();
    };
    const onAbort = () => settle?.(new Error(`the wait for this ${o.label}'s jobs was stopped`));
    events.on("completed", onCompleted);
    events.on("failed", onFailed);
    events.on("progress", onProgress);
    o.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      this.added.push(...wanted.keys());
      await queue.addBulk([...wanted.values()].map(({ id, name, data }) => ({ name, data, opts: { jobId: id, attempts: 1, removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 24 * 3600 } } })));
      o.onAdded?.();
      if (o.signal?.aborted) onAbort();
      (o.notice ?? ((l: string) => console.error(l)))(`spikewasm: ${wanted.size} jobs of ${total} samples (${o.label}) on ${target.shown} (queue ${QUEUE_NAME}); ` +
        `waiting for workers (start them with: spikewasm worker --queue ${target.shown})`);
      // jobs finished or failed before the events were heard (e.g. the same work queued earlier)
      for (const id of wanted.keys()) {
        const job = await Job.fromId(queue, id);
        const state = job ? await job.getState() : "unknown";
        if (state === "completed") await take(id);
        else if (state === "failed") await job!.retry("failed");
      }
      report();
      if (results.size < wanted.size) {
        const timer = setInterval(() => {
          if (performance.now() - last > o.timeoutS * 1000)
            settle?.(new SpikewasmError(`no job of this ${o.label} progressed for ${o.timeoutS} s (${o.timeoutFlag}; ${results.size} of ${wanted.size} jobs done): ` +
              `is a worker running? start one with: spikewasm worker --queue ${target.shown}`));
        }, 250);
        try {
          await done;
        } finally {
          clearInterval(timer);
        }
      }
    } finally {
      o.signal?.removeEventListener("abort", onAbort);
      events.off("completed", onCompleted);
      events.off("failed", onFailed);
      events.off("progress", onProgress);
    }
    return jobs.map(({ id }) => results.get(id)!);
  }
}
