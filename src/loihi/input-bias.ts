/**
 * Input as bias current (quantize option inputMode "bias", the NxTF way; rules in src/loihi/quantize.ts's
 * header): the layers fed by the input get W·x + b times their scale as a per-compartment, per-sample bias
 * instead of synapses from input spikes.
 */
import { inferAnn } from "../ann/infer.js";
import { SpikewasmError } from "../errors.js";
import type { AnnGraph } from "../ir/ann.js";
import type { Conv2dNode, DenseNode, PoolNode, Shape } from "../ir/graph.js";
import { shapeSize } from "../ir/graph.js";
import type { LayerQuantization, LoihiLayer, NeuronRegs } from "./quantize.js";
import { BIAS_MANT_MAX, initialVoltage, resetLabel, roundHalfAway, subtractConnection } from "./scale.js";

/** Threshold mantissa of the layers fed by a bias input: 4θ per step fits the bias range (module header). */
export const INPUT_BIAS_VTH_MANT = 2047;
/** The same with reset by subtraction emulated: 255·2^3, so that −vth is an 8-bit self weight. */
export const INPUT_BIAS_VTH_MANT_SUBTRACT = 2040;
const BIAS_VALUE_MAX = BIAS_MANT_MAX * 2 ** 7;

/**
 * A layer fed by the input in input mode "bias": no synapses (its weights act on the host), scale
 * s = INPUT_BIAS_VTH_MANT·64/θ, and the current W·x + b times s as a one-layer ANN evaluated per sample.
 */
export function inputBiasLayer(n: DenseNode | Conv2dNode | PoolNode, node: DenseNode | Conv2dNode, src: string, inS: Shape, outS: Shape,
  regs: NeuronRegs): { layer: LoihiLayer; rep: LayerQuantization } {
  if (regs.decayU !== 4095) throw new SpikewasmError(`quantize: input "bias": layer '${n.id}' has a synaptic filter (synDecay ${n.neuron.synDecay}); a bias current bypasses it — convert without --synapse-tau`);
  if (regs.membrane) throw new SpikewasmError(`quantize: input "bias": the output layer '${n.id}' reads the input directly; a membrane readout needs at least one layer between them`);
  const th = n.neuron.threshold, vthMant = regs.subtract ? INPUT_BIAS_VTH_MANT_SUBTRACT : INPUT_BIAS_VTH_MANT, s = (vthMant * 64) / th;
  const units = node.kind === "dense" ? node.units : node.outChannels;
  const scaled = Float32Array.from(node.weights, (w) => w * s);
  const bias = node.bias ? Float32Array.from(node.bias, (b) => b * s) : undefined;
  const inputCurrent: AnnGraph = {
    nodes: [{ kind: "input", id: src, shape: inS },
      node.kind === "dense"
        ? { kind: "dense", id: n.id, input: src, units: node.units, weights: scaled, bias, activation: "none" }
        : { kind: "conv2d", id: n.id, input: src, outChannels: node.outChannels, kernel: node.kernel, stride: node.stride ?? [1, 1],
          padding: node.padding ?? [0, 0, 0, 0], dilation: node.dilation ?? [1, 1], groups: node.groups ?? 1, weights: scaled, bias, activation: "none" }],
    output: n.id,
  };
  const zeros = new Int32Array(node.weights.length);
  const intNode: DenseNode | Conv2dNode = { ...node, weights: new Float32Array(node.weights.length), bias: undefined };
  const layer: LoihiLayer = { id: n.id, kind: n.kind === "pool" ? "pool" : n.kind, src, shape: outS, mant: zeros, wExp: 0, node: intNode, vthMant,
    biasMant: new Int32Array(units), biasExp: new Int32Array(units), decayU: regs.decayU, decayV: regs.decayV, refractDelay: regs.refractDelay,
    vInit: initialVoltage(n.id, n.neuron, s), membrane: false, subtract: subtractConnection(n.id, regs.subtract, vthMant), inputCurrent };
  let maxW = 0;
  for (const w of node.weights) maxW = Math.max(maxW, Math.abs(w));
  const rep: LayerQuantization = { id: n.id, kind: layer.kind, src, nSrc: shapeSize(inS), n: shapeSize(outS), fanIn: 0, wExp: 0, scale: s, threshold: th, vthMant,
    maxAbsWeight: maxW, weights: 0, rounded: 0, zeroed: 0, saturated: 0, weightRmsError: 0, biases: units, biasRounded: 0, biasSaturated: 0, biasExpMax: 7,
    worstStep: BIAS_VALUE_MAX, overflowRisk: 0, decayU: regs.decayU, decayV: regs.decayV, refractDelay: regs.refractDelay,
    reset: resetLabel(regs) };
  return { layer, rep };
}

/**
 * The per-sample biases of an input-fed layer in input mode "bias": W·x + b times s for each of the
 * `count` samples of x ([C, H, W] order), as biasMant·2^biasExp with the smallest biasExp in 0..7 whose
 * mantissa fits 13 bits (saturating at ±4095·2^7). Returns the integer biases [count][n] ([C, H, W]) and
 * the mantissas and exponents.
 */
export function inputBiases(l: LoihiLayer, x: Float32Array, count: number): { value: Int32Array; mant: Int32Array; exp: Int32Array; saturated: number } {
  if (!l.inputCurrent) throw new SpikewasmError(`inputBiases: layer '${l.id}' is not fed by a bias input`);
  const cur = inferAnn(l.inputCurrent, x, count).get(l.id)!;
  const value = new Int32Array(cur.length), mant = new Int32Array(cur.length), exp = new Int32Array(cur.length);
  let saturated = 0;
  for (let i = 0; i < cur.length; i++) {
    const c = cur[i];
    let e = 0;
    while (e < 7 && Math.abs(c) / 2 ** e > BIAS_MANT_MAX) e++;
    let m = roundHalfAway(c / 2 ** e);
    if (Math.abs(m) > BIAS_MANT_MAX) { m = Math.sign(m) * BIAS_MANT_MAX; saturated++; }
    mant[i] = m === 0 ? 0 : m;
    exp[i] = e;
    value[i] = m * 2 ** e;
  }
  return { value, mant, exp, saturated };
}

