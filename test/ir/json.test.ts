/** JSON round trip of the typed graph (src/ir/json.ts). */
import { describe, expect, it } from "vitest";
import { SpikewasmError } from "../../src/errors.js";
import { checkGraph } from "../../src/ir/check.js";
import type { SnnGraph, SnnNode } from "../../src/ir/graph.js";
import { GRAPH_FORMAT, GRAPH_FORMAT_VERSION, graphToJson, parseGraph, stringifyGraph } from "../../src/ir/json.js";
import { Simulator } from "../../src/sim/simulator.js";
import { Rng } from "../../src/util/rng.js";
import { BACKENDS } from "../helpers/sim.js";

function rand(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (rng.uniform() * 2 - 0.8) * scale);
}

/** A graph with every node kind and every optional field set. */
function everyKind(): SnnGraph {
  const r = new Rng(2024);
  const convW = rand(r, 4 * 1 * 9, 0.8);
  convW[0] = -0; // signed zero and a subnormal must survive the round trip bit for bit
  convW[1] = 1e-40;
  const nodes: SnnNode[] = [
    { kind: "input", id: "in", shape: [2, 6, 6] },
    { kind: "conv2d", id: "conv", input: "in", outChannels: 4, kernel: [3, 3], stride: [1, 1], padding: [1, 1, 1, 1],
      dilation: [1, 1], groups: 2, weights: convW, bias: rand(r, 4, 0.1),
      neuron: { model: "lif", threshold: 0.7, leak: 0.9, reset: "value", vReset: -0.1, refractory: 1, vInit: 0.2, synDecay: 0.3, spiking: true } },
    { kind: "pool", id: "pool", input: "conv", mode: "avg", kernel: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0], countIncludePad: false,
      neuron: { model: "if", threshold: 0.4 } },
    { kind: "pool", id: "sumpool", input: "conv", mode: "sum", kernel: [2, 2], neuron: { model: "if", threshold: 1.2 } },
    { kind: "add", id: "res", inputs: ["pool", "sumpool"], scales: [1, 0.5], neuron: { model: "if", threshold: 0.8, reset: "subtract" } },
    { kind: "flatten", id: "flat", input: "res" },
    { kind: "dense", id: "fc", input: "flat", units: 5, weights: rand(r, 36 * 5, 0.5), bias: rand(r, 5, 0.05),
      neuron: { model: "if", threshold: 1, spiking: false } },
  ];
  return { nodes, output: "fc" };
}

const byteView = (a: Float32Array) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

