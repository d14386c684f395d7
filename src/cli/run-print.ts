/** The summary `spikewasm run` prints: accuracy, layers, NeuroBench metrics, the targets and Loihi's flows. */
import type { RunReport } from "../pipeline/run.js";
import { accuracyMarks, layerRow, pct, si } from "./format.js";

export function printRun(r: RunReport, samples: number): void {
  console.log(`spikewasm ${r.spikewasm}: ${r.model.file} (${r.model.params} parameters, ${r.model.macs} MACs), ${samples} samples, T = ${r.snn.timesteps}, ${r.options.coding} coding, ${r.options.readout} readout`);
  console.log(`DNN accuracy ${pct(r.dnn.accuracy)} · SNN accuracy ${pct(r.snn.accuracy)} · conversion loss ${(100 * r.snn.conversionLoss).toFixed(2)} points`);
  console.log(`accuracy by step: ${accuracyMarks(r.snn.accuracyByStep, r.snn.timesteps)}`);
  const c = r.calibration, t = c.techniques;
  console.log(`${c.tune ? `tuned for T = ${r.options.timesteps} on ${c.tune.samples} calibration images (agreement with the DNN ${pct(c.tune.chosen.agreement)}${c.tune.baseline ? `, defaults ${pct(c.tune.baseline.agreement)}` : ""}` +
    `${c.tune.tieBreak !== "simpler" && c.tune.chosen.outputKl !== null ? `; ties by output ${c.tune.tieBreak === "outputKl" ? "KL" : "MSE"} error, chosen ${c.tune.chosen[c.tune.tieBreak]!.toPrecision(3)}` : ""}; no labels): ` : "techniques: "}` +
    `norm ${t.normalization}, ${t.granularity}-wise, v-init ${t.vInit}, bias correction ${t.biasCorrection ? "on" : "off"}, readout ${t.readout}, delay ${t.readoutDelay}${t.avgPool === "fold" ? ", avg pooling folded" : ""}${c.notes.length ? `; ${c.notes.join("; ")}` : ""}`);
  console.log(`${"layer".padEnd(14)}${"kind".padEnd(8)}${"neurons".padStart(9)}${"spikes/inf".padStart(12)}${"synops/inf".padStart(13)}${"rate".padStart(8)}${"corr".padStart(7)}  flags`);
  for (const l of r.snn.layers)
    console.log(`${layerRow(l)}${(l.correlation === null ? "–" : l.correlation.toFixed(3)).padStart(7)}  ${l.flags.join("; ")}`);
  console.log(`per inference: ${r.snn.spikesPerInference.toFixed(0)} spikes, ${r.snn.synopsPerInference.toExponential(3)} synaptic operations; ${r.seconds.toFixed(1)} s`);
  const m = (x: { footprintBytes: number; connectionSparsity: number; activationSparsity: number; denseOps: number; effectiveMacs: number; effectiveAcs: number }) =>
    `footprint ${(x.footprintBytes / 1024).toFixed(0)} KiB · connection sparsity ${x.connectionSparsity.toFixed(3)} · activation sparsity ${x.activationSparsity.toFixed(3)} · dense ${x.denseOps.toExponential(2)} · eff. MACs ${x.effectiveMacs.toExponential(2)} · eff. ACs ${x.effectiveAcs.toExponential(2)}`;
  console.log(`NeuroBench DNN: ${m(r.dnn.metrics)}`);
  console.log(`NeuroBench SNN: ${m(r.snn.metrics)}`);
  printTargets(r);
}

