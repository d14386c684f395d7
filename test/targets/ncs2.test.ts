import { describe, expect, it } from "vitest";
import { SpikewasmError } from "../../src/errors.js";
import { NCS2, ncs2Constants, ncs2Cost, type Ncs2Description } from "../../src/targets/ncs2.js";

const P = NCS2.power.runningW.value;
const IDLE = NCS2.power.idleW.value;
const R = NCS2.throughput.macsPerS.value;
const RD = NCS2.throughput.denseMacsPerS.value;
const T0 = NCS2.time.overheadS.value;

describe("NCS2 description", () => {
  it("gives every constant a finite value, a unit, a valid kind and a non-empty source (a note when not measured as published)", () => {
    const all = ncs2Constants(NCS2);
    expect(all.length).toBeGreaterThanOrEqual(15);
    for (const c of all) {
      expect(Number.isFinite(c.value), c.name).toBe(true);
      expect(c.unit.length, c.name).toBeGreaterThan(0);
      expect(["measured", "derived", "assumed"], c.name).toContain(c.kind);
      expect(c.source.trim().length, c.name).toBeGreaterThan(3);
      if (c.kind !== "measured") expect((c.note ?? "").trim(), c.name).not.toBe("");
    }
  });

  it("derives t0 and R exactly from the two calibration runs, and the dense rate from the MLP run", () => {
    const c = NCS2.calibration;
    expect(c.kwsMacs.value).toBe(390 * 256 + 256 * 256 + 256 * 29);
    expect(c.mlpMacs.value).toBe(784 * 512 + 512 * 200 + 200 * 10);
    const tKws = c.kwsSeconds.value / c.kwsInferences.value; // 900 / 418102 s
    const ssdMacs = c.ssdMobilenetV2Flops.value / 2;
    const r = (ssdMacs - c.kwsMacs.value) / (c.ssdMobilenetV2LatencyS.value - tKws);
    expect(R).toBeCloseTo(r, 0);
    expect(T0).toBeCloseTo(tKws - c.kwsMacs.value / r, 15);
    // both calibration points lie on the fitted line
    expect(T0 + c.kwsMacs.value / R).toBeCloseTo(tKws, 12);
    expect(T0 + ssdMacs / R).toBeCloseTo(c.ssdMobilenetV2LatencyS.value, 12);
    expect(RD).toBeCloseTo(c.mlpInferencesPerS.value * c.mlpMacs.value, 3);
    // orders of magnitude stated in the notes
    expect(R / 1e9).toBeCloseTo(24.12, 1);
    expect(T0 * 1e3).toBeCloseTo(2.145, 2);
    expect(RD / 1e9).toBeCloseTo(2.795, 2);
    expect(P).toBe(1.44);
    expect(IDLE).toBe(0.496);
    expect(R * 2).toBeLessThan(NCS2.throughput.dnnPeakOpsPerS.value);
  });
});

