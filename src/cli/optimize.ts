/**
 * `spikewasm optimize`: search T and the conversion knobs for a Loihi deployment, each candidate bit-exact
 * on validation images (training images after the calibration ones), priced in a deployment flow; the
 * Pareto front, the chosen point and its test accuracy (src/pipeline/optimize.ts).
 */
import { type Command, Option } from "commander";
import { join } from "node:path";
import { evaluateLoihiParallel } from "../convert/parallel.js";
import { checkAgainstModel, loadImages, loadLabels } from "../data/dataset.js";
import { readDataFile } from "../data/files.js";
import { SpikewasmError } from "../errors.js";
import { importOnnx, requireConvertible } from "../onnx/import.js";
import { type LabelledSet, type OptimizeOptions, type OptimizeReport, checkOptimizeOptions, optimizeKnobs, optimizeLoihi } from "../pipeline/optimize.js";
import { chartJsSource } from "../report/chart-source.js";
import { renderOptimizeHtml } from "../report/optimize-html.js";
import type { LoihiConstantSet } from "../targets/loihi.js";
import type { LoihiFlow } from "../targets/loihi-system.js";
import { dataOptions, loadTestSet, mnistFile, packageRoot, testFiles } from "./data.js";
import { pct, si, withProgress } from "./format.js";
import { checkWritable, printWritten, readBytes, writeAllAtomic } from "./io.js";
import { int, loihiConstantsOption, loihiFlowOption, num } from "./options.js";

/** "4,8,16" -> [4, 8, 16], named error otherwise. */
function stepList(v: string): number[] {
  const xs = v.split(",").map((s) => Number(s.trim()));
  if (xs.length === 0 || !xs.every((x) => Number.isInteger(x) && x >= 1)) throw new SpikewasmError(`--timesteps must be a comma list of integers >= 1, got '${v}'`);
  return xs;
}

