/**
 * Spiking networks from files: spikewasm graph JSON, NIR (discretised with --dt), the built-in examples,
 * and input values for `simulate --input`.
 */
import { SpikewasmError } from "../errors.js";
import { convNet, mlp784 } from "../examples/networks.js";
import type { SnnGraph } from "../ir/graph.js";
import { flattenNumbers, parseGraph } from "../ir/json.js";
import { nirToSnn, readNir } from "../nir/index.js";
import { readBytes, readText } from "./io.js";

export const EXAMPLES: Record<string, () => SnnGraph> = { mlp: mlp784, conv: convNet };

/** A built-in example network by name. */
export function exampleGraph(name: string): SnnGraph {
  const make = EXAMPLES[name];
  if (!make) throw new SpikewasmError(`unknown example '${name}' (available: ${Object.keys(EXAMPLES).join(", ")})`);
  return make();
}

/** Loads a graph file, or an example by name when `file` is absent. */
export async function loadGraph(file: string | undefined, example: string, o: Record<string, unknown>): Promise<{ graph: SnnGraph; source: string }> {
  if (file) return { graph: (await graphFromFile(file, o)).graph, source: file };
  return { graph: exampleGraph(example), source: `example:${example}` };
}

/** A spiking-network file rather than an ONNX model: NIR or spikewasm graph JSON. */
export function isGraphFile(file: string): boolean {
  return /\.(nir|json)$/i.test(file);
}

/** Reads a graph file: NIR (HDF5, discretised with --dt) or spikewasm graph JSON. */
export async function graphFromFile(file: string, o: Record<string, unknown>): Promise<{ graph: SnnGraph; source: Record<string, unknown> }> {
  if (!/\.nir$/i.test(file)) return { graph: parseGraph(readText(file), file), source: { format: "spikewasm-graph" } };
  const nir = await readNir(readBytes(file), file);
  const warnings: string[] = [];
  const graph = nirToSnn(nir, { file, dt: o.dt as number | undefined, reset: o.nirReset as "value" | "subtract" | undefined, onWarning: (m) => warnings.push(m) });
  for (const w of warnings) console.error(`spikewasm: warning: ${w}`);
  return { graph, source: { format: "nir", nirVersion: nir.version, dt: o.dt ?? "from the file", reset: o.nirReset ?? "the file's (spikewasm metadata) or v_reset", warnings } };
}

/** Reads inputs from a JSON file: an array of numbers, or an array of samples (nested arrays). */
export function loadInputs(file: string, n: number, batch: number): Float32Array {
  let data: unknown;
  try {
    data = JSON.parse(readText(file));
  } catch (e) {
    if (e instanceof SpikewasmError) throw e;
    throw new SpikewasmError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(data)) throw new SpikewasmError(`${file}: expected an array of numbers (k samples × ${n} values)`);
  const flat = flattenNumbers(data as unknown[], `${file}: element `);
  if (flat.length % n !== 0 || flat.length / n > batch)
    throw new SpikewasmError(`${file}: holds ${flat.length} values; the graph's input has ${n} per sample and the batch is ${batch}`);
  return Float32Array.from(flat as number[]);
}
