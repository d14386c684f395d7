/**
 * Hardware targets of `spikewasm run --target ...`: each returns one entry of the report's `targets`
 * with the same core fields — {name, model: "snn"|"dnn", accuracy, feasible, cores, chips,
 * energyPerInferenceJ, powerW, latencyS, inferencesPerS, sources, notes} — plus its own details.
 *
 *   loihi  the converted SNN quantised to Loihi's registers (src/loihi/quantize.ts), placed on cores
 *          (src/targets/mapping.ts) and run bit-exactly on the test samples (src/loihi/evaluate.ts):
 *          accuracy and activity are the quantised network's; energy, latency and power from
 *          src/targets/cost.ts; plus the trade-off over timesteps (which T to pick).
 *   ncs2   the DNN on an Intel Neural Compute Stick 2 (src/targets/ncs2.ts), from its MACs.
 *   cpu    the DNN on this machine's CPU, measured (WASM DNN runner, one thread).
 */
import type { AnnRunner } from "../ann/infer-wasm.js";
import { SpikewasmError } from "../errors.js";
import type { SnnGraph } from "../ir/graph.js";
import { type EvaluateLoihiOptions, type LoihiEvaluation, evaluateLoihi, loihiActivity } from "../loihi/evaluate.js";
import { type LoihiGraph, quantizeGraph } from "../loihi/quantize.js";
import { loihiCost } from "../targets/cost.js";
import { LOIHI, LOIHI_SANAFE, chipConstants } from "../targets/loihi.js";
import { mapToLoihi } from "../targets/mapping.js";
import { ncs2Cost } from "../targets/ncs2.js";

/** Targets `run` knows. */
export const TARGET_NAMES = ["loihi", "ncs2", "cpu"] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** Throws a named error for an unknown target, listing the known ones. */
export function checkTargets(names: readonly string[]): TargetName[] {
  for (const t of names)
    if (!(TARGET_NAMES as readonly string[]).includes(t)) throw new SpikewasmError(`unknown target '${t}' (available: ${TARGET_NAMES.join(", ")})`);
  return names as TargetName[];
}

interface Source { name: string; value: number | null; unit?: string; kind: string; source: string; note?: string }

/** One target's entry in the report. */
export interface TargetReport {
  name: string;
  /** which network runs there */
  model: "snn" | "dnn";
  accuracy: number | null;
  feasible: boolean;
  reason?: string;
  cores?: number;
  chips?: number;
  energyPerInferenceJ: number | null;
  powerW: number | null;
  latencyS: number | null;
  inferencesPerS: number | null;
  sources: Source[];
  notes: string[];
  [detail: string]: unknown;
}

/** One row of the trade-off over timesteps. */
export interface TradeoffRow {
  /** coding steps T */
  timesteps: number;
  /** steps the chip runs: T + latency */
  chipSteps: number;
  /** bit-exact quantised accuracy */
  accuracy: number;
  /** the float SNN's accuracy after T steps (the run's coding), for reference */
  floatAccuracy: number | null;
  energyPerInferenceJ: number;
  latencyS: number;
  powerW: number;
}

/** Options of loihiTarget. */
export interface LoihiTargetOptions {
  steps: number;
  rate: number;
  batch: number;
  floatAccuracy: number;
  floatAccuracyByStep: number[];
  /** the largest accuracy drop (fraction) the recommended T may have vs the full T (default 0.005) */
  tolerance?: number;
  onProgress?: (done: number, total: number) => void;
  /** evaluateLoihi or a drop-in replacement (the CLI passes the worker-thread one) */
  evaluate?: (lg: LoihiGraph, samples: Float32Array, labels: Int32Array, count: number, o: EvaluateLoihiOptions & { workers?: number }) => Promise<LoihiEvaluation>;
}

/** Candidate T of the trade-off: powers of two below T, and T. */
export function tradeoffSteps(T: number): number[] {
  const out: number[] = [];
  for (let t = 1; t < T; t *= 2) out.push(t);
  out.push(T);
  return out;
}