/** The per-target table, the ratios against the NCS2 and Loihi's trade-off over T. */
function printTargets(r: RunReport): void {
  if (r.targets.length === 0) return;
  const pctOrDash = (x: number | null) => (x === null ? "–" : pct(x));
  const w = Math.max(8, ...r.targets.map((t) => t.name.length + 2));
  console.log(`${"target".padEnd(w)}${"runs".padEnd(6)}${"accuracy".padStart(9)}${"cores/chips".padStart(13)}${"energy/inf".padStart(13)}${"power".padStart(12)}${"latency".padStart(12)}${"inf/s".padStart(9)}`);
  for (const t of r.targets) {
    if (!t.feasible) {
      console.log(`${t.name.padEnd(w)}${t.model.toUpperCase().padEnd(6)}does not fit: ${t.reason}`);
      continue;
    }
    const cc = t.cores !== undefined ? `${t.cores} / ${t.chips}` : "–";
    console.log(`${t.name.padEnd(w)}${t.model.toUpperCase().padEnd(6)}${pctOrDash(t.accuracy).padStart(9)}${cc.padStart(13)}${si(t.energyPerInferenceJ, "J").padStart(13)}` +
      `${si(t.powerW, "W").padStart(12)}${si(t.latencyS, "s").padStart(12)}${(t.inferencesPerS === null ? "–" : t.inferencesPerS.toFixed(0)).padStart(9)}`);
  }
  const cpu = r.targets.find((t) => t.name === "cpu");
  if (cpu && cpu.powerW === null) console.log("cpu: latency measured here (1 thread); energy needs --cpu-watts");
  for (const c of r.comparison?.rows ?? []) {
    const x = (v: number) => `${v >= 10 ? v.toFixed(1) : v.toPrecision(3)}×`;
    const less = (v: number, what: string) => (v >= 1 ? `${x(v)} less ${what}` : `${x(1 / v)} more ${what}`);
    const parts = [
      c.powerRatio !== null ? less(c.powerRatio, "power") : null,
      c.energyRatio !== null ? less(c.energyRatio, "energy per inference") : null,
      c.latencyRatio !== null ? `latency ${x(c.latencyRatio)}` : null,
      c.accuracyDelta !== null ? `accuracy ${c.accuracyDelta >= 0 ? "+" : ""}${(100 * c.accuracyDelta).toFixed(2)} points` : null,
    ].filter(Boolean);
    console.log(`${c.target} vs ${r.comparison!.baseline}: ${parts.join(", ")}`);
  }
  const l = r.targets.find((t) => t.name === "loihi" && t.feasible);
  if (l) {
    const rows = l.tradeoff as { timesteps: number; accuracy: number; energyPerInferenceJ: number; latencyS: number }[];
    console.log(`loihi (estimate; bit-exact quantised run) by timesteps T: ${rows.map((x) => `T=${x.timesteps} ${pctOrDash(x.accuracy)} ${si(x.energyPerInferenceJ, "J")} ${si(x.latencyS, "s")}`).join(" · ")}`);
    const flows = l.flows as Record<string, { energyPerInferenceJ: number; powerW: number; latencyS: number; timePerStepS: number; board: { powerW: number } }>;
    const fl = (name: string) => `${si(flows[name].energyPerInferenceJ, "J")}/inference, ${si(flows[name].powerW, "W")} (board ${si(flows[name].board.powerW, "W")}), ` +
      `${si(flows[name].latencyS, "s")} latency (${si(flows[name].timePerStepS, "s")} per step)`;
    console.log(`loihi deployment flow '${l.flow}' (--loihi-flow): ${fl(l.flow as string)}`);
    if (l.flow !== "chip") console.log(`loihi on chip only (flow chip, I/O excluded: the lower bound): ${fl("chip")}`);
    const alt = (l.alternatives as { constants: string; energyPerInferenceJ: number; latencyS: number; powerW: number }[])[0];
    if (alt) console.log(`loihi with the other constant set (${alt.constants}): ${si(alt.energyPerInferenceJ, "J")}/inference, ${si(alt.powerW, "W")}, ${si(alt.latencyS, "s")} latency`);
    console.log(`loihi: recommended T = ${l.recommendedTimesteps} (${l.recommendation}); float SNN ${pctOrDash(l.floatSnnAccuracy as number)} at T = ${r.snn.timesteps}`);
    const reset = (l.quantization as { reset: { mode: string; layers: string[]; emulated: string[] } }).reset;
    if (reset.emulated.length) console.log(`loihi reset: by subtraction emulated in ${reset.emulated.length} layer(s) (two compartments per neuron, priced in cores and energy)`);
    else if (reset.layers.length) console.log(`loihi reset: to zero in ${reset.layers.length} layer(s) converted with reset by subtraction (the residual is lost; --loihi-reset subtract emulates it)`);
  }
}
