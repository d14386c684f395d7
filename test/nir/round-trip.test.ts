/** snnToNir → writeNir → readNir → nirToSnn gives back the same SnnGraph and the same simulation. */
import { describe, expect, it } from "vitest";
import { checkGraph } from "../../src/ir/check.js";
import type { SnnGraph } from "../../src/ir/graph.js";
import { NirError } from "../../src/nir/errors.js";
import { nirToSnn, readNir, snnToNir, writeNir } from "../../src/nir/index.js";
import type { NirPrimitive } from "../../src/nir/types.js";
import { Simulator } from "../../src/sim/simulator.js";
import { Rng } from "../../src/util/rng.js";
import { BACKENDS } from "../helpers/sim.js";

function rand(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (rng.uniform() * 2 - 0.8) * scale);
}

/** Dense layers with every neuron model NIR has: LIF, IF, CubaLIF (with a bias), and LI / I / CubaLI readouts. */
function denseGraph(): SnnGraph {
  const r = new Rng(7);
  return {
    nodes: [
      { kind: "input", id: "in", shape: [6] },
      { kind: "dense", id: "lif", input: "in", units: 5, weights: rand(r, 30), bias: rand(r, 5, 0.1),
        neuron: { model: "lif", threshold: 0.7, leak: 0.9, reset: "value", vReset: -0.1 } },
      { kind: "dense", id: "if", input: "lif", units: 4, weights: rand(r, 20), neuron: { model: "if", threshold: 0.5 } },
      { kind: "dense", id: "cuba", input: "if", units: 4, weights: rand(r, 16), bias: rand(r, 4, 0.2),
        neuron: { model: "lif", threshold: 0.3, leak: 0.8, synDecay: 0.6, reset: "subtract", refractory: 2, vInit: 0.1 } },
      { kind: "dense", id: "lifOne", input: "cuba", units: 4, weights: rand(r, 16), neuron: { model: "lif", leak: 1, threshold: 0.4 } },
      { kind: "dense", id: "li", input: "lifOne", units: 3, weights: rand(r, 12), neuron: { model: "lif", leak: 0.95, threshold: 1, spiking: false } },
    ],
  };
}

/** Conv, avg and sum pooling, flatten, add with and without scales, non-spiking I and CubaLI readouts. */
function convGraph(): SnnGraph {
  const r = new Rng(11);
  return {
    nodes: [
      { kind: "input", id: "in", shape: [2, 8, 8] },
      { kind: "conv2d", id: "conv", input: "in", outChannels: 4, kernel: [3, 3], padding: [1, 1, 1, 1], groups: 2,
        weights: rand(r, 4 * 1 * 9, 0.8), bias: rand(r, 4, 0.1), neuron: { model: "lif", threshold: 0.6, leak: 0.7, synDecay: 0.2 } },
      { kind: "conv2d", id: "conv2", input: "conv", outChannels: 4, kernel: [3, 3], stride: [2, 2], dilation: [1, 1 + 1],
        padding: [2, 1, 2, 1], weights: rand(r, 4 * 4 * 9, 0.5), neuron: { model: "if", threshold: 0.5 } },
      { kind: "pool", id: "avg", input: "conv", mode: "avg", kernel: [2, 2], neuron: { model: "if", threshold: 0.4 } },
      { kind: "pool", id: "sum", input: "conv", mode: "sum", kernel: [3, 3], stride: [2, 2], padding: [1, 1, 1, 1], neuron: { model: "if", threshold: 1.2 } },
      { kind: "add", id: "res", inputs: ["avg", "sum"], scales: [1, 0.5], neuron: { model: "if", threshold: 0.8, reset: "subtract" } },
      { kind: "add", id: "relay", inputs: ["res"], neuron: { model: "lif", leak: 0.5, threshold: 0.9 } },
      { kind: "flatten", id: "flat", input: "relay" },
      { kind: "dense", id: "fc", input: "flat", units: 3, weights: rand(r, 64 * 3, 0.3), neuron: { model: "if", threshold: 1, spiking: false } },
      { kind: "flatten", id: "flat2", input: "conv2" },
      { kind: "dense", id: "fc2", input: "flat2", units: 3, weights: rand(r, 4 * 5 * 3 * 3, 0.3), neuron: { model: "lif", leak: 0.9, synDecay: 0.5, threshold: 1, spiking: false } },
    ],
    output: "fc",
  };
}

async function roundTrip(graph: SnnGraph, dt: number, warnings: string[] = []): Promise<SnnGraph> {
  const bytes = await writeNir(snnToNir(graph, { dt, onWarning: (m) => warnings.push(m) }));
  return nirToSnn(await readNir(bytes, "round-trip.nir"), { file: "round-trip.nir" });
}

async function simulate(graph: SnnGraph, backend: "wasm" | "js", input: Float32Array) {
  const sim = await Simulator.create(graph, { batch: 2, backend });
  return sim.run(input, { steps: 30, coding: "poisson", rate: 0.6, seed: 3 });
}

