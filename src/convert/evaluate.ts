/**
 * Evaluation of a converted SNN on labelled data: accuracy at every step 1..T from one run of T steps,
 * spikes and synaptic operations per inference per layer. Readouts:
 *   count    — the output neuron with most spikes after t steps; ties broken by the higher membrane
 *   membrane — the output neuron with the highest membrane potential (non-spiking output layer)
 *   first    — the output neuron that spiked first (ties: more spikes, then membrane); none yet: count
 *   count-strict — the output neuron with most spikes; a tie for the most (no spikes at all included)
 *              is no answer, prediction -1, counted as an error (SNABSuite's spikes_to_labels,
 *              hbp-unibi/SNABSuite source/SNABs/mnist/helper_functions.cpp: "Multiple neurons have the
 *              same decision" gives an invalid label)
 * Delayed readout (readoutDelay D): from step D + 1 on, count and membrane readouts use only what
 * happened after step D — spike counts n(t) − n(D) (ties: the membrane), membrane v(t) − v(D) — so the steps the network
 * needs to fill (charge its layers from rest) do not vote; up to step D the readout is the plain one.
 * (The "delayed readout" of the few-timestep conversion literature, e.g. the NxTF/Loihi pipelines that skip
 * the steps a spike needs to cross the network; with "first" it is refused.)
 *
 * Samples are independent, so a set can be split into chunks of consecutive samples: evaluateChunk
 * returns a chunk's raw counts and finalizeEvaluation merges chunks exactly (all sums are integer
 * counts); evaluateSnn is the one-chunk case, src/convert/parallel.ts spreads chunks over worker threads.
 */
import { SpikewasmError } from "../errors.js";
import type { SnnGraph } from "../ir/graph.js";
import type { InputCoding } from "../sim/input.js";
import { Simulator } from "../sim/simulator.js";

/** How the class is read from the output layer. */
export type Readout = "count" | "membrane" | "first" | "count-strict";

/** Evaluation options. */
export interface EvaluateOptions {
  timesteps: number;
  batch?: number;
  coding?: InputCoding;
  rate?: number;
  seed?: number;
  readout?: Readout;
  /** steps with input (default `timesteps`); the rest of the run is a pause without input (Simulator inputSteps) */
  inputSteps?: number;
  /** delayed readout: steps 1..D are not counted from step D + 1 on (header); default 0 */
  readoutDelay?: number;
  /**
   * keep every sample's final readout values (`outputs`): the output's spike counts over the counted steps
   * (n(T) − n(D)) for the count readouts, its membrane v(T) − v(D) (D = 0: v(T)) for the membrane readout
   */
  recordOutputs?: boolean;
  backend?: "wasm" | "js";
  /** called after each batch with the number of samples done */
  onProgress?: (done: number, total: number) => void;
}

/** Per-layer activity per inference. */
export interface LayerActivity {
  id: string;
  kind: string;
  neurons: number;
  spikesPerInference: number;
  synopsPerInference: number;
  /** mean firing rate per neuron per step */
  rate: number;
  /** per-neuron spike counts summed over samples ([C, H, W] order), for rate–activation correlation */
  spikeCountsSum: Float64Array;
}

/** Evaluation result. */
export interface SnnEvaluation {
  samples: number;
  timesteps: number;
  accuracyByStep: number[];
  accuracy: number;
  predictions: Int32Array;
  /** with recordOutputs: [samples][output size] final readout values (EvaluateOptions.recordOutputs) */
  outputs?: Float32Array;
  spikesPerInference: number;
  synopsPerInference: number;
  inputSpikesPerInference: number;
  layers: LayerActivity[];
}

/** Index of the unique largest count among counts[off .. off+n), or -1 when the largest is shared (or all are 0). */
export function uniqueArgmax(counts: ArrayLike<number>, off: number, n: number): number {
  let best = -1, max = 0;
  for (let i = 0; i < n; i++) {
    const c = counts[off + i];
    if (c > max) { max = c; best = i; }
    else if (c === max) best = -1;
  }
  return best;
}

/** Predicted class: most spikes, ties broken by the higher potential, then the lower index (the "count" readout). */
export function pickClass(counts: ArrayLike<number>, v: ArrayLike<number>, off = 0, n = counts.length): number {
  let best = 0;
  for (let i = 1; i < n; i++) {
    const a = counts[off + i], b = counts[off + best];
    if (a > b || (a === b && v[off + i] > v[off + best])) best = i;
  }
  return best;
}

