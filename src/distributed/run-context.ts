/**
 * A run's prepared context stored beside its inputs in Redis, so that queue workers take the coordinator's
 * converted network instead of preparing the run again: the import, the calibration pass, the conversion
 * and the post-training techniques (a `--tune` search among them) run once, in the coordinator. What a
 * worker rebuilds is cheap and deterministic: the imported model and the DNN runner.
 *
 * Stored with node:v8's serializer (the structured-clone format: every field and typed array of the graph
 * exactly as built), under the run's fingerprint; workers check it belongs to their spikewasm version.
 */
import { deserialize, serialize } from "node:v8";
import type { Redis } from "ioredis";
import { createAnnRunner } from "../ann/infer-wasm.js";
import type { EvaluateOptions } from "../convert/evaluate.js";
import { shapeSize } from "../ir/graph.js";
import { importOnnx, requireConvertible } from "../onnx/import.js";
import type { RunContext, RunInputs, RunOptions } from "../pipeline/run.js";
import { annShapes } from "../ir/ann.js";
import { VERSION } from "../version.js";

const key = (run: string) => `spikewasm:run:${run}:context`;
/** How long a stored context stays after its last use (seconds), as the inputs. */
const CONTEXT_TTL_S = 7 * 24 * 3600;

interface StoredContext {
  spikewasm: string;
  snn: RunContext["snn"];
  populations: RunContext["populations"];
  evOptions: Omit<EvaluateOptions, "onProgress">;
  static: RunContext["static"];
  /** the batch the run evaluates at (the memory plan may have lowered the asked one) */
  batch: number | undefined;
}

/** Stores the context of `run` (an existing copy is kept: the same fingerprint prepares the same context) and refreshes its expiry. */
export async function storeRunContext(r: Redis, run: string, ctx: RunContext): Promise<void> {
  const k = key(run);
  if (!(await r.exists(k))) {
    const { onProgress: _p, ...evOptions } = ctx.evOptions;
    const stored: StoredContext = { spikewasm: VERSION, snn: ctx.snn, populations: ctx.populations, evOptions, static: ctx.static, batch: ctx.o.batch };
    await r.set(k, serialize(stored));
  }
  await r.expire(k, CONTEXT_TTL_S);
}

/**
 * The context of `run` rebuilt from Redis for these inputs and options, or null when none is stored (a
 * coordinator of an earlier build, or expired): the caller then prepares the run itself.
 */
export async function loadRunContext(r: Redis, run: string, inputs: RunInputs, o: RunOptions): Promise<RunContext | null> {
  const bytes = await r.getBuffer(key(run));
  if (!bytes) return null;
  const s = deserialize(bytes) as StoredContext;
  if (s.spikewasm !== VERSION) return null;
  const ann = requireConvertible(inputs.imported ?? importOnnx(inputs.model, inputs.modelFile));
  const n = shapeSize(annShapes(ann).get(ann.nodes[0].id)!);
  return {
    o: { ...o, batch: s.batch }, ann, snn: s.snn, runner: await createAnnRunner(ann, 64), n, populations: s.populations,
    evOptions: s.evOptions as EvaluateOptions, static: s.static,
  };
}
