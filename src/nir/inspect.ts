/**
 * inspectNir: every node of a NIR graph (nested subgraphs inlined, dotted names) with its type, output
 * shape, parameter count, synapses and what it becomes in spikewasm, plus every problem of the conversion
 * at once — what `spikewasm inspect net.nir` prints.
 *
 * Shapes are inferred from the Input through the graph (NIR's own shapes: a 1-D signal is [C, L]).
 * Synapses are the connections a node makes between the neurons before and after it: in·out for
 * Affine/Linear, the taps that land inside the input (padding excluded) for Conv1d/Conv2d and pools
 * (per channel for pools), n for a Scale, n² for a recurrent weight node. Without a dt (neither given
 * nor stored), the conversion is still checked at the dt the file suggests and the missing dt is listed
 * as a problem.
 */
import { windowOut } from "../ir/check.js";
import type { SnnGraph } from "../ir/graph.js";
import { ints, nirPadding } from "./compose.js";
import { NirError } from "./errors.js";
import { NEURON_PARAMS, count, tensor } from "./primitives.js";
import { storedDt, suggestDt } from "./dt.js";
import { type ComposedChain, nirToSnn } from "./to-snn.js";
import type { NirGraph, NirPrimitive } from "./types.js";
import { inline, topoOrder } from "./walk.js";

/** One NIR node in the listing. */
export interface NirNodeReport {
  name: string;
  type: string;
  /** output shape of one sample (NIR's), or null when it cannot be inferred */
  shape: number[] | null;
  /** numeric values held by the node's datasets (weights, biases, per-neuron parameters) */
  params: number;
  /** connections it makes (0 for nodes that hold none) */
  synapses: number;
  /** what it becomes in spikewasm, or why not */
  maps: boolean;
  note: string;
}

/** What inspectNir returns. */
export interface NirReport {
  nirVersion: string;
  /** the dt the conversion was checked at, and where it came from */
  dt: number | null;
  dtSource: "option" | "file" | "suggested" | "none";
  nodes: NirNodeReport[];
  composed: ComposedChain[];
  problems: string[];
  warnings: string[];
  /** the converted graph when there is no problem */
  graph: SnnGraph | null;
}

const NEURONS = new Set(Object.keys(NEURON_PARAMS));
/** datasets that describe structure (shapes, strides, sizes), not parameters */
const STRUCTURE = new Set(["shape", "stride", "padding", "dilation", "groups", "kernel_size", "start_dim", "end_dim", "input_shape", "input_type", "output_type"]);

/** Output shape of a node from its inputs' shapes (null when unknown or inconsistent). */
function outShape(node: NirPrimitive, ins: (number[] | null)[]): number[] | null {
  const s = ins[0] ?? null;
  switch (node.type) {
    case "Input":
      return Array.from(tensor(node, "shape")?.data ?? []);
    case "Affine":
    case "Linear": {
      const w = tensor(node, "weight");
      return w && w.shape.length === 2 ? [w.shape[0]] : null;
    }
    case "Flatten":
      return s ? [count(s)] : null;
    case "Conv1d": {
      const w = tensor(node, "weight");
      if (!s || s.length !== 2 || !w || w.shape.length !== 3) return null;
      const st = ints(tensor(node, "stride"), 1)?.[0] ?? 1, dl = ints(tensor(node, "dilation"), 1)?.[0] ?? 1;
      const pd = node.params.padding;
      const total = dl * (w.shape[2] - 1);
      const [p0, p1] = pd?.kind === "strings" ? (pd.data[0] === "same" ? [Math.floor(total / 2), total - Math.floor(total / 2)] : [0, 0])
        : [ints(tensor(node, "padding"), 1)?.[0] ?? 0, ints(tensor(node, "padding"), 1)?.[0] ?? 0];
      return [w.shape[0], windowOut(s[1], p0, p1, w.shape[2], st, dl)];
    }
    case "Conv2d":
    case "SumPool2d":
    case "AvgPool2d": {
      if (!s || s.length !== 3) return null;
      const w = tensor(node, "weight");
      const k = node.type === "Conv2d" ? (w && w.shape.length === 4 ? [w.shape[2], w.shape[3]] : null) : ints(tensor(node, "kernel_size"), 2);
      if (!k) return null;
      const stride = ints(tensor(node, "stride"), 2) ?? (node.type === "Conv2d" ? [1, 1] : k);
      const dil = node.type === "Conv2d" ? (ints(tensor(node, "dilation"), 2) ?? [1, 1]) : [1, 1];
      const pad = nirPadding(node, k as [number, number], dil as [number, number], stride as [number, number]);
      if (typeof pad === "string") return null;
      return [node.type === "Conv2d" ? w!.shape[0] : s[0], windowOut(s[1], pad[0], pad[2], k[0], stride[0], dil[0]), windowOut(s[2], pad[1], pad[3], k[1], stride[1], dil[1])];
    }
    default:
      return s; // neurons, Scale, Output, Delay, Threshold: elementwise
  }
}

/** Taps of a 1-D window that land inside [0, size), summed over the `out` output positions. */
function inside(out: number, size: number, k: number, stride: number, pad: number, dil: number): number {
  let n = 0;
  for (let y = 0; y < out; y++) for (let i = 0; i < k; i++) {
    const iy = y * stride - pad + i * dil;
    if (iy >= 0 && iy < size) n++;
  }
  return n;
}

