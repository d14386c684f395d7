/**
 * SNABSuite's event-count energy model (Ostrau et al., ICANN 2020 / Frontiers 2022; code
 * hbp-unibi/SNABSuite) as data + one function. The model, source/energy/energy_utils.cpp
 * (`calculate_energy`) @ 9a5f846ef65ecf5108bbc77ebaa135f3a93c8732, with every population recorded:
 *
 *   E = T_wall · P_idle                                         idle power of the platform
 *     + N · c_neuron · T_n                                      per-neuron cost ("idle_recorded_neurons")
 *     + S · E_spike                                             spikes of the (non-input) neurons
 *     + Σ_c events_c · E_transmission,c                         synaptic events of those spikes, by connector
 *     + Σ_c inputEvents_c · E_input,c                           synaptic events of input (source) spikes
 *
 * A synaptic event is one spike delivered over one synapse, counted as SNABSuite's
 * calc_postsyn_spikes does: OneToOne = the source's spikes; AllToAll = spikes × target population
 * size (a dense layer); anything else (FixedFanOut, FromList: e.g. a convolution) = spikes × its
 * targets, priced as "random". Coefficients come from the published per-platform calibration files
 * config_energy/*.json (keys "power" / "energy"; each value [mean, error], the error being SNABSuite's
 * propagated spread of 20 (laptop: 10) repeated measurements, kept in `error` and `note`).
 * Units are SNABSuite's: power in J/ms (= W/1000), times in ms, energies in J.
 *   T_wall — wall-clock run time (`sim_pure`); T_n — for SpiNNaker and Spikey (not runtime-normalised)
 *   c_neuron is a power (J/ms per neuron) and is multiplied by T_wall here (it was calibrated against
 *   wall time; note: calculate_energy @ 9a5f846 multiplies it by the model time for recorded
 *   populations and by the wall time for unrecorded ones — identical on real-time SpiNNaker); for GeNN
 *   ("runtime_normalized": true) c_neuron is J per neuron per model ms and T_n is the model time.
 * Not modelled: STDP synapses (idle_stdp, Transmission_STDP: inference has no learning), unrecorded
 * populations (not_recorded_spike, idle_neurons: kept as data), pre_boot power (not used by
 * calculate_energy), Spikey's "fixed_neuron_costs": 384 (in its file but read by no code found).
 * GeNN CPU/GPU are not targets: calculate_energy takes the wall time of each run (netw.runtime().sim_pure) and SNABSuite publishes
 *   no GeNN real-time factor, only the calibration networks' own run times (util.*.runtime vs bioruntime, e.g. genn_energy.json 1985 ms
 *   wall for 30,000 ms in full_spiking_non_rec but 13,042 ms for 50,000 ms in input_A2A), which vary by network and do not transfer.
 */
import { SpikewasmError } from "../errors.js";
import type { Sourced } from "./loihi.js";

/** A published coefficient with SNABSuite's error estimate (same unit). */
export interface SnabCoefficient extends Sourced {
  error: number;
}

/** Per-connector-type coefficients or counts: OneToOne, AllToAll, and everything else ("random"). */
export interface ByConnector<T> {
  oneToOne: T;
  allToAll: T;
  random: T;
}

/** SNABSuite platform names. */
export type SnabPlatformName = "spinn3" | "spinn5" | "spikey" | "genn-cpu" | "genn-gpu";

/** One platform's calibrated energy model. */
export interface SnabPlatform {
  name: SnabPlatformName;
  /** the "name" field of the calibration file */
  hardware: string;
  /** GeNN: neuron cost per model ms (energy.idle_recorded_neurons_ms) instead of per wall ms */
  runtimeNormalized: boolean;
  /** how the wall time follows from the model time when the caller does not give it */
  wallTime: "real-time" | "measured";
  idlePower: SnabCoefficient;
  neuronCost: SnabCoefficient;
  spike: SnabCoefficient;
  transmission: ByConnector<SnabCoefficient>;
  inputSpike: ByConnector<SnabCoefficient>;
  /** kept as data, unused (unrecorded populations) */
  notRecordedSpike: SnabCoefficient;
}

const REPO = "hbp-unibi/SNABSuite";
const C_MAIN = "ca36ee06e0875b6777a6a975028097816444ae14";
const C_SPIKEY = "c20187f8478e3291aab63ddef329e8cfb13d6028";

