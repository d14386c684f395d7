/**
 * Memory planning: turns a checked graph into byte addresses in one linear memory, and the graph's
 * weights into the kernels' layouts (src/sim/layouts.ts: weight orders, conv tap/gather and pool tables). Done once per Simulator.
 *
 * Layout of the linear memory (every buffer 16-byte aligned; address 0 means "absent"):
 *   [0, 64)            reserved (null)
 *   parameters         per population and source: weights in kernel layout; recurrent weights f32[n][n]
 *                      (memory order, rows of n as denseSpikes reads them); bias (f32[n], expanded
 *                      per neuron, channels-last); conv tap tables (i32[inH][1+2KH], i32[inW][1+2KW]);
 *                      conv gather tables (i32[outH][1+2KH], i32[outW][1+2KW]; the masked path);
 *                      pool window ranges (i32[inH][2], i32[inW][2]) and reciprocals (f32[outH*outW])
 *   state, batch B     input: values f32[B*nIn] (spike coding: firing probabilities), spikes i32[B*nIn],
 *                      counts i32[B], rng u32[B][4] (per-sample xoshiro128** states of Poisson coding),
 *                      total i32[B*nIn] (running spike counts; only when a max pool reads the input)
 *                      per population: v, acc f32[B*n]; syn f32[B*n] (only with synDecay > 0);
 *                      ref i32[B*n] (only with refractory > 0); spikes i32[B*n + 3]; counts i32[B];
 *                      total, first i32[B*n]; current f32[B*n] (only when fed by the input)
 *                      mask i32[B*nIn] for the largest dense/conv2d source input: the spike-mask scratch
 *                      of the masked (dense SIMD) kernels, shared by all sources (assembly/masked.ts)
 *                      "cond_exp" populations (PyNN IF_cond_exp, kernel condStep): v in mV; acc is the
 *                      excitatory accumulator accE (µS); accI f32[B*n] the inhibitory one (split mode
 *                      only; signed mode: 0 and acc holds the signed sum); gE, gI f32[B*n] conductances
 *                      (µS); currentI f32[B*n] (split mode, fed by the input: the input × W- current)
 *
 * Batch layout: sample-major ([B][n]). Event-driven accumulation adds a contiguous weight row into a
 * contiguous slice of one sample's accumulator, so sample-major keeps both streams unit-stride; the
 * alternative ([n][B], batch innermost) would turn every row add into a strided scatter.
 *
 * Tensor layout: a 3-D population [C, H, W] is stored channels-last, [H][W][C], so that a conv spike
 * adds one contiguous row of output channels. Dense weights that read a flattened 3-D tensor are
 * permuted once here (row (h, w, c) <- ONNX row c*H*W + h*W + w); conv weights become
 * [Cin][KH][KW][Cout/groups]. Results are permuted back to [C, H, W] when reported.
 *
 * Split accumulation into a "cond_exp" population (neuron.cond.accumulate "split", the default): each
 * weighted source becomes up to two sources over the same spikes, one with W+ = max(W, 0) into accE and
 * one (`inhibitory`) with W- = max(-W, 0) into accI (one is left out when it would be all zeros); add and
 * concat sources go to accI with |scale| when their scale is negative; the second pass of a source is
 * `uncounted` (its spikes' synaptic events are counted once).
 */
import { SpikewasmError } from "../errors.js";
import { type CondConstants, condConstants } from "../reference/cond.js";
import { convGather, convTaps, convWeights, denseWeights, poolRecip, poolWindows, recurrentWeights } from "./layouts.js";
import { type GraphShapes, checkGraph } from "../ir/check.js";
import {
  type AddNode,
  type ConcatNode,
  type Conv2dNode,
  type DenseNode,
  type PoolNode,
  type PopulationNode,
  type ResolvedNeuron,
  type Shape,
  type SnnGraph,
  resolveNeuron,
  shapeSize,
} from "../ir/graph.js";

/** Where a tensor lives: population index (-1 = the network input) and its memory shape. */
interface TensorRef {
  pop: number;
  /** [C, H, W] stored channels-last, or [n] */
  memShape: Shape;
}

/**
 * One incoming projection of a population, with everything its kernel needs; `inhibitory`: into the
 * population's accI (split "cond_exp" accumulation), `uncounted`: the second pass of a split source.
 */
