/**
 * snnToNir: spikewasm's SnnGraph → a NIR graph (write it with writeNir), the inverse of nirToSnn.
 *
 * Each population becomes a connection node named "<id>.weight" / "<id>.pool" (Affine if it has a bias,
 * else Linear; Conv2d; SumPool2d / AvgPool2d; for an add, one Scale "<id>.scale<k>" per input when it has
 * scales) followed by the neuron node "<id>" (IF, LIF, CubaLIF, or I / LI / CubaLI when not spiking), with
 * the inverse discretisation of src/nir/discretise.ts for `dt` seconds per step. A population's
 * `recurrent` weights become a Linear "<id>.w_rec" (weight [n, n], NIR's [out, in]) in a loop
 * "<id>" → "<id>.w_rec" → "<id>", the form nirToSnn maps back (its one-step delay is NIR's reading of a
 * cycle). Input keeps its id,
 * flatten becomes Flatten(start_dim 0, end_dim -1, input_type), the output population feeds an
 * Output node "output". Node order is the graph's order, so nirToSnn gives back the same SnnGraph.
 *
 * 1-D signals: nirToSnn holds NIR's [C, L] as [C, 1, L] and a Conv1d as a conv2d with kernel [1, K]
 * (src/nir/to-snn.ts). The SnnGraph does not record that a node came from a 1-D file, so export writes
 * what the graph says: every conv2d as Conv2d (weight [Cout, Cin/groups, 1, K], stride [1, s], padding
 * [0, p], dilation [1, d], input_shape [1, L]) and the Input as [C, 1, L]. That file computes the same
 * values, and importing it gives the identical SnnGraph (import → export → import is exact at the graph
 * level; the re-exported NIR says Conv2d where the original said Conv1d).
 *
 * Extensions NIR cannot state (reset by subtraction, refractory, vInit) and the exact per-step values
 * go into each neuron node's metadata `spikewasm_neuron` (JSON); dt into the graph's `spikewasm_dt`.
 * Not exportable, listed together in one NirError (kind "unexportable"): concat, max pooling, average
 * pooling that excludes padding, asymmetric padding, dense on a [C, H, W] input without a flatten node,
 * a synaptic filter on a non-leaky neuron; with `strict`, also every extension.
 */
import { checkGraph } from "../ir/check.js";
import { type PopulationNode, type Shape, type SnnGraph, shapeSize } from "../ir/graph.js";
import { continuous } from "./discretise.js";
import { NirError } from "./errors.js";
import { type NirGraph, type NirGroup, type NirPrimitive, f32, f64, i64, str } from "./types.js";

/** NIR version string spikewasm writes: the layout of the NIR 0.2 files it was checked against. */
export const NIR_WRITE_VERSION = "0.2.0";

/** Options of snnToNir. */
export interface SnnToNirOptions {
  /** Seconds per simulation step, used for every time constant (default 1e-3). */
  dt?: number;
  /** Refuse extensions NIR cannot state (reset by subtraction, refractory, vInit) instead of warning (default false). */
  strict?: boolean;
  /** Names the source in messages (default "graph"). */
  file?: string;
  /** Receives one message per extension written only as metadata. */
  onWarning?: (message: string) => void;
}

const meta = (data: NirGroup["data"]): Record<string, NirGroup> => ({ metadata: { data, groups: {} } });

function prim(type: string, params: NirPrimitive["params"], groups: NirPrimitive["groups"] = {}): NirPrimitive {
  return { type, params, groups };
}

const fill = (v: number, shape: Shape) => f64(new Float64Array(shapeSize(shape)).fill(v), [...shape]);

/**
 * The graph with every node id usable as a NIR (HDF5 group) name: '/' separates HDF5 paths, so ids such as
 * ONNX's 'conv1/Conv' become 'conv1_Conv' (made unique with a suffix if needed), with one warning listing them.
 */