function coef(file: string, commit: string, key: string, unit: string, [value, error]: [number, number], note?: string): SnabCoefficient {
  return {
    value, error, unit, kind: "measured", source: `${REPO}, ${file} @ ${commit}: ${key}`,
    note: `SNABSuite error estimate ± ${error} ${unit}${note ? `; ${note}` : ""}`,
  };
}

/** Builds a platform from the values of its calibration file (copied verbatim from the JSON). */
function platform(
  name: SnabPlatformName, hardware: string, file: string, commit: string, normalized: boolean,
  v: {
    idle: [number, number]; neuron: [number, number]; spike: [number, number]; notRec: [number, number];
    tO2O: [number, number]; tS2A: [number, number]; tRandom: [number, number];
    iO2O: [number, number]; iA2A: [number, number]; iRandom: [number, number];
  },
  notes: Partial<Record<"neuron" | "notRec" | "spike", string>> = {},
): SnabPlatform {
  const f = `config_energy/${file}`;
  return {
    name, hardware, runtimeNormalized: normalized, wallTime: name.startsWith("spinn") ? "real-time" : "measured",
    idlePower: coef(f, commit, "power.idle", "J/ms", v.idle, "measured idle power / 1000"),
    neuronCost: normalized
      ? coef(f, commit, "energy.idle_recorded_neurons_ms", "J/(neuron·model ms)", v.neuron, notes.neuron)
      : coef(f, commit, "power.idle_recorded_neurons", "J/(neuron·ms)", v.neuron, notes.neuron),
    spike: coef(f, commit, "energy.spike", "J", v.spike, notes.spike),
    transmission: {
      oneToOne: coef(f, commit, "energy.Transmission_O2O", "J/event", v.tO2O),
      allToAll: coef(f, commit, "energy.Transmission_S2A", "J/event", v.tS2A),
      random: coef(f, commit, "energy.Transmission_random", "J/event", v.tRandom),
    },
    inputSpike: {
      oneToOne: coef(f, commit, "energy.InputSpike_O2O", "J/event", v.iO2O),
      allToAll: coef(f, commit, "energy.InputSpike_A2A", "J/event", v.iA2A),
      random: coef(f, commit, "energy.InputSpike_random", "J/event", v.iRandom),
    },
    notRecordedSpike: coef(f, commit, "energy.not_recorded_spike", "J", v.notRec, notes.notRec),
  };
}

