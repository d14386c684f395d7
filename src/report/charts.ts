/**
 * The charts of the HTML report as plain data: one Chart.js 4 configuration per chart, built from a
 * RunReport (no DOM, no Chart.js import: the page script of src/report/html.ts hands each `config` to
 * `new Chart(canvas, config)` and adds the tick and tooltip formatters named by `units`).
 *
 * Values stay in SI base units (J, W, s); `units` maps a scale id to the unit its ticks and tooltips
 * print with an SI prefix ("%" prints as a percentage, "" as a plain number with k/M/G).
 */
import type { RunReport, SpikeRaster } from "../pipeline/run.js";
import type { TargetReport, TradeoffRow } from "../pipeline/targets.js";
import type { CoreUsage } from "../targets/mapping.js";

/** One chart of the report. */
export interface ChartSpec {
  /** canvas id, unique in the page */
  id: string;
  /** section the chart belongs to */
  section: "accuracy" | "loihi" | "targets" | "layers" | "raster" | "mapping" | "optimize";
  title: string;
  /** one sentence under the chart: what is plotted and from where */
  caption: string;
  /** CSS height of the chart box in pixels */
  height: number;
  /** unit of each scale id ("J", "s", "W", "%", "") for tick and tooltip labels */
  units: Record<string, string>;
  /** a Chart.js 4 configuration (JSON-ready) */
  config: { type: string; data: { labels?: string[]; datasets: Record<string, unknown>[] }; options: Record<string, unknown> };
}

/** Colours of the datasets (colour-blind-safe Okabe–Ito order). */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];

const axisTitle = (text: string) => ({ display: true, text });
const pct = (x: number | null) => (x === null ? null : 100 * x);

type Point = { x: number; y: number | null };

function line(label: string, data: Point[], color: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { label, data, borderColor: color, backgroundColor: color, borderWidth: 2, pointRadius: 0, ...extra };
}

/** The feasible Loihi target, if the run has one. */
export function loihiOf(r: RunReport): (TargetReport & { tradeoff: TradeoffRow[]; recommendedTimesteps: number; mapping: { cores: CoreUsage[] } }) | undefined {
  return r.targets.find((t) => t.name === "loihi" && t.feasible) as ReturnType<typeof loihiOf>;
}

/** Accuracy against timestep: float SNN at every step, the DNN as a line, Loihi's bit-exact trade-off points. */
function accuracyChart(r: RunReport): ChartSpec {
  const T = r.snn.timesteps;
  const datasets = [
    line("SNN (float, this run)", r.snn.accuracyByStep.map((a, i) => ({ x: i + 1, y: 100 * a })), PALETTE[0]),
    line("DNN", [{ x: 1, y: 100 * r.dnn.accuracy }, { x: T, y: 100 * r.dnn.accuracy }], PALETTE[7], { borderDash: [6, 4], borderWidth: 1.5 }),
  ];
  const l = loihiOf(r);
  if (l) datasets.push(line("Loihi (bit-exact, quantised)", l.tradeoff.map((x) => ({ x: x.timesteps, y: 100 * x.accuracy })), PALETTE[3], { pointRadius: 4 }));
  return {
    id: "chart-accuracy", section: "accuracy", title: "Accuracy vs timestep", height: 340, units: { y: "%" },
    caption: `accuracy after t of T = ${T} steps on ${r.data.samples} test samples; the DNN does not depend on t` +
      (l ? "; Loihi points from its trade-off rows (bit-exact run)" : ""),
    config: {
      type: "line", data: { datasets },
      options: { scales: { x: { type: "linear", min: 1, max: T, title: axisTitle("timestep t") }, y: { min: 0, max: 100, title: axisTitle("accuracy (%)") } } },
    },
  };
}

