/**
 * The Simulator: builds a graph into linear memory once, then runs T steps on a batch by calling the
 * kernels (WASM, or the TypeScript reference for tests and baselines) layer by layer.
 *
 * Step t (1..T), in topological order of the populations:
 *   1. input: spike coding writes this step's input spikes; current coding adds the precomputed current;
 *   2. each population with a `recurrent` connection first accumulates its own spikes of step t−1
 *      (one step of delay; none at t = 1), then every population accumulates its sources' spikes *of
 *      this same step* (no synaptic delay, as in rate-coded DNN-to-SNN conversion), then its neurons
 *      update and emit their spike list (which its recurrent connection reads at step t+1).
 * So a spike can cross the whole network within one step, and the output's spike counts after t steps
 * are the readout at time t. With `inputSteps` < T the input is switched off after that many steps (no
 * input spikes, no input current): a presentation followed by a pause.
 * A max pool gates on its source's running spike counts including step t (updated by the source's
 * neuronStep, or by countSpikes right after encodeSpikes for the input).
 * A "cond_exp" population (PyNN IF_cond_exp) steps with condStep instead of neuronStep: its sources
 * accumulate conductance (µS) into acc (excitatory, or signed) and accI (inhibitory, split mode; see
 * src/sim/plan.ts), its membrane is in mV.
 */
import { SpikewasmError } from "../errors.js";
import { checkMemory } from "./budget.js";
import { type PopulationNode, type Shape, type SnnGraph } from "../ir/graph.js";
import { createReferenceKernels } from "../reference/index.js";
import { ENCODE_MODE, type InputCoding, rngStates, toProbabilities } from "./input.js";
import { type KernelPath, accumulateSpikes } from "./accumulate.js";
import { type Backend, type Kernels, createWasmKernels } from "./kernels.js";
import { type MemoryPlan, type SourcePlan, WASM_MAX_BYTES, checkMemoryLimit, chwIndexOfMem, chwPermutation, planMemory } from "./plan.js";
import { toChwOrder } from "./layouts.js";

/** Options fixed when a Simulator is built. */
export interface SimulatorOptions {
  /** Largest number of samples per run (memory is sized for it). Default 1. */
  batch?: number;
  /** "wasm" (default) or "js" (the TypeScript reference kernels). */
  backend?: Backend;
  /** Memory limit in bytes (default 4 GiB, the wasm32 maximum); a larger graph is refused. */
  maxMemoryBytes?: number;
  /** Kernel of dense and conv2d sources (src/sim/accumulate.ts): "auto" (default, by spike density), "scatter" or "masked"; results are identical. */
  kernelPath?: KernelPath;
}

/** Options of one run. */
export interface RunOptions {
  /** Number of time steps T >= 1. */
  steps: number;
  /** Input coding (default "current"); see src/sim/input.ts. */
  coding?: InputCoding;
  /** Spike probability per step of an input of value 1, for poisson/regular coding (default 1). */
  rate?: number;
  /** Seed of the Poisson spike trains (default 0): sample b uses seed + b, or give one seed per sample. */
  seed?: number | number[];
  /** Steps during which the input is presented (default `steps`); afterwards no input spikes or current. */
  inputSteps?: number;
  /** Record the output's cumulative counts and membrane at every step (default true). */
  recordOutputPerStep?: boolean;
  /**
   * Record every population's spike list at every step (default false): each LayerRecord gets
   * `spikeTrain`. Costs memory proportional to the spikes; meant for rasters of a few samples.
   */
  recordSpikes?: boolean;
  /**
   * Record each neuron's first spike step (default true): LayerRecord.firstSpike. Off, the neuron update
   * skips it (a few percent faster) and reading firstSpike is an error.
   */
  recordFirstSpike?: boolean;
}

/**
 * The spikes of one population at every step, compressed-row style: the spikes of sample b at step t
 * (1..T) are `indices[offsets[(t-1)*B + b] .. offsets[(t-1)*B + b + 1])`, neuron indices in [C, H, W]
 * order, ascending.
 */
