/**
 * The benchmark protocol of Ostrau et al., "Benchmarking Deep Spiking Neural Networks on Neuromorphic
 * Hardware" (ICANN 2020), as implemented in SNABSuite (hbp-unibi/SNABSuite), as one preset of the run
 * options. Every setting, where it comes from, and what differs here:
 *
 *   setting                 value                         SNABSuite source
 *   network                 bias-free ReLU, dense layers  mnist_mlp.hpp reads Keras Dense weights only (no
 *                                                         biases); a model with a non-zero bias is refused,
 *                                                         naming the layer
 *   neuron                  IF_cond_exp: cm 0.2 nF,       config/MnistSpikey.json, MnistNAStop.json, keys
 *                           tau_m 20 ms, v_rest -65,      "nest"/"genn"/"spinnaker" (identical on all three);
 *                           v_reset -75, v_thresh -55 mV, mnist.cpp read_config sets tau_syn_I = tau_syn_E
 *                           tau_syn_E/I 3 ms, e_rev_E 0,
 *                           e_rev_I -130 mV, tau_refrac 0
 *   time step               1 ms                          same configs, "setup": {"timestep": 1}
 *   weight scale            one global factor             mnist.cpp create_deep_network:
 *                           s = max_weight / max W        m_weights_scale_factor = max_weight / m_mlp->max_weight()
 *                           (largest POSITIVE weight of   (mnist_mlp.hpp max_weight(): max over dense layers,
 *                           all layers); W_snn = s·W µS   starting from 0); dense_weights_to_conn: s·w for every
 *                                                         weight, negative ones inhibitory
 *   max_weight              0.01 µS                       MnistNAStop.json "nest" (784-input network; NEST and
 *                                                         GeNN: 0.01, SpiNNaker: 0.015; MnistSpikey "nest" 0.0135)
 *   input                   regular trains, max_freq ×    helper_functions.cpp image_to_rate: cypress
 *                           pixel, 120 Hz (p = 0.12/step) spikes::constant_frequency(0, duration, max_freq·pixel)
 *                                                         ("poisson": false); pixel = byte / 255
 *   presentation            500 ms = 500 steps            "duration": 500
 *   pause                   50 ms                         "pause": 50; output spikes are binned per image over
 *                                                         [−pause/2, duration + pause/2) (spikes_to_labels)
 *   label                   most output spikes; a tie     helper_functions.cpp spikes_to_labels (ties and no
 *                           is an error                   spikes give an invalid label)
 *
 * Differences, stated: (1) images run from the resting state, one at a time (SNABSuite chains a batch
 * in one run and relies on the pause to let the state decay: after 50 ms V has decayed to
 * exp(−50/20) = 8 % of its offset, the conductances to exp(−50/3) ≈ 6e−8), so the count window is the
 * presentation plus the half pause after it: T = 500 + 25 steps, input for the first 500; (2) spikes
 * cross a layer within the step (SNABSuite: 1 ms synaptic delay per layer, 3 ms over the MLP, against
 * 500 ms presentations); (3) regular trains fire input i at the steps where floor(t·p) increases
 * (cypress: at k·1000/f ms) — the same count, floor(500·p), per presentation; (4) the integration is
 * exponential Euler with the exact conductance decay (assembly/cond.ts), NEST integrates iaf_cond_exp
 * with adaptive RK45.
 *
 * Measured (bundled bias-free MLP 784-1200-1200-10, all 10,000 MNIST test images): DNN 98.68 %, SNN
 * 98.25 % (0.43 points lost; the paper: under 1 point on the digital platforms). The output layer
 * saturates (the winner fires at ~0.98 spikes per 1 ms step, tau_refrac 0), so with regular input two
 * outputs often tie at the end of the presentation (96.65 % at step 500); the spikes of the pause's
 * first half break most ties. With Poisson input: 98.2 % on the first 1,000 (ties are rare there).
 */
import type { CondExpParams } from "../ir/graph.js";
import { SNABSUITE_IF_COND_EXP } from "../reference/cond.js";

/** Names of the protocol presets. */
export type ProtocolName = "ostrau";

