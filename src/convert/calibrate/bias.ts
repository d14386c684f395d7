/**
 * Bias correction of a converted SNN on calibration images.
 *
 * Source: Li, Deng, Dong, Gong, Gu, "A Free Lunch From ANN: Towards Efficient, Accurate Spiking Neural
 * Networks Calibration", ICML 2021, §4.2 "light calibration pipeline" (bias correction): the SNN's
 * expected output differs from the ANN's by a per-channel offset (the floor quantisation of the rate, the
 * clipping, and the errors of the layers before); adding the mean difference to the bias removes it.
 * Layer by layer in topological order, for every weighted spiking layer l (dense, conv2d):
 *   run the SNN (with the corrections of the layers before l) on the calibration images for T steps,
 *   e_c = mean over images and positions of channel c of [ clip(k·a/λ_c, 0, 1) − n/T ]
 *   (a: the ANN activation, λ_c its normalisation, k the rate scale, n the neuron's spike count),
 *   b_c ← b_c + e_c  (the SNN bias is a current per step in threshold units, so e_c is in the same units).
 * A dense layer's channels are its units. The clipped target is what the SNN can represent (rate ≤ 1).
 * Li et al.'s potential correction (an initial membrane of T·e_c) has the same total effect over the run;
 * only the per-step bias form is implemented. Pool, add and concat relays carry no bias: not corrected.
 */
import type { Activations } from "../../ann/infer.js";
import { SpikewasmError } from "../../errors.js";
import type { SnnGraph, SnnNode } from "../../ir/graph.js";
import type { InputCoding } from "../../sim/input.js";
import { Simulator } from "../../sim/simulator.js";

/** How the calibration runs are simulated (the same coding as the evaluation). */
export interface BiasCorrectionOptions {
  timesteps: number;
  /** calibration images used (the first ones) */
  samples: number;
  batch?: number;
  coding?: InputCoding;
  rate?: number;
  seed?: number;
  /** firing-rate scale k of the conversion (default 1) */
  rateScale?: number;
}

/** What the correction did to one layer. */
export interface BiasCorrectionLayer {
  id: string;
  /** mean over channels of |e_c| before this layer's correction (rate units: spikes per step) */
  meanAbsError: number;
  /** mean over channels of e_c, the average bias change */
  meanShift: number;
}

/**
 * Returns a copy of `snn` with corrected biases (module header). `acts` are the ANN activations of the
 * calibration images (at least `o.samples` of them, [B][size] per node id, [C, H, W] order), `lambdas`
 * the conversion's λ per node; `images` the same images in the model's input order.
 */
export async function correctBiases(snn: SnnGraph, acts: Activations, lambdas: { id: string; lambda: number[] }[],
  images: Float32Array, o: BiasCorrectionOptions): Promise<{ snn: SnnGraph; layers: BiasCorrectionLayer[] }> {
  const T = o.timesteps, N = o.samples, k = o.rateScale ?? 1;
  if (!Number.isInteger(N) || N < 1) throw new SpikewasmError(`bias correction needs calibration images: samples must be an integer >= 1, got ${N}`);
  const nodes: SnnNode[] = snn.nodes.map((n) => ({ ...n }));
  const g: SnnGraph = snn.output === undefined ? { nodes } : { nodes, output: snn.output };
  const batch = Math.min(o.batch ?? 32, N);
  const layers: BiasCorrectionLayer[] = [];
  for (const node of nodes) {
    if (node.kind !== "dense" && node.kind !== "conv2d") continue;
    if (node.neuron.model === "cond_exp") throw new SpikewasmError(`bias correction: layer '${node.id}' is conductance-based (cond_exp); the correction applies to IF/LIF layers`);
    if (node.neuron.spiking === false) continue; // a membrane readout has no rate to correct
    const a = acts.get(node.id);
    const lam = lambdas.find((l) => l.id === node.id)?.lambda;
    if (!a || !lam) throw new SpikewasmError(`bias correction: no calibration activations or λ for layer '${node.id}'`);
    const C = node.kind === "dense" ? node.units : node.outChannels;
    const sim = await Simulator.create(g, { batch });
    const pi = sim.plan.pops.findIndex((p) => p.id === node.id);
    const n = sim.plan.pops[pi].n, per = n / C, nIn = sim.plan.input.n;
    if (a.length < N * n) throw new SpikewasmError(`bias correction: layer '${node.id}' has activations of ${a.length / n} images, ${N} needed`);
    const diff = new Float64Array(C);
    for (let s0 = 0; s0 < N; s0 += batch) {
      const B = Math.min(batch, N - s0);
      const r = sim.run(images.subarray(s0 * nIn, (s0 + B) * nIn), { steps: T, coding: o.coding, rate: o.rate, seed: (o.seed ?? 0) + s0, recordOutputPerStep: false });
      const counts = r.layers[pi].spikeCounts;
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < n; j++) {
          const c = Math.floor(j / per);
          const target = Math.min(1, Math.max(0, (k * a[(s0 + b) * n + j]) / (lam.length === 1 ? lam[0] : lam[c])));
          diff[c] += target - counts[b * n + j] / T;
        }
      }
    }
    const e = Array.from(diff, (d) => d / (N * per));
    const old = node.bias;
    node.bias = Float32Array.from(e, (x, c) => (old ? old[c] : 0) + x);
    layers.push({ id: node.id, meanAbsError: e.reduce((s, x) => s + Math.abs(x), 0) / C, meanShift: e.reduce((s, x) => s + x, 0) / C });
  }
  return { snn: g, layers };
}
