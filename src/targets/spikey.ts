/**
 * Spikey (Heidelberg, Kirchhoff-Institut für Physik; analog, accelerated; one chip) as data, a capacity
 * check and SNABSuite's calibrated energy model.
 *
 * CAPACITY (measured — the chip's own software and documentation): 384 neurons in 2 blocks of 192;
 * each block has 256 synapse drivers (synapse rows), one row of 192 synapses per driver, so a neuron
 * has at most 256 presynaptic drivers; 4-bit weights. A driver is configured either excitatory or
 * inhibitory (spikeyhal tools/scvisual.py: Driver.excinh), so a source whose weights have both signs
 * takes two drivers: ASSUMED two drivers per signed input, i.e. at most 128 signed inputs per neuron.
 * MAPPING: one population neuron per hardware neuron, one chip; feasible when Σ neurons ≤ 384 and every
 * neuron's fan-in ≤ 128. Not modelled: the per-block driver budget shared by all neurons of a block
 * (256 drivers per block for every source feeding it, the upper 64 external-only), the placement of
 * layers in the two blocks, 4-bit weight quantisation and the analog circuits' fixed-pattern noise
 * (accuracy is the float SNN's).
 *
 * TIME: speed-up 10^4 (DERIVED from SNABSuite's own Spikey calibration: 1,500,000 ms of model time ran
 * in 150 ms; the Spikey documentation says time constants are "approximately 10^4 times smaller than in
 * biology"); wall time = (T + pipeline depth) steps × 1 ms (assumed) / 10^4. Host configuration and
 * spike transfer (which dominate real Spikey runs) are not included, as in SNABSuite's sim_pure.
 *
 * COST: SNABSuite's event-count model with Spikey's coefficients (src/targets/snabsuite.ts,
 * config_energy/spikey_energy.json): idle power and per-neuron power × wall time, spikes, synaptic events
 * by connector (Spikey's Transmission_S2A, the dense-layer coefficient, is 0 in the calibration file).
 */
import type { SnnGraph } from "../ir/graph.js";
import type { Sourced } from "./loihi.js";
import { connectorOf, geometries, maxNeuronFanIn, pipelineDepth } from "./geometry.js";
import { SNABSUITE_PLATFORMS, type SnabEnergy, snabsuiteEnergy } from "./snabsuite.js";

const SCHOOL = "electronicvisions/hbp-sp9-guidebook, pm/spikey/spikey_school.rst ('The total number of 384 neurons are split into two blocks of 192 neurons " +
  "with 256 synapses each'; 'time constants on the chip are approximately 10^4 times smaller than in biology'; 'The weight of each synapse ... 4-bit resolution, " +
  "i.e., 16 different values'), citing Pfeil et al. 2013, 'Six networks on a universal neuromorphic computing substrate', Front. Neurosci. 7:11";
const HAL_CONFIG = "electronicvisions/spikeyhal, spikeyconfig.h @ d7ea577291e5ac0476febce0c65a4f53ffbbbf4c: enum metric { num_presyns = 256, num_neurons = 64 * 3, num_blocks = 2 }";
const HAL_VISUAL = "electronicvisions/spikeyhal, tools/scvisual.py @ f7c4fbd0fee010d543353349da3fd589eff734a6: nBlock = 2, nDrvPerBlock = 256, nNeuronPerBlock = 192";
const SNAB = "hbp-unibi/SNABSuite";
const SNAB_CALIB = `${SNAB}, config/energy_model.json @ 08adba04bdabc3607d4c6f073d3b94df59513bf5 "spikey"."just_spiking"."runtime": 1500000 (ms of model time) ` +
  `and config_energy/spikey_energy.json @ c20187f8478e3291aab63ddef329e8cfb13d6028 util.full_spiking_rec.runtime: 150.0 in all 20 runs ` +
  "(netw.runtime().sim_pure × 1000, source/exec/energy_model.cpp calc_runtime)";

