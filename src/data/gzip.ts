/**
 * Gzip detection and decompression for dataset files (`train-images-idx3-ubyte.gz`, `x.npy.gz`), with
 * fflate so that the same code runs in browsers (no node:zlib here).
 */
import { gunzipSync } from "fflate";
import { SpikewasmError } from "../errors.js";

/** Deflate cannot expand data by more than about 1032:1; a larger claimed size means a damaged trailer. */
const MAX_DEFLATE_RATIO = 1032;

/** True when `bytes` start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses a gzip member. The trailer's size field (ISIZE, uint32 LE in the last 4 bytes) is checked
 * against the deflate ratio before fflate allocates the output from it, so a truncated file fails fast.
 * @throws SpikewasmError naming `file` when the data is truncated or corrupt.
 */
export function gunzipBytes(bytes: Uint8Array, file: string): Uint8Array {
  if (bytes.length < 18) throw new SpikewasmError(`${file}: gzip data is truncated (${bytes.length} bytes; a gzip member has at least 18)`);
  const n = bytes.length;
  const isize = (bytes[n - 4] | (bytes[n - 3] << 8) | (bytes[n - 2] << 16) | (bytes[n - 1] << 24)) >>> 0;
  if (isize > n * MAX_DEFLATE_RATIO) {
    throw new SpikewasmError(`${file}: gzip trailer claims ${isize} uncompressed bytes from ${n} compressed; the file is truncated or corrupt`);
  }
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new SpikewasmError(`${file}: cannot decompress gzip data (${(e as Error).message}); the file is truncated or corrupt`);
  }
}
