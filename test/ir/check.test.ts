/**
 * checkGraph: shape inference, and every rejection names the layer (id and kind) and the offending
 * value in a SpikewasmError.
 */
import { describe, expect, it } from "vitest";
import { SpikewasmError } from "../../src/errors.js";
import { checkGraph } from "../../src/ir/check.js";
import type { NeuronParams, SnnGraph, SnnNode } from "../../src/ir/graph.js";

const IF: NeuronParams = { model: "if", threshold: 1 };
const input: SnnNode = { kind: "input", id: "in", shape: [2, 5, 5] };

function dense(id: string, inputId: string, nIn: number, units: number, extra: Partial<SnnNode> = {}): SnnNode {
  return { kind: "dense", id, input: inputId, units, weights: new Float32Array(nIn * units), neuron: IF, ...extra } as SnnNode;
}
function conv(id: string, extra: Record<string, unknown> = {}): SnnNode {
  return { kind: "conv2d", id, input: "in", outChannels: 4, kernel: [3, 3], weights: new Float32Array(4 * 2 * 9), neuron: IF, ...extra } as SnnNode;
}

/** The message of the SpikewasmError that checkGraph throws for `nodes` (fails if it does not throw one). */
function rejection(nodes: SnnNode[], output?: string): string {
  try {
    checkGraph({ nodes, output });
  } catch (e) {
    expect(e).toBeInstanceOf(SpikewasmError);
    return (e as Error).message;
  }
  throw new Error("checkGraph accepted an invalid graph");
}

describe("checkGraph infers shapes", () => {
  it("of conv (stride, asymmetric padding, dilation), pool, flatten, add and dense", () => {
    const g: SnnGraph = { nodes: [
      input,
      conv("c", { kernel: [3, 2], stride: [2, 1], padding: [1, 0, 0, 1], dilation: [1, 2], weights: new Float32Array(4 * 2 * 3 * 2) }),
      { kind: "pool", id: "p", input: "c", mode: "avg", kernel: [2, 2], padding: [1, 1, 0, 0], neuron: IF },
      { kind: "add", id: "a", inputs: ["p", "p"], neuron: IF },
      { kind: "flatten", id: "f", input: "a" },
      dense("d", "f", 4 * 1 * 2, 7),
    ] };
    // conv: H floor((5+1+0-1·2-1)/2)+1 = 2, W floor((5+0+1-2·1-1)/1)+1 = 4
    // pool 2x2, stride 2, padding top/left 1: H floor((2+1-2)/2)+1 = 1, W floor((4+1-2)/2)+1 = 2
    const { shapes, output } = checkGraph(g);
    expect(shapes.get("c")).toEqual([4, 2, 4]);
    expect(shapes.get("p")).toEqual([4, 1, 2]);
    expect(shapes.get("a")).toEqual([4, 1, 2]);
    expect(shapes.get("f")).toEqual([8]);
    expect(output).toBe("d");
  });
});

