/**
 * Average pooling folded into the layer that reads it (`avgPool: "fold"`, src/convert/fold-pool.ts): the
 * folded ANN computes the same function (conv after a pool, flatten + dense after a pool, with padding
 * and uneven kernels), pools that cannot fold exactly stay relays with the reason, the converted SNN has no
 * relay population left and is at least as close to the DNN at few steps, and a bad value is refused.
 */
import { describe, expect, it } from "vitest";
import { inferAnn } from "../../src/ann/infer.js";
import { convertCalibrated } from "../../src/convert/calibrate/index.js";
import { tuneSpace } from "../../src/convert/calibrate/tune.js";
import { convertAnn, resolveConvertOptions } from "../../src/convert/convert.js";
import { evaluateSnn } from "../../src/convert/evaluate.js";
import { foldAvgPools } from "../../src/convert/fold-pool.js";
import { SpikewasmError } from "../../src/errors.js";
import type { AnnGraph, AnnNode } from "../../src/ir/ann.js";

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) - 0.5;
}
const arr = (n: number, r: () => number, k = 1) => Float32Array.from({ length: n }, () => r() * k);

/** input 1×12×12 → conv 4 3×3 pad 1 → avg pool (ph×pw) → conv 5 3×3 pad [1,0,1,2] → avg pool 2×2 → flatten → dense 3. */
function net(seed: number, ph = 2, pw = 2): AnnGraph {
  const r = rng(seed);
  const h2 = 12 / ph, w2 = 12 / pw, h3 = h2 - 2 + 2, w3 = w2 - 2 + 2;
  const nodes: AnnNode[] = [
    { kind: "input", id: "x", shape: [1, 12, 12] },
    { kind: "conv2d", id: "c1", input: "x", outChannels: 4, kernel: [3, 3], stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1, weights: arr(36, r, 1), bias: arr(4, r, 0.2), activation: "relu" },
    { kind: "pool", id: "p1", input: "c1", mode: "avg", kernel: [ph, pw], stride: [ph, pw], padding: [0, 0, 0, 0], countIncludePad: false, activation: "none" },
    { kind: "conv2d", id: "c2", input: "p1", outChannels: 5, kernel: [3, 3], stride: [1, 1], padding: [1, 0, 1, 2], dilation: [1, 1], groups: 1, weights: arr(180, r, 0.6), bias: arr(5, r, 0.2), activation: "relu" },
    { kind: "pool", id: "p2", input: "c2", mode: "avg", kernel: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0], countIncludePad: false, activation: "none" },
    { kind: "flatten", id: "f", input: "p2" },
    { kind: "dense", id: "d", input: "f", units: 3, weights: arr(5 * (h3 / 2) * (w3 / 2) * 3, r, 0.5), bias: arr(3, r, 0.1), activation: "none" },
  ];
  return { nodes };
}

