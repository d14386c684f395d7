/**
 * The Loihi cost model: turns a placement (mapToLoihi) and measured activity (spikes and synaptic
 * operations per inference, per layer) into energy, latency, power and throughput per inference.
 *
 *   E = Σ_layers [ synops·E_synop
 *                  + spikes·E_update,active + (neurons·T − spikes)·E_update,inactive
 *                  + spikes·d̄·(E_spike + h̄x·E_hop,EW + h̄y·E_hop,NS) ]
 *       + P_static·chips·latency
 *   t_step = max over cores (synops_core·t_synop + active_core·t_update,active + inactive_core·t_update,inactive)
 *            + t_barrier(tiles in use)
 *   latency = T·t_step;  power = E / latency;  inferences/s = 1 / latency
 *
 * A neuron update is "active" in a step where the neuron spikes and "inactive" otherwise (the split
 * by spikes). d̄ is the layer's mean number of destination cores per spike (each spike is sent once
 * per destination core), h̄x, h̄y its mean east-west and north-south tile distances over those
 * messages (Manhattan distance between the tiles of source and destination cores on the chip's mesh,
 * weighted by how many source neurons each destination core receives) — an ESTIMATE: real routing
 * is dimension-ordered over the same distance, but crossings between chips, link contention and the
 * host's input spikes are priced as messages from the mapping's input core (one per destination core,
 * like any spike; mapping.ts InputPlacement). A core's share of its layer's activity is proportional to its
 * synapses (synops) and compartments (spikes), i.e. activity is assumed uniform within a layer.
 *
 * With a chip description that carries SANA-FE v2.2's rules (chip.sanafe, LOIHI_SANAFE), the neuron and
 * message terms follow them instead:
 *   E_soma = neurons·T·E_access + updates·E_update + spikes·E_spike_out
 *   E_msg  = messages·(E_out + E_in) + hop energy;  E_syn = synops·E_syn(unit: dense | sparse | conv)
 *   t_core = max(Σ soma latencies + messages_out·t_out, messages_in·t_in + synops·t_syn(unit))
 * where `updates` are the neuron-steps whose potential was non-zero, that received input or have a bias
 * (activity.updates when the caller measured it, else neurons·T: an upper bound, stated in the notes).
 * Synaptic events are counted in the step the spike is sent, as SANA-FE does.
 *
 * A layer with more compartments than neurons (two per neuron: reset by subtraction emulated, mapping.ts)
 * pays every per-compartment term per compartment: the extra (dendrite) compartments update every step
 * without spiking (Davies: inactive updates; SANA-FE: access every step and, an ESTIMATE, as many updates
 * as the somas); its self-connection's synaptic events are in the measured synops and its messages in d̄.
 */
import { SpikewasmError } from "../errors.js";
import type { LayerRecord } from "../sim/simulator.js";
import type { ChipDescription } from "./loihi.js";
import type { LoihiMapping } from "./mapping.js";

/** Activity of one layer per inference. */
export interface LayerActivityPerInference {
  id: string;
  /** spikes emitted by the layer per inference */
  spikes: number;
  /** synaptic operations (spike-driven weight additions) into the layer per inference */
  synops: number;
  /** neuron-steps with an update (potential non-zero, input arrived or bias set), when measured */
  updates?: number;
  /** every neuron updates every step (e.g. its input arrives as a bias current) */
  alwaysUpdated?: boolean;
}

/** Per-inference activity from Simulator.run's LayerRecords (whole run over `batch` samples). */
export function activityFromLayerRecords(layers: LayerRecord[], batch: number): LayerActivityPerInference[] {
  return layers.map((l) => {
    let s = 0;
    for (let i = 0; i < l.spikeCounts.length; i++) s += l.spikeCounts[i];
    return { id: l.id, spikes: s / batch, synops: l.synapticEvents / batch };
  });
}

/** Energy terms of one layer, joules per inference. */
export interface LayerCost {
  id: string;
  synopJ: number;
  neuronActiveJ: number;
  neuronInactiveJ: number;
  spikeRoutingJ: number;
  totalJ: number;
}

/** What loihiCost returns. */
export interface LoihiCost {
  target: string;
  steps: number;
  cores: number;
  chips: number;
  /** tiles holding neurons (the barrier's argument) */
  tiles: number;
  energyPerInferenceJ: number;
  breakdown: { synopJ: number; neuronActiveJ: number; neuronInactiveJ: number; spikeRoutingJ: number; inputJ: number; staticJ: number };
  layers: LayerCost[];
  /** seconds per algorithmic time step: slowest core + barrier */
  timePerStepS: number;
  barrierS: number;
  slowestCore: number;
  latencyS: number;
  powerW: number;
  inferencesPerS: number;
  /** input spikes per inference priced as messages */
  inputSpikes: number;
  notes: string[];
}

/** Options of loihiCost. */
export interface LoihiCostOptions {
  /** input spikes per inference, sent as messages from the mapping's input core (default 0) */
  inputSpikesPerInference?: number;
}

