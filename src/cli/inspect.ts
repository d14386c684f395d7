/**
 * `spikewasm inspect`: every node of an ONNX model, a NIR file or a spikewasm graph JSON file, with its
 * shape, parameters, synapses (MACs for ONNX) and whether it converts / maps, every problem at once.
 * Returns the exit code: 2 when any node does not convert (or a NIR file has no dt), else 0.
 */
import type { Command } from "commander";
import { checkGraph } from "../ir/check.js";
import { type SnnGraph, type SnnNode, isPopulation, shapeSize } from "../ir/graph.js";
import { parseGraph } from "../ir/json.js";
import { inspectNir } from "../nir/inspect.js";
import { readNir } from "../nir/read.js";
import { importOnnx } from "../onnx/import.js";
import { VERSION } from "../version.js";
import { emitJson, readBytes } from "./io.js";
import { nirDtOption, nirResetOption } from "./options.js";

/** What the command reads files and writes JSON with (src/cli/io.ts; injectable for tests). */
export interface InspectIo {
  readBytes(file: string): Uint8Array;
  /** writes the report as JSON when --json is given; true when nothing else is to be printed */
  emitJson(o: Record<string, unknown>, report: unknown): boolean;
}

/** Table cells: width w > 0 left-aligned (cut to w − 1), w < 0 right-aligned in −w, 0 as is. */
const row = (cells: [string, number][]): string => cells.map(([s, w]) => (w === 0 ? s : w < 0 ? s.padStart(-w) : s.slice(0, w - 1).padEnd(w))).join("");

export async function inspectCommand(file: string, o: Record<string, unknown>, io: InspectIo): Promise<number> {
  if (/\.nir$/i.test(file)) return inspectNirFile(file, o, io);
  if (/\.json$/i.test(file)) return inspectGraphFile(file, o, io);
  return inspectOnnx(file, o, io);
}

function inspectOnnx(file: string, o: Record<string, unknown>, io: InspectIo): number {
  const imp = importOnnx(io.readBytes(file), file);
  const totals = imp.nodes.reduce((a, n) => ({ params: a.params + n.params, macs: a.macs + n.macs }), { params: 0, macs: 0 });
  const report = { spikewasm: VERSION, model: file, format: "onnx", opset: imp.opset, producer: imp.producer, ...totals, convertible: imp.problems.length === 0,
    droppedSoftmax: imp.droppedSoftmax, nodes: imp.nodes, problems: imp.problems };
  if (!io.emitJson(o, report)) {
    console.log(`${file}: opset ${imp.opset}, producer ${imp.producer || "?"}, ${imp.nodes.length} nodes, ${totals.params} parameters, ${totals.macs} MACs per sample`);
    console.log(`${"node".padEnd(24)}${"op".padEnd(20)}${"shape".padEnd(16)}${"params".padStart(10)}${"MACs".padStart(12)}  converts`);
    for (const n of imp.nodes) {
      const shape = n.shape ? `[${n.shape.join(",")}]` : "";
      console.log(`${n.name.slice(0, 23).padEnd(24)}${n.opType.padEnd(20)}${shape.padEnd(16)}${String(n.params).padStart(10)}${String(n.macs).padStart(12)}  ${n.converts ? "yes" : "NO"}: ${n.note}`);
    }
    if (imp.problems.length) console.log(`${imp.problems.length} unsupported node(s): ${imp.problems.map((p) => `'${p.name}' (${p.opType})`).join(", ")}`);
    else console.log("every node converts");
  }
  return imp.problems.length ? 2 : 0;
}

async function inspectNirFile(file: string, o: Record<string, unknown>, io: InspectIo): Promise<number> {
  const nir = await readNir(io.readBytes(file), file);
  const r = inspectNir(nir, { file, dt: o.dt as number | undefined, reset: o.nirReset as "value" | "subtract" | undefined });
  const { graph, ...rest } = r;
  const report = { spikewasm: VERSION, model: file, format: "nir", convertible: r.problems.length === 0, populations: graph?.nodes.filter(isPopulation).length ?? null, ...rest };
  if (!io.emitJson(o, report)) {
    const dtText = r.dt === null ? "no dt" : `dt ${r.dt} s (${r.dtSource === "option" ? "--dt" : r.dtSource === "file" ? "stored in the file" : "suggested; give --dt"})`;
    console.log(`${file}: NIR ${r.nirVersion}, ${r.nodes.length} nodes, ${dtText}`);
    console.log(row([["node", 22], ["type", 11], ["shape", 16], ["params", -9], ["synapses", -11], ["  maps", 0]]));
    for (const n of r.nodes) {
      console.log(row([[n.name, 22], [n.type, 11], [n.shape ? `[${n.shape.join(",")}]` : "?", 16], [String(n.params), -9], [String(n.synapses), -11],
        [`  ${n.maps ? "yes" : "NO"}: ${n.note}`, 0]]));
    }
    for (const c of r.composed) console.log(`composed: ${c.chain.map((x) => `'${x}'`).join(" → ")} → '${c.neuron}' is one ${c.kind} layer (${c.weights} weights, exact)`);
    for (const w of r.warnings) console.log(`warning: ${w}`);
    if (r.problems.length) {
      console.log(`${r.problems.length} problem(s):`);
      for (const p of r.problems) console.log(`  - ${p}`);
    } else console.log(`every node maps: ${graph!.nodes.length} graph nodes, ${graph!.nodes.filter(isPopulation).length} populations`);
  }
  return r.problems.length ? 2 : 0;
}

