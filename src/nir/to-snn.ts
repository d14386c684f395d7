/**
 * nirToSnn: a NIR graph → spikewasm's typed SnnGraph, with the discretisation of src/nir/discretise.ts.
 *
 * Structure. spikewasm populations pair one connection with one neuron population, so NIR chains are
 * matched as follows (W: Affine | Linear | Conv1d | Conv2d | SumPool2d | AvgPool2d; N: IF | LIF | LI | I | CubaLIF | CubaLI):
 *   Input                                   → input ([N], [C, H, W]; a 1-D signal [C, L] → [C, 1, L], below)
 *   src → W → N                             → dense (Affine/Linear) | conv2d (Conv1d, Conv2d) | pool (sum/avg),
 *                                             id = N's name
 *   src_1 [→ Scale_1], …, src_k [→ Scale_k] → N  (k ≥ 1; sources: Input, Flatten or N)
 *                                           → add with scales (Scale must hold one value)
 *   src → Flatten (of a whole [C, H, W] or [C, L]) → flatten
 *   src → L_1 → … → L_k → N  (k ≥ 2; L: Affine | Linear | Conv2d | SumPool2d | AvgPool2d | Scale | Flatten,
 *                              each with one input and one output; e.g. Sinabs' SumPool2d → Conv2d and
 *                              SumPool2d → Flatten → Affine)
 *                                           → one conv2d or dense layer computing the same linear map
 *                                             (src/nir/compose.ts; a flatten node on src first when dense
 *                                             over a [C, H, W] src), or refused with the reason
 *   N → Output                              → the graph's output
 *   N → R → N  (R: Affine | Linear [n, n] whose only input and only output is N; a recurrent edge)
 *                                           → N's population gets `recurrent` (R's weight transposed to
 *                                             [in][out]); N then sums R and one feed-forward input (one
 *                                             weight node W, or unweighted sources as above). spikewasm
 *                                             delays the recurrent spikes by one step (graph.ts), NIR's
 *                                             convention for cycles (e.g. snnTorch's RLeaky/RSynaptic).
 *                                             R's bias joins the population's bias (dense only).
 * 1-D signals. spikewasm graphs hold [N] and [C, H, W] tensors only, so a NIR tensor [C, L] (an Input of
 * shape [C, L], the output of a Conv1d and the neurons after it) is the graph's [C, 1, L]: the same values
 * in the same order (C-major, then L), so input samples need no reordering and a Flatten of it gives the
 * same C·L vector either way. Conv1d (weight [Cout, Cin/groups, K], bias [Cout], stride s, padding p |
 * "valid" | "same" (stride 1 only, PyTorch's split: left = ⌊d·(K−1)/2⌋), dilation d, groups, input_shape L)
 * becomes a conv2d with kernel [1, K], stride [1, s], padding [0, p, 0, p], dilation [1, d], groups and
 * weights [Cout][Cin/groups][1][K] (the same array). This is not an approximation and raises no warning;
 * the [C, 1, L] layout is the documented graph form of a 1-D signal. A Conv1d needs such a [C, L] input,
 * and Conv2d / SumPool2d / AvgPool2d refuse one (NIR applies them to [C, H, W] only). Export
 * (src/nir/from-snn.ts) writes every conv2d as Conv2d, so a Conv1d file comes back from
 * import → export as an equivalent Conv2d file on an Input [C, 1, L]; importing that gives the identical
 * SnnGraph again.
 * Nested NIRGraph nodes are inlined first (inner names become "sub.inner"; an edge to or from a
 * subgraph name goes to its single Input / from its single Output). Defaults are omitted from the
 * result (stride [1, 1] or = kernel, zero padding, dilation [1, 1], groups 1, an all-zero conv bias).
 *
 * Not expressible, reported together in one NirError (kind "unsupported"): other cycles (through
 * several populations, through a Conv2d or pool, an edge from a neuron straight back to itself, two
 * recurrent weight nodes on one population), a recurrent Affine bias on a population without a per-neuron
 * bias (conv2d, pool, add), Delay (the simulator has no per-connection delays: a spike reaches every
 * target within its step, graph.ts), Threshold (a memoryless Heaviside of its input; every spikewasm
 * population is a stateful neuron that integrates and resets), shared weight nodes, chains that do not compose exactly (compose.ts), a neuron summing a weighted input with other
 * inputs, several Input or Output nodes, per-neuron parameters that differ (tau, r, thresholds …),
 * v_leak where the population has no bias (pool, add) or varies within a conv channel, an Affine on a
 * non-1-D input, a partial Flatten, asymmetric or "same" padding with stride > 1, dt ≥ tau.
 */