/** The converted SNN on Loihi: quantised, mapped, run bit-exactly on the test set, costed. */
export async function loihiTarget(snn: SnnGraph, samples: Float32Array, labels: Int32Array, count: number, o: LoihiTargetOptions): Promise<TargetReport> {
  const sources: Source[] = chipConstants(LOIHI).map((c) => ({ name: c.name, value: c.value, unit: c.unit, kind: c.kind, source: c.source, ...(c.note ? { note: c.note } : {}) }));
  const base = { name: "loihi", model: "snn" as const, sources };
  const infeasible = (e: unknown): TargetReport => {
    if (!(e instanceof SpikewasmError)) throw e;
    return { ...base, accuracy: null, feasible: false, reason: e.message, energyPerInferenceJ: null, powerW: null, latencyS: null, inferencesPerS: null, notes: [] };
  };
  let lg, mapping;
  try {
    lg = quantizeGraph(snn);
    mapping = mapToLoihi(snn, LOIHI);
  } catch (e) {
    return infeasible(e);
  }
  const ev = await (o.evaluate ?? evaluateLoihi)(lg, samples, labels, count, { steps: o.steps, rate: o.rate, batch: o.batch, onProgress: o.onProgress });
  const L = lg.latency;
  const costAt = (t: number) => loihiCost(mapping, loihiActivity(ev, t), LOIHI, t + L);
  const c = costAt(o.steps);
  const sanafe = loihiCost(mapping, loihiActivity(ev, o.steps), LOIHI_SANAFE, o.steps + L);
  const tradeoff: TradeoffRow[] = tradeoffSteps(o.steps).map((t) => {
    const ct = t === o.steps ? c : costAt(t);
    return { timesteps: t, chipSteps: t + L, accuracy: ev.accuracyByStep[t - 1], floatAccuracy: o.floatAccuracyByStep[t - 1] ?? null,
      energyPerInferenceJ: ct.energyPerInferenceJ, latencyS: ct.latencyS, powerW: ct.powerW };
  });
  const tol = o.tolerance ?? 0.005;
  const recommended = tradeoff.find((r) => r.accuracy >= ev.accuracy - tol) ?? tradeoff[tradeoff.length - 1];
  const q = lg.report;
  return {
    ...base, accuracy: ev.accuracy, feasible: true, cores: c.cores, chips: c.chips,
    energyPerInferenceJ: c.energyPerInferenceJ, powerW: c.powerW, latencyS: c.latencyS, inferencesPerS: c.inferencesPerS,
    floatSnnAccuracy: o.floatAccuracy, chipSteps: o.steps + L, timePerStepS: c.timePerStepS, breakdown: c.breakdown,
    layers: c.layers.map((l) => ({ ...l, ...loihiActivity(ev).find((a) => a.id === l.id) })),
    quantization: {
      latency: q.latency, reset: q.reset, notes: q.notes,
      layers: q.layers.map((l) => ({ id: l.id, kind: l.kind, wExp: l.wExp, vthMant: l.vthMant, scale: l.scale, rounded: l.rounded, zeroed: l.zeroed,
        saturated: l.saturated, weightRmsError: l.weightRmsError, biasRounded: l.biasRounded, biasSaturated: l.biasSaturated, overflowRisk: l.overflowRisk, reset: l.reset })),
    },
    mapping: { coresUsed: mapping.coresUsed, chipsUsed: mapping.chipsUsed, layers: mapping.layers, cores: mapping.cores },
    alternatives: [sanafe].map((a) => ({ constants: "SANA-FE arch/loihi.yaml (silicon-calibrated; LOIHI_SANAFE in src/targets/loihi.ts)",
      energyPerInferenceJ: a.energyPerInferenceJ, latencyS: a.latencyS, powerW: a.powerW, inferencesPerS: a.inferencesPerS, breakdown: a.breakdown })),
    tradeoff, recommendedTimesteps: recommended.timesteps, recommendation: `smallest T whose bit-exact accuracy is within ${(100 * tol).toFixed(1)} points of T = ${o.steps}'s`,
    notes: [
      ...c.notes,
      `accuracy and activity from the bit-exact quantised network on ${count} test samples (integer engine, NengoLoihi emulator arithmetic), regular spike input at rate ${o.rate}; ` +
        `it runs ${o.steps} + ${L} steps per inference (one step of delay per connection)`,
      "trade-off rows for T < the run's T count activity through step T + latency of this run (input still presented during the last latency steps)",
      "input spikes come from the host and are counted as synaptic operations into the first layer; their routing into the chip is not modelled",
    ],
  };
}

