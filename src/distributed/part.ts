/**
 * Partial run reports: a range of the test set evaluated by one shard (`run --shard k/n`) or one queue
 * job, as raw sums (DnnSums, the SNN's ChunkSums) plus the run's sample-independent part; `mergeParts`
 * checks that the parts belong to one run and count every sample exactly once, adds the sums and builds
 * the report with the same finishRun as a one-process run, so the JSON is the same bit for bit apart
 * from timings.
 */
import { type ChunkSums, evaluateChunk, finalizeEvaluation } from "../convert/evaluate.js";
import { evaluateRunParallel, evaluateSnnChunksParallel } from "../convert/parallel.js";
import { SpikewasmError } from "../errors.js";
import { shapeSize } from "../ir/graph.js";
import { type RunContext, type RunInputs, type RunOptions, prepareRun } from "../pipeline/run.js";
import { type DnnContext, type DnnSums, dnnPopulations, dnnRange, dnnSumsFromPartials, dnnSumsToPartials, mergeDnnSums, selectMeans } from "../pipeline/dnn-sums.js";
import { type RunStatic, finishRun } from "../pipeline/run-sums.js";
import type { Simulator } from "../sim/simulator.js";
import { VERSION } from "../version.js";
import { type SampleRange, runFingerprint } from "./shard.js";

export const PART_FORMAT = "spikewasm-run-part/2";

/** One part of a run (JSON). */
export interface RunPart {
  format: typeof PART_FORMAT;
  spikewasm: string;
  node: string | undefined;
  /** the run's identity (runFingerprint): equal in every part of one run */
  fingerprint: string;
  /** `--shard k/n` that wrote it; null for a queue job */
  shard: { index: number; count: number } | null;
  samples: { start: number; count: number; total: number };
  seconds: number;
  /**
   * What the part holds: absent, both passes over its range (a shard); "dnn" or "snn", one of them (the
   * jobs of a queued run, whose DNN pass runs on the workers while the coordinator converts). A "dnn"
   * part has no `static` (the conversion is not done) and the sums of every DNN layer (dnnPopulations);
   * an "snn" part no `dnn`.
   */
  pass?: "dnn" | "snn";
  static: RunStatic | null;
  dnn: DnnJson | null;
  snn: { chunks: ChunkJson[] } | null;
}

interface DnnJson { correct: number; predictions: number[]; zeros: number; all: number; effectiveMacs: [string, number][] | null; means: MeansJson[] }

/**
 * A population's exact activation sums packed (ExactSums.pack) as base64 of little-endian arrays: the
 * partials' counts per neuron (u16) and the partials (f64). A third of the JSON of one list per neuron,
 * and parsed without reading 20,000 number lists per part.
 */
interface MeansJson { id: string; lengths: string; values: string }

type ChunkJson = Omit<ChunkSums, "correct" | "predictions" | "layers"> & {
  correct: number[]; predictions: number[];
  layers: { id: string; kind: string; neurons: number; spikes: number; synops: number; spikeCountsSum: number[] }[];
};

/** Targets a part can carry: those computed from the merged sums alone (the others need the whole run in one place). */
export const PART_TARGETS = ["ncs2"];

/** Refuses what a split run cannot give: a raster, targets other than ncs2. `how` names the split ("--shard", "--queue"). */
export function checkSplittable(o: RunOptions, how: string): void {
  const other = (o.targets ?? []).filter((t) => !PART_TARGETS.includes(t));
  if (other.length) throw new SpikewasmError(`--target ${other.join(",")} with ${how}: the bit-exact Loihi run, the CPU timing and the chip mappings need the whole run in one process; ` +
    `a split run gives ${PART_TARGETS.join(", ")} only (run those targets without ${how}, e.g. with --loihi-samples on a subset)`);
  if (o.raster) throw new SpikewasmError(`--report with ${how}: the HTML report's spike raster needs the model; write the JSON with ${how} and merge, or run without it`);
}

