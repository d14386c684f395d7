/**
 * Quantisation of a converted (float) SNN into integer Loihi layers (issue #4, item 3): networks of
 * dense, conv2d and average/sum pooling layers (and flatten). The integer layers run on the bit-exact
 * engine (src/loihi/engine.ts) or, written as a Loihi net, on simulateLoihi (src/loihi/net.ts).
 *
 * Rules, per layer (one Loihi block, one connection from its source). A "unit" is a dense neuron, or a
 * conv channel (its neurons share one kernel slice and bias); a pool is a depthwise convolution with
 * one constant weight (avg 1/(KH·KW), sum 1) and threshold as converted; a residual add is one block with
 * a one-to-one connection per input (one weight each: the input's scale; see quantizeAdd), and so is a
 * channel concat (each input into its channel slice); max pooling is refused (its gate needs running
 * spike counts, which compartments do not keep), and so are recurrent and conductance-based layers.
 *   scale    the layer's integers are its floats times s (units of v per unit of float potential). A spike
 *            is binary, so every layer has its own s: only its incoming weights, bias and threshold share it.
 *   wExp     for a candidate e in 7..0, s0 = 255·2^(6+e)/max|w| makes the largest |w| exactly the 8-bit
 *            magnitude 255. The threshold mantissa is vthMant = floor(θ·s0/64) and s = vthMant·64/θ (≤ s0),
 *            so the threshold is exact (vth = vthMant·2^6 = θ·s) and no weight exceeds 255 from scaling.
 *            The chosen e is the largest one for which vthMant ≤ 2^17 − 1 and the worst step (every source
 *            spiking at once: Σ of a unit's positive resp. negative integer weights + bias + rounding slack)
 *            stays inside q's 21 bits + sign and vth + worst positive step ≤ vmax (2^23 − 1, vmaxExp 7).
 *            A larger e means a larger s: a finer threshold and bias relative to the weights (the weights
 *            always have 8 bits). If even e = 0 does not fit, e stays 0 and s shrinks to the largest value
 *            that fits (the largest mantissa is then below 255). Negative exponents are never chosen: the
 *            chip shifts the mantissa right arithmetically, so e < 0 only drops bits (e = −1 is e = 0 with
 *            mantissas ≤ 127); a user-given e < 0 uses mantissas k·2^−e, |k| ≤ 255 >> −e, which shift exactly.
 *   weights  k = round(w·s / (64·2^e)) clipped to ±255 (round half away from zero); counted: `rounded`
 *            (k ≠ exact value), `zeroed` (w ≠ 0 but k = 0), `saturated` (|exact| > 255, clipped; never
 *            with the automatic choice, which makes max|w| land on 255 or below).
 *   bias     b·s = biasMant·2^biasExp with the smallest biasExp in 0..7 for which |b·s|/2^biasExp ≤ 4095
 *            (13-bit signed mantissa, the finest step that fits); beyond 4095·2^7 it saturates (counted).
 *   neuron   IF: decayU = 4095 (with the emulator's offset of 1 the current decays by (4095 − 4095)/4096,
 *            i.e. u is cleared and holds exactly one step's input: an instantaneous synapse); a synaptic
 *            filter synDecay maps to decayU = 4095 − round(4096·synDecay). decayV = 0: v·(4096 − 0) >> 12
 *            is exactly v, so an IF neuron loses nothing (the 1/4096-per-step loss of the offset applies
 *            to u only); LIF leak maps to decayV = round(4096·(1 − leak)). refractDelay = refractory + 1
 *            (1 = no hold). vmaxExp = 7 (the largest vmax, 2^23 − 1); vminExp = 23 (vmin = −2^23 + 1, the
 *            24-bit v register of the chip; more negative potentials are clipped, which the float IF
 *            does not do — only neurons inhibited by more than vmin/vth thresholds are affected).
 *   reset    Loihi resets to 0 (v = 0 after a spike); reset "value" with vReset 0 is native. Reset by
 *            subtraction (the converter's default) is not: with `reset: "zero"` (default) the quantised net
 *            falls back to reset to zero and the report says so (`report.reset`). With `reset: "subtract"`
 *            it is emulated the NxTF way (Rueckauer et al. 2021, "NxTF: an API and compiler for deep spiking
 *            neural networks on Intel Loihi"): each neuron is two compartments, an integrating dendrite that
 *            never resets and a soma that spikes when the dendrite's v passes vth, plus a self-connection of
 *            weight −vth from the soma to the dendrite. Every connection delays by one step, so the −vth of a
 *            spike at step t lands in q at t + 1, before that step's compare: with a = the dendrite's v,
 *            a_t = a_(t−1) + I_t − vth·s_(t−1) and s_t = [a_t > vth], i.e. v_t = a_t − vth·s_t is exactly the
 *            subtractive IF (v_t = v_(t−1) + I_t, spike and v −= vth). Modelled as one block with keepVoltage
 *            (assembly/loihi.ts keepV) and that self-connection; the soma's own arithmetic (the join of the
 *            two compartments) is not modelled beyond "spikes when the dendrite's v > vth". The self weight
 *            must be exactly −vth = −vthMant·2^6 in 8 bits: vthMant = m·2^e with m ≤ 255, e ≤ 7 (vthMant ≤
 *            32640), so the scale rule rounds vthMant down to such a value, and q's range must hold the worst
 *            negative step plus vth. Costs: two compartments per neuron, one more synapse, input and output
 *            axon per neuron, one more synaptic event per spike (src/targets/mapping.ts, cost.ts). Layers with
 *            a refractory period (a hold would zero the dendrite) keep the fallback, named in the report.
 *   firing   float: spike when v ≥ θ; Loihi: when v > vth. With vth = θ·s exactly the two differ only when
 *            the integer v equals vth.
 *   vInit    the float initial potential (e.g. θ/2, Bu et al. AAAI 2022) becomes the initial voltage
 *            round(vInit·s) (θ/2 → vthMant·2^5 exactly), written into v before the run (the chip's v state;
 *            for an IF compartment the same as a one-step bias of that size before the first input).
 *   membrane a non-spiking output layer (membrane readout) is a block with the largest threshold
 *            (vthMant 2^17 − 1) and s chosen from its weights and q's range only; the readout value of
 *            unit j is counts_j·vth + v_j (every threshold crossing counted back, reset to 0 loses nothing
 *            but the clip at vmax of the crossing step), so it stands for the float membrane.
 *   input    "spikes" (default): regular rate coding, one input axon per value. "bias" (the NxTF way,
 *            Rueckauer et al. 2021): the layers fed by the input get W·x + b as a bias current per
 *            compartment and sample, computed on the host with the float weights times s, as
 *            biasMant·2^biasExp (13-bit mantissa, the smallest exponent that fits, saturating beyond
 *            4095·2^7); no input axons or synapses. Their scale puts vth at 2047·2^6 so that a current of
 *            4θ per step still fits the bias range. Layer 1 integrates the image from step 1: the latency
 *            is one step shorter. It needs an instantaneous synapse (no synaptic filter) on those layers.
 *            With Loihi's reset to zero a constant current aliases (rate 1/ceil(θ/x): every x in (θ/2, θ)
 *            fires every other step), which spike-train input dithers away: on the bundled CNN bias input
 *            measured below spike input (bench/RESULTS.md, "Few timesteps"); with reset "subtract" it is the best recipe
 *            measured (98.85 % at T = 16 on the bundled CNN against 98.60 % with spike input).
 * Files: the per-layer scale, weight/bias mantissas and initial voltage are in ./scale.ts; input as bias
 * current in ./input-bias.ts; this module walks the graph and writes the report.
 */
