/**
 * Crossover of the two kernels of dense and conv2d sources (src/sim/accumulate.ts): time of the
 * event-driven scatter (denseSpikes / conv2dSpikes) and of the masked dense SIMD path
 * (denseSpikesMasked / conv2dSpikesMasked) on the layer shapes of the benchmark models, at batch 32,
 * for input spike densities from 1 % to 90 % (random spike lists, ascending per sample). Prints a table
 * and, per layer, the density from which the masked path is faster. `npm run bench:crossover`.
 * Single thread, WASM; median of 15 calls, the two kernels interleaved. Timings are measured here, never asserted in tests.
 */
import { cpus } from "node:os";
import type { SnnGraph } from "../src/ir/graph.js";
import { createWasmKernels } from "../src/sim/kernels.js";
import { planMemory } from "../src/sim/plan.js";
import { Rng } from "../src/util/rng.js";

const B = 32;
const DENSITIES = [0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 0.9];
const neuron = { model: "if" as const, threshold: 1 };

function layer(name: string, inShape: number[], node: Record<string, unknown>): [string, SnnGraph] {
  return [name, { nodes: [{ id: "in", kind: "input", shape: inShape }, { id: "l", input: "in", neuron, ...node }] } as SnnGraph];
}

function conv(cin: number, hw: number, cout: number, k: number, pad: number): Record<string, unknown> {
  return { kind: "conv2d", outChannels: cout, kernel: [k, k], padding: [pad, pad, pad, pad], weights: new Float32Array(cout * cin * k * k).fill(0.01) };
}

const LAYERS: [string, SnnGraph][] = [
  layer("LeNet conv2 6→16 5×5, 14×14", [6, 14, 14], conv(6, 14, 16, 5, 0)),
  layer("CNN conv2 16→32 3×3, 14×14", [16, 14, 14], conv(16, 14, 32, 3, 1)),
  layer("CNN-max conv2 32→64 3×3, 14×14", [32, 14, 14], conv(32, 14, 64, 3, 1)),
  layer("LeNet conv1-like 1→6 5×5, 28×28", [1, 28, 28], conv(1, 28, 6, 5, 2)),
  layer("MLP fc1 784→1200", [784], { kind: "dense", units: 1200, weights: new Float32Array(784 * 1200).fill(0.01) }),
  layer("MLP fc2 1200→1200", [1200], { kind: "dense", units: 1200, weights: new Float32Array(1200 * 1200).fill(0.01) }),
  layer("LeNet fc1 400→120", [400], { kind: "dense", units: 120, weights: new Float32Array(400 * 120).fill(0.01) }),
  layer("CNN fc1 1568→128", [1568], { kind: "dense", units: 128, weights: new Float32Array(1568 * 128).fill(0.01) }),
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  console.log(`Crossover, ${cpus()[0]?.model}, ${cpus().length} cores, node ${process.versions.node}; batch ${B}, µs per call (median of 15, the kernels interleaved)`);
  console.log(`| layer | ${DENSITIES.map((d) => `${100 * d}%`).join(" | ")} | crossover |`);
  console.log(`|---|${DENSITIES.map(() => "---").join("|")}|---|`);
  for (const [name, graph] of LAYERS) {
    const plan = planMemory(graph, B);
    const memory = new WebAssembly.Memory({ initial: Math.ceil(plan.totalBytes / 65536) });
    const F = new Float32Array(memory.buffer), I = new Int32Array(memory.buffer);
    for (const { addr, data } of plan.initData) (data instanceof Int32Array ? I : F).set(data, addr >> 2);
    const k = await createWasmKernels(memory);
    const s = plan.pops[0].sources[0], p = plan.pops[0], n = plan.input.n, rng = new Rng(1);
    const cells: string[] = [];
    let crossover = "> 90%";
    for (const d of DENSITIES) {
      let q = plan.input.spikes >> 2;
      for (let b = 0; b < B; b++) {
        let c = 0;
        for (let j = 0; j < n; j++) if (rng.uniform() < d) { I[q++] = j; c++; }
        I[(plan.input.counts >> 2) + b] = c;
      }
      const call = (masked: boolean) => s.op === "dense"
        ? (masked ? k.denseSpikesMasked(plan.input.spikes, plan.input.counts, B, s.nIn, s.w, s.nOut, p.acc, plan.mask)
          : k.denseSpikes(plan.input.spikes, plan.input.counts, B, s.nIn, s.w, s.nOut, p.acc))
        : s.op === "conv2d"
          ? (masked ? k.conv2dSpikesMasked(plan.input.spikes, plan.input.counts, B, s.inH, s.inW, s.inC, s.w, s.outH, s.outW, s.outC, s.kh, s.kw, s.groups, s.tapsY, s.tapsX, s.gatherY, s.gatherX, p.acc, plan.mask)
            : k.conv2dSpikes(plan.input.spikes, plan.input.counts, B, s.inH, s.inW, s.inC, s.w, s.outH, s.outW, s.outC, s.kh, s.kw, s.groups, s.tapsY, s.tapsX, p.acc))
          : 0;
      // the two kernels interleaved call by call, so that load from other processes hits both alike
      call(false); call(true);
      const tS: number[] = [], tM: number[] = [];
      for (let r = 0; r < 15; r++)
        for (const masked of [false, true]) {
          const t0 = performance.now();
          call(masked);
          (masked ? tM : tS).push((performance.now() - t0) * 1000);
        }
      const ts = median(tS), tm = median(tM);
      if (tm < ts && crossover === "> 90%") crossover = `${100 * d}%`;
      cells.push(`${ts.toFixed(0)} / ${tm.toFixed(0)}`);
    }
    console.log(`| ${name} (scatter / masked) | ${cells.join(" | ")} | ${crossover} |`);
  }
}

await main();
