/**
 * The one in-memory form every dataset reader (IDX: src/data/idx.ts, NPY: src/data/npy.ts) returns:
 * a dtype, a row-major (C-order) shape and a flat typed array. No Node imports: bundles for browsers.
 */
import { SpikewasmError } from "../errors.js";

/** Element types the readers understand (`int64` is read into Numbers; see {@link Tensor}). */
export type DType = "uint8" | "int8" | "int16" | "int32" | "int64" | "float32" | "float64";

/** Flat element storage of a {@link Tensor}. */
export type TensorData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/**
 * A dense tensor in row-major order: `data.length` equals the product of `shape` (1 for shape []).
 * `int64` tensors hold their values in a Float64Array (each checked to be a safe integer, |x| ≤ 2^53 − 1).
 */
export interface Tensor {
  dtype: DType;
  shape: number[];
  data: TensorData;
}

/** Bytes per element of each dtype as stored in a file. */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  uint8: 1, int8: 1, int16: 2, int32: 4, int64: 8, float32: 4, float64: 8,
};

/** True for the integer dtypes (uint8, int8, int16, int32, int64). */
export function isIntegerDType(dtype: DType): boolean {
  return dtype !== "float32" && dtype !== "float64";
}

/** Number of elements of a tensor with this shape (1 for a scalar, shape []). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Formats a shape for messages: `[60000, 28, 28]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

const PLATFORM_LE = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

type Ctor = { new (n: number): TensorData; new (b: ArrayBuffer): TensorData };
const CTORS: Record<Exclude<DType, "int64">, Ctor> = {
  uint8: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array,
};
const GETTERS: Record<Exclude<DType, "int64">, (v: DataView, o: number, le: boolean) => number> = {
  uint8: (v, o) => v.getUint8(o),
  int8: (v, o) => v.getInt8(o),
  int16: (v, o, le) => v.getInt16(o, le),
  int32: (v, o, le) => v.getInt32(o, le),
  float32: (v, o, le) => v.getFloat32(o, le),
  float64: (v, o, le) => v.getFloat64(o, le),
};

/**
 * Decodes `count` elements of `dtype` starting at `bytes[offset]`, stored little- or big-endian, into a
 * fresh typed array (a copy: independent of `bytes`, always aligned). `file` names the source in errors.
 */
export function decodeElements(
  bytes: Uint8Array, offset: number, count: number, dtype: DType, littleEndian: boolean, file: string,
): TensorData {
  if (dtype === "int64") return decodeInt64(bytes, offset, count, littleEndian, file);
  const size = DTYPE_BYTES[dtype];
  // A copy made by hand: Node's Buffer.prototype.slice returns a view, not a copy.
  const raw = new Uint8Array(count * size);
  raw.set(bytes.subarray(offset, offset + count * size));
  if (size === 1 || littleEndian === PLATFORM_LE) return new CTORS[dtype](raw.buffer);
  const out = new CTORS[dtype](count);
  const view = new DataView(raw.buffer);
  const get = GETTERS[dtype];
  for (let i = 0; i < count; i++) out[i] = get(view, i * size, littleEndian);
  return out;
}

/**
 * Decodes a tensor body: checks that exactly `shape`'s elements of `dtype` follow the `dataOffset`-byte
 * header (`format` names the file kind in messages), then decodes them.
 * @throws SpikewasmError naming `file` when the data is truncated or followed by trailing bytes.
 */
export function decodeBody(
  bytes: Uint8Array, dataOffset: number, dtype: DType, shape: number[], littleEndian: boolean, file: string, format: "IDX" | "NPY",
): Tensor {
  checkBodyLength(bytes.length, dataOffset, dtype, shape, file, format);
  return { dtype, shape, data: decodeElements(bytes, dataOffset, elementCount(shape), dtype, littleEndian, file) };
}

/**
 * Checks that a file of `length` bytes holds exactly `shape`'s elements of `dtype` after its header.
 * @throws SpikewasmError naming `file` when the data is truncated or followed by trailing bytes.
 */
export function checkBodyLength(length: number, dataOffset: number, dtype: DType, shape: number[], file: string, format: "IDX" | "NPY"): void {
  const expected = elementCount(shape) * DTYPE_BYTES[dtype];
  const actual = length - dataOffset;
  if (actual < expected) {
    throw new SpikewasmError(`${file}: ${format} data is truncated: shape ${formatShape(shape)} of ${dtype} needs ${expected} bytes after the ${dataOffset}-byte header, found ${actual}`);
  }
  if (actual > expected) {
    throw new SpikewasmError(`${file}: ${actual - expected} trailing bytes after the ${format} data (shape ${formatShape(shape)} of ${dtype} needs ${expected} bytes, found ${actual})`);
  }
}

/** int64 → Float64Array, rejecting values outside the safe-integer range (they would lose precision). */
function decodeInt64(bytes: Uint8Array, offset: number, count: number, le: boolean, file: string): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * 8);
  const out = new Float64Array(count);
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  for (let i = 0; i < count; i++) {
    const v = view.getBigInt64(i * 8, le);
    if (v > max || v < -max) {
      throw new SpikewasmError(`${file}: int64 element ${i} is ${v}, outside the range ±(2^53 − 1) that a JavaScript number holds exactly`);
    }
    out[i] = Number(v);
  }
  return out;
}