export interface SpikeTrain {
  /** start of each (step, sample) slice in `indices`, [T*B + 1] */
  offsets: Int32Array;
  /** neuron indices ([C, H, W] order) of every spike, step-major then sample */
  indices: Int32Array;
}

/** What one population did during a run. All neuron-indexed arrays are in [C, H, W] order. */
export interface LayerRecord {
  id: string;
  kind: PopulationNode["kind"];
  shape: Shape;
  /** neurons per sample */
  size: number;
  /** spikes of each sample at each step, [T][B] */
  spikesPerStep: Int32Array;
  /** spikes of each neuron over the run, [B][size] (put in [C, H, W] order when first read) */
  readonly spikeCounts: Int32Array;
  /**
   * Adds each neuron's spikes over the run, summed over the batch, into `into[neuron]` ([C, H, W] order,
   * `size` entries) and returns the layer's spikes: the sums of `spikeCounts` without reading it (no
   * transpose of B·size counts; one permuted add per neuron). Not enumerable: a record compares, spreads
   * and serialises as its data.
   */
  addCountsPerNeuron(into: Float64Array): number;
  /** step (1..T) of each neuron's first spike, -1 if it never fired, [B][size] */
  firstSpike: Int32Array;
  /** spike-driven synaptic events (weight additions) into this layer, whole run and batch, recurrent ones included */
  synapticEvents: number;
  /** multiply-accumulates per step of analog input current into this layer (current coding), whole batch */
  inputMacsPerStep: number;
  /** every spike by step and sample; only with `recordSpikes: true` */
  spikeTrain?: SpikeTrain;
}

/** The result of Simulator.run. */
export interface SimResult {
  steps: number;
  batch: number;
  coding: InputCoding;
  /** input spikes of each sample at each step, [T][B] (zeros under current coding) */
  inputSpikesPerStep: Int32Array;
  layers: LayerRecord[];
  output: {
    id: string;
    shape: Shape;
    size: number;
    /** cumulative spike count of each output neuron after each step, [T][B][size] (empty if not recorded) */
    counts: Int32Array;
    /** membrane potential of each output neuron after each step, [T][B][size] (empty if not recorded) */
    membrane: Float32Array;
  };
}

const RESET_MODE = { subtract: 0, value: 1 } as const;

/** A graph built into WASM (or reference) memory, ready to run batches. */
export class Simulator {
  private readonly F: Float32Array;
  private readonly I: Int32Array;
  /** per population, the CHW index of every memory index (null for 1-D): fixed by the plan */
  private readonly perms: (Int32Array | null)[];
  /**
   * per population, whether the network input is its only source: under current coding it then reads its
   * precomputed current directly (neuronStep's keepAcc) — no copy into the accumulator, no clearing each
   * step, the same sums (the accumulator would hold 0 + current)
   */
  private readonly inputOnly: boolean[];

  private constructor(
    /** the memory plan (addresses, byte counts) */
    readonly plan: MemoryPlan,
    private readonly kernels: Kernels,
    /** the linear memory the kernels work on (bench/kernel-ab.ts instantiates other kernel builds on it) */
    readonly memory: WebAssembly.Memory,
    /** the back end in use */
    readonly backend: Backend,
    private readonly path: KernelPath,
  ) {
    this.F = new Float32Array(memory.buffer);
    this.I = new Int32Array(memory.buffer);
    for (const { addr, data } of plan.initData) (data instanceof Int32Array ? this.I : this.F).set(data, addr >> 2);
    this.perms = plan.pops.map((p) => chwPermutation(p.memShape));
    this.inputOnly = plan.pops.map((p) => p.current !== 0 && p.currentI === 0 && !p.cond && !p.recurrent && p.sources.every((s) => s.from === -1));
  }

