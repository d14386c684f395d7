/**
 * IBM TrueNorth as data, a crossbar mapper and a cost model.
 *
 * THE CORE: 256 axons × 256 neurons, a binary 256 × 256 crossbar; a neuron's weight from axon i is
 * w_ij·S_j^{G_i} — w_ij ∈ {0, 1} and one of 4 signed 9-bit values chosen by the axon's type G_i;
 * each neuron sends its spikes to ONE axon of ONE core; 4,096 cores per chip; 1 ms tick.
 *
 * MAPPING (mapToTrueNorth), layer by layer from the output back to the input:
 *  1. Fan-out copies. A TrueNorth neuron has one target. A source neuron read by m destination cores
 *     is therefore placed m times in its own core — m copies with identical crossbar columns and
 *     parameters, which integrate the same inputs and spike together (the duplication TrueNorth
 *     networks use; Merolla et al. 2014 §S4 name the alternative, 'splitter' neurons in another core,
 *     which costs a core hop more). m is counted exactly per neuron from the destination layer's
 *     tiles (which source neurons each destination core's axons carry). Output neurons: m = 1.
 *  2. Direct layers (fan-in ≤ 256): the layer is cut into channel groups × row bands × column bands,
 *     fewest cores first (then fewest axons in total), such that every core's axons (the union of the source neurons its neurons
 *     read) ≤ 256 and its neuron slots (Σ copies of its neurons) ≤ 256.
 *  3. Split layers (a dense neuron with fan-in F > 256): the input vector is cut into k = ceil(F/256)
 *     contiguous chunks. Each chunk feeds partial-sum neurons — TWO per output (one integrates +Σw·x of
 *     the chunk, one −Σw·x, since a spike cannot carry a sign), 128 outputs per core (256 neurons, the
 *     chunk's ≤ 256 axons); a summing layer then integrates the 2k partial spike trains of each output
 *     (excitatory and inhibitory axon types), floor(256 / 2k) outputs per core (axon limit) and ≤ 256
 *     neuron slots with copies. Extra: 2·units·k partial neurons, k·ceil(units/128) partial cores, one
 *     more tick of latency. Only one level is modelled (2k ≤ 256, F ≤ 32,768); convolutions with a
 *     fan-in above 256 are refused as "not modelled" (Esser et al. 2016 instead train networks whose
 *     filters read ≤ 256 inputs, using filter groups). The partial-sum scheme changes the arithmetic
 *     (partial sums rate-coded); its accuracy is NOT modelled.
 *  Feasible when the cores fit `maxChips` chips.
 *
 * ACCURACY NOT MODELLED: weights on TrueNorth are w·S with 4 signed 9-bit values per neuron (one per
 * axon type), so a neuron with more than 4 distinct weights must be approximated (Esser et al. 2016
 * train with trinary weights {−1, 0, 1} for this reason); the report's accuracy is the float SNN's.
 *
 * COST: E = E_event·(synaptic events incl. copies and partial sums) + P_base·chips·latency, with
 * E_event and P_base the slope and intercept of Akopyan et al. 2015's three published total-power
 * points (Fig. 17, 0.8 V, 128 synapses per neuron). The headline 26 pJ per synaptic event (Merolla et
 * al. 2014) is a total-energy average at one operating point (static power included) and is reported
 * as an alternative. latency = (T + pipeline depth) ticks × 1 ms.
 */
import { SpikewasmError } from "../errors.js";
import type { SnnGraph } from "../ir/graph.js";
import type { Sourced } from "./loihi.js";
import { type Box, type Geometry, candidateSplits, geometries, maxNeuronFanIn, neededBox, pipelineDepth, tilesOf, vol } from "./geometry.js";

const MEROLLA = "Merolla et al. 2014, 'A million spiking-neuron integrated circuit with a scalable communication network and interface', Science 345(6197):668-673";
const AKOPYAN = "Akopyan et al. 2015, 'TrueNorth: Design and Tool Flow of a 65 mW 1 Million Neuron Programmable Neurosynaptic Chip', IEEE TCAD 34(10):1537-1557";
const VIA = "as quoted verbatim (with page numbers) in a public research note on TrueNorth constants found by the code index (find_string id 68983350889; repository not named by the index); the papers themselves were not readable here";
const SANAFE_TN = "SLAM-Lab/SANA-FE, arch/truenorth.yaml @ 22ea3c9513c76b0a2479161bdcb8c548f3cfce3f (64 × 64 tiles, axon_in fan_in 256, axon_out fan_out 1; its energies are all 0)";

