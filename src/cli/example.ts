/** `spikewasm example`: a built-in network written as graph JSON. */
import type { Command } from "commander";
import { stringifyGraph } from "../ir/json.js";
import { VERSION } from "../version.js";
import { EXAMPLES, exampleGraph } from "./graphs.js";
import { emitJson, writeAtomic } from "./io.js";

function exampleCommand(name: string, o: Record<string, unknown>): void {
  const graph = exampleGraph(name);
  writeAtomic(o.out as string, stringifyGraph(graph) + "\n");
  if (emitJson(o, { spikewasm: VERSION, example: name, file: o.out, nodes: graph.nodes.length })) return;
  console.log(`wrote example '${name}' to ${o.out}`);
}

/** Registers `spikewasm example` on the program. */
export function registerExample(program: Command): void {
  program
    .command("example")
    .description("write a built-in example network as a graph JSON file")
    .argument("<name>", Object.keys(EXAMPLES).join(" | "))
    .requiredOption("-o, --out <file>", "output file")
    .option("--json <file>", "write a summary as JSON (- for standard output only)")
    .addHelpText("after", "\nExample:\n  spikewasm example conv -o conv.json && spikewasm simulate conv.json")
    .action((name: string, o: Record<string, unknown>) => exampleCommand(name, o));
}
