/**
 * Layer geometry shared by the crossbar/population mappers of src/targets (TrueNorth, SpiNNaker,
 * BrainScaleS-2): each population of an SNN graph with its [C, H, W] shape, its sources (resolved
 * through flatten), the fan-in of one neuron, and which source neurons a tile of it reads.
 * mapToLoihi (src/targets/mapping.ts) uses the same helpers (window of a convolution/pool with stride,
 * padding, dilation; a dense layer reads its whole input; concat reads its channel slice; add reads the
 * same positions).
 */
import { SpikewasmError } from "../errors.js";
import { checkGraph } from "../ir/check.js";
import { type PopulationNode, type Shape, type SnnGraph, type SnnNode, isPopulation, nodeInputs } from "../ir/graph.js";

export type Range = [number, number];
/** A half-open box of neurons in a layer's [C, H, W] coordinates (1-D layers: [N, 1, 1]). */
export interface Box { c: Range; y: Range; x: Range }
export type Shape3 = [number, number, number];

/** One input of a population: `shape3` is its source's shape (through flatten), `inShape3` the direct input's (the flattened [N, 1, 1] through flatten, else = shape3). */
export interface LayerInput { id: string; src: string; srcIsInput: boolean; viaFlatten: boolean; shape3: Shape3; inShape3: Shape3 }
export interface Geometry { node: PopulationNode; shape: Shape; shape3: Shape3; neurons: number; inputs: LayerInput[] }

export const to3 = (s: Shape): Shape3 => (s.length === 3 ? [s[0], s[1], s[2]] : [s[0], 1, 1]);
export const vol = (b: Box): number => Math.max(0, b.c[1] - b.c[0]) * Math.max(0, b.y[1] - b.y[0]) * Math.max(0, b.x[1] - b.x[0]);
export const full = (s: Shape3): Box => ({ c: [0, s[0]], y: [0, s[1]], x: [0, s[2]] });

function window(r: Range, stride: number, pad: number, k: number, dil: number, size: number): Range {
  return [Math.max(0, r[0] * stride - pad), Math.min(size, (r[1] - 1) * stride - pad + (k - 1) * dil + 1)];
}

/**
 * Refuses a graph with recurrent populations (graph.ts RecurrentConnection) for a hardware mapper: the
 * placements, synapse counts and routes here cover feed-forward projections only, so a recurrent
 * layer's n² synapses and its fan-out back into its own cores would go uncounted. Throws a
 * SpikewasmError (exit code 3) naming `target` and every recurrent layer.
 */
export function refuseRecurrent(graph: SnnGraph, target: string): void {
  const rec = graph.nodes.filter((n) => isPopulation(n) && n.recurrent !== undefined);
  if (rec.length > 0)
    throw new SpikewasmError(`${target}: recurrent layers are not mapped (the mapper counts feed-forward synapses and routes only): ` +
      `${rec.map((n) => `'${n.id}' (${n.kind})`).join(", ")}`, 3);
}

/** Populations of a graph in topological order with their sources; refuses recurrent graphs (refuseRecurrent) for `target`. */
export function geometries(graph: SnnGraph, target = "target mapping"): Geometry[] {
  refuseRecurrent(graph, target);
  const { shapes } = checkGraph(graph);
  const byId = new Map<string, SnnNode>(graph.nodes.map((n) => [n.id, n]));
  const resolve = (id: string) => {
    let n = byId.get(id)!, via = false;
    while (n.kind === "flatten") { via = true; n = byId.get(n.input)!; }
    return { src: n.id, srcIsInput: n.kind === "input", viaFlatten: via };
  };
  return graph.nodes.filter(isPopulation).map((node) => {
    const shape = [...shapes.get(node.id)!], shape3 = to3(shape);
    return {
      node, shape, shape3, neurons: shape3[0] * shape3[1] * shape3[2],
      inputs: nodeInputs(node).map((id) => {
        const r = resolve(id);
        return { id, ...r, shape3: to3(shapes.get(r.src)!), inShape3: to3(shapes.get(id)!) };
      }),
    };
  });
}

