/**
 * Intel Loihi 2 as a ChipDescription, for the Loihi mapper (mapToLoihi) and cost model (loihiCost).
 *
 * PUBLIC FIGURES ARE THIN. Intel's Loihi 2 technology brief (2021) and Orchard et al. 2021
 * ('Efficient Neuromorphic Signal Processing with Loihi 2', IEEE SiPS) give the chip's size — 128
 * neuromorphic cores, up to 1 million neurons and 120 million synapses per chip, 6 embedded x86 cores —
 * and relative claims ('up to 10x faster' than Loihi); no per-event energy, per-core memory map, axon
 * limits or static power were found in a primary source. So:
 *   measured — 128 cores, 1 M neurons, 120 M synapses per chip (the brief, as quoted by public pages);
 *   derived  — compartments per core = 1 M / 128 = 8,192;
 *   assumed  — every energy, time, axon and memory figure: Loihi 1's (src/targets/loihi.ts), each
 *              marked "assumed" with that reasoning. Loihi 1's per-event costs are likely an upper bound
 *              (Intel 4 vs 14 nm, and Intel's claims of faster spike processing); the estimate is a
 *              Loihi 1-cost estimate with Loihi 2's capacity, and the report says so.
 * Accuracy is the float SNN's: Loihi 2's arithmetic (programmable neurons, graded spikes up to 24 bit)
 * is not modelled.
 */
import { LOIHI, type ChipDescription, type Sourced } from "./loihi.js";

const BRIEF = "Intel Labs, 'Taking Neuromorphic Computing to the Next Level with Loihi 2', technology brief (2021), as quoted by open-neuromorphic.org's Loihi 2 page " +
  "('128 fully asynchronous neuron cores ... A single Loihi 2 chip supports up to 1 million neurons and 120 million synapses')";
const ORCHARD = "Orchard et al. 2021, 'Efficient Neuromorphic Signal Processing with Loihi 2', IEEE SiPS (arXiv:2111.03746)";

function fromLoihi1(c: Sourced, why: string): Sourced {
  return { ...c, kind: "assumed", source: `Loihi 1 value (${c.source})`, note: `no public Loihi 2 figure found (${BRIEF}; ${ORCHARD}); ${why}` };
}
const E_WHY = "Loihi 1's per-event cost is used as an (assumed) upper bound: Loihi 2 is built in Intel 4 rather than 14 nm";
const T_WHY = "Loihi 1's time is used; Intel claims up to 10x faster spike processing for Loihi 2, not broken down per event";

export const LOIHI2: ChipDescription = {
  name: "loihi2",
  limits: {
    coresPerChip: { value: 128, unit: "cores", kind: "measured", source: BRIEF },
    compartmentsPerCore: { value: 8192, unit: "neurons", kind: "derived", source: BRIEF,
      note: "1,048,576 / 128 = 8,192 neurons per core if the chip's 1 M neurons are spread evenly; neuron state shares the core's memory with synapses on Loihi 2, so a core full of neurons holds fewer synapses" },
    inputAxonsPerCore: fromLoihi1(LOIHI.limits.inputAxonsPerCore, "Loihi 1's limit"),
    outputAxonsPerCore: fromLoihi1(LOIHI.limits.outputAxonsPerCore, "Loihi 1's limit"),
    synapticMemoryBitsPerCore: fromLoihi1(LOIHI.limits.synapticMemoryBitsPerCore,
      "Loihi 1's 128 KiB; a secondary report (fbhtechinfo.com, after Intel's launch material) says each Loihi 2 core has 128 KB of SRAM 'flexibly partitioned' between neurons and synapses; 120 M synapses / 128 cores = 937,500 synapses per core is the chip maximum (compressed, low-precision weights)"),
  },
  mesh: {
    tilesX: { value: 16, unit: "cores", kind: "assumed", source: "fbhtechinfo.com (secondary, after Intel's launch material): '128 neuronal cores in a two-dimensional 8×16 mesh'", note: "one core per mesh position assumed" },
    tilesY: { value: 8, unit: "cores", kind: "assumed", source: "same secondary report", note: "one core per mesh position assumed" },
    coresPerTile: { value: 1, unit: "cores", kind: "assumed", source: "same secondary report", note: "hop energies then count core-to-core distances" },
  },
  synapse: {
    ...LOIHI.synapse,
    weightBits: fromLoihi1(LOIHI.synapse.weightBits, "NengoLoihi's 8-bit encoding of Loihi 1; Loihi 2 supports 1-8 bit weights and compression"),
    synapsesPerBlock: fromLoihi1(LOIHI.synapse.synapsesPerBlock, "Loihi 1's encoding"),
    blockHeaderBits: fromLoihi1(LOIHI.synapse.blockHeaderBits, "Loihi 1's encoding"),
    wordBits: fromLoihi1(LOIHI.synapse.wordBits, "Loihi 1's encoding"),
  },
  energy: {
    synOpJ: fromLoihi1(LOIHI.energy.synOpJ, E_WHY),
    synUpdateJ: fromLoihi1(LOIHI.energy.synUpdateJ, E_WHY),
    neuronUpdateActiveJ: fromLoihi1(LOIHI.energy.neuronUpdateActiveJ, E_WHY),
    neuronUpdateInactiveJ: fromLoihi1(LOIHI.energy.neuronUpdateInactiveJ, E_WHY),
    spikeWithinTileJ: fromLoihi1(LOIHI.energy.spikeWithinTileJ, E_WHY),
    hopEastWestJ: fromLoihi1(LOIHI.energy.hopEastWestJ, E_WHY),
    hopNorthSouthJ: fromLoihi1(LOIHI.energy.hopNorthSouthJ, E_WHY),
    staticPowerPerChipW: fromLoihi1(LOIHI.energy.staticPowerPerChipW, "Loihi 1's measured idle power (Blouw et al. 2019); Loihi 2 boards' idle power not found"),
  },
  time: {
    synOpS: fromLoihi1(LOIHI.time.synOpS, T_WHY),
    neuronUpdateActiveS: fromLoihi1(LOIHI.time.neuronUpdateActiveS, T_WHY),
    neuronUpdateInactiveS: fromLoihi1(LOIHI.time.neuronUpdateInactiveS, T_WHY),
    spikeWithinTileS: fromLoihi1(LOIHI.time.spikeWithinTileS, T_WHY),
    hopEastWestS: fromLoihi1(LOIHI.time.hopEastWestS, T_WHY),
    hopNorthSouthS: fromLoihi1(LOIHI.time.hopNorthSouthS, T_WHY),
    barrierSyncS: fromLoihi1(LOIHI.time.barrierSyncS, T_WHY),
  },
};