import type { NeuronParams, Shape, SnnGraph, SnnNode } from "../ir/graph.js";
import { type NirNeuronParams, consistent, discretise } from "./discretise.js";
import { NirError } from "./errors.js";
import { type Composite, composeChain } from "./compose.js";
import { NEURON_PARAMS, count, declaredInputShape, tensor } from "./primitives.js";
import type { NirGraph, NirPrimitive, NirTensor } from "./types.js";
import { storedDt, suggestDt } from "./dt.js";
import { conv1dLayer, convLayer, poolLayer } from "./windows.js";
import { linearChains, recurrentLoops } from "./structure.js";
import { type Flat, backEdges, inline, topoOrder } from "./walk.js";

/** Options of nirToSnn. */
export interface NirToSnnOptions {
  /** Seconds per simulation step. Default: the `spikewasm_dt` a spikewasm export stored; otherwise required. */
  dt?: number;
  /** NIR's reset is to v_reset ("value", default); "subtract" resets by subtracting the threshold. */
  reset?: "value" | "subtract";
  /** Use the exact per-step values spikewasm stores in node metadata when they agree with the NIR parameters (default true). */
  useMetadata?: boolean;
  /** Names the source in messages (default "NIR graph"). */
  file?: string;
  /** Receives approximations and ignored metadata, one message each. */
  onWarning?: (message: string) => void;
  /** Told of every chain of linear nodes composed into one layer (src/nir/compose.ts), in file order. */
  onComposed?: (c: ComposedChain) => void;
}

/** A chain of linear NIR nodes that became the one layer of a population. */
export interface ComposedChain {
  /** the neuron node the chain feeds (the population's id) */
  neuron: string;
  /** the chain's nodes, in data order */
  chain: string[];
  kind: Composite["kind"];
  /** weights of the composite layer, and of the chain's own nodes */
  weights: number;
  chainWeights: number;
}

const WEIGHTS = new Set(["Affine", "Linear", "Conv1d", "Conv2d", "SumPool2d", "AvgPool2d"]);
const NEURONS = new Set(Object.keys(NEURON_PARAMS));
const SOURCES = new Set(["Input", "Flatten", ...NEURONS]);


