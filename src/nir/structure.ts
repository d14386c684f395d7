/**
 * Which NIR nodes make up one spikewasm population, found from the graph's structure alone (before any
 * shape is known): a population's recurrent weight node (N → R → N) and the chain of linear nodes that
 * feeds it (composed by src/nir/compose.ts). Used by nirToSnn (src/nir/to-snn.ts).
 */
import { CHAIN_TYPES } from "./compose.js";
import { NEURON_PARAMS } from "./primitives.js";
import type { Flat } from "./walk.js";

const NEURONS = new Set(Object.keys(NEURON_PARAMS));

/**
 * Recurrent loops N → R → N: a neuron node N and an Affine/Linear R whose only input and only output is
 * N. Returns N → R; two such R on one N are a problem (spikewasm holds one recurrent matrix).
 */
export function recurrentLoops(flat: Flat, preds: Map<string, string[]>, succs: Map<string, string[]>, problems: string[], file: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, node] of flat.nodes) {
    if (!NEURONS.has(node.type)) continue;
    const loops = (preds.get(name) ?? []).filter((r) => {
      const t = flat.nodes.get(r)?.type;
      return (t === "Affine" || t === "Linear") && same1(preds.get(r), name) && same1(succs.get(r), name);
    });
    if (loops.length > 1) problems.push(`${file}: node '${name}' (${node.type}): ${loops.length} recurrent weight nodes ('${loops.join("', '")}'); spikewasm holds one recurrent matrix per population`);
    else if (loops.length === 1) out.set(name, loops[0]);
  }
  return out;
}

const same1 = (a: string[] | undefined, x: string): boolean => a !== undefined && a.length === 1 && a[0] === x;

/**
 * Chains of two or more linear nodes (compose.ts CHAIN_TYPES) feeding a neuron node, walked back from the
 * neuron through nodes with one input and one output, to a source: an Input, a neuron, or a Flatten of one
 * (which stays a flatten node of its own). Returns neuron → chain in data order; a chain node with several
 * inputs or outputs is a problem (a linear node shared by two populations, or a sum before the neuron).
 */
export function linearChains(flat: Flat, preds: Map<string, string[]>, succs: Map<string, string[]>, recurrent: Map<string, string>, problems: string[], file: string): Map<string, string[]> {
  const type = (n: string) => flat.nodes.get(n)?.type ?? "";
  const sourceFlatten = (n: string) => type(n) === "Flatten" && (preds.get(n) ?? []).every((p) => type(p) === "Input" || NEURONS.has(type(p)));
  const linear = (n: string) => CHAIN_TYPES.has(type(n)) && !sourceFlatten(n);
  const out = new Map<string, string[]>();
  for (const [name, node] of flat.nodes) {
    if (!NEURONS.has(node.type)) continue;
    for (const p of preds.get(name) ?? []) {
      if (p === recurrent.get(name) || !linear(p)) continue;
      const chain = [p];
      for (let x = p; ;) {
        const ps = preds.get(x) ?? [];
        if (ps.length !== 1 || !linear(ps[0])) break;
        x = ps[0];
        chain.unshift(x);
      }
      if (chain.length < 2) continue;
      const shared = chain.filter((x) => (preds.get(x) ?? []).length !== 1 || (succs.get(x) ?? []).length !== 1);
      if (shared.length > 0) {
        problems.push(`${file}: node '${name}' (${node.type}): the chain of linear nodes ${chain.map((x) => `'${x}'`).join(" → ")} has ${shared.map((x) => `'${x}' with ${(preds.get(x) ?? []).length} input(s) and ${(succs.get(x) ?? []).length} output(s)`).join(", ")}; a chain composes into one layer only when each node has one input and one output`);
        continue;
      }
      out.set(name, chain);
    }
  }
  return out;
}