async function optimizeCommand(modelArg: string | undefined, o: Record<string, unknown>): Promise<void> {
  const targets = String(o.target ?? "loihi").split(",").map((t) => t.trim());
  if (targets.length !== 1 || targets[0] !== "loihi")
    throw new SpikewasmError(`optimize: --target ${o.target} is not supported; the search runs bit-exactly on Loihi only (--target loihi): the other chips' costs come from the float SNN's activity`);
  const timesteps = o.timesteps as number[];
  checkOptimizeOptions({ timesteps, maxLoss: o.maxLoss as number });
  for (const out of [o.report, o.json === "-" ? undefined : o.json]) if (out) checkWritable(out as string);
  if (o.queue) (await import("../distributed/redis.js")).parseRedisUrl(String(o.queue)); // a bad URL before any work
  const modelFile = modelArg ?? join(packageRoot(), "models", "mnist_cnn.onnx");
  const model = readBytes(modelFile);
  const ann = requireConvertible(importOnnx(model, modelFile));
  const calFile = (o.calibration as string) ?? (o.data ? undefined : mnistFile("train-images-idx3-ubyte"));
  const calLabelsFile = (o.calibrationLabels as string) ?? (o.calibration ? undefined : mnistFile("train-labels-idx1-ubyte"));
  if (!calFile) throw new SpikewasmError("--data needs --calibration (calibration and validation images, never the test set)");
  if (!calLabelsFile) throw new SpikewasmError("--calibration needs --calibration-labels: the images after the calibration ones validate the candidates");
  const nCal = o.calibrationSamples as number, nVal = o.validationSamples as number;
  const calAll = loadImages(readDataFile(calFile), calFile, dataOptions(o, nCal + nVal));
  const calLabels = loadLabels(readDataFile(calLabelsFile), calLabelsFile, { limit: nCal + nVal });
  if (calAll.count < nCal + nVal)
    throw new SpikewasmError(`${calFile}: holds ${calAll.count} images; --calibration-samples ${nCal} + --validation-samples ${nVal} need ${nCal + nVal}`);
  const n = calAll.samples.length / calAll.count;
  const calibration: LabelledSet = { samples: calAll.samples.subarray(0, nCal * n), labels: calLabels.subarray(0, nCal), count: nCal, source: `${calFile} [0, ${nCal})` };
  const validation: LabelledSet = { samples: calAll.samples.subarray(nCal * n, (nCal + nVal) * n), labels: calLabels.subarray(nCal, nCal + nVal), count: nVal,
    source: `${calFile} + ${calLabelsFile} [${nCal}, ${nCal + nVal})` };
  const test = loadTestSet(o, testFiles(o));
  const inShape = ann.nodes[0];
  checkAgainstModel(test.images, test.labels, inShape.kind === "input" ? inShape.shape : [], test.dataFile, test.labelsFile, test.labelsDeclared);
  const testSet: LabelledSet = { ...test.input, count: test.images.count };
  const options: OptimizeOptions = {
    timesteps, maxLoss: o.maxLoss as number, biasInput: !!o.biasInput, flow: o.loihiFlow as LoihiFlow, constants: o.loihiConstants as LoihiConstantSet, batch: o.batch as number,
    evaluate: o.workers === 1 ? undefined : (lg, x, y, c, eo) => evaluateLoihiParallel(lg, x, y, c, { ...eo, workers: o.workers as number | undefined }),
  };
  const report = await withProgress(async (progress) => {
    if (!o.queue) return optimizeLoihi(ann, calibration, validation, testSet, { ...options, onProgress: progress });
    // --queue: the bit-exact evaluations as jobs for spikewasm worker (src/distributed/optimize-queue.ts; bullmq loaded only here)
    const { withOptimizeQueue } = await import("../distributed/optimize-queue.js");
    const knobs = optimizeKnobs({ biasInput: options.biasInput });
    const inputs = { validation, test: testSet, knobs, rate: options.rate ?? 1, batch: options.batch ?? 32 };
    return withOptimizeQueue(inputs, { queue: String(o.queue), timeoutS: o.queueTimeout as number, onProgress: progress },
      (evaluateMany) => optimizeLoihi(ann, calibration, validation, testSet, { ...options, knobs, evaluateMany, onProgress: progress }));
  });
  const outputs: Array<{ file: string; data: string }> = [];
  if (o.report) outputs.push({ file: o.report as string, data: renderOptimizeHtml(report, { chartJs: chartJsSource().source }) });
  if (o.json && o.json !== "-") outputs.push({ file: o.json as string, data: JSON.stringify({ model: modelFile, ...report }, null, 2) + "\n" });
  writeAllAtomic(outputs);
  if (o.json === "-") { process.stdout.write(JSON.stringify({ model: modelFile, ...report }, null, 2) + "\n"); return; }
  printOptimize(report, modelFile);
  printWritten(o);
  if (o.report) console.log(`HTML report written to ${o.report}`);
}

function printOptimize(r: OptimizeReport, model: string): void {
  const c = r.chosen;
  console.log(`spikewasm ${r.spikewasm} optimize: ${model} on Loihi, flow ${r.flow}, ${r.constants} constants; ${r.candidates.length} candidates ` +
    `(${r.knobs.length} knob sets × T in ${r.timesteps.join(", ")}) on ${r.data.validation.samples} validation images; ${r.seconds.toFixed(1)} s`);
  console.log(`DNN on validation ${pct(r.dnnValidationAccuracy)}; max loss ${r.maxLoss} points`);
  console.log(`Pareto front (bit-exact validation accuracy, energy, latency):`);
  for (const p of [...r.pareto].sort((a, b) => a.energyPerInferenceJ - b.energyPerInferenceJ))
    console.log(`  ${p.knob.padEnd(28)} T=${String(p.timesteps).padEnd(5)} ${pct(p.accuracy).padStart(7)} ${si(p.energyPerInferenceJ, "J").padStart(11)} ${si(p.latencyS, "s").padStart(11)}`);
  console.log(`chosen: ${c.knob}, T = ${c.timesteps}${c.withinBudget ? "" : " (no candidate within the loss budget: the most accurate)"}: validation ${pct(c.accuracy)}, ` +
    `test ${pct(c.testAccuracy)} (DNN ${pct(c.dnnTestAccuracy)}) on ${r.data.test.samples} test images; ${si(c.energyPerInferenceJ, "J")}/inference, ${si(c.latencyS, "s")}, ${si(c.powerW, "W")}`);
  for (const x of r.refused) console.log(`knob '${x.knob}' not deployable: ${x.reason}`);
  console.log(`deploy the chosen point: spikewasm run ${model} ${deployArgs(r).join(" ")}`);
}

