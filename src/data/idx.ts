/**
 * IDX reader (the MNIST / Fashion-MNIST / EMNIST format, http://yann.lecun.com/exdb/mnist/).
 *
 * Layout, all integers big-endian:
 *   bytes 0–1  zero
 *   byte  2    element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
 *   byte  3    number of dimensions D
 *   4 … 4+4D   D × uint32 sizes, outermost first
 *   then       prod(sizes) elements, row-major, big-endian
 * MNIST images are magic 0x00000803 (uint8 [N, 28, 28]); labels 0x00000801 (uint8 [N]).
 * Gzipped files (first bytes 1f 8b) are decompressed first. No Node imports: bundles for browsers.
 */
import { SpikewasmError } from "../errors.js";
import { gunzipBytes, isGzip } from "./gzip.js";
import { type DType, type Tensor, decodeBody } from "./tensor.js";

/** IDX type byte → dtype. */
export const IDX_TYPES: Readonly<Record<number, DType>> = {
  0x08: "uint8", 0x09: "int8", 0x0b: "int16", 0x0c: "int32", 0x0d: "float32", 0x0e: "float64",
};

const hex = (b: number): string => b.toString(16).padStart(2, "0");

/**
 * Parses an IDX file (optionally gzipped) into a {@link Tensor}.
 * @param bytes the file contents
 * @param file name used in error messages
 * @throws SpikewasmError naming `file` when the data is too short, has a bad magic or unknown type byte,
 *   is truncated (expected vs actual bytes) or has trailing bytes.
 */
export function parseIdx(bytes: Uint8Array, file: string): Tensor {
  const raw = isGzip(bytes) ? gunzipBytes(bytes, file) : bytes;
  const { dtype, shape, dataOffset } = parseIdxHeader(raw, file);
  return decodeBody(raw, dataOffset, dtype, shape, false, file, "IDX");
}

/** Reads and checks the IDX header: dtype, shape and where the elements start. */
export function parseIdxHeader(raw: Uint8Array, file: string): { dtype: DType; shape: number[]; dataOffset: number } {
  if (raw.length < 4) throw new SpikewasmError(`${file}: too short for an IDX file (${raw.length} bytes; the header alone has at least 4)`);
  if (raw[0] !== 0 || raw[1] !== 0) {
    throw new SpikewasmError(`${file}: not an IDX file: bad magic ${hex(raw[0])} ${hex(raw[1])} ${hex(raw[2])} ${hex(raw[3])} (IDX files start 00 00 <type> <dims>, e.g. 00 00 08 03 for MNIST images)`);
  }
  const dtype = IDX_TYPES[raw[2]];
  if (!dtype) {
    throw new SpikewasmError(`${file}: unknown IDX type byte 0x${hex(raw[2])} (known: 08 uint8, 09 int8, 0b int16, 0c int32, 0d float32, 0e float64)`);
  }
  const dims = raw[3];
  const dataOffset = 4 + 4 * dims;
  if (raw.length < dataOffset) {
    throw new SpikewasmError(`${file}: too short: the IDX header declares ${dims} dimensions and needs ${dataOffset} bytes, the file has ${raw.length}`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, dataOffset);
  const shape = Array.from({ length: dims }, (_, k) => view.getUint32(4 + 4 * k, false));
  return { dtype, shape, dataOffset };
}
