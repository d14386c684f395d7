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
  type PopulationNode,
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

function checkFinite(node: SnnNode, field: string, a: Float32Array | undefined, len: number, required = false): void {
  if (a === undefined || a === null) {
    if (required) fail(node, `${field} is missing (${len} values expected)`);
    return;
  }
  if (!(a instanceof Float32Array)) fail(node, `${field} must be a Float32Array`);
  if (a.length !== len) fail(node, `${field} has ${a.length} values, expected ${len}`);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) fail(node, `${field}[${i}] is ${a[i]} (weights and biases must be finite)`);
  }
}

const COND_FIELDS = ["cm", "tau_m", "v_rest", "v_reset", "v_thresh", "tau_syn_E", "tau_syn_I", "e_rev_E", "e_rev_I", "tau_refrac", "i_offset", "dt"] as const;
/** Generic fields that "cond_exp" derives from `cond` (refused when given) and their counterparts there. */
const COND_REPLACES: Record<string, string> = { leak: "tau_m", reset: "v_reset", vReset: "v_reset", refractory: "tau_refrac", synDecay: "tau_syn_E / tau_syn_I" };

/**
 * Validates a "cond_exp" population (PyNN IF_cond_exp, units in graph.ts CondExpParams): every
 * parameter finite; cm, tau_m, tau_syn_E/I, dt > 0; tau_refrac >= 0; v_reset < v_thresh;
 * e_rev_I < v_reset and v_thresh < e_rev_E (otherwise a conductance could not push V across); threshold
 * equal to v_thresh; vInit finite; spiking.
 */
function checkCond(node: SnnNode, p: NeuronParams): void {
  const c = p.cond;
  if (c === undefined || c === null || typeof c !== "object") fail(node, `neuron.cond (PyNN IF_cond_exp parameters: ${COND_FIELDS.join(", ")}) is required for model "cond_exp"`);
  for (const f of COND_FIELDS) {
    const x = c[f];
    if (typeof x !== "number" || !Number.isFinite(x)) fail(node, `neuron.cond.${f} must be a finite number, got ${JSON.stringify(x)}`);
  }
  for (const f of ["cm", "tau_m", "tau_syn_E", "tau_syn_I", "dt"] as const) if (!(c[f] > 0)) fail(node, `neuron.cond.${f} must be > 0, got ${c[f]}`);
  if (c.tau_refrac < 0) fail(node, `neuron.cond.tau_refrac must be >= 0 ms, got ${c.tau_refrac}`);
  if (!(c.v_reset < c.v_thresh)) fail(node, `neuron.cond.v_reset (${c.v_reset} mV) must be below v_thresh (${c.v_thresh} mV)`);
  if (!(c.v_thresh < c.e_rev_E)) fail(node, `neuron.cond.e_rev_E (${c.e_rev_E} mV) must be above v_thresh (${c.v_thresh} mV)`);
  if (!(c.e_rev_I <= c.v_reset)) fail(node, `neuron.cond.e_rev_I (${c.e_rev_I} mV) must not be above v_reset (${c.v_reset} mV)`);
  if (c.accumulate !== undefined && c.accumulate !== "split" && c.accumulate !== "signed")
    fail(node, `neuron.cond.accumulate must be "split" or "signed", got ${JSON.stringify(c.accumulate)}`);
  if (p.threshold !== c.v_thresh) fail(node, `neuron.threshold (${p.threshold}) must equal neuron.cond.v_thresh (${c.v_thresh} mV) for model "cond_exp"`);
  for (const [f, instead] of Object.entries(COND_REPLACES))
    if ((p as unknown as Record<string, unknown>)[f] !== undefined) fail(node, `neuron.${f} does not apply to model "cond_exp" (set neuron.cond.${instead} instead)`);
  if (p.vInit !== undefined && (typeof p.vInit !== "number" || !Number.isFinite(p.vInit))) fail(node, `neuron.vInit must be finite (mV), got ${p.vInit}`);
  if (p.spiking === false) fail(node, `neuron.spiking false is not supported for model "cond_exp" (it always spikes; read it out by counts)`);
}

