/**
 * The worker's side of `optimize --queue`: a job names a search (its stored inputs), a candidate (knob
 * and T) and a range of validation or test images; the worker loads the inputs once per search, converts
 * and quantises each candidate once (the same optimizeSetup and convertCandidate as the coordinator) and
 * runs the bit-exact engine on the range, yielding between batches so BullMQ renews the job's lock.
 */
import { UnrecoverableError, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { SpikewasmError } from "../errors.js";
import type { LoihiGraph } from "../loihi/quantize.js";
import { evaluateLoihi } from "../loihi/evaluate.js";
import { importOnnx, requireConvertible } from "../onnx/import.js";
import { type OptimizeSetup, convertCandidate, knobPerStep, optimizeSetup } from "../pipeline/optimize.js";
import { type OptimizeInputs, graphDigest, loadOptimizeInputs } from "./optimize-inputs.js";
import { OPTIMIZE_PART_FORMAT, type OptimizeJobData, type OptimizePart, evaluationJson } from "./optimize-part.js";
import type { RedisTarget } from "./redis.js";

interface SearchContext { inputs: OptimizeInputs; setup: OptimizeSetup; graphs: Map<string, { lg: LoihiGraph; digest: string }> }

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
  const searches = recentCache<SearchContext>(2);
  const contextFor = (run: string) => searches(run, async () => {
    const stored = await loadOptimizeInputs(connection, run);
    if (!stored) throw new UnrecoverableError(`the inputs of search ${run.slice(0, 12)} are not in Redis at ${target.shown} (expired or deleted): start the optimize again`);
    const { inputs } = stored;
    const ann = requireConvertible(importOnnx(inputs.model, inputs.modelFile));
    return { inputs, setup: await optimizeSetup(ann, inputs.calibration), graphs: new Map() };
  });
  return async (job) => {
    const d = job.data;
    const t0 = performance.now();
    let ctx: SearchContext;
    try {
      ctx = await contextFor(d.run);
    } catch (e) {
      if (e instanceof SpikewasmError) throw new UnrecoverableError(e.message); // bad input: the same everywhere
      throw e;
    }
    const knob = ctx.inputs.knobs[d.knob];
    if (!knob || (d.convertSteps !== null) !== knobPerStep(knob))
      throw new UnrecoverableError(`job ${job.id}: knob ${d.knob} (converted for ${d.convertSteps}) is not a candidate of search ${d.run.slice(0, 12)}`);
    const gkey = `${d.knob}@${d.convertSteps}`;
    let g = ctx.graphs.get(gkey);
    if (!g) {
      const { lg } = convertCandidate(ctx.setup, knob, d.convertSteps);
      g = { lg, digest: graphDigest(lg) };
      ctx.graphs.set(gkey, g);
    }
    const set = ctx.inputs[d.set], n = set.samples.length / set.count;
    const ev = await evaluateLoihi(g.lg, set.samples.subarray(d.start * n, (d.start + d.count) * n), set.labels.subarray(d.start, d.start + d.count), d.count, {
      steps: d.steps, rate: ctx.inputs.rate, batch: ctx.inputs.batch,
      onProgress: (done) => { job.updateProgress(done).catch(() => undefined); },
      yieldBetween: () => new Promise((r) => setImmediate(r)),
    });
    return { format: OPTIMIZE_PART_FORMAT, spikewasm: d.spikewasm, job: d, graph: g.digest, seconds: (performance.now() - t0) / 1000, evaluation: evaluationJson(ev) };
  };
}