/** Barrier time of a step with `tiles` tiles in use. */
export function barrierTime(chip: ChipDescription, tiles: number): number {
  const b = chip.time.barrierByTiles;
  if (!b) return chip.time.barrierSyncS.value;
  const { tiles: k, seconds: v } = b;
  if (tiles <= k[0]) return v[0];
  if (tiles >= k[k.length - 1]) return v[v.length - 1];
  let i = 0;
  while (k[i + 1] <= tiles) i++;
  if (b.rule === "step") return v[i];
  return v[i] + (v[i + 1] - v[i]) * (tiles - k[i]) / (k[i + 1] - k[i]);
}

/** Tiles holding at least one core of the mapping (the most on any one chip). */
export function tilesInUse(mapping: LoihiMapping): number {
  const perChip = new Map<number, Set<string>>();
  for (const c of mapping.cores) {
    if (!perChip.has(c.chip)) perChip.set(c.chip, new Set());
    perChip.get(c.chip)!.add(`${c.tileX},${c.tileY}`);
  }
  return Math.max(1, ...[...perChip.values()].map((s) => s.size));
}

function checkActivity(mapping: LoihiMapping, activity: LayerActivityPerInference[], steps: number): Map<string, LayerActivityPerInference> {
  if (!Number.isInteger(steps) || steps < 1) throw new SpikewasmError(`loihiCost: steps must be an integer >= 1, got ${steps}`);
  const act = new Map(activity.map((a) => [a.id, a]));
  for (const l of mapping.layers) {
    const a = act.get(l.id);
    if (!a) throw new SpikewasmError(`loihiCost: no activity for layer '${l.id}' (have: ${[...act.keys()].join(", ") || "none"})`);
    if (!(a.spikes >= 0 && a.synops >= 0)) throw new SpikewasmError(`loihiCost: layer '${l.id}': spikes and synops must be >= 0, got ${a.spikes}, ${a.synops}`);
    if (a.spikes > l.neurons * steps) throw new SpikewasmError(`loihiCost: layer '${l.id}': ${a.spikes} spikes exceed ${l.neurons} neurons × ${steps} steps`);
    if (a.updates !== undefined && !(a.updates >= 0 && a.updates <= l.neurons * steps))
      throw new SpikewasmError(`loihiCost: layer '${l.id}': ${a.updates} updates outside 0..${l.neurons} neurons × ${steps} steps`);
  }
  return act;
}

/** Synapse unit of a layer in SANA-FE's description. */
const synUnit = (kind: string): "dense" | "conv" | "sparse" => (kind === "dense" ? "dense" : kind === "conv2d" ? "conv" : "sparse");

