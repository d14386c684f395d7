/**
 * Loihi deployment flows: the neurocore cost (src/targets/cost.ts) turned into what a deployed system
 * does per inference, for each flow of src/targets/loihi-system.ts (formulas in its header).
 *
 * What each flow changes on chip:
 *   host  input spikes arrive as packets from the host interface (priced as spike messages from an
 *         input core, cost.ts) and drive synaptic operations in the layers the input feeds;
 *   bias  the input is a bias current of the first layer's compartments: no input packets and no
 *         synaptic operations from the input (those layers' synops are dropped); every neuron of a
 *         layer fed by the input updates every step;
 *   chip  as host on chip (the input still arrives as packets, as SANA-FE models it), with no host
 *         I/O time and no x86 power.
 */
import type { SnnGraph } from "../ir/graph.js";
import { type LoihiEvaluation, loihiActivity } from "../loihi/evaluate.js";
import type { LayerActivityPerInference, LoihiCost } from "./cost.js";
import { geometries } from "./geometry.js";
import { loihiCost } from "./cost.js";
import type { ChipDescription } from "./loihi.js";
import { LOIHI_FLOWS, LOIHI_SYSTEM, type LoihiFlow, type LoihiSystemDescription } from "./loihi-system.js";
import type { LoihiMapping } from "./mapping.js";

/** Energy split of one flow, joules per inference. */
export interface FlowBreakdown {
  /** synaptic operations, neuron updates, spike and input messages (neurocore model) */
  dynamicJ: number;
  synopJ: number;
  neuronJ: number;
  spikeRoutingJ: number;
  inputJ: number;
  /** static power over the latency (probe: used cores' share; board: whole chips) */
  staticJ: number;
  /** embedded x86 cores / host interface kept busy by the flow */
  x86J: number;
}

/** One flow's figures per inference. */
export interface FlowCost {
  flow: LoihiFlow;
  chipSteps: number;
  /** neurocore time of a step: slowest core + barrier */
  spikingStepS: number;
  /** on-chip wall time of a step: max(floor, spiking + management) */
  onChipStepS: number;
  /** wall time per step including host I/O (flow host) */
  timePerStepS: number;
  /** per-inference overhead (flow bias) */
  perInferenceS: number;
  latencyS: number;
  inferencesPerS: number;
  /** energy-probe accounting (headline) */
  energyPerInferenceJ: number;
  powerW: number;
  breakdown: FlowBreakdown;
  /** power-meter accounting: whole-chip static power, host-interface power fitted to a meter */
  board: { energyPerInferenceJ: number; powerW: number; breakdown: FlowBreakdown };
}

/** All flows of one network, and the static-power accounting. */
export interface LoihiFlows {
  flow: LoihiFlow;
  flows: Record<LoihiFlow, FlowCost>;
  static: { perChipW: number; chips: number; cores: number; coresPerChip: number; wholeChipsW: number; usedCoresShareW: number };
  notes: string[];
}

/** What the flows need beyond the neurocore activity. */
export interface FlowInputs {
  /** input spikes injected per inference (host and chip flows) */
  inputSpikesPerInference: number;
  /** ids of the layers fed directly by the input node (their synops vanish in flow bias) */
  inputLayers: string[];
}

/** Neurocore activity for a flow: flow bias drops the input's synaptic operations and packets. */
function activityFor(flow: LoihiFlow, activity: LayerActivityPerInference[], io: FlowInputs): { activity: LayerActivityPerInference[]; inputSpikes: number } {
  if (flow !== "bias") return { activity, inputSpikes: io.inputSpikesPerInference };
  const fed = new Set(io.inputLayers);
  return { activity: activity.map((a) => (fed.has(a.id) ? { ...a, synops: 0, alwaysUpdated: true } : a)), inputSpikes: 0 };
}

