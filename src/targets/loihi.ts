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
  };
}

const DAVIES = "Davies et al. 2018, 'Loihi: A Neuromorphic Manycore Processor with On-Chip Learning', IEEE Micro 38(1):82-99";
const DAVIES_T2 = `${DAVIES}, Table 2 (pre-silicon SDF/SPICE figures at 0.75 V)`;
const T2_VIA = "value as transcribed from Table 2 in a public source found by search (a Rust crate's Loihi price table, " +
  "which quotes: synop 23.6 pJ (min), within-tile spike 1.7 pJ, hop 3.0 pJ E-W / 4.0 pJ N-S, neuron update 81 pJ active / 52 pJ inactive); " +
  "not re-read from the PDF here";
const NENGO_BLOCK = "nengo/nengo-loihi, nengo_loihi/block.py @ f93bc9b0fd01b149949eeb078dbb9383a8f396b4";
const SANAFE = "SLAM-Lab/SANA-FE, arch/loihi.yaml @ 0d49da8fce7bd86694d4f85fc715491ffe7d943a (header: numbers 'taken from' Davies et al. 2018)";

/** Loihi 1 with Davies et al. 2018 Table 2 energies and SANA-FE's timing figures. */
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
      note: `${T2_VIA}. Silicon-calibrated alternative: ${SANAFE} energy_spike 35.5e-12` },
    synUpdateJ: { value: 120e-12, unit: "J", kind: "assumed", source: `${DAVIES_T2}: energy per synaptic update (learning)`,
      note: "not found in any source retrievable here; 120 pJ is recalled from Table 2 and unverified. Unused by the cost model (no on-chip learning during inference)" },
    neuronUpdateActiveJ: { value: 81e-12, unit: "J", kind: "measured", source: `${DAVIES_T2}: energy per neuron update (active)`,
      note: `${T2_VIA}. ${SANAFE}: energy_active 72.8e-12` },
    neuronUpdateInactiveJ: { value: 52e-12, unit: "J", kind: "measured", source: `${DAVIES_T2}: energy per neuron update (inactive)`,
      note: `${T2_VIA}. ${SANAFE}: energy_inactive 51.2e-12` },
    spikeWithinTileJ: { value: 1.7e-12, unit: "J", kind: "measured", source: `${DAVIES_T2}: within-tile spike energy`,
      note: `${T2_VIA}; also ${SANAFE} (commented energy_spike_within_tile: 1.7e-12)` },
    hopEastWestJ: { value: 3.0e-12, unit: "J", kind: "measured", source: `${DAVIES_T2}: energy per tile hop (E-W)`, note: `${T2_VIA}; ${SANAFE}: energy_east/west 3.0e-12` },
    hopNorthSouthJ: { value: 4.0e-12, unit: "J", kind: "measured", source: `${DAVIES_T2}: energy per tile hop (N-S)`,
      note: `${T2_VIA}; ${SANAFE} lists 4.2e-12 (energy_north/south) — the two sources disagree by 0.2 pJ` },
    staticPowerPerChipW: { value: 0, unit: "W", kind: "assumed", source: "none found",
      note: "Davies et al. 2018 Table 2 gives per-event energies only; no public per-chip static power for Loihi 1 was found in the searched sources. " +
        "0 W excludes static energy (the cost report shows the static term separately); set a measured board value to include it" },
  },
  time: {
    synOpS: { value: 4.0e-9, unit: "s", kind: "measured", source: `${SANAFE}: core_synapses latency_spike 4.0e-9`,
      note: "Davies et al. 2018 Table 2's time per synaptic op could not be retrieved here; SANA-FE's figure is used" },
    neuronUpdateActiveS: { value: 9.7e-9, unit: "s", kind: "measured", source: `${SANAFE}: core_lif latency_active 9.7e-9`,
      note: "the cost model counts a spiking step as active; SANA-FE lists a spiking update separately at 30.0e-9 (used by LOIHI_SANAFE)" },
    neuronUpdateInactiveS: { value: 6.0e-9, unit: "s", kind: "measured", source: `${SANAFE}: core_lif latency_inactive 6.0e-9` },
    spikeWithinTileS: { value: 2.1e-9, unit: "s", kind: "measured", source: `${SANAFE}: latency_spike_within_tile 2.1e-9 (from ${DAVIES_T2})` },
    hopEastWestS: { value: 4.1e-9, unit: "s", kind: "measured", source: `${SANAFE}: latency_east/west 4.1e-9 (from ${DAVIES_T2})` },
    hopNorthSouthS: { value: 6.5e-9, unit: "s", kind: "measured", source: `${SANAFE}: latency_north/south 6.5e-9 (from ${DAVIES_T2})` },
    barrierSyncS: { value: 299e-9, unit: "s", kind: "measured", source: `${SANAFE}: latency_global_barrier 299.0e-9`,
      note: "one chip; multi-chip barriers are longer and not modelled" },
  },
};

/** Every constant of a chip as a flat list (for reports): path, value, unit, kind, source. */
export function chipConstants(chip: ChipDescription): Array<{ name: string } & Sourced> {
  const out: Array<{ name: string } & Sourced> = [];
  for (const [group, obj] of Object.entries(chip)) {
    if (typeof obj !== "object" || obj === null) continue;
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
      if (v && typeof v === "object" && "value" in v) out.push({ name: `${group}.${k}`, ...(v as Sourced) });
    }
  }
  return out;
}

/**
 * The same chip with SANA-FE's calibrated event costs (issue 4 item 5's alternative set): per-event
 * energies and latencies from SLAM-Lab/SANA-FE arch/loihi.yaml. SANA-FE charges a spike message
 * 76.8 pJ at the sending core's axon_out and nothing within the tile, so spikeWithinTileJ holds the
 * axon_out figure; its "spiking" neuron update maps onto this model's active (spiking) update, and
 * its "active" non-spiking update (72.8 pJ, 9.7 ns) has no separate term here (counted as inactive).
 */
export const LOIHI_SANAFE: ChipDescription = {
  ...LOIHI,
  name: "loihi-sanafe",
  energy: {
    ...LOIHI.energy,
    synOpJ: { value: 35.5e-12, unit: "J", kind: "measured", source: `${SANAFE}: core_synapses energy_spike 35.5e-12` },
    neuronUpdateActiveJ: { value: 69.3e-12, unit: "J", kind: "measured", source: `${SANAFE}: core_lif energy_spiking 69.3e-12`,
      note: "a spiking update; SANA-FE's non-spiking active update (energy_active 72.8e-12) is not separated" },
    neuronUpdateInactiveJ: { value: 51.2e-12, unit: "J", kind: "measured", source: `${SANAFE}: core_lif energy_inactive 51.2e-12` },
    spikeWithinTileJ: { value: 76.8e-12, unit: "J", kind: "measured", source: `${SANAFE}: core_out (axon_out) energy 76.8e-12 per spike message`,
      note: "SANA-FE sets energy_spike_within_tile to 0 and charges the message at axon_out" },
    hopNorthSouthJ: { value: 4.2e-12, unit: "J", kind: "measured", source: `${SANAFE}: energy_north/south 4.2e-12` },
  },
  time: {
    ...LOIHI.time,
    neuronUpdateActiveS: { value: 30.0e-9, unit: "s", kind: "measured", source: `${SANAFE}: core_lif latency_spiking 30.0e-9` },
  },
};
