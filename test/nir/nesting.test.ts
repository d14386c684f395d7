// Nested NIR subgraphs are read once each (linear in the nodes, not depth²), and absurd nesting is refused by name.
import { describe, expect, it } from "vitest";
import { readNir, writeNir } from "../../src/nir/index.js";
import type { NirGraph, NirNode, NirSubgraph } from "../../src/nir/types.js";

const shape1 = { shape: { kind: "tensor" as const, dtype: "int64" as const, shape: [1], data: Float64Array.from([1]) } };
const io = (type: string): NirNode => ({ type, params: shape1, groups: {} }) as NirNode;

/** Input -> (depth nested subgraphs, each Input -> inner -> Output) -> Output. */
function nested(depth: number): NirGraph {
  let g: NirSubgraph = { type: "NIRGraph", nodes: new Map([["in", io("Input")], ["out", io("Output")]]), edges: [["in", "out"]], params: {}, groups: {} };
  for (let d = 0; d < depth; d++)
    g = { type: "NIRGraph", nodes: new Map([["in", io("Input")], ["g", g as NirNode], ["out", io("Output")]]), edges: [["in", "g"], ["g", "out"]], params: {}, groups: {} };
  return { ...g, version: "1.0.0" };
}

describe("NIR subgraph nesting", () => {
  it("reads 20 nested levels, every level once", async () => {
    const g = await readNir(await writeNir(nested(20)), "deep20.nir");
    let n: NirNode = g as NirNode, levels = 0;
    while (n.type === "NIRGraph" && (n as NirSubgraph).nodes.has("g")) { n = (n as NirSubgraph).nodes.get("g")!; levels++; }
    expect(levels).toBe(20);
  }, 60_000);
  it("refuses nesting past the limit with the node path named", async () => {
    await expect(readNir(await writeNir(nested(40)), "deep40.nir")).rejects.toThrow(/deep40\.nir: node 'g(\.g){31}': subgraphs nested more than 32 levels deep/);
  }, 60_000);
});
