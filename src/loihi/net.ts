/**
 * A quantised graph (src/loihi/quantize.ts) as a low-level Loihi net for simulateLoihi: one block per
 * layer, one dense connection per layer (a convolution or pool expanded into its n_src × n_dst matrix,
 * zeros where no synapse exists), neurons and axons in [C, H, W] order. This is the route for users who
 * want the net itself (spikewasm loihi-sim) and the cross-check of the integer engine (src/loihi/engine.ts)
 * in tests; the engine is the fast path for data sets.
 *
 *   input    regular rate coding of clamp(rate·x, 0, 1) (as the float simulator's "regular" coding, p held
 *            in float32): input j spikes at step t when floor(t·p) > floor((t − 1)·p), t = 1..T.
 *   timing   on Loihi every connection delays by one step, so an L-layer net's output lags by L steps:
 *            the readout is the output block's spike counts after T + L steps.
 *   bias     input mode "bias": the blocks fed by the input get the sample's W·x + b as their per-compartment
 *            biasMant/biasExp (inputBiases) and no connection from the input (whose axons stay silent);
 *            the output lags by L − 1 steps.
 *   vInit    a layer's initial voltage (e.g. θ/2) becomes the block's vInit.
 *   reset    a layer with reset by subtraction emulated (quantize.ts "reset") is a block with keepVoltage and
 *            a connection from itself to itself: weight −mant on the diagonal, its own wExp.
 */
import { SpikewasmError } from "../errors.js";
import { shapeSize } from "../ir/graph.js";
import type { SnnGraph } from "../ir/graph.js";
import type { Backend } from "../sim/kernels.js";
import { inputBiases } from "./input-bias.js";
import { type LoihiGraph, type LoihiLayer, type QuantizeOptions, type QuantizeReport, VMAX_EXP, VMIN_EXP, quantizeGraph } from "./quantize.js";
import { type LoihiBlock, type LoihiConnection, type LoihiNet, simulateLoihi } from "./simulate.js";

/** A quantised network as a Loihi net (inputs for one sample, see withInput) with its report. */
export interface QuantizedNet {
  net: LoihiNet;
  report: QuantizeReport;
  inputName: string;
  inputSize: number;
  outputBlock: string;
  /** the output lags by `latency` steps (one per connection on the input → output path) */
  latency: number;
  /** "bias": the sample is in the first blocks' biases, and withInput cannot swap it */
  inputMode: "spikes" | "bias";
}

/** Largest matrix (n_src × n_dst entries) a layer may expand to in toLoihiNet, by default. */
export const DEFAULT_MAX_SYNAPSE_MATRIX = 4_000_000;

/** Regular rate coding: spike times (1..T) of each input, p = float32(clamp(rate·x, 0, 1)). */
export function regularSpikeTimes(values: ArrayLike<number>, steps: number, rate = 1): number[][] {
  const out: number[][] = [];
  for (let j = 0; j < values.length; j++) {
    const p = Math.fround(Math.min(1, Math.max(0, Math.fround(Math.fround(values[j]) * rate))));
    const times: number[] = [];
    if (p > 0) for (let t = 1; t <= steps; t++) if (Math.floor(t * p) > Math.floor((t - 1) * p)) times.push(t);
    out.push(times);
  }
  return out;
}

/** The layer's weight matrix n_src × n_dst (mantissas) in [C, H, W] order; conv/pool expanded. */
function layerMatrix(l: LoihiLayer, nSrc: number, srcShape: number[], maxEntries: number): number[][] {
  const nDst = shapeSize(l.shape);
  if (nSrc * nDst > maxEntries)
    throw new SpikewasmError(`toLoihiNet: layer '${l.id}' expands to a ${nSrc} × ${nDst} matrix (${nSrc * nDst} entries), above the limit of ${maxEntries}; use the integer engine (evaluateLoihi) for this network`);
  const rows = Array.from({ length: nSrc }, () => new Array<number>(nDst).fill(0));
  const node = l.node;
  if (node.kind === "dense") {
    for (let i = 0; i < nSrc; i++) for (let j = 0; j < nDst; j++) rows[i][j] = l.mant[i * nDst + j];
    return rows;
  }
  if (node.kind === "add" || node.kind === "concat") throw new SpikewasmError(`toLoihiNet: layer '${l.id}' (${node.kind}) has one matrix per input`);
  const [C, H, W] = srcShape, [OC, OH, OW] = l.shape;
  const [kh, kw] = node.kernel, [sh, sw] = node.stride ?? [1, 1], [pt, pl] = node.padding ?? [0, 0, 0, 0], [dh, dw] = node.dilation ?? [1, 1];
  const g = node.groups ?? 1, cinG = C / g, coutG = OC / g;
  for (let oc = 0; oc < OC; oc++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++)
        for (let cl = 0; cl < cinG; cl++)
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const iy = oy * sh - pt + ky * dh, ix = ox * sw - pl + kx * dw;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              const c = Math.floor(oc / coutG) * cinG + cl;
              rows[(c * H + iy) * W + ix][(oc * OH + oy) * OW + ox] = l.mant[((oc * cinG + cl) * kh + ky) * kw + kx];
            }
  return rows;
}

