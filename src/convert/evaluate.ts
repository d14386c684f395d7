/**
 * Evaluation of a converted SNN on labelled data: accuracy at every step 1..T from one run of T steps,
 * spikes and synaptic operations per inference per layer. Readouts:
 *   count    — the output neuron with most spikes after t steps; ties broken by the higher membrane
 *   membrane — the output neuron with the highest membrane potential (non-spiking output layer)
 *   first    — the output neuron that spiked first (ties: more spikes, then membrane); none yet: count
 */
import { SpikewasmError } from "../errors.js";
import type { SnnGraph } from "../ir/graph.js";
import type { InputCoding } from "../sim/input.js";
import { Simulator } from "../sim/simulator.js";

/** How the class is read from the output layer. */
export type Readout = "count" | "membrane" | "first";

/** Evaluation options. */
export interface EvaluateOptions {
  timesteps: number;
  batch?: number;
  coding?: InputCoding;
  rate?: number;
  seed?: number;
  readout?: Readout;
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
  spikesPerInference: number;
  synopsPerInference: number;
  inputSpikesPerInference: number;
  layers: LayerActivity[];
}

function pick(counts: Int32Array, mem: Float32Array, first: Int32Array | null, off: number, n: number, readout: Readout, t: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) {
    const a = off + i, b = off + best;
    let better: boolean;
    if (readout === "membrane") better = mem[a] > mem[b];
    else if (readout === "first" && first) {
      // first[] holds final first-spike steps: one after step t counts as "not yet"
      const fa = first[i] < 0 || first[i] > t ? Infinity : first[i], fb = first[best] < 0 || first[best] > t ? Infinity : first[best];
      better = fa < fb || (fa === fb && (counts[a] > counts[b] || (counts[a] === counts[b] && mem[a] > mem[b])));
    } else better = counts[a] > counts[b] || (counts[a] === counts[b] && mem[a] > mem[b]);
    if (better) best = i;
  }
  return best;
}

/** Runs the SNN on `count` samples (count × input size values) and scores it against `labels`. */
export async function evaluateSnn(snn: SnnGraph, samples: Float32Array, labels: Int32Array, count: number, o: EvaluateOptions): Promise<SnnEvaluation> {
  const T = o.timesteps, readout = o.readout ?? "count";
  if (labels.length < count) throw new SpikewasmError(`${labels.length} labels for ${count} samples`);
  const batch = Math.min(o.batch ?? 32, count);
  const sim = await Simulator.create(snn, { batch, backend: o.backend });
  const n = sim.plan.input.n;
  const out = sim.plan.pops[sim.plan.output];
  const correct = new Float64Array(T);
  const predictions = new Int32Array(count);
  const layers: LayerActivity[] = sim.plan.pops.map((p) => ({
    id: p.id, kind: p.kind, neurons: p.n, spikesPerInference: 0, synopsPerInference: 0, rate: 0, spikeCountsSum: new Float64Array(p.n),
  }));
  let inputSpikes = 0;
  for (let s0 = 0; s0 < count; s0 += batch) {
    const B = Math.min(batch, count - s0);
    const r = sim.run(samples.subarray(s0 * n, (s0 + B) * n), { steps: T, coding: o.coding, rate: o.rate, seed: (o.seed ?? 0) + s0 });
    const first = readout === "first" ? r.layers[sim.plan.output].firstSpike : null;
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const off = (t * B + b) * out.n;
        const k = pick(r.output.counts, r.output.membrane, first ? first.subarray(b * out.n, (b + 1) * out.n) : null, off, out.n, readout, t + 1);
        if (k === labels[s0 + b]) correct[t]++;
        if (t === T - 1) predictions[s0 + b] = k;
      }
    }
    r.layers.forEach((l, i) => {
      layers[i].spikesPerInference += l.spikeCounts.reduce((a, v) => a + v, 0);
      layers[i].synopsPerInference += l.synapticEvents + l.inputMacsPerStep * T;
      for (let b = 0; b < B; b++) for (let j = 0; j < l.size; j++) layers[i].spikeCountsSum[j] += l.spikeCounts[b * l.size + j];
    });
    inputSpikes += r.inputSpikesPerStep.reduce((a, v) => a + v, 0);
    o.onProgress?.(s0 + B, count);
  }
  for (const l of layers) {
    l.rate = l.spikesPerInference / (count * l.neurons * T);
    l.spikesPerInference /= count;
    l.synopsPerInference /= count;
  }
  const accuracyByStep = Array.from(correct, (c) => c / count);
  return {
    samples: count, timesteps: T, accuracyByStep, accuracy: accuracyByStep[T - 1], predictions,
    spikesPerInference: layers.reduce((a, l) => a + l.spikesPerInference, 0),
    synopsPerInference: layers.reduce((a, l) => a + l.synopsPerInference, 0),
    inputSpikesPerInference: inputSpikes / count, layers,
  };
}
