#!/usr/bin/env node
/**
 * Few-timestep benchmark (issue 12): the float SNN's accuracy on the first N MNIST test images at
 * T = 8, 16, 32, 64 with the defaults, with each post-training technique alone, and with --tune, for each
 * model given. Every run is `node dist/cli.js run MODEL --limit N -T t [flags] --json FILE`; calibration
 * (λ, bias correction, tune) uses MNIST training images only (the CLI's default), never the test set.
 *
 *   npm run build && node bench/few-steps.mjs --out bench/few-steps [--limit 2000] [--T 8,16,32,64]
 *     [--configs default,vhalf,mse,bc,membrane,ltb,ltbhalf,tune,tunesimple] [--tune-samples N] [--workers N] [--cli dist/cli.js] [--data-dir DIR] MODEL.onnx ...
 *
 * ltb: --norm ltb (local threshold balancing); tunesimple: --tune with agreement ties going to the simpler
 * setting (the rule before the secondary score), against tune's default output-KL tie-break.
 *
 * --data-dir: another IDX data set laid out as MNIST (DIR/{t10k,train}-{images-idx3,labels-idx1}-ubyte[.gz], e.g.
 * Debian's /usr/share/datasets/fashion-mnist): test images and labels from t10k, calibration from train.
 *
 * Writes OUT/<model>-T<t>-<config>.json (the full reports; an existing file is reused, so an interrupted
 * run resumes) and prints a markdown table: rows model × config, columns T.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";

const CONFIGS = {
  default: [],
  vhalf: ["--v-init", "half"],
  mse: ["--norm", "mse"],
  bc: ["--bias-correction"],
  membrane: ["--readout", "membrane"],
  tune: ["--tune"],
  ltb: ["--norm", "ltb"],
  ltbhalf: ["--norm", "ltb", "--v-init", "half"],
  tunesimple: ["--tune", "--tune-tie-break", "simpler"],
};

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const out = opt("--out", "bench/few-steps");
const limit = opt("--limit", "2000");
const Ts = opt("--T", "8,16,32,64").split(",").map(Number);
const configs = opt("--configs", Object.keys(CONFIGS).join(",")).split(",");
const dataDir = opt("--data-dir", undefined);
const tuneSamples = opt("--tune-samples", undefined);
const workers = opt("--workers", undefined);
const cli = opt("--cli", "dist/cli.js");
if (workers !== undefined && !(Number.isInteger(Number(workers)) && Number(workers) >= 1)) { console.error(`--workers: expected an integer >= 1, got ${workers}`); process.exit(2); }
const gz = (f) => (existsSync(join(dataDir, f)) ? join(dataDir, f) : join(dataDir, `${f}.gz`));
const dataArgs = dataDir
  ? ["--data", gz("t10k-images-idx3-ubyte"), "--labels", gz("t10k-labels-idx1-ubyte"), "--calibration", gz("train-images-idx3-ubyte")] : [];
const models = args;
if (models.length === 0) {
  console.error("usage: node bench/few-steps.mjs [--out DIR] [--limit N] [--T 8,16] [--configs default,tune] MODEL.onnx ...");
  process.exit(2);
}
for (const c of configs) if (!CONFIGS[c]) { console.error(`unknown config ${c} (${Object.keys(CONFIGS).join(", ")})`); process.exit(2); }
mkdirSync(out, { recursive: true });

const rows = [];
for (const model of models) {
  const name = basename(model, ".onnx");
  for (const c of configs) {
    const row = { model: name, config: c, acc: {}, dnn: null, chosen: {} };
    for (const T of Ts) {
      const file = join(out, `${name}-T${T}-${c}.json`);
      if (!existsSync(file)) {
        const t0 = Date.now();
        execFileSync("node", [cli, "run", model, ...dataArgs, "--limit", limit, "-T", String(T), ...CONFIGS[c], ...(tuneSamples && CONFIGS[c].includes("--tune") ? ["--tune-samples", tuneSamples] : []), ...(workers ? ["--workers", workers] : []), "--json", file], { stdio: ["ignore", "ignore", "inherit"] });
        console.error(`${name} T=${T} ${c}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      }
      const r = JSON.parse(readFileSync(file, "utf8"));
      row.acc[T] = r.snn.accuracy;
      row.dnn = r.dnn.accuracy;
      if (r.calibration?.tune) {
        const t = r.calibration.techniques;
        row.chosen[T] = [t.normalization, t.granularity === "channel" ? "ch" : null, t.vInit === "half" ? "θ/2" : null, t.biasCorrection ? "bc" : null,
          t.readout === "membrane" ? "mem" : null, t.avgPool === "fold" ? "fold" : null, t.readoutDelay ? `d${t.readoutDelay}` : null].filter(Boolean).join("+");
      }
    }
    rows.push(row);
  }
}
const pct = (x) => (100 * x).toFixed(2);
console.log(`| model (DNN) | technique | ${Ts.map((T) => `T = ${T}`).join(" | ")} |`);
console.log(`|---|---|${Ts.map(() => "---").join("|")}|`);
for (const r of rows)
  console.log(`| ${r.model} (${pct(r.dnn)}) | ${r.config} | ${Ts.map((T) => `${pct(r.acc[T])}${r.chosen[T] ? ` (${r.chosen[T]})` : ""}`).join(" | ")} |`);