/** Energy, latency, power and throughput of one inference of `steps` steps on `chip`. */
export function loihiCost(mapping: LoihiMapping, activity: LayerActivityPerInference[], chip: ChipDescription, steps: number, o: LoihiCostOptions = {}): LoihiCost {
  const act = checkActivity(mapping, activity, steps);
  const inputSpikes = o.inputSpikesPerInference ?? 0;
  if (!(inputSpikes >= 0)) throw new SpikewasmError(`loihiCost: inputSpikesPerInference must be >= 0, got ${inputSpikes}`);
  const E = chip.energy, Tm = chip.time, sf = chip.sanafe;
  const hopJ = (hx: number, hy: number) => hx * E.hopEastWestJ.value + hy * E.hopNorthSouthJ.value;
  const msgJ = sf ? sf.message.outJ.value + sf.message.inJ.value : E.spikeWithinTileJ.value;
  let estimatedUpdates = false;
  /** compartment updates with a non-zero state (per compartment: a dendrite counted like its soma, an estimate) */
  const updatesOf = (l: { neurons: number; compartments: number }, a: LayerActivityPerInference) => {
    if (a.alwaysUpdated || a.updates === undefined) { if (!a.alwaysUpdated) estimatedUpdates = true; return l.compartments * steps; }
    return a.updates * (l.compartments / l.neurons);
  };
  const layers: LayerCost[] = mapping.layers.map((l) => {
    const a = act.get(l.id)!;
    const all = l.compartments * steps;
    let synopJ: number, neuronActiveJ: number, neuronInactiveJ: number;
    if (sf) {
      const u = synUnit(l.kind);
      synopJ = a.synops * sf.synapse[`${u}J`].value;
      // access every neuron-step is "inactive"; update and spike-out are the "active" part
      neuronInactiveJ = all * sf.soma.accessJ.value;
      neuronActiveJ = updatesOf(l, a) * sf.soma.updateJ.value + a.spikes * sf.soma.spikeOutJ.value;
    } else {
      synopJ = a.synops * E.synOpJ.value;
      neuronActiveJ = a.spikes * E.neuronUpdateActiveJ.value;
      neuronInactiveJ = (all - a.spikes) * E.neuronUpdateInactiveJ.value;
    }
    const spikeRoutingJ = a.spikes * l.meanDestCores * (msgJ + hopJ(l.meanHopsX, l.meanHopsY));
    return { id: l.id, synopJ, neuronActiveJ, neuronInactiveJ, spikeRoutingJ, totalJ: synopJ + neuronActiveJ + neuronInactiveJ + spikeRoutingJ };
  });
  const inp = mapping.input;
  const inputMessages = inp ? inputSpikes * inp.meanDestCores : 0;
  const inputJ = inp ? inputMessages * (msgJ + hopJ(inp.meanHopsX, inp.meanHopsY)) : 0;
  const { timeCore, slowestCore } = slowestCoreTime(mapping, act, chip, steps, updatesOf);
  const tiles = tilesInUse(mapping);
  const barrierS = barrierTime(chip, tiles);
  const timePerStepS = timeCore + barrierS;
  const latencyS = steps * timePerStepS;
  const sum = (f: (l: LayerCost) => number) => layers.reduce((s, l) => s + f(l), 0);
  const staticJ = E.staticPowerPerChipW.value * mapping.chipsUsed * latencyS;
  const breakdown = { synopJ: sum((l) => l.synopJ), neuronActiveJ: sum((l) => l.neuronActiveJ), neuronInactiveJ: sum((l) => l.neuronInactiveJ), spikeRoutingJ: sum((l) => l.spikeRoutingJ), inputJ, staticJ };
  const energy = breakdown.synopJ + breakdown.neuronActiveJ + breakdown.neuronInactiveJ + breakdown.spikeRoutingJ + inputJ + staticJ;
  const notes = [
    "hops: mean Manhattan tile distance between source and destination cores on the mesh (estimate; inter-chip links and contention not modelled)",
    sf ? "SANA-FE v2.2 rules: soma access every neuron-step (neuronInactiveJ) + update and spike-out (neuronActiveJ); a message per destination core at axon out"
      : "active neuron update = a step in which the neuron spikes; all others inactive",
    `time per step: slowest core's work plus the barrier for ${tiles} tile(s) in use (${(barrierS * 1e9).toFixed(0)} ns); spike routing latency${sf ? " and SANA-FE's 16 ns per received message" : ""} not added`,
    inp ? `input spikes (${inputSpikes.toFixed(1)} per inference) sent as messages from an input core (core ${inp.core}, not counted in the cores used) to ${inp.meanDestCores.toFixed(2)} destination cores each` : "no input spikes priced",
  ];
  const twoCx = mapping.layers.filter((l) => l.compartments > l.neurons).map((l) => `'${l.id}'`);
  if (twoCx.length) notes.push(`two compartments per neuron (reset by subtraction emulated) in ${twoCx.join(", ")}: the dendrites priced as compartments that update every step without spiking${sf ? " (their updates estimated as the somas')" : ""}`);
  if (sf && estimatedUpdates) notes.push("soma updates not measured for some layers: every neuron counted as updated every step (an upper bound)");
  if (E.staticPowerPerChipW.kind === "assumed") notes.push(`static power ${E.staticPowerPerChipW.value} W per chip is an assumption: ${E.staticPowerPerChipW.note ?? ""}`);
  return {
    target: chip.name, steps, cores: mapping.coresUsed, chips: mapping.chipsUsed, tiles, energyPerInferenceJ: energy, breakdown, layers,
    timePerStepS, barrierS, slowestCore, latencyS, powerW: energy / latencyS, inferencesPerS: 1 / latencyS, inputSpikes, notes,
  };
}

/** The slowest core's time per step (activity spread over a layer's cores by synapses and compartments). */
function slowestCoreTime(mapping: LoihiMapping, act: Map<string, LayerActivityPerInference>, chip: ChipDescription, steps: number,
  updatesOf: (l: { neurons: number; compartments: number }, a: LayerActivityPerInference) => number): { timeCore: number; slowestCore: number } {
  const Tm = chip.time, sf = chip.sanafe;
  const byLayer = new Map(mapping.layers.map((l) => [l.id, l]));
  let timeCore = 0, slowestCore = -1;
  for (const c of mapping.cores) {
    const l = byLayer.get(c.layer)!, a = act.get(c.layer)!;
    const share = c.compartments / l.compartments, synShare = l.synapses > 0 ? c.synapses / l.synapses : 0;
    const synops = (a.synops / steps) * synShare;
    const spikes = (a.spikes / steps) * share;
    let t: number;
    if (sf) {
      const updates = (updatesOf(l, a) / steps) * share;
      const outMsgs = spikes * l.meanDestCores;
      const gen = c.compartments * sf.soma.accessS.value + updates * sf.soma.updateS.value + spikes * sf.soma.spikeOutS.value + outMsgs * sf.message.outS.value;
      // SANA-FE adds 16 ns per received message to the processing side; messages per core are not
      // tracked by this mapping (spikes are counted per layer), so only the synaptic events are timed
      const proc = synops * sf.synapse[`${synUnit(l.kind)}S`].value;
      t = Math.max(gen, proc);
    } else {
      t = synops * Tm.synOpS.value + spikes * Tm.neuronUpdateActiveS.value + (c.compartments - spikes) * Tm.neuronUpdateInactiveS.value;
    }
    if (t > timeCore) { timeCore = t; slowestCore = c.core; }
  }
  return { timeCore, slowestCore };
}