describe("NIR round trip of every exportable node kind", () => {
  for (const [name, make] of [["dense + every neuron model", denseGraph], ["conv, pools, add, flatten", convGraph]] as const) {
    for (const dt of [1e-3, 1e-4]) {
      it(`${name} (dt ${dt}): same SnnGraph, same simulation on both back ends`, async () => {
        const graph = make();
        checkGraph(graph);
        const back = await roundTrip(graph, dt);
        expect(back).toEqual(graph);
        const r = new Rng(5);
        const n = graph.nodes[0].kind === "input" ? graph.nodes[0].shape.reduce((a, b) => a * b, 1) : 0;
        const input = Float32Array.from({ length: 2 * n }, () => r.uniform());
        for (const backend of BACKENDS) expect(await simulate(back, backend, input)).toEqual(await simulate(graph, backend, input));
      });
    }
  }

  it("extensions NIR cannot state are named as warnings (or refused with strict)", async () => {
    const warnings: string[] = [];
    await roundTrip(denseGraph(), 1e-3, warnings);
    // 'if' and 'lifOne' reset by subtraction (spikewasm's default), 'cuba' has all three extensions
    expect(warnings).toHaveLength(5);
    expect(warnings.join("\n")).toMatch(/layer 'if' \(dense\): reset by subtraction/);
    expect(warnings.join("\n")).toMatch(/layer 'cuba' \(dense\): reset by subtraction \(NIR resets to v_reset\) is not part of NIR/);
    expect(warnings.join("\n")).toMatch(/refractory period 2 steps/);
    expect(warnings.join("\n")).toMatch(/initial potential vInit 0.1/);
    expect(() => snnToNir(denseGraph(), { strict: true })).toThrow(NirError);
  });

  it("without spikewasm's metadata the NIR parameters alone give the same per-step values to 1e-12", async () => {
    const graph = denseGraph();
    const nir = snnToNir(graph, { dt: 2e-3 });
    const back = nirToSnn(await readNir(await writeNir(nir), "x.nir"), { useMetadata: false });
    for (const [k, node] of back.nodes.entries()) {
      const orig = graph.nodes[k];
      expect(node.id).toBe(orig.id);
      if (!("neuron" in node) || !("neuron" in orig)) continue;
      const a = node.neuron, b = orig.neuron;
      const leak = (p: typeof a) => (p.model === "if" ? 1 : (p.leak ?? 1));
      expect(leak(a)).toBeCloseTo(leak(b), 12);
      expect(a.synDecay ?? 0).toBeCloseTo(b.synDecay ?? 0, 12);
      if (b.spiking !== false) expect(a.threshold).toBeCloseTo(b.threshold, 12);
    }
    // what NIR cannot hold falls back to NIR's own rules: reset to v_reset (0), no refractory period, v(0) = 0
    const cuba = back.nodes.find((n) => n.id === "cuba") as { neuron: object };
    expect(cuba.neuron).toMatchObject({ reset: "value" });
    expect(cuba.neuron).not.toHaveProperty("refractory");
  });

  it("the written file holds NIR's primitives, edges and per-step parameters in seconds", async () => {
    const nir = snnToNir(denseGraph(), { dt: 1e-3 });
    const g = await readNir(await writeNir(nir), "x.nir");
    expect([...g.nodes].map(([k, n]) => `${k}:${n.type}`)).toEqual([
      "in:Input", "lif.weight:Affine", "lif:LIF", "if.weight:Linear", "if:IF", "cuba.weight:Affine", "cuba:CubaLIF",
      "lifOne.weight:Linear", "lifOne:IF", "li.weight:Linear", "li:LI", "output:Output",
    ]);
    const lif = g.nodes.get("lif") as NirPrimitive;
    const v = (k: string) => (lif.params[k] as { data: Float64Array }).data[0];
    expect(v("tau")).toBeCloseTo(1e-3 / 0.1, 12); // tau = dt / (1 - leak)
    expect(v("r")).toBeCloseTo(10, 12); // g = dt/tau · r = 1
    expect(v("v_threshold")).toBe(0.7);
    expect(v("v_reset")).toBe(-0.1);
    const cuba = g.nodes.get("cuba") as NirPrimitive;
    expect((cuba.params.tau_syn as { data: Float64Array }).data[0]).toBeCloseTo(1e-3 / 0.4, 12);
    expect(g.edges).toContainEqual(["li", "output"]);
  });
});

describe("snnToNir refuses what NIR cannot express, all at once", () => {
  it("concat, max pooling and asymmetric padding in one NirError", () => {
    const r = new Rng(1);
    const graph: SnnGraph = {
      nodes: [
        { kind: "input", id: "in", shape: [1, 6, 6] },
        { kind: "conv2d", id: "c", input: "in", outChannels: 2, kernel: [3, 3], padding: [1, 1, 0, 0], weights: rand(r, 18), neuron: { model: "if", threshold: 1 } },
        { kind: "pool", id: "mp", input: "c", mode: "max", kernel: [2, 2], neuron: { model: "if", threshold: 1 } },
        { kind: "concat", id: "cat", inputs: ["mp", "mp"], neuron: { model: "if", threshold: 1 } },
      ],
    };
    let err: unknown;
    try {
      snnToNir(graph, { file: "net.json" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NirError);
    const e = err as NirError;
    expect(e.kind).toBe("unexportable");
    expect(e.problems).toHaveLength(3);
    expect(e.message).toMatch(/net\.json: cannot export to NIR \(3 problems\)/);
    expect(e.message).toMatch(/layer 'c' \(conv2d\): asymmetric padding/);
    expect(e.message).toMatch(/layer 'mp' \(pool\): max pooling has no NIR primitive/);
    expect(e.message).toMatch(/layer 'cat' \(concat\): concatenation has no NIR primitive/);
  });
});