export interface SpikeyDescription {
  name: "spikey";
  neurons: Sourced;
  blocks: Sourced;
  neuronsPerBlock: Sourced;
  synapseDriversPerBlock: Sourced;
  driversPerSignedInput: Sourced;
  weightBits: Sourced;
  maxChips: Sourced;
  speedUp: Sourced;
  bioTimePerStepS: Sourced;
}

export const SPIKEY: SpikeyDescription = {
  name: "spikey",
  neurons: { value: 384, unit: "neurons", kind: "measured", source: `${SCHOOL}; ${HAL_CONFIG} (2 × 192); SNABSuite's Spikey calibration ran 384 neurons (spikey_energy.json util number_of_neurons 384)` },
  blocks: { value: 2, unit: "blocks", kind: "measured", source: `${HAL_CONFIG}; ${HAL_VISUAL}` },
  neuronsPerBlock: { value: 192, unit: "neurons", kind: "measured", source: `${SCHOOL}; ${HAL_VISUAL}` },
  synapseDriversPerBlock: { value: 256, unit: "synapse drivers", kind: "measured", source: `${HAL_CONFIG}; ${HAL_VISUAL}; ${SCHOOL} (line drivers 0-255 per block, the upper 64 external input only)`,
    note: "each driver feeds one row of 192 synapses (one per neuron of its block), so a neuron has at most 256 presynaptic drivers" },
  driversPerSignedInput: { value: 2, unit: "drivers", kind: "assumed", source: `${HAL_VISUAL} (Driver.excinh: a driver is either 'exc' or 'inh')`,
    note: "a source with both positive and negative weights needs one excitatory and one inhibitory driver, so a neuron reads at most 256 / 2 = 128 signed inputs (same rule as bss2)" },
  weightBits: { value: 4, unit: "bit", kind: "measured", source: `${SCHOOL}; Pfeil et al. 2012, 'Is a 4-bit synaptic weight resolution enough?', Front. Neurosci. 6:90`,
    note: "not modelled: accuracy is the float SNN's" },
  maxChips: { value: 1, unit: "chips", kind: "assumed", source: `one chip per Spikey system (${SCHOOL}: 'A photograph of the Spikey neuromorphic chip (a) and system (b)'); SNABSuite's Spikey runs use one`,
    note: "networks are not split over several Spikey systems" },
  speedUp: { value: 1e4, unit: "× biological time", kind: "derived", source: `${SNAB_CALIB}; ${SCHOOL}`,
    note: "1,500,000 ms model / 150 ms wall = 10^4 (SNABSuite's calibration); the Spikey documentation gives 'approximately 10^4'. The exact 150.0 in every run suggests " +
      "the backend reports model time / 10^4 rather than a clock measurement; host configuration and spike transfer are not included" },
  bioTimePerStepS: { value: 1e-3, unit: "s (biological)", kind: "assumed", source: "one SNN step = 1 ms of biological time (SNABSuite's MNIST protocol: 1 ms steps on NEST/GeNN/SpiNNaker)",
    note: "Spikey is continuous-time analog hardware: it has no time step; a step stands for 1 ms of model time, 0.1 µs of wall time at 10^4" },
};

export interface SpikeyLayerActivity { id: string; spikes: number; synops: number }

export interface SpikeyPopulation { id: string; kind: string; neurons: number; fanIn: number; connector: "allToAll" | "oneToOne" | "random"; fedByInput: boolean }

export interface SpikeyMapping { populations: SpikeyPopulation[]; neurons: number; maxFanIn: number; blocksUsed: number; feasible: boolean; reason?: string }

