/**
 * What `optimize --queue` stores once in Redis and its workers read back: the validation and test images
 * with their labels and the engine options under the search's fingerprint, and each candidate's quantised
 * graph under its digest (graphDigest: all it holds but the report) — converted here once, so every worker
 * runs the very graph the coordinator prices and no worker converts. A job carries only the fingerprint,
 * the digest, T, the set and a range.
 */
import { createHash } from "node:crypto";
import { deserialize, serialize } from "node:v8";
import type { Redis } from "ioredis";
import type { LoihiGraph } from "../loihi/quantize.js";
import type { LabelledSet } from "../pipeline/optimize.js";
import { VERSION } from "../version.js";
import { bytesOf, float32Of, int32Of, loadFields, storeOnce } from "./redis.js";

/** The inputs of a search's bit-exact evaluations besides the graphs. */
export interface OptimizeInputs {
  validation: LabelledSet;
  test: LabelledSet;
  rate: number;
  batch: number;
}

const key = (run: string) => `spikewasm:optimize:${run}`;
const graphKey = (digest: string) => `spikewasm:optimize-graph:${digest}`;
const settings = (i: OptimizeInputs) => JSON.stringify({ rate: i.rate, batch: i.batch, validation: i.validation.count, test: i.test.count });

/** sha256 over the version, every image and label and the settings: the identity of a search's data. */
export function optimizeFingerprint(i: OptimizeInputs): string {
  const h = createHash("sha256");
  const part = (label: string, data: string | ArrayBufferView) => {
    const bytes = typeof data === "string" ? Buffer.from(data) : bytesOf(data);
    h.update(`${label}:${bytes.length}:`);
    h.update(bytes);
  };
  part("spikewasm", VERSION);
  for (const set of ["validation", "test"] as const) {
    part(set, i[set].samples);
    part(`${set}Labels`, i[set].labels);
  }
  part("settings", settings(i));
  return h.digest("hex");
}

/** Stores the search's data once (an existing copy is kept) and refreshes their expiry. */
export async function storeOptimizeInputs(r: Redis, run: string, i: OptimizeInputs): Promise<void> {
  await storeOnce(r, key(run), () => ({
    meta: JSON.stringify({ spikewasm: VERSION, settings: JSON.parse(settings(i)), sources: { validation: i.validation.source, test: i.test.source } }),
    validation: bytesOf(i.validation.samples), validationLabels: bytesOf(i.validation.labels), test: bytesOf(i.test.samples), testLabels: bytesOf(i.test.labels),
  }));
}

/** The search's data as stored, or null when they are not (expired, deleted, another database). */
export async function loadOptimizeInputs(r: Redis, run: string): Promise<OptimizeInputs | null> {
  const f = await loadFields(r, key(run), ["meta", "validation", "validationLabels", "test", "testLabels"] as const);
  if (!f) return null;
  const m = JSON.parse(f.meta.toString("utf8")) as { sources: { validation: string; test: string }; settings: { rate: number; batch: number; validation: number; test: number } };
  const s = m.settings;
  return {
    validation: { samples: float32Of(f.validation), labels: int32Of(f.validationLabels), count: s.validation, source: m.sources.validation },
    test: { samples: float32Of(f.test), labels: int32Of(f.testLabels), count: s.test, source: m.sources.test }, rate: s.rate, batch: s.batch,
  };
}

/** Stores a candidate's graph once under its digest (V8's structured serialisation: typed arrays as they are). */
export async function storeGraph(r: Redis, digest: string, lg: LoihiGraph): Promise<void> {
  await storeOnce(r, graphKey(digest), () => ({ node: process.versions.node, graph: serialize(lg) }));
}

/** A stored graph; null when it is not stored; a named error when this Node.js cannot read it. */
export async function loadGraph(r: Redis, digest: string): Promise<LoihiGraph | null> {
  const f = await loadFields(r, graphKey(digest), ["node", "graph"] as const);
  if (!f) return null;
  try {
    return deserialize(f.graph) as LoihiGraph;
  } catch (e) {
    throw new Error(`graph ${digest.slice(0, 12)} was stored by Node.js ${f.node.toString()} and cannot be read by Node.js ${process.versions.node} (${(e as Error).message}): ` +
      "run coordinator and workers on one Node.js major version");
  }
}

/** sha256 of a quantised graph: everything the engine reads (not the quantisation report). */
export function graphDigest(lg: LoihiGraph): string {
  const h = createHash("sha256");
  const walk = (v: unknown): void => {
    if (ArrayBuffer.isView(v)) {
      h.update(`<${v.constructor.name}:${v.byteLength}>`);
      h.update(bytesOf(v));
    } else if (Array.isArray(v)) {
      h.update("[");
      for (const x of v) walk(x);
      h.update("]");
    } else if (v && typeof v === "object") {
      h.update("{");
      for (const k of Object.keys(v).sort()) {
        h.update(`${k}:`);
        walk((v as Record<string, unknown>)[k]);
      }
      h.update("}");
    } else h.update(`${JSON.stringify(v ?? null)};`);
  };
  const { report: _report, ...rest } = lg;
  walk(rest);
  return h.digest("hex");
}