/** The published SNABSuite calibrations. */
export const SNABSUITE_PLATFORMS: Readonly<Record<SnabPlatformName, SnabPlatform>> = {
  spinn3: platform("spinn3", "SpiNN3", "spinnaker_energy.json", C_MAIN, false, {
    idle: [0.002671075362318841, 6.837171577270945e-06], neuron: [8.991397082182312e-08, 1.2837512735700618e-09],
    spike: [1.0360533102129644e-08, 2.1721794294580552e-09], notRec: [9.960928815970829e-09, 2.2285049998665913e-09],
    tO2O: [9.387337326364741e-08, 6.923052922306669e-09], tS2A: [7.542932025145167e-09, 2.3142011114837783e-09],
    tRandom: [9.594788263997266e-09, 2.7457101481972776e-10],
    iO2O: [3.3160659747680263e-06, 2.0894118536986792e-07], iA2A: [7.3663988097900955e-09, 4.3092959427649147e-10],
    iRandom: [1.0338306015691734e-07, 4.576852933654583e-09],
  }),
  spinn5: platform("spinn5", "SpiNN5", "spinnaker_energy_spinn5.json", C_MAIN, false, {
    idle: [0.023048989855072463, 4.569092179543082e-05], neuron: [9.220240417691496e-08, 6.157395151468511e-09],
    spike: [1.0041068896694714e-08, 8.75176609850738e-09], notRec: [8.726796274065748e-09, 1.1315988766328189e-08],
    tO2O: [9.053566648899018e-08, 3.138301993704225e-08], tS2A: [7.32249998423626e-09, 1.1587796438365003e-08],
    tRandom: [7.55068699399245e-09, 1.2888319052552955e-09],
    iO2O: [3.5441109357248294e-06, 1.0716841403741695e-06], iA2A: [6.747307919456861e-09, 1.9709914657176258e-09],
    iRandom: [7.360011235337747e-08, 2.1409726815840486e-08],
  }),
  spikey: platform("spikey", "Spikey", "spikey_energy.json", C_SPIKEY, false, {
    idle: [0.005249025832963578, 9.265482897776227e-06], neuron: [3.832277802181283e-07, 3.0723983281626863e-08],
    spike: [4.3895899469723625e-10, 1.246285919947961e-10], notRec: [1.048932734066816e-10, 9.461118069324523e-11],
    tO2O: [4.330522805180276e-09, 5.135427818998394e-10], tS2A: [0, 0],
    tRandom: [1.0845460249926859e-11, 1.0438392101011365e-11],
    iO2O: [8.779295740783291e-10, 2.157537625527551e-10], iA2A: [6.656102858426691e-14, 2.143939603844352e-12],
    iRandom: [2.6942638299369133e-11, 1.0301546602544841e-11],
  }),
  "genn-cpu": platform("genn-cpu", "AMD RYZEN 2600X", "genn_energy.json", C_MAIN, true, {
    idle: [0.05034, 0.008092517661720805], neuron: [4.7739540794959024e-08, 1.2943894814309536e-08],
    spike: [3.03714875035734e-08, 1.1657019904861208e-07], notRec: [7.1088615343212215e-09, 1.8062389598967868e-07],
    tO2O: [1.102541393307087e-07, 2.4646194874164455e-07], tS2A: [1.3816272321831801e-08, 2.8634142166338804e-08],
    tRandom: [5.817274260070659e-08, 2.132532414327123e-08],
    iO2O: [5.905289036731174e-07, 5.544482061191974e-07], iA2A: [1.1927111583325138e-09, 5.818614649178871e-10],
    iRandom: [1.6878571497638434e-07, 3.168279232187095e-07],
  }, { spike: "error larger than the value", notRec: "error larger than the value" }),
  "genn-gpu": platform("genn-gpu", "NVIDIA RTX 2070", "genn_gpu_energy.json", C_MAIN, true, {
    idle: [0.020064260196001694, 0.0005112451527841094], neuron: [3.892328989787443e-09, 2.970607805134822e-10],
    spike: [4.707158948932072e-09, 1.4451532589342743e-08], notRec: [2.974971492522473e-09, 1.275146630610644e-08],
    tO2O: [4.7016630985525806e-06, 2.6572295117600856e-07], tS2A: [2.499003512772837e-08, 8.350277795601655e-09],
    tRandom: [3.4011429743030906e-09, 1.6754663152880696e-10],
    iO2O: [5.146601838299097e-06, 4.910576524973573e-07], iA2A: [8.471252012363565e-11, 1.5880425133202394e-11],
    iRandom: [2.2567852915353165e-08, 1.5556087755131014e-09],
  }, { spike: "error larger than the value", notRec: "error larger than the value" }),
};

/** Synaptic events: per connector type, or one number = all AllToAll (dense layers). */
export type EventCounts = number | Partial<ByConnector<number>>;

/** Activity of one inference (one sample), as the simulator reports it. */
export interface SnabActivity {
  /** non-input neurons (every one recorded) */
  neurons: number;
  steps: number;
  dtMs: number;
  /** spikes of the non-input neurons */
  spikes: number;
  /** synaptic events caused by those spikes */
  synapticEvents: EventCounts;
  /** input (spike source) spikes: informational, the energy uses inputEvents */
  inputSpikes?: number;
  /** synaptic events caused by input spikes (a OneToOne input: = inputSpikes) */
  inputEvents: EventCounts;
}

/** Wall time: given, or (SpiNNaker) model time × slowdown (sPyNNaker's time_scale_factor; 1 = real time). */
export interface SnabOptions {
  wallTimeMs?: number;
  slowdown?: number;
}

/** Energy per inference (J) with its parts, SNABSuite's error bound, and the times used. */
export interface SnabEnergy {
  platform: SnabPlatformName;
  energyJ: number;
  errorJ: number;
  breakdown: { idleJ: number; neuronsJ: number; spikesJ: number; transmissionJ: number; inputJ: number };
  modelTimeMs: number;
  wallTimeMs: number;
  /** what was assumed to get wallTimeMs */
  wallTimeNote: string;
}

