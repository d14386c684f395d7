/**
 * The Loihi cost model: turns a placement (mapToLoihi) and measured activity (spikes and synaptic
 * operations per inference, per layer) into energy, latency, power and throughput per inference.
 *
 *   E = Σ_layers [ synops·E_synop
 *                  + spikes·E_update,active + (neurons·T − spikes)·E_update,inactive
 *                  + spikes·d̄·(E_spike + h̄x·E_hop,EW + h̄y·E_hop,NS) ]
 *       + P_static·chips·latency
 *   t_step = max over cores (synops_core·t_synop + active_core·t_update,active + inactive_core·t_update,inactive)
 *            + t_barrier
 *   latency = T·t_step;  power = E / latency;  inferences/s = 1 / latency
 *
 * A neuron update is "active" in a step where the neuron spikes and "inactive" otherwise (the split
 * by spikes). d̄ is the layer's mean number of destination cores per spike (each spike is sent once
 * per destination core), h̄x, h̄y its mean east-west and north-south tile distances over those
 * messages (Manhattan distance between the tiles of source and destination cores on the chip's mesh,
 * weighted by how many source neurons each destination core receives) — an ESTIMATE: real routing
 * is dimension-ordered over the same distance, but crossings between chips, link contention and the
 * host's input spikes are not modelled. A core's share of its layer's activity is proportional to its
 * synapses (synops) and compartments (spikes), i.e. activity is assumed uniform within a layer.
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
  energyPerInferenceJ: number;
  breakdown: { synopJ: number; neuronActiveJ: number; neuronInactiveJ: number; spikeRoutingJ: number; staticJ: number };
  layers: LayerCost[];
  /** seconds per algorithmic time step: slowest core + barrier */
  timePerStepS: number;
  slowestCore: number;
  latencyS: number;
  powerW: number;
  inferencesPerS: number;
  notes: string[];
}

/** Energy, latency, power and throughput of one inference of `steps` steps on `chip`. */
export function loihiCost(mapping: LoihiMapping, activity: LayerActivityPerInference[], chip: ChipDescription, steps: number): LoihiCost {
  if (!Number.isInteger(steps) || steps < 1) throw new SpikewasmError(`loihiCost: steps must be an integer >= 1, got ${steps}`);
  const act = new Map(activity.map((a) => [a.id, a]));
  const E = chip.energy, T = chip.time;
  const layers: LayerCost[] = mapping.layers.map((l) => {
    const a = act.get(l.id);
    if (!a) throw new SpikewasmError(`loihiCost: no activity for layer '${l.id}' (have: ${[...act.keys()].join(", ") || "none"})`);
    if (!(a.spikes >= 0 && a.synops >= 0)) throw new SpikewasmError(`loihiCost: layer '${l.id}': spikes and synops must be >= 0, got ${a.spikes}, ${a.synops}`);
    const updates = l.neurons * steps;
    if (a.spikes > updates) throw new SpikewasmError(`loihiCost: layer '${l.id}': ${a.spikes} spikes exceed ${l.neurons} neurons × ${steps} steps`);
    const synopJ = a.synops * E.synOpJ.value;
    const neuronActiveJ = a.spikes * E.neuronUpdateActiveJ.value;
    const neuronInactiveJ = (updates - a.spikes) * E.neuronUpdateInactiveJ.value;
    const perMessage = E.spikeWithinTileJ.value + l.meanHopsX * E.hopEastWestJ.value + l.meanHopsY * E.hopNorthSouthJ.value;
    const spikeRoutingJ = a.spikes * l.meanDestCores * perMessage;
    return { id: l.id, synopJ, neuronActiveJ, neuronInactiveJ, spikeRoutingJ, totalJ: synopJ + neuronActiveJ + neuronInactiveJ + spikeRoutingJ };
  });
  const byLayer = new Map(mapping.layers.map((l) => [l.id, l]));
  let timeCore = 0, slowestCore = -1;
  for (const c of mapping.cores) {
    const l = byLayer.get(c.layer)!, a = act.get(c.layer)!;
    const synops = l.synapses > 0 ? (a.synops / steps) * (c.synapses / l.synapses) : 0;
    const active = (a.spikes / steps) * (c.compartments / l.neurons);
    const t = synops * T.synOpS.value + active * T.neuronUpdateActiveS.value + (c.compartments - active) * T.neuronUpdateInactiveS.value;
    if (t > timeCore) { timeCore = t; slowestCore = c.core; }
  }
  const timePerStepS = timeCore + T.barrierSyncS.value;
  const latencyS = steps * timePerStepS;
  const sum = (f: (l: LayerCost) => number) => layers.reduce((s, l) => s + f(l), 0);
  const staticJ = E.staticPowerPerChipW.value * mapping.chipsUsed * latencyS;
  const breakdown = { synopJ: sum((l) => l.synopJ), neuronActiveJ: sum((l) => l.neuronActiveJ), neuronInactiveJ: sum((l) => l.neuronInactiveJ), spikeRoutingJ: sum((l) => l.spikeRoutingJ), staticJ };
  const energy = breakdown.synopJ + breakdown.neuronActiveJ + breakdown.neuronInactiveJ + breakdown.spikeRoutingJ + staticJ;
  const notes = [
    "hops: mean Manhattan tile distance between source and destination cores on the mesh (estimate; inter-chip links, contention and host input spikes not modelled)",
    "active neuron update = a step in which the neuron spikes; all others inactive",
    "time per step: slowest core's synaptic ops and neuron updates plus the barrier; spike routing latency not added",
  ];
  if (E.staticPowerPerChipW.kind === "assumed") notes.push(`static power ${E.staticPowerPerChipW.value} W per chip is an assumption: ${E.staticPowerPerChipW.note ?? ""}`);
  return {
    target: chip.name, steps, cores: mapping.coresUsed, chips: mapping.chipsUsed, energyPerInferenceJ: energy, breakdown, layers,
    timePerStepS, slowestCore, latencyS, powerW: energy / latencyS, inferencesPerS: 1 / latencyS, notes,
  };
}
