/**
 * `spikewasm run … --shard k/n` and `run … --queue redis://…`: the main job split over processes.
 * A shard evaluates its range of whole batches and writes a partial report (src/distributed/part.ts) that
 * `spikewasm merge` combines; with a queue the run becomes jobs on Redis that `spikewasm worker`
 * processes anywhere, and this process merges their parts into the report a single process writes.
 */
import { SpikewasmError } from "../errors.js";
import { checkSplittable, evaluatePart } from "../distributed/part.js";
import { parseShard, runFingerprint, shardRange } from "../distributed/shard.js";
import { type RunInputs, type RunOptions, prepareRun } from "../pipeline/run.js";
import { VERSION } from "../version.js";
import { writeAtomic } from "./io.js";

type Progress = (stage: string, done: number, total: number) => void;

export async function splitRunCommand(inputs: RunInputs, options: (progress: Progress) => RunOptions, o: Record<string, unknown>): Promise<void> {
  const shard = parseShard(String(o.shard));
  if (!o.json) throw new SpikewasmError(`--shard ${shard.index}/${shard.count} writes a partial report: give --json part${shard.index}.json (then spikewasm merge part*.json)`);
  const opts = options(() => {});
  checkSplittable(opts, "--shard");
  const ctx = await prepareRun(inputs, opts);
  const range = shardRange(inputs.test.count, ctx.static.options.batch as number, shard.index, shard.count);
  const part = await evaluatePart(inputs, opts, range, { shard, context: ctx, workers: o.workers as number | undefined, fingerprint: runFingerprint(inputs, opts) });
  const text = JSON.stringify(part) + "\n";
  if (o.json === "-") { process.stdout.write(text); return; }
  writeAtomic(o.json as string, text);
  const span = range.count ? `samples ${range.start}..${range.start + range.count - 1} (${range.count} of ${inputs.test.count})` : `no samples (${inputs.test.count} samples make fewer batches than shards)`;
  console.log(`spikewasm ${VERSION}: shard ${shard.index}/${shard.count} of ${inputs.modelFile}: ${span}, ${part.seconds.toFixed(1)} s`);
  console.log(`part written to ${o.json}; when all ${shard.count} are done: spikewasm merge <the ${shard.count} parts> --json report.json`);
}

/** `run --queue`: the report from jobs on Redis (src/distributed/coordinator.ts; bullmq loaded only here). */
export async function queueReport(inputs: RunInputs, options: (progress: Progress) => RunOptions, o: Record<string, unknown>, progress: Progress) {
  const { runOnQueue } = await import("../distributed/coordinator.js");
  return runOnQueue(inputs, options(() => {}), { queue: String(o.queue), timeoutS: o.queueTimeout as number, onProgress: progress });
}