const same = (a: number[], b: number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Why a primitive that spikewasm cannot express has no equivalent (for the message). */
const NO_EQUIVALENT: Readonly<Record<string, string>> = {
  Delay: "the simulator has no per-connection delays (every spike reaches its targets within the same step)",
  Threshold: "a memoryless Heaviside step of its input has no stateful neuron equivalent (spikewasm populations integrate and reset; " +
    "their leak is in (0, 1], so none forgets its input within a step); where an Affine → Threshold stands for a spiking output layer, export that layer's neurons as IF or LIF",
};

/** Converter state for one graph (the windowed layers are converted by src/nir/windows.ts). */
export class Converter {
  readonly problems: string[] = [];
  readonly shapes = new Map<string, Shape>();
  readonly out: SnnNode[] = [];
  /** nodes whose graph shape [C, 1, L] stands for a NIR 1-D signal [C, L] (see the header) */
  readonly oneD = new Set<string>();
  constructor(
    readonly flat: Flat,
    readonly preds: Map<string, string[]>,
    readonly succs: Map<string, string[]>,
    readonly dt: number,
    readonly opts: NirToSnnOptions,
    readonly file: string,
    /** neuron node → its recurrent weight node (N → R → N), see the header */
    readonly recurrent: Map<string, string> = new Map(),
    /** neuron node → the chain of ≥ 2 linear nodes feeding it (data order), see linearChains */
    readonly chains: Map<string, string[]> = new Map(),
  ) {}

  where(name: string): string {
    return `${this.file}: node '${name}' (${this.flat.nodes.get(name)?.type})`;
  }

  warn(msg: string): void {
    this.opts.onWarning?.(msg);
  }

  /** A source's SnnGraph id and shape (Input, Flatten or neuron), or null with a problem. */
  source(name: string, of: string): Shape | null {
    const n = this.flat.nodes.get(name);
    if (!n || !SOURCES.has(n.type)) {
      this.problems.push(`${this.where(of)}: input from '${name}' (${n?.type}) — expected an Input, Flatten or neuron node here`);
      return null;
    }
    return this.shapes.get(name) ?? null;
  }

  /** The NIR shape of a converted node: [C, L] for a 1-D signal held as [C, 1, L], else its graph shape. */
  nirShape(name: string): Shape | undefined {
    const s = this.shapes.get(name);
    return s && this.oneD.has(name) ? [s[0], s[2]] : s;
  }

  neuronParams(node: NirPrimitive, n: number, name: string): NirNeuronParams {
    const p: NirNeuronParams = {};
    for (const k of NEURON_PARAMS[node.type]) {
      const t = tensor(node, k);
      if (!t) continue;
      if (t.data.length !== 1 && t.data.length !== n)
        this.problems.push(`${this.where(name)}: '${k}' has ${t.data.length} values for a population of ${n} neurons`);
      p[k] = t.data;
    }
    return p;
  }

  /** NeuronParams for a neuron node of n neurons; metadata refines them when consistent. */
  neuron(name: string, n: number): { neuron: NeuronParams; leakBias: Float64Array | null; biasDivisor: number } {
    const node = this.flat.nodes.get(name)!;
    const declared = declaredInputShape(node); // NIR ≥ 1.0 (e.g. Sinabs' IF): the population's shape, maybe with a batch axis
    if (declared && count(declared) !== n)
      this.problems.push(`${this.where(name)}: input_type [${declared.join(", ")}] holds ${count(declared)} values, but its input gives ${n} neurons`);
    const d = discretise(node.type, this.neuronParams(node, n, name), this.dt, this.opts.reset ?? "value", this.problems, this.where(name));
    const meta = node.groups.metadata?.data.spikewasm_neuron;
    if (meta && meta.kind === "strings" && (this.opts.useMetadata ?? true)) {
      let exact: NeuronParams | null = null;
      try {
        exact = JSON.parse(meta.data[0]) as NeuronParams;
      } catch {
        exact = null;
      }
      if (exact && consistent(exact, d.neuron)) {
        if (this.opts.reset !== undefined && exact.spiking !== false) exact.reset = this.opts.reset;
        return { ...d, neuron: exact };
      }
      this.warn(`${this.where(name)}: metadata spikewasm_neuron disagrees with the NIR parameters (edited by another tool?); using the NIR parameters`);
    }
    return d;
  }

  /** The non-zero bias of neuron `name`'s recurrent Affine, or null. */
  recurrentBias(name: string): NirTensor | null {
    const rec = this.recurrent.get(name);
    const b = rec ? tensor(this.flat.nodes.get(rec)!, "bias") : undefined;
    return b && b.data.some((x) => x !== 0) ? b : null;
  }

  bias(op: NirPrimitive | null, opName: string | null, len: number, d: { leakBias: Float64Array | null; biasDivisor: number }, perChannel: number, name: string): Float32Array | undefined {
    const b = op ? tensor(op, "bias") : undefined;
    const hasB = b !== undefined && b.data.some((x) => x !== 0);
    // a recurrent Affine's bias (dense only: perChannel 1) sums with the feed-forward one in the synapse
    const rb = perChannel === 1 ? this.recurrentBias(name) : null;
    if (!hasB && !rb && !d.leakBias) return undefined;
    const out = new Float64Array(len);
    const at = (t: NirTensor | null | undefined, i: number) => (!t ? 0 : t.data.length === 1 ? t.data[0] : t.data[i]);
    if (hasB || rb) {
      for (let i = 0; i < len; i++) out[i] = ((hasB ? at(b, i) : 0) + at(rb, i)) / d.biasDivisor;
      if (d.biasDivisor !== 1) {
        const meta = hasB && !rb ? op!.groups.metadata?.data.spikewasm_bias : undefined;
        const exact = meta && meta.kind === "tensor" && meta.data.length === len ? Float32Array.from(meta.data) : null;
        if (exact && exact.every((x, i) => Math.abs(x - out[i]) <= 1e-5 * Math.max(1, Math.abs(x)))) return exact;
        const which = [hasB ? `'${opName}'` : "", rb ? `'${this.recurrent.get(name)}'` : ""].filter(Boolean).join(" and ");
        this.warn(`${this.where(name)}: the bias of ${which} enters the synapse in NIR; spikewasm adds b / (dt/tau_syn) after it (exact after the synaptic transient)`);
      }
    }
    if (d.leakBias) {
      const lb = d.leakBias;
      if (perChannel > 1) {
        for (let c = 0; c < len; c++) {
          const first = lb.length === 1 ? lb[0] : lb[c * perChannel];
          for (let j = 0; j < perChannel; j++) {
            const x = lb.length === 1 ? lb[0] : lb[c * perChannel + j];
            if (x !== first) {
              this.problems.push(`${this.where(name)}: v_leak varies within channel ${c}; a conv layer's bias is per channel`);
              return undefined;
            }
          }
          out[c] += first;
        }
      } else for (let i = 0; i < len; i++) out[i] += lb.length === 1 ? lb[0] : lb[i];
    }
    return Float32Array.from(out);
  }

  /** Converts the population ending in neuron node `name`. */
  population(name: string): void {
    const rec = this.recurrent.get(name);
    const ps = (this.preds.get(name) ?? []).filter((p) => p !== rec);
    const ops = ps.filter((p) => WEIGHTS.has(this.flat.nodes.get(p)?.type ?? ""));
    const extra = rec ? ` besides its recurrent '${rec}'` : "";
    const chain = this.chains.get(name);
    if (chain && ps.length !== 1) {
      this.problems.push(`${this.where(name)}: sums the chain of linear nodes ${chain.map((x) => `'${x}'`).join(" → ")} and ${ps.length - 1} other input(s)${extra}; a spikewasm population takes one weighted input`);
      return this.diagnose(name);
    }
    if (chain) this.composed(name, chain);
    else if (ops.length === 1 && ps.length === 1) this.weighted(name, ops[0]);
    else if (ops.length > 0) {
      const others = ps.filter((p) => !ops.includes(p));
      this.problems.push(`${this.where(name)}: sums ${ops.length} weighted input(s) ('${ops.join("', '")}')${others.length ? ` and ${others.length} unweighted ('${others.join("', '")}')` : ""}${extra}; a spikewasm population takes one weighted input, or several unweighted ones (add)${rec ? ", plus one recurrent weight node" : ""}`);
      return this.diagnose(name);
    } else if (ps.length === 0) {
      this.problems.push(`${this.where(name)}: receives no edge${extra}`);
      return;
    } else this.additive(name, ps);
    if (rec) this.attachRecurrent(name, rec);
  }

  /**
   * A population fed by a chain of linear nodes: the chain composed into one Conv2d or Affine
   * (src/nir/compose.ts), converted like a single weight node; a Flatten in the chain becomes a flatten
   * node on the chain's source when the composite is dense over a [C, H, W] source.
   */
  composed(name: string, chain: string[]): void {
    const first = chain[0];
    const src = (this.preds.get(first) ?? [])[0];
    if (src === undefined || !this.source(src, first)) return this.diagnose(name);
    if (this.oneD.has(src)) {
      this.problems.push(`${this.where(first)}: a chain of linear nodes on the 1-D signal '${src}' [${this.nirShape(src)!.join(", ")}] (chains are composed on [N] and [C, H, W] tensors only)`);
      return this.diagnose(name);
    }
    const c = composeChain(chain.map((n) => ({ name: n, node: this.flat.nodes.get(n)! })), this.shapes.get(src)!);
    if (Array.isArray(c)) {
      this.problems.push(...c.map((p) => `${this.file}: ${p}`));
      return this.diagnose(name);
    }
    let input = src;
    if (c.flattenSource) {
      input = chain.find((n) => this.flat.nodes.get(n)!.type === "Flatten")!;
      this.emit({ kind: "flatten", id: input, input: src }, [count(this.shapes.get(src)!)]);
    }
    // the composite stands in for the chain under a name no node has (messages show the chain)
    const op = `[${chain.join(" → ")}]`;
    this.flat.nodes.set(op, c.node);
    this.preds.set(op, [input]);
    this.succs.set(op, [name]);
    this.weighted(name, op);
    this.opts.onComposed?.({ neuron: name, chain, kind: c.kind, weights: c.weights, chainWeights: c.chainWeights });
  }

  /** Gives the population just emitted for neuron `name` its recurrent weights from weight node `rec` ([n, n], NIR [out, in]). */
  attachRecurrent(name: string, rec: string): void {
    const node = this.out[this.out.length - 1];
    const shape = this.shapes.get(name);
    if (!node || node.id !== name || node.kind === "input" || node.kind === "flatten" || !shape) return;
    const n = count(shape);
    const w = tensor(this.flat.nodes.get(rec)!, "weight");
    if (!w || w.shape.length !== 2 || w.shape[0] !== n || w.shape[1] !== n)
      return void this.problems.push(`${this.where(rec)}: recurrent weight [${w?.shape.join(", ") ?? ""}] must be [${n}, ${n}] for the ${n} neurons of '${name}'`);
    if (node.kind !== "dense" && this.recurrentBias(name))
      this.problems.push(`${this.where(rec)}: a recurrent bias on a ${node.kind} population (only dense populations hold a bias per neuron)`);
    const weights = new Float32Array(n * n);
    for (let o = 0; o < n; o++) for (let i = 0; i < n; i++) weights[i * n + o] = w.data[o * n + i];
    node.recurrent = { weights };
  }

  /** Discretises a neuron node that cannot be converted anyway, so that its own problems are listed too. */
  diagnose(name: string): void {
    const node = this.flat.nodes.get(name)!;
    this.neuron(name, Math.max(1, ...NEURON_PARAMS[node.type].map((k) => tensor(node, k)?.data.length ?? 1)));
  }

  weighted(name: string, opName: string): void {
    const op = this.flat.nodes.get(opName)!;
    const opPreds = this.preds.get(opName) ?? [];
    const opSuccs = this.succs.get(opName) ?? [];
    if (opPreds.length !== 1) {
      this.problems.push(`${this.where(opName)}: has ${opPreds.length} inputs; spikewasm needs exactly one per weight node`);
      return this.diagnose(name);
    }
    if (opSuccs.length !== 1) this.problems.push(`${this.where(opName)}: feeds ${opSuccs.length} nodes; a weight node shared by several populations is not supported`);
    const src = opPreds[0];
    const inShape = this.source(src, opName);
    if (!inShape) return this.diagnose(name);
    const w = tensor(op, "weight");
    if (op.type === "Affine" || op.type === "Linear") {
      if (!w || w.shape.length !== 2) return;
      const [units, nIn] = w.shape;
      if (inShape.length !== 1) this.problems.push(`${this.where(opName)}: input '${src}' has shape [${inShape.join(", ")}]; an Affine/Linear takes a 1-D input (add a Flatten)`);
      else if (inShape[0] !== nIn) this.problems.push(`${this.where(opName)}: weight [${units}, ${nIn}] does not match input '${src}' of ${inShape[0]} values`);
      const weights = new Float32Array(nIn * units);
      for (let o = 0; o < units; o++) for (let i = 0; i < nIn; i++) weights[i * units + o] = w.data[o * nIn + i];
      const d = this.neuron(name, units);
      const bias = this.bias(op, opName, units, d, 1, name);
      const node: SnnNode = { kind: "dense", id: name, input: src, units, weights, neuron: d.neuron };
      if (bias) node.bias = bias;
      this.emit(node, [units]);
    } else if (op.type === "Conv1d") conv1dLayer(this, name, op, opName, src, inShape);
    else if (this.oneD.has(src)) {
      this.problems.push(`${this.where(opName)}: input '${src}' is a 1-D signal [${this.nirShape(src)!.join(", ")}]; a ${op.type} takes [C, H, W]${op.type === "Conv2d" ? " (use Conv1d)" : ""}`);
      return this.diagnose(name);
    } else if (op.type === "Conv2d") convLayer(this, name, op, opName, src, inShape);
    else poolLayer(this, name, op, opName, src, inShape);
  }

  additive(name: string, ps: string[]): void {
    const inputs: string[] = [];
    const scales: number[] = [];
    let scaled = false;
    let shape: Shape | null = null;
    for (const p of ps) {
      const pn = this.flat.nodes.get(p)!;
      let src = p;
      let scale = 1;
      if (pn.type === "Scale") {
        const sp = this.preds.get(p) ?? [];
        if (sp.length !== 1 || (this.succs.get(p) ?? []).length !== 1) {
          this.problems.push(`${this.where(p)}: a Scale must have one input and feed one neuron node (has ${sp.length} and ${(this.succs.get(p) ?? []).length})`);
          continue;
        }
        const sv = tensor(pn, "scale")!;
        if (sv.data.some((x) => x !== sv.data[0])) this.problems.push(`${this.where(p)}: per-element scale values differ; spikewasm's add takes one scale per input`);
        src = sp[0];
        scale = sv.data[0];
        scaled = true;
      }
      const s = this.source(src, p === src ? name : p);
      if (!s) continue;
      if (shape && !same(shape, s)) this.problems.push(`${this.where(name)}: inputs have shapes [${shape.join(", ")}] and [${s.join(", ")}]`);
      shape = s;
      inputs.push(src);
      scales.push(scale);
    }
    if (!shape) return;
    const d = this.neuron(name, count(shape));
    if (d.leakBias) this.problems.push(`${this.where(name)}: v_leak ≠ 0 on a population without weights (spikewasm add layers have no bias)`);
    const node: SnnNode = scaled ? { kind: "add", id: name, inputs, scales, neuron: d.neuron } : { kind: "add", id: name, inputs, neuron: d.neuron };
    this.emit(node, shape);
    if (inputs.length > 0 && inputs.every((i) => this.oneD.has(i))) this.oneD.add(name);
  }

  flatten(name: string, node: NirPrimitive): void {
    const ps = this.preds.get(name) ?? [];
    if (ps.length !== 1) return void this.problems.push(`${this.where(name)}: has ${ps.length} inputs, expected 1`);
    if (!this.source(ps[0], name)) return;
    const s = this.nirShape(ps[0])!; // a 1-D signal [C, 1, L] is flattened as NIR's [C, L] (same order)
    const start = tensor(node, "start_dim")?.data[0] ?? 0;
    const end = tensor(node, "end_dim")?.data[0] ?? -1;
    const it = node.params.input_type ?? node.groups.input_type?.data.input; // a dataset (NIR 0.x) or a group (NIR ≥ 1.0)
    const itRank = it?.kind === "tensor" ? it.data.length : undefined;
    // whole-tensor flatten: start 0 over [C, H, W], or start 1 when input_type counts a batch axis
    const whole = (start === 0 && (end === -1 || end === s.length - 1)) || (start === 1 && end === -1 && (itRank === undefined || itRank === s.length + 1 || s.length === 1));
    if (!whole) this.problems.push(`${this.where(name)}: start_dim ${start}, end_dim ${end} on [${s.join(", ")}] is a partial flatten; spikewasm flattens whole samples only`);
    const declared = declaredInputShape(node); // undefined for Sinabs' placeholder [0, 0, 0, 0]
    if (declared && count(declared) !== count(s))
      this.problems.push(`${this.where(name)}: input_type [${declared.join(", ")}] does not match '${ps[0]}' of shape [${s.join(", ")}]`);
    this.emit({ kind: "flatten", id: name, input: ps[0] }, [count(s)]);
  }

  emit(node: SnnNode, shape: Shape): void {
    this.out.push(node);
    this.shapes.set(node.id, shape);
  }
}

/**
 * Converts a NIR graph (from readNir) into an SnnGraph for steps of `options.dt` seconds. Throws one
 * NirError (kind "unsupported") listing every construct spikewasm cannot express, each with the file,
 * node and field. The result passes checkGraph.
 */
export function nirToSnn(nir: NirGraph, options: NirToSnnOptions = {}): SnnGraph {
  const file = options.file ?? "NIR graph";
  const dt = options.dt ?? storedDt(nir);
  if (dt === undefined || !(dt > 0) || !Number.isFinite(dt))
    throw new NirError("unsupported", file, "needs a time step", [`dt must be a positive number of seconds per step, got ${dt} (the file does not store one); ${suggestDt(nir).text}`]);
  const problems: string[] = [];
  const flat = inline(nir, "", problems, file);
  const names = [...flat.nodes.keys()];
  const preds = new Map<string, string[]>(names.map((n) => [n, []]));
  const succs = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const [a, b] of flat.edges) {
    succs.get(a)?.push(b);
    preds.get(b)?.push(a);
  }
  const recurrent = recurrentLoops(flat, preds, succs, problems, file);
  const loopEdge = new Set([...recurrent].flatMap(([nrn, w]) => [`${nrn}\u0000${w}`, `${w}\u0000${nrn}`]));
  const ffSuccs = new Map([...succs].map(([a, bs]) => [a, bs.filter((b) => !loopEdge.has(`${a}\u0000${b}`))]));
  const cyc = backEdges(names, ffSuccs);
  for (const [a, b] of cyc)
    problems.push(`${file}: recurrent edge '${a}' → '${b}' (a cycle through ${flat.nodes.get(b)?.type} '${b}'); spikewasm expresses only a population's own recurrent weights (neuron → Affine/Linear → the same neuron)`);
  const chains = linearChains(flat, preds, succs, recurrent, problems, file);
  const inChain = new Set([...chains.values()].flat());
  const c = new Converter(flat, preds, succs, dt, options, file, recurrent, chains);
  c.problems.push(...problems);
  const back = new Set([...cyc.map(([a, b]) => `${a}\u0000${b}`), ...loopEdge]);
  const order = topoOrder(names, flat.edges.filter(([a, b]) => !back.has(`${a}\u0000${b}`)));
  const inputs = names.filter((n) => flat.nodes.get(n)!.type === "Input");
  const outputs = names.filter((n) => flat.nodes.get(n)!.type === "Output");
  if (inputs.length !== 1) c.problems.push(`${file}: ${inputs.length} Input nodes (${inputs.join(", ")}); spikewasm graphs have exactly one`);
  if (outputs.length !== 1) c.problems.push(`${file}: ${outputs.length} Output nodes (${outputs.join(", ")}); spikewasm graphs have exactly one`);
  let output: string | undefined;
  for (const name of order) {
    const node = flat.nodes.get(name)!;
    if (node.type === "Input") {
      const s = Array.from(tensor(node, "shape")?.data ?? []);
      if (s.length !== 1 && s.length !== 2 && s.length !== 3) c.problems.push(`${c.where(name)}: shape [${s.join(", ")}]; spikewasm inputs are [N], [C, L] (held as [C, 1, L]) or [C, H, W]`);
      // a 1-D signal [C, L] is the graph's [C, 1, L]: same values, same order (header)
      const gs = s.length === 2 ? [s[0], 1, s[1]] : s;
      c.emit({ kind: "input", id: name, shape: gs }, gs);
      if (s.length === 2) c.oneD.add(name);
    } else if (node.type === "Output") {
      const ps = preds.get(name) ?? [];
      const src = ps.length === 1 ? flat.nodes.get(ps[0]) : undefined;
      if (!src || !NEURONS.has(src.type)) c.problems.push(`${c.where(name)}: must be fed by exactly one neuron node, has ${ps.map((p) => `'${p}' (${flat.nodes.get(p)?.type})`).join(", ") || "none"}`);
      else {
        output = ps[0];
        const want = count(Array.from(tensor(node, "shape")?.data ?? []));
        const got = c.shapes.get(ps[0]);
        if (got && want !== count(got)) c.problems.push(`${c.where(name)}: shape holds ${want} values, '${ps[0]}' has ${count(got)} neurons`);
      }
    } else if (NEURONS.has(node.type)) c.population(name);
    else if (inChain.has(name)) continue; // composed with the population it feeds
    else if (node.type === "Flatten") c.flatten(name, node);
    else if ([...recurrent.values()].includes(name)) continue; // converted with its population
    else if (WEIGHTS.has(node.type) || node.type === "Scale") {
      const s = succs.get(name) ?? [];
      if (!s.some((x) => NEURONS.has(flat.nodes.get(x)?.type ?? "")))
        c.problems.push(`${c.where(name)}: feeds ${s.map((x) => `'${x}' (${flat.nodes.get(x)?.type})`).join(", ") || "nothing"}; a ${node.type} must feed a neuron node`);
    } else c.problems.push(`${c.where(name)}: primitive ${node.type} has no spikewasm equivalent${NO_EQUIVALENT[node.type] ? `: ${NO_EQUIVALENT[node.type]}` : ""}`);
  }
  if (c.problems.length > 0) throw new NirError("unsupported", file, "cannot convert to a spikewasm graph", [...new Set(c.problems)]);
  const graph: SnnGraph = { nodes: c.out };
  const last = c.out[c.out.length - 1];
  if (output !== undefined && last && last.id !== output) graph.output = output;
  return graph;
}