export type SourcePlan = SourceOp & { inhibitory?: boolean; uncounted?: boolean };

/** The kernel-specific part of a SourcePlan. */
export type SourceOp =
  | { op: "dense"; from: number; w: number; nIn: number; nOut: number }
  | { op: "conv2d"; from: number; w: number; inH: number; inW: number; inC: number; outH: number; outW: number; outC: number;
      kh: number; kw: number; groups: number; tapsY: number; tapsX: number;
      /** gather tables of the masked path, i32[outH][1+2KH] / i32[outW][1+2KW] = [count, k0, in0, ...] */
      gatherY: number; gatherX: number }
  | { op: "pool"; from: number; inH: number; inW: number; C: number; outH: number; outW: number;
      winY: number; winX: number; scale: number; recip: number;
      /** max pooling (maxPoolSpikes / maxPoolValues) instead of avg/sum (then scale = recip = 0); null for avg/sum */
      max: MaxPoolPlan | null }
  | { op: "add"; from: number; n: number; scale: number }
  /** channel concat: input element j (channels-last, cIn channels; cIn = nIn for 1-D) feeds neuron
   *  floor(j / cIn) * cTot + cOff + j % cIn of the nOut-neuron population */
  | { op: "concat"; from: number; nIn: number; cIn: number; cTot: number; cOff: number; nOut: number; scale: number };

/**
 * What a max-pool source adds to the pool plan: the window geometry (for the analog window max), the
 * address of the source's running spike counts, i32[B][inH][inW][C] (its population's `total`, or the
 * input's), and the window gates, i32[B][outH][outW][C] (the largest count passed so far, zeroed per
 * run). A flag on op "pool" rather than an op of its own.
 */
export interface MaxPoolPlan {
  kh: number; kw: number; sh: number; sw: number; padT: number; padL: number;
  /** address of the source's running counts, filled once the state is laid out */
  total: number;
  /** address of the window gates (state), filled once the state is laid out */
  passes: number;
}

/** A neuron population and the addresses of its buffers. */
export interface PopulationPlan {
  id: string;
  kind: PopulationNode["kind"];
  /** logical shape ([C, H, W] or [n]) */
  shape: Shape;
  /** neurons per sample */
  n: number;
  /** shape that fixes the memory order: [C, H, W] (stored [H][W][C]) or [n]; differs from `shape`
   *  only for an add or concat of flattened 3-D tensors, which keeps their channels-last order
   *  (a concat of k flattened [C, H, W] tensors is stored as the flattened [kC, H, W] concat) */
  memShape: Shape;
  neuron: ResolvedNeuron;
  sources: SourcePlan[];
  v: number; acc: number; syn: number; bias: number; ref: number;
  spikes: number; counts: number; total: number; first: number;
  /** precomputed input current (constant-current coding), 0 if not fed by the input */
  current: number;
  /** "cond_exp" only (else 0): inhibitory accumulator (split mode), conductances, input × W- current */
  accI: number; gE: number; gI: number; currentI: number;
  /** "cond_exp": the kernel constants derived once from neuron.cond (condConstants); null otherwise */
  cond: CondConstants | null;
  /**
   * The population's one-step-delayed self-connection (graph.ts RecurrentConnection), or null: a dense
   * source from the population itself (from = its own index) whose weights are [n][n] in memory order
   * (row m = fan-out of memory neuron m); the simulator feeds it the spike list of step t−1.
   */
  recurrent: (SourcePlan & { op: "dense" }) | null;
}

/** The complete memory plan of a graph for a batch size. */
export interface MemoryPlan {
  batch: number;
  input: {
    id: string; shape: Shape; n: number; channelsLast: boolean; values: number; spikes: number; counts: number; rng: number;
    /** running spike counts i32[B*n] (spike coding), 0 unless a max pool reads the input */
    total: number;
  };
  pops: PopulationPlan[];
  /** index of the output population */
  output: number;
  /** spike-mask scratch of the masked kernels, i32[B × largest dense/conv2d source input] (0 if none) */
  mask: number;
  /** bytes of weights, biases and derived constants */
  parameterBytes: number;
  /** bytes of the engine's own buffers (state, spike lists, records kept in memory) */
  stateBytes: number;
  /** end of the last buffer = bytes of linear memory needed */
  totalBytes: number;
  /** parameter arrays to copy into memory at their addresses */
  initData: { addr: number; data: Float32Array | Int32Array }[];
  shapes: GraphShapes;
}

