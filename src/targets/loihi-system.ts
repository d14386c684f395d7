/**
 * Loihi 1 as a deployed SYSTEM — what a user gets from a Nahuku / Kapoho Bay board driven by NxSDK or
 * NengoLoihi — rather than the sum of neurocore operations (src/targets/cost.ts). The neurocore model
 * prices synaptic operations, neuron updates and spike messages; measured deployments
 * (../shared/LOIHI_MEASURED.md) show that a time step and an inference also pay for a per-step
 * management phase, a per-step floor, host I/O and a per-sample overhead, and that power is static
 * power plus the embedded x86 cores, with spikes a small part. This file holds those terms as data,
 * each with its source and kind, in the same `Sourced` form as src/targets/loihi.ts.
 *
 * DEPLOYMENT FLOWS (`--loihi-flow`):
 *   host  the NengoLoihi / NxSDK flow: input spikes streamed from the host every step, outputs read
 *         every step; no reset between inferences (inputs follow each other as in Blouw et al. 2019).
 *   bias  the NxTF flow: the frame written once as biases of the first layer's compartments, on-chip
 *         after that; per-sample I/O (write, reset, read out) only.
 *   chip  on-chip time only, I/O excluded (comparable with SANA-FE and Intel's `streamOnce` runs).
 *
 * TIME (per inference of S chip steps; t_spk = slowest core's operations + barrier(tiles), cost.ts):
 *   t_step,chip = max(t_floor(chips), t_spk + t_mgmt)
 *   chip: S · t_step,chip           bias: S · t_step,chip + t_sample        host: S · (t_step,chip + t_host)
 *
 * POWER, two accountings (both in the JSON; the headline is `probe`):
 *   probe  what NxSDK's energy probe reports and what published Loihi papers quote: the used cores'
 *          share of static power (P_static · cores / coresPerChip) + the x86 cores the flow keeps busy
 *          (host, bias; none in chip) + dynamic energy from operations;
 *   board  what a power meter on the board reads (Blouw et al. 2019): whole-chip static power ·
 *          chips + the x86 / host-interface power the flow keeps busy (host: fitted to the meter,
 *          bias: the probe's x86 figure, no meter reading published) + dynamic energy.
 *
 * FITTED CONSTANTS: t_host, P_host,board and t_sample are not published directly; bench/loihi-fit.ts
 * fits them to the rows of LOIHI_MEASURED.md (run `npm run fit:loihi`), prints the fit, every row's
 * residual and the leave-one-out error, and test/targets/loihi-system.test.ts checks that the values
 * below are the fit's.
 */
import { SpikewasmError } from "../errors.js";
import { type Sourced, sourcedConstants } from "./loihi.js";

/** Deployment flows of a Loihi 1 system. */
export const LOIHI_FLOWS = ["host", "bias", "chip"] as const;
export type LoihiFlow = (typeof LOIHI_FLOWS)[number];

/** Checks a flow name (named error, exit 2, for an unknown one). */
export function checkLoihiFlow(name: string, option = "--loihi-flow"): LoihiFlow {
  if (!(LOIHI_FLOWS as readonly string[]).includes(name))
    throw new SpikewasmError(`${option}: unknown Loihi deployment flow '${name}' (available: ${LOIHI_FLOWS.join(", ")})`);
  return name as LoihiFlow;
}

/** System-level terms of a Loihi deployment. */
export interface LoihiSystemDescription {
  name: string;
  step: {
    /** shortest wall-clock step of a one-chip run, I/O excluded */
    floorSingleChipS: Sourced;
    /** the same across chips */
    floorMultiChipS: Sourced;
    /** per-step management phase after the spiking phase */
    managementS: Sourced;
  };
  /** flow host: wall-clock host I/O per step (input spikes in, outputs out) */
  hostPerStepS: Sourced;
  /** flow host, board accounting: x86 + host-interface power while the host streams */
  hostBoardPowerW: Sourced;
  /** flow bias: per-sample overhead (frame written as biases, reset, readout) */
  biasPerSampleS: Sourced;
  /** embedded x86 power while a flow runs, energy-probe accounting */
  x86PowerW: Sourced;
}

