/**
 * NIR on the command line: `export` writes the converted bundled CNN as NIR and graph JSON; `run net.nir`
 * evaluates it as given and gets exactly the ONNX run's SNN accuracy at every step; bad input exits 2
 * with a message naming the file, and writes nothing.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { captureConsole } from "../helpers/console.js";

const err = captureConsole();
const dir = mkdtempSync(join(tmpdir(), "spikewasm-nir-cli-"));
const CNN = new URL("../../models/mnist_cnn.onnx", import.meta.url).pathname;

describe("spikewasm export / run with NIR", () => {
  it("export → run net.nir gives the ONNX run's SNN accuracy at every step (bundled CNN, 60 images)", async () => {
    const nir = join(dir, "cnn.nir"), graph = join(dir, "cnn.json");
    expect(await main(["export", CNN, "--nir", nir, "--graph", graph, "--calibration-samples", "200"])).toBe(0);
    expect(readFileSync(nir).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])); // HDF5 signature
    const common = ["--limit", "60", "-T", "24", "--workers", "1"];
    const onnxOut = join(dir, "onnx.json"), nirOut = join(dir, "nir.json"), graphOut = join(dir, "graph.json");
    expect(await main(["run", CNN, ...common, "--calibration-samples", "200", "--json", onnxOut])).toBe(0);
    expect(await main(["run", nir, ...common, "--target", "loihi", "--json", nirOut])).toBe(0);
    expect(await main(["run", graph, ...common, "--json", graphOut])).toBe(0);
    const a = JSON.parse(readFileSync(onnxOut, "utf8")), b = JSON.parse(readFileSync(nirOut, "utf8")), c = JSON.parse(readFileSync(graphOut, "utf8"));
    expect(b.snn.accuracyByStep).toEqual(a.snn.accuracyByStep);
    expect(c.snn.accuracyByStep).toEqual(a.snn.accuracyByStep);
    expect(b.snn.spikesPerInference).toBe(a.snn.spikesPerInference);
    expect(b.graph).toMatchObject({ format: "nir", nirVersion: "0.2.0" });
    expect(b.targets[0]).toMatchObject({ name: "loihi", feasible: true });
  }, 120_000);

  it("bad input: nothing to write, a missing directory, a DNN target for a spiking net, a corrupt file, a missing dt", async () => {
    expect(await main(["export", CNN])).toBe(2);
    expect(err.join("\n")).toMatch(/nothing to write/);
    expect(await main(["export", CNN, "--nir", join(dir, "missing", "x.nir")])).toBe(2);
    expect(err.join("\n")).toMatch(/directory .* does not exist/);
    const g = join(dir, "g.json");
    expect(await main(["example", "mlp", "-o", g])).toBe(0);
    expect(await main(["run", g, "--limit", "5", "--target", "ncs2"])).toBe(2);
    expect(err.join("\n")).toMatch(/ncs2 runs the DNN, and .*g\.json is a spiking network without one/);
    const bad = join(dir, "bad.nir"), out = join(dir, "out.json");
    writeFileSync(bad, "not an hdf5 file at all");
    expect(await main(["run", bad, "--limit", "5", "--json", out])).toBe(2);
    expect(err.join("\n")).toMatch(/bad\.nir/);
    expect(existsSync(out)).toBe(false);
    expect(await main(["simulate", new URL("../fixtures/nir/lif_norse.nir", import.meta.url).pathname])).toBe(2);
    expect(err.join("\n")).toMatch(/needs a time step/);
  }, 60_000);
});