describe("foldAvgPools", () => {
  it("folds both pools and computes the same outputs (conv with asymmetric padding, flatten + dense)", () => {
    for (const [ph, pw] of [[2, 2], [3, 2]] as const) {
      const ann = net(7 + ph, ph, pw);
      const { ann: f, folded, kept } = foldAvgPools(ann);
      expect(folded).toEqual(["p1", "p2"]);
      expect(kept).toEqual([]);
      expect(f.nodes.some((n) => n.kind === "pool")).toBe(false);
      const c2 = f.nodes.find((n) => n.id === "c2")!;
      expect(c2).toMatchObject({ input: "c1", kernel: [3 * ph, 3 * pw], stride: [ph, pw], padding: [ph, 0, ph, 2 * pw] });
      const x = arr(6 * 144, rng(3), 2).map(Math.abs);
      const a = inferAnn(ann, x, 6).get("d")!, b = inferAnn(f, x, 6).get("d")!;
      expect(a.length).toBe(b.length);
      for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 4);
    }
  });

  it("keeps what it cannot fold exactly, with the reason; the input graph is not changed", () => {
    const r = rng(1);
    const small = (pool: Partial<Extract<AnnNode, { kind: "pool" }>>, hw: number, dense: number): AnnGraph => ({ nodes: [
      { kind: "input", id: "x", shape: [2, hw, hw] },
      { kind: "pool", id: "p", input: "x", mode: "avg", kernel: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0], countIncludePad: false, activation: "none", ...pool },
      { kind: "flatten", id: "f", input: "p" },
      { kind: "dense", id: "d", input: "f", units: 2, weights: arr(dense * 2, r), activation: "none" },
    ] });
    expect(foldAvgPools(small({ kernel: [3, 3], stride: [2, 2] }, 7, 2 * 9)).kept).toEqual([{ id: "p", reason: expect.stringMatching(/kernel ≠ stride/) }]);
    expect(foldAvgPools(small({}, 5, 2 * 4)).kept).toEqual([{ id: "p", reason: expect.stringMatching(/not a multiple of the kernel/) }]);
    expect(foldAvgPools(small({ padding: [1, 1, 1, 1] }, 4, 2 * 9)).kept).toEqual([{ id: "p", reason: "it pads" }]);
    expect(foldAvgPools(small({ mode: "max" }, 4, 2 * 4)).folded).toEqual([]);
    const ok = small({}, 4, 2 * 4);
    expect(foldAvgPools(ok).folded).toEqual(["p"]);
    const ann = net(1);
    const before = JSON.stringify(ann.nodes.map((n) => n.id));
    foldAvgPools(ann);
    expect(JSON.stringify(ann.nodes.map((n) => n.id))).toBe(before);
    expect((ann.nodes[3] as { kernel: number[] }).kernel).toEqual([3, 3]);
  });
});

describe("convertAnn avgPool fold", () => {
  it("drops the relay populations, notes it, and converts closer to the DNN at few steps", async () => {
    const ann = net(11);
    const N = 64, x = arr(N * 144, rng(5), 2).map(Math.abs);
    const acts = inferAnn(ann, x, N);
    const out = acts.get("d")!;
    const dnn = Int32Array.from({ length: N }, (_, b) => { const o = out.subarray(b * 3, b * 3 + 3); return o.indexOf(Math.max(...o)); });
    const agree = async (avgPool: "relay" | "fold") => {
      const { snn, report } = convertAnn(ann, acts, N, { avgPool, vInit: "half", outputSpiking: false });
      const ev = await evaluateSnn(snn, x, dnn, N, { timesteps: 6, readout: "membrane" });
      return { snn, report, acc: ev.accuracy };
    };
    const relay = await agree("relay"), fold = await agree("fold");
    expect(relay.snn.nodes.filter((n) => n.kind === "pool").length).toBe(2);
    expect(fold.snn.nodes.filter((n) => n.kind === "pool").length).toBe(0);
    expect(fold.report.notes.join()).toMatch(/average pooling folded into the next layer: p1, p2/);
    expect(fold.report.options.avgPool).toBe("fold");
    expect(fold.acc).toBeGreaterThanOrEqual(relay.acc);
  });

  it("--tune searches folding on a model whose pools fold, and reports the choice", async () => {
    const ann = net(11);
    const N = 40, x = arr(N * 144, rng(9), 2).map(Math.abs);
    const acts = inferAnn(ann, x, N);
    const r = await convertCalibrated(ann, acts, { samples: x, count: N, source: "test" }, { timesteps: 4, tune: true, tuneSamples: N, biasCorrectionSamples: 20, tuneReadoutDelay: false },
      (g, xs, y, c, o) => evaluateSnn(g, xs, y, c, o));
    const t = r.report.tune!;
    expect(t.excluded).toEqual([]);
    expect(t.candidates).toHaveLength(tuneSpace().length);
    expect(t.candidates.filter((c) => c.avgPool === "fold")).toHaveLength(tuneSpace().length / 2);
    expect(r.report.techniques.avgPool).toBe(t.chosen.avgPool);
    expect(r.snn.nodes.some((n) => n.kind === "pool")).toBe(t.chosen.avgPool === "relay");
  });

  it("refuses an unknown value, naming it", () => {
    expect(() => resolveConvertOptions({ avgPool: "merge" as "fold" })).toThrow(SpikewasmError);
    expect(() => resolveConvertOptions({ avgPool: "merge" as "fold" })).toThrow(/avgPool must be "relay" or "fold", got "merge"/);
  });
});
