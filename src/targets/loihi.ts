/**
 * Intel Loihi (first generation, 14 nm) as data: core limits, mesh layout, synapse encoding, and
 * energy/time per event, each number with its public source and a `kind`:
 *   "measured" — a figure the cited source publishes (a specification, a measurement, or — for
 *                Davies et al. 2018 Table 2 — a pre-silicon simulation result, as that table's caption
 *                says), used as published;
 *   "derived"  — computed from published figures (the arithmetic is in `note`);
 *   "assumed"  — no public figure found; the reasoning is in `note`.
 * Code reads only the `ChipDescription` interface; adding a chip means adding a file like this one.
 */

import { SpikewasmError } from "../errors.js";

/** Where a number comes from. */
export type SourceKind = "measured" | "derived" | "assumed";

/** One constant of a chip description. */
export interface Sourced {
  value: number;
  unit: string;
  kind: SourceKind;
  /** paper/table/page or repository/file@commit */
  source: string;
  note?: string;
}

/** A neuromorphic chip as the mapper and the cost model see it. */
export interface ChipDescription {
  name: string;
  limits: {
    coresPerChip: Sourced;
    compartmentsPerCore: Sourced;
    inputAxonsPerCore: Sourced;
    outputAxonsPerCore: Sourced;
    synapticMemoryBitsPerCore: Sourced;
  };
  mesh: { tilesX: Sourced; tilesY: Sourced; coresPerTile: Sourced };
  /** synapse memory encoding (NengoLoihi SynapseConfig.bits_per_axon) */
  synapse: {
    weightBits: Sourced;
    synapsesPerBlock: Sourced;
    blockHeaderBits: Sourced;
    wordBits: Sourced;
    /** allowed index widths of the sparse (indexed) format; the smallest >= log2(targets) is used */
    indexBits: number[];
  };
  energy: {
    synOpJ: Sourced;
    synUpdateJ: Sourced;
    neuronUpdateActiveJ: Sourced;
    neuronUpdateInactiveJ: Sourced;
    spikeWithinTileJ: Sourced;
    hopEastWestJ: Sourced;
    hopNorthSouthJ: Sourced;
    staticPowerPerChipW: Sourced;
  };
  time: {
    synOpS: Sourced;
    neuronUpdateActiveS: Sourced;
    neuronUpdateInactiveS: Sourced;
    spikeWithinTileS: Sourced;
    hopEastWestS: Sourced;
    hopNorthSouthS: Sourced;
    barrierSyncS: Sourced;
    /**
     * barrier time as a function of the tiles in use (replaces barrierSyncS when given): `step` takes the
     * value of the largest key <= tiles (SANA-FE's lookup table), `linear` interpolates between keys
     */
    barrierByTiles?: { tiles: number[]; seconds: number[]; rule: "step" | "linear"; source: Sourced };
  };
  /**
   * SANA-FE v2.2's per-neuron and per-message rules (when given, they replace the active/inactive
   * neuron-update split and the within-tile spike energy):
   *   soma    access (every neuron, every step) + update (a step where the potential was non-zero,
   *           input arrived or the bias is non-zero) + spikeOut (a step where it fired);
   *   message out (per message sent, at the source core) + hops + in (per message received);
   *   synapse energy/latency per synaptic event by the layer's synapse unit (dense, sparse, conv).
   */
  sanafe?: {
    soma: { accessJ: Sourced; accessS: Sourced; updateJ: Sourced; updateS: Sourced; spikeOutJ: Sourced; spikeOutS: Sourced };
    message: { outJ: Sourced; outS: Sourced; inJ: Sourced; inS: Sourced };
    synapse: { denseJ: Sourced; denseS: Sourced; sparseJ: Sourced; sparseS: Sourced; convJ: Sourced; convS: Sourced };
  };
}

