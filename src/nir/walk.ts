/**
 * Graph walks of the NIR → SnnGraph conversion: inlining nested subgraphs into one flat graph, finding
 * the edges that close cycles (recurrent connections), and a deterministic topological order.
 */
import { type NirPrimitive, type NirSubgraph, isSubgraph } from "./types.js";

/** A graph with nested subgraphs inlined: primitive nodes by full name (file order) and edges. */
export interface Flat {
  nodes: Map<string, NirPrimitive>;
  edges: [string, string][];
}

/** Inlines nested subgraphs: inner nodes "sub.x", their Input/Output bypassed. */
export function inline(g: NirSubgraph, prefix: string, problems: string[], where: string): Flat {
  const nodes = new Map<string, NirPrimitive>();
  let edges: [string, string][] = [];
  const entry = new Map<string, string>(); // subgraph name -> its single Input (full name)
  const exit = new Map<string, string>();
  const bypass = new Set<string>();
  for (const [name, node] of g.nodes) {
    const full = prefix + name;
    if (!isSubgraph(node)) {
      nodes.set(full, node);
      continue;
    }
    const sub = inline(node, `${full}.`, problems, where);
    const ins = [...sub.nodes].filter(([, n]) => n.type === "Input").map(([k]) => k);
    const outs = [...sub.nodes].filter(([, n]) => n.type === "Output").map(([k]) => k);
    if (ins.length === 1) entry.set(full, ins[0]);
    if (outs.length === 1) exit.set(full, outs[0]);
    for (const [k, n] of sub.nodes) nodes.set(k, n);
    edges.push(...sub.edges);
    for (const k of [...ins, ...outs]) bypass.add(k);
  }
  for (const [a, b] of g.edges) {
    const fa = prefix + a, fb = prefix + b;
    edges.push([exit.get(fa) ?? fa, entry.get(fb) ?? fb]);
  }
  // bypass the Input/Output nodes of inlined subgraphs: connect their predecessors to their successors
  for (const k of bypass) {
    const preds = edges.filter((e) => e[1] === k).map((e) => e[0]);
    const succs = edges.filter((e) => e[0] === k).map((e) => e[1]);
    edges = edges.filter((e) => e[0] !== k && e[1] !== k);
    for (const p of preds) for (const s of succs) edges.push([p, s]);
    nodes.delete(k);
    if (preds.length === 0 && succs.length > 0) problems.push(`${where}: node '${k}' (Input of a nested graph) receives no edge`);
  }
  return { nodes, edges };
}

/** Back edges of a DFS in node order: one per cycle closing edge. */
export function backEdges(names: string[], succ: Map<string, string[]>): [string, string][] {
  const state = new Map<string, number>();
  const stack: string[] = [];
  const found: [string, string][] = [];
  const visit = (u: string): void => {
    state.set(u, 1);
    stack.push(u);
    for (const v of succ.get(u) ?? []) {
      if (state.get(v) === 1) found.push([u, v]);
      else if (!state.has(v)) visit(v);
    }
    stack.pop();
    state.set(u, 2);
  };
  for (const n of names) if (!state.has(n)) visit(n);
  return found;
}

/** Kahn's algorithm, always taking the ready node that comes first in file order. */
export function topoOrder(names: string[], edges: [string, string][]): string[] {
  const indeg = new Map(names.map((n) => [n, 0]));
  for (const [, b] of edges) indeg.set(b, (indeg.get(b) ?? 0) + 1);
  const rank = new Map(names.map((n, i) => [n, i]));
  const ready = names.filter((n) => indeg.get(n) === 0);
  const out: string[] = [];
  while (ready.length > 0) {
    ready.sort((x, y) => rank.get(x)! - rank.get(y)!);
    const u = ready.shift()!;
    out.push(u);
    for (const [a, b] of edges) {
      if (a !== u) continue;
      indeg.set(b, indeg.get(b)! - 1);
      if (indeg.get(b) === 0) ready.push(b);
    }
  }
  return out;
}
