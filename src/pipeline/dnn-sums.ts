/**
 * The DNN's share of a run as raw sums over a range of the test set (dnnRange), which add up exactly over
 * any split of the set (mergeDnnSums): what a thread of the local pool (src/convert/parallel.ts), a shard
 * and a queue job (src/distributed/) compute for their ranges, and what finishRun reports from.
 */
import type { AnnRunner } from "../ann/infer-wasm.js";
import { type Activations, argmax } from "../ann/infer.js";
import { type AnnGraph, annShapes } from "../ir/ann.js";
import { shapeSize } from "../ir/graph.js";
import { ExactSums } from "../util/exact-sum.js";
import { ZeroCounter, computeNodeIds } from "./metrics.js";

/** What the DNN pass needs of a run's context (src/pipeline/run.ts RunContext). */
export interface DnnContext {
  ann: AnnGraph;
  runner: AnnRunner;
  /** values per sample */
  n: number;
  /** the SNN's populations (id, neurons) in plan order */
  populations: { id: string; size: number }[];
}

/**
 * The DNN pass over samples [start, start + count) of the test set, as raw sums that add up exactly over
 * any split of the set (src/distributed merges parts): correct predictions, zero and all outputs,
 * effective MACs per layer (integer counts) and per-neuron activation sums of the SNN's populations
 * (ExactSums: the same double whatever the split). The whole set in one call is the one-process run.
 */
export async function dnnRange(ctx: DnnContext, test: { samples: Float32Array; labels: Int32Array }, start: number, count: number, chunk = 256,
  yieldBetween?: (done: number) => Promise<void> | void): Promise<DnnSums> {
  const { ann, runner, n } = ctx;
  const zeroIds = computeNodeIds(ann);
  const zeros = new ZeroCounter(zeroIds);
  // the zeros of the summed layers are counted while summing (addRow), the others' by the counter
  const counted = new Set(ctx.populations.map((p) => p.id).filter((id) => zeroIds.has(id)));
  runner.resetStats();
  const predictions = new Int32Array(count);
  const means = ctx.populations.map(({ id, size }) => ({ id, sums: new ExactSums(size) }));
  // the activations in the runner's own order (no transpose per layer and chunk: a fifth of this pass) and
  // the sums put in [C, H, W] order once at the end; a neuron's sum is its own, so they are the same.
  // The output stays in its order for the predictions (argmax's first maximum).
  const order = runner.memoryOrder(ann.output!) ? "chw" : "memory";
  let correct = 0;
  let buffers: Activations | undefined; // the first chunk's arrays, written again by every later chunk
  for (let s0 = 0; s0 < count; s0 += chunk) {
    const B = Math.min(chunk, count - s0), g0 = start + s0;
    const acts = runner.run(test.samples.subarray(g0 * n, (g0 + B) * n), B, true, buffers, order);
    buffers ??= acts;
    predictions.set(argmax(acts.get(ann.output!)!, B), s0);
    for (let b = 0; b < B; b++) if (predictions[s0 + b] === test.labels[g0 + b]) correct++;
    zeros.add(acts, counted);
    for (const { id, sums } of means) {
      const a = acts.get(id)!;
      let z = 0;
      for (let b = 0; b < B; b++) z += sums.addRow(a, b * sums.size);
      if (counted.has(id)) zeros.addCounted(z, B * sums.size);
    }
    if (yieldBetween) await yieldBetween(s0 + B);
  }
  const stats = runner.stats();
  const chwMeans = order === "chw" ? means : means.map(({ id, sums }) => {
    const perm = runner.memoryOrder(id);
    return { id, sums: perm ? sums.permuted(perm) : sums };
  });
  return { start, count, correct, predictions, zeros: zeros.zeros, all: zeros.all,
    effectiveMacs: stats ? [...stats.effectiveMacs] : null, means: chwMeans };
}

/**
 * Every layer of the DNN whose activations the pass can sum (all nodes but the input and flattens), with
 * its size: a superset of the populations of any SNN converted from it (conversion keeps the DNN's layer
 * ids and shapes; folding a pool only drops one). The DNN pass can so start before the conversion has
 * decided the populations, and `selectMeans` keeps those of the SNN afterwards.
 */
export function dnnPopulations(ann: AnnGraph): { id: string; size: number }[] {
  const shapes = annShapes(ann);
  return ann.nodes.filter((nd) => nd.kind !== "input" && nd.kind !== "flatten").map((nd) => ({ id: nd.id, size: shapeSize(shapes.get(nd.id)!) }));
}

/**
 * The sums with the means of `populations` only, in their order (what dnnRange over `populations` gives:
 * each neuron's sum is its own); null when the sums lack one of them or hold it at another size.
 */
export function selectMeans(d: DnnSums, populations: { id: string; size: number }[]): DnnSums | null {
  const byId = new Map(d.means.map((m) => [m.id, m]));
  const means: DnnSums["means"] = [];
  for (const p of populations) {
    const m = byId.get(p.id);
    if (!m || m.sums.size !== p.size) return null;
    means.push(m);
  }
  return { ...d, means };
}

/** Raw DNN sums of a range of test samples (see dnnRange). */
export interface DnnSums {
  start: number;
  count: number;
  correct: number;
  /** the range's predictions */
  predictions: Int32Array;
  zeros: number;
  all: number;
  /** [layer id, effective MACs summed over the range's samples] in graph order; null without WASM stats */
  effectiveMacs: [string, number][] | null;
  /** per population of the SNN (graph order): the exact per-neuron sums of the DNN activations */
  means: { id: string; sums: ExactSums }[];
}

/** Adds DNN sums of consecutive ranges (sorted by start, checked contiguous by the caller) into one. */
export function mergeDnnSums(parts: DnnSums[]): DnnSums {
  const first = parts[0];
  const count = parts.reduce((a, p) => a + p.count, 0);
  const predictions = new Int32Array(count);
  const means = first.means.map(({ id, sums }) => ({ id, sums: new ExactSums(sums.size) }));
  const macs = first.effectiveMacs ? new Map(first.effectiveMacs.map(([id]) => [id, 0])) : null;
  let correct = 0, zeros = 0, all = 0;
  for (const p of parts) {
    predictions.set(p.predictions, p.start - first.start);
    correct += p.correct; zeros += p.zeros; all += p.all;
    p.means.forEach((m, i) => means[i].sums.merge(m.sums));
    if (macs) for (const [id, v] of p.effectiveMacs ?? []) macs.set(id, (macs.get(id) ?? 0) + v);
  }
  return { start: first.start, count, correct, predictions, zeros, all, effectiveMacs: macs ? [...macs] : null, means };
}

/** The exact sums of one population packed (ExactSums.pack): structured-clonable, two typed arrays. */
export interface PackedMeans { id: string; lengths: Uint16Array; values: Float64Array }

/** DnnSums with the exact sums packed: what crosses a thread, a part file or the queue. */
export type DnnSumsPartials = Omit<DnnSums, "means"> & { means: PackedMeans[] };

/** The sums packed (ExactSums.pack). */
export function dnnSumsToPartials(d: DnnSums): DnnSumsPartials {
  return { ...d, means: d.means.map(({ id, sums }) => ({ id, ...sums.pack() })) };
}

/** The sums rebuilt from their packed form (ExactSums.unpack, checked; `what` names the source in an error). */
export function dnnSumsFromPartials(d: DnnSumsPartials, what: string): DnnSums {
  return { ...d, means: d.means.map(({ id, lengths, values }) => ({ id, sums: ExactSums.unpack(lengths, values, `${what} '${id}'`) })) };
}
