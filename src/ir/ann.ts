/**
 * The typed ANN graph: what the ONNX importer produces and what conversion reads. Same conventions as
 * the SNN graph (src/ir/graph.ts): plain nodes in topological order, [C, H, W] / [N] shapes per sample,
 * dense weights [in][out], conv weights [Cout][Cin/groups][KH][KW]. Instead of neurons, each compute
 * node carries an `activation` applied to its output.
 */
import { SpikewasmError } from "../errors.js";
import { windowOut } from "./check.js";
import type { Shape } from "./graph.js";
import { shapeSize } from "./graph.js";

/** Output non-linearity: none, ReLU, or a clip to [min, max] (ReLU6 = [0, 6]). */
export type Activation = "none" | "relu" | { clip: [number, number] };

/** Per-channel affine preprocessing applied to raw inputs: x' = x * scale[c] + shift[c]. */
export interface InputPreprocess {
  scale: number[];
  shift: number[];
}

export interface AnnInput {
  kind: "input";
  id: string;
  shape: Shape;
  /** constant Sub/Mul/Div/BatchNormalization on the input, folded by the importer */
  preprocess?: InputPreprocess;
}
export interface AnnDense {
  kind: "dense"; id: string; input: string; units: number;
  /** f32 [in][units] */
  weights: Float32Array;
  bias?: Float32Array;
  activation: Activation;
}
export interface AnnConv2d {
  kind: "conv2d"; id: string; input: string; outChannels: number;
  kernel: [number, number]; stride: [number, number]; padding: [number, number, number, number];
  dilation: [number, number]; groups: number;
  /** f32 [Cout][Cin/groups][KH][KW] */
  weights: Float32Array;
  bias?: Float32Array;
  activation: Activation;
}
export interface AnnPool {
  kind: "pool"; id: string; input: string; mode: "avg" | "max" | "sum";
  kernel: [number, number]; stride: [number, number]; padding: [number, number, number, number];
  /** avg only: divide by KH*KW where the window covers padding */
  countIncludePad: boolean;
  activation: Activation;
}
export interface AnnFlatten { kind: "flatten"; id: string; input: string }
export interface AnnAdd { kind: "add"; id: string; inputs: string[]; activation: Activation }
/** Concatenation along channels (axis 1 of NCHW / the only axis of [N]). */
export interface AnnConcat { kind: "concat"; id: string; inputs: string[]; activation: Activation }

export type AnnNode = AnnInput | AnnDense | AnnConv2d | AnnPool | AnnFlatten | AnnAdd | AnnConcat;
/** Nodes that compute (and carry an activation). */
export type AnnLayer = AnnDense | AnnConv2d | AnnPool | AnnAdd | AnnConcat;

/** An ANN: nodes in topological order; the output is `output` (default: the last node). */
export interface AnnGraph {
  nodes: AnnNode[];
  output?: string;
}

/** Ids a node reads. */
export function annInputs(node: AnnNode): string[] {
  if (node.kind === "input") return [];
  if (node.kind === "add" || node.kind === "concat") return node.inputs;
  return [node.input];
}

/** Output shape of every node, checking compatibility; throws naming the node on a mismatch. */
export function annShapes(graph: AnnGraph): Map<string, Shape> {
  const shapes = new Map<string, Shape>();
  const fail = (n: AnnNode, what: string): never => {
    throw new SpikewasmError(`layer '${n.id}' (${n.kind}): ${what}`);
  };
  for (const n of graph.nodes) {
    const ins = annInputs(n).map((id) => {
      const s = shapes.get(id);
      if (!s) fail(n, `input '${id}' is not defined before this node`);
      return s!;
    });
    let out: Shape;
    switch (n.kind) {
      case "input":
        out = [...n.shape];
        break;
      case "dense":
        if (n.weights.length !== shapeSize(ins[0]) * n.units) fail(n, `weights hold ${n.weights.length} values, expected ${shapeSize(ins[0])} × ${n.units}`);
        out = [n.units];
        break;
      case "conv2d": {
        if (ins[0].length !== 3) fail(n, `needs a [C, H, W] input, got [${ins[0].join(", ")}]`);
        const [c, h, w] = ins[0];
        if (n.weights.length !== n.outChannels * (c / n.groups) * n.kernel[0] * n.kernel[1]) fail(n, `weights do not match [${n.outChannels}, ${c / n.groups}, ${n.kernel.join(", ")}]`);
        out = [n.outChannels, windowOut(h, n.padding[0], n.padding[2], n.kernel[0], n.stride[0], n.dilation[0]),
          windowOut(w, n.padding[1], n.padding[3], n.kernel[1], n.stride[1], n.dilation[1])];
        break;
      }
      case "pool": {
        if (ins[0].length !== 3) fail(n, `needs a [C, H, W] input, got [${ins[0].join(", ")}]`);
        const [c, h, w] = ins[0];
        out = [c, windowOut(h, n.padding[0], n.padding[2], n.kernel[0], n.stride[0]), windowOut(w, n.padding[1], n.padding[3], n.kernel[1], n.stride[1])];
        break;
      }
      case "flatten":
        out = [shapeSize(ins[0])];
        break;
      case "add":
        ins.forEach((s, k) => {
          if (s.join() !== ins[0].join()) fail(n, `input '${n.inputs[k]}' has shape [${s.join(", ")}], '${n.inputs[0]}' has [${ins[0].join(", ")}]`);
        });
        out = [...ins[0]];
        break;
      case "concat": {
        const rest = ins[0].slice(1).join();
        ins.forEach((s, k) => {
          if (s.length !== ins[0].length || s.slice(1).join() !== rest) fail(n, `input '${n.inputs[k]}' has shape [${s.join(", ")}], incompatible with [${ins[0].join(", ")}] for a channel concat`);
        });
        out = [ins.reduce((a, s) => a + s[0], 0), ...ins[0].slice(1)];
        break;
      }
    }
    if (out.some((d) => !(d >= 1))) fail(n, `output shape [${out.join(", ")}] is empty`);
    shapes.set(n.id, out);
  }
  return shapes;
}

/** Number of weights and biases of a node. */
export function annParams(n: AnnNode): number {
  return "weights" in n ? n.weights.length + (n.bias?.length ?? 0) : 0;
}

/** Multiply-accumulates (or comparisons/additions for pooling and add) of a node for one sample. */
export function annMacs(n: AnnNode, inShape: Shape | undefined, outShape: Shape): number {
  switch (n.kind) {
    case "dense":
      return n.weights.length;
    case "conv2d":
      return shapeSize(outShape) * (inShape![0] / n.groups) * n.kernel[0] * n.kernel[1];
    case "pool":
      return shapeSize(outShape) * n.kernel[0] * n.kernel[1];
    case "add":
      return shapeSize(outShape) * (n.inputs.length - 1);
    default:
      return 0;
  }
}
