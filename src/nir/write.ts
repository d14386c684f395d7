/**
 * writeNir: a NirGraph → HDF5 bytes in the layout of src/nir/types.ts (the one NIR's
 * nir/serialization.py writes and reads). The file is built in h5wasm's in-memory file system and
 * returned as bytes; nothing is written to disk, so an error never leaves a partial file.
 * Groups track creation order, so node order survives a round trip.
 */
import type * as H5 from "h5wasm";
import { NirError } from "./errors.js";
import { loadH5, scratchPath } from "./hdf5.js";
import { type NirData, type NirGraph, type NirGroup, type NirNode, isSubgraph } from "./types.js";

type Writable = Parameters<H5.Group["create_dataset"]>[0]["data"];

const INT_ARRAYS = {
  int8: Int8Array, int16: Int16Array, int32: Int32Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array,
} as const;

function payload(d: NirData, where: string): { data: Writable; shape: number[] } {
  if (d.kind === "strings") return { data: (d.shape.length === 0 ? d.data[0] : d.data) as Writable, shape: d.shape };
  if (d.kind === "opaque") throw new NirError("invalid", where, "cannot write", [`dataset of type ${d.dtype} (kept by name only when read)`]);
  const n = d.shape.reduce((a, b) => a * b, 1);
  if (n !== d.data.length)
    throw new NirError("invalid", where, "cannot write", [`shape [${d.shape.join(", ")}] holds ${n} values, data has ${d.data.length}`]);
  switch (d.dtype) {
    case "float32":
      return { data: d.data instanceof Float32Array ? d.data : Float32Array.from(d.data), shape: d.shape };
    case "float64":
      return { data: d.data instanceof Float64Array ? d.data : Float64Array.from(d.data), shape: d.shape };
    case "int64":
      return { data: BigInt64Array.from(d.data, (x) => BigInt(Math.trunc(x))) as unknown as Writable, shape: d.shape };
    case "uint64":
      return { data: BigUint64Array.from(d.data, (x) => BigInt(Math.trunc(x))) as unknown as Writable, shape: d.shape };
    default:
      return { data: INT_ARRAYS[d.dtype].from(d.data) as unknown as Writable, shape: d.shape };
  }
}

function writeData(g: H5.Group, name: string, d: NirData, where: string): void {
  const { data, shape } = payload(d, `${where}/${name}`);
  g.create_dataset({ name, data, shape });
}

function writeGroup(g: H5.Group, grp: NirGroup, where: string): void {
  for (const [k, d] of Object.entries(grp.data)) writeData(g, k, d, where);
  for (const [k, sub] of Object.entries(grp.groups)) writeGroup(g.create_group(k, true), sub, `${where}/${k}`);
}

function writeNode(g: H5.Group, node: NirNode, where: string): void {
  g.create_dataset({ name: "type", data: node.type });
  if (isSubgraph(node)) {
    const nodes = g.create_group("nodes", true);
    for (const [k, child] of node.nodes) {
      if (k.includes("/") || k === "" || k === "." || k === "..")
        throw new NirError("invalid", where, "cannot write", [`node name ${JSON.stringify(k)} is not a valid HDF5 group name`]);
      writeNode(nodes.create_group(k, true), child, `${where}/nodes/${k}`);
    }
    const flat = node.edges.flat();
    g.create_dataset({ name: "edges", data: flat, shape: [node.edges.length, 2] });
    for (const [k, d] of Object.entries(node.params)) writeData(g, k, d, where);
  } else {
    for (const [k, d] of Object.entries(node.params)) writeData(g, k, d, where);
  }
  for (const [k, sub] of Object.entries(node.groups)) writeGroup(g.create_group(k, true), sub, `${where}/${k}`);
}

/** Serialises a NirGraph to NIR (HDF5) bytes. Throws NirError on names or data HDF5 cannot hold. */
export async function writeNir(nir: NirGraph): Promise<Uint8Array> {
  const { h5, FS } = await loadH5();
  const path = scratchPath("write");
  const f = new h5.File(path, "w", { track_order: true });
  let closed = false;
  try {
    f.create_dataset({ name: "version", data: nir.version });
    writeNode(f.create_group("node", true), nir, "/node");
    f.close();
    closed = true;
    return FS.readFile(path).slice();
  } finally {
    if (!closed) f.close();
    if (FS.analyzePath(path).exists) FS.unlink(path);
  }
}
