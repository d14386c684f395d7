/**
 * Fuzz suite of every reader (fast-check, seeded): files derived from valid fixtures — truncated, with
 * flipped bits, overwritten byte runs, huge and negative sizes, NaN, wrong types, deep nesting — go
 * through their reader, which must either succeed or throw a SpikewasmError, never another exception,
 * and finish within a time budget. SPIKEWASM_FUZZ_RUNS sets the cases per family (default 40; CI's
 * default keeps the whole suite under a minute); SPIKEWASM_FUZZ_SEED changes the seed.
 */
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadImages, loadLabels, parseTensor } from "../../src/data/dataset.js";
import { gunzipBytes } from "../../src/data/gzip.js";
import { SpikewasmError } from "../../src/errors.js";
import { convNet } from "../../src/examples/networks.js";
import { checkGraph } from "../../src/ir/check.js";
import { parseGraph, stringifyGraph } from "../../src/ir/json.js";
import { type LoihiNet, simulateLoihi } from "../../src/loihi/simulate.js";
import { nirToSnn, readNir } from "../../src/nir/index.js";
import { importOnnx, requireConvertible } from "../../src/onnx/import.js";
import { idxBytes, npyBytes } from "../data/build-files.js";
import { block, net } from "../loihi/helpers.js";

const RUNS = Number(process.env.SPIKEWASM_FUZZ_RUNS ?? 40);
const SEED = Number(process.env.SPIKEWASM_FUZZ_SEED ?? 20261205);
/** no single case may take longer than this (the readers bound their work by the bytes present) */
const CASE_BUDGET_MS = 5000;

/** Runs `f`; passes when it returns or throws a SpikewasmError within the budget, fails on anything else. */
async function survives(f: () => unknown | Promise<unknown>, what: string): Promise<void> {
  const t0 = performance.now();
  try {
    await f();
  } catch (e) {
    if (!(e instanceof SpikewasmError)) throw new Error(`${what}: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`.slice(0, 2000));
    expect((e as Error).message.length).toBeGreaterThan(0);
  }
  const ms = performance.now() - t0;
  if (ms > CASE_BUDGET_MS) throw new Error(`${what}: took ${ms.toFixed(0)} ms (budget ${CASE_BUDGET_MS} ms)`);
}

/** A mutation of a byte string: truncation, bit flips, an overwritten run, or a 32-bit field set to an extreme. */
const byteMutation = (len: number) => fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat({ max: Math.max(0, len - 1) }) }),
  fc.record({ kind: fc.constant("flip" as const), flips: fc.array(fc.tuple(fc.nat({ max: Math.max(0, len - 1) }), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant("run" as const), at: fc.nat({ max: Math.max(0, len - 1) }), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ kind: fc.constant("u32" as const), at: fc.nat({ max: Math.max(0, len - 4) }), value: fc.constantFrom(0, 1, 0x7fffffff, 0xffffffff, 0x80000000, 100000), le: fc.boolean() }),
);
type ByteMutation = typeof byteMutation extends (n: number) => fc.Arbitrary<infer M> ? M : never;

function mutate(src: Uint8Array, m: ByteMutation): Uint8Array {
  if (m.kind === "truncate") return src.slice(0, m.at);
  const b = src.slice();
  if (m.kind === "flip") for (const [i, bit] of m.flips) b[i] ^= 1 << bit;
  else if (m.kind === "run") b.set(m.bytes.subarray(0, Math.max(0, b.length - m.at)), m.at);
  else if (b.length >= 4) new DataView(b.buffer).setUint32(Math.min(m.at, b.length - 4), m.value, m.le);
  return b;
}

const opts = () => ({ numRuns: RUNS, seed: SEED, endOnFailure: true });

describe("fuzz: binary readers", () => {
  it("ONNX: the bundled CNN mutated", async () => {
    const model = new Uint8Array(readFileSync(new URL("../../models/mnist_cnn.onnx", import.meta.url)));
    await fc.assert(fc.asyncProperty(byteMutation(model.length), async (m) => {
      await survives(() => requireConvertible(importOnnx(mutate(model, m), "fuzz.onnx")), `onnx ${JSON.stringify(m).slice(0, 200)}`);
    }), opts());
  }, 120_000);

  it("IDX and NPY images and labels, plain and gzipped", async () => {
    const files = [
      idxBytes("uint8", [6, 4, 4], Array.from({ length: 96 }, (_, i) => i % 256)),
      npyBytes("<f4", [6, 1, 4, 4], Array.from({ length: 96 }, (_, i) => i / 96), "float32"),
      idxBytes("uint8", [6], [0, 1, 2, 3, 4, 5]),
      npyBytes("<i8", [6], [0, 1, 2, 3, 4, 5], "int64"),
    ];
    const all = [...files, ...files.map((f) => new Uint8Array(gzipSync(f)))];
    await fc.assert(fc.asyncProperty(fc.nat({ max: all.length - 1 }), fc.nat(), fc.boolean(), async (k, seed, withLimit) => {
      const src = all[k];
      const m = fc.sample(byteMutation(src.length), { seed, numRuns: 1 })[0];
      const bytes = mutate(src, m);
      const limit = withLimit ? 3 : undefined;
      await survives(() => loadImages(bytes, "fuzz.data", { limit }), `images #${k} ${JSON.stringify(m).slice(0, 200)}`);
      await survives(() => loadLabels(bytes, "fuzz.labels", { limit }), `labels #${k} ${JSON.stringify(m).slice(0, 200)}`);
      await survives(() => parseTensor(bytes, "fuzz.tensor", { limit }), `tensor #${k}`);
    }), opts());
  }, 120_000);

  it("gzip: members, trailers and deflate streams mutated", async () => {
    const gz = new Uint8Array(gzipSync(Uint8Array.from({ length: 4000 }, (_, i) => (i * 7) % 13)));
    await fc.assert(fc.asyncProperty(byteMutation(gz.length), fc.option(fc.nat({ max: 5000 })), async (m, max) => {
      await survives(() => gunzipBytes(mutate(gz, m), "fuzz.gz", max === null ? {} : { maxBytes: max, budget: 1 << 20 }), `gzip ${JSON.stringify(m).slice(0, 200)}`);
    }), opts());
  }, 120_000);

  it("NIR: the shared fixtures mutated", async () => {
    const names = ["lif_norse.nir", "two_lif_neurons.nir", "braille_noDelay_bias_zero.nir"];
    const files = names.map((n) => new Uint8Array(readFileSync(new URL(`../fixtures/nir/${n}`, import.meta.url))));
    const quiet = console.error, warn = console.warn, log = console.log;
    console.error = console.warn = console.log = () => {}; // HDF5's diagnostics of damaged files
    try {
      await fc.assert(fc.asyncProperty(fc.nat({ max: files.length - 1 }), fc.nat(), async (k, seed) => {
        const m = fc.sample(byteMutation(files[k].length), { seed, numRuns: 1 })[0];
        await survives(async () => nirToSnn(await readNir(mutate(files[k], m), names[k]), { dt: 1e-3, file: names[k] }), `nir ${names[k]} ${JSON.stringify(m).slice(0, 200)}`);
      }), { ...opts(), numRuns: Math.max(5, Math.floor(RUNS / 2)) });
    } finally {
      console.error = quiet; console.warn = warn; console.log = log;
    }
  }, 180_000);
});

/** A JSON value: numbers including NaN/huge/negative, strings, nulls, arrays, objects, and deep nesting. */
const jsonValue = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, -1e308, 2 ** 31, 2 ** 53, 0.5, "", "x", "__proto__", "constructor", [], {}),
  fc.double(), fc.integer(), fc.string({ maxLength: 8 }),
  fc.nat({ max: 3000 }).map((d) => { let v: unknown = 1; for (let i = 0; i < d; i++) v = [v]; return v; }),
  fc.array(fc.integer({ min: -300, max: 300 }), { maxLength: 20 }),
);

