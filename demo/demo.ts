/**
 * The demo page (issue 6): fetches the bundled CNN and the data assets written by scripts/demo.mjs, converts the
 * CNN to an SNN in the page (demo/model.ts), and for each input — a drawn digit or a bundled MNIST test image —
 * runs the SNN, the DNN and the bit-exact Loihi estimate, then replays the recorded spikes step by step.
 *
 * For tests, #result carries the last finished input's numbers as data attributes: data-state
 * ("idle" | "running" | "done" | "error"), data-input ("test:<i>" | "drawn"), data-steps, data-counts (JSON of the
 * output spike counts after T steps), data-prediction, data-dnn-prediction, data-loihi-prediction,
 * data-loihi-energy-j, data-loihi-latency-s, data-loihi-power-w (full-precision numbers).
 */
import { type ImageSet, loadImages, loadLabels } from "../src/index.js";
import { type DemoModel, type InputResult, RASTER_ROWS, prepareModel, readout, runInput } from "./model.js";
import { SIZE, attachPad, normalizeDigit, paint } from "./pad.js";
import { drawBars, drawRaster } from "./view.js";

interface Assets {
  model: { file: string };
  test: { images: string; labels: string; count: number };
  calibration: { images: string; count: number; source: string };
}

declare global {
  interface Window { spikewasmDemoStarted?: boolean; spikewasmDemoFailed?: boolean; spikewasmDemoFail?: (msg: string) => void }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (msg: string) => { $("status").textContent = msg; };

function showError(e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  const result = $("result");
  result.dataset.state = "error";
  if (window.spikewasmDemoFail) window.spikewasmDemoFail(`The demo could not run: ${msg}`);
  else { $("error").textContent = msg; $("error").className = "shown"; }
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** SI formatting: 1.837e-4 J → "183.7 µJ". */
function si(x: number, unit: string): string {
  const p = [[1, ""], [1e-3, "m"], [1e-6, "µ"], [1e-9, "n"]] as const;
  const [f, pre] = p.find(([f]) => Math.abs(x) >= f) ?? p[p.length - 1];
  return `${(x / f).toPrecision(4)} ${pre}${unit}`;
}
const ms = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(0)} ms`;

let model: DemoModel;
let test: ImageSet;
let labels: Int32Array;
const grid = new Float32Array(SIZE * SIZE);
let current: { key: string; label: number | null } = { key: "none", label: null };
let pending: { x: Float32Array; key: string; label: number | null } | null = null;
let running = false;
let animation = 0;
let last: InputResult | null = null;

function selectThumb(i: number | null): void {
  document.querySelectorAll<HTMLButtonElement>("#thumbs button").forEach((b) => b.classList.toggle("selected", Number(b.dataset.index) === i));
}

function renderThumbs(): void {
  const box = $("thumbs");
  const n = SIZE * SIZE;
  for (let i = 0; i < test.count; i++) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.index = String(i);
    b.title = `test image #${i}, label ${labels[i]}`;
    const c = document.createElement("canvas");
    c.width = c.height = SIZE;
    paint(c, test.samples.subarray(i * n, (i + 1) * n));
    b.append(c);
    b.addEventListener("click", () => pickTest(i));
    box.append(b);
  }
}

function pickTest(i: number): void {
  const n = SIZE * SIZE;
  grid.set(test.samples.subarray(i * n, (i + 1) * n));
  paint($("pad"), grid);
  selectThumb(i);
  $("input-note").textContent = `MNIST test image #${i} (label ${labels[i]}), as it is in the data set.`;
  request(test.samples.slice(i * n, (i + 1) * n), `test:${i}`, labels[i]);
}

function steps(): number {
  return Number(($("steps") as HTMLSelectElement).value);
}

/** Queues an input; runs are sequential and only the newest queued input runs next. */
function request(x: Float32Array, key: string, label: number | null): void {
  pending = { x, key, label };
  if (!running) void drain();
}