describe("checkGraph rejects invalid graphs with a SpikewasmError naming the layer and the value", () => {
  it("dense weights of the wrong length", () => {
    const m = rejection([input, { kind: "flatten", id: "f", input: "in" }, dense("fc1", "f", 50, 3, { weights: new Float32Array(149) } as Partial<SnnNode>)]);
    expect(m).toContain("layer 'fc1' (dense)");
    expect(m).toContain("149 values, expected 150");
  });

  it("conv groups that do not divide the input channels", () => {
    const m = rejection([input, conv("conv1", { groups: 4, weights: new Float32Array(4 * 9) })]);
    expect(m).toContain("layer 'conv1' (conv2d)");
    expect(m).toContain("groups 4");
    expect(m).toContain("input channels 2");
  });

  it("conv groups that do not divide the output channels", () => {
    const m = rejection([input, conv("conv1", { groups: 2, outChannels: 3, weights: new Float32Array(27) })]);
    expect(m).toContain("layer 'conv1'");
    expect(m).toContain("output channels 3");
  });

  it("add of inputs with different shapes", () => {
    const m = rejection([input, conv("c1"), conv("c2", { padding: [1, 1, 1, 1] }), { kind: "add", id: "res", inputs: ["c1", "c2"], neuron: IF }]);
    expect(m).toContain("layer 'res' (add)");
    expect(m).toContain("[4, 5, 5]");
    expect(m).toContain("[4, 3, 3]");
  });

  it("NaN and infinite weights and biases, naming the index", () => {
    const w = new Float32Array(72);
    w[17] = NaN;
    expect(rejection([input, conv("cv", { weights: w })])).toMatch(/layer 'cv'.*weights\[17\] is NaN/);
    const w2 = new Float32Array(72);
    w2[70] = -Infinity;
    expect(rejection([input, conv("cv", { weights: w2 })])).toMatch(/layer 'cv'.*weights\[70\] is -Infinity/);
    expect(rejection([input, conv("cv", { bias: Float32Array.of(0, 0, Infinity, 0) })])).toMatch(/layer 'cv'.*bias\[2\] is Infinity/);
  });

  for (const [what, neuron, value] of [
    ["threshold 0", { model: "if", threshold: 0 }, "got 0"],
    ["negative threshold", { model: "if", threshold: -1 }, "got -1"],
    ["NaN threshold", { model: "if", threshold: NaN }, "got NaN"],
    ["leak > 1", { model: "lif", threshold: 1, leak: 1.5 }, "got 1.5"],
    ["leak 0", { model: "lif", threshold: 1, leak: 0 }, "got 0"],
    ["synDecay 1", { model: "if", threshold: 1, synDecay: 1 }, "got 1"],
    ["non-integer refractory", { model: "if", threshold: 1, refractory: 1.5 }, "got 1.5"],
    ["unknown model", { model: "izhikevich", threshold: 1 }, '"izhikevich"'],
    ["unknown reset", { model: "if", threshold: 1, reset: "zero" }, '"zero"'],
  ] as [string, NeuronParams, string][]) {
    it(`neuron parameters: ${what}`, () => {
      const m = rejection([input, conv("layer7", { neuron })]);
      expect(m).toContain("layer 'layer7' (conv2d)");
      expect(m).toContain(value);
    });
  }

  it("a layer with neurons but no neuron parameters (dense, pool, add)", () => {
    const { neuron: _, ...bare } = dense("fc0", "in", 50, 2) as { neuron: unknown };
    const flat: SnnNode = { kind: "flatten", id: "f", input: "in" };
    expect(rejection([input, flat, { ...bare, input: "f" } as SnnNode])).toMatch(/layer 'fc0' \(dense\): missing neuron parameters/);
    expect(rejection([input, { kind: "pool", id: "pl", input: "in", mode: "sum", kernel: [2, 2] } as unknown as SnnNode]))
      .toMatch(/layer 'pl' \(pool\): missing neuron parameters/);
    expect(rejection([input, { kind: "add", id: "ad", inputs: ["in"] } as unknown as SnnNode])).toMatch(/layer 'ad' \(add\): missing/);
  });

  it("an unknown node kind, naming the kind", () => {
    const m = rejection([input, { kind: "relu", id: "act", input: "in" } as unknown as SnnNode]);
    expect(m).toContain("layer 'act' (relu)");
    expect(m).toContain("unknown node kind");
  });

  it("a dangling input id", () => {
    const m = rejection([input, { kind: "flatten", id: "flat", input: "nowhere" }, dense("d", "flat", 50, 2)]);
    expect(m).toContain("layer 'flat'");
    expect(m).toContain("'nowhere' does not exist");
  });

  it("a duplicate id", () => {
    const m = rejection([input, conv("twice"), conv("twice")]);
    expect(m).toContain("layer 'twice'");
    expect(m).toContain("duplicate id");
  });

  it("a node referencing a later node (not topological / recurrent)", () => {
    const m = rejection([input, { kind: "flatten", id: "f", input: "c" }, conv("c")]);
    expect(m).toContain("layer 'f'");
    expect(m).toContain("'c' is defined after this node");
  });

  it("no input node: the first layer's source does not exist", () => {
    // Every other kind reads an earlier node, so without an input node the first node fails on its source.
    const m = rejection([conv("first")]);
    expect(m).toContain("layer 'first'");
    expect(m).toContain("'in' does not exist");
  });

  it("two input nodes, and an empty node list", () => {
    expect(rejection([input, { kind: "input", id: "in2", shape: [3] }, dense("d", "in2", 3, 1)])).toContain("exactly one input node, found 2");
    expect(rejection([])).toContain("non-empty");
  });

  it("an output that is missing, or not a layer with neurons", () => {
    const nodes = [input, conv("c"), { kind: "flatten", id: "f", input: "c" } as SnnNode];
    expect(rejection(nodes, "nope")).toContain("output 'nope' does not exist");
    expect(rejection(nodes)).toContain("output 'f' must be a layer with neurons");
  });

  it("a conv kernel that does not fit, and pool padding not smaller than the kernel", () => {
    expect(rejection([input, conv("big", { kernel: [6, 1], weights: new Float32Array(48) })])).toMatch(/layer 'big'.*does not fit/);
    expect(rejection([input, { kind: "pool", id: "pp", input: "in", mode: "avg", kernel: [2, 2], padding: [2, 0, 0, 0], neuron: IF }]))
      .toMatch(/layer 'pp'.*padding \[2, 0, 0, 0\]/);
  });

  it("an unknown pool mode, naming the three modes; max pooling with padding is accepted", () => {
    expect(rejection([input, { kind: "pool", id: "pm", input: "in", mode: "min", kernel: [2, 2], neuron: IF } as unknown as SnnNode]))
      .toMatch(/layer 'pm' \(pool\): mode must be "avg", "sum" or "max", got "min"/);
    const g: SnnGraph = { nodes: [input,
      { kind: "pool", id: "mp", input: "in", mode: "max", kernel: [3, 3], stride: [2, 2], padding: [1, 1, 1, 1], countIncludePad: false, neuron: IF }] };
    expect(checkGraph(g).shapes.get("mp")).toEqual([2, 3, 3]);
  });

  it("a 3-D layer on a 1-D tensor, and an input shape that is neither [N] nor [C, H, W]", () => {
    expect(rejection([{ kind: "input", id: "in", shape: [50] }, conv("c2d")])).toMatch(/layer 'c2d'.*\[50\]/);
    expect(rejection([{ kind: "input", id: "img", shape: [5, 5] }, dense("d", "img", 25, 1)])).toMatch(/layer 'img'.*\[5,5\]/);
  });

  it("concat of [C, H, W] inputs with different H, W, or of 3-D with 1-D, naming the layer and shapes", () => {
    const m = rejection([input, conv("c1"), conv("c2", { padding: [1, 1, 1, 1] }), { kind: "concat", id: "cat", inputs: ["c2", "c1"], neuron: IF }]);
    expect(m).toContain("layer 'cat' (concat)");
    expect(m).toContain("input 'c1' has shape [4, 3, 3]");
    expect(m).toContain("'c2' has [4, 5, 5]");
    const m2 = rejection([input, { kind: "flatten", id: "f", input: "in" }, { kind: "concat", id: "mix", inputs: ["in", "f"], neuron: IF }]);
    expect(m2).toMatch(/layer 'mix' \(concat\): input 'f' has shape \[50\], but 'in' has \[2, 5, 5\]/);
    expect(rejection([input, { kind: "concat", id: "cat", inputs: ["in", "in"], scales: [1], neuron: IF }])).toMatch(/layer 'cat'.*scales.*\[1\]/);
    expect(rejection([input, { kind: "concat", id: "cat", inputs: ["in"] } as unknown as SnnNode])).toMatch(/layer 'cat' \(concat\): missing neuron/);
  });

  it("concat shapes: channels add up ([C, H, W]) or lengths add up (1-D)", () => {
    const { shapes } = checkGraph({ nodes: [input, conv("c1", { padding: [1, 1, 1, 1] }),
      { kind: "concat", id: "cat", inputs: ["in", "c1", "in"], neuron: IF },
      { kind: "flatten", id: "f", input: "cat" }, dense("d", "f", 200, 3),
      { kind: "concat", id: "cat1", inputs: ["d", "f"], neuron: IF }] });
    expect(shapes.get("cat")).toEqual([8, 5, 5]);
    expect(shapes.get("cat1")).toEqual([203]);
  });

  it("add scales of the wrong count or non-finite", () => {
    const add = (scales: number[]) => [input, conv("c1"), { kind: "add", id: "sum", inputs: ["c1", "c1"], scales, neuron: IF } as SnnNode];
    expect(rejection(add([1]))).toMatch(/layer 'sum'.*scales.*\[1\]/);
    expect(rejection(add([1, NaN]))).toMatch(/layer 'sum'.*scales\[1\] is NaN/);
  });
});
