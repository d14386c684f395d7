/**
 * `spikewasm run --report out.html`: one self-contained HTML page (no network: Chart.js, the data and
 * the styles are inlined) with the run's charts (src/report/charts.ts), the per-target table and every
 * option and version used.
 *
 * This module has no Node imports: the caller passes Chart.js's UMD build as text (Node:
 * chartJsSource() of src/report/chart-source.ts reads it from node_modules/chart.js at report time).
 * The page script exposes `window.spikewasmReport = {charts, renderMs}` and sets
 * `<html data-rendered="true">` once every chart is drawn (the browser test waits on it).
 */
import type { RunReport } from "../pipeline/run.js";
import { type ChartSpec, loihiOf, reportCharts } from "./charts.js";

/** What renderReportHtml needs besides the report. */
export interface ReportHtmlOptions {
  /** Chart.js 4 UMD build (dist/chart.umd.min.js) as text */
  chartJs: string;
  /** Chart.js version, printed with the other versions */
  chartJsVersion?: string;
  /** page title (default: "spikewasm report: <model file>") */
  title?: string;
  /** when the report was made (default: now) */
  date?: Date;
}

/** HTML-escapes text. */
export function esc(x: unknown): string {
  return String(x).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON safe inside a <script> element. */
function scriptJson(x: unknown): string {
  return JSON.stringify(x).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** An SI-prefixed figure: 2.15e-4 J -> "215.0 µJ" (the page script has the same function for ticks). */
export function si(x: number | null | undefined, unit: string): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "–";
  if (x === 0) return `0 ${unit}`.trim();
  const pre = ["p", "n", "µ", "m", "", "k", "M", "G", "T"];
  const e = Math.max(-4, Math.min(4, Math.floor(Math.log10(Math.abs(x)) / 3)));
  return `${(x / 1000 ** e).toPrecision(4)} ${pre[e + 4]}${unit}`.trim();
}

const pctText = (x: number | null | undefined) => (x === null || x === undefined ? "–" : `${(100 * x).toFixed(2)} %`);

/** A table of escaped cells (`head` null: no header row). */
export function table(head: string[] | null, rows: unknown[][]): string {
  return `<table>${head ? `<thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead>` : ""}<tbody>` +
    rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("") + "</tbody></table>";
}

/** A chart's figure: title, canvas, caption. */
export function chartBox(c: ChartSpec): string {
  return `<figure class="chart"><figcaption><b>${esc(c.title)}</b></figcaption>` +
    `<div class="box" style="height:${c.height}px"><canvas id="${esc(c.id)}" role="img" aria-label="${esc(c.title)}"></canvas></div>` +
    `<p class="caption">${esc(c.caption)}</p></figure>`;
}

function summary(r: RunReport): string {
  const rows: unknown[][] = [
    ["model", `${r.model.file} (opset ${r.model.opset}, ${r.model.params} parameters, ${r.model.macs} MACs)`],
    ["test data", `${r.data.samples} samples: ${r.data.source}`],
    ["calibration", `${r.data.calibration.samples} samples: ${r.data.calibration.source}`],
    ["DNN accuracy", pctText(r.dnn.accuracy)],
    [`SNN accuracy (T = ${r.snn.timesteps})`, pctText(r.snn.accuracy)],
    ["conversion loss", `${(100 * r.snn.conversionLoss).toFixed(2)} points`],
    ["SNN per inference", `${r.snn.spikesPerInference.toFixed(0)} spikes, ${si(r.snn.synopsPerInference, "")} synaptic operations`],
  ];
  const l = loihiOf(r);
  if (l) rows.push(["Loihi", `recommended T = ${l.recommendedTimesteps} (${String(l.recommendation ?? "")})`]);
  for (const c of r.comparison?.rows ?? [])
    rows.push([`${c.target} vs ${r.comparison!.baseline}`, [
      c.energyRatio !== null ? `${c.energyRatio.toFixed(2)}× less energy` : null, c.powerRatio !== null ? `${c.powerRatio.toFixed(2)}× less power` : null,
      c.latencyRatio !== null ? `latency ×${c.latencyRatio.toFixed(2)}` : null,
      c.accuracyDelta !== null ? `accuracy ${c.accuracyDelta >= 0 ? "+" : ""}${(100 * c.accuracyDelta).toFixed(2)} points` : null,
    ].filter(Boolean).join(", ")]);
  return table(null, rows);
}

function targetsTable(r: RunReport): string {
  if (r.targets.length === 0) return "<p>No hardware targets in this run (pass <code>--target loihi,ncs2,cpu</code>).</p>";
  const rows = r.targets.map((t) => t.feasible
    ? [t.name, t.model.toUpperCase(), pctText(t.accuracy), t.cores !== undefined ? `${t.cores} / ${t.chips}` : "–", si(t.energyPerInferenceJ, "J"), si(t.powerW, "W"), si(t.latencyS, "s"),
      t.inferencesPerS === null ? "–" : t.inferencesPerS.toFixed(0)]
    : [t.name, t.model.toUpperCase(), `does not fit: ${t.reason ?? ""}`, "", "", "", "", ""]);
  const notes = r.targets.map((t) => `<details><summary>${esc(t.name)}: sources and notes</summary>` +
    table(["constant", "value", "kind", "source"], t.sources.map((s) => [s.name, s.value === null ? "–" : `${s.value}${s.unit ? ` ${s.unit}` : ""}`, s.kind, s.source])) +
    `<ul>${t.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul></details>`).join("");
  return table(["target", "runs", "accuracy", "cores / chips", "energy / inference", "power", "latency", "inferences / s"], rows) + notes;
}

/** Loihi's deployment flows side by side (headline = probe accounting; board = a power meter's view). */
function loihiFlowsTable(r: RunReport): string {
  const l = loihiOf(r);
  const flows = l?.flows as Record<string, { energyPerInferenceJ: number; powerW: number; latencyS: number; timePerStepS: number; board: { energyPerInferenceJ: number; powerW: number } }> | undefined;
  if (!l || !flows) return "";
  const what: Record<string, string> = { host: "input streamed from the host every step (NengoLoihi / NxSDK)", bias: "frame written once as first-layer biases (NxTF)", chip: "on-chip time only, I/O excluded (lower bound)" };
  const rows = Object.entries(flows).map(([k, f]) => [k === l.flow ? `${k} (this run)` : k, what[k] ?? "", si(f.energyPerInferenceJ, "J"), si(f.powerW, "W"), si(f.latencyS, "s"), si(f.timePerStepS, "s"),
    `${si(f.board.energyPerInferenceJ, "J")}, ${si(f.board.powerW, "W")}`]);
  const reset = (l.quantization as { reset?: { emulated: string[]; layers: string[]; note: string } } | undefined)?.reset;
  const resetText = !reset ? "" : reset.emulated.length
    ? `<p>Reset by subtraction emulated in ${reset.emulated.length} layer(s) (two compartments per neuron, in the cores and the energy above). ${esc(reset.note)}</p>`
    : reset.layers.length ? `<p>Reset to zero in ${reset.layers.length} layer(s) converted with reset by subtraction. ${esc(reset.note)}</p>` : "";
  return `<h3>Loihi deployment flows</h3>` + table(["flow", "what", "energy / inference", "power", "latency", "time per step", "board meter (energy, power)"], rows) + resetText;
}

function optionsTable(r: RunReport, o: ReportHtmlOptions): string {
  const rows: unknown[][] = Object.entries(r.options).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : v]);
  rows.push(["targets", r.targets.map((t) => t.name).join(", ") || "none"], ["preprocessing", JSON.stringify(r.data.preprocessing)]);
  if (r.snn.raster) rows.push(["raster", `first ${r.snn.raster.samples} test samples, at most ${Math.max(...r.snn.raster.layers.map((l) => l.shown.length))} neurons per layer`]);
  const versions: unknown[][] = [["spikewasm", r.spikewasm], ["node", r.node ?? "–"], ["Chart.js", o.chartJsVersion ?? "–"],
    ["run time", `${r.seconds.toFixed(1)} s`], ["report made", (o.date ?? new Date()).toISOString()]];
  return `<h3>Options</h3>${table(["option", "value"], rows)}<h3>Versions</h3>${table(null, versions)}`;
}

