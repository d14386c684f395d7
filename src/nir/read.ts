/**
 * readNir: NIR file bytes → the typed NirGraph of src/nir/types.ts (no interpretation), then the
 * validation pass of src/nir/primitives.ts. Every problem is reported at once in one NirError.
 */
import type * as H5 from "h5wasm";
import { NirError } from "./errors.js";
import { SpikewasmError } from "../errors.js";
import { type H5Api, hasHdf5Signature, loadH5, quietHdf5, scratchPath } from "./hdf5.js";
import { validateNir } from "./primitives.js";
import type { NirData, NirDtype, NirGraph, NirGroup, NirNode, NirSubgraph } from "./types.js";

/** h5wasm's type classes (HDF5 H5T_class_t). */
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;

function numericDtype(meta: H5.Dataset["metadata"]): NirDtype | null {
  if (meta.type === H5T_FLOAT) return meta.size === 4 ? "float32" : meta.size === 8 ? "float64" : null;
  if (meta.type !== H5T_INTEGER) return null;
  const bits = meta.size * 8;
  if (![8, 16, 32, 64].includes(bits)) return null;
  return `${meta.signed ? "int" : "uint"}${bits}` as NirDtype;
}

/** One dataset as NirData. */
function readDataset(ds: H5.Dataset): NirData {
  const meta = ds.metadata;
  const shape = (ds.shape ?? []).map(Number);
  if (meta.type === H5T_STRING) {
    const v = ds.value as unknown;
    const data = (Array.isArray(v) ? v : [v]).map((x) => (x instanceof Uint8Array ? new TextDecoder().decode(x) : String(x)).replace(/\0+$/, ""));
    return { kind: "strings", shape, data };
  }
  const dtype = numericDtype(meta);
  if (dtype === null) return { kind: "opaque", dtype: String(ds.dtype), shape };
  const v = ds.value as unknown;
  if (dtype === "float32") {
    const data = v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
    return { kind: "tensor", dtype, shape, data };
  }
  const src = (ArrayBuffer.isView(v) ? v : [v]) as ArrayLike<number | bigint>;
  const data = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) data[i] = Number(src[i]);
  return { kind: "tensor", dtype, shape, data };
}

/** A group's datasets and (recursively) subgroups; `skip` names subgroups left unread (a subgraph's 'nodes', read node by node). */
function readGroup(h5: typeof H5, g: H5.Group, skip: ReadonlySet<string> = NONE): NirGroup {
  const out: NirGroup = { data: {}, groups: {} };
  for (const k of g.keys()) {
    if (skip.has(k)) continue;
    const o = g.get(k);
    if (o instanceof h5.Group) out.groups[k] = readGroup(h5, o);
    else if (o instanceof h5.Dataset) out.data[k] = readDataset(o);
  }
  return out;
}
const NONE: ReadonlySet<string> = new Set();
/** Deepest nesting of NIRGraph subgraphs read (real exports nest a few levels). */
export const MAX_SUBGRAPH_DEPTH = 32;
const SUBGRAPH_NODES: ReadonlySet<string> = new Set(["nodes"]);

function stringOf(d: NirData | undefined): string | undefined {
  return d && d.kind === "strings" && d.data.length === 1 ? d.data[0] : undefined;
}

/** A node group → NirNode; problems (no type, bad edges) go to `problems`. */
function toNode(h5: typeof H5, g: H5.Group, file: string, path: string, problems: string[]): NirNode {
  const where = path === "" ? `${file}: /node` : `${file}: node '${path}'`;
  // a subgraph's own fields only: its 'nodes' are read once each below (reading them here too made
  // nested subgraphs cost depth² group reads)
  const typeDs = g.get("type");
  const isGraph = typeDs instanceof h5.Dataset && stringOf(readDataset(typeDs)) === "NIRGraph";
  const depth = path === "" ? 0 : path.split(".").length;
  if (isGraph && depth >= MAX_SUBGRAPH_DEPTH) {
    // HDF5 opens nested groups by path, so each level costs more than the last: refuse absurd nesting
    problems.push(`${where}: subgraphs nested more than ${MAX_SUBGRAPH_DEPTH} levels deep (limit MAX_SUBGRAPH_DEPTH)`);
    return { type: "NIRGraph", nodes: new Map(), edges: [], params: {}, groups: {} };
  }
  const grp = readGroup(h5, g, isGraph ? SUBGRAPH_NODES : NONE);
  const type = stringOf(grp.data.type);
  if (type === undefined) problems.push(`${where}: missing or non-string dataset 'type'`);
  const params = { ...grp.data };
  delete params.type;
  if (type !== "NIRGraph") return { type: type ?? "?", params, groups: grp.groups };
  const nodesGroup = g.get("nodes");
  const nodes = new Map<string, NirNode>();
  if (!(nodesGroup instanceof h5.Group)) problems.push(`${where} (NIRGraph): missing group 'nodes'`);
  else for (const k of nodesGroup.keys()) {
    const child = nodesGroup.get(k);
    if (child instanceof h5.Group) nodes.set(k, toNode(h5, child, file, path === "" ? k : `${path}.${k}`, problems));
    else problems.push(`${where}: nodes/${k} is a dataset, expected a node group`);
  }
  const edges: [string, string][] = [];
  const e = params.edges;
  delete params.edges;
  const groups = { ...grp.groups };
  delete groups.nodes;
  if (e === undefined) problems.push(`${where} (NIRGraph): missing dataset 'edges'`);
  else if (e.kind !== "strings" || (e.data.length > 0 && (e.shape.length !== 2 || e.shape[1] !== 2)))
    problems.push(`${where} (NIRGraph): 'edges' must be a string dataset of shape [E, 2], got ${e.kind} [${e.shape.join(", ")}]`);
  else for (let i = 0; i + 1 < e.data.length; i += 2) edges.push([e.data[i], e.data[i + 1]]);
  return { type: "NIRGraph", nodes, edges, params, groups } satisfies NirSubgraph;
}

