/**
 * The `spikewasm` command line: a thin layer that parses flags, calls the library and prints. One file
 * per command in src/cli/ (each registers itself on the program); shared option, file, data and
 * printing helpers there too.
 * Exit codes: 0 success; 2 bad input or usage (the message names what and where); 3 a resource limit
 * (memory); 1 an internal error (a bug: please report it with the printed stack).
 */
import { Command, CommanderError } from "commander";
import { registerCheck } from "./cli/check.js";
import { registerExample } from "./cli/example.js";
import { registerExport } from "./cli/export.js";
import { registerInspect } from "./cli/inspect.js";
import { registerLoihiSim } from "./cli/loihi-sim.js";
import { registerMerge } from "./cli/merge.js";
import { registerOptimize } from "./cli/optimize.js";
import { registerRun } from "./cli/run.js";
import { registerSimulate } from "./cli/simulate.js";
import { registerWorker } from "./cli/worker.js";
import { SpikewasmError } from "./errors.js";
import { VERSION } from "./version.js";

/** Builds the commander program (exported for tests). */
export function buildProgram(): Command {
  const program = new Command("spikewasm")
    .description("Spiking neural networks in WebAssembly: simulate an SNN graph fast, in Node or a browser.")
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();
  for (const register of [registerSimulate, registerRun, registerOptimize, registerCheck, registerInspect, registerExample, registerLoihiSim, registerExport, registerMerge, registerWorker]) register(program);
  return program;
}

/** Runs the CLI; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    process.exitCode = 0;
    await buildProgram().parseAsync(argv, { from: "user" });
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) return e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.exitCode === 0 ? 0 : 2;
    if (e instanceof SpikewasmError) {
      console.error(`spikewasm: error: ${e.message}`);
      return e.exitCode;
    }
    console.error(`spikewasm: internal error (please report): ${(e as Error).stack ?? e}`);
    return 1;
  }
}