/** Akopyan et al. 2015 Fig. 17 (0.8 V, 128 active synapses per neuron, all 4096 cores): [mean rate Hz, total power W]. */
export const TRUENORTH_FIG17: ReadonlyArray<[number, number]> = [[11.58, 0.068], [20.07, 0.071], [95.93, 0.094]];

/** Least-squares line P = P0 + E·(events/s) through Fig. 17's points, events/s = 4096·256 neurons × rate × 128. */
export function fitFig17(points: ReadonlyArray<[number, number]> = TRUENORTH_FIG17): { slopeJ: number; interceptW: number } {
  const x = points.map(([r]) => 4096 * 256 * r * 128), y = points.map(([, p]) => p);
  const mx = x.reduce((a, b) => a + b, 0) / x.length, my = y.reduce((a, b) => a + b, 0) / y.length;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < x.length; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) ** 2; }
  const slopeJ = sxy / sxx;
  return { slopeJ, interceptW: my - slopeJ * mx };
}
const FIT = fitFig17();

export interface TrueNorthDescription {
  name: string;
  axonsPerCore: Sourced;
  neuronsPerCore: Sourced;
  targetsPerNeuron: Sourced;
  axonTypes: Sourced;
  weightBits: Sourced;
  coresPerChip: Sourced;
  maxChips: Sourced;
  tickS: Sourced;
  energyPerEventJ: Sourced;
  basePowerPerChipW: Sourced;
  headlineEnergyPerEventJ: Sourced;
  headlinePowerW: Sourced;
}

export const TRUENORTH: TrueNorthDescription = {
  name: "truenorth",
  axonsPerCore: { value: 256, unit: "axons", kind: "measured", source: `${MEROLLA}, p.3 ('256 input lines (axons) and 256 outputs (neurons) connected via 256 × 256 directed, programmable synaptic connections'), ${VIA}`, note: `also ${SANAFE_TN}` },
  neuronsPerCore: { value: 256, unit: "neurons", kind: "measured", source: `${MEROLLA}, §S1; ${AKOPYAN}, Fig. 1 caption, ${VIA}` },
  targetsPerNeuron: { value: 1, unit: "axon", kind: "measured", source: `${MEROLLA}, §S4: 'a single neuron cannot target more than 256 synapses directly, but can do so by using two or more neurons in another core as splitters', ${VIA}`,
    note: `a neuron's spike goes to one axon of one core (the SRAM row holds one 26-bit destination); ${SANAFE_TN}` },
  axonTypes: { value: 4, unit: "types", kind: "measured", source: `${MEROLLA}, §S1: 'each axon i is assigned one of four types', ${VIA}` },
  weightBits: { value: 9, unit: "bit (signed)", kind: "measured", source: `${MEROLLA}, §S8: a synaptic operation adds 'a 9 bit signed integer S_j^{G_i}' to the 20-bit membrane potential, ${VIA}`,
    note: "per neuron one value per axon type: at most 4 distinct weights per neuron; not modelled (accuracy is the float SNN's)" },
  coresPerChip: { value: 4096, unit: "cores", kind: "measured", source: `${AKOPYAN}, §V-A: 'a 64 × 64 array of neurosynaptic cores', ${VIA}; ${SANAFE_TN}` },
  maxChips: { value: 1, unit: "chips", kind: "assumed", source: "one NS1e board (a single TrueNorth chip)",
    note: "multi-chip boards exist (NS16e, 16 chips; Akopyan et al. 2015 Table I runs up to 16 chips at 1.0 V) but their power differs; a network needing more than one chip is reported infeasible here" },
  tickS: { value: 1e-3, unit: "s", kind: "measured", source: `${MEROLLA}, p.4: 'Neuron dynamics is discretized into 1ms time steps set by a global 1kHz clock', ${VIA}`,
    note: "Akopyan et al. 2015 measured up to 21× faster ticks depending on activity; real time is modelled" },
  energyPerEventJ: { value: FIT.slopeJ, unit: "J", kind: "derived", source: `${AKOPYAN}, Fig. 17 (total chip power @ 0.8 V, 128 synapses/neuron: 68 mW @ 11.58 Hz, 71 mW @ 20.07 Hz, 94 mW @ 95.93 Hz), ${VIA}`,
    note: `least-squares slope of power vs synaptic events/s (4096·256 neurons × rate × 128) = ${(FIT.slopeJ * 1e12).toFixed(3)} pJ per event (fitFig17). ` +
      "It is the marginal energy of an event in those random, long-distance (21.3 cores mean hop distance) benchmark networks, so it includes neuron updates and spike routing at 128 events per spike" },
  basePowerPerChipW: { value: FIT.interceptW, unit: "W", kind: "derived", source: `${AKOPYAN}, Fig. 17, intercept of the same fit`,
    note: `${(FIT.interceptW * 1e3).toFixed(1)} mW at zero events: leakage plus the per-tick baseline of all 4096 cores (Akopyan et al. give 42 mW at the 0.70 V, 0 Hz corner). Charged for every chip used, for the whole latency` },
  headlineEnergyPerEventJ: { value: 26e-12, unit: "J", kind: "measured", source: `${MEROLLA}, p.7: 'total measured power was 72mW (at 0.775V operating voltage), corresponding to 26pJ per synaptic event (considering total energy)', ${VIA}`,
    note: "a total-energy average at 20 Hz and 128 active synapses per neuron (static power included); used only for the alternative figure" },
  headlinePowerW: { value: 0.065, unit: "W", kind: "measured", source: `${AKOPYAN}, §VII: '0.75 V with 20 Hz average firing rate and 128 active synapses per neuron at real-time ... consumes only 65 mW', ${VIA}`,
    note: "reference only; Merolla et al. report 72 mW at 0.775 V for the same workload and 63 mW for the multi-object detection network" },
};

