/** Builders of small IDX and NPY files for the tests in test/data/ (written by hand, byte by byte). */
import type { DType } from "../../src/data/tensor.js";

const SIZE: Record<DType, number> = { uint8: 1, int8: 1, int16: 2, int32: 4, int64: 8, float32: 4, float64: 8 };
const IDX_CODE: Partial<Record<DType, number>> = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e };

/** Writes `values` as `dtype` elements at `offset`, big- or little-endian. int64 values may be bigints. */
function writeValues(out: Uint8Array, offset: number, dtype: DType, values: readonly (number | bigint)[], le: boolean): void {
  const v = new DataView(out.buffer, out.byteOffset + offset);
  values.forEach((x, i) => {
    const o = i * SIZE[dtype];
    if (dtype === "uint8") v.setUint8(o, Number(x));
    else if (dtype === "int8") v.setInt8(o, Number(x));
    else if (dtype === "int16") v.setInt16(o, Number(x), le);
    else if (dtype === "int32") v.setInt32(o, Number(x), le);
    else if (dtype === "int64") v.setBigInt64(o, BigInt(x), le);
    else if (dtype === "float32") v.setFloat32(o, Number(x), le);
    else v.setFloat64(o, Number(x), le);
  });
}

/** An IDX file: 00 00 <type> <dims>, dims × uint32 BE, then big-endian elements. */
export function idxBytes(dtype: DType, shape: readonly number[], values: readonly number[]): Uint8Array {
  const head = 4 + 4 * shape.length;
  const out = new Uint8Array(head + values.length * SIZE[dtype]);
  out[2] = IDX_CODE[dtype]!;
  out[3] = shape.length;
  const v = new DataView(out.buffer);
  shape.forEach((d, k) => v.setUint32(4 + 4 * k, d, false));
  writeValues(out, head, dtype, values, false);
  return out;
}

/** Options of {@link npyBytes}. */
export interface NpyOptions {
  version?: 1 | 2 | 3;
  fortran?: boolean;
  /** replaces the whole header dict text */
  header?: string;
}

/** An NPY file as np.save writes it: magic, version, header length, dict padded to 64 bytes, elements. */
export function npyBytes(
  descr: string, shape: readonly number[], values: readonly (number | bigint)[], dtype: DType, opts: NpyOptions = {},
): Uint8Array {
  const version = opts.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const dict = opts.header ?? `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? "True" : "False"}, 'shape': ${shapeText}, }`;
  const prefix = version === 1 ? 10 : 12;
  const headerLen = Math.ceil((prefix + dict.length + 1) / 64) * 64 - prefix;
  const header = new TextEncoder().encode(dict.padEnd(headerLen - 1, " ") + "\n");
  const out = new Uint8Array(prefix + header.length + values.length * SIZE[dtype]);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const v = new DataView(out.buffer);
  if (version === 1) v.setUint16(8, header.length, true);
  else v.setUint32(8, header.length, true);
  out.set(header, prefix);
  writeValues(out, prefix + header.length, dtype, values, !descr.startsWith(">"));
  return out;
}

/** `bytes` followed by `extra` zero bytes. */
export function withTrailing(bytes: Uint8Array, extra: number): Uint8Array {
  const out = new Uint8Array(bytes.length + extra);
  out.set(bytes);
  return out;
}
