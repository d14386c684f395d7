/**
 * Printing helpers of the commands: percentages, SI-prefixed figures, accuracy marks, the per-layer row,
 * and the progress bar on standard error.
 */
import { SingleBar } from "cli-progress";

export const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** An SI-prefixed figure: 2.15e-4 J -> "215.0 µJ". */
export function si(x: number | null, unit: string): string {
  if (x === null || !Number.isFinite(x)) return "–";
  const steps: [number, string][] = [[1, ""], [1e-3, "m"], [1e-6, "µ"], [1e-9, "n"], [1e-12, "p"]];
  const [f, pre] = steps.find(([f]) => Math.abs(x) >= f) ?? steps[steps.length - 1];
  return `${(x / f).toPrecision(4)} ${pre}${unit}`;
}

/** Accuracy at steps 1, 2, 4, … and at the last step T: "t=1 9.80% · t=2 …". */
export function accuracyMarks(accuracyByStep: ArrayLike<number>, T: number): string {
  const marks = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000].filter((t) => t <= T);
  if (!marks.includes(T)) marks.push(T);
  return marks.map((t) => `t=${t} ${pct(accuracyByStep[t - 1])}`).join(" · ");
}

/** One row of the per-layer activity table (id, kind, neurons, spikes and synops per inference, rate). */
export function layerRow(l: { id: string; kind: string; neurons: number; spikesPerInference: number; synopsPerInference: number; rate: number }): string {
  return `${l.id.slice(0, 13).padEnd(14)}${l.kind.padEnd(8)}${String(l.neurons).padStart(9)}${l.spikesPerInference.toFixed(0).padStart(12)}${l.synopsPerInference.toExponential(2).padStart(13)}${l.rate.toFixed(3).padStart(8)}`;
}

/** Runs `job` with a progress bar on stderr (when it is a terminal), cleared when the job ends or fails. */
export async function withProgress<T>(job: (progress: (stage: string, done: number, total: number) => void) => Promise<T>): Promise<T> {
  const progress = progressPrinter();
  return job(progress).finally(() => progress("done", 1, 1));
}

/** A progress bar (cli-progress) on stderr when it is a terminal; silent otherwise. Stage "done" stops and clears it. */
export function progressPrinter(): (stage: string, done: number, total: number) => void {
  if (!process.stderr.isTTY) return () => {};
  let bar: SingleBar | undefined;
  return (stage, done, total) => {
    if (stage === "done") {
      bar?.stop();
      bar = undefined;
      return;
    }
    if (!bar) {
      bar = new SingleBar({ stream: process.stderr, format: "{stage} [{bar}] {value}/{total} · {duration_formatted}", barsize: 30,
        clearOnComplete: true, hideCursor: true, fps: 10 });
      bar.start(Math.max(1, total), done, { stage: stage.padEnd(12) });
    } else {
      bar.setTotal(Math.max(1, total));
      bar.update(done, { stage: stage.padEnd(12) });
    }
  };
}
