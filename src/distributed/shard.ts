/**
 * Splitting a run's test set: `--shard k/n` (Slurm job arrays, Kubernetes Indexed Jobs) and the queue's
 * jobs both cut it into contiguous ranges of whole batches, so that every batch — and with it every
 * Poisson seed `seed + first sample of the batch` — is the one a single process runs. The fingerprint
 * names a run: the spikewasm version, the model and data bytes and the options; parts and jobs of
 * different runs never mix.
 */
import { createHash } from "node:crypto";
import { SpikewasmError } from "../errors.js";
import type { RunInputs, RunOptions } from "../pipeline/run.js";
import { VERSION } from "../version.js";

/** A range of test samples [start, start + count). */
export interface SampleRange { start: number; count: number }

/** Parses "k/n" (1 ≤ k ≤ n, Playwright's convention; Slurm's and Kubernetes' 0-based index + 1). */
export function parseShard(spec: string, flag = "--shard"): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  if (!m) throw new SpikewasmError(`${flag} must be k/n with 1 <= k <= n (e.g. 2/8), got '${spec}'`);
  const index = Number(m[1]), count = Number(m[2]);
  if (count < 1 || index < 1 || index > count || !Number.isSafeInteger(count))
    throw new SpikewasmError(`${flag} must be k/n with 1 <= k <= n (e.g. 2/8), got '${spec}'${index === 0 ? " (shards count from 1: with a 0-based array index use $((INDEX + 1))/n)" : ""}`);
  return { index, count };
}

/** Batches of `batch` samples over `total` samples, shared out as evenly as possible over n shards; shard k's samples (maybe none). */
export function shardRange(total: number, batch: number, index: number, count: number): SampleRange {
  const batches = Math.ceil(total / batch);
  const b0 = Math.floor(((index - 1) * batches) / count), b1 = Math.floor((index * batches) / count);
  const start = Math.min(total, b0 * batch);
  return { start, count: Math.min(total, b1 * batch) - start };
}

/** Contiguous ranges of whole batches, each `jobBatches` batches (the last may be shorter). */
export function jobRanges(total: number, batch: number, jobBatches: number): SampleRange[] {
  const out: SampleRange[] = [];
  const size = batch * jobBatches;
  for (let s = 0; s < total; s += size) out.push({ start: s, count: Math.min(size, total - s) });
  return out;
}

/**
 * Options as data: functions (progress, injected evaluators), undefined fields and `workers` (results do
 * not depend on it) dropped, keys sorted.
 */
export function plainOptions(o: RunOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) {
    const v = (o as unknown as Record<string, unknown>)[k];
    if (v !== undefined && typeof v !== "function" && k !== "workers") out[k] = v;
  }
  return out;
}

/** sha256 over the version, the model, the test and calibration data and the options: the identity of a run. */
export function runFingerprint(inp: RunInputs, o: RunOptions): string {
  const h = createHash("sha256");
  const part = (label: string, data: string | Uint8Array | ArrayBufferView) => {
    const bytes = typeof data === "string" ? Buffer.from(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    h.update(`${label}:${bytes.length}:`);
    h.update(bytes);
  };
  part("spikewasm", VERSION);
  part("model", inp.model);
  part("modelFile", inp.modelFile);
  part("test", inp.test.samples);
  part("labels", inp.test.labels);
  part("testSource", inp.test.source);
  part("preprocessing", JSON.stringify(inp.test.preprocessing ?? null));
  part("calibration", inp.calibration.samples);
  part("calibrationSource", inp.calibration.source);
  part("options", JSON.stringify(plainOptions(o)));
  return h.digest("hex");
}
