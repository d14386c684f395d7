/**
 * What `optimize --queue` stores once in Redis and its workers read back: the model, the calibration,
 * validation and test images, the knobs and the engine options, under the search's fingerprint (the
 * version, every byte and every option) — a job carries only the fingerprint, a candidate and a range.
 * `graphDigest` names a quantised graph by its integers, so the coordinator can check that a worker ran
 * the very graph it priced (a worker converting differently, e.g. another Node's Math, is a named error).
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { LoihiGraph } from "../loihi/quantize.js";
import type { LabelledSet, OptimizeKnob } from "../pipeline/optimize.js";
import { VERSION } from "../version.js";
import { bytesOf, float32Of, int32Of, loadFields, storeOnce } from "./redis.js";

/** The inputs of a search's bit-exact evaluations. */
export interface OptimizeInputs {
  model: Uint8Array;
  modelFile: string;
  calibration: { samples: Float32Array; count: number };
  validation: LabelledSet;
  test: LabelledSet;
  knobs: OptimizeKnob[];
  rate: number;
  batch: number;
}

const key = (run: string) => `spikewasm:optimize:${run}`;
const settings = (i: OptimizeInputs) => JSON.stringify({ knobs: i.knobs, rate: i.rate, batch: i.batch, calibration: i.calibration.count, validation: i.validation.count, test: i.test.count });

/** sha256 over the version, the model, every image and label and the settings: the identity of a search's evaluations. */
export function optimizeFingerprint(i: OptimizeInputs): string {
  const h = createHash("sha256");
  const part = (label: string, data: string | ArrayBufferView) => {
    const bytes = typeof data === "string" ? Buffer.from(data) : bytesOf(data);
    h.update(`${label}:${bytes.length}:`);
    h.update(bytes);
  };
  part("spikewasm", VERSION);
  part("model", i.model);
  part("modelFile", i.modelFile);
  part("calibration", i.calibration.samples);
  for (const set of ["validation", "test"] as const) {
    part(set, i[set].samples);
    part(`${set}Labels`, i[set].labels);
  }
  part("settings", settings(i));
  return h.digest("hex");
}

/** Stores the search's inputs once (an existing copy is kept) and refreshes their expiry. */
export async function storeOptimizeInputs(r: Redis, run: string, i: OptimizeInputs): Promise<void> {
  await storeOnce(r, key(run), () => ({
    meta: JSON.stringify({ spikewasm: VERSION, modelFile: i.modelFile, settings: JSON.parse(settings(i)), sources: { validation: i.validation.source, test: i.test.source } }),
    model: bytesOf(i.model), calibration: bytesOf(i.calibration.samples),
    validation: bytesOf(i.validation.samples), validationLabels: bytesOf(i.validation.labels), test: bytesOf(i.test.samples), testLabels: bytesOf(i.test.labels),
  }));
}

/** The search's inputs as stored, or null when they are not (expired, deleted, another database). */
export async function loadOptimizeInputs(r: Redis, run: string): Promise<{ inputs: OptimizeInputs; version: string } | null> {
  const f = await loadFields(r, key(run), ["meta", "model", "calibration", "validation", "validationLabels", "test", "testLabels"] as const);
  if (!f) return null;
  const m = JSON.parse(f.meta.toString("utf8")) as { spikewasm: string; modelFile: string; sources: { validation: string; test: string };
    settings: { knobs: OptimizeKnob[]; rate: number; batch: number; calibration: number; validation: number; test: number } };
  const s = m.settings;
  return {
    version: m.spikewasm,
    inputs: {
      model: new Uint8Array(f.model), modelFile: m.modelFile, calibration: { samples: float32Of(f.calibration), count: s.calibration },
      validation: { samples: float32Of(f.validation), labels: int32Of(f.validationLabels), count: s.validation, source: m.sources.validation },
      test: { samples: float32Of(f.test), labels: int32Of(f.testLabels), count: s.test, source: m.sources.test },
      knobs: s.knobs, rate: s.rate, batch: s.batch,
    },
  };
}

/** sha256 of a quantised graph's integers and registers (not its report or derived engine nodes). */
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
  walk({ input: lg.input, output: lg.output, latency: lg.latency, inputMode: lg.inputMode, readout: lg.readout, layers: lg.layers.map(({ node: _node, ...l }) => l) });
  return h.digest("hex");
}