/** Largest linear memory a wasm32 module can address (65,536 pages of 64 KiB). */
export const WASM_MAX_BYTES = 65536 * 65536;

class Allocator {
  top = 64;
  alloc(bytes: number): number {
    const a = this.top;
    this.top = a + Math.ceil(bytes / 16) * 16;
    return a;
  }
}

export { chwIndexOfMem, chwPermutation } from "./layouts.js";

/** Plans a graph for `batch` samples: checks it, lays out memory, permutes weights. */
export function planMemory(graph: SnnGraph, batch: number): MemoryPlan {
  if (!Number.isInteger(batch) || batch < 1) throw new SpikewasmError(`batch must be an integer >= 1, got ${batch}`);
  const shapes = checkGraph(graph);
  const A = new Allocator();
  const initData: { addr: number; data: Float32Array | Int32Array }[] = [];
  const param = (data: Float32Array | Int32Array): number => {
    const addr = A.alloc(data.byteLength);
    initData.push({ addr, data });
    return addr;
  };
  const refs = new Map<string, TensorRef>();
  const pops: PopulationPlan[] = [];
  const inputNode = graph.nodes.find((n) => n.kind === "input")!;
  const inShape = shapes.shapes.get(inputNode.id)!;
  refs.set(inputNode.id, { pop: -1, memShape: inShape });

  for (const node of graph.nodes) {
    const shape = shapes.shapes.get(node.id)!;
    if (node.kind === "input") continue;
    if (node.kind === "flatten") {
      refs.set(node.id, refs.get(node.input)!);
      continue;
    }
    const n = shapeSize(shape);
    const neuron = resolveNeuron(node.neuron);
    const memShape = memShapeOf(node, refs, shape);
    let sources = planSources(node, shapes, refs, param, n, memShape);
    if (neuron.cond && neuron.cond.accumulate === "split") sources = splitSources(sources, initData, param);
    let bias = 0;
    if ((node.kind === "dense" || node.kind === "conv2d") && node.bias) {
      const hw = shape.length === 3 ? shape[1] * shape[2] : 1;
      const c = shape.length === 3 ? shape[0] : n;
      const b = new Float32Array(n);
      for (let p = 0; p < hw; p++) for (let k = 0; k < c; k++) b[p * c + k] = node.bias[k];
      bias = param(b);
    }
    const recurrent = node.recurrent
      ? { op: "dense" as const, from: pops.length, w: param(recurrentWeights(node.recurrent.weights, memShape)), nIn: n, nOut: n }
      : null;
    pops.push({
      id: node.id, kind: node.kind, shape, memShape, n, neuron,
      sources, bias, v: 0, acc: 0, syn: 0, ref: 0, spikes: 0, counts: 0, total: 0, first: 0, current: 0,
      accI: 0, gE: 0, gI: 0, currentI: 0, cond: neuron.cond ? condConstants(neuron.cond, neuron.cond.dt) : null, recurrent,
    });
    refs.set(node.id, { pop: pops.length - 1, memShape });
  }
  const parameterBytes = A.top - 64;

  const nIn = shapeSize(inShape);
  const input = {
    id: inputNode.id, shape: inShape, n: nIn, channelsLast: inShape.length === 3,
    values: A.alloc(4 * batch * nIn), spikes: A.alloc(4 * batch * nIn), counts: A.alloc(4 * batch), rng: A.alloc(16 * batch),
    total: pops.some((p) => p.sources.some((s) => s.op === "pool" && s.max && s.from === -1)) ? A.alloc(4 * batch * nIn) : 0,
  };
  for (const p of pops) {
    const bn = 4 * batch * p.n;
    p.v = A.alloc(bn);
    p.acc = A.alloc(bn);
    if (p.neuron.synDecay > 0) p.syn = A.alloc(bn);
    if (p.neuron.refractory > 0) p.ref = A.alloc(bn);
    p.spikes = A.alloc(bn + 12); // 3 slots of slack: neuronStep's branch-free list writes
    p.counts = A.alloc(4 * batch);
    p.total = A.alloc(bn);
    p.first = A.alloc(bn);
    if (p.sources.some((s) => s.from === -1)) p.current = A.alloc(bn);
    if (p.cond) {
      // split mode without any inhibitory source runs the kernel's signed mode (accI = 0), identical then
      if (p.sources.some((s) => s.inhibitory)) p.accI = A.alloc(bn);
      p.gE = A.alloc(bn);
      p.gI = A.alloc(bn);
      if (p.accI !== 0 && p.sources.some((s) => s.from === -1 && s.inhibitory)) p.currentI = A.alloc(bn);
    }
  }
  for (const p of pops)
    for (const s of p.sources)
      if (s.op === "pool" && s.max) {
        s.max.total = s.from === -1 ? input.total : pops[s.from].total;
        s.max.passes = A.alloc(4 * batch * p.n);
      }
  const maskIn = Math.max(0, ...pops.flatMap((p) => p.sources.map((s) => (s.op === "dense" ? s.nIn : s.op === "conv2d" ? s.inH * s.inW * s.inC : 0))));
  const mask = maskIn > 0 ? A.alloc(4 * batch * maskIn) : 0;
  const output = pops.findIndex((p) => p.id === shapes.output);
  return {
    batch, input, pops, output, mask, parameterBytes, stateBytes: A.top - 64 - parameterBytes, totalBytes: A.top, initData, shapes,
  };
}

