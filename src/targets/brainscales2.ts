/**
 * BrainScaleS-2 (one HICANN-X ASIC, Heidelberg) as data, a capacity check and a power × time cost.
 *
 * PUBLIC FIGURES ARE THIN for spiking inference:
 *   measured — 512 neuron circuits, a 256-row × 512-column synapse array (131,072 synapses), 6-bit
 *              weights, 1000-fold acceleration (Pehle et al. 2022; Billaudelle et al.; KIP pages);
 *              192 µJ ASIC energy in 276 µs per sample (Stradmann et al. 2022, analog MAC mode);
 *   derived  — ASIC power 192 µJ / 276 µs = 0.696 W;
 *   assumed  — that this power holds in spiking mode; 1 ms of biological time per SNN step (so a step
 *              takes 1 µs of wall time at 1000×); that a signed input takes two synapse rows
 *              (one excitatory, one inhibitory), so a neuron reads at most 128 signed inputs; one chip.
 * MAPPING: one population neuron per neuron circuit (no multi-compartment merging of circuits to
 * widen the fan-in, no multi-chip); feasible when Σ neurons ≤ 512 and every neuron's fan-in ≤ 128.
 * Accuracy is the float SNN's: the analog circuits' fixed-pattern noise, 6-bit weights and
 * calibration are not modelled.
 */
import type { SnnGraph } from "../ir/graph.js";
import type { Sourced } from "./loihi.js";
import { geometries, maxNeuronFanIn, pipelineDepth } from "./geometry.js";

const PEHLE = "Pehle et al. 2022, 'The BrainScaleS-2 Accelerated Neuromorphic System With Hybrid Plasticity', Front. Neurosci. 16:795876";
const KIP = "Kirchhoff-Institut für Physik, BrainScaleS-2 hardware page (kip.uni-heidelberg.de/vision/research/hardware): '512 adaptive integrate-and-fire neurons, 131k plastic synapses', " +
  "'Accelerated (1,000-fold compared to biological real time)'";
const STRADMANN = "Stradmann et al. 2022, 'Demonstrating Analog Inference on the BrainScaleS-2 Mobile System', IEEE OJCAS 3:252-262 (abstract: '192 µJ for the ASIC ... 276 µs per electrocardiographic patient sample')";
const WEIS = "Weis et al. 2020, 'Inference with Artificial Neural Networks on Analog Neuromorphic Hardware' (arXiv:2006.13177): inputs 5 bit, weights 6 bit, activations 8 bit";

export interface BrainScaleS2Description {
  name: string;
  neurons: Sourced;
  synapseRows: Sourced;
  synapseColumns: Sourced;
  rowsPerSignedInput: Sourced;
  weightBits: Sourced;
  maxChips: Sourced;
  acceleration: Sourced;
  bioTimePerStepS: Sourced;
  asicEnergyJ: Sourced;
  asicTimeS: Sourced;
  asicPowerW: Sourced;
}

export const BRAINSCALES2: BrainScaleS2Description = {
  name: "brainscales2",
  neurons: { value: 512, unit: "neuron circuits", kind: "measured", source: `${PEHLE}; ${KIP}` },
  synapseRows: { value: 256, unit: "rows", kind: "measured", source: `${PEHLE} (256 × 512 synapse array, two hemispheres of 256 × 256)`, note: "131,072 synapses = 256 × 512; each neuron column has 256 synapses" },
  synapseColumns: { value: 512, unit: "columns", kind: "measured", source: PEHLE },
  rowsPerSignedInput: { value: 2, unit: "rows", kind: "assumed", source: `a synapse row is driven either excitatory or inhibitory (${PEHLE}); ${WEIS}`,
    note: "a signed weight needs one excitatory and one inhibitory row per input, so a neuron reads at most 256 / 2 = 128 signed inputs (multi-compartment merging of circuits, which widens it, is not modelled)" },
  weightBits: { value: 6, unit: "bit", kind: "measured", source: WEIS, note: "not modelled: accuracy is the float SNN's" },
  maxChips: { value: 1, unit: "chips", kind: "assumed", source: "single-ASIC systems (the BrainScaleS-2 mobile system, Stradmann et al. 2022)", note: "multi-chip BrainScaleS-2 setups exist but are not modelled" },
  acceleration: { value: 1000, unit: "× biological time", kind: "measured", source: KIP },
  bioTimePerStepS: { value: 1e-3, unit: "s (biological)", kind: "assumed", source: "one SNN step = 1 ms of biological time, as on SpiNNaker and TrueNorth",
    note: "with 1000× acceleration a step takes 1 µs of wall time; shorter steps need faster circuit time constants, limited by calibration" },
  asicEnergyJ: { value: 192e-6, unit: "J", kind: "measured", source: STRADMANN },
  asicTimeS: { value: 276e-6, unit: "s", kind: "measured", source: STRADMANN },
  asicPowerW: { value: 192e-6 / 276e-6, unit: "W", kind: "derived", source: STRADMANN,
    note: "192 µJ / 276 µs = 0.696 W of the ASIC while classifying (analog MAC mode, not spiking; the system drew 5.6 W); ASSUMED to hold for spiking inference — no spiking-mode ASIC power was found" },
};

export interface BrainScaleS2Result {
  neurons: number;
  maxFanIn: number;
  feasible: boolean;
  reason?: string;
  steps: number;
  latencyS: number;
  energyPerInferenceJ: number;
  powerW: number;
  inferencesPerS: number;
}

/** Capacity check and cost of `T` steps (+ pipeline depth) of the graph on one ASIC. */
export function brainScaleS2(graph: SnnGraph, T: number, chip: BrainScaleS2Description = BRAINSCALES2): BrainScaleS2Result {
  const geoms = geometries(graph, "BrainScaleS-2");
  const neurons = geoms.reduce((a, g) => a + g.neurons, 0);
  const fan = geoms.map((g) => ({ id: g.node.id, f: maxNeuronFanIn(g) }));
  const maxFanIn = Math.max(0, ...fan.map((x) => x.f));
  const nMax = chip.neurons.value * chip.maxChips.value, fMax = Math.floor(chip.synapseRows.value / chip.rowsPerSignedInput.value);
  const reasons: string[] = [];
  if (neurons > nMax) reasons.push(`needs ${neurons} neurons (${geoms.map((g) => `${g.node.id} ${g.neurons}`).join(", ")}), one ASIC has ${nMax} neuron circuits (limit neurons × maxChips)`);
  const wide = fan.filter((x) => x.f > fMax);
  if (wide.length) reasons.push(`fan-in ${wide.map((x) => `${x.id} ${x.f}`).join(", ")} exceeds ${fMax} signed inputs per neuron (${chip.synapseRows.value} synapse rows / ${chip.rowsPerSignedInput.value} rows per signed input)`);
  const steps = T + pipelineDepth(geoms);
  const latencyS = (steps * chip.bioTimePerStepS.value) / chip.acceleration.value;
  const energy = chip.asicPowerW.value * latencyS;
  return { neurons, maxFanIn, feasible: reasons.length === 0, ...(reasons.length ? { reason: reasons.join("; ") } : {}), steps, latencyS,
    energyPerInferenceJ: energy, powerW: chip.asicPowerW.value, inferencesPerS: 1 / latencyS };
}