  /** Checks and plans the graph, allocates its memory and loads its weights (compiles WASM on first use). */
  static async create(graph: SnnGraph, options: SimulatorOptions = {}): Promise<Simulator> {
    const backend = options.backend ?? "wasm";
    if (backend !== "wasm" && backend !== "js") throw new SpikewasmError(`backend must be "wasm" or "js", got ${JSON.stringify(backend)}`);
    const plan = planMemory(graph, options.batch ?? 1);
    checkMemoryLimit(plan, Math.min(options.maxMemoryBytes ?? WASM_MAX_BYTES, WASM_MAX_BYTES));
    const pages = Math.ceil(plan.totalBytes / 65536);
    let memory: WebAssembly.Memory;
    try {
      memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    } catch (e) {
      throw new SpikewasmError(`could not allocate ${plan.totalBytes} bytes of WebAssembly memory for this graph at batch ${plan.batch}: ${(e as Error).message}`, 3);
    }
    const kernels = backend === "wasm" ? await createWasmKernels(memory) : createReferenceKernels(memory);
    const path = options.kernelPath ?? "auto";
    if (path !== "auto" && path !== "scatter" && path !== "masked") throw new SpikewasmError(`kernelPath must be "auto", "scatter" or "masked", got ${JSON.stringify(path)}`);
    return new Simulator(plan, kernels, memory, backend, path);
  }