/** Capacity check: Σ neurons ≤ 384 and every neuron's fan-in ≤ 256 drivers / 2 per signed input. */
export function mapToSpikey(graph: SnnGraph, chip: SpikeyDescription = SPIKEY): SpikeyMapping {
  const geoms = geometries(graph, "Spikey");
  const pops: SpikeyPopulation[] = geoms.map((g) => ({ id: g.node.id, kind: g.node.kind, neurons: g.neurons, fanIn: maxNeuronFanIn(g), connector: connectorOf(g), fedByInput: g.inputs.some((i) => i.srcIsInput) }));
  const neurons = pops.reduce((a, p) => a + p.neurons, 0);
  const maxFanIn = Math.max(0, ...pops.map((p) => p.fanIn));
  const nMax = chip.neurons.value * chip.maxChips.value;
  const fMax = Math.floor(chip.synapseDriversPerBlock.value / chip.driversPerSignedInput.value);
  const reasons: string[] = [];
  if (neurons > nMax) reasons.push(`needs ${neurons} neurons (${pops.map((p) => `${p.id} ${p.neurons}`).join(", ")}), one Spikey chip has ${nMax} (limit neurons: ${chip.blocks.value} blocks × ${chip.neuronsPerBlock.value})`);
  const wide = pops.filter((p) => p.fanIn > fMax);
  if (wide.length) reasons.push(`fan-in ${wide.map((p) => `${p.id} ${p.fanIn}`).join(", ")} exceeds ${fMax} signed inputs per neuron (limit synapseDriversPerBlock: ${chip.synapseDriversPerBlock.value} drivers / ${chip.driversPerSignedInput.value} per signed input)`);
  return { populations: pops, neurons, maxFanIn, blocksUsed: Math.min(chip.blocks.value, Math.ceil(neurons / chip.neuronsPerBlock.value)), feasible: reasons.length === 0,
    ...(reasons.length ? { reason: reasons.join("; ") } : {}) };
}

export interface SpikeyCost extends SnabEnergy { steps: number; latencyS: number; powerW: number; inferencesPerS: number;
  /** the neuron term as calculate_energy @ 9a5f846 computes it (power × model time, not wall time) */
  snabsuiteLiteralEnergyJ: number }

/** Energy of one inference of `steps` model steps: SNABSuite's model with Spikey's coefficients, wall time = model time / speed-up. */
export function spikeyCost(mapping: SpikeyMapping, activity: SpikeyLayerActivity[], steps: number, chip: SpikeyDescription = SPIKEY): SpikeyCost {
  const act = new Map(activity.map((a) => [a.id, a]));
  const ev = { oneToOne: 0, allToAll: 0, random: 0 }, input = { oneToOne: 0, allToAll: 0, random: 0 };
  let spikes = 0;
  for (const p of mapping.populations) {
    const a = act.get(p.id) ?? { spikes: 0, synops: 0 };
    spikes += a.spikes;
    (p.fedByInput ? input : ev)[p.connector] += a.synops;
  }
  const dtMs = chip.bioTimePerStepS.value * 1000;
  const wallTimeMs = (steps * dtMs) / chip.speedUp.value;
  const e = snabsuiteEnergy("spikey", { neurons: mapping.neurons, steps, dtMs, spikes, synapticEvents: ev, inputEvents: input }, { wallTimeMs });
  const latencyS = e.wallTimeMs / 1000;
  const neuronModelTimeJ = mapping.neurons * SNABSUITE_PLATFORMS.spikey.neuronCost.value * e.modelTimeMs;
  return {
    ...e, wallTimeNote: `derived: model time ${e.modelTimeMs} ms / speed-up ${chip.speedUp.value} (SNABSuite's Spikey calibration: 1,500,000 ms model in 150 ms)`,
    steps, latencyS, powerW: e.energyJ / latencyS, inferencesPerS: 1 / latencyS,
    snabsuiteLiteralEnergyJ: e.energyJ - e.breakdown.neuronsJ + neuronModelTimeJ,
  };
}

/** Capacity check and cost in one call (T coding steps + pipeline depth). */
export function spikey(graph: SnnGraph, activity: SpikeyLayerActivity[], T: number, chip: SpikeyDescription = SPIKEY): { mapping: SpikeyMapping; cost?: SpikeyCost } {
  const mapping = mapToSpikey(graph, chip);
  if (!mapping.feasible) return { mapping };
  return { mapping, cost: spikeyCost(mapping, activity, T + pipelineDepth(geometries(graph, "Spikey")), chip) };
}