const DAVIES = "Davies et al. 2018, 'Loihi: A Neuromorphic Manycore Processor with On-Chip Learning', IEEE Micro 38(1):82-99";
const DAVIES_T2 = `${DAVIES}, Table 2 (pre-silicon SDF/SPICE figures at 0.75 V)`;
const SANAFE_TECH = "SLAM-Lab/SANA-FE, loihi.tech @ 2f8f5f6fd121e1eb50eeb83a568d0cac2b0bc384 (SANA-FE's early technology file; header: all numbers 'taken from' Davies et al. 2018)";
/** a public research note (Markdown) that quotes Table 2 row by row from the PDF; the code index found it by content (find_string id 68967295420) but does not name its repository */
const T2_NOTE = "a public GitHub research note on Loihi constants quoting Table 2's rows (repository not named by the search index)";
const T2_VIA = "Table 2 value as transcribed by three independent public secondary sources that agree on it: a Rust crate's Loihi price table; " +
  `${SANAFE_TECH}; ${T2_NOTE}. The PDF itself could not be read here (the only indexed copy, on pdfslide.us, exposes its first page only)`;
const T2_TIME_VIA = `Table 2 value as listed in ${SANAFE_TECH} and quoted in ${T2_NOTE} (the two agree); the PDF itself could not be read here`;
const BLOUW = "Blouw, Choo, Hunsberger, Eliasmith, 'Benchmarking Keyword Spotting Efficiency on Neuromorphic Hardware', NICE '19 (doi 10.1145/3320288.3320304)";
const BLOUW_SRC = "abr/power_benchmarks, paper/power_summary_acm_format.tex @ c89fcc1a787e4f23f36a00dcaca85ec4de26de30 (the authors' LaTeX source)";
const NENGO_BLOCK = "nengo/nengo-loihi, nengo_loihi/block.py @ f93bc9b0fd01b149949eeb078dbb9383a8f396b4";
const SANAFE = "SLAM-Lab/SANA-FE, arch/loihi.yaml @ 0d49da8fce7bd86694d4f85fc715491ffe7d943a (header: numbers 'taken from' Davies et al. 2018)";