/** One stage of a layer on TrueNorth cores. */
export interface TrueNorthStage {
  id: string;
  kind: string;
  role: "direct" | "partial" | "sum";
  /** neurons of the stage before copies */
  neurons: number;
  /** neuron slots used = neurons with their fan-out copies */
  slots: number;
  cores: number;
  split?: [number, number, number];
  maxAxonsPerCore: number;
  maxSlotsPerCore: number;
}

export interface TrueNorthLayer {
  id: string;
  kind: string;
  neurons: number;
  fanIn: number;
  /** mean copies per neuron (fan-out duplication) */
  meanCopies: number;
  maxCopies: number;
  /** fan-in chunks (1 = no split) */
  chunks: number;
  stages: TrueNorthStage[];
  cores: number;
}

export interface TrueNorthMapping {
  chip: string;
  layers: TrueNorthLayer[];
  cores: number;
  chips: number;
  extraNeurons: { copies: number; partialSums: number };
  /** ticks from input to output (one per connection; split layers add one) */
  depth: number;
  feasible: boolean;
  reason?: string;
}

const flatIndex = (s: [number, number, number], c: number, y: number, x: number) => (c * s[1] + y) * s[2] + x;
function forBox(b: Box, s: [number, number, number], f: (i: number) => void): void {
  for (let c = b.c[0]; c < b.c[1]; c++) for (let y = b.y[0]; y < b.y[1]; y++) for (let x = b.x[0]; x < b.x[1]; x++) f(flatIndex(s, c, y, x));
}

