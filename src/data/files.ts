/**
 * Node-only file access for dataset readers. Kept apart from src/data/{idx,npy,dataset}.ts so that
 * those bundle for browsers without node:fs.
 */
import { readFileSync } from "node:fs";
import { SpikewasmError } from "../errors.js";

/**
 * Reads a whole data file into bytes.
 * @throws SpikewasmError with the path and errno code (ENOENT, EACCES, EISDIR, …) when it cannot be read.
 */
export function readDataFile(path: string): Uint8Array {
  try {
    const b = readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason = err.code === "ENOENT" ? "no such file" : err.code === "EACCES" ? "permission denied" : err.code === "EISDIR" ? "is a directory" : err.message;
    throw new SpikewasmError(`${path}: cannot read data file: ${reason} (${err.code ?? "unknown error"})`);
  }
}
