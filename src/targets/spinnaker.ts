/**
 * SpiNNaker (first generation; SpiNN-3 and SpiNN-5 boards) as data, a population mapper and a cost model.
 *
 * MAPPING (as sPyNNaker/PACMAN splits populations): every population — the spike-source population of
 * the input included — is cut into ceil(n / neuronsPerCore) cores of its own; no core holds two
 * populations. Feasible when the cores fit the board's application cores (chips × application cores
 * per chip). Not modelled: synaptic-matrix SDRAM and DTCM limits, delay extensions, routing-table size,
 * the extra system cores sPyNNaker reserves on Ethernet chips.
 *
 * COST: SNABSuite's calibrated event-count model (src/targets/snabsuite.ts) with the board's
 * coefficients: dense projections are priced as all-to-all ("S2A"/"A2A"), convolutions and pooling as
 * "random" (FixedFanOut/FromList), add/concat as one-to-one. Wall time = chip steps × 1 ms (real time,
 * an assumption SNABSuite's own calibration runs support: 10002 ms wall for 10000 ms model time).
 */
import type { SnnGraph } from "../ir/graph.js";
import type { Sourced } from "./loihi.js";
import { connectorOf, geometries } from "./geometry.js";
import { type SnabEnergy, type SnabPlatformName, snabsuiteEnergy } from "./snabsuite.js";

export interface SpinnakerBoard {
  name: "spinn3" | "spinn5";
  platform: SnabPlatformName;
  chips: Sourced;
  coresPerChip: Sourced;
  applicationCoresPerChip: Sourced;
  neuronsPerCore: Sourced;
  timestepS: Sourced;
}

const GUIDEBOOK = "electronicvisions/hbp-sp9-guidebook, mc/using_spiNNaker.rst (sPyNNaker limitations, also in sPyNNaker's own limitation page): " +
  "'All of our neural models have a limitation of 255 neurons per core'";
const SPYNNAKER_IFCOND = "sPyNNaker, spynnaker/pyNN/models/neuron/builds/if_cond_exp_base.py: DEFAULT_MAX_ATOMS_PER_CORE = 255 (_model_based_max_atoms_per_core)";
const SPYNNAKER_INSTALL = "sPyNNaker installation guide (SpiNNakerManchester): machine 'version' is '3' for a 4-chip board or '5' on a 48-chip board";
const CHIP = "Painkras et al. 2013, 'SpiNNaker: A 1-W 18-Core System-on-Chip for Massively-Parallel Neural Network Simulation', IEEE JSSC 48(8); " +
  "also the SpiNN-5 description of the Lille neuromorphic platform wiki ('48 SpiNNaker chips. Each chip contains 18 ARM cores')";

const common = {
  coresPerChip: { value: 18, unit: "ARM968 cores", kind: "measured", source: CHIP } as Sourced,
  applicationCoresPerChip: { value: 16, unit: "cores", kind: "assumed", source: "SpiNNaker system convention (Furber et al. 2014, Proc. IEEE 102(5)): one monitor core per chip, one spare",
    note: "18 cores per chip less one monitor (SpiNNFrontEndCommon splits processors into monitor and user ones) and one held back as a spare for fault tolerance; " +
      "the split is not a hardware constant (a chip with a faulty core has 15) and sPyNNaker reserves further system cores on Ethernet chips, not modelled" } as Sourced,
  neuronsPerCore: { value: 255, unit: "neurons", kind: "measured", source: `${GUIDEBOOK}; ${SPYNNAKER_IFCOND}`,
    note: "the default for IF_cond_exp (SNABSuite's neuron type) and the other built-in models; users may lower it with set_number_of_neurons_per_core; spike-source populations are assumed to use the same figure" } as Sourced,
  timestepS: { value: 1e-3, unit: "s", kind: "assumed", source: "sPyNNaker default timestep 1 ms, run in real time (time_scale_factor 1)",
    note: "SNABSuite's SpiNNaker calibration runs measured 10002 ms wall for 10000 ms of model time; slower time scales are possible and not modelled" } as Sourced,
};