describe("stringifyGraph / parseGraph", () => {
  it("every node kind round-trips to a deep-equal graph with bit-identical Float32Array tensors", () => {
    const g = everyKind();
    const back = parseGraph(stringifyGraph(g));
    expect(back).toEqual(g);
    expect(back.nodes.map((n) => n.kind)).toEqual(["input", "conv2d", "pool", "pool", "add", "flatten", "dense"]);
    g.nodes.forEach((n, i) => {
      for (const f of ["weights", "bias"] as const) {
        const a = (n as unknown as Record<string, unknown>)[f], b = (back.nodes[i] as unknown as Record<string, unknown>)[f];
        if (a === undefined) { expect(b).toBeUndefined(); continue; }
        expect(b).toBeInstanceOf(Float32Array);
        expect(byteView(b as Float32Array), `${n.id}.${f}`).toEqual(byteView(a as Float32Array));
      }
    });
    expect(Object.is((back.nodes[1] as { weights: Float32Array }).weights[0], -0)).toBe(true);
    expect(stringifyGraph(back)).toBe(stringifyGraph(g));
  });

  it("a max-pool node round-trips and simulates identically", async () => {
    const g: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [1, 4, 4] },
      { kind: "pool", id: "mp", input: "in", mode: "max", kernel: [2, 2], stride: [1, 1], padding: [1, 1, 0, 0], neuron: { model: "if", threshold: 1 } }] };
    const back = parseGraph(stringifyGraph(g));
    expect(back).toEqual(g);
    const x = Float32Array.from({ length: 16 }, (_, i) => (i % 5) / 4);
    const opts = { steps: 30, coding: "poisson" as const, seed: 2 };
    const a = (await Simulator.create(g)).run(x, opts), b = (await Simulator.create(back)).run(x, opts);
    expect(b).toEqual(a);
    expect(a.output.counts.some((c) => c > 0)).toBe(true);
  });

  it("a concat node round-trips and simulates identically", async () => {
    const r = new Rng(7);
    const g: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [1, 4, 4] },
      { kind: "conv2d", id: "c", input: "in", outChannels: 2, kernel: [3, 3], padding: [1, 1, 1, 1], weights: rand(r, 18), neuron: { model: "if", threshold: 1 } },
      { kind: "concat", id: "cat", inputs: ["in", "c"], scales: [0.5, 1.25], neuron: { model: "if", threshold: 1 } }] };
    const back = parseGraph(stringifyGraph(g));
    expect(back).toEqual(g);
    expect(checkGraph(back).shapes.get("cat")).toEqual([3, 4, 4]);
    const x = Float32Array.from({ length: 16 }, (_, i) => (i % 5) / 4);
    const opts = { steps: 30, coding: "poisson" as const, seed: 2 };
    const a = (await Simulator.create(g)).run(x, opts), b = (await Simulator.create(back)).run(x, opts);
    expect(b).toEqual(a);
    expect(a.output.counts.some((c) => c > 0)).toBe(true);
  });

  it("extreme float32 values survive the round trip", () => {
    // a view into a larger buffer (non-zero byteOffset) must serialise only its own elements
    const w = Float32Array.of(99, 3.4028234663852886e38, -1.401298464324817e-45, 1.1754943508222875e-38, -0, 0.1, -7.25, 98).subarray(1, 7);
    const g: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [6] },
      { kind: "dense", id: "d", input: "in", units: 1, weights: w, neuron: { model: "if", threshold: 1 } }] };
    expect(byteView((parseGraph(stringifyGraph(g)).nodes[1] as { weights: Float32Array }).weights)).toEqual(byteView(w));
  });

  it("the JSON form is tagged with the format and version and holds tensors as base64 objects", () => {
    const o = JSON.parse(stringifyGraph(everyKind()));
    expect(o.format).toBe(GRAPH_FORMAT);
    expect(o.version).toBe(GRAPH_FORMAT_VERSION);
    expect(o.output).toBe("fc");
    expect(o.nodes[1].weights).toMatchObject({ dtype: "float32", length: 36 });
    expect(typeof o.nodes[1].weights.base64).toBe("string");
    expect(graphToJson(everyKind())).toEqual(o);
  });

  for (const backend of BACKENDS) {
    it(`a round-tripped graph simulates identically (${backend})`, async () => {
      const g = everyKind();
      const x = Float32Array.from({ length: 72 }, (_, i) => ((i * 37) % 11) / 10);
      const opts = { steps: 20, coding: "poisson" as const, seed: 4 };
      const a = (await Simulator.create(g, { backend })).run(x, opts);
      const b = (await Simulator.create(parseGraph(stringifyGraph(g)), { backend })).run(x, opts);
      expect(b).toEqual(a);
      expect(a.layers.some((l) => l.spikeCounts.some((c) => c > 0))).toBe(true);
    });
  }

  it("hand-written JSON with plain (nested) number arrays is accepted and equals the typed graph", async () => {
    const text = `{
      "nodes": [
        { "kind": "input", "id": "in", "shape": [1, 3, 3] },
        { "kind": "conv2d", "id": "c", "input": "in", "outChannels": 2, "kernel": [2, 2],
          "weights": [[[[0.5, -0.25], [1, 0]]], [[[0.125, 0.125], [0.125, 0.125]]]], "bias": [0, 0.5],
          "neuron": { "model": "if", "threshold": 1 } },
        { "kind": "flatten", "id": "f", "input": "c" },
        { "kind": "dense", "id": "out", "input": "f", "units": 1, "weights": [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5],
          "neuron": { "model": "lif", "threshold": 2, "leak": 0.5 } }
      ]
    }`;
    const g = parseGraph(text, "net.json");
    expect(() => checkGraph(g)).not.toThrow();
    const conv = g.nodes[1] as { weights: Float32Array; bias: Float32Array };
    expect(conv.weights).toEqual(Float32Array.of(0.5, -0.25, 1, 0, 0.125, 0.125, 0.125, 0.125));
    expect(conv.bias).toEqual(Float32Array.of(0, 0.5));
    const typed = parseGraph(stringifyGraph(g));
    const x = [1, 0, 1, 0, 1, 0, 1, 0, 1];
    const r1 = (await Simulator.create(g)).run(x, { steps: 10 });
    const r2 = (await Simulator.create(typed)).run(x, { steps: 10 });
    expect(r1).toEqual(r2);
  });
});

