/**
 * `--tune`: the combination of post-training techniques that works best for the run's T, chosen on
 * calibration images only. No labels are used: a candidate's score is its agreement with the DNN's own
 * predictions on the calibration images (the fraction of images whose SNN class after T steps equals the
 * DNN's argmax), so neither test images nor any labels take part in the choice.
 * Secondary score, on the same images, breaking agreement ties (agreement saturates at 100 % from T = 16 on
 * MNIST models): the output KL error, the mean over images of KL(softmax(a) ‖ softmax(â)), a the DNN's
 * output (logits) and â the SNN's readout in the same units — count readout λ_out·n/((T − D)·k) (n the
 * output's spikes over the counted steps), membrane readout λ_out·(v(T) − v(D))/((T − D)·k) (D = 0: v(T) − v₀)
 * (λ_out the output's normalisation, k the rate scale, D the readout delay). Lower is better. Also recorded
 * for every candidate, not used to choose: the output MSE, the mean of (â − a)² over images and classes.
 * (The KL error was chosen over the MSE by measurement on calibration images only: bench/RESULTS.md.)
 *
 * Search space (every combination; the first five knobs change the converted graph, the delay only the readout):
 *   normalization  percentile (the run's percentile) | mse (Li et al. 2021 threshold calibration, ./threshold.ts)
 *                  | ltb (local threshold balancing, Bu et al. CVPR 2025, ./ltb.ts)
 *   granularity    layer | channel (per-channel λ where the layer allows it)
 *   vInit          zero | half (θ/2 initial potential, Bu et al., AAAI 2022)
 *   biasCorrection off | on (Li et al. 2021 light calibration, ./bias.ts)
 *   readout        count | membrane (non-spiking output layer)
 *   avgPool        relay | fold (average pooling folded into the layer reading it, src/convert/fold-pool.ts;
 *                  left out of the space, and the report says so, when no average pool of the model folds)
 * then, for the best of those, the readout delay D ∈ {1, 2, 4, 8} (D < T/2; src/convert/evaluate.ts).
 * Candidates are ordered by how many techniques they switch on (the run's defaults first), and a
 * candidate replaces the best so far with strictly higher agreement, or with equal agreement and a strictly
 * lower secondary score (when both have one: an evaluator that gives no outputs, e.g. a target's own
 * engine, leaves it null); what is still tied goes to the simpler one. tieBreak "simpler" is the rule
 * without a secondary score (before issue 12's second criterion).
 * Knobs a target cannot take are left out of the space (`exclude`), and the report says so.
 */
import { SpikewasmError } from "../../errors.js";

/** One point of the search space. */
export interface TuneSetting {
  normalization: "percentile" | "mse" | "ltb";
  granularity: "layer" | "channel";
  vInit: "zero" | "half";
  biasCorrection: boolean;
  readout: "count" | "membrane";
  avgPool: "relay" | "fold";
  readoutDelay: number;
}

/** What a candidate scored on the tuning images. */
export interface TuneScore {
  /** agreement with the DNN's predictions */
  agreement: number;
  /** secondary score: output KL error (header); null when the evaluator gives no outputs */
  outputKl: number | null;
  /** output MSE in the DNN's units (header; recorded, not used to choose); null as outputKl */
  outputMse: number | null;
}

/** A setting and its scores on the tuning images. */
export interface TuneCandidate extends TuneSetting, TuneScore {}

/** How agreement ties are broken: the secondary score (default) or the simpler setting only. */
export type TieBreak = "outputKl" | "outputMse" | "simpler";

/** Whether `c` replaces `best` (header): higher agreement, or equal agreement and a lower secondary score. */
export function beats(c: TuneScore, best: TuneScore, tieBreak: TieBreak = "outputKl"): boolean {
  if (c.agreement !== best.agreement) return c.agreement > best.agreement;
  if (tieBreak === "simpler") return false;
  const a = c[tieBreak], b = best[tieBreak];
  return a !== null && b !== null && a < b;
}

/** Knob values left out of the search, with the reason the report gives. */
export interface TuneExclusion {
  knob: keyof Omit<TuneSetting, "readoutDelay">;
  value: string | boolean;
  reason: string;
}