/** The page script: Chart.js formatters from `units`, then one Chart per spec. Runs after Chart.js's UMD build. */
const PAGE_SCRIPT = String.raw`(function () {
  "use strict";
  var t0 = performance.now();
  var specs = JSON.parse(document.getElementById("spikewasm-charts").textContent);
  var PRE = ["p", "n", "\u00b5", "m", "", "k", "M", "G", "T"];
  function si(x, unit) {
    if (x === null || x === undefined || !isFinite(x)) return "\u2013";
    if (unit === "%") return (+x.toFixed(2)) + " %";
    if (unit === "log2") return Number.isInteger(x) ? String(Math.pow(2, x)) : "";
    if (x === 0) return "0";
    if (unit === "" && Math.abs(x) < 1000) return String(+x.toPrecision(3));
    var e = Math.max(-4, Math.min(4, Math.floor(Math.log10(Math.abs(x)) / 3)));
    return (+(x / Math.pow(1000, e)).toPrecision(3)) + " " + PRE[e + 4] + unit;
  }
  function logTick(v) {
    var m = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
    return [1, 2, 5].indexOf(Math.round(m)) >= 0 && Math.abs(m - Math.round(m)) < 1e-6;
  }
  Chart.defaults.animation = false;
  Chart.defaults.responsive = true;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = "system-ui, sans-serif";
  var charts = specs.map(function (s) {
    var scales = s.config.options.scales || {};
    Object.keys(s.units).forEach(function (id) {
      var sc = scales[id] || (scales[id] = {}), unit = s.units[id];
      sc.ticks = Object.assign({}, sc.ticks, { callback: function (v) {
        return sc.type === "logarithmic" && !logTick(v) ? "" : si(v, unit);
      } });
    });
    s.config.options.scales = scales;
    var plugins = s.config.options.plugins || (s.config.options.plugins = {});
    plugins.tooltip = Object.assign({}, plugins.tooltip, { callbacks: { label: function (ctx) {
      var unit = s.units[ctx.dataset.yAxisID || "y"];
      var y = unit === undefined ? ctx.parsed.y : si(ctx.parsed.y, unit);
      return ctx.dataset.label + ": " + y + (s.config.type === "scatter" ? " at step " + ctx.parsed.x : "");
    } } });
    return new Chart(document.getElementById(s.id), s.config);
  });
  window.spikewasmReport = { charts: charts, renderMs: performance.now() - t0 };
  document.documentElement.setAttribute("data-rendered", "true");
})();`;