describe("parseGraph errors are SpikewasmErrors naming the source, layer and value", () => {
  const err = (text: string, source?: string): string => {
    try {
      parseGraph(text, source);
    } catch (e) {
      expect(e).toBeInstanceOf(SpikewasmError);
      return (e as Error).message;
    }
    throw new Error("parseGraph accepted bad input");
  };
  const one = (weights: unknown) => JSON.stringify({ nodes: [{ kind: "input", id: "in", shape: [2] },
    { kind: "dense", id: "fc7", input: "in", units: 1, weights, neuron: { model: "if", threshold: 1 } }] });

  it("invalid JSON names the file", () => expect(err("{nodes: [", "model.json")).toMatch(/^model\.json: not valid JSON/));
  it("a missing nodes array", () => expect(err('{"layers": []}')).toContain("'nodes' array"));
  it("another format tag", () => expect(err('{"format": "onnx", "nodes": []}')).toContain('"onnx"'));
  it("a newer format version", () => expect(err(`{"version": ${GRAPH_FORMAT_VERSION + 1}, "nodes": []}`)).toContain(`version ${GRAPH_FORMAT_VERSION + 1}`));
  it("a non-number in a weight array, naming the layer and index", () => {
    expect(err(one([0.5, "x"]))).toMatch(/layer 'fc7' weights\[1\] is not a number/);
  });
  it("a base64 tensor whose length disagrees with its bytes, naming the layer", () => {
    const m = err(one({ dtype: "float32", length: 3, base64: Buffer.from(new Uint8Array(8)).toString("base64") }));
    expect(m).toContain("layer 'fc7' weights");
    expect(m).toContain("holds 8 bytes, expected 12");
  });
  it("a tensor of another dtype", () => expect(err(one({ dtype: "float64", length: 2, base64: "" }))).toContain("layer 'fc7' weights"));
});

describe("graph JSON from a careless or hostile hand", () => {
  it("a weight array nested 100,000 deep is refused by name, without recursion", () => {
    let deep = "1";
    for (let i = 0; i < 100_000; i++) deep = `[${deep}]`;
    const text = `{"nodes":[{"kind":"input","id":"in","shape":[1]},{"kind":"dense","id":"fc","input":"in","units":1,"weights":${deep},"neuron":{"model":"if","threshold":1}}]}`;
    expect(() => parseGraph(text, "deep.json")).toThrow(/deep\.json: layer 'fc' weights\[0\]\[0\]\[0\]\[0\]\[0\]\[0\]\[0\]\[0\]: arrays nested more than 8 deep/);
  });
  it("a dense layer without weights and a null neuron are named errors of checkGraph", () => {
    const noW = parseGraph(`{"nodes":[{"kind":"input","id":"in","shape":[2]},{"kind":"dense","id":"fc","input":"in","units":1,"neuron":{"model":"if","threshold":1}}]}`);
    expect(() => checkGraph(noW)).toThrow(/layer 'fc' \(dense\): weights is missing \(2 values expected\)/);
    const nullNeuron = parseGraph(`{"nodes":[{"kind":"input","id":"in","shape":[2]},{"kind":"dense","id":"fc","input":"in","units":1,"weights":[1,1],"neuron":null}]}`);
    expect(() => checkGraph(nullNeuron)).toThrow(/layer 'fc' \(dense\): missing neuron parameters: neuron must be an object, got null/);
  });
});
