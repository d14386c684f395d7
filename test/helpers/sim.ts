/** Small builders shared by the simulator tests. */
import type { NeuronParams, SnnGraph } from "../../src/ir/graph.js";
import type { Backend } from "../../src/sim/kernels.js";
import { type RunOptions, type SimResult, Simulator } from "../../src/sim/simulator.js";

/** Both back ends: every behavioural test runs on each. */
export const BACKENDS: readonly Backend[] = ["wasm", "js"];

/** input [1] -> dense with one unit of weight `weight` (and optional bias): one neuron fed a constant current. */
export function oneNeuron(weight: number, neuron: NeuronParams, bias?: number): SnnGraph {
  return {
    nodes: [
      { kind: "input", id: "in", shape: [1] },
      { kind: "dense", id: "n", input: "in", units: 1, weights: Float32Array.of(weight),
        bias: bias === undefined ? undefined : Float32Array.of(bias), neuron },
    ],
  };
}

/** input [n] -> dense n with identity weights and IF threshold 1: the output repeats every input spike. */
export function relay(n: number): SnnGraph {
  const w = new Float32Array(n * n);
  for (let i = 0; i < n; i++) w[i * n + i] = 1;
  return {
    nodes: [
      { kind: "input", id: "in", shape: [n] },
      { kind: "dense", id: "relay", input: "in", units: n, weights: w, neuron: { model: "if", threshold: 1 } },
    ],
  };
}

/** Builds a Simulator and runs it once. */
export async function simulate(
  graph: SnnGraph, inputs: ArrayLike<number>, run: RunOptions, backend: Backend, batch = 1,
): Promise<SimResult> {
  const sim = await Simulator.create(graph, { batch, backend });
  return sim.run(inputs, run);
}

/** The bit patterns of float32 values (so that comparisons are exact, -0 and NaN included). */
export function bits(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)));
}

/** Row t (0-based step) of a [T][B][n] record, sample b. */
export function at<A extends Int32Array | Float32Array>(rec: A, t: number, b: number, B: number, n: number): A {
  const o = (t * B + b) * n;
  return rec.subarray(o, o + n) as A;
}