import { SpikewasmError } from "../errors.js";
import { checkGraph } from "../ir/check.js";
import type { AnnGraph } from "../ir/ann.js";
import type { AddNode, ConcatNode, Conv2dNode, DenseNode, NeuronParams, PoolNode, Shape, SnnGraph, SnnNode } from "../ir/graph.js";
import { isPopulation, shapeSize } from "../ir/graph.js";
import { inputBiasLayer } from "./input-bias.js";
import { type FloatLayer, initialVoltage, quantizeWeights, resetLabel, subtractConnection } from "./scale.js";

/** Options of quantizeGraph / quantizeToLoihi. */
export interface QuantizeOptions {
  /** weight exponent for every layer, or "auto" (default): the rule in the module header */
  wExp?: number | "auto";
  /** one sample's input values to encode into the LoihiNet's input spike trains (quantizeToLoihi only) */
  input?: ArrayLike<number>;
  /** coding steps T for `input` (default 64) */
  steps?: number;
  /** spike probability per step of an input of value 1 (default 1) */
  rate?: number;
  /** how the input reaches the first layers: "spikes" (default, regular rate coding) or "bias" (module header) */
  inputMode?: "spikes" | "bias";
  /** layers that reset by subtraction: "zero" (default) falls back to Loihi's reset to zero, "subtract" emulates it (module header) */
  reset?: "zero" | "subtract";
  /** with reset "subtract": emulate it only in these layers (ids), the others fall back to zero (default: every layer) */
  subtractLayers?: string[];
}