/** Places a graph on TrueNorth cores (scheme in the header). Infeasible results carry the reason; unmodelled cases throw SpikewasmError. */
export function mapToTrueNorth(graph: SnnGraph, chip: TrueNorthDescription = TRUENORTH): TrueNorthMapping {
  const A = chip.axonsPerCore.value, N = chip.neuronsPerCore.value;
  const geoms = geometries(graph, "TrueNorth");
  const refs = new Map<string, Int32Array>(geoms.map((g) => [g.node.id, new Int32Array(g.neurons)]));
  const out: TrueNorthLayer[] = [];
  const extraDepth = new Map<string, number>();
  let copiesExtra = 0, partialExtra = 0;
  for (let li = geoms.length - 1; li >= 0; li--) {
    const g = geoms[li], id = g.node.id, fanIn = maxNeuronFanIn(g);
    const ref = refs.get(id)!;
    const copies = Int32Array.from(ref, (r) => Math.max(1, r));
    const slots = copies.reduce((a, b) => a + b, 0);
    copiesExtra += slots - g.neurons;
    let maxCopies = 0;
    for (const c of copies) if (c > maxCopies) maxCopies = c;
    if (maxCopies > N) throw new SpikewasmError(`layer '${id}': one neuron would need ${maxCopies} copies for its fan-out, more than the ${N} neurons of a core`, 3);
    const mark = (gg: Geometry, box: Box, k: number) => {
      const inp = gg.inputs[k];
      if (inp.srcIsInput) return;
      forBox(box, inp.shape3, (i) => { refs.get(inp.src)![i]++; });
    };
    let stages: TrueNorthStage[], chunks = 1;
    if (fanIn <= A) {
      const st = placeDirect(g, copies, A, N);
      st.tiles.forEach((t) => g.inputs.forEach((_, k) => mark(g, neededBox(g, t, k), k)));
      stages = [{ id, kind: g.node.kind, role: "direct", neurons: g.neurons, slots, cores: st.tiles.length, split: st.split, maxAxonsPerCore: st.maxAxons, maxSlotsPerCore: st.maxSlots }];
    } else {
      if (g.node.kind !== "dense") throw new SpikewasmError(`layer '${id}' (${g.node.kind}): a neuron reads ${fanIn} inputs, more than the ${A} axons of a TrueNorth core; splitting the fan-in of a ${g.node.kind} layer is not modelled (only dense layers are split into partial sums)`, 3);
      chunks = Math.ceil(fanIn / A);
      if (2 * chunks > A) throw new SpikewasmError(`layer '${id}' (dense): fan-in ${fanIn} needs ${chunks} chunks of ${A}, whose ${2 * chunks} partial spike trains exceed one summing core's ${A} axons; a second level of the summing tree is not modelled`, 3);
      const units = g.neurons, perCore = Math.floor(N / 2), groups = Math.ceil(units / perCore);
      // partial stage: chunk c of the (flattened) input, read by `groups` cores
      const inShapes = g.inputs.map((i) => i.shape3[0] * i.shape3[1] * i.shape3[2]);
      let base = 0;
      g.inputs.forEach((inp, k) => {
        if (!inp.srcIsInput) { const r = refs.get(inp.src)!; for (let i = 0; i < inShapes[k]; i++) r[i] += groups; }
        base += inShapes[k];
      });
      const partial = 2 * units * chunks;
      partialExtra += partial;
      // summing stage: fan-in 2·chunks per output, copies from the consumers
      const perSum = Math.floor(A / (2 * chunks));
      let cores = 0, cur = 0, curN = 0, maxSlots = 0;
      for (let j = 0; j < units; j++) {
        if (curN + 1 > perSum || cur + copies[j] > N) { cores++; maxSlots = Math.max(maxSlots, cur); cur = 0; curN = 0; }
        cur += copies[j]; curN++;
      }
      cores++; maxSlots = Math.max(maxSlots, cur);
      stages = [
        { id: `${id}.partial`, kind: "dense", role: "partial", neurons: partial, slots: partial, cores: chunks * groups, maxAxonsPerCore: Math.min(A, base), maxSlotsPerCore: 2 * Math.min(perCore, units) },
        { id: `${id}.sum`, kind: "dense", role: "sum", neurons: units, slots, cores, maxAxonsPerCore: 2 * chunks * Math.min(perSum, units), maxSlotsPerCore: maxSlots },
      ];
      extraDepth.set(id, 1);
    }
    out.unshift({ id, kind: g.node.kind, neurons: g.neurons, fanIn, meanCopies: slots / g.neurons, maxCopies, chunks, stages, cores: stages.reduce((a, s) => a + s.cores, 0) });
  }
  const cores = out.reduce((a, l) => a + l.cores, 0), perChip = chip.coresPerChip.value, chips = Math.ceil(cores / perChip);
  const feasible = chips <= chip.maxChips.value;
  return {
    chip: chip.name, layers: out, cores, chips, extraNeurons: { copies: copiesExtra, partialSums: partialExtra }, depth: pipelineDepth(geoms, extraDepth), feasible,
    ...(feasible ? {} : { reason: `needs ${cores} cores = ${chips} chips of ${perChip} cores (${out.map((l) => `${l.id} ${l.cores}`).join(", ")}), more than maxChips ${chip.maxChips.value}` }),
  };
}

