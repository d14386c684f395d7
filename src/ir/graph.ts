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
 *
 * Recurrence: any population may also carry `recurrent` (RecurrentConnection), an all-to-all projection
 * from the population onto itself with a delay of one step. Step t: the population's own spikes of step
 * t−1 add their weight rows into its accumulator first, then its feed-forward sources add their spikes
 * of step t, then its neurons update (the recurrent input goes through the same synaptic filter). At
 * step 1 there are no earlier spikes. It is the only kind of cycle a graph holds; `input` edges still
 * point only to earlier nodes.
 */

/** Shape of one sample: [N] or [C, H, W]. */
export type Shape = number[];

/**
 * PyNN IF_cond_exp parameters of a "cond_exp" population, in PyNN's physical units, plus the step dt.
 * Equations, integration scheme and "not modelled" list: assembly/cond.ts (kernel condStep).
 *   name        unit   meaning (SNABSuite's MNIST value, src/reference/cond.ts SNABSUITE_IF_COND_EXP)
 *   cm          nF     membrane capacitance (0.2)            tau_m      ms   membrane time constant (20)
 *   v_rest      mV     resting potential (-65)               v_reset    mV   reset potential (-75)
 *   v_thresh    mV     spike when V >= v_thresh (-55)        tau_refrac ms   refractory period (0), rounded to steps
 *   tau_syn_E/I ms     conductance decay (3)                 e_rev_E/I  mV   reversal potentials (0 / -130)
 *   i_offset    nA     constant current (0)                  dt         ms   simulation step (1)
 * Weights into the population are conductances in µS: w > 0 excitatory (gE), w < 0 inhibitory (gI, |w|);
 * a bias is a constant current in nA.
 */
export interface CondExpParams {
  cm: number; tau_m: number; v_rest: number; v_reset: number; v_thresh: number;
  tau_syn_E: number; tau_syn_I: number; e_rev_E: number; e_rev_I: number; tau_refrac: number; i_offset: number;
  dt: number;
  /**
   * How spikes reach the conductances: "split" (default, exact as PyNN: the positive weights into an
   * excitatory accumulator, the magnitudes of the negative ones into an inhibitory one, two passes) or
   * "signed" (one signed accumulator, one pass; net excitation/inhibition per step, assembly/cond.ts 1.).
   */
  accumulate?: "split" | "signed";
}

/**
 * Neuron parameters of a population. Models "if" and "lif": every value is per step (dt folded in), no
 * units beyond "step". Model "cond_exp" (PyNN IF_cond_exp): the physical parameters are in `cond`;
 * `threshold` must equal cond.v_thresh (mV), `vInit` is in mV (default cond.v_rest), and leak, reset,
 * vReset, refractory, synDecay do not apply (refused when given; cond holds their counterparts).
 */
export interface NeuronParams {
  /** "if": integrate-and-fire (leak 1); "lif": leaky, v <- leak*v + x; "cond_exp": conductance-based (`cond`). */
  model: "if" | "lif" | "cond_exp";
  /** Firing threshold θ (spike when v >= θ): > 0 for if/lif; cond.v_thresh in mV for cond_exp. */
  threshold: number;
  /** model "cond_exp" only (required there): PyNN IF_cond_exp parameters and dt. */
  cond?: CondExpParams;
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

/**
 * A population's connection onto itself, delayed by one step (graph header). `weights` is f32 [n][n]
 * over the population's n neurons in its logical order ([C, H, W] C-major for a 3-D population): row i
 * is the fan-out of neuron i, so neuron j receives Σ_i W[i][j]·z_i[t−1] (z: spikes 0/1) at step t,
 * the same orientation as dense weights.
 */
export interface RecurrentConnection {
  /** f32 [n][n]: row i = fan-out of neuron i (its spikes of step t−1 into every neuron at step t). */
  weights: Float32Array;
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
  /** optional one-step-delayed self-connection (RecurrentConnection) */
  recurrent?: RecurrentConnection;
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
  /** optional one-step-delayed self-connection (RecurrentConnection) */
  recurrent?: RecurrentConnection;
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
  /** optional one-step-delayed self-connection (RecurrentConnection) */
  recurrent?: RecurrentConnection;
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
  /** optional one-step-delayed self-connection (RecurrentConnection) */
  recurrent?: RecurrentConnection;
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
  /** optional one-step-delayed self-connection (RecurrentConnection) */
  recurrent?: RecurrentConnection;
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

/** Neuron parameters with every default filled in (`cond` only for model "cond_exp"). */
export type ResolvedNeuron = Required<Omit<NeuronParams, "cond">> & { cond?: CondExpParams };

/**
 * Fills the defaults of a NeuronParams (documented on the interface). For "cond_exp" the generic fields
 * are derived from `cond`: reset "value" to v_reset, refractory = round(tau_refrac/dt) steps, vInit
 * v_rest (mV) unless given, leak 1, synDecay 0 (the conductances are the synapses).
 */
export function resolveNeuron(p: NeuronParams): ResolvedNeuron {
  if (p.model === "cond_exp" && p.cond) {
    const c = p.cond;
    return {
      model: "cond_exp", threshold: c.v_thresh, leak: 1, reset: "value", vReset: c.v_reset,
      refractory: Math.round(c.tau_refrac / c.dt), vInit: p.vInit ?? c.v_rest, synDecay: 0, spiking: true,
      cond: { ...c, accumulate: c.accumulate ?? "split" },
    };
  }
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

/** A "cond_exp" population's NeuronParams from PyNN IF_cond_exp parameters and the step dt (ms). */
export function condExpNeuron(p: Omit<CondExpParams, "dt" | "accumulate">, dt: number, accumulate?: CondExpParams["accumulate"]): NeuronParams {
  const cond: CondExpParams = { ...p, dt };
  if (accumulate !== undefined) cond.accumulate = accumulate;
  return { model: "cond_exp", threshold: p.v_thresh, cond };
}