/** What evaluatePart needs besides inputs and options. */
export interface PartOptions {
  shard?: { index: number; count: number } | null;
  /** SNN worker threads (default: all cores) */
  workers?: number;
  /** awaited between batches (a queue worker renews its job lock there) */
  yieldBetween?: () => Promise<void>;
  /** samples done within the range */
  onProgress?: (done: number, total: number) => void;
  /** a context already prepared for these inputs and options (a queue worker keeps one per run) */
  context?: RunContext;
  fingerprint?: string;
  /** "snn": the SNN pass only (a queue job whose range's DNN pass is a job of its own, evaluateDnnPart) */
  pass?: "snn";
  /** a simulator of the context's network, kept for the next part (a queue worker's jobs), else one is built per part */
  simulator?: Simulator;
}

/** Evaluates the test samples of `range` and returns the part. */
export async function evaluatePart(inp: RunInputs, o: RunOptions, range: SampleRange, p: PartOptions = {}): Promise<RunPart> {
  const t0 = performance.now();
  const ctx = p.context ?? await prepareRun(inp, o);
  const { start, count } = range;
  const n = ctx.n;
  const onProgress = (d: number, t: number) => { p.onProgress?.(d, t); ctx.evOptions.onProgress?.(d, t); };
  // a queue job runs in this thread, yielding between batches; a shard spreads DNN and SNN over the local pool
  let dnn: DnnSums | null = null, chunks: ChunkSums[] = [];
  if (count === 0 || p.yieldBetween || p.workers === 1) {
    if (p.pass !== "snn") dnn = await dnnRange(ctx, inp.test, start, count, p.yieldBetween ? ctx.static.options.batch as number : 256, p.yieldBetween);
    if (count > 0) chunks = await evaluateChunkYielding(ctx, inp, range, p.yieldBetween ? p : { ...p, onProgress });
  } else {
    const x = inp.test.samples.subarray(start * n, (start + count) * n), y = inp.test.labels.subarray(start, start + count);
    const eo = { ...ctx.evOptions, workers: p.workers, sampleOffset: start, onProgress };
    if (p.pass === "snn") chunks = await evaluateSnnChunksParallel(ctx.snn, x, y, count, eo);
    else ({ dnn, chunks } = await evaluateRunParallel(ctx.ann, ctx.snn, ctx.populations, x, y, count, eo));
  }
  return {
    format: PART_FORMAT, spikewasm: VERSION, node: process.versions.node, fingerprint: p.fingerprint ?? runFingerprint(inp, o),
    shard: p.shard ?? null, samples: { start, count, total: inp.test.count }, seconds: (performance.now() - t0) / 1000, ...(p.pass ? { pass: p.pass } : {}),
    static: ctx.static, dnn: dnn && dnnJson(dnn), snn: { chunks: chunks.map(chunkJson) },
  };
}

/**
 * The DNN pass alone over the test samples of `range`, before the run is converted: sums of every DNN layer
 * (dnnPopulations), which mergeParts cuts to the SNN's populations. `ctx` holds the imported model and a
 * DNN runner; `yieldBetween` is awaited after each batch with the samples done.
 */
export async function evaluateDnnPart(inp: RunInputs, ctx: Omit<DnnContext, "populations">, range: SampleRange, batch: number, fingerprint: string,
  yieldBetween?: (done: number) => Promise<void>): Promise<RunPart> {
  const t0 = performance.now();
  const dnn = await dnnRange({ ...ctx, populations: dnnPopulations(ctx.ann) }, inp.test, range.start, range.count, batch, yieldBetween);
  return {
    format: PART_FORMAT, spikewasm: VERSION, node: process.versions.node, fingerprint, shard: null, samples: { ...range, total: inp.test.count },
    seconds: (performance.now() - t0) / 1000, pass: "dnn", static: null, dnn: dnnJson(dnn), snn: null,
  };
}

