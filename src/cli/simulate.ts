/** `spikewasm simulate`: an SNN graph for T steps on a batch, per-layer activity. */
import { type Command, Option } from "commander";
import { uniformInputs } from "../examples/networks.js";
import type { InputCoding } from "../sim/input.js";
import { type SimResult, Simulator } from "../sim/simulator.js";
import { VERSION } from "../version.js";
import { EXAMPLES, loadGraph, loadInputs } from "./graphs.js";
import { emitJson } from "./io.js";
import { int, nirDtOption, nirResetOption, num } from "./options.js";

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

function summarize(r: SimResult, seconds: number) {
  const events = r.layers.reduce((a, l) => a + l.synapticEvents, 0);
  const n = r.output.size;
  const finalCounts = r.output.counts.subarray((r.steps - 1) * r.batch * n);
  const predictions = Array.from({ length: r.batch }, (_, b) => {
    const c = finalCounts.subarray(b * n, (b + 1) * n);
    let best = 0;
    for (let i = 1; i < n; i++) if (c[i] > c[best]) best = i;
    return best;
  });
  return {
    steps: r.steps, batch: r.batch, coding: r.coding, seconds,
    synapticEvents: events, eventsPerSecond: events / seconds,
    neuronUpdatesPerSecond: (r.layers.reduce((a, l) => a + l.size, 0) * r.batch * r.steps) / seconds,
    inputSpikes: sum(r.inputSpikesPerStep),
    layers: r.layers.map((l) => ({
      id: l.id, kind: l.kind, shape: l.shape, neurons: l.size,
      spikesPerSample: sum(l.spikeCounts) / r.batch,
      meanRatePerStep: sum(l.spikeCounts) / (r.batch * l.size * r.steps),
      synapticEventsPerSample: l.synapticEvents / r.batch,
      inputMacsPerStepPerSample: l.inputMacsPerStep / r.batch,
    })),
    output: { id: r.output.id, predictions, spikeCounts: Array.from(finalCounts) },
  };
}

async function simulate(file: string | undefined, o: Record<string, unknown>): Promise<void> {
  const { graph, source } = await loadGraph(file, o.example as string, o);
  const batch = o.batch as number;
  const sim = await Simulator.create(graph, { batch, backend: o.backend as "wasm" | "js" });
  const n = sim.plan.input.n;
  const inputs = o.input ? loadInputs(o.input as string, n, batch) : uniformInputs(n, batch, o.seed as number);
  const t0 = performance.now();
  const r = sim.run(inputs, { steps: o.steps as number, coding: o.coding as InputCoding, rate: o.rate as number, seed: o.seed as number });
  const s = summarize(r, (performance.now() - t0) / 1000);
  const report = {
    spikewasm: VERSION, node: process.versions.node, graph: source, backend: sim.backend,
    inputs: o.input ?? `uniform random in [0, 1), seed ${o.seed}`,
    options: { steps: o.steps, batch, coding: o.coding, rate: o.rate, seed: o.seed },
    memory: { parameterBytes: sim.plan.parameterBytes, stateBytes: sim.plan.stateBytes, totalBytes: sim.plan.totalBytes },
    ...s,
  };
  if (emitJson(o, report) || (o.json && o.quiet)) return;
  const pad = (x: unknown, w: number) => String(x).padStart(w);
  console.log(`spikewasm ${VERSION}: ${source}, ${s.steps} steps, batch ${s.batch}, ${s.coding} coding, ${sim.backend} backend`);
  console.log(`${"layer".padEnd(12)}${pad("neurons", 9)}${pad("spikes/sample", 15)}${pad("rate/step", 11)}${pad("syn.events/sample", 19)}`);
  for (const l of s.layers) {
    console.log(`${l.id.padEnd(12)}${pad(l.neurons, 9)}${pad(l.spikesPerSample.toFixed(1), 15)}${pad(l.meanRatePerStep.toFixed(4), 11)}${pad(l.synapticEventsPerSample.toExponential(3), 19)}`);
  }
  console.log(`output '${s.output.id}' predictions (most spikes): ${s.output.predictions.join(" ")}`);
  console.log(`${s.seconds.toFixed(3)} s: ${s.eventsPerSecond.toExponential(2)} synaptic events/s, ${s.neuronUpdatesPerSecond.toExponential(2)} neuron updates/s`);
  if (o.json) console.log(`report written to ${o.json}`);
}

/** Registers `spikewasm simulate` on the program. */
export function registerSimulate(program: Command): void {
  program
    .command("simulate")
    .description("simulate an SNN graph (JSON) for T steps on a batch and print per-layer activity")
    .argument("[graph]", "graph file: spikewasm graph JSON or NIR (.nir); default: the built-in example")
    .addOption(nirDtOption("NIR graphs"))
    .addOption(nirResetOption("NIR graphs"))
    .option("--example <name>", `built-in network when no graph is given (${Object.keys(EXAMPLES).join(", ")})`, "mlp")
    .option("-T, --steps <n>", "time steps", int("--steps", 1), 100)
    .option("-b, --batch <n>", "samples per run", int("--batch", 1), 1)
    .addOption(new Option("--coding <coding>", "input coding").choices(["current", "poisson", "regular"]).default("poisson"))
    .option("--rate <p>", "spike probability per step of an input of value 1 (max rate × dt)", num("--rate", 0), 0.1)
    .option("--seed <n>", "seed of random inputs and Poisson trains", int("--seed", 0), 1)
    .option("--input <file>", "JSON array of input values (k samples × input size); default: seeded uniform random")
    .addOption(new Option("--backend <b>", "kernels").choices(["wasm", "js"]).default("wasm"))
    .option("--json <file>", "also write the full report as JSON to this file")
    .option("-q, --quiet", "with --json: print nothing")
    .addHelpText("after", "\nExamples:\n  spikewasm simulate                       # the built-in 784-1200-1200-10 IF network, Poisson input\n  spikewasm simulate net.json -T 500 -b 8 --coding current --json out.json")
    .action((file: string | undefined, o: Record<string, unknown>) => simulate(file, o));
}
