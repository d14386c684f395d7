// Browser vs Node (issue 6 target: "browser simulation within 1.3× of Node's time for the same network and input").
//
//   npm run build && node bench/browser.mjs [--runs N] [--rounds R] [--steps T] [--chromium-flags "--js-flags=..."]
//
// The same Simulator run in both: the IF network 784-1200-1200-10 of src/examples/networks.ts (mlp784(1)),
// 1000 steps, Poisson input (uniformInputs(784, 1, 7) × rate 0.1, seed 1), batch 1, no per-step output recording —
// bench/run.ts's benchmark (a). Node runs dist/index.js; headless Chromium (scripts/chromium.mjs: /usr/bin/chromium, else
// the npm-shipped @sparticuz/chromium; via playwright-core, TOOLCHAIN.md's flags, a fresh profile) runs dist/browser.js, the self-contained bundle with the WASM inlined.
// The graph goes to the page as spikewasm graph JSON (float32 weights base64: bit-identical), and both sides'
// spike totals are compared, so both do exactly the same work.
//
// Fairness: in each environment one Simulator is built, the first run is timed apart (it includes WebAssembly
// tier-up: V8 compiles with Liftoff first and TurboFan later), then WARMUP untimed runs, then N timed runs; the
// median is reported. Node and Chromium alternate for R rounds (the 2 shared cores drift), and the figure is the
// median over all rounds. The page is served cross-origin isolated (COOP/COEP), so performance.now() has 5 µs
// resolution instead of 100 µs; runs take ~20 ms, so either is fine.
import { build } from "esbuild";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CHROMIUM_FLAGS, findChromium } from "../scripts/chromium.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const RUNS = Number(opt("--runs", 15)), ROUNDS = Number(opt("--rounds", 3)), STEPS = Number(opt("--steps", 1000)), WARMUP = 3;
const EXTRA_FLAGS = (opt("--chromium-flags", "") || "").split(/\s+/).filter(Boolean);
const FLAGS = [...CHROMIUM_FLAGS, ...EXTRA_FLAGS];
const RUN_OPTIONS = { steps: STEPS, coding: "poisson", rate: 0.1, seed: 1, recordOutputPerStep: false };

let lib;
try {
  lib = await import(join(ROOT, "dist/index.js"));
  readFileSync(join(ROOT, "dist/browser.js"));
} catch {
  console.error("bench/browser.mjs: dist/index.js or dist/browser.js is missing; run npm run build first");
  process.exit(2);
}
const { chromium } = await import("playwright-core");
const found = await findChromium();
if (found.executablePath === null) {
  console.error(`bench/browser.mjs: no usable Chromium (${found.reason}); apt-get install chromium, or SPIKEWASM_CHROMIUM=/path/to/chromium`);
  process.exit(2);
}

/** mlp784 and uniformInputs from src/examples/networks.ts (not in the public API), bundled in memory. */
async function examples() {
  const r = await build({ entryPoints: [join(ROOT, "src/examples/networks.ts")], bundle: true, write: false, format: "esm", platform: "node", logLevel: "silent" });
  return import(`data:text/javascript;base64,${Buffer.from(r.outputFiles[0].text).toString("base64")}`);
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

/**
 * The measurement, the same source text in both environments: `Simulator` and `parseGraph` come from the
 * environment's bundle. Returns the first run's time, the timed runs' times (ms) and the spike totals per layer.
 */
async function measure(Simulator, parseGraph, graphText, x, o, runs, warmup) {
  const sim = await Simulator.create(parseGraph(graphText), { batch: 1 });
  let t = performance.now();
  const first = sim.run(x, o);
  const firstMs = performance.now() - t;
  const warm = [];
  for (let i = 0; i < warmup; i++) {
    t = performance.now();
    sim.run(x, o);
    warm.push(performance.now() - t);
  }
  const times = [];
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    sim.run(x, o);
    times.push(performance.now() - t);
  }
  const spikes = first.layers.map((l) => l.spikeCounts.reduce((a, b) => a + b, 0));
  return { firstMs, warm, times, spikes };
}

const { mlp784, uniformInputs } = await examples();
const graphText = lib.stringifyGraph(mlp784(1));
const x = uniformInputs(784, 1, 7);