/** Synaptic inputs of one neuron (the largest over the layer; padding not subtracted). */
export function maxNeuronFanIn(g: Geometry): number {
  const node = g.node;
  if (node.kind === "dense") return g.inputs.reduce((a, i) => a + i.shape3[0] * i.shape3[1] * i.shape3[2], 0);
  if (node.kind === "conv2d") return (g.inputs[0].shape3[0] / (node.groups ?? 1)) * node.kernel[0] * node.kernel[1];
  if (node.kind === "pool") return node.kernel[0] * node.kernel[1];
  return node.kind === "add" ? g.inputs.length : 1;
}

/**
 * The source neurons (in input k's [C, H, W] coordinates) a tile of `g` reads. An input through flatten is
 * read whole in its source's coordinates; with `flattened` (mapToLoihi's rule) it is read in the
 * flattened [N, 1, 1] coordinates instead (add: the same positions, concat: its slice).
 */
export function neededBox(g: Geometry, tile: Box, k: number, flattened = false): Box {
  const inp = g.inputs[k], node = g.node, sh = (i: LayerInput) => (flattened ? i.inShape3 : i.shape3);
  if (node.kind === "dense" || (inp.viaFlatten && !flattened)) return full(sh(inp));
  const [cin, hin, win] = sh(inp);
  if (node.kind === "conv2d") {
    const pad = node.padding ?? [0, 0, 0, 0], s = node.stride ?? [1, 1], d = node.dilation ?? [1, 1];
    const groups = node.groups ?? 1, coutG = node.outChannels / groups, cinG = cin / groups;
    const g0 = Math.floor(tile.c[0] / coutG), g1 = Math.floor((tile.c[1] - 1) / coutG) + 1;
    return { c: [g0 * cinG, g1 * cinG], y: window(tile.y, s[0], pad[0], node.kernel[0], d[0], hin), x: window(tile.x, s[1], pad[1], node.kernel[1], d[1], win) };
  }
  if (node.kind === "pool") {
    const pad = node.padding ?? [0, 0, 0, 0], s = node.stride ?? node.kernel;
    return { c: tile.c, y: window(tile.y, s[0], pad[0], node.kernel[0], 1, hin), x: window(tile.x, s[1], pad[1], node.kernel[1], 1, win) };
  }
  if (node.kind === "concat") {
    let off = 0;
    for (let j = 0; j < k; j++) off += sh(g.inputs[j])[0];
    return { c: [Math.max(0, tile.c[0] - off), Math.max(0, Math.min(cin, tile.c[1] - off))], y: tile.y, x: tile.x };
  }
  return tile; // add: same positions
}

export const cuts = (n: number, parts: number): Range[] =>
  Array.from({ length: parts }, (_, i): Range => [Math.floor((i * n) / parts), Math.floor(((i + 1) * n) / parts)]);

export function tilesOf(shape3: Shape3, split: Shape3): Box[] {
  const out: Box[] = [];
  for (const c of cuts(shape3[0], split[0])) for (const y of cuts(shape3[1], split[1])) for (const x of cuts(shape3[2], split[2])) out.push({ c, y, x });
  return out;
}

/** Every split (channel groups × row bands × column bands), fewest tiles first, then squarer spatial tiles. */
export function candidateSplits(shape3: Shape3): Shape3[] {
  const out: Shape3[] = [];
  for (let a = 1; a <= shape3[0]; a++) for (let b = 1; b <= shape3[1]; b++) for (let c = 1; c <= shape3[2]; c++) out.push([a, b, c]);
  return out.sort((p, q) => p[0] * p[1] * p[2] - q[0] * q[1] * q[2] || p[1] + p[2] - (q[1] + q[2]) || q[1] - p[1]);
}

/** Steps from the input to the deepest population (one step of delay per connection). */
export function pipelineDepth(geoms: Geometry[], extra: Map<string, number> = new Map()): number {
  const depth = new Map<string, number>();
  for (const g of geoms) {
    const d = Math.max(0, ...g.inputs.map((i) => (i.srcIsInput ? 0 : depth.get(i.src) ?? 0))) + 1 + (extra.get(g.node.id) ?? 0);
    depth.set(g.node.id, d);
  }
  return Math.max(0, ...depth.values());
}

/** SNABSuite connector class of a population's incoming projection: dense = all-to-all, add/concat = one-to-one, the rest "random". */
export function connectorOf(g: Geometry): "allToAll" | "oneToOne" | "random" {
  if (g.node.kind === "dense") return "allToAll";
  if (g.node.kind === "add" || g.node.kind === "concat") return "oneToOne";
  return "random";
}