/** Fewest cores first; among splits with as few cores, the one with the fewest axons in total (fewer copies upstream). */
function placeDirect(g: Geometry, copies: Int32Array, A: number, N: number): { split: [number, number, number]; tiles: Box[]; maxAxons: number; maxSlots: number } {
  const total = copies.reduce((a, b) => a + b, 0);
  const axonsOf = (t: Box) => g.inputs.reduce((a, _, k) => a + vol(neededBox(g, t, k)), 0);
  let worstReason = "", best: { split: [number, number, number]; tiles: Box[]; maxAxons: number; maxSlots: number } | null = null, bestAxons = Infinity, bestCount = Infinity;
  for (const split of candidateSplits(g.shape3)) {
    const count = split[0] * split[1] * split[2];
    if (count > bestCount) break;
    if (count * N < total) continue;
    const tiles = tilesOf(g.shape3, split);
    let maxAxons = 0, maxSlots = 0, sumAxons = 0, ok = true;
    for (const t of tiles) {
      const ax = axonsOf(t);
      let sl = 0;
      forBox(t, g.shape3, (i) => { sl += copies[i]; });
      maxAxons = Math.max(maxAxons, ax); maxSlots = Math.max(maxSlots, sl); sumAxons += ax;
      if (ax > A || sl > N) { ok = false; worstReason = ax > A ? `${ax} axons` : `${sl} neuron slots`; break; }
    }
    if (ok && sumAxons < bestAxons) { best = { split, tiles, maxAxons, maxSlots }; bestAxons = sumAxons; bestCount = count; }
  }
  if (best) return best;
  throw new SpikewasmError(`layer '${g.node.id}' (${g.node.kind}): no split fits a TrueNorth core (${A} axons, ${N} neurons) even at one neuron per core (${worstReason})`, 3);
}

export interface TrueNorthActivity { id: string; spikes: number; synops: number }

export interface TrueNorthCost {
  steps: number;
  /** synaptic events per inference: the float SNN's, × copies, + partial-sum stages */
  events: number;
  eventsByLayer: { id: string; events: number; spikes: number }[];
  energyPerInferenceJ: number;
  breakdown: { eventsJ: number; baseJ: number };
  /** events × the 26 pJ total-energy average of Merolla et al. 2014 */
  headlineEnergyJ: number;
  latencyS: number;
  powerW: number;
  inferencesPerS: number;
}

/**
 * Energy and latency of one inference. Per layer: events = synops × mean copies (each copy integrates
 * the same input); split layers: 2·synops into the partial neurons (both signs see every input) +
 * partial spikes (ASSUMED: k × the layer's spikes — each chunk's pair fires about as often as the
 * whole neuron) into the summing neurons, × copies.
 */
export function trueNorthCost(m: TrueNorthMapping, activity: TrueNorthActivity[], T: number, chip: TrueNorthDescription = TRUENORTH): TrueNorthCost {
  const act = new Map(activity.map((a) => [a.id, a]));
  const eventsByLayer = m.layers.map((l) => {
    const a = act.get(l.id);
    if (!a) throw new SpikewasmError(`trueNorthCost: no activity for layer '${l.id}'`);
    const events = l.chunks === 1 ? a.synops * l.meanCopies : 2 * a.synops + l.chunks * a.spikes * l.meanCopies;
    return { id: l.id, events, spikes: a.spikes * l.meanCopies + (l.chunks > 1 ? l.chunks * a.spikes : 0) };
  });
  const events = eventsByLayer.reduce((s, l) => s + l.events, 0);
  const steps = T + m.depth, latencyS = steps * chip.tickS.value;
  const eventsJ = events * chip.energyPerEventJ.value, baseJ = chip.basePowerPerChipW.value * m.chips * latencyS;
  const energy = eventsJ + baseJ;
  return { steps, events, eventsByLayer, energyPerInferenceJ: energy, breakdown: { eventsJ, baseJ }, headlineEnergyJ: events * chip.headlineEnergyPerEventJ.value,
    latencyS, powerW: energy / latencyS, inferencesPerS: 1 / latencyS };
}