/** Connections a node makes, from its input and output shapes. */
function synapsesOf(node: NirPrimitive, inS: number[] | null, out: number[] | null, recurrent: boolean): number {
  if (!inS || !out) return 0;
  const w = tensor(node, "weight");
  switch (node.type) {
    case "Affine":
    case "Linear":
      return recurrent ? count(out) ** 2 : count(inS) * count(out);
    case "Scale":
      return count(out);
    case "Conv1d": {
      if (!w) return 0;
      const st = ints(tensor(node, "stride"), 1)?.[0] ?? 1, dl = ints(tensor(node, "dilation"), 1)?.[0] ?? 1;
      const p = node.params.padding?.kind === "strings" ? (node.params.padding.data[0] === "same" ? Math.floor(dl * (w.shape[2] - 1) / 2) : 0) : (ints(tensor(node, "padding"), 1)?.[0] ?? 0);
      return w.shape[0] * w.shape[1] * inside(out[1], inS[1], w.shape[2], st, p, dl);
    }
    case "Conv2d":
    case "SumPool2d":
    case "AvgPool2d": {
      const k = node.type === "Conv2d" ? [w!.shape[2], w!.shape[3]] : ints(tensor(node, "kernel_size"), 2)!;
      const stride = ints(tensor(node, "stride"), 2) ?? (node.type === "Conv2d" ? [1, 1] : k);
      const dil = node.type === "Conv2d" ? (ints(tensor(node, "dilation"), 2) ?? [1, 1]) : [1, 1];
      const pad = nirPadding(node, k as [number, number], dil as [number, number], stride as [number, number]);
      if (typeof pad === "string") return 0;
      const taps = inside(out[1], inS[1], k[0], stride[0], pad[0], dil[0]) * inside(out[2], inS[2], k[1], stride[1], pad[1], dil[1]);
      return node.type === "Conv2d" ? w!.shape[0] * w!.shape[1] * taps : out[0] * taps;
    }
    default:
      return 0;
  }
}

/** Inspects a read NIR graph; `dt` and `reset` as for nirToSnn. Never throws for conversion problems. */
export function inspectNir(nir: NirGraph, options: { dt?: number; reset?: "value" | "subtract"; file?: string } = {}): NirReport {
  const file = options.file ?? "NIR graph";
  const problems: string[] = [];
  const flat = inline(nir, "", problems, file);
  const names = [...flat.nodes.keys()];
  const preds = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const [a, b] of flat.edges) preds.get(b)?.push(a);
  // shapes in topological order; edges that close cycles are left out (a recurrent input keeps the shape)
  const shapes = new Map<string, number[] | null>();
  const order = topoOrder(names, flat.edges);
  for (const n of [...order, ...names.filter((x) => !order.includes(x))]) {
    const ins = (preds.get(n) ?? []).filter((p) => shapes.has(p)).map((p) => shapes.get(p)!);
    shapes.set(n, outShape(flat.nodes.get(n)!, ins));
  }
  let dt = options.dt, dtSource: NirReport["dtSource"] = "option";
  if (dt === undefined) {
    dt = storedDt(nir);
    dtSource = "file";
  }
  if (dt === undefined) {
    const s = suggestDt(nir);
    problems.push(`${file}: needs a time step (--dt): ${s.text}${s.dt !== undefined ? "; every node was checked at that dt" : ""}`);
    dt = s.dt;
    dtSource = s.dt !== undefined ? "suggested" : "none";
  }
  const composed: ComposedChain[] = [];
  const warnings: string[] = [];
  let graph: SnnGraph | null = null;
  if (dt !== undefined) {
    try {
      graph = nirToSnn(nir, { dt, reset: options.reset, file, onWarning: (m) => warnings.push(m), onComposed: (c) => composed.push(c) });
    } catch (e) {
      if (!(e instanceof NirError)) throw e;
      problems.push(...e.problems);
    }
  }
  const inChain = new Map(composed.flatMap((c) => c.chain.map((n) => [n, c] as const)));
  const feeds = (n: string) => flat.edges.filter(([a]) => a === n).map(([, b]) => b);
  const nodes = names.map((name): NirNodeReport => {
    const node = flat.nodes.get(name)!;
    const inS = (preds.get(name) ?? []).map((p) => shapes.get(p) ?? null)[0] ?? null;
    const out = shapes.get(name) ?? null;
    const recurrent = (node.type === "Affine" || node.type === "Linear") && feeds(name).length === 1 && (preds.get(name) ?? []).length === 1 && feeds(name)[0] === preds.get(name)![0];
    const params = Object.entries(node.params).reduce((a, [k, d]) => a + (d.kind === "tensor" && !STRUCTURE.has(k) ? d.data.length : 0), 0);
    const mine = problems.filter((p) => p.includes(`'${name}'`));
    const chain = inChain.get(name);
    let note: string;
    if (mine.length > 0) note = mine.map((p) => p.replace(`${file}: `, "")).join("; ");
    else if (chain) note = `composed with ${chain.chain.filter((x) => x !== name).map((x) => `'${x}'`).join(", ")} into the ${chain.kind} layer of '${chain.neuron}' (${chain.weights} weights; the chain's own: ${chain.chainWeights})`;
    else if (node.type === "Input") note = "the graph's input";
    else if (node.type === "Output") note = "the graph's output";
    else if (NEURONS.has(node.type)) note = graph ? `population '${name}' (${graph.nodes.find((g) => g.id === name)?.kind ?? "?"})` : "a population";
    else if (node.type === "Flatten") note = "a flatten node";
    else if (recurrent) note = `the recurrent weights of '${feeds(name)[0]}'`;
    else note = `the ${node.type === "Scale" ? "input scale" : "weights"} of '${feeds(name)[0] ?? "?"}'`;
    return { name, type: node.type, shape: out, params, synapses: synapsesOf(node, inS, out, recurrent), maps: mine.length === 0, note };
  });
  return { nirVersion: nir.version, dt: dt ?? null, dtSource, nodes, composed, problems: [...new Set(problems)], warnings, graph: problems.length === 0 ? graph : null };
}