const STYLE = `body{font-family:system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1em 2em;color:#222}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ccc}table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}th{background:#f4f4f4}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:1em}.chart{margin:0}.box{position:relative}
.caption{color:#555;font-size:.85em;margin:.3em 0}details{margin:.3em 0}code{background:#f4f4f4;padding:0 .2em}`;

/** The whole report as one self-contained HTML page. */
export function renderReportHtml(report: RunReport, o: ReportHtmlOptions): string {
  const charts = reportCharts(report);
  const section = (name: ChartSpec["section"]) => charts.filter((c) => c.section === name).map(chartBox).join("");
  const grid = (name: ChartSpec["section"]) => `<div class="grid">${section(name)}</div>`;
  const title = o.title ?? `spikewasm report: ${report.model.file}`;
  const l = loihiOf(report);
  const body = [
    `<h1>${esc(title)}</h1>`, summary(report),
    `<h2>Accuracy</h2>${section("accuracy")}`,
    `<h2>Loihi: which T</h2>${l ? section("loihi") : "<p>No feasible Loihi target in this run.</p>"}`,
    `<h2>Targets</h2>${targetsTable(report)}${loihiFlowsTable(report)}${grid("targets")}`,
    `<h2>Layers</h2>${grid("layers")}`,
    `<h2>Spike raster</h2>${report.snn.raster ? section("raster") : "<p>No raster in this report (runPipeline option <code>raster</code>).</p>"}`,
    `<h2>Loihi mapping</h2>${l ? section("mapping") : "<p>No feasible Loihi target in this run.</p>"}`,
    `<h2>Options and versions</h2>${optionsTable(report, o)}`,
  ].join("\n");
  return renderPage(title, body, charts, o.chartJs);
}

/** A self-contained page: the body, the charts' specs as JSON, Chart.js inlined and the page script that draws them. */
export function renderPage(title: string, body: string, charts: ChartSpec[], chartJs: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body>
${body}
<script type="application/json" id="spikewasm-charts">${scriptJson(charts)}</script>
<script>${chartJs.replace(/<\/script/gi, "<\\/script")}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}
