/**
 * The integer Loihi engine: runs a quantised graph (src/loihi/quantize.ts) on a batch of samples with the
 * bit-exact kernels (assembly/loihi.ts: loihiAccumulate for dense, loihiConv2dSpikes for convolutions and
 * pools, loihiStep for the compartments). Same arithmetic and timing as simulateLoihi on the net that
 * toLoihiNet writes (tests check spike for spike), but with the float engine's memory plan
 * (src/sim/plan.ts: sample-major batches, channels-last 3-D populations, conv tap tables; residual adds
 * through loihiAddSpikes and channel concats through loihiConcatSpikes, one integer weight per input), so a whole
 * test set runs at engine speed instead of one JSON net per sample.
 *
 * Step t = 1 .. T + L (L = the graph's latency; the input is coded during steps 1..T):
 *   1. every layer's q is cleared, then receives its source's spikes of step t − 1 (inputs coded at
 *      t − 1, layers that spiked at t − 1): all accumulation happens before any layer steps, so each
 *      spike list still holds the previous step's spikes;
 *   2. every layer's compartments step (loihiStep) and write this step's spike list;
 *   3. the input codes step t (regular coding, encodeSpikes; nothing after T).
 *
 * Reset by subtraction emulated (quantize option reset "subtract"): such a layer steps with keepV (v is not
 * zeroed on a spike) and, in step 1, receives its own spikes of step t − 1 through its self-connection of
 * weight −vth (loihiAddSpikes on its spike list, one synaptic event per spike, counted in its synops).
 *
 * Input mode "bias" (src/loihi/quantize.ts): no input spikes are coded; the layers fed by the input hold
 * one bias per compartment and sample (inputBiases, written at the start of each run) and step one sample
 * at a time (loihiStep with batch 1 on that sample's slice, spike lists packed as for a batch). Initial
 * voltages (vInit, e.g. θ/2) are written into v at the start of each run.
 *
 * Fast kernels (assembly/loihi-fast.ts, bit-exact with those above): dense and conv sources accumulate with the
 * sum kernels (loihiAccumulateSum, loihiConv2dSum, loihiDepthwiseSum for pools and other depthwise convs with
 * one output channel per group: q summed modulo 2^32, wrapped once when the step reads it), and IF layers
 * (decayU 4095, decayV 0, refractDelay 1: every layer of a converted network) step with loihiStepIF, which
 * clears q (so only the other layers' q is cleared before each step), counts the spikes and takes the
 * per-sample biases of input mode "bias" in one call (bias stride n). The batch is stepped in chunks of samples
 * (runChunk; samples are independent) so that a chunk's state stays in cache from step to step.
 *
 * Memory: planMemory(lg.graph, B) — weights written as i32 (they are integers), `acc` used as q, `v` as
 * v (i32) — plus, after the plan, per layer: u, ref i32[B·n] and the registers decayU, decayV, bias
 * (biasMant·2^biasExp), vth (vthMant·2^6), refractDelay i32[n], channels-last.
 */
import { SpikewasmError } from "../errors.js";
import { createReferenceKernels } from "../reference/index.js";
import { ENCODE_MODE, toProbabilities } from "../sim/input.js";
import { type Backend, type Kernels, createWasmKernels } from "../sim/kernels.js";
import { type MemoryPlan, type PopulationPlan, WASM_MAX_BYTES, checkMemoryLimit, chwPermutation, planMemory } from "../sim/plan.js";
import { toChwOrder } from "../sim/layouts.js";
import { inputBiases } from "./input-bias.js";
import { loihiWeight } from "./simulate.js";
import { type LoihiGraph, type LoihiLayer, VMAX_EXP, VMIN_EXP } from "./quantize.js";

/** One layer's activity over a run. */
export interface LoihiLayerRecord {
  id: string;
  neurons: number;
  /** spikes of each sample at each step, [T + L][B] */
  spikesPerStep: Int32Array;
  /** synaptic operations into the layer at each step, whole batch, [T + L] */
  synopsPerStep: Float64Array;
  /** spikes of each neuron over the run, [B][n] in [C, H, W] order */
  spikeCounts: Int32Array;
}

