/**
 * Local threshold balancing — normalization "ltb".
 *
 * Source: Bu, Li, Yu, "Inference-Scale Complexity in ANN-SNN Conversion for High-Performance and
 * Low-Power Applications", CVPR 2025 (arXiv 2409.03368), the "local threshold balancing algorithm" with
 * channel-wise thresholds; read in the authors' code, github.com/putshua/Inference-scale-ANN-SNN
 * (layers.py SpikingNeuron*.optimize, utils.py weight_scaling_iter), not in the paper's own pseudo-code,
 * whose text we could not retrieve. What the code does, and what is implemented here:
 *   every ReLU becomes a clipping neuron clip(x, 0, θ) with θ = 0 at the start (one θ per layer, or per
 *   channel: per unit of a linear layer, per channel of a conv layer); the calibration images go through
 *   the ANN in mini-batches of 100, and at each neuron layer, in order, before clipping the batch,
 *     θ_c ← θ_c + c · 2 · mean_{images, positions of c} [ (x − θ_c) · 1(x > θ_c) ]     (c = 1)
 *   — one gradient step, learning rate c, on the layer's local clipping loss ‖clip(x, 0, θ) − x‖² —, then
 *   the batch is clipped with the new θ and passed on, so each layer balances its threshold against the
 *   clipped output of the layers before it ("local": no gradient flows between layers). The authors' demo
 *   runs 10 + 2 such batches (iter = 10); their ImageNet script 4,000. The update only ever raises θ, so the
 *   number of batches sets how far θ climbs into the activation tail: it is the method's one knob here,
 *   `iterations` (batches of 100, cycling through the calibration images when fewer are given). Default 40,
 *   chosen on calibration (training) images only: the first 1,000 MNIST training images, T = 8, θ/2, SNN
 *   accuracy on those same images for 10 / 40 / 160 batches — bundled CNN 95.6 / 98.8 / 98.6 %,
 *   784-100-100-10 MLP 98.3 / 98.6 / 98.7 % (DNN 99.0 / 98.8 %).
 * Applied as thresholds, the SNN's λ_l = θ_l (per layer, or per channel where channelWiseLayers allows it;
 * src/convert/convert.ts), on every hidden node that gets a λ of its own: dense, conv2d and add. The
 * output layer has no clipping neuron in the authors' networks (their readout accumulates the output
 * layer's input), so it gets no θ here: it keeps the run's percentile λ (convertAnn). Not implemented from the paper: its pre-neuron max pooling (max pooling
 * here is gated in the SNN) and its delayed evaluation, which is the separate readout delay
 * (src/convert/evaluate.ts). The authors' SNN starts its membrane at θ/2; here that is the separate
 * vInit knob. A layer whose θ stays 0 (never positive on the calibration images) gets λ = 1, as the
 * percentile normalisation does, and the report notes it.
 */
import { inferAnn } from "../../ann/infer.js";
import { SpikewasmError } from "../../errors.js";
import type { AnnGraph } from "../../ir/ann.js";
import { shapeSize } from "../../ir/graph.js";
import { channelWiseLayers } from "../convert.js";

/** Options of the balancing (the authors' defaults). */
export interface LtbOptions {
  /** one θ per layer (default) or per channel where the layer takes them */
  granularity?: "layer" | "channel";
  /** mini-batches of calibration images (default 40) */
  iterations?: number;
  /** images per mini-batch (default 100) */
  batch?: number;
  /** learning rate c of the update (default 1) */
  rate?: number;
}

/** What the balancing gave one layer (ANN units). */
export interface LtbLayer {
  id: string;
  channels: number;
  min: number;
  mean: number;
  max: number;
}

/** The thresholds per node id and what the report says about them. */
export interface LtbResult {
  thresholds: Map<string, number[]>;
  layers: LtbLayer[];
  iterations: number;
  batch: number;
  /** calibration images the batches came from */
  images: number;
  notes: string[];
}

