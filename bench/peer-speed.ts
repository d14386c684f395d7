/**
 * Issue 16's side-by-side speed check (`npm run bench:peers -- [--images 2000] [--rounds 3] MODEL.onnx ...`):
 * the converted SNN's evaluation, one thread, T = 64, first N MNIST test images, spikewasm (batch 32, the
 * defaults of `run`: 99.9th-percentile normalisation on 1,000 training images, constant-current input,
 * count readout) against the torch peer bench/peers/sj_ann2snn.py (SpikingJelly's ann2snn "99.9%" recipe
 * RE-IMPLEMENTED in torch, not SpikingJelly itself: an analog graph interpreter with IF nodes, every
 * layer computed densely each step; one thread; its simulation time only, calibration excluded) at
 * batch 32 and 500, its better one. Tools interleaved round by round; medians. Needs /usr/bin/python3
 * with Debian's python3-torch and python3-onnx (development-time only).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { convertedModel } from "./models.js";

const argv = process.argv.slice(2);
const opt = (name: string, d: number) => { const i = argv.indexOf(name); if (i < 0) return d; const v = Number(argv[i + 1]); argv.splice(i, 2); return v; };
const images = opt("--images", 2000), rounds = opt("--rounds", 3);
const models = argv;
if (models.length === 0) { console.error("usage: node dist/bench/peer-speed.js [--images N] [--rounds R] MODEL.onnx ..."); process.exit(2); }
const peer = fileURLToPath(new URL("../../bench/peers/sj_ann2snn.py", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "spikewasm-peer-speed-"));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function peerRun(model: string, batch: number): { msPerImage: number; accuracy: number } {
  const json = join(tmp, "peer.json");
  const p = spawnSync("/usr/bin/python3", [peer, model, "--recipes", "99.9%", "--T", "64", "--limit", String(images), "--threads", "1",
    "--batch", String(batch), "--calibration-samples", "1000", "--json", json], { encoding: "utf8" });
  if (p.status !== 0) throw new Error(`peer failed on ${model}: ${p.stderr}`);
  const r = JSON.parse(readFileSync(json, "utf8")).recipes["99.9%"];
  return { msPerImage: (1000 * r.seconds) / images, accuracy: r.acc["64"] };
}

console.log(`spikewasm vs the torch re-implementation of SpikingJelly's ann2snn (99.9%), T = 64, ${images} MNIST test images, one thread, ${rounds} rounds interleaved`);
console.log("| model | spikewasm ms/image (accuracy) | peer batch 32 | peer batch 500 | spikewasm vs better peer |");
console.log("|---|---|---|---|---|");
for (const model of models) {
  const sw: number[] = [], p32: number[] = [], p500: number[] = [];
  let swAcc = 0, pAcc = 0;
  for (let r = 0; r < rounds; r++) {
    const m = await convertedModel(model, model, images, 1, "auto");
    sw.push((1000 * m.seconds) / images);
    swAcc = m.accuracy;
    const a = peerRun(model, 32), b = peerRun(model, 500);
    p32.push(a.msPerImage); p500.push(b.msPerImage); pAcc = b.accuracy;
    console.error(`${model} round ${r + 1}: spikewasm ${sw[r].toFixed(2)} ms/image; peer ${a.msPerImage.toFixed(2)} (batch 32), ${b.msPerImage.toFixed(2)} (batch 500)`);
  }
  const best = Math.min(median(p32), median(p500));
  console.log(`| ${model} | ${median(sw).toFixed(2)} (${(100 * swAcc).toFixed(2)} %) | ${median(p32).toFixed(2)} | ${median(p500).toFixed(2)} (${(100 * pAcc).toFixed(2)} %) | ${(best / median(sw)).toFixed(2)}× |`);
}
rmSync(tmp, { recursive: true, force: true });