  /**
   * Runs `options.steps` steps on `inputs` (k samples of the input shape, [C, H, W] order, k <= batch).
   * State is reset at the start of every run.
   */
  run(inputs: Float32Array | ArrayLike<number>, options: RunOptions): SimResult {
    const { plan, F, I, kernels: k, perms } = this;
    const T = options.steps;
    const coding = options.coding ?? "current";
    const rate = options.rate ?? 1;
    const B = this.validateRun(inputs, T, coding, rate, options.seed ?? 0);
    const inputSteps = options.inputSteps ?? T;
    if (!Number.isInteger(inputSteps) || inputSteps < 0) throw new SpikewasmError(`inputSteps must be an integer >= 0, got ${inputSteps}`);
    const recordFirst = options.recordFirstSpike ?? true;
    this.reset(B, recordFirst);
    this.writeInput(inputs, B);
    const recordOut = options.recordOutputPerStep ?? true;
    const out = plan.pops[plan.output];
    // output counts and membranes per step (8 bytes a value), spikes per step of every population and the input
    checkMemory(`per-step records of ${T} steps × ${B} samples`, T * B * ((recordOut ? out.n * 8 : 0) + (plan.pops.length + 1) * 4), "lower -T (--timesteps), --pause or --batch");
    const outCounts = new Int32Array(recordOut ? T * B * out.n : 0);
    const outMembrane = new Float32Array(recordOut ? T * B * out.n : 0);
    const spikesPerStep = plan.pops.map(() => new Int32Array(T * B));
    const events = plan.pops.map(() => 0);
    const inputSpikesPerStep = new Int32Array(T * B);
    const trains = options.recordSpikes ? plan.pops.map(() => new SpikeRecorder(T * B)) : null;
    const macs = coding === "current" ? this.precomputeCurrents(B) : plan.pops.map(() => 0);
    const spiking = coding !== "current";
    const inp = plan.input;
    if (spiking) {
      toProbabilities(F.subarray(inp.values >> 2, (inp.values >> 2) + B * inp.n), rate);
      new Uint32Array(I.buffer, inp.rng, 4 * B).set(rngStates(options.seed ?? 0, B));
    }

    for (let t = 1; t <= T; t++) {
      const inputOn = t <= inputSteps;
      if (spiking && inputOn) {
        k.encodeSpikes(inp.values, B, inp.n, ENCODE_MODE[coding], t, inp.rng, inp.spikes, inp.counts);
        if (inp.total !== 0) k.countSpikes(inp.spikes, inp.counts, B, inp.n, inp.total);
        inputSpikesPerStep.set(I.subarray(inp.counts >> 2, (inp.counts >> 2) + B), (t - 1) * B);
      } else if (spiking) I.fill(0, inp.counts >> 2, (inp.counts >> 2) + B); // the pause: no input spikes
      for (let pi = 0; pi < plan.pops.length; pi++) {
        const p = plan.pops[pi];
        // recurrent first: p.spikes/p.counts still hold this population's spikes of step t−1 (its
        // neuronStep of this step has not run yet; zeroed by reset for t = 1)
        if (p.recurrent) events[pi] += accumulateSpikes(k, p.recurrent, p.spikes, p.counts, B, p.acc, plan.mask, I, "scatter");
        // the precomputed current holds the input only under current coding (it is stale otherwise)
        const direct = !spiking && inputOn && this.inputOnly[pi];
        if (p.current !== 0 && !spiking && inputOn && !direct) k.addInto(p.acc, p.current, B * p.n);
        if (p.currentI !== 0 && !spiking && inputOn) k.addInto(p.accI, p.currentI, B * p.n);
        for (const s of p.sources) {
          if (s.from === -1 && !spiking) continue;
          const src = s.from === -1 ? plan.input : plan.pops[s.from];
          const ev = accumulateSpikes(k, s, src.spikes, src.counts, B, s.inhibitory ? p.accI : p.acc, plan.mask, I, this.path);
          if (!s.uncounted) events[pi] += ev;
        }
        const nr = p.neuron, c = p.cond;
        if (c)
          k.condStep(p.v, p.acc, p.accI, p.gE, p.gI, p.bias, p.ref, p.spikes, p.counts, p.total, recordFirst ? p.first : 0, B, p.n,
            c.gL, c.gLEL, c.eE, c.eI, c.decayE, c.decayI, c.meanE, c.meanI, c.dtOverCm, c.vThresh, c.vReset, c.refractory, t);
        else
          k.neuronStep(p.v, direct ? p.current : p.acc, p.syn, p.bias, p.ref, p.spikes, p.counts, p.total, recordFirst ? p.first : 0, B, p.n,
            nr.leak, nr.threshold, RESET_MODE[nr.reset], nr.vReset, nr.refractory, nr.synDecay, t, nr.spiking ? 1 : 0, direct ? 1 : 0);
        spikesPerStep[pi].set(I.subarray(p.counts >> 2, (p.counts >> 2) + B), (t - 1) * B);
        if (trains) trains[pi].add(I, p.spikes >> 2, p.counts >> 2, B, perms[pi]);
      }
      if (recordOut) {
        const o = (t - 1) * B * out.n;
        copyChw(I, out.total >> 2, outCounts, o, B, out.n, out.memShape);
        copyChw(F, out.v >> 2, outMembrane, o, B, out.n, out.memShape);
      }
    }
    const layers = plan.pops.map((p, pi): LayerRecord => {
      // spike counts and first-spike steps are copied now in memory order (one memcpy each) and put in
      // [C, H, W] order when first read: an evaluation only sums the counts per neuron (addCountsPerNeuron)
      const countsRaw = I.slice(p.total >> 2, (p.total >> 2) + B * p.n), perm = perms[pi], n = p.n;
      const spikeCounts = chwWhenRead(countsRaw, B, n, p.memShape);
      const firstSpike = recordFirst ? chwWhenRead(I.slice(p.first >> 2, (p.first >> 2) + B * n), B, n, p.memShape) : null;
      const addCountsPerNeuron = (into: Float64Array): number => {
        let spikes = 0; // integer counts: exact in any order
        for (let m = 0; m < n; m++) {
          let c = 0;
          for (let b = 0; b < B; b++) c += countsRaw[b * n + m];
          into[perm ? perm[m] : m] += c;
          spikes += c;
        }
        return spikes;
      };
      const record = {
        id: p.id, kind: p.kind, shape: p.shape, size: n, spikesPerStep: spikesPerStep[pi],
        get spikeCounts() { return spikeCounts(); },
        get firstSpike() {
          if (!firstSpike) throw new SpikewasmError(`layer ${p.id}: first spikes were not recorded (run with recordFirstSpike: true, the default)`);
          return firstSpike();
        },
        synapticEvents: events[pi], inputMacsPerStep: macs[pi], ...(trains ? { spikeTrain: trains[pi].finish() } : {}),
      };
      // a method, not data: not enumerable, so records still compare, spread and serialise as their data
      return Object.defineProperty(record, "addCountsPerNeuron", { value: addCountsPerNeuron, enumerable: false }) as LayerRecord;
    });
    return {
      steps: T, batch: B, coding, inputSpikesPerStep, layers,
      output: { id: out.id, shape: out.shape, size: out.n, counts: outCounts, membrane: outMembrane },
    };
  }