/** What quantisation did to one layer (dense, conv2d, or a pool run as a depthwise convolution). */
export interface LayerQuantization {
  id: string;
  kind: "dense" | "conv2d" | "pool" | "add" | "concat";
  /** source (input or layer) name */
  src: string;
  /** source neurons (flat) */
  nSrc: number;
  /** neurons of the layer */
  n: number;
  /** synapses per neuron (dense: nSrc; conv/pool: Cin/groups × KH × KW) */
  fanIn: number;
  wExp: number;
  /** integers per unit of float potential */
  scale: number;
  threshold: number;
  vthMant: number;
  maxAbsWeight: number;
  /** distinct weights (dense: nSrc × n; conv/pool: kernel entries) */
  weights: number;
  rounded: number;
  zeroed: number;
  saturated: number;
  /** RMS of (quantised − float) weight, relative to max|w| */
  weightRmsError: number;
  /** distinct biases (dense: n; conv: channels) */
  biases: number;
  biasRounded: number;
  biasSaturated: number;
  /** largest biasExp used */
  biasExpMax: number;
  /** worst one-step input magnitude (all sources spiking), integer units */
  worstStep: number;
  /** units (dense neurons or conv channels) whose worst step could wrap q (21 bits) or exceed vmax */
  overflowRisk: number;
  decayU: number;
  decayV: number;
  refractDelay: number;
  /** "zero": native reset to 0; "zero (fallback from subtract)": the float layer resets by subtraction;
   *  "subtract (two compartments)": emulated the NxTF way (module header) */
  reset: "zero" | "zero (fallback from subtract)" | "subtract (two compartments)";
}

/** The quantisation report. */
export interface QuantizeReport {
  layers: LayerQuantization[];
  reset: { fallback: boolean; layers: string[]; note: string; mode: "zero" | "subtract"; emulated: string[] };
  /** steps the output lags behind the input */
  latency: number;
  inputMode: "spikes" | "bias";
  readout: "count" | "membrane";
  notes: string[];
}

/** One quantised layer: its integer registers and the node the integer engine runs. */
export interface LoihiLayer {
  id: string;
  kind: "dense" | "conv2d" | "pool" | "add" | "concat";
  /** the input or layer it reads (flatten nodes resolved); an add's or concat's first input */
  src: string;
  /** an add's or concat's inputs (flatten nodes resolved), one weight mantissa each in `mant` */
  srcs?: string[];
  /** output shape ([units] or [C, H, W]) */
  shape: Shape;
  /** weight mantissas, in the layout of `node.weights` (dense [in][out], conv [Cout][Cin/g][KH][KW]) */
  mant: Int32Array;
  wExp: number;
  /** the node of `LoihiGraph.graph`: a dense or conv2d node (a pool becomes a depthwise conv2d) whose
   *  weights are the effective integers mant·2^(6+wExp) (exact in float32: |w| ≤ 255·2^13 < 2^24), no bias */
  node: DenseNode | Conv2dNode | AddNode | ConcatNode;
  vthMant: number;
  /** per unit (dense) or channel (conv/pool); one zero for an add */
  biasMant: Int32Array;
  biasExp: Int32Array;
  decayU: number;
  decayV: number;
  refractDelay: number;
  /** initial voltage (integer; 0 unless the float layer starts at vInit ≠ 0) */
  vInit: number;
  /** non-spiking output (membrane readout): the largest threshold, readout counts·vth + v */
  membrane: boolean;
  /** reset by subtraction emulated (module header): the self-connection's weight −mant·2^(6+wExp) = −vth; else null */
  subtract: { mant: number; wExp: number } | null;
  /**
   * input mode "bias", layers fed by the input: the host-side current W·x + b times s as a one-layer ANN
   * (float weights, activation none), evaluated per sample into per-compartment biases (inputBiases)
   */
  inputCurrent?: AnnGraph;
}