/** Loihi 1 with Davies et al. 2018 Table 2 energies and times, and Blouw et al. 2019's measured idle power. */
export const LOIHI: ChipDescription = {
  name: "loihi",
  limits: {
    coresPerChip: { value: 128, unit: "cores", kind: "measured", source: `${DAVIES}, chip overview (128 neuromorphic cores)`,
      note: `consistent with ${SANAFE}: 32 tiles x 4 cores` },
    compartmentsPerCore: { value: 1024, unit: "compartments", kind: "measured", source: `${NENGO_BLOCK}: MAX_COMPARTMENTS (base64 'MTAyNA==' = 1024); ${DAVIES}` },
    inputAxonsPerCore: { value: 4096, unit: "axons", kind: "measured", source: `${NENGO_BLOCK}: MAX_IN_AXONS (base64 'NDA5Ng==' = 4096); ${SANAFE}: axon_in fan_in 4096` },
    outputAxonsPerCore: { value: 4096, unit: "axon slots", kind: "measured", source: `${NENGO_BLOCK}: MAX_OUT_AXONS (4096); ${SANAFE}: axon_out fan_out 4096` },
    synapticMemoryBitsPerCore: { value: 1048576, unit: "bit", kind: "measured", source: `${NENGO_BLOCK}: MAX_SYNAPSE_BITS (base64 'MTA0ODU3Ng==' = 1048576 bit = 128 KiB)` },
  },
  mesh: {
    tilesX: { value: 8, unit: "tiles", kind: "measured", source: `${SANAFE}: topology mesh, width 8` },
    tilesY: { value: 4, unit: "tiles", kind: "measured", source: `${SANAFE}: height 4` },
    coresPerTile: { value: 4, unit: "cores", kind: "measured", source: `${SANAFE}: loihi_core[0..3] per tile` },
  },
  synapse: {
    weightBits: { value: 8, unit: "bit", kind: "measured", source: `${NENGO_BLOCK}: Synapse._set_weights_indices sets weight_bits=7, WEIGHT_BITS_MAP[7] = 8 (map [0,1,2,3,4,5,6,8]); delay and tag bits 0`,
      note: `${SANAFE} uses 16 bits per synapse ('8 weight bits, 1 sign bit and delay+tag bits'); NengoLoihi's encoding is the one used here` },
    synapsesPerBlock: { value: 64, unit: "synapses", kind: "measured", source: `${NENGO_BLOCK}: n_synapses=63, synapses_per_block = n_synapses + 1` },
    blockHeaderBits: { value: 10, unit: "bit", kind: "measured", source: `${NENGO_BLOCK}: SynapseConfig.bits_per_axon, synapse_idx_bits 4 + n_synapses_bits 6 per block` },
    wordBits: { value: 64, unit: "bit", kind: "measured", source: `${NENGO_BLOCK}: bits_per_axon rounds each block up to a multiple of 64 bits` },
    indexBits: [6, 7, 8, 9, 10, 11, 12],
  },
  energy: {
    synOpJ: { value: 23.6e-12, unit: "J", kind: "measured", source: `${DAVIES_T2}: energy per synaptic spike op (min)`,
      note: `${T2_VIA}. Table 2 labels it a minimum. Silicon-calibrated alternative: ${SANAFE} energy_spike 35.5e-12` },
    synUpdateJ: { value: 120e-12, unit: "J", kind: "measured", source: `${DAVIES_T2}: energy per synaptic update (pairwise STDP)`,
      note: `Table 2 row 'energy per synaptic update (pairwise STDP)' = 120 pJ (time per synaptic update 6.1 ns) as quoted in ${T2_NOTE}; ` +
        "a second public repository also lists Loihi at 120 pJ per weight update citing Davies et al. 2018. SANA-FE's files have no learning figure. " +
        "The PDF itself could not be read here. Unused by the cost model (no on-chip learning during inference)" },
    neuronUpdateActiveJ: { value: 81e-12, unit: "J", kind: "measured", source: `${DAVIES_T2}: energy per neuron update (active)`,
      note: `${T2_VIA}. ${SANAFE} (SANA-FE's own, later figure): energy_active 72.8e-12` },
    neuronUpdateInactiveJ: { value: 52e-12, unit: "J", kind: "measured", source: `${DAVIES_T2}: energy per neuron update (inactive)`,
      note: `${T2_VIA}. ${SANAFE} (SANA-FE's own, later figure): energy_inactive 51.2e-12` },
    spikeWithinTileJ: { value: 1.7e-12, unit: "J", kind: "measured", source: `${DAVIES_T2}: within-tile spike energy`,
      note: `${T2_VIA}; also ${SANAFE} (commented energy_spike_within_tile: 1.7e-12)` },
    hopEastWestJ: { value: 3.0e-12, unit: "J", kind: "measured", source: `${DAVIES_T2}: energy per tile hop (E-W)`, note: `${T2_VIA}; ${SANAFE}: energy_east/west 3.0e-12` },
    hopNorthSouthJ: { value: 4.0e-12, unit: "J", kind: "measured", source: `${DAVIES_T2}: energy per tile hop (N-S)`,
      note: `${T2_VIA}; ${SANAFE_TECH} lists energy_north_south_hop 4.0e-12 too. The later ${SANAFE} lists 4.2e-12 (energy_north/south), which is not the Table 2 figure` },
    staticPowerPerChipW: { value: 0.029, unit: "W", kind: "measured", source: `${BLOUW}, Table 1: Loihi idle power 0.029 W (Wolf Mountain board); read in ${BLOUW_SRC}`,
      note: "what it covers, per the paper's 'Measurement Precision' section: silicon leakage while powered plus the embedded x86 cores idling, measured from boot " +
        "(barrier sync, spike processing and x86 per-step work count as dynamic power: 0.081 W while running the keyword spotter). The paper says idle power after a " +
        "model has run once is about 70 mW higher (the authors suspect the x86 cores stay active), and it does not say how many chips the board powered, so using 0.029 W " +
        "per chip is this project's reading. Other public figure, not verified here: Frady et al. 2020 (Pohoiki Springs, arXiv 2004.12691) Table 1 static 3.34 W " +
        "extrapolated from a 32-chip board, about 104 mW per chip (quoted in a public research note; the paper itself was not readable here). " +
        "Davies et al. 2018 gives no static power. Set 0 to exclude static energy" },
  },
  time: {
    synOpS: { value: 3.5e-9, unit: "s", kind: "measured", source: `${DAVIES_T2}: time per synaptic spike op (max); ${SANAFE_TECH}: time_spike_op 3.5e-9`,
      note: `${T2_TIME_VIA}. Table 2 labels it a maximum. Was 4.0 ns from ${SANAFE} (core_synapses latency_spike, SANA-FE's own figure, kept in LOIHI_SANAFE), which exceeds the Table 2 maximum` },
    neuronUpdateActiveS: { value: 8.4e-9, unit: "s", kind: "measured", source: `${DAVIES_T2}: time per neuron update (active); ${SANAFE_TECH}: time_active_neuron_update 8.4e-9`,
      note: `${T2_TIME_VIA}. The cost model counts a spiking step as active. Was 9.7 ns from ${SANAFE} (latency_active, SANA-FE's own figure); SANA-FE's spiking update 30.0e-9 is used by LOIHI_SANAFE` },
    neuronUpdateInactiveS: { value: 5.3e-9, unit: "s", kind: "measured", source: `${DAVIES_T2}: time per neuron update (inactive); ${SANAFE_TECH}: time_inactive_neuron_update 5.3e-9`,
      note: `${T2_TIME_VIA}. Was 6.0 ns from ${SANAFE} (latency_inactive, SANA-FE's own figure; kept in LOIHI_SANAFE)` },
    spikeWithinTileS: { value: 2.1e-9, unit: "s", kind: "measured", source: `${DAVIES_T2}: within-tile spike latency; ${SANAFE_TECH}: time_spike_within_tile 2.1e-9`,
      note: `${T2_TIME_VIA}; ${SANAFE} agrees (latency_spike_within_tile 2.1e-9)` },
    hopEastWestS: { value: 4.1e-9, unit: "s", kind: "measured", source: `${DAVIES_T2}: latency per tile hop (E-W); ${SANAFE_TECH}: time_east_west_hop 4.1e-9`,
      note: `${T2_TIME_VIA}; ${SANAFE} agrees (latency_east/west 4.1e-9)` },
    hopNorthSouthS: { value: 6.5e-9, unit: "s", kind: "measured", source: `${DAVIES_T2}: latency per tile hop (N-S); ${SANAFE_TECH}: time_north_south_hop 6.5e-9`,
      note: `${T2_TIME_VIA}; ${SANAFE} agrees (latency_north/south 6.5e-9)` },
    barrierSyncS: { value: 465e-9, unit: "s", kind: "measured", source: `${DAVIES_T2}: mesh-wide barrier sync time, 113-465 ns for 1-32 tiles; the 32-tile (whole chip) end`,
      note: `${T2_TIME_VIA}. One value per step is modelled, so the whole-chip mesh (32 tiles) figure is used; a mesh of 1 tile syncs in 113 ns. ` +
        `Was 299 ns from ${SANAFE} (latency_global_barrier): not a Table 2 figure — ${SANAFE_TECH} marks its 299 ns as a stand-in inside the 113-465 ns range, to be replaced by a per-tile function (kept in LOIHI_SANAFE). ` +
        "Multi-chip barriers are longer (microseconds on Pohoiki Springs per Frady et al. 2020, as quoted in the research note above; not verified here) and are not modelled" },
    barrierByTiles: { tiles: [1, 32], seconds: [113e-9, 465e-9], rule: "linear",
      source: { value: 465e-9, unit: "s", kind: "derived", source: `${DAVIES_T2}: mesh-wide barrier sync time 113-465 ns for 1-32 tiles`,
        note: `${T2_TIME_VIA}. Linear in the tiles in use between the two published ends (an estimate: Table 2 gives the range only)` } },
  },
};

