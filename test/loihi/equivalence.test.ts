// WASM ≡ TypeScript reference on random Loihi nets: every q, u, v and spike of every step, many seeds.
// The nets draw registers over their full ranges (decays 0 and 4095 included, wExp −8..7, large
// biases) so that wrap-around, clipping and refractory holds all occur.
import { describe, expect, it } from "vitest";
import { type LoihiNet, simulateLoihi } from "../../src/loihi/simulate.js";
import { Rng } from "../../src/util/rng.js";

function randomNet(seed: number): LoihiNet {
  const r = new Rng(seed);
  const int = (lo: number, hi: number) => lo + r.int(hi - lo + 1);
  const pick = <T>(xs: T[]) => xs[r.int(xs.length)];
  const arr = (n: number, f: () => number) => Array.from({ length: n }, f);
  const nIn = int(1, 12);
  const inputs = [{ name: "in", n: nIn, spikeTimes: arr(nIn, () => 0).map(() => arr(int(0, 20), () => int(1, 40))) }];
  const blocks = arr(int(1, 3), () => 0).map((_, k) => {
    const n = int(1, 20), keep = r.int(3) === 0; // a third keep v on a spike (NxTF's integrating dendrite)
    return {
      name: `b${k}`, n, ...(keep ? { keepVoltage: true } : {}),
      decayU: arr(n, () => pick([0, 4095, int(0, 4095)])), decayV: arr(n, () => pick([0, 4095, int(0, 4095)])),
      vthMant: arr(n, () => pick([0, int(1, 200), int(0, 2 ** 17 - 1)])),
      biasMant: arr(n, () => pick([0, int(-4095, 4095)])), biasExp: arr(n, () => int(0, 7)),
      refractDelay: arr(n, () => (keep ? 1 : pick([1, 63, int(1, 63)]))), vminExp: int(0, 31), vmaxExp: int(0, 7),
    };
  });
  const names = ["in", ...blocks.map((b) => b.name)];
  const size = (s: string) => (s === "in" ? nIn : blocks.find((b) => b.name === s)!.n);
  const connections = arr(int(1, 5), () => 0).map(() => {
    const src = pick(names), dst = pick(blocks).name;
    return { src, dst, wExp: int(-8, 7), weights: arr(size(src), () => 0).map(() => arr(size(dst), () => int(-255, 255))) };
  });
  return { inputs, blocks, connections };
}

describe("loihiStep / loihiAccumulate: WASM equals the TypeScript reference", () => {
  it("on 60 random nets × 50 steps (every state variable, every step)", async () => {
    let spikes = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const net = randomNet(seed);
      const a = await simulateLoihi(net, 50, { backend: "wasm" });
      const b = await simulateLoihi(net, 50, { backend: "js" });
      expect(a.blocks, `seed ${seed}`).toEqual(b.blocks);
      expect(a.warnings).toEqual(b.warnings);
      for (const tr of Object.values(a.blocks)) spikes += tr.spikes.flat().length;
    }
    expect(spikes).toBeGreaterThan(100); // the nets are active, not trivially silent
  });
});

describe("loihi kernels with batch > 1: WASM equals the reference, per-sample lists and counts", () => {
  it("3 samples × 37 compartments × 40 steps, random q and registers", async () => {
    const { createWasmKernels } = await import("../../src/sim/kernels.js");
    const { createReferenceKernels } = await import("../../src/reference/index.js");
    const B = 3, n = 37, nSrc = 9;
    const run = async (wasm: boolean) => {
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
      const k = wasm ? await createWasmKernels(memory) : createReferenceKernels(memory);
      const I = new Int32Array(memory.buffer);
      const r = new Rng(7);
      const base = 64 >> 2; // words: q, u, v, ref [B*n]; regs 5 × [n]; spikes [B*n]; counts [B]; src spikes/counts; w [nSrc*n]
      const at = (k: number) => (base + k * B * n) * 4;
      const [q, u, v, ref, dU, dV, bias, vth, rd, sp, cnt, ssp, scnt, w] = Array.from({ length: 14 }, (_, i) => at(i));
      for (let j = 0; j < n; j++) {
        I[(dU >> 2) + j] = r.int(4096); I[(dV >> 2) + j] = r.int(4096); I[(bias >> 2) + j] = (r.int(8191) - 4095) * 2 ** r.int(8);
        I[(vth >> 2) + j] = r.int(2000) * 64; I[(rd >> 2) + j] = 1 + r.int(63);
      }
      for (let i = 0; i < nSrc * n; i++) I[(w >> 2) + i] = (r.int(511) - 255) << (6 + r.int(8));
      const out: number[] = [];
      for (let t = 1; t <= 40; t++) {
        I.fill(0, q >> 2, (q >> 2) + B * n);
        let m = 0;
        for (let b = 0; b < B; b++) {
          const c = r.int(nSrc + 1);
          I[(scnt >> 2) + b] = c;
          for (let s = 0; s < c; s++) I[(ssp >> 2) + m++] = r.int(nSrc);
        }
        out.push(k.loihiAccumulate(ssp, scnt, B, nSrc, w, n, q));
        const total = k.loihiStep(q, u, v, ref, dU, dV, bias, vth, rd, -(2 ** 20) + 1, 2 ** 21 - 1, n, B, sp, cnt, t % 2);
        const counts = Array.from(I.subarray(cnt >> 2, (cnt >> 2) + B));
        expect(counts.reduce((a, c) => a + c, 0)).toBe(total);
        out.push(total, ...counts, ...I.subarray(sp >> 2, (sp >> 2) + total), ...I.subarray(q >> 2, (ref >> 2) + B * n));
      }
      return out;
    };
    const a = await run(true), b = await run(false);
    expect(a).toEqual(b);
  });
});