/** The `spikewasm run` options that deploy the chosen point (same calibration images, knob, T, flow and constants). */
export function deployArgs(r: OptimizeReport): string[] {
  const c = r.chosen, knob = r.knobs.find((k) => k.name === c.knob)!;
  const cv = knob.convert, qz = knob.quantize ?? {};
  const norm = cv.normalization === "percentile" || cv.normalization === undefined ? ["--norm", "percentile", "--percentile", String(cv.percentile ?? 99.9)] : ["--norm", cv.normalization];
  return ["--target", "loihi", "-T", String(c.timesteps), "--calibration-samples", String(r.data.calibration.samples), ...norm,
    ...(cv.vInit === "half" ? ["--v-init", "half"] : []), ...(cv.outputSpiking === false ? ["--readout", "membrane"] : []),
    ...(qz.reset === "subtract" ? ["--loihi-reset", "subtract"] : []), ...(qz.subtractLayers ? ["--loihi-subtract-layers", qz.subtractLayers.join(",")] : []),
    "--loihi-flow", c.flow, ...(r.constants !== "davies" ? ["--loihi-constants", r.constants] : [])];
}

/** Registers `spikewasm optimize` on the program. */
export function registerOptimize(program: Command): void {
  program
    .command("optimize")
    .description("search T and the conversion knobs for a Loihi deployment: each candidate bit-exact on validation images, priced in a deployment flow; the Pareto front of accuracy against energy and latency, the chosen point and its test accuracy")
    .argument("[model]", "ONNX model (default: the bundled MNIST CNN)")
    .option("--target <t>", "the chip (loihi: the search runs bit-exactly)", "loihi")
    .option("--max-loss <points>", "largest accuracy loss against the DNN on validation, in points (0..100)", num("--max-loss", 0), 0.5)
    .option("-T, --timesteps <list>", "coding steps to consider, comma list", stepList, [4, 8, 16, 32, 64])
    .option("--calibration <file>", "calibration images; the ones after them validate the candidates (default: MNIST training set)")
    .option("--calibration-labels <file>", "labels of the calibration file (for the validation images)")
    .option("--calibration-samples <n>", "calibration images (normalisation)", int("--calibration-samples", 1), 1000)
    .option("--validation-samples <n>", "validation images scoring the candidates (after the calibration ones)", int("--validation-samples", 1), 500)
    .option("--data <file>", "test images for the chosen point (default: MNIST test set)")
    .option("--labels <file>", "test labels")
    .option("--limit <n>", "test images for the chosen point", int("--limit", 1), 2000)
    .option("-b, --batch <n>", "samples simulated together", int("--batch", 1), 32)
    .option("--workers <n>", "worker threads (default: all cores; results do not depend on it)", int("--workers", 1))
    .option("--bias-input", "also search the image as a bias current of the first layer (NxTF's input; priced in flow bias)")
    .addOption(loihiFlowOption())
    .addOption(loihiConstantsOption())
    .addOption(new Option("--layout <l>", "image layout of the data files").choices(["auto", "NHW", "NHWC", "NCHW"]).default("auto"))
    .option("--scale <x>", "multiply raw values (default 1/255 for uint8)", num("--scale", 0))
    .option("--mean <m>", "subtract per channel (comma list)")
    .option("--std <s>", "divide per channel (comma list)")
    .option("--json <file>", "write the full report as JSON (- for standard output only)")
    .option("--report <file>", "write a self-contained HTML report with the Pareto front")
    .option("--queue <redis-url>", "evaluate the candidates as jobs on a Redis queue (redis://[:password@]host:port[/db]) that spikewasm worker processes run; the report is the one-process report")
    .option("--queue-timeout <s>", "--queue: stop with an error when no job progresses for this many seconds", num("--queue-timeout", 1), 300)
    .addHelpText("after", "\nExamples:\n  spikewasm optimize --max-loss 0.5 --report opt.html      # the bundled CNN\n  spikewasm optimize model.onnx -T 8,16,32 --loihi-flow bias --json opt.json\n  spikewasm optimize --queue redis://queue.example:6379/0 --json opt.json   # with spikewasm worker --queue … on any machines")
    .action((file: string | undefined, o: Record<string, unknown>) => optimizeCommand(file, o));
}
