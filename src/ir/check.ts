/**
 * The type-check pass: infers every node's output shape and rejects a graph that cannot be simulated,
 * naming the layer, the field and the offending value. Everything after it may assume a valid graph.
 */
import { SpikewasmError } from "../errors.js";
import {
  type AddNode,
  type ConcatNode,
  type Conv2dNode,
  type NeuronParams,
  type PoolNode,
  type Shape,
  type SnnGraph,
  type SnnNode,
  isPopulation,
  nodeInputs,
  shapeSize,
} from "./graph.js";

/** Output shapes of a checked graph, by node id. */
export interface GraphShapes {
  shapes: Map<string, Shape>;
  /** id of the output node */
  output: string;
}

const KINDS = new Set(["input", "dense", "conv2d", "pool", "flatten", "add", "concat"]);

function fail(node: SnnNode | { id: string; kind: string }, what: string): never {
  throw new SpikewasmError(`layer '${node.id}' (${node.kind}): ${what}`);
}

function isPosInt(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x) && x > 0;
}

function checkInts(node: SnnNode, field: string, v: unknown, len: number, min: number): number[] {
  if (!Array.isArray(v) || v.length !== len || !v.every((x) => Number.isInteger(x) && x >= min))
    fail(node, `${field} must be ${len} integers >= ${min}, got ${JSON.stringify(v)}`);
  return v as number[];
}

function checkFinite(node: SnnNode, field: string, a: Float32Array | undefined, len: number): void {
  if (a === undefined) return;
  if (!(a instanceof Float32Array)) fail(node, `${field} must be a Float32Array`);
  if (a.length !== len) fail(node, `${field} has ${a.length} values, expected ${len}`);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) fail(node, `${field}[${i}] is ${a[i]} (weights and biases must be finite)`);
  }
}

/** Validates neuron parameters (threshold > 0, leak in (0, 1], ...). */
export function checkNeuron(node: SnnNode, p: NeuronParams | undefined): void {
  if (p === undefined || typeof p !== "object") fail(node, "missing neuron parameters");
  if (p.model !== "if" && p.model !== "lif") fail(node, `neuron.model must be "if" or "lif", got ${JSON.stringify(p.model)}`);
  const num = (name: keyof NeuronParams, ok: (x: number) => boolean, rule: string): void => {
    const x = p[name];
    if (x === undefined) return;
    if (typeof x !== "number" || !Number.isFinite(x) || !ok(x)) fail(node, `neuron.${name} ${rule}, got ${x}`);
  };
  if (p.threshold === undefined) fail(node, "neuron.threshold is missing");
  num("threshold", (x) => x > 0, "must be a finite number > 0");
  num("leak", (x) => x > 0 && x <= 1, "must be in (0, 1]");
  num("vReset", () => true, "must be finite");
  num("vInit", () => true, "must be finite");
  num("refractory", (x) => Number.isInteger(x) && x >= 0, "must be an integer >= 0");
  num("synDecay", (x) => x >= 0 && x < 1, "must be in [0, 1)");
  if (p.reset !== undefined && p.reset !== "subtract" && p.reset !== "value")
    fail(node, `neuron.reset must be "subtract" or "value", got ${JSON.stringify(p.reset)}`);
  if (p.spiking !== undefined && typeof p.spiking !== "boolean") fail(node, `neuron.spiking must be a boolean`);
}

/** Output height/width of a convolution or pooling window along one axis (floor mode). */
export function windowOut(size: number, pad0: number, pad1: number, k: number, stride: number, dil = 1): number {
  return Math.floor((size + pad0 + pad1 - dil * (k - 1) - 1) / stride) + 1;
}

function need3d(node: SnnNode, s: Shape): [number, number, number] {
  if (s.length !== 3) fail(node, `needs a [C, H, W] input, got [${s.join(", ")}]`);
  return s as [number, number, number];
}

function conv2dShape(node: Conv2dNode, s: Shape): Shape {
  const [c, h, w] = need3d(node, s);
  const [kh, kw] = checkInts(node, "kernel", node.kernel, 2, 1);
  const [sh, sw] = checkInts(node, "stride", node.stride ?? [1, 1], 2, 1);
  const [pt, pl, pb, pr] = checkInts(node, "padding", node.padding ?? [0, 0, 0, 0], 4, 0);
  const [dh, dw] = checkInts(node, "dilation", node.dilation ?? [1, 1], 2, 1);
  const g = node.groups ?? 1;
  if (!isPosInt(node.outChannels)) fail(node, `outChannels must be a positive integer, got ${node.outChannels}`);
  if (!isPosInt(g)) fail(node, `groups must be a positive integer, got ${g}`);
  if (c % g !== 0 || node.outChannels % g !== 0)
    fail(node, `groups ${g} must divide input channels ${c} and output channels ${node.outChannels}`);
  const oh = windowOut(h, pt, pb, kh, sh, dh);
  const ow = windowOut(w, pl, pr, kw, sw, dw);
  if (oh < 1 || ow < 1) fail(node, `kernel ${kh}x${kw} (dilation ${dh}x${dw}) does not fit input ${h}x${w} with padding`);
  checkFinite(node, "weights", node.weights, node.outChannels * (c / g) * kh * kw);
  checkFinite(node, "bias", node.bias, node.outChannels);
  return [node.outChannels, oh, ow];
}

