/**
 * A run's prepared context stored beside its inputs in Redis, so that queue workers take the coordinator's
 * converted network instead of preparing the run again: the import, the calibration pass, the conversion
 * and the post-training techniques (a `--tune` search among them) run once, in the coordinator. What a
 * worker builds itself is cheap and deterministic: the imported model and the DNN runner, which it holds
 * already for the run's DNN jobs.
 *
 * Stored with node:v8's serializer (the structured-clone format: every field and typed array of the graph
 * exactly as built), under the run's fingerprint; workers check it belongs to their spikewasm version.
 */
import { deserialize, serialize } from "node:v8";
import type { Redis } from "ioredis";
import type { EvaluateOptions } from "../convert/evaluate.js";
import type { RunContext, RunOptions } from "../pipeline/run.js";
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
 * The context of `run` rebuilt from Redis for these options, with the imported model and DNN runner the
 * caller already holds (`dnn`), or null when none is stored (a coordinator of an earlier build, or
 * expired): the caller then prepares the run itself.
 */
export async function loadRunContext(r: Redis, run: string, o: RunOptions, dnn: Pick<RunContext, "ann" | "runner" | "n">): Promise<RunContext | null> {
  const bytes = await r.getBuffer(key(run));
  if (!bytes) return null;
  const s = deserialize(bytes) as StoredContext;
  if (s.spikewasm !== VERSION) return null;
  return {
    o: { ...o, batch: s.batch }, ...dnn, snn: s.snn, populations: s.populations, evOptions: s.evOptions as EvaluateOptions, static: s.static,
  };
}
