/**
 * Accuracy and activity of a quantised network on a labelled data set, from the bit-exact integer engine
 * (src/loihi/engine.ts), next to the float SNN's with the same coding (regular spike trains).
 *
 * Readout: the output layer's spike counts after T + L steps (L = latency), ties broken by the higher
 * voltage, then the lower index; for a membrane-readout output (quantize.ts "membrane") the largest
 * counts·vth + v (ties: the lower index). Accuracy after t coding steps is read at step t + L of the same run: the
 * input spikes of steps > t reach the output at step t + 1 + L at the earliest, so it equals the accuracy
 * of a run with T = t exactly. Activity (spikes, synaptic operations) is recorded per step; for a shorter
 * T = t it is counted through step t + L of this run, i.e. with the input still presented during the
 * last L steps (as when inputs follow each other without a gap) — exact for t = T.
 */
import { pickClass } from "../convert/evaluate.js";
import { SpikewasmError } from "../errors.js";
import type { SnnGraph } from "../ir/graph.js";
import type { Backend } from "../sim/kernels.js";
import { Simulator } from "../sim/simulator.js";
import { LoihiEngine } from "./engine.js";
import { type LoihiGraph, type QuantizeReport, quantizeGraph, withReset } from "./quantize.js";

/** Options of evaluateLoihi. */
export interface EvaluateLoihiOptions {
  /** coding steps T (default 64); the engine runs T + latency steps */
  steps?: number;
  /** spike probability per step of an input of value 1 (default 1) */
  rate?: number;
  /** samples per engine run (default 32) */
  batch?: number;
  /** samples stepped together within a run (LoihiEngine.create's chunk; default: by the cache budget) */
  chunk?: number;
  backend?: Backend;
  onProgress?: (done: number, total: number) => void;
  /** awaited after each batch (a queue worker renews its job lock there) */
  yieldBetween?: () => Promise<void>;
}

/** Accuracy and per-step activity of the quantised net. */
export interface LoihiEvaluation {
  samples: number;
  steps: number;
  latency: number;
  accuracy: number;
  /** accuracy after t = 1..T coding steps (readout at t + latency) */
  accuracyByStep: number[];
  /** correct samples after t = 1..T coding steps */
  correctByStep: number[];
  predictions: Int32Array;
  /** per layer: spikes and synaptic operations at each step 1..T + L, summed over the samples */
  layers: Array<{ id: string; neurons: number; spikesPerStep: Float64Array; synopsPerStep: Float64Array; spikeCountsSum: Float64Array }>;
  inputSpikesPerStep: Float64Array;
}

