/**
 * The typed SNN graph: a list of plain nodes in topological order, each a discriminated union member
 * with a `kind` field. Edges are the `input` / `inputs` references to earlier node ids.
 *
 * Tensor conventions (as ONNX / PyTorch): a 3-D activation is [C, H, W]; a 1-D one is [N]; Flatten of
 * [C, H, W] gives C*H*W in C-major order. Weights:
 *   dense   W [in][out]  (row i = fan-out of input i; PyTorch Linear.weight transposed)
 *   conv2d  W [Cout][Cin/groups][KH][KW]  (ONNX Conv / PyTorch Conv2d)
 * How the simulator lays these out in memory is its own business (src/sim/plan.ts).
 *
 * Every node that holds neurons (dense, conv2d, pool, add, concat) has `neuron`: its output is the spike
 * train of that population (or, with `spiking: false`, only its membrane potential).
 */

/** Shape of one sample: [N] or [C, H, W]. */
export type Shape = number[];

/** Neuron parameters of a population; every value is per step (dt folded in), no units beyond "step". */
export interface NeuronParams {
  /** "if": integrate-and-fire (leak 1); "lif": leaky, v <- leak*v + x. */
  model: "if" | "lif";
  /** Firing threshold θ > 0 (spike when v >= θ). */
  threshold: number;
  /** LIF decay factor per step, in (0, 1] (exp(-dt/τm)); ignored for "if". Default 1. */
  leak?: number;
  /** "subtract": v <- v - θ (default); "value": v <- vReset. */
  reset?: "subtract" | "value";
  /** Reset potential for reset "value". Default 0. */
  vReset?: number;
  /** Refractory period in steps (integer >= 0): no integration for that many steps after a spike. */
  refractory?: number;
  /** Membrane potential at step 0. Default 0. */
  vInit?: number;
  /** Exponential synapse: s <- synDecay*s + input, in [0, 1); 0 (default) = no synaptic filter. */
  synDecay?: number;
  /** false: never spikes (a readout layer that only integrates). Default true. */
  spiking?: boolean;
}

/** The network's input: real values per sample (coded as current or spikes by the simulator). */
export interface InputNode {
  kind: "input";
  id: string;
  shape: Shape;
}

/** Fully connected layer. */
export interface DenseNode {
  kind: "dense";
  id: string;
  input: string;
  units: number;
  /** f32 [in][units]. */
  weights: Float32Array;
  /** f32 [units], optional: a constant current added every step. */
  bias?: Float32Array;
  neuron: NeuronParams;
}

/** 2-D convolution (ONNX Conv semantics: cross-correlation, zero padding). */
export interface Conv2dNode {
  kind: "conv2d";
  id: string;
  input: string;
  outChannels: number;
  /** [KH, KW] */
  kernel: [number, number];
  /** [SH, SW], default [1, 1] */
  stride?: [number, number];
  /** [top, left, bottom, right], default zeros */
  padding?: [number, number, number, number];
  /** [DH, DW], default [1, 1] */
  dilation?: [number, number];
  /** default 1; Cin and Cout must be multiples; groups = Cin is depthwise */
  groups?: number;
  /** f32 [Cout][Cin/groups][KH][KW] */
  weights: Float32Array;
  /** f32 [Cout], optional */
  bias?: Float32Array;
  neuron: NeuronParams;
}

/**
 * Average, sum or max pooling followed by a neuron population (a spiking pooling layer).
 * avg/sum: every input spike adds its window weight (1/(KH*KW), 1/valid inputs, or 1).
 * max: gating by the most active input (Rueckauer et al. 2017, §2.2.3): a window passes only the
 * spikes of its input with the highest running spike count (ties: the first in y-major, then x order;
 * padded positions never win), each adding 1; with IF threshold 1 and reset by subtraction the pool
 * fires at about the rate of its most active input (never less; more while inputs of nearly equal
 * rates swap the lead). Under constant-current coding a max pool fed by the input receives the
 * window's largest input value as a constant current.
 */
export interface PoolNode {
  kind: "pool";
  id: string;
  input: string;
  mode: "avg" | "sum" | "max";
  kernel: [number, number];
  /** default = kernel */
  stride?: [number, number];
  /** [top, left, bottom, right], default zeros */
  padding?: [number, number, number, number];
  /** avg only: divide by KH*KW even where the window covers padding (default true); ignored by sum and max. */
  countIncludePad?: boolean;
  neuron: NeuronParams;
}

/** [C, H, W] -> [C*H*W]; holds no neurons. */
export interface FlattenNode {
  kind: "flatten";
  id: string;
  input: string;
}

/** Residual addition: each input's spikes (or values) times its scale, same shape, into one population. */
export interface AddNode {
  kind: "add";
  id: string;
  inputs: string[];
  /** one per input, default 1 */
  scales?: number[];
  neuron: NeuronParams;
}

/**
 * Channel concatenation as a relay population: the inputs, all [C_k, H, W] with equal H, W (or all 1-D),
 * are stacked along channels in order into [ΣC_k, H, W] (or [Σn_k]); every spike (or value) of input k
 * adds its scale to the neuron at its position in the concatenation.
 */
export interface ConcatNode {
  kind: "concat";
  id: string;
  inputs: string[];
  /** one per input, default 1 */
  scales?: number[];
  neuron: NeuronParams;
}

export type SnnNode = InputNode | DenseNode | Conv2dNode | PoolNode | FlattenNode | AddNode | ConcatNode;
export type NodeKind = SnnNode["kind"];
/** Nodes that own a neuron population. */
export type PopulationNode = DenseNode | Conv2dNode | PoolNode | AddNode | ConcatNode;

/** A spiking network: nodes in topological order; `output` defaults to the last node. */
export interface SnnGraph {
  nodes: SnnNode[];
  output?: string;
}

/** Ids of the nodes a node reads from. */
export function nodeInputs(node: SnnNode): string[] {
  switch (node.kind) {
    case "input":
      return [];
    case "add":
    case "concat":
      return node.inputs;
    default:
      return [node.input];
  }
}

/** True for the node kinds that own neurons. */
export function isPopulation(node: SnnNode): node is PopulationNode {
  return node.kind === "dense" || node.kind === "conv2d" || node.kind === "pool" || node.kind === "add" || node.kind === "concat";
}

/** Number of elements of a shape. */
export function shapeSize(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Neuron parameters with every default filled in. */
export type ResolvedNeuron = Required<NeuronParams>;

/** Fills the defaults of a NeuronParams (documented on the interface). */
export function resolveNeuron(p: NeuronParams): ResolvedNeuron {
  return {
    model: p.model,
    threshold: p.threshold,
    leak: p.model === "if" ? 1 : (p.leak ?? 1),
    reset: p.reset ?? "subtract",
    vReset: p.vReset ?? 0,
    refractory: p.refractory ?? 0,
    vInit: p.vInit ?? 0,
    synDecay: p.synDecay ?? 0,
    spiking: p.spiking ?? true,
  };
}