/** What LoihiEngine.run returns. */
export interface LoihiRunResult {
  /** coding steps T */
  steps: number;
  /** steps run: T + latency */
  totalSteps: number;
  latency: number;
  batch: number;
  /** input spikes of each sample at each step, [T + L][B] */
  inputSpikesPerStep: Int32Array;
  layers: LoihiLayerRecord[];
  output: {
    id: string; size: number;
    /** cumulative spike counts after each step, [T + L][B][size] */
    counts: Int32Array;
    /** voltage after each step, [T + L][B][size] */
    v: Int32Array;
  };
}

interface LayerBuffers {
  p: PopulationPlan; l: LoihiLayer;
  /** [C, H, W] index of each memory (channels-last) index, null for 1-D */
  perm: Int32Array | null;
  u: number; ref: number; decayU: number; decayV: number; bias: number; vth: number; refractDelay: number; vmin: number; vmax: number;
  /** input mode "bias" and fed by the input: `bias` holds i32[B][n], one per compartment and sample */
  inputBias: boolean;
  /** reset by subtraction emulated: the self-connection's integer weight (−vth), else 0 */
  selfW: number;
  /** decayU 4095, decayV 0, refractDelay 1: steps with loihiStepIF (q cleared by the step, ref stays 0) */
  intFire: boolean;
}

/**
 * State bytes a chunk of samples may hold, so that it stays in cache from one step to the next. On the bundled
 * CNN (284 KB of state per sample) bench/loihi-speed.ts measured chunks of 1–32 samples within 5 % of each other,
 * 2–8 the fastest (bench/RESULTS.md); 1 MiB gives 3 there.
 */
export const CHUNK_BYTES = 1024 * 1024;

/** Samples per chunk: the state a step touches (q, v, spike counts; u and ref too outside IF layers) within CHUNK_BYTES, at least 1. */
function chunkSize(layers: LayerBuffers[]): number {
  const perSample = layers.reduce((a, b) => a + 4 * b.p.n * (b.intFire ? 3 : 5), 0);
  return Math.max(1, Math.floor(CHUNK_BYTES / perSample));
}

/** What runChunk writes: the run's per-step records, [T + L][B] (outputs [T + L][B][size]). */
interface StepRecords {
  B: number; T: number; steps: number; spikeInput: boolean;
  outCounts: Int32Array; outV: Int32Array; spikesPerStep: Int32Array[]; synopsPerStep: Float64Array[]; inputSpikesPerStep: Int32Array;
}

/** A quantised graph built into memory, ready to run batches bit-exactly. */
export class LoihiEngine {
  private readonly I: Int32Array;
  private readonly F: Float32Array;
  /** [C, H, W] index of every channels-last input index (null: 1-D input), a table rather than chwIndexOfMem's closure per value */
  private readonly inPerm: Int32Array | null;

  private constructor(readonly graph: LoihiGraph, readonly plan: MemoryPlan, private readonly layers: LayerBuffers[], private readonly k: Kernels, memory: WebAssembly.Memory,
    readonly backend: Backend, readonly chunk: number) {
    this.I = new Int32Array(memory.buffer);
    this.F = new Float32Array(memory.buffer);
    this.inPerm = chwPermutation(plan.input.shape);
    for (const { addr, data } of plan.initData) this.I.set(data instanceof Int32Array ? data : Int32Array.from(data), addr >> 2);
    for (const b of layers) {
      const n = b.p.n, C = b.p.memShape.length === 3 ? b.p.memShape[0] : n;
      const unit = (m: number) => (b.l.biasMant.length === 1 ? 0 : b.l.node.kind === "dense" ? m : m % C); // channels-last: channel = m mod C
      for (let m = 0; m < n; m++) {
        const j = unit(m);
        if (!b.inputBias) this.I[(b.bias >> 2) + m] = b.l.biasMant[j] * 2 ** b.l.biasExp[j]; // else: per sample, written by run()
        this.I[(b.vth >> 2) + m] = b.l.vthMant * 64;
      }
      this.I.fill(b.l.decayU, b.decayU >> 2, (b.decayU >> 2) + n);
      this.I.fill(b.l.decayV, b.decayV >> 2, (b.decayV >> 2) + n);
      this.I.fill(b.l.refractDelay, b.refractDelay >> 2, (b.refractDelay >> 2) + n);
    }
  }