/** A quantised network: the integer layers, a graph for the engine's memory plan, and the report. */
export interface LoihiGraph {
  input: { id: string; shape: Shape; size: number };
  layers: LoihiLayer[];
  /** input, flatten and the layers' integer nodes, in order (for planMemory) */
  graph: SnnGraph;
  /** id of the output layer */
  output: string;
  /** steps the output lags behind the input (connections on the input → output path, one fewer with input "bias") */
  latency: number;
  /** how the input reaches the first layers (module header) */
  inputMode: "spikes" | "bias";
  /** "membrane" when the output layer is non-spiking (module header), else "count" */
  readout: "count" | "membrane";
  report: QuantizeReport;
}

export { VMAX_EXP, VMIN_EXP } from "./scale.js";

/** What the fallback to reset to zero loses, and the option that emulates subtraction. */
export const SUBTRACT_RESET_NOTE =
  "Loihi resets v to 0 after a spike; reset by subtraction (v -= θ) is not native, so the quantised net uses reset to zero " +
  "(the residual v − θ of each spike is lost, so rates fall below the float SNN's, most for neurons driven well above threshold). " +
  "--loihi-reset subtract emulates it the NxTF way (two compartments per neuron and a self-connection of weight −θ), exact up to " +
  "the integer rounding, at the price of twice the compartments, one more synapse per neuron and one more synaptic event per spike.";

/** The note when subtraction is emulated. */
export const SUBTRACT_EMULATED_NOTE =
  "reset by subtraction emulated the NxTF way (Rueckauer et al. 2021): per neuron an integrating dendrite that never resets, a soma " +
  "that spikes when the dendrite's v passes vth, and a self-connection of weight −vth that arrives one step later, before the next " +
  "compare (exactly the subtractive IF); priced as two compartments, one more synapse and axon per neuron and one synaptic event per spike.";

/** A layer's neuron registers, and whether it falls back from subtraction or is a membrane readout. */
export interface NeuronRegs { decayU: number; decayV: number; refractDelay: number; fallback: boolean; membrane: boolean; subtract: boolean }

function neuronRegs(id: string, nr: NeuronParams, isOutput = false, mode: "zero" | "subtract" = "zero"): NeuronRegs {
  if (nr.model === "cond_exp") throw new SpikewasmError(`quantize: layer '${id}' uses the conductance-based cond_exp neuron; Loihi's compartments are current-based (convert with the IF neuron for Loihi)`);
  if (nr.spiking === false && !isOutput) throw new SpikewasmError(`quantize: layer '${id}' is non-spiking but not the output; only the output layer can be read by its membrane on Loihi`);
  if (!Number.isFinite(nr.vInit ?? 0)) throw new SpikewasmError(`quantize: layer '${id}': vInit ${nr.vInit} is not finite`);
  const reset = nr.reset ?? "subtract";
  if (reset === "value" && (nr.vReset ?? 0) !== 0) throw new SpikewasmError(`quantize: layer '${id}': reset to ${nr.vReset} is not supported (Loihi resets to 0)`);
  const leak = nr.model === "lif" ? nr.leak ?? 1 : 1;
  const decayV = Math.round(4096 * (1 - leak));
  const decayU = 4095 - Math.round(4096 * (nr.synDecay ?? 0));
  const refractDelay = (nr.refractory ?? 0) + 1;
  if (decayV < 0 || decayV > 4095 || decayU < 0 || decayU > 4095) throw new SpikewasmError(`quantize: layer '${id}': leak/synDecay out of Loihi's decay range`);
  if (refractDelay > 63) throw new SpikewasmError(`quantize: layer '${id}': refractory ${nr.refractory} exceeds Loihi's 62 steps`);
  const membrane = nr.spiking === false;
  const subtract = reset === "subtract" && !membrane && mode === "subtract" && refractDelay === 1;
  return { decayU, decayV, refractDelay, fallback: reset === "subtract" && !membrane && !subtract, membrane, subtract };
}


