/** The `recurrent` field of a population (graph.ts RecurrentConnection): checkGraph's rejections and the JSON round trip. */
import { describe, expect, it } from "vitest";
import { SpikewasmError } from "../../src/errors.js";
import { checkGraph } from "../../src/ir/check.js";
import type { SnnGraph, SnnNode } from "../../src/ir/graph.js";
import { condExpNeuron } from "../../src/ir/graph.js";
import { graphToJson, parseGraph, stringifyGraph } from "../../src/ir/json.js";
import { Simulator } from "../../src/sim/simulator.js";
import { BACKENDS, bits } from "../helpers/sim.js";

const withRec = (recurrent: unknown, extra: Record<string, unknown> = {}): SnnGraph => ({
  nodes: [
    { kind: "input", id: "in", shape: [3] },
    { kind: "dense", id: "r1", input: "in", units: 2, weights: new Float32Array(6).fill(0.5), neuron: { model: "if", threshold: 1 }, recurrent, ...extra } as SnnNode,
  ],
});

function rejection(g: SnnGraph): string {
  try {
    checkGraph(g);
  } catch (e) {
    expect(e).toBeInstanceOf(SpikewasmError);
    return (e as Error).message;
  }
  throw new Error("expected a SpikewasmError");
}

describe("checkGraph: recurrent connections", () => {
  it("accepts weights [n][n] on dense, conv2d, pool, add and concat populations", () => {
    const rec = (n: number) => ({ weights: new Float32Array(n * n).fill(-0.25) });
    const IF = { model: "if" as const, threshold: 1 };
    const g: SnnGraph = { nodes: [
      { kind: "input", id: "in", shape: [1, 4, 4] },
      { kind: "conv2d", id: "c", input: "in", outChannels: 2, kernel: [3, 3], weights: new Float32Array(18), neuron: IF, recurrent: rec(8) },
      { kind: "pool", id: "p", input: "c", mode: "sum", kernel: [2, 2], neuron: IF, recurrent: rec(2) },
      { kind: "add", id: "a", inputs: ["p", "p"], neuron: IF, recurrent: rec(2) },
      { kind: "concat", id: "k", inputs: ["a", "p"], neuron: IF, recurrent: rec(4) },
    ] };
    expect(checkGraph(g).shapes.get("k")).toEqual([4, 1, 1]);
  });
  it("a wrong weight count names the layer, the count and the shape", () =>
    expect(rejection(withRec({ weights: new Float32Array(3) }))).toBe("layer 'r1' (dense): recurrent.weights has 3 values, expected 4 ([2][2] for 2 neurons)"));
  it("a NaN weight names its index", () => {
    const w = new Float32Array(4);
    w[3] = NaN;
    expect(rejection(withRec({ weights: w }))).toContain("layer 'r1' (dense): recurrent.weights[3] is NaN");
  });
  it("missing weights, a non-object, a plain array", () => {
    expect(rejection(withRec({}))).toContain("layer 'r1' (dense): recurrent.weights is missing");
    expect(rejection(withRec(5))).toContain("layer 'r1' (dense): recurrent must be an object");
    expect(rejection(withRec({ weights: [1, 2, 3, 4] }))).toContain("layer 'r1' (dense): recurrent.weights must be a Float32Array");
  });
  it("a cond_exp population is refused", () => {
    const neuron = condExpNeuron({ cm: 0.2, tau_m: 20, v_rest: -65, v_reset: -75, v_thresh: -55, tau_syn_E: 3, tau_syn_I: 3, e_rev_E: 0, e_rev_I: -130, tau_refrac: 0, i_offset: 0 }, 1);
    expect(rejection(withRec({ weights: new Float32Array(4) }, { neuron }))).toContain(`layer 'r1' (dense): recurrent connections are not supported for model "cond_exp"`);
  });
  it("recurrent on a flatten node is refused", () => {
    const g: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [1, 2, 2] }, { kind: "flatten", id: "f", input: "in", recurrent: { weights: new Float32Array(16) } } as SnnNode,
      { kind: "dense", id: "d", input: "f", units: 1, weights: new Float32Array(4), neuron: { model: "if", threshold: 1 } }] };
    expect(rejection(g)).toContain("layer 'f' (flatten): recurrent applies only to layers with neurons");
  });
});

describe("JSON round trip of recurrent weights", () => {
  const g = withRec({ weights: Float32Array.of(0.25, -0.75, -0, 1e-40) });
  it("round-trips to a deep-equal graph with bit-identical recurrent weights, as a base64 tensor", () => {
    const back = parseGraph(stringifyGraph(g));
    expect(back).toEqual(g);
    const r = (back.nodes[1] as { recurrent: { weights: Float32Array } }).recurrent.weights;
    expect(r).toBeInstanceOf(Float32Array);
    expect(bits(r)).toEqual(bits(Float32Array.of(0.25, -0.75, -0, 1e-40)));
    const node = (graphToJson(g).nodes as Record<string, { weights: unknown }>[])[1];
    expect(node.recurrent.weights).toMatchObject({ dtype: "float32", length: 4 });
  });
  it("hand-written nested number arrays are accepted", () => {
    const text = JSON.stringify({ ...graphToJson(g), nodes: [(graphToJson(g).nodes as object[])[0],
      { ...(graphToJson(g).nodes as Record<string, unknown>[])[1], weights: [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]], recurrent: { weights: [[0.25, -0.75], [0, 0]] } }] });
    const back = parseGraph(text);
    expect(Array.from((back.nodes[1] as { recurrent: { weights: Float32Array } }).recurrent.weights)).toEqual([0.25, -0.75, 0, 0]);
  });
  it("a non-number in recurrent weights names the layer and field", () => {
    expect(() => parseGraph(JSON.stringify({ nodes: [{ kind: "dense", id: "x", recurrent: { weights: [1, "a"] } }] }), "net.json"))
      .toThrow("net.json: layer 'x' recurrent.weights[1] is not a number");
  });
  for (const backend of BACKENDS)
    it(`the parsed graph simulates identically (${backend})`, async () => {
      const h = withRec({ weights: Float32Array.of(0.25, -0.75, 0.5, 0.125) });
      const [a, b] = await Promise.all([h, parseGraph(stringifyGraph(h))].map((x) => Simulator.create(x, { backend })));
      const ra = a.run([0.3, 0.2, 0.4], { steps: 50 }), rb = b.run([0.3, 0.2, 0.4], { steps: 50 });
      expect(Array.from(rb.output.counts)).toEqual(Array.from(ra.output.counts));
      expect(bits(rb.output.membrane)).toEqual(bits(ra.output.membrane));
      expect(ra.layers[0].spikeCounts.reduce((s, c) => s + c, 0)).toBeGreaterThan(5);
    });
});