function poolShape(node: PoolNode, s: Shape): Shape {
  const [c, h, w] = need3d(node, s);
  if (node.mode !== "avg" && node.mode !== "sum" && node.mode !== "max")
    fail(node, `mode must be "avg", "sum" or "max", got ${JSON.stringify(node.mode)}`);
  // countIncludePad matters only for avg; max allows padding too (padded positions never win).
  const [kh, kw] = checkInts(node, "kernel", node.kernel, 2, 1);
  const [sh, sw] = checkInts(node, "stride", node.stride ?? node.kernel, 2, 1);
  const [pt, pl, pb, pr] = checkInts(node, "padding", node.padding ?? [0, 0, 0, 0], 4, 0);
  if (pt >= kh || pb >= kh || pl >= kw || pr >= kw) fail(node, `padding [${pt}, ${pl}, ${pb}, ${pr}] must be smaller than the kernel ${kh}x${kw}`);
  const oh = windowOut(h, pt, pb, kh, sh);
  const ow = windowOut(w, pl, pr, kw, sw);
  if (oh < 1 || ow < 1) fail(node, `window ${kh}x${kw} does not fit input ${h}x${w}`);
  return [c, oh, ow];
}

function checkScales(node: AddNode | ConcatNode, count: number): void {
  if (node.scales === undefined) return;
  if (!Array.isArray(node.scales) || node.scales.length !== count)
    fail(node, `scales must have one number per input (${count}), got ${JSON.stringify(node.scales)}`);
  node.scales.forEach((x, k) => {
    if (typeof x !== "number" || !Number.isFinite(x)) fail(node, `scales[${k}] is ${x}`);
  });
}

function concatShape(node: ConcatNode, ins: Shape[]): Shape {
  if (ins.length < 1) fail(node, "needs at least one input");
  const s0 = ins[0];
  ins.forEach((s, k) => {
    const ok = s0.length === 3 ? s.length === 3 && s[1] === s0[1] && s[2] === s0[2] : s.length === 1;
    if (!ok)
      fail(node, `input '${node.inputs[k]}' has shape [${s.join(", ")}], but '${node.inputs[0]}' has [${s0.join(", ")}] ` +
        `(a channel concat needs [C, H, W] inputs of equal H and W, or 1-D inputs)`);
  });
  checkScales(node, ins.length);
  return [ins.reduce((a, s) => a + s[0], 0), ...s0.slice(1)];
}

function outputShape(node: SnnNode, ins: Shape[]): Shape {
  switch (node.kind) {
    case "input": {
      const s = node.shape;
      if (!Array.isArray(s) || (s.length !== 1 && s.length !== 3) || !s.every(isPosInt))
        fail(node, `shape must be [N] or [C, H, W] of positive integers, got ${JSON.stringify(s)}`);
      return [...s];
    }
    case "dense": {
      if (!isPosInt(node.units)) fail(node, `units must be a positive integer, got ${node.units}`);
      const nIn = shapeSize(ins[0]);
      checkFinite(node, "weights", node.weights, nIn * node.units);
      checkFinite(node, "bias", node.bias, node.units);
      return [node.units];
    }
    case "conv2d":
      return conv2dShape(node, ins[0]);
    case "pool":
      return poolShape(node, ins[0]);
    case "flatten":
      return [shapeSize(ins[0])];
    case "add": {
      if (ins.length < 1) fail(node, "needs at least one input");
      ins.forEach((s, k) => {
        if (s.join(",") !== ins[0].join(","))
          fail(node, `input '${node.inputs[k]}' has shape [${s.join(", ")}], but '${node.inputs[0]}' has [${ins[0].join(", ")}]`);
      });
      checkScales(node, ins.length);
      return [...ins[0]];
    }
    case "concat":
      return concatShape(node, ins);
  }
}

/**
 * Checks a graph and infers its shapes. Throws SpikewasmError naming the layer on: unknown kind,
 * duplicate or dangling ids, references to later nodes (cycles), shape mismatches, non-finite
 * weights/biases/parameters, non-positive thresholds and out-of-range neuron parameters.
 */
export function checkGraph(graph: SnnGraph): GraphShapes {
  if (!graph || !Array.isArray(graph.nodes) || graph.nodes.length === 0)
    throw new SpikewasmError("graph: 'nodes' must be a non-empty array");
  const shapes = new Map<string, Shape>();
  let inputs = 0;
  graph.nodes.forEach((node, idx) => {
    if (!node || typeof node !== "object") throw new SpikewasmError(`graph: node #${idx} is not an object`);
    if (typeof node.id !== "string" || node.id === "") throw new SpikewasmError(`graph: node #${idx} has no id`);
    if (!KINDS.has(node.kind)) fail(node, `unknown node kind (supported: ${[...KINDS].join(", ")})`);
    if (shapes.has(node.id)) fail(node, "duplicate id");
    const ins = nodeInputs(node);
    if (!Array.isArray(ins)) fail(node, "inputs must be an array of node ids");
    const inShapes = ins.map((id) => {
      const s = shapes.get(id);
      if (s === undefined) {
        const later = graph.nodes.some((n) => n.id === id);
        fail(node, later ? `input '${id}' is defined after this node (nodes must be in topological order; recurrent edges are not supported)` : `input '${id}' does not exist`);
      }
      return s;
    });
    if (node.kind === "input") inputs++;
    else if (isPopulation(node)) checkNeuron(node, node.neuron);
    shapes.set(node.id, outputShape(node, inShapes));
  });
  if (inputs !== 1) throw new SpikewasmError(`graph: needs exactly one input node, found ${inputs}`);
  const output = graph.output ?? graph.nodes[graph.nodes.length - 1].id;
  const outNode = graph.nodes.find((n) => n.id === output);
  if (!outNode) throw new SpikewasmError(`graph: output '${output}' does not exist`);
  if (outNode.kind === "input" || outNode.kind === "flatten")
    throw new SpikewasmError(`graph: output '${output}' must be a layer with neurons, not ${outNode.kind}`);
  return { shapes, output };
}
