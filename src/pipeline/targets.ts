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
 *   spinn3, spinn5  the SNN on a SpiNN-3 / SpiNN-5 board (src/targets/spinnaker.ts: populations over
 *          cores, SNABSuite's calibrated energy model, real time);
 *   truenorth  the SNN on IBM TrueNorth (src/targets/truenorth.ts: crossbar mapping with fan-out copies
 *          and partial sums for fan-in > 256);
 *   loihi2 the SNN on Loihi 2 (src/targets/loihi2.ts: Loihi 1's mapper and cost model, Loihi 2's capacity,
 *          Loihi 1's per-event costs assumed);
 *   bss2   the SNN on one BrainScaleS-2 ASIC (src/targets/brainscales2.ts: capacity check, power × time);
 *   spikey the SNN on one Spikey chip (src/targets/spikey.ts: 384 neurons, fan-in check, SNABSuite's Spikey
 *          coefficients, 10^4 speed-up).
 *   The last six take the float SNN's measured activity (spikes and synaptic operations per inference,
 *   per layer) and report the float SNN's accuracy: their arithmetic is not modelled.
 *   "all" means every known target.
 */
import type { AnnRunner } from "../ann/infer-wasm.js";
import { SpikewasmError } from "../errors.js";
import type { SnnGraph } from "../ir/graph.js";
import { type EvaluateLoihiOptions, type LoihiEvaluation, evaluateLoihi, loihiActivity } from "../loihi/evaluate.js";
import { type LoihiGraph, quantizeGraph } from "../loihi/quantize.js";
import { loihiCost } from "../targets/cost.js";
import { type ChipDescription, LOIHI, LOIHI_CONSTANT_SETS, LOIHI_SANAFE, type LoihiConstantSet, chipConstants } from "../targets/loihi.js";
import { type FlowCost, flowsOfEvaluation, inputLayersOf } from "../targets/loihi-flows.js";
import { LOIHI_SYSTEM, type LoihiFlow, systemConstants } from "../targets/loihi-system.js";
import { mapQuantized, mapToLoihi } from "../targets/mapping.js";
import { ncs2Cost } from "../targets/ncs2.js";
import { BRAINSCALES2, brainScaleS2 } from "../targets/brainscales2.js";
import { LOIHI2 } from "../targets/loihi2.js";
import { SPINN3, SPINN5, mapToSpinnaker, spinnakerCost } from "../targets/spinnaker.js";
import { SPIKEY, spikey } from "../targets/spikey.js";
import { SNABSUITE_PLATFORMS } from "../targets/snabsuite.js";
import { TRUENORTH, mapToTrueNorth, trueNorthCost } from "../targets/truenorth.js";
import { geometries, pipelineDepth } from "../targets/geometry.js";
import type { Sourced } from "../targets/loihi.js";

/** Targets `run` knows. */
export const TARGET_NAMES = ["loihi", "ncs2", "cpu", "spinn3", "spinn5", "truenorth", "loihi2", "bss2", "spikey"] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** Throws a named error for an unknown target, listing the known ones; "all" expands to every known target. */
export function checkTargets(names: readonly string[]): TargetName[] {
  const out: TargetName[] = [];
  for (const t of names) {
    if (t === "all") { out.push(...TARGET_NAMES); continue; }
    if (!(TARGET_NAMES as readonly string[]).includes(t)) throw new SpikewasmError(`unknown target '${t}' (available: ${TARGET_NAMES.join(", ")}, or all)`);
    out.push(t as TargetName);
  }
  return [...new Set(out)];
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
  /** deployment flow the headline figures are for (default "host") */
  flow?: LoihiFlow;
  /** layers that reset by subtraction: "zero" (default, Loihi's native reset) or "subtract" (emulated, two compartments) */
  reset?: "zero" | "subtract";
  /** with reset "subtract": only these layers */
  subtractLayers?: string[];
  /** per-event constant set (default "davies") */
  constants?: LoihiConstantSet;
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
  const sources: Source[] = [...chipConstants(LOIHI_CONSTANT_SETS[o.constants ?? "davies"]), ...systemConstants(LOIHI_SYSTEM)]
    .map((c) => ({ name: c.name, value: c.value, unit: c.unit, kind: c.kind, source: c.source, ...(c.note ? { note: c.note } : {}) }));
  const base = { name: "loihi", model: "snn" as const, sources };
  const infeasible = (e: unknown): TargetReport => {
    if (!(e instanceof SpikewasmError)) throw e;
    return { ...base, accuracy: null, feasible: false, reason: e.message, energyPerInferenceJ: null, powerW: null, latencyS: null, inferencesPerS: null, notes: [] };
  };
  let lg, mapping;
  try {
    // flow bias deploys the NxTF way: the image as a bias current of the first layer, run bit-exactly so
    lg = quantizeGraph(snn, { inputMode: (o.flow ?? "host") === "bias" ? "bias" : "spikes", reset: o.reset ?? "zero", subtractLayers: o.subtractLayers });
    mapping = mapQuantized(snn, lg, LOIHI);
  } catch (e) {
    return infeasible(e);
  }
  const ev = await (o.evaluate ?? evaluateLoihi)(lg, samples, labels, count, { steps: o.steps, rate: o.rate, batch: o.batch, onProgress: o.onProgress });
  const L = lg.latency, flow = o.flow ?? "host", chip = LOIHI_CONSTANT_SETS[o.constants ?? "davies"];
  const inputLayers = inputLayersOf(snn);
  /** flows of the bit-exact activity for T = t coding steps (t + L chip steps) */
  const flowsAt = (t: number, c: ChipDescription = chip) => flowsOfEvaluation(mapping, ev, t, inputLayers, c, flow);
  const activityById = new Map(loihiActivity(ev, o.steps).map((a) => [a.id, a]));
  const main = flowsAt(o.steps), f = main.flows[flow];
  const other = flowsAt(o.steps, o.constants === "sanafe" ? LOIHI : LOIHI_SANAFE).flows[flow];
  const tradeoff: TradeoffRow[] = tradeoffSteps(o.steps).map((t) => {
    const ft = t === o.steps ? f : flowsAt(t).flows[flow];
    return { timesteps: t, chipSteps: t + L, accuracy: ev.accuracyByStep[t - 1], floatAccuracy: o.floatAccuracyByStep[t - 1] ?? null,
      energyPerInferenceJ: ft.energyPerInferenceJ, latencyS: ft.latencyS, powerW: ft.powerW };
  });
  const tol = o.tolerance ?? 0.005;
  const recommended = tradeoff.find((r) => r.accuracy >= ev.accuracy - tol) ?? tradeoff[tradeoff.length - 1];
  const q = lg.report;
  const onChip = main.onChip[flow];
  const flowSummary = (x: FlowCost) => ({ energyPerInferenceJ: x.energyPerInferenceJ, powerW: x.powerW, latencyS: x.latencyS, inferencesPerS: x.inferencesPerS,
    timePerStepS: x.timePerStepS, onChipStepS: x.onChipStepS, spikingStepS: x.spikingStepS, perInferenceS: x.perInferenceS, breakdown: x.breakdown, board: x.board });
  return {
    ...base,
    accuracy: ev.accuracy, feasible: true, cores: onChip.cores, chips: onChip.chips,
    energyPerInferenceJ: f.energyPerInferenceJ, powerW: f.powerW, latencyS: f.latencyS, inferencesPerS: f.inferencesPerS,
    flow, constants: o.constants ?? "davies",
    flows: { host: flowSummary(main.flows.host), bias: flowSummary(main.flows.bias), chip: flowSummary(main.flows.chip) },
    staticPower: main.static,
    floatSnnAccuracy: o.floatAccuracy, chipSteps: o.steps + L, timePerStepS: f.timePerStepS, breakdown: f.breakdown,
    onChip: { timePerStepS: onChip.timePerStepS, barrierS: onChip.barrierS, tiles: onChip.tiles, breakdown: onChip.breakdown, inputSpikes: onChip.inputSpikes },
    layers: onChip.layers.map((l) => ({ ...l, ...activityById.get(l.id) })),
    quantization: {
      latency: q.latency, reset: q.reset, notes: q.notes,
      layers: q.layers.map((l) => ({ id: l.id, kind: l.kind, wExp: l.wExp, vthMant: l.vthMant, scale: l.scale, rounded: l.rounded, zeroed: l.zeroed,
        saturated: l.saturated, weightRmsError: l.weightRmsError, biasRounded: l.biasRounded, biasSaturated: l.biasSaturated, overflowRisk: l.overflowRisk, reset: l.reset })),
    },
    mapping: { coresUsed: mapping.coresUsed, chipsUsed: mapping.chipsUsed, input: mapping.input, layers: mapping.layers, cores: mapping.cores },
    alternatives: [{ constants: o.constants === "sanafe" ? "Davies et al. 2018 Table 2 (LOIHI in src/targets/loihi.ts)" : "SANA-FE v2.2 (silicon-calibrated; LOIHI_SANAFE in src/targets/loihi.ts)",
      flow, energyPerInferenceJ: other.energyPerInferenceJ, latencyS: other.latencyS, powerW: other.powerW, inferencesPerS: other.inferencesPerS, breakdown: other.breakdown }],
    tradeoff, recommendedTimesteps: recommended.timesteps, recommendation: `smallest T whose bit-exact accuracy is within ${(100 * tol).toFixed(1)} points of T = ${o.steps}'s`,
    notes: [
      `deployment flow '${flow}' (--loihi-flow host|bias|chip); 'flows' has all three, 'chip' is the on-chip lower bound`,
      flow === "bias" ? "flow bias: the quantised network takes the image as a bias current of its first layer (quantizeGraph inputMode \"bias\"), so accuracy and activity are that network's; the host and chip rows price the same run" :
        "accuracy and activity from spike-train input (the host streams spikes); --loihi-flow bias runs the image as a first-layer bias current instead",
      ...main.notes,
      ...onChip.notes,
      `accuracy and activity from the bit-exact quantised network on ${count} test samples (integer engine, NengoLoihi emulator arithmetic), regular spike input at rate ${o.rate}; ` +
        `it runs ${o.steps} + ${L} steps per inference (one step of delay per connection)`,
      "trade-off rows for T < the run's T count activity through step T + latency of this run (input still presented during the last latency steps)",
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

/** The float SNN's evaluation as the SNN-activity targets read it. */
export interface SnnActivityInput {
  accuracy: number;
  layers: { id: string; spikesPerInference: number; synopsPerInference: number }[];
}

const toSources = (group: string, obj: Record<string, unknown>): Source[] =>
  Object.entries(obj).filter(([, v]) => v && typeof v === "object" && "value" in (v as object)).map(([k, v]) => {
    const c = v as Sourced;
    return { name: `${group}.${k}`, value: c.value, unit: c.unit, kind: c.kind, source: c.source, ...(c.note ? { note: c.note } : {}) };
  });
const activityOf = (ev: SnnActivityInput) => ev.layers.map((l) => ({ id: l.id, spikes: l.spikesPerInference, synops: l.synopsPerInference }));
const FLOAT_NOTE = "accuracy and activity (spikes and synaptic operations per inference, per layer) are the float SNN's on this run's test set: the chip's arithmetic is not modelled";

function notFitting(name: string, sources: Source[], reason: string, accuracy: number, notes: string[], extra: Record<string, unknown> = {}): TargetReport {
  return { name, model: "snn", accuracy, feasible: false, reason, energyPerInferenceJ: null, powerW: null, latencyS: null, inferencesPerS: null, sources, notes, ...extra };
}

/** The float SNN on a SpiNN-3 ("spinn3") or SpiNN-5 ("spinn5") board: populations over cores, SNABSuite energy, real time. */
export function spinnakerTarget(snn: SnnGraph, ev: SnnActivityInput, T: number, name: "spinn3" | "spinn5"): TargetReport {
  const board = name === "spinn3" ? SPINN3 : SPINN5;
  const p = SNABSUITE_PLATFORMS[board.platform];
  const sources = [...toSources("board", board as unknown as Record<string, unknown>), ...toSources("energy", { idlePower: p.idlePower, neuronCost: p.neuronCost, spike: p.spike }),
    ...toSources("energy.transmission", p.transmission as unknown as Record<string, unknown>), ...toSources("energy.inputSpike", p.inputSpike as unknown as Record<string, unknown>)];
  const notes = [FLOAT_NOTE,
    "mapping: each population (and the input spike source) split over cores of 255 neurons, one population per core; SDRAM/DTCM, routing-table and delay-extension limits not modelled",
    "energy: SNABSuite's calibrated model (Ostrau et al.; src/targets/snabsuite.ts): dense projections priced as all-to-all, conv/pool as 'random', add/concat as one-to-one; " +
      "the input layer's synaptic operations are priced as input-spike events (with constant-current coding they are the input MACs per step, more than a spike-coded input would send)",
    "time: real time, 1 ms per step, T + pipeline depth steps per inference (one step of delay per connection)"];
  let m;
  try { m = mapToSpinnaker(snn, board); } catch (e) { if (e instanceof SpikewasmError) return notFitting(name, sources, e.message, ev.accuracy, notes); throw e; }
  if (!m.feasible) return notFitting(name, sources, m.reason!, ev.accuracy, notes, { mapping: m });
  const steps = T + pipelineDepth(geometries(snn));
  const c = spinnakerCost(m, activityOf(ev), board, steps);
  return {
    name, model: "snn", accuracy: ev.accuracy, feasible: true, cores: m.cores, chips: m.chipsUsed,
    energyPerInferenceJ: c.energyJ, powerW: c.powerW, latencyS: c.latencyS, inferencesPerS: c.inferencesPerS,
    energyErrorJ: c.errorJ, breakdown: c.breakdown, chipSteps: steps, wallTimeNote: c.wallTimeNote, mapping: m, sources, notes,
  };
}

/** The float SNN on IBM TrueNorth: crossbar mapping (fan-out copies, partial sums), events × marginal energy + baseline power. */
export function truenorthTarget(snn: SnnGraph, ev: SnnActivityInput, T: number): TargetReport {
  const sources = toSources("truenorth", TRUENORTH as unknown as Record<string, unknown>);
  const notes = [FLOAT_NOTE,
    "weights: TrueNorth gives each neuron 4 signed 9-bit weight values (one per axon type) on a binary crossbar; the network's weights are not quantised to that here, so the accuracy is an upper bound",
    "mapping: fan-out copies in the source core (one target per neuron); dense fan-in > 256 split into 256-input chunks with +/− partial-sum neurons and a summing layer (one more tick); the partial-sum rate coding is not simulated",
    "energy: synaptic events (float SNN's synaptic operations × copies, + partial-sum stages; partial spikes assumed = chunks × the layer's spikes) × the marginal energy per event fitted to Akopyan et al. 2015 Fig. 17, " +
      "+ the fit's zero-activity baseline power per chip over the latency; 'alternatives' gives events × Merolla et al.'s 26 pJ total-energy average",
    "time: 1 ms ticks, T + pipeline depth ticks per inference; pipelining successive inputs is not modelled"];
  let m;
  try { m = mapToTrueNorth(snn); } catch (e) { if (e instanceof SpikewasmError) return notFitting("truenorth", sources, e.message, ev.accuracy, notes); throw e; }
  if (!m.feasible) return notFitting("truenorth", sources, m.reason!, ev.accuracy, notes, { mapping: m });
  const c = trueNorthCost(m, activityOf(ev), T);
  return {
    name: "truenorth", model: "snn", accuracy: ev.accuracy, feasible: true, cores: m.cores, chips: m.chips,
    energyPerInferenceJ: c.energyPerInferenceJ, powerW: c.powerW, latencyS: c.latencyS, inferencesPerS: c.inferencesPerS,
    chipSteps: c.steps, events: c.events, breakdown: c.breakdown, eventsByLayer: c.eventsByLayer, mapping: m,
    alternatives: [{ constants: "events × 26 pJ (Merolla et al. 2014 total-energy average, static included)", energyPerInferenceJ: c.headlineEnergyJ, powerW: c.headlineEnergyJ / c.latencyS, latencyS: c.latencyS }],
    sources, notes,
  };
}

/** The float SNN on Loihi 2: Loihi's mapper and cost model with Loihi 2's capacity and (assumed) Loihi 1 per-event costs. */
export function loihi2Target(snn: SnnGraph, ev: SnnActivityInput, T: number): TargetReport {
  const sources: Source[] = chipConstants(LOIHI2).map((c) => ({ name: c.name, value: c.value, unit: c.unit, kind: c.kind, source: c.source, ...(c.note ? { note: c.note } : {}) }));
  const notes = [FLOAT_NOTE,
    "public Loihi 2 figures are thin: capacity (128 cores, 1 M neurons, 120 M synapses) is Intel's; every per-event energy and time, the axon and memory limits and the static power are Loihi 1's, ASSUMED (see sources)",
    "steps: T + pipeline depth (one step of delay per connection)"];
  let mapping;
  try { mapping = mapToLoihi(snn, LOIHI2); } catch (e) { if (e instanceof SpikewasmError) return notFitting("loihi2", sources, e.message, ev.accuracy, notes); throw e; }
  const steps = T + pipelineDepth(geometries(snn));
  const c = loihiCost(mapping, activityOf(ev), LOIHI2, steps);
  return {
    name: "loihi2", model: "snn", accuracy: ev.accuracy, feasible: true, cores: c.cores, chips: c.chips,
    energyPerInferenceJ: c.energyPerInferenceJ, powerW: c.powerW, latencyS: c.latencyS, inferencesPerS: c.inferencesPerS,
    chipSteps: steps, timePerStepS: c.timePerStepS, breakdown: c.breakdown, layers: c.layers,
    mapping: { coresUsed: mapping.coresUsed, chipsUsed: mapping.chipsUsed, layers: mapping.layers }, sources, notes: [...notes, ...c.notes],
  };
}

/** The float SNN on one BrainScaleS-2 ASIC: capacity check, ASIC power × accelerated run time. */
export function brainscales2Target(snn: SnnGraph, ev: SnnActivityInput, T: number): TargetReport {
  const sources = toSources("brainscales2", BRAINSCALES2 as unknown as Record<string, unknown>);
  const notes = [FLOAT_NOTE,
    "public BrainScaleS-2 figures for spiking inference are thin: the ASIC power is derived from an analog-MAC-mode measurement (Stradmann et al. 2022) and assumed for spiking; 1 ms of biological time per step assumed (1 µs wall at 1000×)",
    "analog effects (fixed-pattern noise, 6-bit weights, calibration) are not modelled"];
  const r = brainScaleS2(snn, T);
  if (!r.feasible) return notFitting("bss2", sources, r.reason!, ev.accuracy, notes, { neurons: r.neurons, maxFanIn: r.maxFanIn });
  return {
    name: "bss2", model: "snn", accuracy: ev.accuracy, feasible: true, cores: 1, chips: 1,
    energyPerInferenceJ: r.energyPerInferenceJ, powerW: r.powerW, latencyS: r.latencyS, inferencesPerS: r.inferencesPerS,
    chipSteps: r.steps, neurons: r.neurons, maxFanIn: r.maxFanIn, sources, notes,
  };
}

/** The float SNN on one Spikey chip: capacity check (neurons, fan-in), SNABSuite's Spikey energy, wall time = model time / 10^4. */
export function spikeyTarget(snn: SnnGraph, ev: SnnActivityInput, T: number): TargetReport {
  const p = SNABSUITE_PLATFORMS.spikey;
  const sources = [...toSources("spikey", SPIKEY as unknown as Record<string, unknown>), ...toSources("energy", { idlePower: p.idlePower, neuronCost: p.neuronCost, spike: p.spike }),
    ...toSources("energy.transmission", p.transmission as unknown as Record<string, unknown>), ...toSources("energy.inputSpike", p.inputSpike as unknown as Record<string, unknown>)];
  const notes = [FLOAT_NOTE,
    "capacity: 384 neurons (2 blocks × 192), 256 synapse drivers per block, 4-bit weights; a signed input is assumed to take an excitatory and an inhibitory driver (≤ 128 signed inputs per neuron); " +
      "the per-block driver budget, block placement, 4-bit weights and analog fixed-pattern noise are not modelled",
    "SNABSuite ran MNIST on Spikey with downscaled images and a network file of its own (config/MnistSpikey.json @ 0bfcb31a: \"scaled_image\": true, dnn_file networks/netw_spikey.msgpack; " +
      "Spikey's neuron IfFacetsHardware1, 300 ms presentation at 50 Hz max): a 784-input network does not fit",
    "time: 1 ms of model time per step (assumed), T + pipeline depth steps, wall time = model time / 10^4 (derived from SNABSuite's Spikey calibration); host configuration and spike transfer not included",
    "energy: SNABSuite's calibrated model with Spikey's coefficients (src/targets/snabsuite.ts); per-neuron power × wall time as calibrated — calculate_energy @ 9a5f846 multiplies it by the model time " +
      "(10^4 × larger; 'snabsuiteLiteralEnergyJ'); Spikey's all-to-all transmission coefficient is 0 in the calibration; SNABSuite's 'fixed_neuron_costs': 384 is read by no code found and not used"];
  let r;
  try { r = spikey(snn, activityOf(ev), T); } catch (e) { if (e instanceof SpikewasmError) return notFitting("spikey", sources, e.message, ev.accuracy, notes); throw e; }
  const m = r.mapping;
  if (!r.cost) return notFitting("spikey", sources, m.reason!, ev.accuracy, notes, { mapping: m });
  const c = r.cost;
  return {
    name: "spikey", model: "snn", accuracy: ev.accuracy, feasible: true, cores: m.blocksUsed, chips: 1,
    energyPerInferenceJ: c.energyJ, powerW: c.powerW, latencyS: c.latencyS, inferencesPerS: c.inferencesPerS,
    energyErrorJ: c.errorJ, breakdown: c.breakdown, chipSteps: c.steps, modelTimeMs: c.modelTimeMs, wallTimeMs: c.wallTimeMs, wallTimeNote: c.wallTimeNote,
    snabsuiteLiteralEnergyJ: c.snabsuiteLiteralEnergyJ, mapping: m, sources, notes,
  };
}

/** Targets estimated from the float SNN's activity (no run of their own). */
export const SNN_ACTIVITY_TARGETS = ["spinn3", "spinn5", "truenorth", "loihi2", "bss2", "spikey"] as const;

/** Dispatches one of SNN_ACTIVITY_TARGETS. */
export function snnActivityTarget(name: (typeof SNN_ACTIVITY_TARGETS)[number], snn: SnnGraph, ev: SnnActivityInput, T: number): TargetReport {
  switch (name) {
    case "spinn3":
    case "spinn5":
      return spinnakerTarget(snn, ev, T, name);
    case "truenorth":
      return truenorthTarget(snn, ev, T);
    case "loihi2":
      return loihi2Target(snn, ev, T);
    case "bss2":
      return brainscales2Target(snn, ev, T);
    case "spikey":
      return spikeyTarget(snn, ev, T);
  }
}