/** In this thread (awaiting yieldBetween after each batch, for a queue job): one Simulator for the whole range. */
async function evaluateChunkYielding(ctx: RunContext, inp: RunInputs, range: SampleRange, p: PartOptions): Promise<ChunkSums[]> {
  const { start, count } = range, n = ctx.n;
  return [await evaluateChunk(ctx.snn, inp.test.samples.subarray(start * n, (start + count) * n), inp.test.labels.subarray(start, start + count), count,
    { ...ctx.evOptions, sampleOffset: start, onProgress: p.onProgress, yieldBetween: p.yieldBetween }, p.simulator)];
}

function dnnJson(d: DnnSums): RunPart["dnn"] {
  const p = dnnSumsToPartials(d);
  const means = p.means.map(({ id, lengths, values }) => {
    const l = Buffer.alloc(lengths.length * 2), v = Buffer.alloc(values.length * 8);
    lengths.forEach((x, i) => l.writeUInt16LE(x, i * 2));
    values.forEach((x, i) => v.writeDoubleLE(x, i * 8));
    return { id, lengths: l.toString("base64"), values: v.toString("base64") };
  });
  return { correct: p.correct, predictions: Array.from(p.predictions), zeros: p.zeros, all: p.all, effectiveMacs: p.effectiveMacs, means };
}

/** A MeansJson decoded (named errors for a string that is not whole base64 arrays). */
function meansFromJson(m: MeansJson, file: string) {
  const bytes = (s: unknown, width: number, field: string) => {
    const b = typeof s === "string" && /^[A-Za-z0-9+/]*={0,2}$/.test(s) ? Buffer.from(s, "base64") : null;
    if (!b || b.length % width !== 0) throw new SpikewasmError(`${file}: dnn.means '${m.id}'.${field} is not base64 of ${width}-byte values`);
    return b;
  };
  const l = bytes(m.lengths, 2, "lengths"), v = bytes(m.values, 8, "values");
  const lengths = new Uint16Array(l.length / 2), values = new Float64Array(v.length / 8);
  for (let i = 0; i < lengths.length; i++) lengths[i] = l.readUInt16LE(i * 2);
  for (let i = 0; i < values.length; i++) values[i] = v.readDoubleLE(i * 8);
  return { id: m.id, lengths, values };
}

function chunkJson(c: ChunkSums): ChunkJson {
  return { ...c, correct: Array.from(c.correct), predictions: Array.from(c.predictions),
    layers: c.layers.map((l) => ({ ...l, spikeCountsSum: Array.from(l.spikeCountsSum) })) };
}

/** A part as read from `file`: shape checked, every problem named with the file and the field. */
export function parsePart(value: unknown, file: string): RunPart {
  const bad = (what: string): never => { throw new SpikewasmError(`${file}: not a spikewasm run part (${what})`); };
  if (typeof value !== "object" || value === null || Array.isArray(value)) bad("not a JSON object");
  const p = value as RunPart;
  if (p.format !== PART_FORMAT) bad(`format ${JSON.stringify(p.format)}, expected ${PART_FORMAT}: write parts with spikewasm run --shard k/n --json part.json`);
  const int = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
  if (p.pass !== undefined && p.pass !== "dnn" && p.pass !== "snn") bad(`pass ${JSON.stringify(p.pass)}: "dnn", "snn" or absent expected`);
  if (typeof p.fingerprint !== "string" || (p.pass !== "dnn" && (!p.static || typeof p.static !== "object"))) bad("fingerprint or static missing");
  if (!p.samples || !int(p.samples.start) || !int(p.samples.count) || !int(p.samples.total) || p.samples.start + p.samples.count > p.samples.total) bad("samples: {start, count, total} expected");
  if (p.pass !== "snn" && (!p.dnn || !Array.isArray(p.dnn.predictions) || p.dnn.predictions.length !== p.samples.count || !Array.isArray(p.dnn.means))) bad("dnn sums missing or of the wrong length");
  if (p.pass === "dnn") return p;
  if (!p.snn || !Array.isArray(p.snn.chunks)) bad("snn.chunks missing");
  let next = p.samples.start;
  for (const c of p.snn!.chunks) {
    if (!c || c.sampleOffset !== next || !int(c.samples) || !Array.isArray(c.correct) || !Array.isArray(c.layers)) bad(`snn chunk at sample ${c?.sampleOffset} does not continue at ${next}`);
    next += c.samples;
  }
  if (next !== p.samples.start + p.samples.count) bad(`snn chunks cover samples ${p.samples.start}..${next - 1}, the part says ${p.samples.start}..${p.samples.start + p.samples.count - 1}`);
  return p;
}

