/**
 * The NIR paper's LIF example (paper/01_lif): lif_norse.nir simulated by spikewasm's neuron kernel,
 * compared with the traces in lif_norse.csv (Norse) and lif_exact.csv (the NIR authors' exact solution).
 *
 * CSV layout (inspected; undocumented upstream): 1000 rows, one per step of dt = 1e-4 s, three columns:
 * input spike (0/1), membrane potential v after the step, output spike (0/1). lif_norse.nir is
 * Input → Affine(w = 1, b = 0) → LIF(tau = 2.5 ms, r = 1, v_leak = 0, v_threshold = 0.1) → Output.
 *
 * The Simulator feeds stationary inputs (a constant current or rate-coded spikes), not a given spike
 * train, so this test drives the kernel the Simulator calls (neuronStep, both back ends) step by step
 * with the CSV's input spikes, as the dense layer would accumulate them (acc = w·x[t]).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type NeuronParams, resolveNeuron } from "../../src/ir/graph.js";
import { nirToSnn, readNir } from "../../src/nir/index.js";
import type { NirPrimitive } from "../../src/nir/types.js";
import { createReferenceKernels } from "../../src/reference/index.js";
import { type Kernels, createWasmKernels } from "../../src/sim/kernels.js";
import { BACKENDS } from "../helpers/sim.js";

const DT = 1e-4;
const csv = (name: string): number[][] =>
  readFileSync(new URL(`../fixtures/nir/${name}`, import.meta.url), "utf8").trim().split("\n").map((l) => l.split(",").map(Number));

/** Runs one neuron through `inputs` with the kernel; returns v_NIR = g·u and the spikes per step. */
function run(k: Kernels, mem: WebAssembly.Memory, p: NeuronParams, w: number, inputs: number[]): { v: number[]; z: number[] } {
  const F = new Float32Array(mem.buffer);
  const I = new Int32Array(mem.buffer);
  const [V, ACC, SPK, CNT, TOT, FIRST] = [64, 68, 72, 76, 80, 84];
  const r = resolveNeuron(p);
  F[V >> 2] = r.vInit;
  I[TOT >> 2] = 0;
  I[FIRST >> 2] = -1;
  const v: number[] = [], z: number[] = [];
  inputs.forEach((x, t) => {
    F[ACC >> 2] = w * x;
    const n = k.neuronStep(V, ACC, 0, 0, 0, SPK, CNT, TOT, FIRST, 1, 1, r.leak, r.threshold, r.reset === "subtract" ? 0 : 1, r.vReset, 0, 0, t + 1, 1, 0);
    v.push(F[V >> 2]);
    z.push(n);
  });
  return { v, z };
}

describe("lif_norse.nir against the NIR paper's LIF traces", () => {
  for (const backend of BACKENDS) {
    it(`${backend}: same spikes as Norse and the exact solution; v within 1e-6 of Norse, 6.5e-3 of exact (1.2e-3 away from spikes)`, async () => {
      const nir = await readNir(new Uint8Array(readFileSync(new URL("../fixtures/nir/lif_norse.nir", import.meta.url))), "lif_norse.nir");
      const graph = nirToSnn(nir, { dt: DT, file: "lif_norse.nir" });
      const dense = graph.nodes[1];
      expect(dense.kind).toBe("dense");
      if (dense.kind !== "dense") return;
      // the discretisation: leak = 1 − dt/tau, threshold = v_threshold / g with g = dt/tau · r
      const lif = nir.nodes.get("1") as NirPrimitive;
      const tau = (lif.params.tau as { data: Float32Array }).data[0];
      const g = (DT / tau) * 1;
      expect(dense.neuron.leak).toBeCloseTo(0.96, 7);
      expect(dense.neuron.threshold).toBeCloseTo(2.5, 6);
      expect(dense.neuron.reset).toBe("value");

      const norse = csv("lif_norse.csv"), exact = csv("lif_exact.csv");
      expect(norse).toHaveLength(1000);
      const inputs = norse.map((row) => row[0]);
      expect(exact.map((row) => row[0])).toEqual(inputs);
      const mem = new WebAssembly.Memory({ initial: 1 });
      const k = backend === "wasm" ? await createWasmKernels(mem) : createReferenceKernels(mem);
      const { v, z } = run(k, mem, dense.neuron, dense.weights[0], inputs);
      const vNir = v.map((u) => u * g);

      const spikeSteps = (zs: number[]) => zs.flatMap((x, t) => (x ? [t + 1] : []));
      expect(spikeSteps(z)).toEqual([461, 511, 711, 761]);
      expect(spikeSteps(z)).toEqual(spikeSteps(norse.map((row) => row[2])));
      expect(spikeSteps(z)).toEqual(spikeSteps(exact.map((row) => row[2])));

      // Differences from the exact solution come from the discretisation: (1) an input spike raises
      // Euler's v by s = dt/tau = 0.04, the exact solution by 1 − e^(−s) = 0.0392 (2 % less), and the
      // gap accumulates over a burst (up to 8.5 % of v); (2) the exact solution resets at the crossing
      // inside the step and keeps integrating, so after each spike it holds a residual (≤ 6.3e-3,
      // decaying with tau) where Euler resets to exactly 0. Away from spikes the gap stays ≤ 1.2e-3.
      const after = new Set(spikeSteps(z).flatMap((s) => Array.from({ length: 60 }, (_, j) => s - 1 + j)));
      const maxDiff = (ref: number[][], skip: Set<number>) => Math.max(...vNir.map((x, t) => (skip.has(t) ? 0 : Math.abs(x - ref[t][1]))));
      const dNorse = maxDiff(norse, new Set()), dExact = maxDiff(exact, new Set()), dExactAway = maxDiff(exact, after);
      console.log(`lif_norse (${backend}): max |v − v_norse| = ${dNorse.toExponential(2)}; max |v − v_exact| = ${dExact.toExponential(2)}, ` +
        `${dExactAway.toExponential(2)} outside the 60 steps after each spike`);
      expect(dNorse).toBeLessThan(1e-6);
      expect(dExact).toBeLessThan(6.5e-3);
      expect(dExactAway).toBeLessThan(1.2e-3);
    });
  }
});