/** Every `Sourced` constant of a description object, at any depth, as a flat list named by its path (for reports). */
export function sourcedConstants(obj: object, prefix = ""): Array<{ name: string } & Sourced> {
  const out: Array<{ name: string } & Sourced> = [];
  const walk = (at: string, o: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(o)) {
      if (!v || typeof v !== "object" || Array.isArray(v)) continue;
      if ("value" in v && "source" in v) out.push({ name: `${at}${k}`, ...(v as Sourced) });
      else walk(`${at}${k}.`, v as Record<string, unknown>);
    }
  };
  walk(prefix, obj as Record<string, unknown>);
  return out;
}

/** Every constant of a chip as a flat list (for reports): path, value, unit, kind, source. */
export function chipConstants(chip: ChipDescription): Array<{ name: string } & Sourced> {
  return sourcedConstants(chip);
}

const SANAFE22 = "SLAM-Lab/SANA-FE v2.2 Loihi description: sanafe/examples/loihi.yaml @ af110515f480a13929fd595b1b927225a36d048a (release 2.2.7); " +
  "the same constants in arch/loihi.yaml @ 934b59386a82e7deb1b05ea1393a3c9d375207bb. Release 2.2.1 (docs/conf.py @ 003e5b5d18d3053d7f7afe0f6a851abfc09470d9) lies between them; " +
  "the description is not stored at that commit, and every priced constant is identical on both sides of it";