  /**
   * Plans and allocates the graph for `batch` samples (default 1) with the WASM (default) or TypeScript kernels.
   * `chunk`: samples stepped together (default chunkSize: as many as keep their state within CHUNK_BYTES).
   */
  static async create(lg: LoihiGraph, o: { batch?: number; backend?: Backend; chunk?: number } = {}): Promise<LoihiEngine> {
    const backend = o.backend ?? "wasm";
    if (backend !== "wasm" && backend !== "js") throw new SpikewasmError(`backend must be "wasm" or "js", got ${JSON.stringify(backend)}`);
    const plan = planMemory(lg.graph, o.batch ?? 1);
    let top = plan.totalBytes;
    const alloc = (words: number) => { const a = top; top += Math.ceil((4 * words) / 16) * 16; return a; };
    const byId = new Map(lg.layers.map((l) => [l.id, l]));
    const layers = plan.pops.map((p): LayerBuffers => {
      const l = byId.get(p.id);
      if (!l) throw new SpikewasmError(`loihi engine: population '${p.id}' is not a quantised layer`);
      const Bn = plan.batch * p.n, inputBias = l.inputCurrent !== undefined;
      return { p, l, perm: chwPermutation(p.memShape), u: alloc(Bn), ref: alloc(Bn), decayU: alloc(p.n), decayV: alloc(p.n), bias: alloc(inputBias ? Bn : p.n), vth: alloc(p.n),
        refractDelay: alloc(p.n), vmin: -(2 ** VMIN_EXP) + 1, vmax: 2 ** (9 + 2 * VMAX_EXP) - 1, inputBias,
        selfW: l.subtract ? -loihiWeight(l.subtract.mant, l.subtract.wExp) : 0, intFire: l.decayU === 4095 && l.decayV === 0 && l.refractDelay === 1 };
    });
    checkMemoryLimit({ ...plan, totalBytes: top, stateBytes: top - 64 - plan.parameterBytes }, WASM_MAX_BYTES);
    let memory: WebAssembly.Memory;
    try {
      const pages = Math.ceil(top / 65536);
      memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    } catch (e) {
      throw new SpikewasmError(`loihi engine: could not allocate ${top} bytes of WebAssembly memory at batch ${plan.batch}: ${(e as Error).message}`, 3);
    }
    const k = backend === "wasm" ? await createWasmKernels(memory) : createReferenceKernels(memory);
    const chunk = o.chunk ?? chunkSize(layers);
    if (!Number.isInteger(chunk) || chunk < 1) throw new SpikewasmError(`loihi engine: chunk must be an integer >= 1, got ${chunk}`);
    return new LoihiEngine(lg, plan, layers, k, memory, backend, Math.min(chunk, plan.batch));
  }

