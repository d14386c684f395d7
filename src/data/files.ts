/**
 * Node-only file access for dataset readers. Kept apart from src/data/{idx,npy,dataset}.ts so that
 * those bundle for browsers without node:fs.
 */
import { readFileSync, statSync } from "node:fs";
import { SpikewasmError } from "../errors.js";

/**
 * Reads a whole data file into bytes.
 * @throws SpikewasmError with the path and errno code (ENOENT, EACCES, EISDIR, …) when it cannot be read.
 */
/** Largest input file read whole (2 GiB). */
export const MAX_INPUT_FILE_BYTES = 2 ** 31;

/**
 * Checks that `path` is a regular file within the size limit before it is read whole: a device such as
 * /dev/zero, a FIFO or a socket would be read until memory runs out.
 * @throws SpikewasmError naming the path (exit 3 for a file over the limit).
 */
export function checkReadable(path: string, what = "file"): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    return; // the read itself reports a missing file with its errno
  }
  if (st.isDirectory()) return; // reported as EISDIR by the read
  if (!st.isFile()) throw new SpikewasmError(`${path}: not a regular ${what} (a device, FIFO or socket cannot be read as a whole file)`);
  if (st.size > MAX_INPUT_FILE_BYTES) throw new SpikewasmError(`${path}: ${st.size} bytes, more than the ${MAX_INPUT_FILE_BYTES}-byte limit of a ${what} read whole`, 3);
}

export function readDataFile(path: string): Uint8Array {
  checkReadable(path, "data file");
  try {
    const b = readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason = err.code === "ENOENT" ? "no such file" : err.code === "EACCES" ? "permission denied" : err.code === "EISDIR" ? "is a directory" : err.message;
    throw new SpikewasmError(`${path}: cannot read data file: ${reason} (${err.code ?? "unknown error"})`);
  }
}