/** The first path where two JSON values differ ("options.timesteps: 64 vs 32"), or null. */
function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
  }
  const show = (v: unknown) => { const s = JSON.stringify(v) ?? "absent"; return s.length > 60 ? `${s.slice(0, 57)}...` : s; };
  return `${path}: ${show(a)} vs ${show(b)}`;
}

/**
 * Checks that ranges sorted by start cover samples 0..total-1, each exactly once (named errors, exit 2;
 * `missing` is added to a gap's message). `what` names the samples ("samples", "validation samples of …").
 */
export function checkCountedOnce(sorted: { file: string; start: number; count: number }[], total: number, missing = "", what = "samples"): void {
  let next = 0, prev = "";
  for (const { file, start, count } of sorted) {
    if (count === 0) continue;
    if (start < next) throw new SpikewasmError(`${what} ${start}..${Math.min(next, start + count) - 1} are in both ${prev} and ${file}: every sample must be counted once`);
    if (start > next) throw new SpikewasmError(`${what} ${next}..${start - 1} of ${total} are in no part${missing}`);
    next = start + count;
    prev = file;
  }
  if (next < total) throw new SpikewasmError(`${what} ${next}..${total - 1} of ${total} are in no part${missing}`);
}

/**
 * Merges the parts of one run into its report. Named errors (exit 2): parts of different spikewasm
 * versions, models, data or options; a sample in two parts; samples in none (with the missing shards).
 */
export function mergeParts(parts: { file: string; part: RunPart }[]) {
  if (parts.length === 0) throw new SpikewasmError("merge: no parts given");
  const [first] = parts;
  for (const { file, part } of parts.slice(1)) {
    if (part.spikewasm !== first.part.spikewasm) throw new SpikewasmError(`${file} was written by spikewasm ${part.spikewasm}, ${first.file} by ${first.part.spikewasm}: merge parts of one version`);
    if (part.fingerprint !== first.part.fingerprint) {
      const d = firstDifference(first.part.static, part.static, "") ?? (part.samples.total !== first.part.samples.total ? `samples: ${first.part.samples.total} vs ${part.samples.total} test samples` : "the model, data or calibration bytes (their hash differs)");
      throw new SpikewasmError(`${first.file} and ${file} are parts of different runs: ${d} (in that order)`);
    }
    if (JSON.stringify(part.shard?.count) !== JSON.stringify(first.part.shard?.count))
      throw new SpikewasmError(`${file} is ${part.shard ? `shard ${part.shard.index}/${part.shard.count}` : "a queue part"}, ${first.file} ${first.part.shard ? `shard ${first.part.shard.index}/${first.part.shard.count}` : "a queue part"}: merge the parts of one split`);
  }
  const split = parts.filter(({ part }) => part.pass !== undefined);
  if (split.length) return mergePassParts(parts);
  const total = first.part.samples.total;
  const sorted = [...parts].sort((a, b) => a.part.samples.start - b.part.samples.start || a.part.samples.count - b.part.samples.count);
  const shardsGiven = new Map<number, string>();
  for (const { file, part } of sorted) {
    if (!part.shard) continue;
    const other = shardsGiven.get(part.shard.index);
    if (other) throw new SpikewasmError(`shard ${part.shard.index}/${part.shard.count} given twice: ${other} and ${file}`);
    shardsGiven.set(part.shard.index, file);
  }
  const missingShards = first.part.shard ? Array.from({ length: first.part.shard.count }, (_, i) => i + 1).filter((k) => !shardsGiven.has(k)) : [];
  const missing = missingShards.length ? ` (missing: shard${missingShards.length > 1 ? "s" : ""} ${missingShards.map((k) => `${k}/${first.part.shard!.count}`).join(", ")})` : "";
  checkCountedOnce(sorted.map(({ file, part }) => ({ file, ...part.samples })), total, missing);

  const live = sorted.filter(({ part }) => part.samples.count > 0).map(({ file, part }) => ({ file, part }));
  const dnn = mergeDnnSums(live.map(({ file, part }) => dnnSums(part, file)));
  const ev = finalizeEvaluation(live.flatMap(({ part }) => part.snn!.chunks.map(chunkSums)));
  return finishRun(first.part.static!, dnn, ev, { seconds: parts.reduce((a, p) => a + p.part.seconds, 0), node: first.part.node });
}