/** The DNN on the NCS2, from its MACs (dense-layer MACs priced at the measured fully-connected rate). */
export function ncs2Target(macs: number, denseMacs: number, accuracy: number): TargetReport {
  const c = ncs2Cost(macs, { denseMacs });
  return {
    name: "ncs2", model: "dnn", accuracy, feasible: true, energyPerInferenceJ: c.energyPerInferenceJ, powerW: c.powerW, latencyS: c.latencyS,
    inferencesPerS: c.inferencesPerS, dynamicEnergyPerInferenceJ: c.dynamicEnergyPerInferenceJ, overheadS: c.overheadS, computeS: c.computeS,
    sources: c.sources, notes: [...c.notes, "accuracy: the DNN's on this run's test set (the NCS2 runs FP16; its rounding is not modelled)"],
  };
}

/**
 * The DNN measured on this machine's CPU: spikewasm's WASM DNN runner on one thread, batch 64, over up to
 * 1,000 test samples (a warm-up chunk first). Energy only when the user gives the CPU's power.
 */
export function cpuTarget(runner: AnnRunner, samples: Float32Array, count: number, n: number, accuracy: number, watts?: number): TargetReport {
  const m = Math.min(count, 1000);
  runner.run(samples.subarray(0, Math.min(m, 64) * n), Math.min(m, 64), false);
  const t0 = performance.now();
  runner.run(samples.subarray(0, m * n), m, false);
  const latencyS = (performance.now() - t0) / 1000 / m;
  const host = typeof process !== "undefined" ? `${process.platform} ${process.arch}, node ${process.versions?.node}` : "browser";
  return {
    name: "cpu", model: "dnn", accuracy, feasible: true, latencyS, inferencesPerS: 1 / latencyS,
    powerW: watts ?? null, energyPerInferenceJ: watts ? watts * latencyS : null,
    sources: [{ name: "latency", value: latencyS, unit: "s", kind: "measured", source: `this run: WASM DNN runner, 1 thread, batch 64, ${m} samples, ${host}` },
      { name: "power", value: watts ?? null, unit: "W", kind: watts ? "assumed" : "unknown", source: watts ? "--cpu-watts given by the user" : "not measurable here: pass --cpu-watts" }],
    notes: ["DNN (not SNN) on the CPU running spikewasm; batch-amortised latency per inference"],
  };
}

/** Ratios of every feasible target against a baseline (default the NCS2): how many times less power and energy, and the latency ratio. */
export function compareTargets(targets: TargetReport[], baseline = "ncs2") {
  const b = targets.find((t) => t.name === baseline && t.feasible);
  if (!b) return null;
  const ratio = (x: number | null, y: number | null) => (x !== null && y !== null && y > 0 ? x / y : null);
  return {
    baseline,
    rows: targets.filter((t) => t.feasible && t.name !== baseline).map((t) => ({
      target: t.name,
      /** baseline power / target power: "×N less power" */
      powerRatio: ratio(b.powerW, t.powerW),
      /** baseline energy / target energy: "×N less energy per inference" */
      energyRatio: ratio(b.energyPerInferenceJ, t.energyPerInferenceJ),
      /** target latency / baseline latency: > 1 means slower */
      latencyRatio: ratio(t.latencyS, b.latencyS),
      accuracyDelta: t.accuracy !== null && b.accuracy !== null ? t.accuracy - b.accuracy : null,
    })),
  };
}
