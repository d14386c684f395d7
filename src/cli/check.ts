/** `spikewasm check`: a graph file type-checked, every node's shape and the memory it needs. */
import type { Command } from "commander";
import { basename } from "node:path";
import { checkGraph } from "../ir/check.js";
import { shapeSize } from "../ir/graph.js";
import { planMemory } from "../sim/plan.js";
import { VERSION } from "../version.js";
import { graphFromFile } from "./graphs.js";
import { checkWritable, emitJson } from "./io.js";
import { int, nirDtOption, nirResetOption } from "./options.js";

async function checkCommand(file: string, o: Record<string, unknown>): Promise<void> {
  if (o.json && o.json !== "-") checkWritable(o.json as string);
  const { graph } = await graphFromFile(file, o);
  const { shapes, output } = checkGraph(graph);
  const plan = planMemory(graph, o.batch as number);
  const nodes = graph.nodes.map((node) => ({ id: node.id, kind: node.kind, shape: shapes.get(node.id)!,
    parameters: ("weights" in node ? node.weights.length : 0) + ("bias" in node && node.bias ? node.bias.length : 0) + ("recurrent" in node && node.recurrent ? node.recurrent.weights.length : 0) }));
  const report = {
    spikewasm: VERSION, graph: file, output, batch: plan.batch, nodes,
    memory: { parameterBytes: plan.parameterBytes, stateBytes: plan.stateBytes, totalBytes: plan.totalBytes },
  };
  if (emitJson(o, report)) return;
  console.log(`${basename(file)}: ${graph.nodes.length} nodes, output '${output}'`);
  for (const node of nodes)
    console.log(`  ${node.id.padEnd(14)}${node.kind.padEnd(9)}[${node.shape.join(", ")}]`.padEnd(46) + `${shapeSize(node.shape)} values, ${node.parameters} parameters`);
  console.log(`memory at batch ${plan.batch}: ${plan.parameterBytes} bytes of parameters + ${plan.stateBytes} bytes of state = ${plan.totalBytes} bytes`);
}

/** Registers `spikewasm check` on the program. */
export function registerCheck(program: Command): void {
  program
    .command("check")
    .description("type-check a graph JSON file and print every node's shape and the memory it needs")
    .argument("<graph>", "graph file: spikewasm graph JSON or NIR (.nir)")
    .option("-b, --batch <n>", "batch size for the memory figure", int("--batch", 1), 1)
    .addOption(nirDtOption("NIR graphs"))
    .addOption(nirResetOption("NIR graphs"))
    .option("--json <file>", "write the result as JSON (- for standard output only)")
    .addHelpText("after", "\nExamples:\n  spikewasm check net.json -b 32\n  spikewasm check net.nir --dt 1e-3 --json -")
    .action((file: string, o: Record<string, unknown>) => checkCommand(file, o));
}