  /** Runs k ≤ batch samples ([C, H, W] order each) for T coding steps + the latency; state is reset first. */
  run(inputs: ArrayLike<number>, o: { steps: number; rate?: number }): LoihiRunResult {
    const { plan, I, F } = this, inp = plan.input;
    const T = o.steps, rate = o.rate ?? 1, L = this.graph.latency;
    if (!Number.isInteger(T) || T < 1) throw new SpikewasmError(`steps must be an integer >= 1, got ${T}`);
    if (!Number.isFinite(rate) || rate < 0) throw new SpikewasmError(`rate must be a finite number >= 0, got ${rate}`);
    const B = inputs.length / inp.n;
    if (!Number.isInteger(B) || B < 1 || B > plan.batch)
      throw new SpikewasmError(`inputs hold ${inputs.length} values: expected k × ${inp.n} (input shape [${inp.shape.join(", ")}]) with 1 <= k <= batch ${plan.batch}`);
    const perm = this.inPerm, n = inp.n, base = inp.values >> 2;
    for (let b = 0; b < B; b++)
      for (let m = 0; m < n; m++) {
        const i = b * n + (perm ? perm[m] : m), x = inputs[i];
        if (!Number.isFinite(x)) throw new SpikewasmError(`input value ${i} (sample ${b}) is ${x}`);
        F[base + b * n + m] = x;
      }
    toProbabilities(F.subarray(inp.values >> 2, (inp.values >> 2) + B * inp.n), rate);
    I.fill(0, inp.counts >> 2, (inp.counts >> 2) + B);
    for (const b of this.layers) {
      const Bn = B * b.p.n;
      // loihiStepIF neither reads nor writes u and ref (header of assembly/loihi-fast.ts): only loihiStep's layers reset them
      for (const a of b.intFire ? [b.p.total] : [b.u, b.ref, b.p.total]) I.fill(0, a >> 2, (a >> 2) + Bn);
      I.fill(b.l.vInit, b.p.v >> 2, (b.p.v >> 2) + Bn);
      I.fill(0, b.p.counts >> 2, (b.p.counts >> 2) + B);
      if (b.inputBias) this.writeInputBiases(b, inputs, B);
    }
    const spikeInput = this.graph.inputMode === "spikes";
    const steps = T + L;
    const out = this.layers[plan.output], nOut = out.p.n;
    const outCounts = new Int32Array(steps * B * nOut), outV = new Int32Array(steps * B * nOut);
    const spikesPerStep = this.layers.map(() => new Int32Array(steps * B));
    const synopsPerStep = this.layers.map(() => new Float64Array(steps));
    const inputSpikesPerStep = new Int32Array(steps * B);
    const layers = this.layers;
    for (const b of layers) I.fill(0, b.p.acc >> 2, (b.p.acc >> 2) + B * b.p.n); // IF layers: cleared by each step from now on
    const rec: StepRecords = { B, T, steps, spikeInput, outCounts, outV, spikesPerStep, synopsPerStep, inputSpikesPerStep };
    for (let c0 = 0; c0 < B; c0 += this.chunk) this.runChunk(c0, Math.min(this.chunk, B - c0), rec);
    const records = layers.map((b, li): LoihiLayerRecord => {
      const n = b.p.n, base = b.p.total >> 2, shape = b.p.memShape;
      const spikeCounts = shape.length === 3 ? new Int32Array(B * n) : I.slice(base, base + B * n);
      if (shape.length === 3) toChwOrder(I.subarray(base, base + B * n), spikeCounts, shape[0], n / shape[0], B);
      return { id: b.p.id, neurons: n, spikesPerStep: spikesPerStep[li], synopsPerStep: synopsPerStep[li], spikeCounts };
    });
    return { steps: T, totalSteps: steps, latency: L, batch: B, inputSpikesPerStep, layers: records, output: { id: out.p.id, size: nOut, counts: outCounts, v: outV } };
  }