const SANAFE22_RULES = "SLAM-Lab/SANA-FE src/chip.cpp (process_neuron, pipeline_process_axon_out, receive_message), src/models.cpp (LoihiLifModel::update), src/schedule.cpp @ af110515";
const sf = (value: number, unit: string, what: string, note?: string): Sourced => ({ value, unit, kind: "measured", source: `${SANAFE22}: ${what}`, ...(note ? { note } : {}) });

/**
 * The same chip priced as SANA-FE v2.2 prices it (SANA-FE reports Loihi energy within ~12 % and latency
 * within ~25 % of silicon, on-chip time only): soma access every step + update when the potential is
 * non-zero, input arrived or a bias is set + spike out when it fires; one message per destination core,
 * 111 pJ out + hops + 0 pJ in (16 ns in); synaptic events priced by synapse unit (dense 35.5 pJ / 3.8 ns,
 * sparse 33.6 / 4.7, conv 24.0 / 3.1); barrier from a lookup by tiles in use (0.6 / 1.0 / 1.4 / 1.8 µs at
 * 1 / 2 / 4 / 29 tiles). SANA-FE has no static power, no x86 and no host I/O (loihi-system.ts adds those),
 * and it does not check the synaptic-memory limit (the mapper here does).
 */
export const LOIHI_SANAFE: ChipDescription = {
  ...LOIHI,
  name: "loihi-sanafe",
  energy: {
    ...LOIHI.energy,
    synOpJ: sf(35.5e-12, "J", "loihi_dense_synapse energy_process_spike 35.5e-12"),
    neuronUpdateActiveJ: sf(51.2e-12 + 21.6e-12 + 69.3e-12, "J", "soma access 51.2e-12 + update 21.6e-12 + spike_out 69.3e-12", "a spiking step; the cost model applies the three terms separately"),
    neuronUpdateInactiveJ: sf(51.2e-12, "J", "loihi_lif energy_access_neuron 51.2e-12"),
    spikeWithinTileJ: sf(111e-12, "J", "loihi_out energy_message_out 111e-12 (SANA-FE has no within-tile cost: the message is charged at axon out)"),
    hopEastWestJ: sf(3.0e-12, "J", "energy_east/west 3.0e-12"),
    hopNorthSouthJ: sf(4.2e-12, "J", "energy_north/south 4.2e-12", "Davies et al. 2018 Table 2 gives 4.0 pJ"),
  },
  time: {
    ...LOIHI.time,
    synOpS: sf(3.8e-9, "s", "loihi_dense_synapse latency_process_spike 3.8e-9"),
    neuronUpdateActiveS: sf(6.0e-9 + 3.7e-9 + 30.0e-9, "s", "soma access 6.0e-9 + update 3.7e-9 + spike_out 30.0e-9"),
    neuronUpdateInactiveS: sf(6.0e-9, "s", "loihi_lif latency_access_neuron 6.0e-9"),
    spikeWithinTileS: sf(5.1e-9, "s", "loihi_out latency_message_out 5.1e-9"),
    hopNorthSouthS: sf(6.5e-9, "s", "latency_north/south 6.5e-9"),
    hopEastWestS: sf(4.1e-9, "s", "latency_east/west 4.1e-9"),
    barrierSyncS: sf(1.8e-6, "s", "latency_sync table, 29 tiles: 1.8e-6 (the whole-chip end)"),
    barrierByTiles: { tiles: [1, 2, 4, 29], seconds: [0.6e-6, 1.0e-6, 1.4e-6, 1.8e-6], rule: "step",
      source: sf(1.8e-6, "s", "sync_model table, latency_sync {1: 0.6e-6, 2: 1.0e-6, 4: 1.4e-6, 29: 1.8e-6}", `${SANAFE22_RULES}: the value of the largest key <= the tiles holding neurons`) },
  },
  sanafe: {
    soma: {
      accessJ: sf(51.2e-12, "J", "loihi_lif energy_access_neuron"), accessS: sf(6.0e-9, "s", "loihi_lif latency_access_neuron"),
      updateJ: sf(21.6e-12, "J", "loihi_lif energy_update_neuron"), updateS: sf(3.7e-9, "s", "loihi_lif latency_update_neuron"),
      spikeOutJ: sf(69.3e-12, "J", "loihi_lif energy_spike_out"), spikeOutS: sf(30.0e-9, "s", "loihi_lif latency_spike_out"),
    },
    message: {
      outJ: sf(111e-12, "J", "loihi_out energy_message_out"), outS: sf(5.1e-9, "s", "loihi_out latency_message_out"),
      inJ: sf(0, "J", "loihi_in energy_message_in"), inS: sf(16e-9, "s", "loihi_in latency_message_in"),
    },
    synapse: {
      denseJ: sf(35.5e-12, "J", "loihi_dense_synapse energy_process_spike"), denseS: sf(3.8e-9, "s", "loihi_dense_synapse latency_process_spike"),
      sparseJ: sf(33.6e-12, "J", "loihi_sparse_synapse energy_process_spike"), sparseS: sf(4.7e-9, "s", "loihi_sparse_synapse latency_process_spike"),
      convJ: sf(24.0e-12, "J", "loihi_conv_synapse energy_process_spike"), convS: sf(3.1e-9, "s", "loihi_conv_synapse latency_process_spike"),
    },
  },
};

/** Per-event constant sets of Loihi 1 (`--loihi-constants`). */
export const LOIHI_CONSTANT_SETS = { davies: LOIHI, sanafe: LOIHI_SANAFE } as const;
export type LoihiConstantSet = keyof typeof LOIHI_CONSTANT_SETS;

/** Checks a constant-set name (named error, exit 2, for an unknown one). */
export function checkLoihiConstants(name: string, option = "--loihi-constants"): LoihiConstantSet {
  if (!Object.hasOwn(LOIHI_CONSTANT_SETS, name))
    throw new SpikewasmError(`${option}: unknown Loihi constant set '${name}' (available: ${Object.keys(LOIHI_CONSTANT_SETS).join(", ")})`);
  return name as LoihiConstantSet;
}