/** Replaces the value at a random path of a JSON object (or deletes it). */
function setAtPath(obj: unknown, path: number[], value: unknown, del: boolean): unknown {
  const root = structuredClone(obj) as Record<string, unknown>;
  let cur: Record<string, unknown> = root;
  for (let d = 0; d < path.length; d++) {
    const keys = Object.keys(cur);
    if (keys.length === 0) break;
    const key = keys[path[d] % keys.length];
    const next = cur[key];
    if (d === path.length - 1 || next === null || typeof next !== "object") {
      if (del) delete cur[key]; else cur[key] = value;
      break;
    }
    cur = next as Record<string, unknown>;
  }
  return root;
}

describe("fuzz: JSON readers", () => {
  it("graph JSON: fields replaced, deleted or nested deep, through parseGraph and checkGraph", async () => {
    const valid = JSON.parse(stringifyGraph(convNet()));
    // hand-written form: plain arrays instead of base64 tensors, so the fuzzer reaches the numbers
    for (const n of valid.nodes) for (const f of ["weights", "bias"]) if (n[f]) n[f] = Array.from({ length: Math.min(8, n[f].length) }, () => 0.1);
    await fc.assert(fc.asyncProperty(fc.array(fc.nat({ max: 50 }), { minLength: 1, maxLength: 5 }), jsonValue, fc.boolean(), async (path, value, del) => {
      const text = JSON.stringify(setAtPath(valid, path, value, del));
      await survives(() => checkGraph(parseGraph(text, "fuzz.json")), `graph ${text.slice(0, 200)}`);
    }), opts());
  }, 120_000);

  it("Loihi net JSON: fields replaced, deleted or nested deep, through simulateLoihi", async () => {
    const valid: LoihiNet = net(block(3, { vthMant: 20 }), [[1, 2], [1], []], [[10, 0, 1], [5, 5, 5], [1, 1, 1]]);
    await fc.assert(fc.asyncProperty(fc.array(fc.nat({ max: 50 }), { minLength: 1, maxLength: 5 }), jsonValue, fc.boolean(), async (path, value, del) => {
      const mutated = JSON.parse(JSON.stringify(setAtPath(valid, path, value, del))) as LoihiNet;
      await survives(() => simulateLoihi(mutated, 5, { maxTraceBytes: 1 << 24 }), `loihi ${JSON.stringify(mutated).slice(0, 200)}`);
    }), opts());
  }, 120_000);
});
