/**
 * A job of `optimize --queue` and its result: one candidate's bit-exact evaluation (evaluateLoihi's
 * integer sums) on a range of whole batches of the validation or test images. The coordinator checks
 * that a result is the one its job asked for (the search's data, the graph, T, the set and range), that each
 * candidate's ranges count every sample exactly once, and adds them with mergeLoihiEvaluations — integer
 * counts in float64, so the sum equals a one-process evaluation's bit for bit.
 */
import { SpikewasmError } from "../errors.js";
import { type LoihiEvaluation, mergeLoihiEvaluations } from "../loihi/evaluate.js";
import { checkCountedOnce } from "./part.js";

export const OPTIMIZE_PART_FORMAT = "spikewasm-optimize-part/1";

/** What a job carries: the search (its fingerprint, under which the inputs are stored), the candidate and the range. */
export interface OptimizeJobData {
  kind: "optimize";
  run: string;
  spikewasm: string;
  /** digest of the candidate's stored graph (optimize-inputs.ts) and its name for logs */
  graph: string;
  candidate: string;
  /** coding steps the engine runs */
  steps: number;
  set: "validation" | "test";
  start: number;
  count: number;
}

/** One job's result (JSON). */
export interface OptimizePart {
  format: typeof OPTIMIZE_PART_FORMAT;
  spikewasm: string;
  job: OptimizeJobData;
  seconds: number;
  evaluation: EvaluationJson;
}

type EvaluationJson = Omit<LoihiEvaluation, "predictions" | "layers" | "inputSpikesPerStep"> & {
  predictions: number[]; inputSpikesPerStep: number[];
  layers: { id: string; neurons: number; spikesPerStep: number[]; synopsPerStep: number[]; spikeCountsSum: number[] }[];
};

export function evaluationJson(e: LoihiEvaluation): EvaluationJson {
  return { ...e, predictions: Array.from(e.predictions), inputSpikesPerStep: Array.from(e.inputSpikesPerStep),
    layers: e.layers.map((l) => ({ id: l.id, neurons: l.neurons, spikesPerStep: Array.from(l.spikesPerStep), synopsPerStep: Array.from(l.synopsPerStep), spikeCountsSum: Array.from(l.spikeCountsSum) })) };
}

function evaluationOf(j: EvaluationJson): LoihiEvaluation {
  return { ...j, predictions: Int32Array.from(j.predictions), inputSpikesPerStep: Float64Array.from(j.inputSpikesPerStep),
    layers: j.layers.map((l) => ({ id: l.id, neurons: l.neurons, spikesPerStep: Float64Array.from(l.spikesPerStep), synopsPerStep: Float64Array.from(l.synopsPerStep),
      spikeCountsSum: Float64Array.from(l.spikeCountsSum) })) };
}

const JOB_FIELDS = ["kind", "run", "spikewasm", "graph", "steps", "set", "start", "count"] as const;

/** A job's result checked against the job (`id`, `want`: the search, graph, T, set and range); named errors otherwise. */
export function parseOptimizePart(value: unknown, id: string, want: OptimizeJobData): LoihiEvaluation {
  const bad = (what: string): never => { throw new SpikewasmError(`job ${id}: not the result of this search's job (${what})`); };
  if (typeof value !== "object" || value === null || Array.isArray(value)) bad("not a JSON object");
  const p = value as OptimizePart;
  if (p.format !== OPTIMIZE_PART_FORMAT) bad(`format ${JSON.stringify(p.format)}, expected ${OPTIMIZE_PART_FORMAT}`);
  for (const f of JOB_FIELDS)
    if (p.job?.[f] !== want[f])
      bad(`${f} ${JSON.stringify(p.job?.[f])}, expected ${JSON.stringify(want[f])}: the queue holds jobs of another model or version under this id; clear it (a fresh database number in the URL) and run again`);
  const e = p.evaluation;
  const T = want.steps;
  if (!e || e.samples !== want.count || e.steps !== T || !Array.isArray(e.correctByStep) || e.correctByStep.length !== T || !Array.isArray(e.predictions) ||
    e.predictions.length !== want.count || !Array.isArray(e.layers) || !Array.isArray(e.inputSpikesPerStep) || e.inputSpikesPerStep.length !== T + e.latency)
    bad(`evaluation of ${e?.samples} samples at T = ${e?.steps}, expected ${want.count} at T = ${T}`);
  return evaluationOf(e);
}

/** The evaluations of one candidate's ranges (sorted by start) merged after checking every sample of `total` is counted exactly once. */
export function mergeOptimizeParts(parts: { file: string; start: number; count: number; evaluation: LoihiEvaluation }[], total: number, what: string): LoihiEvaluation {
  const sorted = [...parts].sort((a, b) => a.start - b.start || a.count - b.count);
  checkCountedOnce(sorted, total, "", what);
  return mergeLoihiEvaluations(sorted.filter((p) => p.count > 0).map((p) => p.evaluation));
}