describe("ncs2Cost (hand-computed from the data file's constants)", () => {
  it("a 10 MMAC network: latency = t0 + MACs/R, energy = P x latency", () => {
    const macs = 10e6;
    const c = ncs2Cost(macs);
    const lat = T0 + macs / R;
    expect(c.target).toBe("ncs2");
    expect(c.latencyS).toBeCloseTo(lat, 15);
    expect(c.overheadS).toBe(T0);
    expect(c.computeS).toBeCloseTo(macs / R, 15);
    expect(c.inferencesPerS).toBeCloseTo(1 / lat, 6);
    expect(c.powerW).toBe(P);
    expect(c.energyPerInferenceJ).toBeCloseTo(P * lat, 15);
    expect(c.dynamicEnergyPerInferenceJ).toBeCloseTo((P - IDLE) * lat, 15);
    // numerically: ≈ 2.145 ms + 0.415 ms ≈ 2.56 ms, ≈ 3.7 mJ
    expect(c.latencyS * 1e3).toBeCloseTo(2.56, 2);
    expect(c.energyPerInferenceJ * 1e3).toBeCloseTo(3.69, 2);
    expect(c.sources.map((s) => s.name)).toEqual(["time.overheadS", "throughput.macsPerS", "power.runningW", "power.idleW"]);
    expect(c.sources[1]).toMatchObject({ value: R, kind: "derived" });
    expect(c.notes.length).toBeGreaterThan(0);
  });

  it("0 MACs costs the overhead alone; the SSD calibration point is reproduced", () => {
    expect(ncs2Cost(0).latencyS).toBe(T0);
    const ssd = ncs2Cost(NCS2.calibration.ssdMobilenetV2Flops.value / 2);
    expect(ssd.latencyS).toBeCloseTo(0.0804, 12);
    expect(ssd.energyPerInferenceJ).toBeCloseTo(P * 0.0804, 12);
  });

  it("prices the dense share at the dense rate", () => {
    const macs = 1e6, dense = 4e5;
    const c = ncs2Cost(macs, { denseMacs: dense });
    const lat = T0 + (macs - dense) / R + dense / RD;
    expect(c.latencyS).toBeCloseTo(lat, 15);
    expect(c.energyPerInferenceJ).toBeCloseTo(P * lat, 15);
    expect(c.sources.map((s) => s.name)).toContain("throughput.denseMacsPerS");
  });

  it("batch: one request of B inputs pays t0 once; per-inference figures divide by B", () => {
    const macs = 5e6, b = 8;
    const c = ncs2Cost(macs, { batch: b });
    const lat = T0 + (b * macs) / R;
    expect(c.batch).toBe(b);
    expect(c.latencyS).toBeCloseTo(lat, 15);
    expect(c.inferencesPerS).toBeCloseTo(b / lat, 6);
    expect(c.energyPerInferenceJ).toBeCloseTo((P * lat) / b, 15);
  });

  it("overrides change the answer as the formula says and are reported as assumed", () => {
    const macs = 2e8;
    const c = ncs2Cost(macs, { overrides: { powerW: 2.5, macsPerS: 1e11, overheadS: 1e-3 } });
    const lat = 1e-3 + macs / 1e11; // 3 ms
    expect(c.latencyS).toBeCloseTo(lat, 15);
    expect(c.powerW).toBe(2.5);
    expect(c.energyPerInferenceJ).toBeCloseTo(2.5 * lat, 15);
    expect(c.dynamicEnergyPerInferenceJ).toBeCloseTo((2.5 - IDLE) * lat, 15);
    for (const name of ["time.overheadS", "throughput.macsPerS", "power.runningW"]) {
      const s = c.sources.find((x) => x.name === name)!;
      expect(s.kind).toBe("assumed");
      expect(s.note).toMatch(/replaces/);
    }
    // one override at a time
    expect(ncs2Cost(macs, { overrides: { overheadS: 0 } }).latencyS).toBeCloseTo(macs / R, 15);
    expect(ncs2Cost(macs, { overrides: { macsPerS: R / 2 } }).computeS).toBeCloseTo((2 * macs) / R, 15);
    expect(ncs2Cost(macs, { denseMacs: macs, overrides: { denseMacsPerS: 1e9 } }).latencyS).toBeCloseTo(T0 + macs / 1e9, 15);
  });

  it("uses a caller's description", () => {
    const d: Ncs2Description = {
      ...NCS2,
      power: { ...NCS2.power, runningW: { ...NCS2.power.runningW, value: 2 } },
      time: { overheadS: { ...NCS2.time.overheadS, value: 0.001 } },
      throughput: { ...NCS2.throughput, macsPerS: { ...NCS2.throughput.macsPerS, value: 1e10 } },
    };
    const c = ncs2Cost(1e7, { description: d });
    expect(c.latencyS).toBeCloseTo(0.002, 15);
    expect(c.energyPerInferenceJ).toBeCloseTo(0.004, 15);
  });

  it.each([
    ["negative MACs", () => ncs2Cost(-1)],
    ["NaN MACs", () => ncs2Cost(Number.NaN)],
    ["infinite MACs", () => ncs2Cost(Number.POSITIVE_INFINITY)],
    ["non-number MACs", () => ncs2Cost("5" as unknown as number)],
    ["batch 0", () => ncs2Cost(1e6, { batch: 0 })],
    ["fractional batch", () => ncs2Cost(1e6, { batch: 1.5 })],
    ["denseMacs > macs", () => ncs2Cost(1e6, { denseMacs: 2e6 })],
    ["negative denseMacs", () => ncs2Cost(1e6, { denseMacs: -1 })],
    ["zero power", () => ncs2Cost(1e6, { overrides: { powerW: 0 } })],
    ["negative rate", () => ncs2Cost(1e6, { overrides: { macsPerS: -5 } })],
    ["NaN overhead", () => ncs2Cost(1e6, { overrides: { overheadS: Number.NaN } })],
    ["negative overhead", () => ncs2Cost(1e6, { overrides: { overheadS: -1e-3 } })],
    ["unknown override", () => ncs2Cost(1e6, { overrides: { wattz: 1 } as never })],
    ["zero latency", () => ncs2Cost(0, { overrides: { overheadS: 0 } })],
  ])("%s is a SpikewasmError", (_label, f) => {
    expect(f).toThrow(SpikewasmError);
    try { f(); } catch (e) {
      expect((e as SpikewasmError).name).toBe("SpikewasmError");
      expect((e as Error).message).toMatch(/^ncs2Cost: /);
    }
  });
});