/** A pool as a depthwise convolution with one constant weight (avg: 1/(KH·KW), sum: 1). */
function poolAsConv(p: PoolNode, channels: number): Conv2dNode {
  const [kh, kw] = p.kernel;
  const pad = p.padding ?? [0, 0, 0, 0];
  if (p.mode === "max")
    throw new SpikewasmError(`quantize: layer '${p.id}' is a max pool: spiking max pooling gates spikes by running counts, which Loihi's compartments do not do; convert with average pooling for Loihi (run --max-pool avg)`);
  if (p.mode === "avg" && p.countIncludePad === false && pad.some((x) => x !== 0))
    throw new SpikewasmError(`quantize: layer '${p.id}': average pooling with padding excluded from the count has a different weight per window; one weight per connection is needed on Loihi`);
  return {
    kind: "conv2d", id: p.id, input: p.input, outChannels: channels, kernel: [kh, kw], stride: p.stride ?? [kh, kw], padding: pad,
    groups: channels, weights: new Float32Array(channels * kh * kw).fill(p.mode === "sum" ? 1 : Math.fround(1 / (kh * kw))), neuron: p.neuron,
  };
}

/**
 * Quantises an SNN of dense, conv2d and average/sum pooling layers (and flatten) into integer Loihi
 * layers; the rules are in the module header. Max pooling, add, concat and recurrent layers are refused with the layer named.
 */