async function drain(): Promise<void> {
  running = true;
  try {
    while (pending) {
      const job = pending;
      pending = null;
      const T = steps();
      const result = $("result");
      result.dataset.state = "running";
      status(`Simulating ${T} steps…`);
      await new Promise((r) => setTimeout(r, 0)); // let the status paint
      const r = await runInput(model, job.x, T);
      current = { key: job.key, label: job.label };
      show(r);
      Object.assign(result.dataset, {
        input: job.key, steps: String(T), counts: JSON.stringify(Array.from(r.counts.subarray((T - 1) * 10, T * 10))),
        prediction: String(r.prediction), dnnPrediction: String(r.dnnPrediction), loihiPrediction: String(r.loihi.prediction),
        loihiEnergyJ: String(r.loihi.energyJ), loihiLatencyS: String(r.loihi.latencyS), loihiPowerW: String(r.loihi.powerW), state: "done",
      });
      status(`Ready. ${job.key === "drawn" ? "Drawn digit" : `Test image #${job.key.slice(5)}`}: SNN ${T} steps in ${ms(r.simMs)}, bit-exact Loihi run in ${ms(r.loihiMs)}.`);
      animate(r);
    }
  } catch (e) {
    showError(e);
  } finally {
    running = false;
  }
}

function show(r: InputResult): void {
  last = r;
  const mark = (p: number) => (current.label === null ? String(p) : `${p} ${p === current.label ? "✓" : "✗"}`);
  $("prediction").textContent = String(r.prediction);
  $("prediction-note").textContent = current.label === null ? "spiking net, most output spikes after T steps" : r.prediction === current.label ? "correct" : "wrong";
  $("snn-pred").textContent = mark(r.prediction);
  $("dnn-pred").textContent = mark(r.dnnPrediction);
  $("loihi-pred").textContent = mark(r.loihi.prediction);
  $("label").textContent = current.label === null ? "– (drawn)" : String(current.label);
  $("loihi-energy").textContent = si(r.loihi.energyJ, "J");
  $("loihi-latency").textContent = si(r.loihi.latencyS, "s");
  $("loihi-power").textContent = si(r.loihi.powerW, "W");
  $("loihi-chip").textContent = `${si(r.loihi.chipEnergyJ, "J")}, ${si(r.loihi.chipLatencyS, "s")}`;
  $("loihi-cores").textContent = `${r.loihi.cores} / ${r.loihi.chips}`;
  $("loihi-steps").textContent = `${r.steps} + ${r.loihi.chipSteps - r.steps}`;
  $("loihi-synops").textContent = Math.round(r.loihi.synops).toLocaleString("en");
  $("loihi-spikes").textContent = Math.round(r.loihi.spikes).toLocaleString("en");
  $("t-sim").textContent = `${ms(r.simMs)} (${r.steps} steps)`;
  $("t-loihi").textContent = ms(r.loihiMs);
  const hidden = r.layers.slice(0, -1).reduce((a, l) => a + l.neurons, 0);
  $("raster-note").textContent = `${r.layers.length} layers, ${hidden.toLocaleString("en")} hidden neurons + 10 outputs. Each hidden band shows up to ${RASTER_ROWS} of ` +
    "the neurons that fired (evenly spaced); the blue band is the output, one row per class.";
}

/** Replays the recorded run: one step per frame, at most ~2 s in all. */
function animate(r: InputResult): void {
  cancelAnimationFrame(animation);
  const T = r.steps, perFrame = Math.max(1, Math.ceil(T / 120));
  let t = 0;
  ($("replay") as HTMLButtonElement).disabled = false;
  const frame = () => {
    t = Math.min(T, t + perFrame);
    drawRaster($("raster"), r, t);
    const lead = readout(r.counts, r.membrane, (t - 1) * 10, 10);
    drawBars($("bars"), r, t, lead);
    $("step").textContent = `step ${t} / ${T}`;
    if (t < T) animation = requestAnimationFrame(frame);
  };
  animation = requestAnimationFrame(frame);
}

function setupControls(): void {
  const pad = $("pad") as HTMLCanvasElement;
  attachPad(pad, grid, () => {
    if (current.key.startsWith("test:") || current.key === "none") {
      grid.fill(0);
      selectThumb(null);
      current = { key: "drawing", label: null };
    }
    $("input-note").textContent = "Your digit: centred and scaled to 20×20 like MNIST before it goes in.";
  }, () => {
    const x = normalizeDigit(grid);
    if (x.some((v) => v > 0)) request(x, "drawn", null);
  });
  $("clear").addEventListener("click", () => {
    grid.fill(0);
    paint(pad, grid);
    selectThumb(null);
    current = { key: "none", label: null };
    $("input-note").textContent = "Draw with the mouse or a finger; the digit is centred and scaled like MNIST when you lift it.";
  });
  $("steps").addEventListener("change", () => {
    const i = current.key.startsWith("test:") ? Number(current.key.slice(5)) : null;
    if (i !== null) pickTest(i);
    else if (current.key === "drawn" || current.key === "drawing") request(normalizeDigit(grid), "drawn", null);
  });
  $("replay").addEventListener("click", () => { if (last) animate(last); });
}

async function main(): Promise<void> {
  window.spikewasmDemoStarted = true;
  if (window.spikewasmDemoFailed) return; // the page's own check found no WebAssembly / SIMD
  status("Fetching the model and the data…");
  const res = await fetch("assets.json");
  if (!res.ok) throw new Error(`assets.json: HTTP ${res.status}`);
  const a = (await res.json()) as Assets;
  const [onnx, ti, tl, ci] = await Promise.all([a.model.file, a.test.images, a.test.labels, a.calibration.images].map(fetchBytes));
  test = loadImages(ti, a.test.images);
  labels = loadLabels(tl, a.test.labels);
  const cal = loadImages(ci, a.calibration.images);
  status(`Converting the CNN to a spiking network (normalisation on ${cal.count} training images)…`);
  await new Promise((r) => setTimeout(r, 0));
  model = await prepareModel(onnx, cal.samples, cal.count);
  const tm = model.timings;
  $("t-convert").textContent = `${ms(tm.import + tm.calibration + tm.conversion + tm.loihi)}`;
  $("t-convert").title = `ONNX import ${ms(tm.import)}, calibration ${ms(tm.calibration)}, conversion + simulator ${ms(tm.conversion)}, quantisation + mapping ${ms(tm.loihi)}`;
  renderThumbs();
  setupControls();
  pickTest(0);
}

main().catch(showError);