  private validateRun(inputs: ArrayLike<number>, T: number, coding: string, rate: number, seed: number | number[]): number {
    const { n, shape } = this.plan.input;
    if (!Number.isInteger(T) || T < 1) throw new SpikewasmError(`steps must be an integer >= 1, got ${T}`);
    if (coding !== "current" && coding !== "poisson" && coding !== "regular")
      throw new SpikewasmError(`coding must be "current", "poisson" or "regular", got ${JSON.stringify(coding)}`);
    if (!Number.isFinite(rate) || rate < 0) throw new SpikewasmError(`rate must be a finite number >= 0, got ${rate}`);
    if (Array.isArray(seed) ? !seed.every(Number.isInteger) : !Number.isInteger(seed))
      throw new SpikewasmError(`seed must be an integer or an array of integers (one per sample), got ${JSON.stringify(seed)}`);
    if (!inputs || typeof inputs.length !== "number") throw new SpikewasmError("inputs must be a Float32Array or an array of numbers");
    const B = inputs.length / n;
    if (!Number.isInteger(B) || B < 1 || B > this.plan.batch)
      throw new SpikewasmError(
        `inputs hold ${inputs.length} values: expected k × ${n} (input shape [${shape.join(", ")}]) with 1 <= k <= batch ${this.plan.batch}`,
      );
    for (let i = 0; i < inputs.length; i++) {
      if (!Number.isFinite(inputs[i])) throw new SpikewasmError(`input value ${i} (sample ${Math.floor(i / n)}, element ${i % n}) is ${inputs[i]}`);
    }
    if (Array.isArray(seed) && seed.length !== B) throw new SpikewasmError(`seed has ${seed.length} entries, expected one per sample (${B})`);
    return B;
  }

  /** State at the start of a run; `first` (first-spike steps) only when they are recorded. */
  private reset(B: number, first: boolean): void {
    const { F, I } = this;
    const inp = this.plan.input;
    if (inp.total) I.fill(0, inp.total >> 2, (inp.total >> 2) + B * inp.n);
    for (const p of this.plan.pops) {
      const len = B * p.n;
      F.fill(p.neuron.vInit, p.v >> 2, (p.v >> 2) + len);
      F.fill(0, p.acc >> 2, (p.acc >> 2) + len);
      if (p.syn) F.fill(0, p.syn >> 2, (p.syn >> 2) + len);
      for (const a of [p.accI, p.gE, p.gI]) if (a) F.fill(0, a >> 2, (a >> 2) + len);
      if (p.ref) I.fill(0, p.ref >> 2, (p.ref >> 2) + len);
      if (p.recurrent) I.fill(0, p.counts >> 2, (p.counts >> 2) + B); // no spikes "of step 0" to feed back
      I.fill(0, p.total >> 2, (p.total >> 2) + len);
      if (first) I.fill(-1, p.first >> 2, (p.first >> 2) + len);
      for (const s of p.sources) if (s.op === "pool" && s.max) I.fill(0, s.max.passes >> 2, (s.max.passes >> 2) + len);
    }
  }

  /** Copies inputs into memory order (channels-last for [C, H, W] inputs). */
  private writeInput(inputs: ArrayLike<number>, B: number): void {
    const { n, shape, values } = this.plan.input;
    const toChw = chwIndexOfMem(shape);
    const base = values >> 2;
    for (let b = 0; b < B; b++) for (let m = 0; m < n; m++) this.F[base + b * n + m] = inputs[b * n + toChw(m)];
  }