/** Validates neuron parameters (threshold > 0, leak in (0, 1], ...; "cond_exp": see checkCond). */
export function checkNeuron(node: SnnNode, p: NeuronParams | undefined): void {
  if (p === undefined || p === null || typeof p !== "object" || Array.isArray(p)) fail(node, p === undefined ? "missing neuron parameters" : `missing neuron parameters: neuron must be an object, got ${JSON.stringify(p)}`);
  if (p.model === "cond_exp") return checkCond(node, p);
  if (p.model !== "if" && p.model !== "lif") fail(node, `neuron.model must be "if", "lif" or "cond_exp", got ${JSON.stringify(p.model)}`);
  if (p.cond !== undefined) fail(node, `neuron.cond applies only to model "cond_exp", not ${JSON.stringify(p.model)}`);
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

/**
 * Validates a population's one-step-delayed self-connection (graph.ts RecurrentConnection): an object
 * with weights f32 [n][n], every value finite; not for "cond_exp" populations (their split excitatory /
 * inhibitory accumulation has no recurrent path).
 */
function checkRecurrent(node: PopulationNode, n: number): void {
  const r = node.recurrent;
  if (r === undefined) return;
  if (r === null || typeof r !== "object" || Array.isArray(r)) fail(node, `recurrent must be an object { weights: Float32Array [${n}][${n}] }, got ${JSON.stringify(r)}`);
  if (r.weights === undefined) fail(node, `recurrent.weights is missing (f32 [${n}][${n}], row i = fan-out of neuron i)`);
  if (r.weights instanceof Float32Array && r.weights.length !== n * n)
    fail(node, `recurrent.weights has ${r.weights.length} values, expected ${n * n} ([${n}][${n}] for ${n} neurons)`);
  checkFinite(node, "recurrent.weights", r.weights, n * n);
  if (node.neuron.model === "cond_exp") fail(node, `recurrent connections are not supported for model "cond_exp"`);
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
  checkFinite(node, "weights", node.weights, node.outChannels * (c / g) * kh * kw, true);
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
      checkFinite(node, "weights", node.weights, nIn * node.units, true);
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
 * weights/biases/parameters, non-positive thresholds, out-of-range neuron parameters and recurrent
 * weights that are not [n][n] and finite.
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
        fail(node, later ? `input '${id}' is defined after this node (nodes must be in topological order; a recurrent connection is the layer's own 'recurrent' field)` : `input '${id}' does not exist`);
      }
      return s;
    });
    if (node.kind === "input") inputs++;
    else if (isPopulation(node)) checkNeuron(node, node.neuron);
    const shape = outputShape(node, inShapes);
    if (isPopulation(node)) checkRecurrent(node, shapeSize(shape));
    else if ((node as { recurrent?: unknown }).recurrent !== undefined) fail(node, `recurrent applies only to layers with neurons, not ${node.kind}`);
    shapes.set(node.id, shape);
  });
  if (inputs !== 1) throw new SpikewasmError(`graph: needs exactly one input node, found ${inputs}`);
  checkCondDt(graph);
  const output = graph.output ?? graph.nodes[graph.nodes.length - 1].id;
  const outNode = graph.nodes.find((n) => n.id === output);
  if (!outNode) throw new SpikewasmError(`graph: output '${output}' does not exist`);
  if (outNode.kind === "input" || outNode.kind === "flatten")
    throw new SpikewasmError(`graph: output '${output}' must be a layer with neurons, not ${outNode.kind}`);
  return { shapes, output };
}

/** Every "cond_exp" population of a graph runs at one step dt (the simulator advances all layers together). */
function checkCondDt(graph: SnnGraph): void {
  let first: { id: string; dt: number } | null = null;
  for (const node of graph.nodes) {
    if (!isPopulation(node) || node.neuron.model !== "cond_exp") continue;
    const dt = node.neuron.cond!.dt;
    if (first === null) first = { id: node.id, dt };
    else if (dt !== first.dt) fail(node, `neuron.cond.dt is ${dt} ms but layer '${first.id}' has ${first.dt} ms (one step for the whole graph)`);
  }
}