/** Loihi's energy and latency per inference against T, with the run's T and the recommended T marked. */
function tradeoffChart(l: NonNullable<ReturnType<typeof loihiOf>>, T: number): ChartSpec {
  const rows = l.tradeoff;
  const e = rows.map((x) => x.energyPerInferenceJ);
  const lo = Math.min(...e), hi = Math.max(...e);
  // x is log2(T) on a linear scale so that the ticks fall on the trade-off's powers of two (the "log2" unit prints 2^x)
  const mark = (label: string, t: number, color: string) => line(label, [{ x: Math.log2(t), y: lo }, { x: Math.log2(t), y: hi }], color, { borderDash: [4, 4], borderWidth: 1.5, yAxisID: "y" });
  return {
    id: "chart-tradeoff", section: "loihi", title: "Loihi: energy and latency per inference vs timesteps", height: 340, units: { x: "log2", y: "J", y2: "s" },
    caption: `estimates from the bit-exact run's activity at each T (src/targets/cost.ts); recommended T = ${l.recommendedTimesteps} (${String(l.recommendation ?? "")})`,
    config: {
      type: "line",
      data: {
        datasets: [
          line("energy / inference", rows.map((x) => ({ x: Math.log2(x.timesteps), y: x.energyPerInferenceJ })), PALETTE[0], { pointRadius: 3, yAxisID: "y" }),
          line("latency / inference", rows.map((x) => ({ x: Math.log2(x.timesteps), y: x.latencyS })), PALETTE[1], { pointRadius: 3, yAxisID: "y2" }),
          mark(`run's T = ${T}`, T, PALETTE[7]),
          mark(`recommended T = ${l.recommendedTimesteps}`, l.recommendedTimesteps, PALETTE[3]),
        ],
      },
      options: {
        scales: {
          x: { type: "linear", ticks: { stepSize: 1 }, title: axisTitle("timesteps T (log scale)") },
          y: { type: "linear", position: "left", title: axisTitle("energy per inference") },
          y2: { type: "linear", position: "right", grid: { drawOnChartArea: false }, title: axisTitle("latency per inference") },
        },
      },
    },
  };
}

/** One bar chart per quantity (energy, power, latency) over the targets, log scale. */
function targetCharts(r: RunReport): ChartSpec[] {
  const ts = r.targets.filter((t) => t.feasible);
  const labels = ts.map((t) => `${t.name} (${t.model.toUpperCase()})`);
  const q = [
    ["energy", "Energy per inference", "energyPerInferenceJ", "J"],
    ["power", "Power", "powerW", "W"],
    ["latency", "Latency per inference", "latencyS", "s"],
  ] as const;
  return q.map(([key, title, field, unit]) => {
    const missing = ts.filter((t) => t[field] === null).map((t) => t.name);
    return {
      id: `chart-target-${key}`, section: "targets", title: `${title} by target (log scale)`, height: 280, units: { y: unit },
      caption: `${title.toLowerCase()} of each feasible target (${unit})` + (missing.length ? `; no figure for ${missing.join(", ")} (cpu: pass --cpu-watts)` : ""),
      config: {
        type: "bar",
        data: { labels, datasets: [{ label: title, data: ts.map((t) => t[field]), backgroundColor: ts.map((_, i) => PALETTE[i % PALETTE.length]) }] },
        options: { plugins: { legend: { display: false } }, scales: { y: { type: "logarithmic", title: axisTitle(`${title.toLowerCase()} (${unit})`) } } },
      },
    };
  });
}

/** Spikes and synaptic operations per layer (log scale), and the activation–rate correlation with the firing rate. */
function layerCharts(r: RunReport): ChartSpec[] {
  const ls = r.snn.layers, labels = ls.map((l) => l.id);
  return [
    {
      id: "chart-layers", section: "layers", title: "Spikes and synaptic operations per layer (log scale)", height: 320, units: { y: "" },
      caption: `per inference, averaged over ${r.data.samples} test samples at T = ${r.snn.timesteps} (float SNN)`,
      config: {
        type: "bar",
        data: { labels, datasets: [
          { label: "spikes / inference", data: ls.map((l) => l.spikesPerInference), backgroundColor: PALETTE[0] },
          { label: "synaptic operations / inference", data: ls.map((l) => l.synopsPerInference), backgroundColor: PALETTE[1] },
        ] },
        options: { scales: { y: { type: "logarithmic", title: axisTitle("per inference") } } },
      },
    },
    {
      id: "chart-correlation", section: "layers", title: "DNN activation vs SNN rate: correlation per layer", height: 320, units: { y: "", y2: "" },
      caption: "Pearson correlation of each neuron's mean DNN activation / λ with its SNN firing rate (bars), and the layer's mean rate in spikes per neuron per step (line)",
      config: {
        type: "bar",
        data: { labels, datasets: [
          { label: "correlation", data: ls.map((l) => l.correlation), backgroundColor: PALETTE[2], yAxisID: "y" },
          { type: "line", label: "firing rate (spikes / neuron / step)", data: ls.map((l) => l.rate), borderColor: PALETTE[3], backgroundColor: PALETTE[3], yAxisID: "y2", pointRadius: 3 },
        ] },
        options: { scales: {
          y: { min: Math.min(0, ...ls.map((l) => l.correlation ?? 0)), max: 1, title: axisTitle("correlation") },
          y2: { position: "right", min: 0, grid: { drawOnChartArea: false }, title: axisTitle("rate") },
        } },
      },
    },
  ];
}