export function quantizeGraph(snn: SnnGraph, options: QuantizeOptions = {}): LoihiGraph {
  const shapes = checkGraph(snn);
  const rec = snn.nodes.filter((n) => isPopulation(n) && n.recurrent !== undefined);
  if (rec.length)
    throw new SpikewasmError(`quantize: recurrent layers are not supported on Loihi here (LoihiEngine runs feed-forward layers only): ${rec.map((n) => `'${n.id}' (${n.kind})`).join(", ")}`);
  const input = snn.nodes.find((n) => n.kind === "input")!;
  const inShape = shapes.shapes.get(input.id)!;
  const byId = new Map<string, SnnNode>(snn.nodes.map((n) => [n.id, n]));
  const depth = new Map<string, number>([[input.id, 0]]);
  const resolve = (id: string): string => { const n = byId.get(id)!; return n.kind === "flatten" ? resolve(n.input) : id; };
  const layers: LoihiLayer[] = [], reps: LayerQuantization[] = [];
  const nodes: SnnNode[] = [];
  const inputMode = options.inputMode ?? "spikes";
  if (inputMode !== "spikes" && inputMode !== "bias") throw new SpikewasmError(`quantize: inputMode must be "spikes" or "bias", got ${JSON.stringify(inputMode)}`);
  const outId = resolve(shapes.output);
  const resetMode = options.reset ?? "zero";
  if (resetMode !== "zero" && resetMode !== "subtract") throw new SpikewasmError(`quantize: reset must be "zero" or "subtract", got ${JSON.stringify(resetMode)}`);
  const only = options.subtractLayers;
  if (only) checkSubtractLayers(snn, only, "quantize: subtractLayers");
  const modeOf = (id: string) => (resetMode === "subtract" && (!only || only.includes(id)) ? "subtract" : "zero");
  for (const n of snn.nodes) {
    if (n.kind === "input" || n.kind === "flatten") { nodes.push(n); continue; }
    if (n.kind === "add" || n.kind === "concat") {
      if (inputMode === "bias" && n.inputs.some((id) => resolve(id) === input.id))
        throw new SpikewasmError(`quantize: input "bias": layer '${n.id}' (${n.kind}) reads the input directly; the input can be a bias current only of dense, conv2d or pool layers`);
      const a = quantizeAdd(n, resolve, options.wExp ?? "auto", shapes.shapes.get(n.id)!, modeOf(n.id));
      nodes.push(a.layer.node);
      depth.set(n.id, Math.max(...(a.layer.srcs ?? [a.layer.src]).map((x) => depth.get(x)!)) + 1);
      layers.push(a.layer);
      reps.push(a.rep);
      continue;
    }
    if (n.kind !== "dense" && n.kind !== "conv2d" && n.kind !== "pool") continue; // refused above
    const inS = shapes.shapes.get(n.input)!, outS = shapes.shapes.get(n.id)!;
    const node: DenseNode | Conv2dNode = n.kind === "pool" ? poolAsConv(n, inS[0]) : n;
    const src = resolve(n.input);
    const regs = neuronRegs(n.id, n.neuron, n.id === outId, modeOf(n.id));
    if (inputMode === "bias" && src === input.id) {
      const b = inputBiasLayer(n, node, src, inS, outS, regs);
      nodes.push(b.layer.node);
      depth.set(n.id, 1);
      layers.push(b.layer);
      reps.push(b.rep);
      continue;
    }
    let L: FloatLayer;
    if (node.kind === "dense") {
      L = { id: n.id, kind: "dense", threshold: n.neuron.threshold, weights: node.weights, bias: node.bias, units: node.units,
        fanIn: shapeSize(inS), unitOfWeight: (i) => i % node.units, membrane: regs.membrane, subtract: regs.subtract };
    } else {
      const per = (inS[0] / (node.groups ?? 1)) * node.kernel[0] * node.kernel[1];
      L = { id: n.id, kind: n.kind === "pool" ? "pool" : "conv2d", threshold: n.neuron.threshold, weights: node.weights, bias: node.bias,
        units: node.outChannels, fanIn: per, unitOfWeight: (i) => Math.floor(i / per), membrane: regs.membrane, subtract: regs.subtract };
    }
    const q = quantizeWeights(L, options.wExp ?? "auto");
    const intNode: DenseNode | Conv2dNode = { ...node, weights: q.eff, bias: undefined };
    nodes.push(intNode);
    depth.set(n.id, depth.get(src)! + 1);
    layers.push({ id: n.id, kind: L.kind, src, shape: outS, mant: q.mant, wExp: q.c.wExp, node: intNode, vthMant: q.c.vthMant,
      biasMant: q.biasMant, biasExp: q.biasExp, decayU: regs.decayU, decayV: regs.decayV, refractDelay: regs.refractDelay,
      vInit: initialVoltage(n.id, n.neuron, q.c.s), membrane: regs.membrane, subtract: subtractConnection(n.id, regs.subtract, q.c.vthMant) });
    reps.push({ id: n.id, kind: L.kind, src, nSrc: shapeSize(inS), n: shapeSize(outS), fanIn: L.fanIn, wExp: q.c.wExp, scale: q.c.s,
      threshold: L.threshold, vthMant: q.c.vthMant, ...q.stats, decayU: regs.decayU, decayV: regs.decayV, refractDelay: regs.refractDelay,
      reset: resetLabel(regs) });
  }
  const output = outId;
  if (output === input.id) throw new SpikewasmError("quantize: the output is the input; there is no layer to quantise");
  const latency = depth.get(output)! - (inputMode === "bias" ? 1 : 0);
  const readout = layers.find((l) => l.id === output)!.membrane ? "membrane" : "count";
  const fb = reps.filter((l) => l.reset === "zero (fallback from subtract)").map((l) => l.id);
  const emulated = reps.filter((l) => l.reset === "subtract (two compartments)").map((l) => l.id);
  const notes: string[] = [];
  const risky = reps.filter((l) => l.overflowRisk > 0);
  if (risky.length) notes.push(`worst-case overflow possible (all sources spiking in one step) in ${risky.map((l) => `'${l.id}' (${l.overflowRisk} units)`).join(", ")}`);
  if (inputMode === "bias") notes.push(`input as bias current (NxTF): ${layers.filter((l) => l.inputCurrent).map((l) => `'${l.id}'`).join(", ")} get W·x + b per sample, computed on the host; no input spikes`);
  if (readout === "membrane") notes.push(`membrane readout: output '${output}' has the largest threshold; the class is the largest counts·vth + v`);
  const v0 = layers.filter((l) => l.vInit !== 0);
  if (v0.length) notes.push(`initial voltage (e.g. θ/2) in ${v0.map((l) => `'${l.id}' (${l.vInit} = ${(l.vInit / (l.vthMant * 64)).toFixed(3)}·vth)`).join(", ")}`);
  for (const l of reps) if (l.saturated || l.biasSaturated) notes.push(`'${l.id}': ${l.saturated} weights and ${l.biasSaturated} biases saturated`);
  return {
    input: { id: input.id, shape: inShape, size: shapeSize(inShape) }, layers, graph: { nodes, output }, output, latency, inputMode, readout,
    report: {
      layers: reps, latency, inputMode, readout, notes,
      reset: {
        mode: resetMode, fallback: fb.length > 0, layers: fb, emulated,
        note: [fb.length ? SUBTRACT_RESET_NOTE : "", emulated.length ? SUBTRACT_EMULATED_NOTE : "", !fb.length && !emulated.length ? "every layer resets to 0 (native on Loihi)" : ""].filter(Boolean).join(" "),
      },
    },
  };
}