/** A quantised graph as a Loihi net (conv and pool layers expanded to matrices of at most `maxSynapseMatrix` entries). */
export function toLoihiNet(lg: LoihiGraph, o: { input?: ArrayLike<number>; steps?: number; rate?: number; maxSynapseMatrix?: number } = {}): LoihiNet {
  const shapeOf = new Map<string, number[]>([[lg.input.id, lg.input.shape], ...lg.layers.map((l): [string, number[]] => [l.id, l.shape])]);
  const blocks: LoihiBlock[] = [], connections: LoihiConnection[] = [];
  for (const l of lg.layers) {
    const n = shapeSize(l.shape), per = n / l.biasMant.length;
    const unit = (j: number) => (l.biasMant.length === 1 ? 0 : l.node.kind === "dense" ? j : Math.floor(j / per)); // [C, H, W]: channel-major
    const f = (x: number) => new Array<number>(n).fill(x);
    let biasMant = Array.from({ length: n }, (_, j) => l.biasMant[unit(j)] || 0), biasExp = Array.from({ length: n }, (_, j) => l.biasExp[unit(j)]);
    if (l.inputCurrent) {
      if (!o.input) throw new SpikewasmError(`toLoihiNet: input mode "bias" needs the sample (input) to set layer '${l.id}''s biases`);
      if (o.input.length !== lg.input.size) throw new SpikewasmError(`quantize: input has ${o.input.length} values, expected ${lg.input.size}`);
      const ib = inputBiases(l, Float32Array.from(o.input), 1);
      biasMant = Array.from(ib.mant);
      biasExp = Array.from(ib.exp);
    }
    blocks.push({
      name: l.id, n, decayU: f(l.decayU), decayV: f(l.decayV), vthMant: f(l.vthMant), biasMant, biasExp,
      refractDelay: f(l.refractDelay), vminExp: VMIN_EXP, vmaxExp: VMAX_EXP, ...(l.vInit !== 0 ? { vInit: f(l.vInit) } : {}),
      ...(l.subtract ? { keepVoltage: true } : {}),
    });
    if (l.subtract) {
      const max = o.maxSynapseMatrix ?? DEFAULT_MAX_SYNAPSE_MATRIX;
      if (n * n > max) throw new SpikewasmError(`toLoihiNet: layer '${l.id}''s self-connection (reset by subtraction) expands to a ${n} × ${n} matrix (${n * n} entries), above the limit of ${max}; use the integer engine (evaluateLoihi) for this network`);
      const weights = Array.from({ length: n }, (_, i) => { const row = new Array<number>(n).fill(0); row[i] = -l.subtract!.mant; return row; });
      connections.push({ src: l.id, dst: l.id, wExp: l.subtract.wExp, weights });
    }
    if (l.inputCurrent) continue; // no synapses from the input: its current is the bias
    const max = o.maxSynapseMatrix ?? DEFAULT_MAX_SYNAPSE_MATRIX;
    if (l.kind === "add" || l.kind === "concat") {
      // one-to-one, [C, H, W] order: an add's input neuron j feeds neuron j; a concat's input k feeds its
      // channel slice (3-D: channel cOff_k + c) or its flat range (1-D: offset_k + j), with weight mant[k]
      let off = 0;
      (l.srcs ?? [l.src]).forEach((src, k) => {
        const ss = shapeOf.get(src)!, nIn = shapeSize(ss);
        if (nIn * n > max) throw new SpikewasmError(`toLoihiNet: layer '${l.id}' expands to a ${nIn} × ${n} matrix (${nIn * n} entries), above the limit of ${max}; use the integer engine (evaluateLoihi) for this network`);
        const hw = l.shape.length === 3 ? l.shape[1] * l.shape[2] : 1;
        const target = (j: number) => (l.kind === "add" ? j : l.shape.length === 3 ? off * hw + j : off + j);
        const weights = Array.from({ length: nIn }, () => new Array<number>(n).fill(0));
        for (let j = 0; j < nIn; j++) weights[j][target(j)] = l.mant[k];
        connections.push({ src, dst: l.id, wExp: l.wExp, weights });
        off += l.shape.length === 3 ? ss[0] : nIn;
      });
      continue;
    }
    const srcShape = shapeOf.get(l.src)!;
    connections.push({ src: l.src, dst: l.id, wExp: l.wExp, weights: layerMatrix(l, shapeSize(srcShape), srcShape, max) });
  }
  const steps = o.steps ?? 64;
  const spikeTimes = o.input && lg.inputMode === "spikes" ? codeInput(o.input, lg.input.size, steps, o.rate ?? 1) : Array.from({ length: lg.input.size }, () => []);
  return { inputs: [{ name: lg.input.id, n: lg.input.size, spikeTimes }], blocks, connections };
}

