/**
 * The worker's side of `optimize --queue`: a job names a search's stored data, a candidate's stored
 * graph (by digest), T, the set and a range of images; the worker loads the data once per search and
 * each graph once, and runs the bit-exact engine on the range, yielding between batches so BullMQ renews
 * the job's lock. It converts nothing: the graph is the one the coordinator priced.
 */
import { UnrecoverableError, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { evaluateLoihi } from "../loihi/evaluate.js";
import type { LoihiGraph } from "../loihi/quantize.js";
import { type OptimizeInputs, loadGraph, loadOptimizeInputs } from "./optimize-inputs.js";
import { OPTIMIZE_PART_FORMAT, type OptimizeJobData, type OptimizePart, evaluationJson } from "./optimize-part.js";
import type { RedisTarget } from "./redis.js";

/** A cache of the last `keep` values by key; a failed computation is forgotten. */
export function recentCache<V>(keep: number): (key: string, make: () => Promise<V>) => Promise<V> {
  const values = new Map<string, Promise<V>>();
  return (key, make) => {
    let v = values.get(key);
    if (!v) {
      v = make();
      v.catch(() => values.delete(key));
      values.set(key, v);
      for (const k of [...values.keys()].slice(0, -keep)) values.delete(k);
    }
    return v;
  };
}

/** The processor of optimize jobs for a worker connected to `target`. */
export function optimizeProcessor(connection: Redis, target: RedisTarget): (job: Job<OptimizeJobData, OptimizePart>) => Promise<OptimizePart> {
  const searches = recentCache<OptimizeInputs>(2);
  // jobs come candidate by candidate: a few graphs suffice (a large model's graph is large)
  const graphs = recentCache<LoihiGraph>(4);
  const missing = (what: string) => new UnrecoverableError(`${what} is not in Redis at ${target.shown} (expired or deleted): start the optimize again`);
  return async (job) => {
    const d = job.data;
    const t0 = performance.now();
    const inputs = await searches(d.run, async () => (await loadOptimizeInputs(connection, d.run)) ?? Promise.reject(missing(`the data of search ${d.run.slice(0, 12)}`)));
    const lg = await graphs(d.graph, async () => {
      try {
        return (await loadGraph(connection, d.graph)) ?? Promise.reject(missing(`the graph ${d.graph.slice(0, 12)} of candidate ${d.candidate}`));
      } catch (e) {
        throw e instanceof UnrecoverableError ? e : new UnrecoverableError((e as Error).message); // the same on every worker of this Node.js
      }
    });
    const set = inputs[d.set], n = set.samples.length / set.count;
    const ev = await evaluateLoihi(lg, set.samples.subarray(d.start * n, (d.start + d.count) * n), set.labels.subarray(d.start, d.start + d.count), d.count, {
      steps: d.steps, rate: inputs.rate, batch: inputs.batch,
      onProgress: (done) => { job.updateProgress(done).catch(() => undefined); },
      yieldBetween: () => new Promise((r) => setImmediate(r)),
    });
    return { format: OPTIMIZE_PART_FORMAT, spikewasm: d.spikewasm, job: d, seconds: (performance.now() - t0) / 1000, evaluation: evaluationJson(ev) };
  };
}