/**
 * A residual add or a channel concat: one block whose inputs each arrive through a one-to-one connection
 * of one weight (the input's scale; a concat's inputs feed disjoint channel slices), all sharing the
 * block's scale s. Every connection delays by one step on Loihi, so inputs of different depths arrive
 * with their depth difference as a lag (the float SNN has none); the block's depth is the deepest input's
 * + 1. The worst step counts every input's weight (exact for an add, conservative for a concat).
 */
function quantizeAdd(n: AddNode | ConcatNode, resolve: (id: string) => string, wExp: number | "auto", shape: Shape, mode: "zero" | "subtract"): { layer: LoihiLayer; rep: LayerQuantization } {
  const regs = neuronRegs(n.id, n.neuron, false, mode);
  const srcs = n.inputs.map(resolve);
  const L: FloatLayer = { id: n.id, kind: n.kind, threshold: n.neuron.threshold, weights: Float32Array.from(n.inputs, (_, k) => n.scales?.[k] ?? 1),
    units: 1, fanIn: n.inputs.length, unitOfWeight: () => 0, subtract: regs.subtract };
  const q = quantizeWeights(L, wExp);
  const node: AddNode | ConcatNode = { ...n, scales: Array.from(q.eff) };
  const layer: LoihiLayer = { id: n.id, kind: n.kind, src: srcs[0], srcs, shape, mant: q.mant, wExp: q.c.wExp, node, vthMant: q.c.vthMant,
    biasMant: q.biasMant, biasExp: q.biasExp, decayU: regs.decayU, decayV: regs.decayV, refractDelay: regs.refractDelay,
    vInit: initialVoltage(n.id, n.neuron, q.c.s), membrane: false, subtract: subtractConnection(n.id, regs.subtract, q.c.vthMant) };
  const rep: LayerQuantization = { id: n.id, kind: n.kind, src: srcs.join(n.kind === "add" ? " + " : " | "), nSrc: shapeSize(shape), n: shapeSize(shape), fanIn: L.fanIn, wExp: q.c.wExp,
    scale: q.c.s, threshold: L.threshold, vthMant: q.c.vthMant, ...q.stats, decayU: regs.decayU, decayV: regs.decayV, refractDelay: regs.refractDelay,
    reset: resetLabel(regs) };
  return { layer, rep };
}

/** Refuses ids in `ids` that are not neuron layers of `snn` (named error: `what`, the unknown ids, the layers). */
export function checkSubtractLayers(snn: SnnGraph, ids: readonly string[], what: string): void {
  const known = snn.nodes.filter((n) => "neuron" in n).map((n) => n.id);
  const bad = ids.filter((id) => !known.includes(id));
  if (bad.length) throw new SpikewasmError(`${what}: ${bad.map((b) => `'${b}'`).join(", ")} ${bad.length > 1 ? "are not layers" : "is not a layer"} of the network (layers: ${known.join(", ")})`);
}

/** The graph with every layer's reset set to reset-to-`mode` (reset to zero is what the quantised net does). */
export function withReset(snn: SnnGraph, mode: "zero" | "subtract"): SnnGraph {
  return {
    ...snn,
    nodes: snn.nodes.map((n) => ("neuron" in n ? { ...n, neuron: { ...n.neuron, reset: mode === "zero" ? "value" : "subtract", vReset: 0 } } : n)) as SnnNode[],
  };
}