/** Quantises an SNN (quantizeGraph) and writes it as a Loihi net (toLoihiNet). */
export function quantizeToLoihi(snn: SnnGraph, options: QuantizeOptions & { maxSynapseMatrix?: number } = {}): QuantizedNet {
  const lg = quantizeGraph(snn, options);
  const net = toLoihiNet(lg, options);
  return { net, report: lg.report, inputName: lg.input.id, inputSize: lg.input.size, outputBlock: lg.output, latency: lg.latency, inputMode: lg.inputMode };
}

function codeInput(values: ArrayLike<number>, n: number, steps: number, rate: number): number[][] {
  if (values.length !== n) throw new SpikewasmError(`quantize: input has ${values.length} values, expected ${n}`);
  if (!Number.isInteger(steps) || steps < 1) throw new SpikewasmError(`quantize: steps must be an integer >= 1, got ${steps}`);
  if (!(rate >= 0 && Number.isFinite(rate))) throw new SpikewasmError(`quantize: rate must be a finite number >= 0, got ${rate}`);
  return regularSpikeTimes(values, steps, rate);
}

/** The quantised net with its input replaced by the regular coding of `values` over `steps` steps. */
export function withInput(q: QuantizedNet, values: ArrayLike<number>, steps: number, rate = 1): LoihiNet {
  if (q.inputMode === "bias") throw new SpikewasmError(`withInput: the net takes its input as biases (input mode "bias"); quantize again with the new input (toLoihiNet(lg, { input }))`);
  return { ...q.net, inputs: [{ name: q.inputName, n: q.inputSize, spikeTimes: codeInput(values, q.inputSize, steps, rate) }] };
}

/**
 * The same net restricted to the input axons that spike (rows of their connections kept in order): silent
 * axons add nothing, so the result is identical, and simulateLoihi validates fewer weights (MNIST: about
 * 150 of 784 pixels are non-zero).
 */
export function activeInputsOnly(net: LoihiNet): LoihiNet {
  const keep = new Map<string, number[]>();
  const inputs = (net.inputs ?? []).map((inp) => {
    const idx = inp.spikeTimes.map((t, j) => (t.length ? j : -1)).filter((j) => j >= 0);
    if (idx.length === 0) idx.push(0); // n must be >= 1
    keep.set(inp.name, idx);
    return { ...inp, n: idx.length, spikeTimes: idx.map((j) => inp.spikeTimes[j]) };
  });
  const connections = (net.connections ?? []).map((c) => {
    const idx = keep.get(c.src);
    return idx ? { ...c, weights: idx.map((j) => c.weights[j]) } : c;
  });
  return { ...net, inputs, connections };
}

/** Output spike counts (over steps + latency Loihi steps) and final output potentials of one sample, via simulateLoihi. */
export async function runQuantized(q: QuantizedNet, values: ArrayLike<number>, steps: number, o: { rate?: number; backend?: Backend } = {}): Promise<{ counts: Int32Array; v: number[] }> {
  const r = await simulateLoihi(activeInputsOnly(withInput(q, values, steps, o.rate ?? 1)), steps + q.latency, { backend: o.backend });
  const tr = r.blocks[q.outputBlock];
  const counts = new Int32Array(tr.v[0].length);
  for (const row of tr.spikes) for (const j of row) counts[j]++;
  return { counts, v: tr.v[tr.v.length - 1] };
}