/** Connections into a population (taps inside the input for conv/pool; n² more for recurrent weights). */
function synapses(node: SnnNode, shapes: Map<string, number[]>): number {
  if (!isPopulation(node)) return 0;
  const out = shapes.get(node.id)!;
  const rec = node.recurrent ? shapeSize(out) ** 2 : 0;
  if (node.kind === "add" || node.kind === "concat") return node.inputs.reduce((a, i) => a + shapeSize(shapes.get(i)!), 0) + rec;
  const inS = shapes.get(node.input)!;
  if (node.kind === "dense") return shapeSize(inS) * node.units + rec;
  const [kh, kw] = node.kernel;
  const [sh, sw] = node.stride ?? (node.kind === "pool" ? node.kernel : [1, 1]);
  const [pt, pl] = node.padding ?? [0, 0, 0, 0];
  const [dh, dw] = node.kind === "conv2d" ? (node.dilation ?? [1, 1]) : [1, 1];
  const inside = (outN: number, size: number, k: number, s: number, p: number, d: number) => {
    let n = 0;
    for (let y = 0; y < outN; y++) for (let i = 0; i < k; i++) if (y * s - p + i * d >= 0 && y * s - p + i * d < size) n++;
    return n;
  };
  const taps = inside(out[1], inS[1], kh, sh, pt, dh) * inside(out[2], inS[2], kw, sw, pl, dw);
  return (node.kind === "conv2d" ? node.outChannels * (inS[0] / (node.groups ?? 1)) : out[0]) * taps + rec;
}

function inspectGraphFile(file: string, o: Record<string, unknown>, io: InspectIo): number {
  const graph: SnnGraph = parseGraph(new TextDecoder().decode(io.readBytes(file)), file);
  const { shapes, output } = checkGraph(graph);
  const nodes = graph.nodes.map((n) => ({
    id: n.id, kind: n.kind, shape: shapes.get(n.id)!,
    params: ("weights" in n ? n.weights.length : 0) + ("bias" in n && n.bias ? n.bias.length : 0) + (isPopulation(n) && n.recurrent ? n.recurrent.weights.length : 0),
    synapses: synapses(n, shapes), neuron: isPopulation(n) ? n.neuron.model : null,
  }));
  if (!io.emitJson(o, { spikewasm: VERSION, model: file, format: "spikewasm-graph", output, convertible: true, nodes, problems: [] })) {
    console.log(`${file}: spikewasm graph, ${nodes.length} nodes, output '${output}'`);
    console.log(row([["node", 22], ["kind", 9], ["shape", 16], ["params", -9], ["synapses", -11], ["  maps", 0]]));
    for (const n of nodes) console.log(row([[n.id, 22], [n.kind, 9], [`[${n.shape.join(",")}]`, 16], [String(n.params), -9], [String(n.synapses), -11],
      [`  yes${n.neuron ? `: ${n.neuron} neurons` : ""}`, 0]]));
    console.log("every node maps (the graph type-checks)");
  }
  return 0;
}

/** Registers `spikewasm inspect` on the program. */
export function registerInspect(program: Command): void {
  program
    .command("inspect")
    .description("list every node of an ONNX model, a NIR file or a graph JSON file: shape, parameters, MACs or synapses, and whether it converts (all problems at once); exit 2 if any node does not")
    .argument("<model>", "ONNX file, NIR file (.nir) or spikewasm graph JSON (.json)")
    .addOption(nirDtOption("NIR files"))
    .addOption(nirResetOption("NIR files"))
    .option("--json <file>", "also write the listing as JSON (- for standard output only)")
    .addHelpText("after", "\nExamples:\n  spikewasm inspect models/mnist_cnn.onnx\n  spikewasm inspect net.nir --dt 1e-3\n  spikewasm inspect net.json")
    .action(async (file: string, o: Record<string, unknown>) => {
      process.exitCode = await inspectCommand(file, o, { readBytes, emitJson });
    });
}
