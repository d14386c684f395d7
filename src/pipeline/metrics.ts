/**
 * NeuroBench-style metrics (Yik et al., "NeuroBench: A Framework for Benchmarking Neuromorphic Computing
 * Algorithms and Systems", 2024), for the DNN and its converted SNN, per inference:
 *   footprint            bytes of parameters (float32) — plus, for the SNN, the simulator's state buffers
 *   connection sparsity  fraction of synaptic weights that are exactly zero
 *   activation sparsity  DNN: fraction of neuron outputs that are zero; SNN: fraction of neuron-steps
 *                        without a spike (1 − spikes / (neurons × T))
 *   dense ops            MACs a dense implementation performs (DNN: once; SNN: once per step)
 *   effective MACs       DNN: MACs with a non-zero input; SNN: MACs of analog input current (constant-
 *                        current coding: first layers, every step)
 *   effective ACs        SNN: spike-driven accumulates (synaptic events); DNN: 0
 */
import type { Activations } from "../ann/infer.js";
import type { AnnGraph } from "../ir/ann.js";

/** One model's metrics. */
export interface NeuroBenchMetrics {
  footprintBytes: number;
  connectionSparsity: number;
  activationSparsity: number;
  denseOps: number;
  effectiveMacs: number;
  effectiveAcs: number;
}

/** Zero weights / all weights over the graph's dense and conv layers. */
export function connectionSparsity(ann: AnnGraph): number {
  let zeros = 0, all = 0;
  for (const n of ann.nodes) {
    if (n.kind !== "dense" && n.kind !== "conv2d") continue;
    all += n.weights.length;
    for (let i = 0; i < n.weights.length; i++) if (n.weights[i] === 0) zeros++;
  }
  return all ? zeros / all : 0;
}

/** Bytes of float32 parameters (weights and biases). */
export function parameterBytes(ann: AnnGraph): number {
  let n = 0;
  for (const node of ann.nodes) if (node.kind === "dense" || node.kind === "conv2d") n += node.weights.length + (node.bias?.length ?? 0);
  return 4 * n;
}

/** Running count of zero / all outputs of the layers that compute (for DNN activation sparsity). */
export class ZeroCounter {
  zeros = 0;
  all = 0;
  constructor(private readonly ids: Set<string>) {}
  /** Adds one chunk's activations (but those of `counted`, whose zeros the caller counts and adds with addCounted). */
  add(acts: Activations, counted?: Set<string>): void {
    for (const [id, a] of acts) {
      if (!this.ids.has(id) || counted?.has(id)) continue;
      this.all += a.length;
      for (let i = 0; i < a.length; i++) if (a[i] === 0) this.zeros++;
    }
  }
  /** Adds a layer's zeros counted elsewhere (of `all` values). */
  addCounted(zeros: number, all: number): void {
    this.zeros += zeros;
    this.all += all;
  }
  /** Fraction of zero outputs so far. */
  get sparsity(): number {
    return this.all ? this.zeros / this.all : 0;
  }
}

/** Ids of the ANN nodes whose outputs count as activations (everything but input and flatten). */
export function computeNodeIds(ann: AnnGraph): Set<string> {
  return new Set(ann.nodes.filter((n) => n.kind !== "input" && n.kind !== "flatten").map((n) => n.id));
}