/** What the search did. */
export interface TuneResult {
  chosen: TuneCandidate;
  candidates: TuneCandidate[];
  /** the run's defaults (normalization percentile, layer, vInit zero, no bias correction, count, no delay), when in the space */
  baseline: TuneCandidate | null;
  excluded: TuneExclusion[];
  /** how agreement ties were broken */
  tieBreak: TieBreak;
}

const SPACE: { [K in keyof Omit<TuneSetting, "readoutDelay">]: TuneSetting[K][] } = {
  normalization: ["percentile", "mse", "ltb"],
  granularity: ["layer", "channel"],
  vInit: ["zero", "half"],
  biasCorrection: [false, true],
  readout: ["count", "membrane"],
  avgPool: ["relay", "fold"],
};

/** The readout delays tried on the best setting, for T steps. */
export function tuneDelays(T: number): number[] {
  return [1, 2, 4, 8].filter((d) => d < T / 2);
}

/** Every setting of the space (delay 0) minus the exclusions, simplest first (stable within a complexity). */
export function tuneSpace(exclude: TuneExclusion[] = []): TuneSetting[] {
  const allowed = (k: keyof typeof SPACE, v: unknown) => !exclude.some((e) => e.knob === k && e.value === v);
  const out: TuneSetting[] = [];
  for (const normalization of SPACE.normalization.filter((v) => allowed("normalization", v)))
    for (const granularity of SPACE.granularity.filter((v) => allowed("granularity", v)))
      for (const vInit of SPACE.vInit.filter((v) => allowed("vInit", v)))
        for (const biasCorrection of SPACE.biasCorrection.filter((v) => allowed("biasCorrection", v)))
          for (const readout of SPACE.readout.filter((v) => allowed("readout", v)))
            for (const avgPool of SPACE.avgPool.filter((v) => allowed("avgPool", v)))
              out.push({ normalization, granularity, vInit, biasCorrection, readout, avgPool, readoutDelay: 0 });
  if (out.length === 0) throw new SpikewasmError("tune: every setting is excluded; nothing to search");
  return out.map((s, i) => ({ s, i, c: complexity(s) })).sort((a, b) => a.c - b.c || a.i - b.i).map((x) => x.s);
}

/** Number of techniques a setting switches on. */
export function complexity(s: TuneSetting): number {
  return Number(s.normalization !== "percentile") + Number(s.granularity !== "layer") + Number(s.vInit !== "zero") +
    Number(s.biasCorrection) + Number(s.readout !== "count") + Number(s.avgPool !== "relay") + Number(s.readoutDelay > 0);
}

/**
 * Searches the space (module header). `score(settings)` evaluates settings that share everything but the
 * readout delay on the tuning images and returns their scores in order; it is called once per
 * setting of the space and once with `delays` (default tuneDelays(T)) on the best one.
 */
export async function tuneSearch(T: number, exclude: TuneExclusion[], score: (s: TuneSetting[]) => Promise<TuneScore[]>, delays = tuneDelays(T),
  onCandidate?: (c: TuneCandidate, done: number, total: number) => void, tieBreak: TieBreak = "outputKl"): Promise<TuneResult> {
  const space = tuneSpace(exclude);
  const total = space.length + delays.length;
  const candidates: TuneCandidate[] = [];
  let best: TuneCandidate | null = null;
  const consider = (c: TuneCandidate) => {
    candidates.push(c);
    if (!best || beats(c, best, tieBreak)) best = c;
    onCandidate?.(c, candidates.length, total);
  };
  for (const s of space) consider({ ...s, ...(await score([s]))[0] });
  const b: TuneCandidate = best!;
  if (delays.length) {
    const ds = delays.map((readoutDelay) => ({ ...strip(b), readoutDelay }));
    const ag = await score(ds);
    ds.forEach((s, i) => consider({ ...s, ...ag[i] }));
  }
  const baseline = candidates.find((c) => complexity(c) === 0) ?? null;
  return { chosen: best!, candidates, baseline, excluded: exclude, tieBreak };
}

function strip(c: TuneCandidate): TuneSetting {
  const { agreement: _a, outputKl: _k, outputMse: _m, ...s } = c;
  return s;
}