/** Runs the quantised graph on `count` samples with the integer engine. */
export async function evaluateLoihi(lg: LoihiGraph, samples: Float32Array, labels: ArrayLike<number>, count: number, o: EvaluateLoihiOptions = {},
  prebuilt?: LoihiEngine): Promise<LoihiEvaluation> {
  const T = o.steps ?? 64, rate = o.rate ?? 1, L = lg.latency, n = lg.input.size;
  if (!Number.isInteger(count) || count < 1) throw new SpikewasmError(`evaluateLoihi: count must be an integer >= 1, got ${count}`);
  if (labels.length < count) throw new SpikewasmError(`evaluateLoihi: ${labels.length} labels for ${count} samples`);
  if (samples.length < count * n) throw new SpikewasmError(`evaluateLoihi: ${samples.length} values for ${count} samples of ${n}`);
  const batch = Math.min(o.batch ?? 32, count);
  // an engine built for this graph and at least this batch (a pool thread keeps one per evaluation), or a new one
  const engine = prebuilt && prebuilt.plan.batch >= batch ? prebuilt : await LoihiEngine.create(lg, { batch, backend: o.backend, chunk: o.chunk });
  const outLayer = lg.layers.find((l) => l.id === lg.output)!;
  const vthOut = lg.readout === "membrane" ? outLayer.vthMant * 64 : 0;
  const steps = T + L;
  const correct = new Float64Array(T), predictions = new Int32Array(count);
  const layers = lg.layers.map((l) => {
    const neurons = l.shape.reduce((a, b) => a * b, 1);
    return { id: l.id, neurons, spikesPerStep: new Float64Array(steps), synopsPerStep: new Float64Array(steps), spikeCountsSum: new Float64Array(neurons) };
  });
  const inputSpikesPerStep = new Float64Array(steps);
  for (let s0 = 0; s0 < count; s0 += batch) {
    const B = Math.min(batch, count - s0);
    const r = engine.run(samples.subarray(s0 * n, (s0 + B) * n), { steps: T, rate });
    const nOut = r.output.size;
    for (let t = 1; t <= T; t++) {
      const off = (t + L - 1) * B * nOut;
      for (let b = 0; b < B; b++) {
        const p = vthOut > 0 ? pickMembrane(r.output.counts, r.output.v, off + b * nOut, nOut, vthOut) : pickClass(r.output.counts, r.output.v, off + b * nOut, nOut);
        if (p === labels[s0 + b]) correct[t - 1]++;
        if (t === T) predictions[s0 + b] = p;
      }
    }
    r.layers.forEach((rec, li) => {
      const acc = layers[li];
      for (let t = 0; t < steps; t++) {
        for (let b = 0; b < B; b++) acc.spikesPerStep[t] += rec.spikesPerStep[t * B + b];
        acc.synopsPerStep[t] += rec.synopsPerStep[t];
      }
      for (let b = 0, i = 0; b < B; b++) for (let j = 0; j < acc.neurons; j++, i++) acc.spikeCountsSum[j] += rec.spikeCounts[i];
    });
    for (let i = 0; i < r.inputSpikesPerStep.length; i++) inputSpikesPerStep[Math.floor(i / B)] += r.inputSpikesPerStep[i];
    o.onProgress?.(s0 + B, count);
    if (o.yieldBetween) await o.yieldBetween();
  }
  const accuracyByStep = Array.from(correct, (c) => c / count);
  return { samples: count, steps: T, latency: L, accuracy: accuracyByStep[T - 1], accuracyByStep, correctByStep: Array.from(correct), predictions, layers, inputSpikesPerStep };
}

/** Membrane readout of a Loihi output block: the unit with the largest counts·vth + v (the integrated input), ties the lower index. */
export function pickMembrane(counts: ArrayLike<number>, v: ArrayLike<number>, off: number, n: number, vth: number): number {
  let best = 0, bv = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = counts[off + i] * vth + v[off + i];
    if (x > bv) { bv = x; best = i; }
  }
  return best;
}

/** Merges evaluations of consecutive chunks of one data set (same graph and options) into the whole set's. */
export function mergeLoihiEvaluations(parts: LoihiEvaluation[]): LoihiEvaluation {
  if (parts.length === 0) throw new SpikewasmError("mergeLoihiEvaluations: nothing to merge");
  const samples = parts.reduce((a, p) => a + p.samples, 0);
  const { steps, latency } = parts[0];
  const correctByStep = Array.from({ length: steps }, (_, t) => parts.reduce((a, p) => a + p.correctByStep[t], 0));
  const accuracyByStep = correctByStep.map((c) => c / samples);
  const predictions = new Int32Array(samples);
  let off = 0;
  for (const p of parts) { predictions.set(p.predictions, off); off += p.samples; }
  const add = (arrs: Float64Array[]) => arrs.reduce((acc, a) => { for (let i = 0; i < a.length; i++) acc[i] += a[i]; return acc; }, new Float64Array(arrs[0].length));
  const layers = parts[0].layers.map((l, li) => ({
    id: l.id, neurons: l.neurons,
    spikesPerStep: add(parts.map((p) => p.layers[li].spikesPerStep)), synopsPerStep: add(parts.map((p) => p.layers[li].synopsPerStep)),
    spikeCountsSum: add(parts.map((p) => p.layers[li].spikeCountsSum)),
  }));
  return { samples, steps, latency, accuracy: accuracyByStep[steps - 1], accuracyByStep, correctByStep, predictions, layers, inputSpikesPerStep: add(parts.map((p) => p.inputSpikesPerStep)) };
}

