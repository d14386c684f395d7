/**
 * The NIR primitives this reader knows, with the datasets each one needs (as NIR's own
 * serialisation reads them, nir/serialization.py) and the shape rules between them, and the
 * validation pass that checks a read file against them, listing every problem at once.
 *
 * Neuron equations (continuous time, NIR's definitions; z is the spike output):
 *   I        dv/dt = r·I
 *   IF       dv/dt = r·I;                                   z = [v > v_threshold], then v ← v_reset
 *   LI       tau·dv/dt = (v_leak − v) + r·I
 *   LIF      tau·dv/dt = (v_leak − v) + r·I;                z = [v > v_threshold], then v ← v_reset
 *   CubaLI   tau_syn·dI/dt = −I + w_in·S;  tau_mem·dv/dt = (v_leak − v) + r·I
 *   CubaLIF  as CubaLI, with z = [v > v_threshold], then v ← v_reset
 * Connections: Affine y = W·x + b (W [out, in]); Linear y = W·x; Scale y = s ⊙ x;
 * Conv1d (W [Cout, Cin/groups, K], bias [Cout], stride, padding, dilation, groups, input_shape L) on a
 * [C, L] signal; Conv2d (W [Cout, Cin/groups, KH, KW], bias [Cout], stride, padding, dilation, groups);
 * SumPool2d / AvgPool2d (kernel_size, stride, padding); Flatten (start_dim, end_dim, input_type);
 * Input / Output (shape); Delay (delay); Threshold (threshold); NIRGraph (nodes, edges).
 */
import { type NirData, type NirGraph, type NirNode, type NirPrimitive, type NirSubgraph, type NirTensor, isSubgraph } from "./types.js";

/** Datasets of one primitive: required and optional names. */
export interface PrimitiveSpec {
  required: string[];
  optional: string[];
}

/** Every primitive type NIR serialises, with its datasets. */
export const NIR_PRIMITIVES: Readonly<Record<string, PrimitiveSpec>> = {
  Input: { required: ["shape"], optional: [] },
  Output: { required: ["shape"], optional: [] },
  Affine: { required: ["weight", "bias"], optional: [] },
  Linear: { required: ["weight"], optional: [] },
  Scale: { required: ["scale"], optional: [] },
  Conv1d: { required: ["weight", "stride", "padding", "dilation", "groups", "bias"], optional: ["input_shape"] },
  Conv2d: { required: ["weight", "stride", "padding", "dilation", "groups", "bias"], optional: ["input_shape"] },
  SumPool2d: { required: ["kernel_size", "stride", "padding"], optional: [] },
  AvgPool2d: { required: ["kernel_size", "stride", "padding"], optional: [] },
  Flatten: { required: ["start_dim", "end_dim"], optional: ["input_type"] },
  Delay: { required: ["delay"], optional: [] },
  Threshold: { required: ["threshold"], optional: [] },
  I: { required: ["r"], optional: [] },
  IF: { required: ["r", "v_threshold"], optional: ["v_reset"] },
  LI: { required: ["tau", "r", "v_leak"], optional: [] },
  LIF: { required: ["tau", "r", "v_leak", "v_threshold"], optional: ["v_reset"] },
  CubaLI: { required: ["tau_mem", "tau_syn", "r", "v_leak"], optional: ["w_in"] },
  CubaLIF: { required: ["tau_mem", "tau_syn", "r", "v_leak", "v_threshold"], optional: ["v_reset", "w_in"] },
};

/** Parameters of each neuron primitive that are per-neuron arrays of one common shape. */
export const NEURON_PARAMS: Readonly<Record<string, string[]>> = {
  I: ["r"],
  IF: ["r", "v_threshold", "v_reset"],
  LI: ["tau", "r", "v_leak"],
  LIF: ["tau", "r", "v_leak", "v_threshold", "v_reset"],
  CubaLI: ["tau_mem", "tau_syn", "r", "v_leak", "w_in"],
  CubaLIF: ["tau_mem", "tau_syn", "r", "v_leak", "v_threshold", "v_reset", "w_in"],
};

/** The numeric dataset `name` of a node, or undefined when absent or not numeric. */
export function tensor(node: NirPrimitive, name: string): NirTensor | undefined {
  const d = node.params[name];
  return d && d.kind === "tensor" ? d : undefined;
}

/**
 * The input shape a node declares in `input_type`: a dataset (NIR 0.x Flatten) or the dataset `input` of an
 * `input_type` group (NIR ≥ 1.0 writes one on every node). Undefined when absent or a placeholder holding a
 * 0 (Sinabs writes [0, 0, 0, 0] before NIR's type inference).
 */
export function declaredInputShape(node: NirPrimitive): number[] | undefined {
  const d = node.params.input_type ?? node.groups.input_type?.data.input;
  if (!d || d.kind !== "tensor" || d.data.length === 0) return undefined;
  const s = Array.from(d.data);
  return s.some((x) => !(x > 0)) ? undefined : s;
}