function pick(counts: Int32Array, mem: Float32Array, first: Int32Array | null, off: number, n: number, readout: Readout, t: number): number {
  if (readout === "count-strict") return uniqueArgmax(counts, off, n);
  if (readout !== "membrane" && !(readout === "first" && first)) return pickClass(counts, mem, off, n);
  let best = 0;
  for (let i = 1; i < n; i++) {
    const a = off + i, b = off + best;
    let better: boolean;
    if (readout === "membrane" || !first) better = mem[a] > mem[b];
    else {
      // first[] holds final first-spike steps: one after step t counts as "not yet"
      const fa = first[i] < 0 || first[i] > t ? Infinity : first[i], fb = first[best] < 0 || first[best] > t ? Infinity : first[best];
      better = fa < fb || (fa === fb && (counts[a] > counts[b] || (counts[a] === counts[b] && mem[a] > mem[b])));
    }
    if (better) best = i;
  }
  return best;
}

/**
 * Raw sums of one chunk of consecutive samples: every field is a count (an integer held in a double),
 * so adding the chunks of a split set gives exactly the sums of one pass over the whole set.
 */
export interface ChunkSums {
  /** index of the chunk's first sample in the whole set */
  sampleOffset: number;
  samples: number;
  timesteps: number;
  /** correct predictions after each step 1..T */
  correct: Float64Array;
  /** the chunk's predictions (after T steps) */
  predictions: Int32Array;
  /** with recordOutputs: [samples][output size] final readout values */
  outputs?: Float32Array;
  inputSpikes: number;
  layers: { id: string; kind: string; neurons: number; spikes: number; synops: number; spikeCountsSum: Float64Array }[];
}

/** Options of a chunk: the whole set's options plus where the chunk starts. */
export interface ChunkOptions extends EvaluateOptions {
  /**
   * Index in the whole set of the chunk's first sample (default 0). Poisson seeds are `seed + sampleOffset
   * + s0` for the batch starting at s0 within the chunk: with sampleOffset a multiple of the batch they
   * equal the seeds of one pass over the whole set. onProgress reports the chunk's own samples.
   */
  sampleOffset?: number;
  /** awaited after each batch (a queue worker lets BullMQ renew its job lock there) */
  yieldBetween?: () => Promise<void>;
}

/** Runs the SNN on a chunk of `count` samples (count × input size values) and returns raw sums. */
export async function evaluateChunk(snn: SnnGraph, samples: Float32Array, labels: Int32Array, count: number, o: ChunkOptions, simulator?: Simulator): Promise<ChunkSums> {
  const T = o.timesteps, readout = o.readout ?? "count", offset = o.sampleOffset ?? 0;
  if (labels.length < count) throw new SpikewasmError(`${labels.length} labels for ${count} samples`);
  const D = checkReadoutDelay(o.readoutDelay ?? 0, T, readout);
  const batch = Math.min(o.batch ?? 32, count);
  // a simulator built for this graph and at least this batch (a pool thread keeps one per evaluation), or a new one
  const sim = simulator && simulator.plan.batch >= batch ? simulator : await Simulator.create(snn, { batch, backend: o.backend });
  const n = sim.plan.input.n;
  const out = sim.plan.pops[sim.plan.output];
  const correct = new Float64Array(T);
  const predictions = new Int32Array(count);
  const layers: ChunkSums["layers"] = sim.plan.pops.map((p) => ({ id: p.id, kind: p.kind, neurons: p.n, spikes: 0, synops: 0, spikeCountsSum: new Float64Array(p.n) }));
  let inputSpikes = 0;
  const outputs = o.recordOutputs ? new Float32Array(count * out.n) : undefined;
  for (let s0 = 0; s0 < count; s0 += batch) {
    const B = Math.min(batch, count - s0);
    const r = sim.run(samples.subarray(s0 * n, (s0 + B) * n), { steps: T, coding: o.coding, rate: o.rate, seed: (o.seed ?? 0) + offset + s0, inputSteps: o.inputSteps,
      recordFirstSpike: readout === "first" });
    const first = readout === "first" ? r.layers[sim.plan.output].firstSpike : null;
    const dc = new Int32Array(out.n), dv = new Float32Array(out.n);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const off = (t * B + b) * out.n;
        let k: number;
        if (D > 0 && t >= D) {
          // delayed readout: what happened after step D (n(t) − n(D); membrane readout v(t) − v(D))
          const off0 = ((D - 1) * B + b) * out.n;
          for (let i = 0; i < out.n; i++) {
            dc[i] = r.output.counts[off + i] - r.output.counts[off0 + i];
            // ties of the count readout are broken by the present membrane, as without delay
            dv[i] = readout === "membrane" ? r.output.membrane[off + i] - r.output.membrane[off0 + i] : r.output.membrane[off + i];
          }
          k = pick(dc, dv, null, 0, out.n, readout, t + 1);
        } else k = pick(r.output.counts, r.output.membrane, first ? first.subarray(b * out.n, (b + 1) * out.n) : null, off, out.n, readout, t + 1);
        if (k === labels[s0 + b]) correct[t]++;
        if (t === T - 1) predictions[s0 + b] = k;
      }
    }
    if (outputs) {
      const offT = (T - 1) * B * out.n, offD = (D - 1) * B * out.n;
      for (let b = 0; b < B; b++)
        for (let i = 0; i < out.n; i++) {
          const src = readout === "membrane" ? r.output.membrane : r.output.counts, j = b * out.n + i;
          outputs[(s0 + b) * out.n + i] = src[offT + j] - (D > 0 ? src[offD + j] : 0);
        }
    }
    r.layers.forEach((l, i) => {
      layers[i].spikes += l.addCountsPerNeuron(layers[i].spikeCountsSum);
      layers[i].synops += l.synapticEvents + l.inputMacsPerStep * T;
    });
    inputSpikes += r.inputSpikesPerStep.reduce((a, v) => a + v, 0);
    o.onProgress?.(s0 + B, count);
    if (o.yieldBetween) await o.yieldBetween();
  }
  return { sampleOffset: offset, samples: count, timesteps: T, correct, predictions, ...(outputs ? { outputs } : {}), inputSpikes, layers };
}