  /**
   * Steps samples c0 .. c0 + Bc − 1 of the batch through all steps (samples are independent, so running the
   * batch chunk by chunk changes nothing but the working set, which then stays in the core's cache).
   */
  private runChunk(c0: number, Bc: number, r: StepRecords): void {
    const { plan, I, k, layers } = this, inp = plan.input, { B, T } = r;
    const out = layers[plan.output], nOut = out.p.n, perm = out.perm;
    const at = (addr: number, n: number) => addr + 4 * c0 * n; // this chunk's slice of a sample-major buffer
    const inSpikes = at(inp.spikes, inp.n), inCounts = at(inp.counts, 1);
    const outTotal = at(out.p.total, nOut) >> 2, outVAddr = at(out.p.v, nOut) >> 2;
    const pops = layers.map((b) => ({ acc: at(b.p.acc, b.p.n), v: at(b.p.v, b.p.n), spikes: at(b.p.spikes, b.p.n), counts: at(b.p.counts, 1), total: at(b.p.total, b.p.n) }));
    const src = (from: number) => (from === -1 ? { spikes: inSpikes, counts: inCounts } : pops[from]);
    for (let t = 1; t <= r.steps; t++) {
      for (let li = 0; li < layers.length; li++) if (!layers[li].intFire) I.fill(0, pops[li].acc >> 2, (pops[li].acc >> 2) + Bc * layers[li].p.n);
      for (let li = 0; li < layers.length; li++) {
        const b = layers[li], q = pops[li].acc;
        let synops = 0;
        for (const s of b.p.sources) {
          const { spikes, counts } = src(s.from);
          if (s.op === "dense") synops += k.loihiAccumulateSum(spikes, counts, Bc, s.nIn, s.w, s.nOut, q);
          else if (s.op === "conv2d" && s.groups === s.inC && s.outC === s.inC)
            synops += k.loihiDepthwiseSum(spikes, counts, Bc, s.inH, s.inW, s.inC, s.w, s.outH, s.outW, s.kh, s.kw, s.tapsY, s.tapsX, q);
          else if (s.op === "conv2d")
            synops += k.loihiConv2dSum(spikes, counts, Bc, s.inH, s.inW, s.inC, s.w, s.outH, s.outW, s.outC, s.kh, s.kw, s.groups, s.tapsY, s.tapsX, q);
          else if (s.op === "add") synops += k.loihiAddSpikes(spikes, counts, Bc, s.n, Math.round(s.scale), q);
          else if (s.op === "concat")
            synops += k.loihiConcatSpikes(spikes, counts, Bc, s.nIn, s.cIn, s.cTot, s.cOff, s.nOut, Math.round(s.scale), q);
          else throw new SpikewasmError(`loihi engine: unsupported source op '${s.op}' in '${b.p.id}'`);
        }
        if (b.selfW !== 0) synops += k.loihiAddSpikes(pops[li].spikes, pops[li].counts, Bc, b.p.n, b.selfW, q); // its own spikes of t − 1
        r.synopsPerStep[li][t - 1] += synops;
      }
      for (let li = 0; li < layers.length; li++) {
        const b = layers[li], n = b.p.n, keepV = b.selfW !== 0 ? 1 : 0, { acc, v, spikes, counts, total } = pops[li];
        const bias = b.inputBias ? at(b.bias, n) : b.bias;
        if (b.intFire) k.loihiStepIF(acc, v, bias, b.inputBias ? n : 0, b.l.vthMant * 64, b.vmin, b.vmax, n, Bc, spikes, counts, total, keepV);
        else {
          const u = at(b.u, n), ref = at(b.ref, n);
          if (b.inputBias) {
            // one sample at a time, each with its own biases; spike lists packed one after another
            let sp = spikes;
            for (let bb = 0, off = 0; bb < Bc; bb++, off += 4 * n)
              sp += 4 * k.loihiStep(acc + off, u + off, v + off, ref + off, b.decayU, b.decayV, bias + off, b.vth, b.refractDelay, b.vmin, b.vmax, n, 1, sp, counts + 4 * bb, keepV);
          } else k.loihiStep(acc, u, v, ref, b.decayU, b.decayV, bias, b.vth, b.refractDelay, b.vmin, b.vmax, n, Bc, spikes, counts, keepV);
          k.countSpikes(spikes, counts, Bc, n, total);
        }
        const row = r.spikesPerStep[li], d = (t - 1) * B + c0;
        for (let bb = 0; bb < Bc; bb++) row[d + bb] = I[(counts >> 2) + bb];
      }
      if (t <= T && r.spikeInput) k.encodeSpikes(at(inp.values, inp.n), Bc, inp.n, ENCODE_MODE.regular, t, inp.rng + 16 * c0, inSpikes, inCounts);
      else I.fill(0, inCounts >> 2, (inCounts >> 2) + Bc);
      for (let bb = 0; bb < Bc; bb++) r.inputSpikesPerStep[(t - 1) * B + c0 + bb] = I[(inCounts >> 2) + bb];
      const o0 = ((t - 1) * B + c0) * nOut;
      if (perm) {
        for (let bb = 0, m = 0; bb < Bc; bb++)
          for (let j = 0; j < nOut; j++, m++) { const d = o0 + bb * nOut + perm[j]; r.outCounts[d] = I[outTotal + m]; r.outV[d] = I[outVAddr + m]; }
      } else {
        r.outCounts.set(I.subarray(outTotal, outTotal + Bc * nOut), o0);
        r.outV.set(I.subarray(outVAddr, outVAddr + Bc * nOut), o0);
      }
    }
  }

  /** Input mode "bias": the samples' currents W·x + b as integer biases, channels-last per sample. */
  private writeInputBiases(b: LayerBuffers, inputs: ArrayLike<number>, B: number): void {
    const n = b.p.n, base = b.bias >> 2, perm = b.perm;
    const { value } = inputBiases(b.l, Float32Array.from(inputs), B);
    for (let bb = 0; bb < B; bb++)
      for (let m = 0; m < n; m++) this.I[base + bb * n + m] = value[bb * n + (perm ? perm[m] : m)];
  }
}