const server = createServer((req, res) => {
  const headers = { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp", "cache-control": "no-store" };
  if (req.url === "/browser.js") res.writeHead(200, { ...headers, "content-type": "text/javascript" }).end(readFileSync(join(ROOT, "dist/browser.js")));
  else if (req.url === "/graph.json") res.writeHead(200, { ...headers, "content-type": "application/json" }).end(graphText);
  else if (req.url === "/input.bin") res.writeHead(200, { ...headers, "content-type": "application/octet-stream" }).end(Buffer.from(x.buffer, x.byteOffset, x.byteLength));
  else if (req.url === "/") res.writeHead(200, { ...headers, "content-type": "text/html" }).end("<!doctype html><title>spikewasm bench</title>");
  else res.writeHead(404).end();
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const url = `http://127.0.0.1:${server.address().port}/`;
const profile = mkdtempSync(join(tmpdir(), "spikewasm-bench-chromium-"));
const context = await chromium.launchPersistentContext(profile, { executablePath: found.executablePath, headless: true, args: FLAGS });

async function browserRound(runs) {
  const page = await context.newPage();
  await page.goto(url);
  const src = `(${measure.toString()})`;
  const r = await page.evaluate(async ({ src, o, runs, warmup }) => {
    const { Simulator, parseGraph } = await import("/browser.js");
    const graphText = await (await fetch("/graph.json")).text();
    const x = new Float32Array(await (await fetch("/input.bin")).arrayBuffer());
    const m = await (0, eval)(src)(Simulator, parseGraph, graphText, x, o, runs, warmup);
    return { ...m, isolated: globalThis.crossOriginIsolated, ua: navigator.userAgent };
  }, { src, o: RUN_OPTIONS, runs, warmup: WARMUP });
  await page.close(); // a fresh page each round: the browser's first run includes compilation and tier-up again
  return r;
}

// Node's first run is cold only in round 1 (the compiled module is cached for the process afterwards); every browser
// round opens a fresh page, so each of its first runs is cold.
const node = { first: [], warm: [], times: [] }, browser = { first: [], warm: [], times: [] };
let nodeSpikes, browserSpikes, isolated, ua;
for (let round = 0; round < ROUNDS; round++) {
  const n = await measure(lib.Simulator, lib.parseGraph, graphText, x, RUN_OPTIONS, RUNS, WARMUP);
  if (round === 0) { node.first.push(n.firstMs); node.warm.push(n.warm); }
  node.times.push(...n.times); nodeSpikes = n.spikes;
  const b = await browserRound(RUNS);
  browser.first.push(b.firstMs); browser.warm.push(b.warm); browser.times.push(...b.times); browserSpikes = b.spikes; isolated = b.isolated; ua = b.ua;
  console.log(`round ${round + 1}/${ROUNDS}: node median ${median(n.times).toFixed(2)} ms, chromium median ${median(b.times).toFixed(2)} ms`);
}
await context.close();
server.close();
rmSync(profile, { recursive: true, force: true });

const same = JSON.stringify(nodeSpikes) === JSON.stringify(browserSpikes);
const nm = median(node.times), bm = median(browser.times);
const chromeVersion = /Chrome\/([\d.]+)/.exec(ua)?.[1] ?? ua;
console.log(`\nIF 784-1200-1200-10, ${STEPS} steps, Poisson input (rate 0.1, seed 1), batch 1; ${ROUNDS} rounds × ${RUNS} timed runs after ${WARMUP} warm-ups`);
console.log(`node ${process.versions.node} (V8 ${process.versions.v8}) · chromium ${chromeVersion} (${found.source})${EXTRA_FLAGS.length ? ` with ${EXTRA_FLAGS.join(" ")}` : ""} · crossOriginIsolated ${isolated}`);
console.log(`spikes per layer: node ${nodeSpikes.join(", ")} · chromium ${browserSpikes.join(", ")} → ${same ? "identical" : "DIFFERENT (not the same work!)"}`);
const warmups = (w) => w.map((r) => r.map((v) => v.toFixed(1)).join("/")).join(", ");
console.log(`                    median     min   cold first run   warm-up runs 2..${WARMUP + 1} (ms, per cold start)`);
console.log(`node            ${nm.toFixed(2).padStart(8)} ms ${Math.min(...node.times).toFixed(2).padStart(7)} ms ${median(node.first).toFixed(2).padStart(9)} ms     ${warmups(node.warm)}`);
console.log(`chromium        ${bm.toFixed(2).padStart(8)} ms ${Math.min(...browser.times).toFixed(2).padStart(7)} ms ${median(browser.first).toFixed(2).padStart(9)} ms     ${warmups(browser.warm)}`);
console.log(`ratio chromium / node: ${(bm / nm).toFixed(3)} (median), ${(Math.min(...browser.times) / Math.min(...node.times)).toFixed(3)} (min); target ≤ 1.3`);
if (!same) process.exitCode = 1;