/** Number of elements of a shape ([] → 1). */
export function count(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function describe(d: NirData): string {
  return d.kind === "tensor" ? `${d.dtype} [${d.shape.join(", ")}]` : d.kind === "strings" ? `string [${d.shape.join(", ")}]` : `${d.dtype}`;
}

/** Problems of one primitive node's datasets (missing, wrong kind, inconsistent shapes). */
function checkPrimitive(node: NirPrimitive, where: string, out: string[]): void {
  const spec = NIR_PRIMITIVES[node.type];
  if (!spec) {
    out.push(`${where}: unknown primitive type '${node.type}' (known: ${Object.keys(NIR_PRIMITIVES).join(", ")}, NIRGraph)`);
    return;
  }
  for (const name of spec.required) {
    const d = node.params[name];
    if (d === undefined && !(node.type === "Flatten" && name === "end_dim")) out.push(`${where} (${node.type}): missing dataset '${name}'`);
    else if (d !== undefined && d.kind !== "tensor" && !(node.type.startsWith("Conv") && name === "padding" && d.kind === "strings"))
      out.push(`${where} (${node.type}): dataset '${name}' is ${describe(d)}, expected a number array`);
  }
  const t = (n: string) => tensor(node, n);
  const w = t("weight");
  if ((node.type === "Affine" || node.type === "Linear") && w) {
    if (w.shape.length !== 2) out.push(`${where} (${node.type}): weight has shape [${w.shape.join(", ")}], expected 2-D [out, in]`);
    const b = t("bias");
    if (node.type === "Affine" && b && w.shape.length === 2 && count(b.shape) !== w.shape[0])
      out.push(`${where} (Affine): bias has shape [${b.shape.join(", ")}] but weight has ${w.shape[0]} rows`);
  }
  if (node.type === "Conv2d" && w) {
    if (w.shape.length !== 4) out.push(`${where} (Conv2d): weight has shape [${w.shape.join(", ")}], expected [Cout, Cin/groups, KH, KW]`);
    const b = t("bias");
    if (b && w.shape.length === 4 && count(b.shape) !== w.shape[0] && count(b.shape) !== 1)
      out.push(`${where} (Conv2d): bias has ${count(b.shape)} values but weight has ${w.shape[0]} output channels`);
  }
  if (node.type === "Conv1d" && w) {
    if (w.shape.length !== 3) out.push(`${where} (Conv1d): weight has shape [${w.shape.join(", ")}], expected [Cout, Cin/groups, K]`);
    const b = t("bias");
    if (b && w.shape.length === 3 && count(b.shape) !== w.shape[0] && count(b.shape) !== 1)
      out.push(`${where} (Conv1d): bias has ${count(b.shape)} values but weight has ${w.shape[0]} output channels`);
  }
  const params = NEURON_PARAMS[node.type];
  if (params) {
    const present = params.map((p) => [p, t(p)] as const).filter((e): e is readonly [string, NirTensor] => e[1] !== undefined);
    const sizes = present.map(([, d]) => count(d.shape));
    const n = Math.max(...sizes, 1);
    const bad = present.filter(([, d]) => count(d.shape) !== n && count(d.shape) !== 1);
    if (bad.length > 0)
      out.push(`${where} (${node.type}): per-neuron parameters disagree in size: ${present.map(([p, d]) => `${p} [${d.shape.join(", ")}]`).join(", ")}`);
  }
}

/** Problems of a graph and its nested subgraphs: unknown types, missing datasets, shapes, dangling edges. */
function checkGraph(g: NirSubgraph, path: string, file: string, out: string[]): void {
  for (const [name, node] of g.nodes) {
    const where = `${file}: node '${path}${name}'`;
    if (node.type === "NIRGraph") checkGraph(node as NirSubgraph, `${path}${name}.`, file, out);
    else checkPrimitive(node as NirPrimitive, where, out);
  }
  g.edges.forEach(([a, b], k) => {
    for (const end of [a, b]) {
      if (!resolves(g, end)) out.push(`${file}: edge #${k} '${path}${a}' → '${path}${b}' names node '${path}${end}', which does not exist`);
    }
  });
}

/** True if an edge end names a node of `g` (or "sub.inner" inside a nested subgraph). */
export function resolves(g: NirSubgraph, end: string): boolean {
  if (g.nodes.has(end)) return true;
  const dot = end.indexOf(".");
  for (let i = dot; i >= 0; i = end.indexOf(".", i + 1)) {
    const sub = g.nodes.get(end.slice(0, i));
    if (sub && sub.type === "NIRGraph" && resolves(sub as NirSubgraph, end.slice(i + 1))) return true;
  }
  return false;
}

/** Every problem of a read NIR graph, one line each naming file, node and field. */
export function validateNir(graph: NirGraph, file: string): string[] {
  const out: string[] = [];
  checkGraph(graph, "", file, out);
  return out;
}

/** The node at a dotted path inside a graph ("sub.inner"), or undefined. */
export function nodeAt(g: NirSubgraph, name: string): NirNode | undefined {
  const direct = g.nodes.get(name);
  if (direct !== undefined) return direct;
  for (let i = name.indexOf("."); i >= 0; i = name.indexOf(".", i + 1)) {
    const sub = g.nodes.get(name.slice(0, i));
    if (sub && isSubgraph(sub)) {
      const inner = nodeAt(sub, name.slice(i + 1));
      if (inner) return inner;
    }
  }
  return undefined;
}