/** Protocol names, for validation and help. */
export const PROTOCOLS: readonly ProtocolName[] = ["ostrau"];

/** The run options a protocol sets (a subset of runPipeline's RunOptions). */
export interface ProtocolOptions {
  neuron: "cond_exp";
  cond: CondExpParams;
  normalization: "weight";
  maxWeight: number;
  biasFree: boolean;
  coding: "regular" | "poisson";
  rate: number;
  timesteps: number;
  pause: number;
  readout: "count-strict";
}

/** A protocol: its options, the physical settings behind them and their sources. */
export interface Protocol {
  name: ProtocolName;
  reference: string;
  options: ProtocolOptions;
  /** the settings in SNABSuite's own terms (ms, Hz, µS) */
  settings: { durationMs: number; pauseMs: number; maxFrequencyHz: number; dtMs: number; maxWeightMicroSiemens: number; poisson: boolean };
  sources: Record<string, string>;
}

const REPO = "hbp-unibi/SNABSuite";

/** Ostrau et al. 2020 (module header). */
export const OSTRAU_PROTOCOL: Readonly<Protocol> = {
  name: "ostrau",
  reference: "C. Ostrau et al.: Benchmarking Deep Spiking Neural Networks on Neuromorphic Hardware. ICANN 2020; code hbp-unibi/SNABSuite",
  options: {
    neuron: "cond_exp", cond: { ...SNABSUITE_IF_COND_EXP, dt: 1, accumulate: "split" },
    normalization: "weight", maxWeight: 0.01, biasFree: true,
    coding: "regular", rate: 120 * 1e-3, timesteps: 500, pause: 50, readout: "count-strict",
  },
  settings: { durationMs: 500, pauseMs: 50, maxFrequencyHz: 120, dtMs: 1, maxWeightMicroSiemens: 0.01, poisson: false },
  sources: {
    neuron: `${REPO} config/MnistNAStop.json and config/MnistSpikey.json, keys nest/genn/spinnaker: neuron_type IF_cond_exp, neuron_params; source/SNABs/mnist/mnist.cpp read_config (tau_syn_I = tau_syn_E)`,
    timestep: `${REPO} config/MnistNAStop.json "setup": {"timestep": 1}`,
    weightScale: `${REPO} source/SNABs/mnist/mnist.cpp create_deep_network: m_weights_scale_factor = max_weight / m_mlp->max_weight(); source/SNABs/mnist/mnist_mlp.hpp max_weight() (largest positive dense weight); helper_functions.cpp dense_weights_to_conn (scale·w, every weight)`,
    maxWeight: `${REPO} config/MnistNAStop.json "nest": max_weight 0.01 (genn 0.01 in MnistSpikey.json, spinnaker 0.015 in MnistNAStop.json)`,
    input: `${REPO} source/SNABs/mnist/helper_functions.cpp image_to_rate (constant_frequency(0, duration, max_freq·pixel) unless poisson); configs: max_freq 120, poisson false`,
    presentation: `${REPO} configs: duration 500, pause 50; helper_functions.cpp create_batches (image i at i·(duration + pause))`,
    readout: `${REPO} source/SNABs/mnist/helper_functions.cpp spikes_to_labels: bins [−pause/2, duration + pause/2) per image, most spikes, equal counts give an invalid label`,
    biasFree: `${REPO} source/SNABs/mnist/mnist_mlp.hpp MLP(Json&): Dense layers are read as weight matrices only (no biases)`,
  },
};

/** The protocol of a name (named error for an unknown one is the caller's: see PROTOCOLS). */
export function getProtocol(name: string): Protocol | undefined {
  return name === "ostrau" ? OSTRAU_PROTOCOL : undefined;
}

/**
 * Options with a protocol's values filled in wherever `o` leaves a field undefined (explicit values
 * win, e.g. a different presentation time or Poisson input).
 */
export function withProtocol<T extends object>(p: Protocol, o: T): T & ProtocolOptions {
  const explicit = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return { ...p.options, cond: { ...p.options.cond }, ...explicit } as T & ProtocolOptions;
}
