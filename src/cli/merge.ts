/**
 * `spikewasm merge part*.json`: the parts written by `run --shard k/n` (one per Slurm array task or
 * Kubernetes index) combined into the report a one-process run writes — the same JSON bit for bit apart
 * from timings (src/distributed/part.ts). Parts of different runs, a sample in two parts or samples in
 * none are named errors (exit 2); nothing is written then.
 */
import { SpikewasmError } from "../errors.js";
import { mergeParts, parsePart } from "../distributed/part.js";
import type { Command } from "commander";
import { checkWritable, emitJson, readText } from "./io.js";
import { printRun } from "./run-print.js";

function mergeCommand(files: string[], o: Record<string, unknown>): void {
  if (o.json && o.json !== "-") checkWritable(o.json as string);
  const parts = files.map((file) => {
    let value: unknown;
    const text = readText(file);
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new SpikewasmError(`${file}: not valid JSON (${(e as Error).message})`);
    }
    return { file, part: parsePart(value, file) };
  });
  const report = mergeParts(parts);
  if (emitJson(o, report)) return;
  printRun(report, report.data.samples);
  console.log(`merged ${parts.length} part${parts.length > 1 ? "s" : ""} (${report.data.samples} samples, each counted once)`);
  if (o.json) console.log(`report written to ${o.json}`);
}

/** Registers `spikewasm merge` on the program. */
export function registerMerge(program: Command): void {
  program
    .command("merge")
    .description("combine the partial reports of run --shard k/n into the report one process writes (every sample counted exactly once)")
    .argument("<parts...>", "part files written by run --shard k/n --json")
    .option("--json <file>", "write the merged report as JSON (- for standard output only)")
    .addHelpText("after", "\nExamples:\n  for k in 1 2 3 4; do spikewasm run --shard $k/4 --json part$k.json & done; wait\n  spikewasm merge part*.json --json report.json")
    .action((files: string[], o: Record<string, unknown>) => mergeCommand(files, o));
}