/**
 * Memory shape of a population (PopulationPlan.memShape): its shape, except for an add or concat of
 * flattened [C, H, W] tensors, which keeps their channels-last order: an add takes its inputs' memory
 * shape; the concat of k flattened [C, H, W] tensors of one shape is stored as their flattened
 * [kC, H, W] concat. Inputs whose element orders cannot be matched one for one (a flattened [C, H, W]
 * tensor with a 1-D one, flattened tensors of different [C, H, W]) are refused, naming the layer.
 */
function memShapeOf(node: PopulationNode, refs: Map<string, TensorRef>, shape: Shape): Shape {
  if (node.kind !== "add" && node.kind !== "concat") return shape;
  if (node.kind === "concat" && shape.length === 3) return shape; // check.ts: all [C_k, H, W] with equal H, W
  const srcs = node.inputs.map((id) => refs.get(id)!.memShape);
  const [verb, prep, op] = node.kind === "add" ? ["adds", "to", "add"] : ["concatenates", "with", "concatenate"];
  const what = `layer '${node.id}' (${node.kind}): ${verb}`, why = `their element orders differ (${op} before flattening)`;
  if (new Set(srcs.map((m) => m.length)).size > 1) throw new SpikewasmError(`${what} a flattened [C, H, W] tensor ${prep} a 1-D one; ${why}`);
  if (srcs[0].length !== 3) return shape;
  const shapes3d = new Set(srcs.map((m) => `[${m.join(", ")}]`));
  if (shapes3d.size > 1) throw new SpikewasmError(`${what} flattened tensors of different [C, H, W] shapes ${[...shapes3d].join(" and ")}; ${why}`);
  if (node.kind === "add") return srcs[0];
  const [c, h, w] = srcs[0];
  return [c * srcs.length, h, w];
}

