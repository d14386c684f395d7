/**
 * NIR (neuromorphs/NIR, Neuromorphic Intermediate Representation) exchange: read and write .nir
 * (HDF5, via h5wasm) and convert between NIR graphs and spikewasm's SnnGraph.
 *
 *   const nir = await readNir(bytes, "net.nir");          // faithful typed picture of the file
 *   const graph = nirToSnn(nir, { dt: 1e-3 });             // discretised SnnGraph (src/nir/discretise.ts)
 *   const out = await writeNir(snnToNir(graph, { dt: 1e-3 }));
 */
export { readNir } from "./read.js";
export { writeNir } from "./write.js";
export { nirToSnn, type NirToSnnOptions } from "./to-snn.js";
export { snnToNir, NIR_WRITE_VERSION, type SnnToNirOptions } from "./from-snn.js";
export { discretise, continuous, type Discretised, type Continuous } from "./discretise.js";
export { NirError, type NirErrorKind } from "./errors.js";
export { NIR_PRIMITIVES, NEURON_PARAMS, validateNir, type PrimitiveSpec } from "./primitives.js";
export * from "./types.js";
export { loadH5 } from "./hdf5.js";