/** Opens `bytes` in h5wasm's memory file system and calls `f` with the open file. */
export function withH5File<T>(api: H5Api, bytes: Uint8Array, file: string, f: (h: H5.File) => T): T {
  return quietHdf5(() => withH5FileLoud(api, bytes, file, f));
}

function withH5FileLoud<T>(api: H5Api, bytes: Uint8Array, file: string, f: (h: H5.File) => T): T {
  if (!hasHdf5Signature(bytes))
    throw new NirError("corrupt", file, "not a NIR file", [`no HDF5 signature (a .nir file is HDF5; got ${bytes.length} bytes starting ${hex(bytes)})`]);
  const path = scratchPath("read");
  api.FS.writeFile(path, bytes);
  let h: H5.File | null = null;
  try {
    try {
      h = new api.h5.File(path, "r");
    } catch (e) {
      throw new NirError("corrupt", file, "corrupt HDF5", [`h5wasm could not open it: ${(e as Error).message}`]);
    }
    if (typeof h.file_id === "bigint" ? h.file_id < 0n : Number(h.file_id) < 0)
      throw new NirError("corrupt", file, "corrupt HDF5", ["the HDF5 superblock or its object headers could not be read (truncated or damaged file)"]);
    try {
      return f(h);
    } catch (e) {
      if (e instanceof NirError) throw e;
      // a dataset too large to hold is a resource limit, not a damaged file
      if (e instanceof RangeError) throw new SpikewasmError(`${file}: a dataset is too large to read into memory here (${e.message}); the network needs more memory than a WebAssembly instance or typed array can hold`, 3);
      throw new NirError("corrupt", file, "corrupt HDF5", [`reading failed: ${(e as Error).message}`]);
    }
  } finally {
    try {
      if (h && Number(h.file_id) >= 0) h.close();
    } catch {
      /* already failed */
    }
    api.FS.unlink(path);
  }
}

function hex(b: Uint8Array): string {
  return Array.from(b.subarray(0, 8), (x) => x.toString(16).padStart(2, "0")).join(" ");
}

/**
 * Reads a NIR file (HDF5 bytes) into a NirGraph. `file` names the source in every message.
 * Throws NirError: kind "corrupt" (not HDF5, truncated), "invalid" (no /node or /version, unknown
 * primitives, missing datasets, mismatched parameter shapes, edges naming missing nodes; all listed).
 */
export async function readNir(bytes: Uint8Array, file: string): Promise<NirGraph> {
  const api = await loadH5();
  return withH5File(api, bytes, file, (h) => {
    const problems: string[] = [];
    const v = h.get("version");
    let version = "";
    if (v instanceof api.h5.Dataset) version = stringOf(readDataset(v)) ?? "";
    if (version === "") problems.push(`${file}: missing or non-string dataset '/version'`);
    const root = h.get("node");
    if (!(root instanceof api.h5.Group)) {
      problems.push(`${file}: missing group '/node' (the graph); found ${JSON.stringify(h.keys())}`);
      throw new NirError("invalid", file, "not a NIR graph", problems);
    }
    const node = toNode(api.h5, root, file, "", problems);
    if (node.type !== "NIRGraph") problems.push(`${file}: /node has type '${node.type}', expected 'NIRGraph'`);
    if (problems.length > 0) throw new NirError("invalid", file, "invalid NIR file", problems);
    const graph: NirGraph = { ...(node as NirSubgraph), version };
    const more = validateNir(graph, file);
    if (more.length > 0) throw new NirError("invalid", file, "invalid NIR file", more);
    return graph;
  });
}