/** Per-inference spikes and synaptic operations of each layer for T = t coding steps (through step t + latency). */
export function loihiActivity(ev: LoihiEvaluation, t = ev.steps): Array<{ id: string; spikes: number; synops: number }> {
  if (!Number.isInteger(t) || t < 1 || t > ev.steps) throw new SpikewasmError(`loihiActivity: t must be an integer in 1..${ev.steps}, got ${t}`);
  const end = t + ev.latency;
  const sum = (a: Float64Array) => a.subarray(0, end).reduce((x, y) => x + y, 0) / ev.samples;
  return ev.layers.map((l) => ({ id: l.id, spikes: sum(l.spikesPerStep), synops: sum(l.synopsPerStep) }));
}

/** Options of evaluateQuantized. */
export interface EvaluateQuantizedOptions {
  /** coding steps T (default 64); Loihi runs T + latency steps */
  steps?: number;
  /** spike probability of an input of value 1 (default 1) */
  rate?: number;
  backend?: Backend;
  /** samples per run, both engines (default 32) */
  batch?: number;
  wExp?: number | "auto";
}

/** Accuracies of the quantised Loihi net and of the float SNN (both resets) on the same samples. */
export interface QuantizedEvaluation {
  samples: number;
  steps: number;
  latency: number;
  loihiAccuracy: number;
  /** float simulator, regular coding, every layer reset to zero (what the Loihi net does) */
  floatZeroAccuracy: number;
  /** float simulator, regular coding, reset by subtraction */
  floatSubtractAccuracy: number;
  loihiPredictions: Int32Array;
  floatZeroPredictions: Int32Array;
  floatSubtractPredictions: Int32Array;
  /** fraction of samples where the Loihi and float reset-to-zero predictions agree */
  agreementWithFloatZero: number;
  report: QuantizeReport;
}

/** Float-simulator predictions (regular coding, T steps), with the same readout as the Loihi net. */
export async function floatPredictions(snn: SnnGraph, samples: Float32Array, count: number, steps: number, rate: number, batch: number, backend: Backend): Promise<Int32Array> {
  const sim = await Simulator.create(snn, { batch, backend });
  const inputSize = sim.plan.input.n;
  const pred = new Int32Array(count);
  for (let b0 = 0; b0 < count; b0 += batch) {
    const B = Math.min(batch, count - b0);
    const r = sim.run(samples.subarray(b0 * inputSize, (b0 + B) * inputSize), { steps, coding: "regular", rate });
    const nOut = r.output.counts.length / (steps * B);
    const off = (steps - 1) * B * nOut;
    for (let b = 0; b < B; b++) pred[b0 + b] = pickClass(r.output.counts, r.output.membrane, off + b * nOut, nOut);
  }
  return pred;
}

/**
 * Quantises `snn`, runs it on the integer engine on `count` samples and returns its accuracy next to the
 * float SNN's with reset to zero and with reset by subtraction (float Simulator, regular coding, T steps).
 */
export async function evaluateQuantized(snn: SnnGraph, samples: Float32Array, labels: ArrayLike<number>, count: number, o: EvaluateQuantizedOptions = {}): Promise<QuantizedEvaluation> {
  const steps = o.steps ?? 64, rate = o.rate ?? 1, backend = o.backend ?? "wasm", batch = Math.min(o.batch ?? 32, count);
  const lg = quantizeGraph(snn, { wExp: o.wExp });
  const ev = await evaluateLoihi(lg, samples, labels, count, { steps, rate, batch, backend });
  const fz = await floatPredictions(withReset(snn, "zero"), samples, count, steps, rate, batch, backend);
  const fs = await floatPredictions(withReset(snn, "subtract"), samples, count, steps, rate, batch, backend);
  const acc = (p: Int32Array) => p.reduce((a, c, i) => a + (c === labels[i] ? 1 : 0), 0) / count;
  return {
    samples: count, steps, latency: lg.latency,
    loihiAccuracy: ev.accuracy, floatZeroAccuracy: acc(fz), floatSubtractAccuracy: acc(fs),
    loihiPredictions: ev.predictions, floatZeroPredictions: fz, floatSubtractPredictions: fs,
    agreementWithFloatZero: ev.predictions.reduce((a, c, i) => a + (c === fz[i] ? 1 : 0), 0) / count,
    report: lg.report,
  };
}
