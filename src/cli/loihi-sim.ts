/** `spikewasm loihi-sim`: a user's integer Loihi net run bit-exactly, its trace and (--cost) its cost. */
import { type Command, Option } from "commander";
import { SpikewasmError } from "../errors.js";
import { loihiNetCost } from "../loihi/net-cost.js";
import { type LoihiNet, simulateLoihi } from "../loihi/simulate.js";
import { LOIHI_CONSTANT_SETS, type LoihiConstantSet } from "../targets/loihi.js";
import type { LoihiFlow } from "../targets/loihi-system.js";
import { VERSION } from "../version.js";
import { si } from "./format.js";
import { emitJson, readText } from "./io.js";
import { int, loihiConstantsOption, loihiFlowOption } from "./options.js";

/** loihi-sim: runs a user's integer Loihi net bit-exactly and writes q, u, v and spikes per step. */
async function loihiSimCommand(file: string, o: Record<string, unknown>): Promise<void> {
  let net: LoihiNet;
  try {
    net = JSON.parse(readText(file)) as LoihiNet;
  } catch (e) {
    if (e instanceof SpikewasmError) throw e;
    throw new SpikewasmError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const r = await simulateLoihi(net, o.steps as number, { backend: o.backend as "wasm" | "js" });
  const cost = o.cost ? loihiNetCost(net, r, LOIHI_CONSTANT_SETS[o.loihiConstants as LoihiConstantSet], o.loihiFlow as LoihiFlow, o.loihiConstants as string) : undefined;
  const report = { spikewasm: VERSION, node: process.versions.node, net: file, semantics: "NengoLoihi emulator (nengo_loihi/emulator/interface.py), first-generation Loihi", ...r, ...(cost ? { cost } : {}) };
  if (emitJson(o, report, 0)) return;
  for (const w of r.warnings) console.error(`spikewasm: warning: ${w}`);
  console.log(`spikewasm ${VERSION}: ${file}, ${r.steps} steps, ${r.backend} backend`);
  for (const [name, tr] of Object.entries(r.blocks)) {
    console.log(`  ${name.padEnd(14)}${String(tr.v[0].length).padStart(7)} compartments${String(tr.spikes.reduce((a, s) => a + s.length, 0)).padStart(9)} spikes`);
  }
  if (cost) {
    console.log(`cost (flow ${cost.flow}, ${cost.constants} constants, the whole run): ${si(cost.energyJ, "J")}, ${si(cost.latencyS, "s")}, ${si(cost.powerW, "W")} ` +
      `(static ${si(cost.breakdown.staticJ, "J")}, x86 ${si(cost.breakdown.x86J, "J")}, dynamic ${si(cost.breakdown.dynamicJ, "J")}); ${cost.cores} cores / ${cost.chips} chip(s), ${cost.synapticEvents} synaptic events`);
    console.log(`  flows: ${Object.entries(cost.flows).map(([k, v]) => `${k} ${si(v.energyJ, "J")} ${si(v.latencyS, "s")}`).join(" · ")}`);
  }
  if (o.json) console.log(`trace written to ${o.json}`);
}

/** Registers `spikewasm loihi-sim` on the program. */
export function registerLoihiSim(program: Command): void {
  program
    .command("loihi-sim")
    .description("simulate an integer Loihi net (JSON) bit-exactly with the NengoLoihi emulator's arithmetic; write q, u, v and spikes per step")
    .argument("<net>", "Loihi net JSON: {inputs: [{name, n, spikeTimes}], blocks: [{name, n, decayU, decayV, vthMant, biasMant, biasExp, refractDelay, vminExp, vmaxExp}], connections: [{src, dst, weights, wExp}]}")
    .requiredOption("-T, --steps <n>", "time steps", int("--steps", 1))
    .addOption(new Option("--backend <b>", "kernels").choices(["wasm", "js"]).default("wasm"))
    .option("--json <file>", "write the per-step trace as JSON")
    .option("--cost", "add the run's cost on Loihi: energy, latency, power, cores, breakdown, synaptic events (whole run and per block)")
    .addOption(loihiFlowOption())
    .addOption(loihiConstantsOption())
    .addHelpText("after", "\nExamples:\n  spikewasm loihi-sim net.json --steps 100 --json trace.json\n  spikewasm loihi-sim net.json --steps 100 --cost --loihi-flow chip --loihi-constants sanafe --json -")
    .action((file: string, o: Record<string, unknown>) => loihiSimCommand(file, o));
}
