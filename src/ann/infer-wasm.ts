/**
 * DNN inference on the WASM kernels: the same memory plan as the simulator (channels-last, permuted
 * weights), each layer computed once with the analog *Values kernels (which skip zero inputs, so ReLU
 * sparsity is free; max pooling takes the window maximum, padding never wins), then bias and
 * activation on the host. Float32 accumulation (the TypeScript reference in infer.ts accumulates in
 * float64; they agree to ~1e-6 relative). A graph the plan cannot hold uses the TypeScript reference.
 */
import { fitBatch } from "../sim/fit-batch.js";
import type { Activation, AnnGraph } from "../ir/ann.js";
import type { SnnGraph, SnnNode } from "../ir/graph.js";
import { createWasmKernels } from "../sim/kernels.js";
import { type MemoryPlan, chwPermutation } from "../sim/plan.js";
import { toChwOrder } from "../sim/layouts.js";
import { accumulateValues } from "../sim/simulator.js";
import { type Activations, inferAnn } from "./infer.js";

const LINEAR = { model: "if", threshold: 1, spiking: false } as const;

/** The ANN as an SNN-graph skeleton (for the memory plan), or null if it has nodes the plan lacks. */
function mirror(ann: AnnGraph): SnnGraph | null {
  const nodes: SnnNode[] = [];
  for (const n of ann.nodes) {
    if (n.kind === "input") nodes.push({ kind: "input", id: n.id, shape: n.shape });
    else if (n.kind === "flatten") nodes.push(n);
    else if (n.kind === "pool") nodes.push({ ...n, neuron: LINEAR });
    else if (n.kind === "add" || n.kind === "concat") nodes.push({ kind: n.kind, id: n.id, inputs: n.inputs, neuron: LINEAR });
    else nodes.push({ ...n, neuron: LINEAR } as SnnNode);
  }
  return { nodes, output: ann.output };
}


/**
 * The order `run` writes [C, H, W] activations in: "chw" (the graph's), or "memory", the runner's own
 * channels-last order, which spares the transpose of every layer for a caller that does not care which
 * neuron is where until the end (sums per neuron, zero counts; `memoryOrder` maps back).
 */
export type ActivationOrder = "chw" | "memory";

/** A compiled ANN: call `run` on chunks of up to `batch` samples. */
export interface AnnRunner {
  /**
   * Every node's activations ([B][size], [C, H, W] order) or only the output's when `all` is false. With
   * `reuse` (the arrays a previous call returned), they are written into those arrays where they are large
   * enough (views of their first count·size values), instead of new ones: fresh memory costs its page
   * faults on first touch (on this project's VMs ~3.6 ms per MB, more than the pass), so a caller running
   * chunk after chunk passes the previous chunk's result.
   */
  run(inputs: Float32Array, count: number, all: boolean, reuse?: Activations, order?: ActivationOrder): Activations;
  /**
   * For a node whose activations `run(…, "memory")` leaves in the runner's own (channels-last) order: the
   * [C, H, W] index of each of its memory indices; null when that order is already [C, H, W] (1-D nodes,
   * the input, the TypeScript fallback).
   */
  memoryOrder(id: string): Int32Array | null;
  /**
   * Effective multiply-accumulates per layer (those with a non-zero input) summed over every sample run
   * since the last reset, and that sample count; null for the TypeScript fallback.
   */
  stats(): { effectiveMacs: Map<string, number>; samples: number } | null;
  resetStats(): void;
}

