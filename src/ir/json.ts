/**
 * JSON round-trip of the typed graph. Every node kind serialises to a plain object with the same
 * fields; Float32Array tensors become `{ "dtype": "float32", "length": n, "base64": "..." }`
 * (little-endian bytes, exact), and on reading a plain number array is accepted as well, so that
 * small graphs can be written by hand. A population's `recurrent` connection is an object whose
 * `weights` tensor is encoded the same way.
 */
import { SpikewasmError } from "../errors.js";
import { fromBase64, toBase64 } from "../util/base64.js";
import type { SnnGraph, SnnNode } from "./graph.js";

/** JSON form of a float32 tensor. */
export interface TensorJson {
  dtype: "float32";
  length: number;
  base64: string;
}

const TENSOR_FIELDS = ["weights", "bias"] as const;
/** File format tag written into every serialised graph. */
export const GRAPH_FORMAT = "spikewasm-graph";
/** Version of the serialised graph format. */
export const GRAPH_FORMAT_VERSION = 1;

function encodeTensor(a: Float32Array): TensorJson {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return { dtype: "float32", length: a.length, base64: toBase64(bytes) };
}

/** Deepest nesting a hand-written tensor may have (a 4-D kernel needs 4). */
export const MAX_TENSOR_NESTING = 8;

/**
 * Flattens nested number arrays without recursion (an explicit stack), refusing nesting deeper than
 * MAX_TENSOR_NESTING and any element that is not a number, naming its index path.
 */
export function flattenNumbers(v: unknown[], where: string, maxDepth = MAX_TENSOR_NESTING): number[] {
  const out: number[] = [];
  const stack: Array<{ a: unknown[]; i: number; path: string }> = [{ a: v, i: 0, path: "" }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.i >= top.a.length) { stack.pop(); continue; }
    const x = top.a[top.i], path = `${top.path}[${top.i}]`;
    top.i++;
    if (Array.isArray(x)) {
      if (stack.length >= maxDepth) throw new SpikewasmError(`${where}${path}: arrays nested more than ${maxDepth} deep`);
      stack.push({ a: x, i: 0, path });
    } else if (typeof x === "number") out.push(x);
    else throw new SpikewasmError(`${where}${path} is not a number (got ${x === null ? "null" : typeof x})`);
  }
  return out;
}

function decodeTensor(v: unknown, where: string): Float32Array {
  if (Array.isArray(v)) {
    const flat = flattenNumbers(v, where);
    return Float32Array.from(flat);
  }
  const t = v as Partial<TensorJson>;
  if (!t || t.dtype !== "float32" || typeof t.base64 !== "string" || typeof t.length !== "number")
    throw new SpikewasmError(`${where}: expected a number array or {dtype: "float32", length, base64}`);
  const bytes = fromBase64(t.base64);
  if (bytes.byteLength !== t.length * 4)
    throw new SpikewasmError(`${where}: base64 holds ${bytes.byteLength} bytes, expected ${t.length * 4} for ${t.length} float32 values`);
  const out = new Float32Array(t.length);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** The graph as a JSON-compatible object (tensors base64-encoded). */
export function graphToJson(graph: SnnGraph): Record<string, unknown> {
  const nodes = graph.nodes.map((node) => {
    const o: Record<string, unknown> = { ...node };
    for (const f of TENSOR_FIELDS) {
      const t = (node as unknown as Record<string, unknown>)[f];
      if (t instanceof Float32Array) o[f] = encodeTensor(t);
    }
    const r = (node as { recurrent?: { weights?: unknown } }).recurrent;
    if (r && typeof r === "object") o.recurrent = r.weights instanceof Float32Array ? { ...r, weights: encodeTensor(r.weights) } : { ...r };
    return o;
  });
  const out: Record<string, unknown> = { format: GRAPH_FORMAT, version: GRAPH_FORMAT_VERSION, nodes };
  if (graph.output !== undefined) out.output = graph.output;
  return out;
}

/** Rebuilds a graph from graphToJson's object (or a hand-written one). Does not type-check: call checkGraph. */
export function graphFromJson(obj: unknown, source = "graph"): SnnGraph {
  const o = obj as { format?: unknown; version?: unknown; nodes?: unknown; output?: unknown };
  if (!o || typeof o !== "object" || !Array.isArray(o.nodes)) throw new SpikewasmError(`${source}: expected an object with a 'nodes' array`);
  if (o.format !== undefined && o.format !== GRAPH_FORMAT) throw new SpikewasmError(`${source}: format is ${JSON.stringify(o.format)}, expected "${GRAPH_FORMAT}"`);
  if (typeof o.version === "number" && o.version > GRAPH_FORMAT_VERSION)
    throw new SpikewasmError(`${source}: format version ${o.version} is newer than this spikewasm reads (${GRAPH_FORMAT_VERSION})`);
  const nodes = (o.nodes as Record<string, unknown>[]).map((n, i) => {
    if (!n || typeof n !== "object") throw new SpikewasmError(`${source}: node #${i} is not an object`);
    const node: Record<string, unknown> = { ...n };
    for (const f of TENSOR_FIELDS) {
      if (node[f] !== undefined) node[f] = decodeTensor(node[f], `${source}: layer '${String(n.id)}' ${f}`);
    }
    const r = node.recurrent as Record<string, unknown> | undefined;
    if (r && typeof r === "object" && !Array.isArray(r) && r.weights !== undefined)
      node.recurrent = { ...r, weights: decodeTensor(r.weights, `${source}: layer '${String(n.id)}' recurrent.weights`) };
    return node as unknown as SnnNode;
  });
  const graph: SnnGraph = { nodes };
  if (o.output !== undefined) graph.output = String(o.output);
  return graph;
}

/** Serialises a graph to JSON text. */
export function stringifyGraph(graph: SnnGraph): string {
  return JSON.stringify(graphToJson(graph));
}

/** Parses JSON text into a graph; `source` (a file name) prefixes every error. */
export function parseGraph(text: string, source = "graph"): SnnGraph {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new SpikewasmError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  return graphFromJson(obj, source);
}