/** One scatter chart per raster sample: layers stacked top to bottom, each spike a dot at (step, row). */
function rasterCharts(raster: SpikeRaster): ChartSpec[] {
  const gap = 4;
  const offsets: number[] = [];
  let rows = 0;
  for (const l of raster.layers) {
    offsets.push(rows);
    rows += l.shown.length + gap;
  }
  return raster.labels.map((label, b) => ({
    id: `chart-raster-${b}`, section: "raster" as const, title: `Spike raster, test sample ${b} (label ${label})`, height: 380, units: {},
    caption: `every spike of the shown neurons at each step; layers stacked from the top, each shows up to ${Math.max(...raster.layers.map((l) => l.shown.length))} of its neurons that fired (evenly spaced)`,
    config: {
      type: "scatter",
      data: { datasets: raster.layers.map((l, i) => ({
        label: `${l.id} (${l.shown.length} of ${l.neurons})`, data: l.spikes[b].map(([t, row]) => ({ x: t, y: offsets[i] + row })),
        backgroundColor: PALETTE[i % PALETTE.length], borderWidth: 0, pointRadius: 1.6, pointStyle: "rect",
      })) },
      options: { plugins: { legend: { position: "right" } }, scales: {
        x: { type: "linear", min: 0, max: raster.steps + 1, title: axisTitle("step") },
        y: { reverse: true, min: -1, max: Math.max(rows - gap, 1), ticks: { display: false }, title: axisTitle("neuron (layers stacked)") },
      } },
    },
  }));
}

/** Per-core utilisation of the Loihi mapping: one bar group per core, four resources. */
function mappingChart(l: NonNullable<ReturnType<typeof loihiOf>>): ChartSpec {
  const cores = l.mapping.cores;
  const res = [["compartments", "compartments"], ["inputAxons", "input axons"], ["outputAxons", "output axons"], ["synapseMemory", "synapse memory"]] as const;
  return {
    id: "chart-mapping", section: "mapping", title: `Loihi mapping: utilisation of each of ${cores.length} cores`, height: 340, units: { y: "%" },
    caption: "used / limit of each core's compartments, input and output axons and synapse memory (src/targets/mapping.ts); the label gives the core and its layer",
    config: {
      type: "bar",
      data: { labels: cores.map((c) => `${c.core} · ${c.layer}`), datasets: res.map(([k, name], i) => ({ label: name, data: cores.map((c) => pct(c.utilisation[k])), backgroundColor: PALETTE[i] })) },
      options: { scales: { y: { min: 0, max: 100, title: axisTitle("utilisation (%)") }, x: { ticks: { autoSkip: true, maxRotation: 90 } } } },
    },
  };
}

/** Every chart of the report, in page order (Loihi charts only when the run has a feasible Loihi target). */
export function reportCharts(r: RunReport): ChartSpec[] {
  const l = loihiOf(r);
  return [
    accuracyChart(r),
    ...(l ? [tradeoffChart(l, r.snn.timesteps)] : []),
    ...(r.targets.some((t) => t.feasible) ? targetCharts(r) : []),
    ...layerCharts(r),
    ...(r.snn.raster ? rasterCharts(r.snn.raster) : []),
    ...(l ? [mappingChart(l)] : []),
  ];
}