const MEASURED = "../shared/LOIHI_MEASURED.md";
const NENGO_FLOOR = "nengo/nengo-loihi docs/examples/power-measurement-basics.py (steps per second of a two-neuron network)";
const NXTF_NB = "intel-nrc-ecosystem/models nxsdk_modules_ncl/dnn/tutorials/a_image_classification_mnist.ipynb (executed cells, NxSDK energy probe)";
const QUARTZ = "Lenz, Orchard, Sheik, arXiv 2309.16795; biphasic/Quartz-on-Loihi CNN/mnist-EDP-plot.ipynb (NxSDK 0.9.8 energy probe)";
const LSNN = "intel-nrc-ecosystem/models .../lsnn/apps/seqmnist/sMNIST_Loihi_performance_measurements.ipynb (energy probe)";
const BLOUW = "Blouw et al., NICE 2019 (arXiv 1812.01739) Table 1; abr/power_benchmarks logs/running/loihi_run0*.json (5,000 inferences in 16.83 s)";
const FIT = "fitted by bench/loihi-fit.ts (npm run fit:loihi)";

/** Loihi 1 system terms (Nahuku / Kapoho Bay boards, NxSDK 0.7.5–0.9.8). */
export const LOIHI_SYSTEM: LoihiSystemDescription = {
  name: "loihi",
  step: {
    floorSingleChipS: { value: 8e-6, unit: "s", kind: "measured", source: `${NENGO_FLOOR}; ${MEASURED} row 7`,
      note: "8 µs per step on one chip for two neurons: the step time of a network whose spiking phase is negligible; the max() in t_step,chip makes it a floor" },
    floorMultiChipS: { value: 15e-6, unit: "s", kind: "measured", source: `${NENGO_FLOOR}; ${MEASURED} row 7`,
      note: "15 µs per step across chips; rows 5 (16.6 µs, LSNN) and 6 (17.6 µs, 640 copies of a SLAYER net) sit just above it" },
    managementS: { value: 3.4e-6, unit: "s", kind: "measured", source: `${NXTF_NB}; ${MEASURED} row 3`,
      note: "the energy probe splits the NxTF CNN's 60.8 µs step into 57.4 µs spiking + 3.4 µs management" },
  },
  hostPerStepS: { value: 298.1e-6, unit: "s", kind: "derived", source: `${FIT} to ${MEASURED} row 1 (${BLOUW})`,
    note: "3.38 ms per 10-step inference of the keyword spotter with input streamed from the host and outputs read every step (NengoLoihi, NxSDK 0.7.5), " +
      "less the on-chip step the neurocore model gives that network. One public row with host streaming on a rebuildable network: how this grows with the number of " +
      "input spikes and outputs is not identifiable from it, so it is one constant per step (row 2, a 10-layer variant with 8 input and 8 output sub-ensembles, " +
      "took 794-878 µs per step: the model under-estimates host flows with wider I/O, see the fit's output)" },
  hostBoardPowerW: { value: 0.0797, unit: "W", kind: "derived", source: `${FIT} to ${MEASURED} row 1 (${BLOUW}: running 110 mW, idle 29 mW)`,
    note: "running power less idle (static) power less the neurocore dynamic power the model gives that run: the x86 cores and host interface kept busy by streaming. " +
      "Blouw et al. note idle power after a first run is ~70 mW higher than from boot (the x86 cores stay active), so most of this is x86 activity" },
  biasPerSampleS: { value: 3.574e-3, unit: "s", kind: "derived", source: `${FIT} to ${MEASURED} rows 3 (${NXTF_NB}) and 4 (${QUARTZ})`,
    note: "per-sample overhead of a flow that writes the input on chip once per sample (bias or spike-generator snip, reset, readout): least squares in log latency over rows 3 and 4" },
  x86PowerW: { value: 0.022, unit: "W", kind: "derived", source: `${QUARTZ} (x86 ≈ 21-23 mW); ${LSNN} (x86 dynamic 23.2 mW); ${MEASURED} rows 4-5`,
    note: "the embedded x86 cores running NxSDK's per-step management and snips, as the energy probe reports them; the middle of the published 21-23.2 mW" },
};

/** The system's constants as a flat list (for reports). */
export function systemConstants(sys: LoihiSystemDescription): Array<{ name: string } & Sourced> {
  return sourcedConstants(sys, "system.");
}
