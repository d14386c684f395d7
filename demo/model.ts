/**
 * What the demo page computes, with spikewasm's public API only (src/index.ts), in the page's thread:
 *
 *   prepareModel  ONNX bytes → importOnnx → requireConvertible → createAnnRunner (WASM DNN) → activations of
 *                 the calibration images (MNIST *training* images) → convertAnn with the CLI's defaults
 *                 (99.9th-percentile normalisation per layer, reset by subtraction, spiking output, biases as
 *                 currents) → a Simulator for one sample; quantizeGraph and mapToLoihi(LOIHI) once per model.
 *   runInput      one 28×28 input: the SNN for T steps (current coding, the CLI's default) with every spike
 *                 recorded; the DNN's own prediction; the quantised net bit-exactly on the integer engine
 *                 (evaluateLoihi, regular spike input at rate 1: what `spikewasm run --target loihi` does)
 *                 and its cost for this input: the deployed system in flow host (NengoLoihi/NxSDK, input streamed
 *                 from the host) and on chip only (flow chip, the lower bound) — flowsOfEvaluation with LOIHI.
 *
 * The simulation is one Simulator.run of T steps (the Simulator resets per run, so T runs of one step
 * would not continue each other); the page replays the recorded spikes step by step.
 */
import {
  type AnnGraph, type AnnRunner, LOIHI, type LoihiGraph, type LoihiMapping, type SnnGraph, Simulator, argmax, convertAnn, createAnnRunner,
  evaluateLoihi, flowsOfEvaluation, importOnnx, inputLayersOf, loihiActivity, mapToLoihi, quantizeGraph, requireConvertible,
} from "../src/index.js";

/** Samples per chunk of the calibration pass (the CLI uses the same). */
export const CALIBRATION_BATCH = 64;
/** Neurons shown per hidden layer in the raster (evenly spaced among those that fired). */
export const RASTER_ROWS = 32;

/** A converted model, ready to run inputs. */
export interface DemoModel {
  ann: AnnGraph;
  runner: AnnRunner;
  snn: SnnGraph;
  sim: Simulator;
  lg: LoihiGraph;
  mapping: LoihiMapping;
  /** milliseconds of each preparation stage */
  timings: { import: number; calibration: number; conversion: number; loihi: number };
}

/** Spikes of one layer, for the raster. */
export interface RasterLayer {
  id: string;
  kind: string;
  shape: number[];
  neurons: number;
  /** neurons that fired at least once */
  active: number;
  /** [C, H, W] indices of the neurons shown, ascending */
  shown: number[];
  /** [step (1..T), row in `shown`] of every spike of a shown neuron */
  spikes: [number, number][];
  /** spikes of the whole layer at each step, [T] */
  spikesPerStep: Int32Array;
}

/** Everything the page shows for one input. */
export interface InputResult {
  steps: number;
  /** cumulative output spike counts after each step, [T][10] */
  counts: Int32Array;
  /** output membrane after each step, [T][10] */
  membrane: Float32Array;
  /** the SNN's class after T steps: most spikes, ties broken by the higher membrane, then the lower index */
  prediction: number;
  dnnPrediction: number;
  layers: RasterLayer[];
  loihi: {
    prediction: number; energyJ: number; latencyS: number; powerW: number; cores: number; chips: number; chipSteps: number;
    /** the same inference on chip only (flow chip: I/O excluded, the lower bound) */
    chipEnergyJ: number; chipLatencyS: number;
    synops: number; spikes: number;
  };
  /** milliseconds: the SNN run, and the bit-exact Loihi run with its costing */
  simMs: number;
  loihiMs: number;
}