export function nirSafeIds(graph: SnnGraph, onWarning?: (message: string) => void): SnnGraph {
  const taken = new Set(graph.nodes.map((n) => n.id).filter((id) => !id.includes("/")));
  const map = new Map<string, string>();
  for (const n of graph.nodes) {
    if (!n.id.includes("/")) continue;
    const base = n.id.replace(/\//g, "_");
    let id = base;
    for (let k = 2; taken.has(id); k++) id = `${base}_${k}`;
    taken.add(id);
    map.set(n.id, id);
  }
  if (map.size === 0) return graph;
  onWarning?.(`NIR node names cannot contain '/': renamed ${[...map].map(([a, b]) => `'${a}' -> '${b}'`).join(", ")}`);
  const r = (id: string) => map.get(id) ?? id;
  const nodes = graph.nodes.map((n) => {
    const c = { ...n, id: r(n.id) } as SnnGraph["nodes"][number];
    if ("input" in c) c.input = r(c.input);
    if ("inputs" in c) c.inputs = c.inputs.map(r);
    return c;
  });
  return graph.output === undefined ? { nodes } : { nodes, output: r(graph.output) };
}

/** Exports a checked SnnGraph as a NirGraph; throws NirError listing every node NIR cannot express. */
export function snnToNir(original: SnnGraph, options: SnnToNirOptions = {}): NirGraph {
  const graph = nirSafeIds(original, options.onWarning);
  const { shapes, output } = checkGraph(graph);
  const dt = options.dt ?? 1e-3;
  const file = options.file ?? "graph";
  if (!(dt > 0) || !Number.isFinite(dt)) throw new NirError("unexportable", file, "bad time step", [`dt must be a positive number of seconds, got ${dt}`]);
  const problems: string[] = [];
  const nodes = new Map<string, NirPrimitive>();
  const edges: [string, string][] = [];
  const add = (name: string, node: NirPrimitive, where: string): void => {
    if (nodes.has(name) || name.includes("/")) problems.push(`${where}: NIR node name '${name}' is taken or contains '/'`);
    nodes.set(name, node);
  };
  const where = (n: { id: string; kind: string }) => `${file}: layer '${n.id}' (${n.kind})`;

  const neuronNode = (n: PopulationNode, shape: Shape): { node: NirPrimitive; biasFactor: number } => {
    const c = continuous(n.neuron, dt);
    if (c.problem) problems.push(`${where(n)}: ${c.problem}`);
    for (const e of c.extensions) {
      const msg = `${where(n)}: ${e} is not part of NIR; kept in metadata 'spikewasm_neuron' (other tools ignore it)`;
      if (options.strict) problems.push(msg);
      else options.onWarning?.(msg);
    }
    const params: NirPrimitive["params"] = {};
    for (const [k, v] of Object.entries(c.params)) params[k] = fill(v, shape);
    return { node: prim(c.type, params, meta({ spikewasm_neuron: str(JSON.stringify(n.neuron)) })), biasFactor: c.biasFactor };
  };

  for (const n of graph.nodes) {
    const shape = shapes.get(n.id)!;
    switch (n.kind) {
      case "input":
        add(n.id, prim("Input", { shape: i64(shape) }), where(n));
        continue;
      case "flatten": {
        const s = shapes.get(n.input)!;
        add(n.id, prim("Flatten", { start_dim: i64(0), end_dim: i64(-1), input_type: i64(s) }), where(n));
        edges.push([n.input, n.id]);
        continue;
      }
      case "concat":
        problems.push(`${where(n)}: concatenation has no NIR primitive`);
        continue;
      default:
        break;
    }
    const { node: neuron, biasFactor } = neuronNode(n, shape);
    const inShape = n.kind === "add" ? null : shapes.get(n.input)!;
    if (n.kind === "dense") {
      const nIn = shapeSize(inShape!);
      if (inShape!.length !== 1) problems.push(`${where(n)}: input '${n.input}' has shape [${inShape!.join(", ")}]; NIR's Affine takes 1-D inputs (insert a flatten node)`);
      const w = new Float32Array(n.units * nIn);
      for (let i = 0; i < nIn; i++) for (let o = 0; o < n.units; o++) w[o * nIn + i] = n.weights[i * n.units + o];
      const params: NirPrimitive["params"] = { weight: f32(w, [n.units, nIn]) };
      let groups = {};
      if (n.bias) {
        params.bias = f32(biasFactor === 1 ? n.bias : Float32Array.from(n.bias, (b) => b * biasFactor), [n.units]);
        if (biasFactor !== 1) groups = meta({ spikewasm_bias: f32(n.bias, [n.units]) });
      }
      add(`${n.id}.weight`, prim(n.bias ? "Affine" : "Linear", params, groups), where(n));
      edges.push([n.input, `${n.id}.weight`], [`${n.id}.weight`, n.id]);
    } else if (n.kind === "conv2d") {
      const [pt, pl, pb, pr] = n.padding ?? [0, 0, 0, 0];
      if (pt !== pb || pl !== pr) problems.push(`${where(n)}: asymmetric padding [${n.padding!.join(", ")}]; NIR's Conv2d pads both sides equally`);
      const bias = n.bias ?? new Float32Array(n.outChannels);
      const params: NirPrimitive["params"] = {
        weight: f32(n.weights, [n.outChannels, inShape![0] / (n.groups ?? 1), n.kernel[0], n.kernel[1]]),
        bias: f32(biasFactor === 1 ? bias : Float32Array.from(bias, (b) => b * biasFactor), [n.outChannels]),
        stride: i64(n.stride ?? [1, 1]), padding: i64([pt, pl]), dilation: i64(n.dilation ?? [1, 1]), groups: i64(n.groups ?? 1),
        input_shape: i64(inShape!.slice(1)),
      };
      add(`${n.id}.weight`, prim("Conv2d", params, biasFactor !== 1 && n.bias ? meta({ spikewasm_bias: f32(n.bias, [n.outChannels]) }) : {}), where(n));
      edges.push([n.input, `${n.id}.weight`], [`${n.id}.weight`, n.id]);
    } else if (n.kind === "pool") {
      const [pt, pl, pb, pr] = n.padding ?? [0, 0, 0, 0];
      if (n.mode === "max") problems.push(`${where(n)}: max pooling has no NIR primitive (NIR has SumPool2d and AvgPool2d)`);
      if (pt !== pb || pl !== pr) problems.push(`${where(n)}: asymmetric padding [${n.padding!.join(", ")}]; NIR pools pad both sides equally`);
      if (n.mode === "avg" && n.countIncludePad === false && (pt || pl || pb || pr))
        problems.push(`${where(n)}: average pooling that excludes padding (countIncludePad false) has no NIR primitive`);
      const params = { kernel_size: i64(n.kernel), stride: i64(n.stride ?? n.kernel), padding: i64([pt, pl]) };
      add(`${n.id}.pool`, prim(n.mode === "sum" ? "SumPool2d" : "AvgPool2d", params), where(n));
      edges.push([n.input, `${n.id}.pool`], [`${n.id}.pool`, n.id]);
    } else {
      n.inputs.forEach((src, k) => {
        if (!n.scales) return void edges.push([src, n.id]);
        const name = `${n.id}.scale${k}`;
        add(name, prim("Scale", { scale: fill(n.scales[k], shapes.get(src)!) }), where(n));
        edges.push([src, name], [name, n.id]);
      });
    }
    add(n.id, neuron, where(n));
    if (n.recurrent) {
      // the one-step-delayed self-connection: N → "<id>.w_rec" (Linear, NIR weight [out, in]) → N
      const k = shapeSize(shape), wr = new Float32Array(k * k), rw = n.recurrent.weights;
      for (let i = 0; i < k; i++) for (let o = 0; o < k; o++) wr[o * k + i] = rw[i * k + o];
      add(`${n.id}.w_rec`, prim("Linear", { weight: f32(wr, [k, k]) }), where(n));
      edges.push([n.id, `${n.id}.w_rec`], [`${n.id}.w_rec`, n.id]);
    }
  }
  const outName = !nodes.has("output") ? "output" : `${output}.output`;
  add(outName, prim("Output", { shape: i64(shapes.get(output)!) }), `${file}: output`);
  edges.push([output, outName]);
  if (problems.length > 0) throw new NirError("unexportable", file, "cannot export to NIR", problems);
  return { type: "NIRGraph", version: NIR_WRITE_VERSION, nodes, edges, params: {}, groups: meta({ spikewasm_dt: f64(dt) }) };
}