export const LTB_DEFAULTS = { iterations: 40, batch: 100, rate: 1 } as const;

/**
 * Local threshold balancing (module header) on the first `count` calibration images (`images`, raw values
 * in the model's input order, count × input size).
 */
export function ltbThresholds(ann: AnnGraph, images: Float32Array, count: number, o: LtbOptions = {}): LtbResult {
  const iterations = o.iterations ?? LTB_DEFAULTS.iterations, batch = o.batch ?? LTB_DEFAULTS.batch, c = o.rate ?? LTB_DEFAULTS.rate;
  if (!(count >= 1)) throw new SpikewasmError("local threshold balancing needs calibration data (calibration images of the training set): none given");
  if (!Number.isInteger(iterations) || iterations < 1) throw new SpikewasmError(`local threshold balancing: iterations must be an integer >= 1, got ${iterations}`);
  if (!Number.isInteger(batch) || batch < 1) throw new SpikewasmError(`local threshold balancing: batch must be an integer >= 1, got ${batch}`);
  if (!(c > 0 && Number.isFinite(c))) throw new SpikewasmError(`local threshold balancing: rate must be a finite number > 0, got ${c}`);
  const inNode = ann.nodes.find((n) => n.kind === "input");
  if (!inNode || inNode.kind !== "input") throw new SpikewasmError("the model has no input node");
  const nIn = shapeSize(inNode.shape);
  if (images.length < count * nIn) throw new SpikewasmError(`local threshold balancing: ${images.length / nIn} calibration images given, ${count} asked`);
  const output = ann.output ?? ann.nodes[ann.nodes.length - 1].id;
  const chan = o.granularity === "channel" ? channelWiseLayers(ann) : new Set<string>();
  const theta = new Map<string, Float64Array>();
  const B = Math.min(batch, count);
  for (let it = 0; it < iterations; it++) {
    const s0 = ((it * B) % count), nb = Math.min(B, count - s0);
    inferAnn(ann, images.subarray(s0 * nIn, (s0 + nb) * nIn), nb, (node, y, shape) => {
      if (node.kind !== "dense" && node.kind !== "conv2d" && node.kind !== "add") return;
      if (node.id === output) return; // no clipping neuron at the output (header)
      const n = shapeSize(shape), C = chan.has(node.id) ? shape[0] : 1, per = n / C;
      let th = theta.get(node.id);
      if (!th) theta.set(node.id, (th = new Float64Array(C)));
      const over = new Float64Array(C);
      for (let b = 0; b < nb; b++)
        for (let j = 0; j < n; j++) {
          const ch = C === 1 ? 0 : Math.floor(j / per), x = y[b * n + j];
          if (x > th[ch]) over[ch] += x - th[ch];
        }
      for (let ch = 0; ch < C; ch++) th[ch] += c * 2 * (over[ch] / (nb * per));
      for (let b = 0; b < nb; b++)
        for (let j = 0; j < n; j++) {
          const ch = C === 1 ? 0 : Math.floor(j / per), i = b * n + j;
          if (y[i] > th[ch]) y[i] = th[ch];
        }
    });
  }
  const thresholds = new Map<string, number[]>(), layers: LtbLayer[] = [], notes: string[] = [];
  for (const [id, th] of theta) {
    const zero = Array.from(th).filter((x) => !(x > 0)).length;
    if (zero) notes.push(`ltb: layer '${id}': ${zero} of ${th.length} threshold(s) stayed 0 (never positive on the calibration images): λ = 1 there`);
    const l = Array.from(th, (x) => (x > 0 ? x : 1));
    thresholds.set(id, l);
    layers.push({ id, channels: l.length, min: Math.min(...l), mean: l.reduce((a, x) => a + x, 0) / l.length, max: Math.max(...l) });
  }
  return { thresholds, layers, iterations, batch: B, images: Math.min(count, iterations * B), notes };
}