/**
 * The parts of a run whose passes were split (a queued run): its DNN parts and its SNN parts each count
 * every sample once; the DNN's sums of every layer are cut to the SNN's populations (from the SNN parts' static).
 */
function mergePassParts(parts: { file: string; part: RunPart }[]) {
  const byStart = (a: { part: RunPart }, b: { part: RunPart }) => a.part.samples.start - b.part.samples.start || a.part.samples.count - b.part.samples.count;
  const whole = parts.find(({ part }) => part.pass === undefined);
  if (whole) throw new SpikewasmError(`${whole.file} holds both passes of its samples, the other parts one pass each: merge the parts of one split`);
  const dnnParts = parts.filter(({ part }) => part.pass === "dnn").sort(byStart), snnParts = parts.filter(({ part }) => part.pass === "snn").sort(byStart);
  const total = parts[0].part.samples.total;
  checkCountedOnce(dnnParts.map(({ file, part }) => ({ file, ...part.samples })), total, "", "samples of the DNN pass");
  checkCountedOnce(snnParts.map(({ file, part }) => ({ file, ...part.samples })), total, "", "samples of the SNN pass");
  const st = snnParts[0].part.static!;
  const populations = st.populationShapes.map(([id, shape]) => ({ id, size: shapeSize(shape) }));
  const merged = mergeDnnSums(dnnParts.filter(({ part }) => part.samples.count > 0).map(({ file, part }) => dnnSums(part, file)));
  const dnn = selectMeans(merged, populations);
  if (!dnn) throw new SpikewasmError(`the DNN parts (${dnnParts[0].file}, …) lack a layer of the SNN's populations (${populations.map((p) => p.id).join(", ")}): parts of another model`);
  const ev = finalizeEvaluation(snnParts.filter(({ part }) => part.samples.count > 0).flatMap(({ part }) => part.snn!.chunks.map(chunkSums)));
  return finishRun(st, dnn, ev, { seconds: parts.reduce((a, p) => a + p.part.seconds, 0), node: parts[0].part.node });
}

function dnnSums(p: RunPart, file: string): DnnSums {
  const d = p.dnn!;
  try {
    return dnnSumsFromPartials({ start: p.samples.start, count: p.samples.count, correct: d.correct, predictions: Int32Array.from(d.predictions), zeros: d.zeros, all: d.all,
      effectiveMacs: d.effectiveMacs, means: d.means.map((m) => meansFromJson(m, file)) }, `${file}: dnn.means`);
  } catch (e) {
    throw new SpikewasmError((e as Error).message); // a bad part file: the user's input
  }
}

function chunkSums(c: ChunkJson): ChunkSums {
  return { ...c, correct: Float64Array.from(c.correct), predictions: Int32Array.from(c.predictions),
    layers: c.layers.map((l) => ({ ...l, spikeCountsSum: Float64Array.from(l.spikeCountsSum) })) };
}
