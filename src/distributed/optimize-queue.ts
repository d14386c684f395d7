/**
 * `spikewasm optimize … --queue redis://…`: the search's bit-exact evaluations — every candidate × a
 * range of whole batches of the validation images, then the chosen point × ranges of the test images —
 * become BullMQ jobs on the queue `run --queue` uses, processed by the same `spikewasm worker`
 * (src/distributed/optimize-worker.ts). This process keeps everything else of optimizeLoihi (the DNN
 * reference, conversions, pricing, the choice), so the report is the one-process report apart from
 * timings. The data are stored once under the search's fingerprint and each candidate's graph once under
 * its digest; a job id is the fingerprint, the digest, T, the set and the range, so a retried job has the
 * same id and its result is taken once (and a later search on the same data reuses it), and
 * every candidate's ranges are checked to count each sample exactly once (optimize-part.ts).
 */
import type { LoihiEvaluation } from "../loihi/evaluate.js";
import type { EvaluateMany } from "../pipeline/optimize.js";
import { VERSION } from "../version.js";
import { type OptimizeInputs, graphDigest, optimizeFingerprint, storeGraph, storeOptimizeInputs } from "./optimize-inputs.js";
import { type OptimizeJobData, mergeOptimizeParts, parseOptimizePart } from "./optimize-part.js";
import { QueueSession, type WaveJob } from "./queue-jobs.js";
import { parseRedisUrl } from "./redis.js";
import { jobRanges } from "./shard.js";

export interface QueueOptimizeOptions {
  /** redis://[:password@]host:port[/db] */
  queue: string;
  /** seconds without any job progress before giving up (default 300) */
  timeoutS?: number;
  /** batches per job (default: about 64 jobs per wave of evaluations, at least one batch each) */
  jobBatches?: number;
  onProgress?: (stage: string, done: number, total: number) => void;
  /** where the waiting notices go (default stderr) */
  notice?: (line: string) => void;
}

/**
 * Connects to the queue and stores the inputs (a named error, exit 2, for an unreachable Redis: before
 * any work), then runs `search` with an EvaluateMany that evaluates on the queue. A search that stops
 * takes its jobs that no worker has started off the queue.
 */
export async function withOptimizeQueue<T>(inputs: OptimizeInputs & { knobs: { name: string }[] }, q: QueueOptimizeOptions, search: (evaluateMany: EvaluateMany) => Promise<T>): Promise<T> {
  const target = parseRedisUrl(q.queue);
  const run = optimizeFingerprint(inputs);
  const session = await QueueSession.open(target);
  try {
    await storeOptimizeInputs(session.redis, run, inputs);
    return await search((evals, set, data, eo) => evaluateOnQueue(session, run, inputs, q, evals, set, eo));
  } catch (e) {
    await session.withdraw();
    throw e;
  } finally {
    await session.close();
  }
}

async function evaluateOnQueue(session: QueueSession, run: string, inputs: OptimizeInputs & { knobs: { name: string }[] }, q: QueueOptimizeOptions,
  evals: Parameters<EvaluateMany>[0], set: "validation" | "test", eo: { rate: number; batch: number }): Promise<LoihiEvaluation[]> {
  // the workers read rate and batch from the stored inputs: they must be the ones asked for here
  if (eo.rate !== inputs.rate || eo.batch !== inputs.batch)
    throw new Error(`optimize --queue: evaluation options rate ${eo.rate}, batch ${eo.batch} differ from the stored ${inputs.rate}, ${inputs.batch}`);
  const total = inputs[set].count, batch = inputs.batch;
  // about 64 jobs per wave, whole batches, at least one each (jobs of one candidate: the same graph, converted once per worker)
  const batches = Math.ceil(total / batch);
  const ranges = jobRanges(total, batch, q.jobBatches ?? Math.min(batches, Math.max(1, Math.ceil((evals.length * batches) / 64))));
  // each candidate's graph stored once under its digest: the workers run exactly these graphs
  const digests = evals.map((e) => graphDigest(e.lg));
  for (let i = 0; i < evals.length; i++) await storeGraph(session.redis, digests[i], evals[i].lg);
  const jobs: Array<WaveJob<OptimizeJobData> & { e: number }> = evals.flatMap((e, i) => ranges.map((r) => {
    const candidate = `${inputs.knobs[e.knob].name} T=${e.steps}`;
    return {
      e: i, name: "optimize", samples: r.count,
      id: `opt-${run.slice(0, 24)}-${digests[i].slice(0, 24)}-${e.steps}-${set}-${r.start}-${r.count}`,
      what: `knob '${inputs.knobs[e.knob].name}' at T = ${e.steps}, ${set} samples ${r.start}..${r.start + r.count - 1}`,
      data: { kind: "optimize" as const, run, spikewasm: VERSION, graph: digests[i], candidate, steps: e.steps, set, start: r.start, count: r.count },
    };
  }));
  const results = await session.collect(jobs, {
    stage: set, label: `search's ${set} evaluations`, timeoutS: q.timeoutS ?? 300, timeoutFlag: "--queue-timeout", onProgress: q.onProgress, notice: q.notice,
    parse: (value, job) => parseOptimizePart(value, job.id, job.data as OptimizeJobData),
  });
  return evals.map((e, i) => mergeOptimizeParts(jobs.flatMap((j, k) => (j.e === i ? [{ file: `job ${j.id}`, start: j.data.start, count: j.data.count, evaluation: results[k] }] : [])),
    total, `${set} samples of knob '${inputs.knobs[e.knob].name}' at T = ${e.steps}`));
}
