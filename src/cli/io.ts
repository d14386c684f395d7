/**
 * File input and output of the commands: whole-file reads that name the file and refuse devices, atomic
 * writes (several outputs written as one), JSON output (`--json FILE` or `-` for standard output).
 */
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { checkReadable } from "../data/files.js";
import { SpikewasmError } from "../errors.js";

/** Reads a whole input file; a SpikewasmError naming it (and the errno code) when it cannot be read. */
export function readInput(file: string): Buffer {
  checkReadable(file);
  try {
    return readFileSync(file);
  } catch (e) {
    throw new SpikewasmError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export function readText(file: string): string {
  return readInput(file).toString("utf8");
}

export function readBytes(file: string): Uint8Array {
  return new Uint8Array(readInput(file));
}

/** Writes a file atomically (temporary file + rename): never a half-written output. */
export function writeAtomic(file: string, text: string | Uint8Array): void {
  writeAllAtomic([{ file, data: text }]);
}

/**
 * Writes several outputs as one: every file goes to a temporary first, and only when all were written are
 * they renamed into place; on any failure every temporary is removed and no output is replaced.
 */
export function writeAllAtomic(outputs: Array<{ file: string; data: string | Uint8Array }>): void {
  const temps: string[] = [];
  const fail = (file: string, e: unknown): never => {
    for (const t of temps) rmSync(t, { force: true });
    throw new SpikewasmError(`${file}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  };
  for (const { file, data } of outputs) {
    const tmp = `${file}.${process.pid}.tmp`;
    temps.push(tmp);
    try { writeFileSync(tmp, data); } catch (e) { fail(file, e); }
  }
  // a rename onto a directory would fail after earlier outputs were replaced: refuse it first
  for (const { file } of outputs) if (statDir(file)) fail(file, Object.assign(new Error("is a directory"), { code: "EISDIR" }));
  outputs.forEach(({ file }, i) => {
    try { renameSync(temps[i], file); } catch (e) { fail(file, e); }
  });
}

/** Writes a command's result as JSON to `o.json` ("-": standard output); returns true when nothing else is to be printed. */
export function emitJson(o: Record<string, unknown>, report: unknown, indent = 2): boolean {
  if (!o.json) return false;
  const text = JSON.stringify(report, null, indent || undefined) + "\n";
  if (o.json === "-") {
    process.stdout.write(text);
    return true;
  }
  writeAtomic(o.json as string, text);
  return false;
}

export function checkWritable(file: string): void {
  const dir = dirname(file) || ".";
  try {
    if (!statDir(dir)) throw new Error("not a directory");
  } catch {
    throw new SpikewasmError(`${file}: cannot write here (directory '${dir}' does not exist)`);
  }
}

export function statDir(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** After the summary: where --json went. */
export function printWritten(o: Record<string, unknown>): void {
  if (o.json) console.log(`report written to ${o.json}`);
}