  /** Constant-current coding: input × weights into each input-fed population's current buffer. */
  private precomputeCurrents(B: number): number[] {
    const { plan, F, kernels: k } = this;
    const x = plan.input.values;
    return plan.pops.map((p) => {
      if (p.current === 0) return 0;
      F.fill(0, p.current >> 2, (p.current >> 2) + B * p.n);
      if (p.currentI) F.fill(0, p.currentI >> 2, (p.currentI >> 2) + B * p.n);
      let macs = 0;
      for (const s of p.sources) {
        if (s.from !== -1) continue;
        const m = accumulateValues(k, s, x, B, s.inhibitory ? p.currentI : p.current);
        if (!s.uncounted) macs += m;
      }
      return macs;
    });
  }
}

/** Calls the analog-input kernel of a source; returns its multiply-accumulates (zero inputs skipped). */
export function accumulateValues(k: Kernels, s: SourcePlan, x: number, B: number, acc: number): number {
  switch (s.op) {
    case "dense":
      return k.denseValues(x, B, s.nIn, s.w, s.nOut, acc);
    case "conv2d":
      return k.conv2dValues(x, B, s.inH, s.inW, s.inC, s.w, s.outH, s.outW, s.outC, s.kh, s.kw, s.groups, s.tapsY, s.tapsX, acc);
    case "pool": {
      const m = s.max;
      if (m) return k.maxPoolValues(x, B, s.inH, s.inW, s.C, s.outH, s.outW, m.kh, m.kw, m.sh, m.sw, m.padT, m.padL, acc);
      return k.poolValues(x, B, s.inH, s.inW, s.C, s.outH, s.outW, s.winY, s.winX, s.scale, s.recip, acc);
    }
    case "add":
      k.addScaledInto(acc, x, s.scale, B * s.n);
      return B * s.n;
    case "concat":
      return k.concatValues(x, B, s.nIn, s.cIn, s.cTot, s.cOff, s.nOut, s.scale, acc);
  }
}

/** Collects one population's per-step spike lists (memory-order indices from neuronStep) as a SpikeTrain. */
class SpikeRecorder {
  private readonly offsets: Int32Array;
  private indices = new Int32Array(1024);
  private slices = 0;

  constructor(slices: number) {
    this.offsets = new Int32Array(slices + 1);
  }

  /** Appends this step's spikes: neuronStep wrote sample 0's list, then sample 1's..., counts i32[B] at `counts`. */
  add(I: Int32Array, spikes: number, counts: number, B: number, perm: Int32Array | null): void {
    let src = spikes;
    for (let b = 0; b < B; b++) {
      const k = I[counts + b], start = this.offsets[this.slices];
      if (start + k > this.indices.length) {
        const grown = new Int32Array(Math.max(2 * this.indices.length, start + k));
        grown.set(this.indices);
        this.indices = grown;
      }
      for (let i = 0; i < k; i++) this.indices[start + i] = perm ? perm[I[src + i]] : I[src + i];
      if (perm) this.indices.subarray(start, start + k).sort();
      src += k;
      this.offsets[++this.slices] = start + k;
    }
  }

  finish(): SpikeTrain {
    return { offsets: this.offsets, indices: this.indices.slice(0, this.offsets[this.slices]) };
  }
}

/** B samples of a population's values in memory order, put in [C, H, W] order on the first call (the array itself for 1-D). */
function chwWhenRead(raw: Int32Array, B: number, n: number, memShape: readonly number[]): () => Int32Array {
  let chw: Int32Array | null = memShape.length === 3 ? null : raw;
  return () => {
    if (!chw) copyChw(raw, 0, (chw = new Int32Array(B * n)), 0, B, n, memShape);
    return chw;
  };
}

/** B samples of a population's values (n each) from memory order into [C, H, W] order (toChwOrder; a copy for 1-D). */
function copyChw<A extends Int32Array | Float32Array>(src: A, srcIdx: number, dst: A, dstOff: number, B: number, n: number, memShape: readonly number[]): void {
  if (memShape.length !== 3) dst.set(src.subarray(srcIdx, srcIdx + B * n), dstOff);
  else toChwOrder(src.subarray(srcIdx, srcIdx + B * n) as A, dst.subarray(dstOff, dstOff + B * n) as A, memShape[0], n / memShape[0], B);
}