function flowCost(flow: LoihiFlow, c: LoihiCost, chip: ChipDescription, sys: LoihiSystemDescription, steps: number, cores: number, chips: number): FlowCost {
  const floor = chips > 1 ? sys.step.floorMultiChipS.value : sys.step.floorSingleChipS.value;
  const onChipStepS = Math.max(floor, c.timePerStepS + sys.step.managementS.value);
  const timePerStepS = onChipStepS + (flow === "host" ? sys.hostPerStepS.value : 0);
  const perInferenceS = flow === "bias" ? sys.biasPerSampleS.value : 0;
  const latencyS = steps * timePerStepS + perInferenceS;
  const b = c.breakdown;
  const dynamicJ = b.synopJ + b.neuronActiveJ + b.neuronInactiveJ + b.spikeRoutingJ + b.inputJ;
  const parts = { dynamicJ, synopJ: b.synopJ, neuronJ: b.neuronActiveJ + b.neuronInactiveJ, spikeRoutingJ: b.spikeRoutingJ, inputJ: b.inputJ };
  const pStatic = chip.energy.staticPowerPerChipW.value, perChip = chip.limits.coresPerChip.value;
  const x86W = flow === "chip" ? 0 : sys.x86PowerW.value;
  const probe: FlowBreakdown = { ...parts, staticJ: pStatic * (cores / perChip) * latencyS, x86J: x86W * latencyS };
  const boardX86W = flow === "host" ? sys.hostBoardPowerW.value : x86W;
  const board: FlowBreakdown = { ...parts, staticJ: pStatic * chips * latencyS, x86J: boardX86W * latencyS };
  const total = (x: FlowBreakdown) => x.dynamicJ + x.staticJ + x.x86J;
  return {
    flow, chipSteps: steps, spikingStepS: c.timePerStepS, onChipStepS, timePerStepS, perInferenceS, latencyS, inferencesPerS: 1 / latencyS,
    energyPerInferenceJ: total(probe), powerW: total(probe) / latencyS, breakdown: probe,
    board: { energyPerInferenceJ: total(board), powerW: total(board) / latencyS, breakdown: board },
  };
}

/**
 * Every deployment flow of a mapped network with measured activity over `steps` chip steps; `flow`
 * names the one the report leads with.
 */
export function loihiFlows(mapping: LoihiMapping, activity: LayerActivityPerInference[], chip: ChipDescription, steps: number, io: FlowInputs,
  flow: LoihiFlow = "host", sys: LoihiSystemDescription = LOIHI_SYSTEM): LoihiFlows & { onChip: Record<LoihiFlow, LoihiCost> } {
  const onChip = {} as Record<LoihiFlow, LoihiCost>;
  const flows = {} as Record<LoihiFlow, FlowCost>;
  for (const f of LOIHI_FLOWS) {
    const a = activityFor(f, activity, io);
    onChip[f] = loihiCost(mapping, a.activity, chip, steps, { inputSpikesPerInference: a.inputSpikes });
    flows[f] = flowCost(f, onChip[f], chip, sys, steps, mapping.coresUsed, mapping.chipsUsed);
  }
  const pStatic = chip.energy.staticPowerPerChipW.value, perChip = chip.limits.coresPerChip.value;
  return {
    flow, flows, onChip,
    static: { perChipW: pStatic, chips: mapping.chipsUsed, cores: mapping.coresUsed, coresPerChip: perChip, wholeChipsW: pStatic * mapping.chipsUsed,
      usedCoresShareW: pStatic * mapping.coresUsed / perChip },
    notes: [
      "flows: host = input spikes streamed from the host every step (NengoLoihi/NxSDK); bias = the frame written once as first-layer biases, per-sample I/O (NxTF); chip = on-chip time only, I/O excluded (lower bound)",
      "time per step = max(floor, neurocore step + management) (+ host I/O per step in flow host); flow bias adds a per-sample overhead; constants in src/targets/loihi-system.ts, fitted to ../shared/LOIHI_MEASURED.md by bench/loihi-fit.ts",
      "power, probe accounting (headline, as NxSDK's energy probe and published Loihi papers): used cores' share of static power + embedded x86 (flows host, bias) + dynamic; " +
        "board accounting (a power meter): whole-chip static power + host-interface power (flow host, fitted to Blouw et al.'s meter) + dynamic",
      "flow bias: accuracy and the other layers' activity are the spike-input run's; the input layer's synaptic operations and packets are removed and its neurons counted as updated every step",
    ],
  };
}

/** Ids of the layers the graph's input feeds directly (their synaptic operations vanish in flow bias). */
export function inputLayersOf(snn: SnnGraph): string[] {
  return geometries(snn, "loihi").filter((g) => g.inputs.some((i) => i.srcIsInput)).map((g) => g.node.id);
}

/**
 * The flows of a bit-exact evaluation (evaluateLoihi) for T = t coding steps: activity and input spikes
 * through step t + latency, priced on `chip`.
 */
export function flowsOfEvaluation(mapping: LoihiMapping, ev: LoihiEvaluation, t: number, inputLayers: string[], chip: ChipDescription,
  flow: LoihiFlow = "host"): LoihiFlows & { onChip: Record<LoihiFlow, LoihiCost> } {
  const inputSpikes = ev.inputSpikesPerStep.subarray(0, t + ev.latency).reduce((a, b) => a + b, 0) / ev.samples;
  return loihiFlows(mapping, loihiActivity(ev, t), chip, t + ev.latency, { inputSpikesPerInference: inputSpikes, inputLayers }, flow);
}