/** Imports and converts the model; `calibration` holds `count` preprocessed training images. */
export async function prepareModel(onnx: Uint8Array, calibration: Float32Array, count: number): Promise<DemoModel> {
  let t = performance.now();
  const lap = () => { const now = performance.now(), d = now - t; t = now; return d; };
  const ann = requireConvertible(importOnnx(onnx, "mnist_cnn.onnx"));
  const tImport = lap();
  const runner = await createAnnRunner(ann, CALIBRATION_BATCH);
  const acts = runner.run(calibration, count, true);
  const tCal = lap();
  const { snn } = convertAnn(ann, acts, count);
  const sim = await Simulator.create(snn, { batch: 1 });
  const tConv = lap();
  const lg = quantizeGraph(snn);
  const mapping = mapToLoihi(snn, LOIHI);
  return { ann, runner, snn, sim, lg, mapping, timings: { import: tImport, calibration: tCal, conversion: tConv, loihi: lap() } };
}

/** Class with the most spikes, ties broken by the higher membrane, then the lower index (the CLI's "count" readout). */
export function readout(counts: ArrayLike<number>, membrane: ArrayLike<number>, off: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) {
    const a = counts[off + i], b = counts[off + best];
    if (a > b || (a === b && membrane[off + i] > membrane[off + best])) best = i;
  }
  return best;
}

/** Runs one input (784 values in [0, 1], [1, 28, 28] order) for T steps on the SNN, the DNN and the Loihi estimate. */
export async function runInput(m: DemoModel, x: Float32Array, T: number): Promise<InputResult> {
  const t0 = performance.now();
  const r = m.sim.run(x, { steps: T, coding: "current", recordSpikes: true });
  const simMs = performance.now() - t0;
  const nOut = r.output.size;
  const prediction = readout(r.output.counts, r.output.membrane, (T - 1) * nOut, nOut);
  const dnnPrediction = argmax(m.runner.run(x, 1, false).get(m.ann.output ?? m.ann.nodes[m.ann.nodes.length - 1].id)!, 1)[0];
  const layers = r.layers.map((l, li): RasterLayer => {
    const isOut = li === r.layers.length - 1;
    const active: number[] = [];
    for (let j = 0; j < l.size; j++) if (l.spikeCounts[j] > 0) active.push(j);
    const k = isOut ? l.size : Math.min(RASTER_ROWS, active.length);
    const shown = isOut ? Array.from({ length: l.size }, (_, j) => j) : Array.from({ length: k }, (_, i) => active[Math.floor((i * active.length) / k)]);
    const row = new Map(shown.map((j, i) => [j, i]));
    const spikes: [number, number][] = [];
    const tr = l.spikeTrain!;
    for (let t = 1; t <= T; t++) {
      for (let i = tr.offsets[t - 1]; i < tr.offsets[t]; i++) {
        const rr = row.get(tr.indices[i]);
        if (rr !== undefined) spikes.push([t, rr]);
      }
    }
    return { id: l.id, kind: l.kind, shape: [...l.shape], neurons: l.size, active: active.length, shown, spikes, spikesPerStep: l.spikesPerStep.slice() };
  });
  const t1 = performance.now();
  const ev = await evaluateLoihi(m.lg, x, [0], 1, { steps: T, rate: 1, batch: 1 });
  const activity = loihiActivity(ev, T);
  const flows = flowsOfEvaluation(m.mapping, ev, T, inputLayersOf(m.snn), LOIHI, "host");
  const cost = flows.flows.host, chip = flows.flows.chip, cores = m.mapping.coresUsed, chips = m.mapping.chipsUsed;
  const loihiMs = performance.now() - t1;
  return {
    steps: T, counts: r.output.counts, membrane: r.output.membrane, prediction, dnnPrediction, layers, simMs, loihiMs,
    loihi: {
      prediction: ev.predictions[0], energyJ: cost.energyPerInferenceJ, latencyS: cost.latencyS, powerW: cost.powerW, cores, chips,
      chipEnergyJ: chip.energyPerInferenceJ, chipLatencyS: chip.latencyS,
      chipSteps: T + m.lg.latency, synops: activity.reduce((a, l) => a + l.synops, 0), spikes: activity.reduce((a, l) => a + l.spikes, 0),
    },
  };
}