export const SPINN3: SpinnakerBoard = { name: "spinn3", platform: "spinn3", ...common,
  chips: { value: 4, unit: "chips", kind: "measured", source: `${SPYNNAKER_INSTALL}; Rig docs: a SpiNN-3 board is 2 × 2 chips` } };
export const SPINN5: SpinnakerBoard = { name: "spinn5", platform: "spinn5", ...common,
  chips: { value: 48, unit: "chips", kind: "measured", source: `${SPYNNAKER_INSTALL}; Lille neuromorphic platform wiki: 'the SpiNN-5 (SpiNNaker 103) board, which consists of 48 SpiNNaker chips'` } };

export interface SpinnakerLayerActivity { id: string; spikes: number; synops: number }

export interface SpinnakerPopulation { id: string; kind: string; neurons: number; cores: number; connector: string | null; fedByInput: boolean }

export interface SpinnakerMapping { board: string; populations: SpinnakerPopulation[]; cores: number; applicationCores: number; chipsUsed: number; feasible: boolean; reason?: string }

/** Splits every population (and the input spike source) over cores of `neuronsPerCore`. */
export function mapToSpinnaker(graph: SnnGraph, board: SpinnakerBoard): SpinnakerMapping {
  const per = board.neuronsPerCore.value;
  const geoms = geometries(graph, "SpiNNaker");
  const inputs = graph.nodes.filter((n) => n.kind === "input");
  const pops: SpinnakerPopulation[] = [
    ...inputs.map((n) => {
      const size = n.kind === "input" ? n.shape.reduce((a, b) => a * b, 1) : 0;
      return { id: n.id, kind: "spike source", neurons: size, cores: Math.ceil(size / per), connector: null, fedByInput: false };
    }),
    ...geoms.map((g) => ({ id: g.node.id, kind: g.node.kind, neurons: g.neurons, cores: Math.ceil(g.neurons / per), connector: connectorOf(g), fedByInput: g.inputs.some((i) => i.srcIsInput) })),
  ];
  const cores = pops.reduce((a, p) => a + p.cores, 0);
  const perChip = board.applicationCoresPerChip.value, applicationCores = board.chips.value * perChip;
  const feasible = cores <= applicationCores;
  return {
    board: board.name, populations: pops, cores, applicationCores, chipsUsed: Math.ceil(cores / perChip), feasible,
    ...(feasible ? {} : { reason: `needs ${cores} application cores (${pops.map((p) => `${p.id} ${p.neurons} neurons → ${p.cores}`).join(", ")}; ${per} neurons per core), ` +
      `the ${board.name.toUpperCase()} board has ${applicationCores} (${board.chips.value} chips × ${perChip} application cores; limit applicationCoresPerChip × chips)` }),
  };
}

export interface SpinnakerCost extends SnabEnergy { latencyS: number; powerW: number; inferencesPerS: number; steps: number }

/**
 * Energy of one inference of `steps` chip steps from per-layer activity (spikes emitted by and synaptic
 * events into each population, per inference): SNABSuite's model with events split by connector.
 */
export function spinnakerCost(mapping: SpinnakerMapping, activity: SpinnakerLayerActivity[], board: SpinnakerBoard, steps: number): SpinnakerCost {
  const act = new Map(activity.map((a) => [a.id, a]));
  const ev = { oneToOne: 0, allToAll: 0, random: 0 }, input = { oneToOne: 0, allToAll: 0, random: 0 };
  let neurons = 0, spikes = 0;
  for (const p of mapping.populations) {
    if (p.connector === null) continue;
    const a = act.get(p.id) ?? { spikes: 0, synops: 0 };
    neurons += p.neurons;
    spikes += a.spikes;
    (p.fedByInput ? input : ev)[p.connector as keyof typeof ev] += a.synops;
  }
  const e = snabsuiteEnergy(board.platform, { neurons, steps, dtMs: board.timestepS.value * 1000, spikes, synapticEvents: ev, inputEvents: input });
  const latencyS = e.wallTimeMs / 1000;
  return { ...e, latencyS, powerW: e.energyJ / latencyS, inferencesPerS: 1 / latencyS, steps };
}