function byConnector(e: EventCounts): ByConnector<number> {
  const c = typeof e === "number" ? { allToAll: e } : e;
  const out = { oneToOne: c.oneToOne ?? 0, allToAll: c.allToAll ?? 0, random: c.random ?? 0 };
  for (const [k, x] of Object.entries(out)) {
    if (!(x >= 0) || !Number.isFinite(x)) throw new SpikewasmError(`snabsuiteEnergy: ${k} events must be a finite count >= 0 (got ${x})`, 2);
  }
  return out;
}

/** Σ_c events_c · coefficient_c, and the same with the errors. */
function priced(events: ByConnector<number>, c: ByConnector<SnabCoefficient>): [number, number] {
  const keys = ["oneToOne", "allToAll", "random"] as const;
  return [keys.reduce((s, k) => s + events[k] * c[k].value, 0), keys.reduce((s, k) => s + events[k] * c[k].error, 0)];
}

function wallTime(p: SnabPlatform, modelMs: number, o: SnabOptions): [number, string] {
  if (o.wallTimeMs !== undefined) {
    if (!(o.wallTimeMs >= 0)) throw new SpikewasmError(`snabsuiteEnergy: wallTimeMs must be >= 0 (got ${o.wallTimeMs})`, 2);
    return [o.wallTimeMs, "given"];
  }
  if (p.wallTime === "real-time") {
    const k = o.slowdown ?? 1;
    if (!(k >= 1)) throw new SpikewasmError(`snabsuiteEnergy: slowdown must be >= 1 (got ${k})`, 2);
    return [modelMs * k, `assumed: SpiNNaker runs in real time${k !== 1 ? ` slowed down ${k}x` : ""} (wall = steps × dt × slowdown; ` +
      "SNABSuite's calibration runs measured 10002 ms for 10000 ms of model time)"];
  }
  throw new SpikewasmError(`snabsuiteEnergy: ${p.name} needs wallTimeMs (the measured run time: ${p.name === "spikey" ?
    "Spikey is accelerated, its speed-up is not in the SNABSuite data" : "GeNN's run time depends on the machine and the network"})`, 2);
}

/** Energy per inference on a SNABSuite-calibrated platform (model in the header). */
export function snabsuiteEnergy(platform: SnabPlatformName | SnabPlatform, a: SnabActivity, o: SnabOptions = {}): SnabEnergy {
  const p = typeof platform === "string" ? SNABSUITE_PLATFORMS[platform] : platform;
  if (!p) throw new SpikewasmError(`snabsuiteEnergy: unknown platform '${String(platform)}' (${Object.keys(SNABSUITE_PLATFORMS).join(", ")})`, 2);
  for (const k of ["neurons", "steps", "dtMs", "spikes"] as const) {
    if (!(a[k] >= 0) || !Number.isFinite(a[k])) throw new SpikewasmError(`snabsuiteEnergy: ${k} must be a finite number >= 0 (got ${a[k]})`, 2);
  }
  const modelTimeMs = a.steps * a.dtMs;
  const [wallTimeMs, wallTimeNote] = wallTime(p, modelTimeMs, o);
  const neuronMs = p.runtimeNormalized ? modelTimeMs : wallTimeMs;
  const [transmissionJ, transmissionErr] = priced(byConnector(a.synapticEvents), p.transmission);
  const [inputJ, inputErr] = priced(byConnector(a.inputEvents), p.inputSpike);
  const breakdown = {
    idleJ: wallTimeMs * p.idlePower.value,
    neuronsJ: a.neurons * p.neuronCost.value * neuronMs,
    spikesJ: a.spikes * p.spike.value,
    transmissionJ,
    inputJ,
  };
  const errorJ = wallTimeMs * p.idlePower.error + a.neurons * p.neuronCost.error * neuronMs + a.spikes * p.spike.error + transmissionErr + inputErr;
  const energyJ = breakdown.idleJ + breakdown.neuronsJ + breakdown.spikesJ + breakdown.transmissionJ + breakdown.inputJ;
  return { platform: p.name, energyJ, errorJ, breakdown, modelTimeMs, wallTimeMs, wallTimeNote };
}
