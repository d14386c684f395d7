/**
 * The main job for a spiking network that comes as a graph (a NIR file from another framework, or
 * spikewasm's graph JSON) rather than an ONNX DNN: no DNN and no conversion — the SNN is evaluated on the
 * labelled data (accuracy by step, activity per layer) and, on request, quantised and estimated on Loihi.
 * The NCS2 and CPU targets need a DNN and are refused with that reason.
 */
import type { EvaluateOptions, Readout } from "../convert/evaluate.js";
import { SpikewasmError } from "../errors.js";
import { checkGraph } from "../ir/check.js";
import { type SnnGraph, shapeSize } from "../ir/graph.js";
import type { InputCoding } from "../sim/input.js";
import { VERSION } from "../version.js";
import { type RunOptions, evaluateFloatSnn, runLoihiTarget } from "./run.js";
import { checkLabelRange } from "../data/dataset.js";
import { TARGET_NAMES, type TargetReport, checkTargets, snnActivityTarget } from "./targets.js";

/** Inputs of runGraphPipeline: a checked-on-entry graph and labelled samples in its input's [C, H, W] order. */
export interface GraphRunInputs {
  graph: SnnGraph;
  graphFile: string;
  /** how the graph was read (e.g. NIR version, dt) */
  source?: Record<string, unknown>;
  test: { samples: Float32Array; count: number; labels: Int32Array; source: string; preprocessing?: unknown };
}

/** Options: the simulation options of runPipeline (conversion options do not apply). */
export type GraphRunOptions = Pick<RunOptions, "timesteps" | "coding" | "rate" | "seed" | "readout" | "batch" | "workers" | "targets" | "loihiSamples" | "onProgress" | "parallelEvaluate" | "parallelEvaluateLoihi" | "loihiFlow" | "loihiConstants" | "loihiReset" | "loihiSubtractLayers">;

/** Evaluates a spiking graph on labelled data and estimates the requested targets. */
export async function runGraphPipeline(inp: GraphRunInputs, o: GraphRunOptions) {
  const t0 = performance.now();
  const names = checkTargets(o.targets ?? []);
  const noDnn = names.filter((t) => t === "ncs2" || t === "cpu");
  if (noDnn.length) throw new SpikewasmError(`target${noDnn.length > 1 ? "s" : ""} ${noDnn.join(", ")} run${noDnn.length > 1 ? "" : "s"} the DNN, and ${inp.graphFile} is a spiking network without one (use an ONNX model, or a spiking target: ${TARGET_NAMES.filter((t) => t !== "ncs2" && t !== "cpu").join(", ")})`);
  const { shapes, output } = checkGraph(inp.graph);
  const input = inp.graph.nodes.find((n) => n.kind === "input")!;
  const n = shapeSize(shapes.get(input.id)!);
  if (inp.test.samples.length !== inp.test.count * n)
    throw new SpikewasmError(`${inp.test.source}: samples of ${inp.test.samples.length / inp.test.count} values do not match the graph input [${shapes.get(input.id)!.join(", ")}] of ${inp.graphFile}`);
  if (inp.test.count < 1) throw new SpikewasmError(`${inp.test.source}: no test samples (the data file holds none, or --limit selected none)`);
  checkLabelRange(inp.test.labels, shapeSize(shapes.get(output)!), inp.test.source);
  const T = o.timesteps;
  const evOptions: EvaluateOptions = {
    timesteps: T, batch: o.batch ?? 32, coding: (o.coding ?? "current") as InputCoding, rate: o.rate ?? 1, seed: o.seed ?? 0, readout: (o.readout ?? "count") as Readout,
    onProgress: (d, t) => o.onProgress?.("snn", d, t),
  };
  const ev = await evaluateFloatSnn(inp.graph, inp.test, evOptions, o);
  const targets: TargetReport[] = [];
  if (names.includes("loihi")) targets.push(await runLoihiTarget(inp.graph, inp.test, ev, o));
  for (const t of names) if (t !== "loihi") targets.push(snnActivityTarget(t as Exclude<typeof t, "loihi" | "ncs2" | "cpu">, inp.graph, ev, T));
  return {
    spikewasm: VERSION, node: typeof process !== "undefined" ? process.versions?.node : undefined,
    seconds: (performance.now() - t0) / 1000,
    graph: { file: inp.graphFile, nodes: inp.graph.nodes.length, output, input: shapes.get(input.id)!, ...(inp.source ?? {}) },
    data: { samples: inp.test.count, source: inp.test.source, preprocessing: inp.test.preprocessing ?? null },
    options: { timesteps: T, coding: evOptions.coding, rate: evOptions.rate, seed: evOptions.seed, readout: evOptions.readout, batch: evOptions.batch },
    snn: {
      timesteps: T, accuracy: ev.accuracy, accuracyByStep: ev.accuracyByStep,
      spikesPerInference: ev.spikesPerInference, synopsPerInference: ev.synopsPerInference, inputSpikesPerInference: ev.inputSpikesPerInference,
      layers: ev.layers.map((l) => ({ id: l.id, kind: l.kind, neurons: l.neurons, spikesPerInference: l.spikesPerInference, synopsPerInference: l.synopsPerInference, rate: l.rate })),
    },
    targets,
  };
}

/** The report runGraphPipeline returns. */
export type GraphRunReport = Awaited<ReturnType<typeof runGraphPipeline>>;
