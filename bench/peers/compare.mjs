#!/usr/bin/env node
/**
 * Issue 12's comparison table: for each model and T, the best of the peer recipes (bench/peers/sj_ann2snn.py
 * --json, best chosen on the test set as the issue allows for the peer) against `spikewasm run --tune` (the
 * reports bench/few-steps.mjs writes as OUT/<model>-T<t>-tune.json) and the DNN, on the same test images.
 *
 *   node bench/peers/compare.mjs --peer DIR --sw DIR [--before DIR] [--fixed RECIPE] [--T 8,16,32,64] MODEL ...
 *
 * MODEL is the basename without .onnx (the name both tools file their results under); DIR/<MODEL>.json is
 * the peer's report. --before: a second spikewasm directory (e.g. the build before a change) shown as its
 * own column. --fixed: one peer recipe chosen beforehand (e.g. cw-99.9%+half), as its own column and count: the
 * comparison without the peer's look at the test set. Missing cells print "–". Exit 2 on bad usage.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  if (v === undefined) { console.error(`${name}: missing value`); process.exit(2); }
  args.splice(i, 2);
  return v;
};
const peerDir = opt("--peer", undefined), swDir = opt("--sw", undefined), beforeDir = opt("--before", undefined), fixed = opt("--fixed", undefined);
const Ts = opt("--T", "8,16,32,64").split(",").map(Number);
if (!peerDir || !swDir || args.length === 0 || Ts.some((t) => !(Number.isInteger(t) && t >= 1))) {
  console.error("usage: node bench/peers/compare.mjs --peer DIR --sw DIR [--before DIR] [--T 8,16,32,64] MODEL ...");
  process.exit(2);
}
const json = (f) => (existsSync(f) ? JSON.parse(readFileSync(f, "utf8")) : null);
const pct = (x) => (x === null || x === undefined ? "–" : (100 * x).toFixed(2));
const chosen = (r) => {
  const t = r?.calibration?.techniques;
  if (!t) return "";
  return [t.normalization === "percentile" ? "p99.9" : t.normalization, t.granularity === "channel" ? "ch" : null, t.vInit === "half" ? "θ/2" : null,
    t.biasCorrection ? "bc" : null, t.readout === "membrane" ? "mem" : null, t.avgPool === "fold" ? "fold" : null, t.readoutDelay ? `d${t.readoutDelay}` : null].filter(Boolean).join("+");
};

console.log(`| model | T | DNN | peer best (recipe) | ${fixed ? `peer ${fixed} | ` : ""}${beforeDir ? "spikewasm --tune before | " : ""}spikewasm --tune (chosen) | Δ vs peer |${fixed ? ` Δ vs ${fixed} |` : ""}`);
console.log(`|---|---|---|---|${fixed ? "---|" : ""}${beforeDir ? "---|" : ""}---|---|${fixed ? "---|" : ""}`);
let wins = 0, losses = 0, winsFixed = 0, lossesFixed = 0;
for (const m of args) {
  const peer = json(join(peerDir, `${m}.json`));
  for (const T of Ts) {
    const sw = json(join(swDir, `${m}-T${T}-tune.json`)), before = beforeDir ? json(join(beforeDir, `${m}-T${T}-tune.json`)) : null;
    const pb = peer?.best_on_test?.[String(T)];
    const dnn = sw?.dnn?.accuracy ?? peer?.dnn ?? null;
    const d = sw && pb ? sw.snn.accuracy - pb.acc : null;
    if (d !== null) { if (d >= -1e-9) wins++; else losses++; }
    const fa = fixed ? peer?.recipes?.[fixed]?.acc?.[String(T)] ?? null : null;
    const df = sw && fa !== null ? sw.snn.accuracy - fa : null;
    if (df !== null) { if (df >= -1e-9) winsFixed++; else lossesFixed++; }
    const signed = (x) => (x === null ? "–" : `${x >= 0 ? "+" : ""}${(100 * x).toFixed(2)}`);
    console.log(`| ${m} | ${T} | ${pct(dnn)} | ${pb ? `${pct(pb.acc)} (${pb.recipe})` : "–"} | ${fixed ? `${pct(fa)} | ` : ""}${beforeDir ? `${before ? `${pct(before.snn.accuracy)} (${chosen(before)})` : "–"} | ` : ""}` +
      `${sw ? `${pct(sw.snn.accuracy)} (${chosen(sw)})` : "–"} | ${signed(d)} |${fixed ? ` ${signed(df)} |` : ""}`);
  }
}
console.log(`\nat or above the best peer recipe: ${wins} of ${wins + losses} cells measured`);
if (fixed) console.log(`at or above the peer's ${fixed}: ${winsFixed} of ${winsFixed + lossesFixed} cells measured`);
