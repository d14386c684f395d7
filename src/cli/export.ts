/** `spikewasm export`: an ONNX model (converted) or a graph file written as NIR and/or graph JSON. */
import { type Command, Option } from "commander";
import { createAnnRunner } from "../ann/infer-wasm.js";
import { convertAnn, resolveConvertOptions } from "../convert/convert.js";
import { loadImages } from "../data/dataset.js";
import { readDataFile } from "../data/files.js";
import { SpikewasmError } from "../errors.js";
import type { SnnGraph } from "../ir/graph.js";
import { stringifyGraph } from "../ir/json.js";
import { NIR_WRITE_VERSION, snnToNir, writeNir } from "../nir/index.js";
import { importOnnx, requireConvertible } from "../onnx/import.js";
import { VERSION } from "../version.js";
import { dataOptions, mnistFile } from "./data.js";
import { graphFromFile, isGraphFile } from "./graphs.js";
import { checkWritable, emitJson, readBytes, writeAllAtomic } from "./io.js";
import { int, nirResetOption, num } from "./options.js";

/** `export`: an ONNX model (converted) or a graph file, written as NIR and/or graph JSON. */
async function exportCommand(file: string, o: Record<string, unknown>): Promise<void> {
  if (!o.nir && !o.graph) throw new SpikewasmError("export: nothing to write (give --nir <file> and/or --graph <file>)");
  for (const out of [o.nir, o.graph, o.json === "-" ? undefined : o.json]) if (out) checkWritable(out as string);
  let graph: SnnGraph;
  if (isGraphFile(file)) graph = (await graphFromFile(file, o)).graph;
  else {
    const ann = requireConvertible(importOnnx(readBytes(file), file));
    const calFile = (o.calibration as string) ?? mnistFile("train-images-idx3-ubyte");
    const cal = loadImages(readDataFile(calFile), calFile, dataOptions(o, o.calibrationSamples as number));
    const runner = await createAnnRunner(ann, 64);
    const acts = runner.run(cal.samples, cal.count, true);
    graph = convertAnn(ann, acts, cal.count, resolveConvertOptions({
      normalization: o.norm as "percentile", percentile: o.percentile as number, reset: o.reset as "subtract", bias: o.bias as "scale",
      maxPool: o.maxPool as "gate" | "avg",
    })).snn;
  }
  const written: string[] = [];
  const outputs: Array<{ file: string; data: string | Uint8Array }> = [];
  if (o.nir) {
    const warnings: string[] = [];
    const bytes = await writeNir(snnToNir(graph, { dt: (o.dt as number | undefined) ?? 1e-3, strict: !!o.strict, file, onWarning: (m) => warnings.push(m) }));
    for (const w of warnings) console.error(`spikewasm: warning: ${w}`);
    outputs.push({ file: o.nir as string, data: bytes });
    written.push(`${o.nir} (NIR ${NIR_WRITE_VERSION}, ${bytes.length} bytes)`);
  }
  if (o.graph) {
    outputs.push({ file: o.graph as string, data: stringifyGraph(graph) + "\n" });
    written.push(`${o.graph} (spikewasm graph JSON)`);
  }
  writeAllAtomic(outputs); // both or neither
  if (emitJson(o, { spikewasm: VERSION, source: file, nodes: graph.nodes.length, nir: o.nir ?? null, graph: o.graph ?? null, nirVersion: o.nir ? NIR_WRITE_VERSION : null })) return;
  console.log(`spikewasm ${VERSION}: ${file} (${graph.nodes.length} nodes) written to ${written.join(" and ")}`);
}

/** Registers `spikewasm export` on the program. */
export function registerExport(program: Command): void {
  program
    .command("export")
    .description("write a spiking network as NIR (.nir, for snnTorch, Norse, Lava, SpiNNaker2 ...) and/or as spikewasm graph JSON")
    .argument("<net>", "an ONNX model (converted first, as `run` does) or a graph file (.json or .nir)")
    .option("--nir <file>", "write NIR (HDF5)")
    .option("--graph <file>", "write the spikewasm graph JSON")
    .option("--dt <seconds>", "seconds per simulation step for NIR's time constants (default 1e-3)", num("--dt", 0))
    .option("--json <file>", "write a summary as JSON (- for standard output only)")
    .option("--strict", "refuse what NIR cannot state (reset by subtraction, refractory periods) instead of storing it as metadata")
    .option("--calibration <file>", "ONNX only: normalisation data (default: MNIST training set)")
    .option("--calibration-samples <n>", "ONNX only: calibration samples used", int("--calibration-samples", 1), 1000)
    .addOption(new Option("--norm <m>", "ONNX only: normalisation").choices(["percentile", "max"]).default("percentile"))
    .option("--percentile <p>", "ONNX only: percentile of activations for normalisation", num("--percentile", 0), 99.9)
    .addOption(new Option("--reset <r>", "ONNX only: reset after a spike").choices(["subtract", "zero"]).default("subtract"))
    .addOption(new Option("--bias <b>", "ONNX only: biases scaled or dropped").choices(["scale", "drop"]).default("scale"))
    .addOption(new Option("--max-pool <m>", "ONNX only: max pooling as a gate or replaced by average pooling").choices(["gate", "avg"]).default("gate"))
    .addOption(nirResetOption("NIR input"))
    .addHelpText("after", "\nExamples:\n  spikewasm export models/mnist_cnn.onnx --nir cnn.nir       # convert the bundled CNN and write NIR\n  spikewasm export net.nir --graph net.json --dt 1e-4         # a NIR file as spikewasm graph JSON")
    .action((file: string, o: Record<string, unknown>) => exportCommand(file, o));
}
