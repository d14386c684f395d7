/**
 * The HTML report of `spikewasm optimize`: the Pareto front of bit-exact accuracy against energy per
 * inference (and latency) on Loihi, the chosen point, every candidate, and how they were selected. One
 * self-contained page (Chart.js inlined), like the run report (src/report/html.ts).
 */
import type { OptimizeCandidate, OptimizeReport } from "../pipeline/optimize.js";
import { type ChartSpec, PALETTE } from "./charts.js";
import { chartBox, esc, renderPage, si, table } from "./html.js";

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
const point = (c: OptimizeCandidate, x: "energyPerInferenceJ" | "latencyS") => ({ x: c[x], y: 100 * c.accuracy });

/** Accuracy against energy (or latency): every candidate, the front as a line, the chosen point. */
export function paretoChart(r: OptimizeReport, x: "energyPerInferenceJ" | "latencyS"): ChartSpec {
  const front = [...r.pareto].sort((a, b) => a[x] - b[x]);
  const unit = x === "energyPerInferenceJ" ? "J" : "s";
  return {
    id: `chart-pareto-${unit === "J" ? "energy" : "latency"}`, section: "optimize", height: 360, units: { x: unit, y: "%" },
    title: `Bit-exact validation accuracy vs ${unit === "J" ? "energy per inference" : "latency"} on Loihi (flow ${r.flow})`,
    caption: `${r.candidates.length} candidates (knob × T), scored on ${r.data.validation.samples} validation images; the line joins the Pareto front, the large orange point is the chosen one; ` +
      `the dashed line is the DNN's validation accuracy less ${r.maxLoss} points`,
    config: {
      type: "line",
      data: { datasets: [
        { label: "candidate", data: r.candidates.map((c) => point(c, x)), showLine: false, pointRadius: 3, borderColor: "#999", backgroundColor: "#999" },
        { label: "Pareto front", data: front.map((c) => point(c, x)), borderColor: PALETTE[0], backgroundColor: PALETTE[0], borderWidth: 2, pointRadius: 4 },
        { label: "chosen", data: [point(r.chosen, x)], showLine: false, pointRadius: 8, borderColor: PALETTE[3], backgroundColor: PALETTE[3] },
        { label: "DNN − max loss", data: [{ x: Math.min(...r.candidates.map((c) => c[x])), y: 100 * (r.dnnValidationAccuracy - r.maxLoss / 100) },
          { x: Math.max(...r.candidates.map((c) => c[x])), y: 100 * (r.dnnValidationAccuracy - r.maxLoss / 100) }],
          borderColor: "#444", borderDash: [6, 4], borderWidth: 1, pointRadius: 0 },
      ] },
      options: { scales: { x: { type: "logarithmic", title: { display: true, text: unit === "J" ? "energy per inference" : "latency" } },
        y: { type: "linear", title: { display: true, text: "accuracy (validation)" } } } },
    },
  };
}

/** The whole optimize report as one page. */
export function renderOptimizeHtml(r: OptimizeReport, o: { chartJs: string; title?: string }): string {
  const charts = [paretoChart(r, "energyPerInferenceJ"), paretoChart(r, "latencyS")];
  const c = r.chosen;
  const title = o.title ?? "spikewasm optimize: Loihi deployment";
  const rows = [...r.candidates].sort((a, b) => a.energyPerInferenceJ - b.energyPerInferenceJ)
    .map((x) => [x.knob, x.timesteps, pct(x.accuracy), si(x.energyPerInferenceJ, "J"), si(x.latencyS, "s"), si(x.powerW, "W"), x.cores, x.pareto ? "yes" : "",
      x.knob === c.knob && x.timesteps === c.timesteps ? "chosen" : ""]);
  const body = [
    `<h1>${esc(title)}</h1>`,
    table(null, [
      ["chosen", `${c.knob}, T = ${c.timesteps} (${c.chipSteps} chip steps)${c.withinBudget ? "" : " — no candidate within the loss budget: the most accurate"}`],
      ["validation accuracy (bit-exact)", `${pct(c.accuracy)} (DNN ${pct(r.dnnValidationAccuracy)}, max loss ${r.maxLoss} points)`],
      ["test accuracy (bit-exact, reported only)", `${pct(c.testAccuracy)} on ${r.data.test.samples} test images (DNN ${pct(c.dnnTestAccuracy)})`],
      [`Loihi, flow ${r.flow}, ${r.constants} constants`, `${si(c.energyPerInferenceJ, "J")} per inference, ${si(c.latencyS, "s")}, ${si(c.powerW, "W")}, ${c.cores} cores`],
      ["selection", r.selection],
      ["data", `calibration ${r.data.calibration.samples}: ${r.data.calibration.source}; validation ${r.data.validation.samples}: ${r.data.validation.source}; test ${r.data.test.samples}: ${r.data.test.source}`],
      ["versions", `spikewasm ${r.spikewasm}, node ${r.node ?? "–"}`],
    ]),
    `<h2>Pareto front</h2><div class="grid">${charts.map(chartBox).join("")}</div>`,
    `<h2>Every candidate</h2>`, table(["knob", "T", "accuracy", "energy / inference", "latency", "power", "cores", "Pareto", ""], rows),
    r.refused.length ? `<h2>Knobs that could not be deployed</h2>${table(["knob", "reason"], r.refused.map((x) => [x.knob, x.reason]))}` : "",
  ].join("\n");
  return renderPage(title, body, charts, o.chartJs);
}
