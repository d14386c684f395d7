// `spikewasm optimize`: the Pareto front and the choice by hand, bad options named, and a small search on the
// bundled CNN whose choice does not depend on the test set (nothing tuned on test data).
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { deployArgs } from "../../src/cli/optimize.js";
import { type OptimizeCandidate, checkOptimizeOptions, chooseCandidate, markPareto } from "../../src/pipeline/optimize.js";
import { captureConsole } from "../helpers/console.js";

const err = captureConsole();
const dir = mkdtempSync(join(tmpdir(), "spikewasm-optimize-"));
const cand = (knob: string, timesteps: number, accuracy: number, energy: number, latency: number): OptimizeCandidate =>
  ({ knob, flow: "host", timesteps, chipSteps: timesteps + 4, accuracy, energyPerInferenceJ: energy, latencyS: latency, powerW: energy / latency, cores: 1, pareto: false });

describe("the Pareto front and the choice", () => {
  it("marks exactly the non-dominated candidates", () => {
    const c = [cand("a", 8, 0.90, 1, 1), cand("a", 16, 0.97, 2, 2), cand("b", 16, 0.95, 2, 2), cand("b", 32, 0.97, 3, 3), cand("c", 8, 0.90, 1, 0.5)];
    markPareto(c);
    // b16 is dominated by a16 (more accurate, same cost); b32 by a16 (as accurate, cheaper); a8 by c8 (same energy, faster)
    expect(c.map((x) => x.pareto)).toEqual([false, true, false, false, true]);
  });
  it("chooses the cheapest within the loss budget, else the most accurate", () => {
    const c = [cand("a", 8, 0.90, 1, 1), cand("a", 16, 0.97, 2, 2), cand("a", 32, 0.98, 3, 3)];
    expect(chooseCandidate(c, 0.965)).toMatchObject({ chosen: { timesteps: 16 }, withinBudget: true });
    expect(chooseCandidate(c, 0.99)).toMatchObject({ chosen: { timesteps: 32 }, withinBudget: false });
  });
  it("names a max loss out of range and bad step lists", () => {
    expect(() => checkOptimizeOptions({ timesteps: [8], maxLoss: -1 })).toThrow(/--max-loss must be between 0 and 100 points, got -1/);
    expect(() => checkOptimizeOptions({ timesteps: [8], maxLoss: 101 })).toThrow(/--max-loss/);
    expect(() => checkOptimizeOptions({ timesteps: [0, 8], maxLoss: 1 })).toThrow(/--timesteps must be a comma list of integers in 1\.\.100000, got 0,8/);
  });
});

describe("spikewasm optimize on the bundled CNN", () => {
  const args = ["optimize", "-T", "8,32", "--calibration-samples", "100", "--validation-samples", "40", "--workers", "1"];
  it("reports the front, the chosen point and its test accuracy; the choice does not depend on the test images", async () => {
    const a = join(dir, "a.json"), b = join(dir, "b.json"), html = join(dir, "a.html");
    expect(await main([...args, "--limit", "20", "--json", a, "--report", html])).toBe(0);
    expect(await main([...args, "--limit", "40", "--json", b])).toBe(0);
    const ra = JSON.parse(readFileSync(a, "utf8")), rb = JSON.parse(readFileSync(b, "utf8"));
    expect(ra.candidates.length).toBeGreaterThan(0);
    expect(ra.refused).toEqual([]); // every knob deployable, local threshold balancing included
    expect(ra.candidates.some((c: OptimizeCandidate) => /^ltb/.test(c.knob))).toBe(true);
    expect(ra.pareto.length).toBeGreaterThan(0);
    expect(ra.pareto.every((p: OptimizeCandidate) => p.pareto)).toBe(true);
    expect(ra.selection).toMatch(/never the test set/);
    expect(ra.data.test.samples).toBe(20);
    expect(rb.data.test.samples).toBe(40);
    // selection saw validation images only: the same candidates and the same choice whatever the test set
    expect(rb.candidates).toEqual(ra.candidates);
    expect([rb.chosen.knob, rb.chosen.timesteps]).toEqual([ra.chosen.knob, ra.chosen.timesteps]);
    // the chosen point's test accuracy is a count over the 20 test images, and a usable one
    expect(Math.abs(ra.chosen.testAccuracy * 20 - Math.round(ra.chosen.testAccuracy * 20))).toBeLessThan(1e-9);
    expect(ra.chosen.testAccuracy).toBeGreaterThanOrEqual(0.8);
    expect(ra.flow).toBe("host");
    // reset by subtraction is a knob: as many candidates as with reset to zero, on more cores (two compartments per neuron)
    const all = (c: OptimizeCandidate) => / subtract/.test(c.knob) && !/\(not in /.test(c.knob);
    const sub = ra.candidates.filter(all), zero = ra.candidates.filter((c: OptimizeCandidate) => !/ subtract/.test(c.knob));
    expect(sub.length).toBe(zero.length);
    expect(Math.min(...sub.map((c: OptimizeCandidate) => c.cores))).toBeGreaterThan(Math.max(...zero.map((c: OptimizeCandidate) => c.cores)));
    // the best subtracting candidate refined layer by layer: fewer layers emulated, fewer cores
    const refined = ra.candidates.filter((c: OptimizeCandidate) => /subtract \(not in conv1\/Conv/.test(c.knob));
    expect(refined.length).toBeGreaterThan(0);
    expect(refined[0].cores).toBeLessThan(Math.min(...sub.map((c: OptimizeCandidate) => c.cores)));
    // the printed `spikewasm run` deploys exactly the chosen point: its bit-exact Loihi accuracy on the same test images
    const deployed = join(dir, "deployed.json");
    expect(await main(["run", ...deployArgs(ra), "--limit", "20", "--workers", "1", "--json", deployed])).toBe(0);
    const loihi = JSON.parse(readFileSync(deployed, "utf8")).targets.find((t: { name: string }) => t.name === "loihi");
    expect(loihi.accuracy).toBe(ra.chosen.testAccuracy);
    expect(loihi.energyPerInferenceJ).toBeGreaterThan(0);
    const page = readFileSync(html, "utf8");
    expect(page).toContain('id="chart-pareto-energy"');
    expect(page).not.toMatch(/<script[^>]+src=/);
  }, 180_000);
  it("bad options exit 2 before any work, naming them", async () => {
    const out = join(dir, "bad.json");
    expect(await main(["optimize", "--max-loss", "150", "--json", out])).toBe(2);
    expect(err.join("\n")).toMatch(/--max-loss must be between 0 and 100 points, got 150/);
    expect(await main(["optimize", "--target", "truenorth", "--json", out])).toBe(2);
    expect(err.join("\n")).toMatch(/optimize: --target truenorth is not supported/);
    expect(await main(["optimize", "-T", "8,x"])).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});