function planSources(
  node: DenseNode | Conv2dNode | PoolNode | AddNode | ConcatNode,
  shapes: GraphShapes,
  refs: Map<string, TensorRef>,
  param: (d: Float32Array | Int32Array) => number,
  n: number,
  mem: Shape,
): SourcePlan[] {
  const out = shapes.shapes.get(node.id)!;
  switch (node.kind) {
    case "dense": {
      const src = refs.get(node.input)!;
      return [{ op: "dense", from: src.pop, w: param(denseWeights(node, src.memShape)), nIn: shapeSize(src.memShape), nOut: node.units }];
    }
    case "conv2d": {
      const src = refs.get(node.input)!;
      const [inC, inH, inW] = src.memShape;
      const [sh, sw] = node.stride ?? [1, 1];
      const [padT, padL] = node.padding ?? [0, 0, 0, 0];
      const [dh, dw] = node.dilation ?? [1, 1];
      const [kh, kw] = node.kernel;
      return [{
        op: "conv2d", from: src.pop, w: param(convWeights(node, inC)), inH, inW, inC, outH: out[1], outW: out[2], outC: out[0],
        kh, kw, groups: node.groups ?? 1,
        tapsY: param(convTaps(inH, kh, sh, padT, dh, out[1])), tapsX: param(convTaps(inW, kw, sw, padL, dw, out[2])),
        gatherY: param(convGather(out[1], kh, sh, padT, dh, inH)), gatherX: param(convGather(out[2], kw, sw, padL, dw, inW)),
      }];
    }
    case "pool": {
      const src = refs.get(node.input)!;
      const [C, inH, inW] = src.memShape;
      const [kh, kw] = node.kernel;
      const [sh, sw] = node.stride ?? node.kernel;
      const [padT, padL] = node.padding ?? [0, 0, 0, 0];
      const max = node.mode === "max";
      const r = max ? null : poolRecip(node, inH, inW, out[1], out[2]);
      return [{
        op: "pool", from: src.pop, inH, inW, C, outH: out[1], outW: out[2],
        winY: param(poolWindows(inH, kh, sh, padT, out[1])), winX: param(poolWindows(inW, kw, sw, padL, out[2])),
        scale: max ? 0 : node.mode === "sum" ? 1 : 1 / (kh * kw), recip: r ? param(r) : 0,
        max: max ? { kh, kw, sh, sw, padT, padL, total: 0, passes: 0 } : null,
      }];
    }
    case "add":
      return node.inputs.map((id, k) => ({ op: "add", from: refs.get(id)!.pop, n, scale: node.scales?.[k] ?? 1 }));
    case "concat": {
      const cTot = mem.length === 3 ? mem[0] : n;
      let cOff = 0;
      return node.inputs.map((id, k): SourcePlan => {
        const src = refs.get(id)!;
        const nIn = shapeSize(src.memShape), cIn = mem.length === 3 ? src.memShape[0] : nIn;
        const plan: SourcePlan = { op: "concat", from: src.pop, nIn, cIn, cTot, cOff, nOut: n, scale: node.scales?.[k] ?? 1 };
        cOff += cIn;
        return plan;
      });
    }
  }
}

/**
 * Split accumulation (module header): W -> W+ (in place of W, into accE) and W- (a new parameter, into
 * accI) for dense and conv2d sources; add/concat sources with a negative scale go to accI with |scale|.
 */
function splitSources(sources: SourcePlan[], initData: { addr: number; data: Float32Array | Int32Array }[],
  param: (d: Float32Array | Int32Array) => number): SourcePlan[] {
  const out: SourcePlan[] = [];
  for (const s of sources) {
    if (s.op === "dense" || s.op === "conv2d") {
      const entry = initData.find((e) => e.addr === s.w)!;
      const w = entry.data as Float32Array;
      const pos = w.map((x) => (x > 0 ? x : 0)), neg = w.map((x) => (x < 0 ? -x : 0));
      const hasPos = pos.some((x) => x > 0), hasNeg = neg.some((x) => x > 0);
      entry.data = pos;
      if (hasPos || !hasNeg) out.push(s);
      if (hasNeg) out.push({ ...s, w: param(neg), inhibitory: true, uncounted: hasPos });
    } else if ((s.op === "add" || s.op === "concat") && s.scale < 0) out.push({ ...s, scale: -s.scale, inhibitory: true });
    else out.push(s);
  }
  return out;
}

/** Checks a plan against a memory limit, naming the bytes needed. */
export function checkMemoryLimit(plan: MemoryPlan, limit: number): void {
  if (plan.totalBytes > limit) {
    const mib = (b: number) => (b / 2 ** 20).toFixed(1);
    throw new SpikewasmError(
      `graph does not fit: it needs ${plan.totalBytes} bytes (${mib(plan.totalBytes)} MiB: ${mib(plan.parameterBytes)} MiB parameters + ` +
        `${mib(plan.stateBytes)} MiB state for batch ${plan.batch}), the limit is ${limit} bytes (${mib(limit)} MiB)` +
        (plan.batch > 1 ? "; a smaller batch needs less state" : ""),
      3,
    );
  }
}