/** The readout delay checked against T and the readout: an integer in [0, T), not with "first". */
export function checkReadoutDelay(D: number, T: number, readout: Readout): number {
  if (!Number.isInteger(D) || D < 0 || D >= T) throw new SpikewasmError(`readout delay must be an integer in [0, T) = [0, ${T}), got ${D}`);
  if (D > 0 && readout === "first") throw new SpikewasmError(`readout delay ${D} does not apply to the "first" readout (the first spike may fall in the skipped steps); use count or membrane`);
  return D;
}

/** Merges the chunks of a whole set (contiguous, covering samples 0..count-1) into its evaluation. */
export function finalizeEvaluation(chunks: ChunkSums[]): SnnEvaluation {
  if (chunks.length === 0) throw new SpikewasmError("no chunks to merge");
  const parts = [...chunks].sort((a, b) => a.sampleOffset - b.sampleOffset);
  const T = parts[0].timesteps;
  const count = parts.reduce((a, p) => a + p.samples, 0);
  const correct = new Float64Array(T);
  const predictions = new Int32Array(count);
  const layers: LayerActivity[] = parts[0].layers.map((l) => ({
    id: l.id, kind: l.kind, neurons: l.neurons, spikesPerInference: 0, synopsPerInference: 0, rate: 0, spikeCountsSum: new Float64Array(l.neurons),
  }));
  let inputSpikes = 0, next = 0;
  const nOut = parts[0].outputs ? parts[0].outputs.length / Math.max(1, parts[0].samples) : 0;
  const outputs = parts.every((p) => p.outputs) ? new Float32Array(count * nOut) : undefined;
  for (const p of parts) {
    if (p.sampleOffset !== next || p.timesteps !== T || p.layers.length !== layers.length)
      throw new SpikewasmError(`chunk at sample ${p.sampleOffset} does not continue the chunks before it (expected sample ${next}, ${T} steps)`);
    next += p.samples;
    for (let t = 0; t < T; t++) correct[t] += p.correct[t];
    predictions.set(p.predictions, p.sampleOffset);
    if (outputs) outputs.set(p.outputs!, p.sampleOffset * nOut);
    p.layers.forEach((l, i) => {
      layers[i].spikesPerInference += l.spikes;
      layers[i].synopsPerInference += l.synops;
      for (let j = 0; j < l.spikeCountsSum.length; j++) layers[i].spikeCountsSum[j] += l.spikeCountsSum[j];
    });
    inputSpikes += p.inputSpikes;
  }
  for (const l of layers) {
    l.rate = l.spikesPerInference / (count * l.neurons * T);
    l.spikesPerInference /= count;
    l.synopsPerInference /= count;
  }
  const accuracyByStep = Array.from(correct, (c) => c / count);
  return {
    samples: count, timesteps: T, accuracyByStep, accuracy: accuracyByStep[T - 1], predictions, ...(outputs ? { outputs } : {}),
    spikesPerInference: layers.reduce((a, l) => a + l.spikesPerInference, 0),
    synopsPerInference: layers.reduce((a, l) => a + l.synopsPerInference, 0),
    inputSpikesPerInference: inputSpikes / count, layers,
  };
}

/** Runs the SNN on `count` samples (count × input size values) and scores it against `labels`. */
export async function evaluateSnn(snn: SnnGraph, samples: Float32Array, labels: Int32Array, count: number, o: EvaluateOptions): Promise<SnnEvaluation> {
  return finalizeEvaluation([await evaluateChunk(snn, samples, labels, count, { ...o, sampleOffset: 0 })]);
}
