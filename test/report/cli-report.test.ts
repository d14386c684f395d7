/**
 * `spikewasm run --report`: a missing directory is refused before any work (exit 2, message naming the
 * file, no output at all, not even the --json one); a small run writes one self-contained HTML file and
 * puts the spike raster into the JSON report.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { captureConsole } from "../helpers/console.js";
import { main } from "../../src/cli.js";

const err = captureConsole();
const dir = mkdtempSync(join(tmpdir(), "spikewasm-cli-report-"));

describe("spikewasm run --report", () => {
  it("into a missing directory: exit 2 before any work, the message names the file, nothing is written", async () => {
    const html = join(dir, "missing", "report.html"), json = join(dir, "ok.json");
    const t0 = performance.now();
    expect(await main(["run", "--limit", "20", "-T", "8", "--json", json, "--report", html])).toBe(2);
    expect(performance.now() - t0).toBeLessThan(5000); // refused before loading data or running anything
    expect(err.join("\n")).toMatch(new RegExp(`${html.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: cannot write here \\(directory '.*missing' does not exist\\)`));
    expect(existsSync(html)).toBe(false);
    expect(existsSync(json)).toBe(false);
  });

  it("a small run writes a self-contained HTML report and the raster of 3 samples in the JSON", async () => {
    const html = join(dir, "report.html"), json = join(dir, "report.json");
    expect(await main(["run", "--limit", "20", "-T", "8", "--calibration-samples", "100", "--workers", "1", "--target", "ncs2", "--json", json, "--report", html])).toBe(0);
    const page = readFileSync(html, "utf8");
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).toContain("Chart.js v4"); // the library is inlined
    expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+href=/); // nothing loaded from elsewhere
    expect(page).toContain('id="chart-raster-2"');
    const r = JSON.parse(readFileSync(json, "utf8"));
    expect(r.snn.raster).toMatchObject({ samples: 3, steps: 8 });
    expect(r.snn.raster.labels).toHaveLength(3);
    for (const l of r.snn.raster.layers) {
      expect(l.shown.length).toBeLessThanOrEqual(128);
      expect(l.spikes).toHaveLength(3);
      for (const s of l.spikes) for (const [t, row] of s) expect(t >= 1 && t <= 8 && row >= 0 && row < l.shown.length).toBe(true);
    }
    expect(existsSync(`${html}.${process.pid}.tmp`)).toBe(false);
  }, 60_000);

  it("with --target loihi and --loihi-flow bias: the flows table names this run's flow, the JSON carries all three flows", async () => {
    const html = join(dir, "flows.html"), json = join(dir, "flows.json");
    expect(await main(["run", "--limit", "16", "-T", "8", "--calibration-samples", "100", "--workers", "1", "--target", "loihi,ncs2", "--loihi-flow", "bias",
      "--json", json, "--report", html])).toBe(0);
    const page = readFileSync(html, "utf8");
    expect(page).toContain("Loihi deployment flows");
    expect(page).toContain("bias (this run)");
    const l = JSON.parse(readFileSync(json, "utf8")).targets.find((t: { name: string }) => t.name === "loihi");
    expect(l.flow).toBe("bias");
    expect(Object.keys(l.flows)).toEqual(["host", "bias", "chip"]);
    expect(l.latencyS).toBe(l.flows.bias.latencyS);
    expect(l.flows.bias.breakdown.inputJ).toBe(0);
    expect(l.flows.chip.latencyS).toBeLessThan(l.flows.bias.latencyS);
    expect(l.staticPower.usedCoresShareW).toBeLessThan(l.staticPower.wholeChipsW);
    expect(l.sources.some((s: { name: string }) => s.name === "system.hostPerStepS")).toBe(true);
  }, 60_000);

  it("--loihi-flow without the loihi target exits 2: the option would otherwise do nothing", async () => {
    expect(await main(["run", "--limit", "16", "--target", "ncs2,loihi2", "--loihi-flow", "chip"])).toBe(2);
    expect(err.join("\n")).toMatch(/--loihi-flow applies to the loihi target .* this run's targets are ncs2, loihi2/);
  });

  it("--loihi-reset subtract emulates reset by subtraction: the JSON names the layers, the mapping takes more cores", async () => {
    const args = ["run", "--limit", "24", "-T", "16", "--calibration-samples", "100", "--workers", "1", "--target", "loihi"];
    const a = join(dir, "reset-zero.json"), b = join(dir, "reset-sub.json");
    expect(await main([...args, "--json", a])).toBe(0);
    expect(await main([...args, "--loihi-reset", "subtract", "--json", b, "--report", join(dir, "reset-sub.html")])).toBe(0);
    expect(readFileSync(join(dir, "reset-sub.html"), "utf8")).toMatch(/Reset by subtraction emulated in 6 layer\(s\)/);
    const la = JSON.parse(readFileSync(a, "utf8")).targets.find((t: { name: string }) => t.name === "loihi");
    const lb = JSON.parse(readFileSync(b, "utf8")).targets.find((t: { name: string }) => t.name === "loihi");
    expect(la.quantization.reset.mode).toBe("zero");
    expect(la.quantization.reset.emulated).toEqual([]);
    expect(la.quantization.reset.layers.length).toBeGreaterThan(0);
    expect(lb.quantization.reset.mode).toBe("subtract");
    expect(lb.quantization.reset.emulated).toEqual(la.quantization.reset.layers);
    expect(lb.quantization.layers.every((l: { reset: string }) => l.reset !== "zero (fallback from subtract)")).toBe(true);
    expect(lb.cores).toBeGreaterThan(la.cores);
    expect(lb.mapping.layers[0].compartments).toBe(2 * la.mapping.layers[0].compartments);
    // only some layers: the others reset to zero, fewer cores
    const c = join(dir, "reset-some.json");
    expect(await main([...args, "--loihi-reset", "subtract", "--loihi-subtract-layers", "conv2/Conv,fc1/Gemm", "--json", c])).toBe(0);
    const lc = JSON.parse(readFileSync(c, "utf8")).targets.find((t: { name: string }) => t.name === "loihi");
    expect(lc.quantization.reset.emulated).toEqual(["conv2/Conv", "fc1/Gemm"]);
    expect(lc.cores).toBeLessThan(lb.cores);
    expect(await main([...args, "--loihi-reset", "subtract", "--loihi-subtract-layers", "conv9"])).toBe(2);
    expect(err.join("\n")).toMatch(/--loihi-subtract-layers: 'conv9' is not a layer of the network \(layers: conv1\/Conv, /);
    expect(await main([...args, "--loihi-subtract-layers", "conv2/Conv"])).toBe(2);
    expect(err.join("\n")).toMatch(/--loihi-subtract-layers conv2\/Conv needs --loihi-reset subtract/);
    expect(await main(["run", "--limit", "16", "--target", "ncs2", "--loihi-reset", "subtract"])).toBe(2);
    expect(err.join("\n")).toMatch(/--loihi-reset applies to the loihi target/);
    expect(await main(["run", "--limit", "16", "--target", "loihi", "--loihi-reset", "half"])).toBe(2); // commander names the choices
  }, 120_000);

  it("an unknown --loihi-flow exits 2 before any work, naming the flows", async () => {
    expect(await main(["run", "--limit", "16", "--target", "loihi", "--loihi-flow", "pcie"])).toBe(2);
    expect(err.join("\n")).toMatch(/--loihi-flow: unknown Loihi deployment flow 'pcie' \(available: host, bias, chip\)/);
  });
});