/** Builds a WASM runner for the graph (TypeScript fallback for unsupported structures). */
export async function createAnnRunner(ann: AnnGraph, batch: number): Promise<AnnRunner> {
  const fallback: AnnRunner = { run: (x, count) => inferAnn(ann, x, count), memoryOrder: () => null, stats: () => null, resetStats: () => undefined };
  const g = mirror(ann);
  if (!g) return fallback;
  let plan: MemoryPlan;
  try {
    plan = fitBatch(g, batch).plan; // a smaller batch when the asked one does not fit in WebAssembly memory
  } catch {
    return fallback; // a structure the simulator's plan refuses (e.g. adding differently shaped flattened tensors)
  }
  const memory = new WebAssembly.Memory({ initial: Math.ceil(plan.totalBytes / 65536) });
  const k = await createWasmKernels(memory);
  const F = new Float32Array(memory.buffer), I = new Int32Array(memory.buffer);
  for (const { addr, data } of plan.initData) (data instanceof Int32Array ? I : F).set(data, addr >> 2);
  const acts = new Map(ann.nodes.map((n) => [n.id, "activation" in n ? n.activation : ("none" as Activation)]));
  const input = ann.nodes.find((n) => n.kind === "input")!;
  const pre = input.kind === "input" ? input.preprocess : undefined;
  const macs = new Map<string, number>();
  // the [C, H, W] permutation of the input, computed once (not per chunk)
  const perms = { input: chwPermutation(plan.input.shape) };
  // memory index -> [C, H, W] index per node in channels-last memory (flattens share their input's data)
  const orders = new Map<string, Int32Array>();
  for (const p of plan.pops) { const perm = chwPermutation(p.memShape); if (perm) orders.set(p.id, perm); }
  for (const n of ann.nodes) if (n.kind === "flatten" && orders.has(n.input)) orders.set(n.id, orders.get(n.input)!);
  let samples = 0;
  return {
    memoryOrder: (id) => orders.get(id) ?? null,
    stats: () => ({ effectiveMacs: new Map(macs), samples }),
    resetStats: () => {
      macs.clear();
      samples = 0;
    },
    run(x: Float32Array, count: number, all: boolean, reuse?: Activations, order: ActivationOrder = "chw"): Activations {
      const outId = ann.output ?? ann.nodes[ann.nodes.length - 1].id;
      // the nodes kept: all of them, or the output (through flattens, which share their input's data)
      const kept = new Set(all ? ann.nodes.map((n) => n.id) : [outId]);
      for (let i = ann.nodes.length - 1; i >= 0; i--) {
        const n = ann.nodes[i];
        if (n.kind === "flatten" && kept.has(n.id)) kept.add(n.input);
      }
      const out: Activations = new Map();
      const array = (id: string, len: number) => {
        const old = reuse?.get(id);
        return old && old.length >= len ? old.subarray(0, len) : new Float32Array(len);
      };
      if (kept.has(plan.input.id)) out.set(plan.input.id, array(plan.input.id, count * plan.input.n));
      for (const p of plan.pops) if (kept.has(p.id)) out.set(p.id, array(p.id, count * p.n));
      for (let s0 = 0; s0 < count; s0 += plan.batch) {
        const B = Math.min(plan.batch, count - s0);
        forwardChunk(plan, perms, k, F, x.subarray(s0 * plan.input.n, (s0 + B) * plan.input.n), B, acts, pre, macs, out, s0, order);
        samples += B;
      }
      for (const n of ann.nodes) if (n.kind === "flatten" && kept.has(n.id)) out.set(n.id, out.get(n.input)!); // the same data, in the same order
      if (!all) for (const id of [...out.keys()]) if (id !== outId) out.delete(id);
      return out;
    },
  };
}

/**
 * One chunk of B <= plan.batch samples through the network; the activations of the nodes in `out` are
 * written, in [C, H, W] order (the input always; the others in memory order when asked), at sample s0 of their arrays.
 */
function forwardChunk(
  plan: MemoryPlan, perms: { input: Int32Array | null }, k: Awaited<ReturnType<typeof createWasmKernels>>, F: Float32Array,
  x: Float32Array, B: number, acts: Map<string, Activation>, pre: { scale: number[]; shift: number[] } | undefined, macs: Map<string, number>,
  out: Activations, s0: number, order: ActivationOrder,
): void {
  const inp = plan.input;
  // permutation tables rather than chwIndexOfMem's closure: the closure's % and / per element were
  // 7 % of a `run` profile (bench/RESULTS.md, issue 16)
  const toChw = perms.input;
  const hw = inp.shape.length === 3 ? inp.shape[1] * inp.shape[2] : inp.n;
  const inVals = out.get(inp.id)?.subarray(s0 * inp.n, (s0 + B) * inp.n);
  for (let b = 0; b < B; b++)
    for (let m = 0; m < inp.n; m++) {
      const i = toChw ? toChw[m] : m, v = x[b * inp.n + i];
      const c = Math.floor(i / hw);
      const y = pre ? v * pre.scale[c] + pre.shift[c] : v;
      F[(inp.values >> 2) + b * inp.n + m] = y;
      if (inVals) inVals[b * inp.n + i] = y;
    }
  plan.pops.forEach((p) => {
    const acc = p.acc >> 2, len = B * p.n;
    F.fill(0, acc, acc + len);
    for (const s of p.sources) {
      const src = s.from === -1 ? inp.values : plan.pops[s.from].v;
      macs.set(p.id, (macs.get(p.id) ?? 0) + accumulateValues(k, s, src, B, p.acc));
    }
    const a = acts.get(p.id)!;
    if (a === "relu" || a === "none") k.biasActivate(p.v, p.acc, p.bias, p.bias ? 1 : 0, B, p.n, a === "relu" ? 1 : 0);
    else clipInto(F, p.v >> 2, acc, p.bias ? p.bias >> 2 : -1, B, p.n, a.clip);
    const dst = out.get(p.id)?.subarray(s0 * p.n, s0 * p.n + len);
    if (!dst) return;
    const v = p.v >> 2;
    if (p.memShape.length !== 3 || order === "memory") dst.set(F.subarray(v, v + len));
    else toChwOrder(F.subarray(v, v + len), dst, p.memShape[0], p.n / p.memShape[0], B);
  });
}

/**
 * v[b][j] = clip(acc[b][j] + bias[j]) (bias 0 without one) for a clipped activation (ReLU6 and the like;
 * ReLU and none run in the WASM kernel biasActivate), one loop rather than a call per element.
 */
function clipInto(F: Float32Array, v: number, acc: number, bias: number, B: number, n: number, [lo, hi]: readonly [number, number]): void {
  for (let b = 0; b < B; b++) {
    const o = b * n;
    for (let j = 0; j < n; j++) {
      const x = F[acc + o + j] + (bias >= 0 ? F[bias + j] : 0);
      F[v + o + j] = x < lo ? lo : x > hi ? hi : x;
    }
  }
}
