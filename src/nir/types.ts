/**
 * A faithful, typed picture of a NIR file (neuromorphs/NIR, the Neuromorphic Intermediate
 * Representation): what `readNir` returns and `writeNir` takes. It mirrors the HDF5 layout one to one,
 * without interpreting the primitives (src/nir/to-snn.ts does that):
 *
 *   /version            string dataset, e.g. "0.2.0"
 *   /node               the top-level graph group:
 *     type              string dataset "NIRGraph"
 *     edges             string dataset [E, 2]: (source node name, target node name)
 *     nodes/<name>/     one group per node: `type` (string) + one dataset per parameter
 *                       (float32/float64 tensors, int64 shapes and sizes), optionally groups such as
 *                       `metadata/`, `input_type/`, `output_type/`; a node of type "NIRGraph" is a
 *                       nested subgraph with its own `nodes/` and `edges`.
 *     metadata/         optional
 */

/** Element type of a numeric dataset. */
export type NirDtype = "float32" | "float64" | "int8" | "int16" | "int32" | "int64" | "uint8" | "uint16" | "uint32" | "uint64";

/** A numeric dataset: row-major values and the dataset's shape ([] for a scalar). */
export interface NirTensor {
  kind: "tensor";
  dtype: NirDtype;
  shape: number[];
  /** float32 datasets as Float32Array, every other dtype as Float64Array (integers are exact up to 2^53). */
  data: Float32Array | Float64Array;
}

/** A string dataset (scalar: shape [] and one value). */
export interface NirStrings {
  kind: "strings";
  shape: number[];
  data: string[];
}

/** A dataset of a type this reader does not decode (compound, enum, opaque ...), kept by name only. */
export interface NirOpaque {
  kind: "opaque";
  /** h5wasm's dtype description, for messages */
  dtype: string;
  shape: number[];
}

/** One HDF5 dataset. */
export type NirData = NirTensor | NirStrings | NirOpaque;

/** An HDF5 group that is not a node (metadata/, input_type/ ...): datasets and nested groups by name. */
export interface NirGroup {
  data: Record<string, NirData>;
  groups: Record<string, NirGroup>;
}

/** A primitive node: its `type` and every other dataset / subgroup of its HDF5 group. */
export interface NirPrimitive {
  type: string;
  /** every dataset of the node group except `type` (e.g. weight, bias, tau, r, v_threshold, shape) */
  params: Record<string, NirData>;
  /** subgroups (metadata, input_type, output_type ...) */
  groups: Record<string, NirGroup>;
}

/** A graph (the file's top level, or a nested subgraph node of type "NIRGraph"). */
export interface NirSubgraph {
  type: "NIRGraph";
  /** nodes by name, in the file's order (creation order when the file tracks it, else by name); a Map
   * because object keys that look like integers ("0", "1", as Norse names nodes) would be reordered */
  nodes: Map<string, NirNode>;
  edges: [string, string][];
  /** datasets of the graph group other than type and edges */
  params: Record<string, NirData>;
  /** subgroups other than nodes (metadata ...) */
  groups: Record<string, NirGroup>;
}

/** A node of a NIR graph. */
export type NirNode = NirPrimitive | NirSubgraph;

/** A whole NIR file: its version string and top-level graph. */
export interface NirGraph extends NirSubgraph {
  /** the file's /version (NIR library version of the writer) */
  version: string;
}

/** True for a nested graph node. */
export function isSubgraph(node: NirNode): node is NirSubgraph {
  return node.type === "NIRGraph";
}

/** A float64 tensor of `shape` (filled from `values`, or a scalar). */
export function f64(values: ArrayLike<number> | number, shape?: number[]): NirTensor {
  const data = typeof values === "number" ? Float64Array.of(values) : Float64Array.from(values);
  return { kind: "tensor", dtype: "float64", shape: shape ?? (typeof values === "number" ? [] : [data.length]), data };
}

/** A float32 tensor of `shape` (the data array is used as is, not copied). */
export function f32(data: Float32Array, shape: number[]): NirTensor {
  return { kind: "tensor", dtype: "float32", shape, data };
}

/** An int64 tensor (shapes, sizes, strides), 1-D unless `shape` is given ([] for a scalar). */
export function i64(values: number[] | number, shape?: number[]): NirTensor {
  const a = typeof values === "number" ? [values] : values;
  return { kind: "tensor", dtype: "int64", shape: shape ?? (typeof values === "number" ? [] : [a.length]), data: Float64Array.from(a) };
}

/** A scalar string dataset. */
export function str(s: string): NirStrings {
  return { kind: "strings", shape: [], data: [s] };
}
