/**
 * NPY reader (NumPy's `np.save` format, versions 1.0, 2.0 and 3.0;
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
 *
 * Layout:
 *   bytes 0–5   magic \x93NUMPY
 *   bytes 6–7   major, minor version
 *   then        header length: uint16 LE (v1) or uint32 LE (v2, v3)
 *   then        header: a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (N, 28, 28), }
 *               (latin-1 text in v1/v2, UTF-8 in v3), padded with spaces and ending in '\n'
 *   then        the elements in C order
 * Supported dtypes: |u1, |i1, <i2, <i4, <i8 (read into Numbers, range-checked), <f4, <f8.
 * No Node imports: bundles for browsers.
 */
import { SpikewasmError } from "../errors.js";
import { type DType, DTYPE_BYTES, type Tensor, decodeBody } from "./tensor.js";

/** The 6 bytes every NPY file starts with: \x93NUMPY. */
export const NPY_MAGIC: readonly number[] = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

const NPY_KINDS: Readonly<Record<string, DType>> = {
  u1: "uint8", i1: "int8", i2: "int16", i4: "int32", i8: "int64", f4: "float32", f8: "float64",
};
const SUPPORTED = "|u1, |i1, <i2, <i4, <i8, <f4, <f8";

/** True when `bytes` start with the NPY magic. */
export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && NPY_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Parses an NPY file into a {@link Tensor}.
 * @param bytes the file contents (not gzipped; see src/data/dataset.ts parseTensor for .npy.gz)
 * @param file name used in error messages
 * @throws SpikewasmError naming `file` for a bad magic or version, an unreadable header, a big-endian,
 *   object, structured or other unsupported dtype, fortran_order=True, truncated data or trailing bytes.
 */
export function parseNpy(bytes: Uint8Array, file: string): Tensor {
  const { headerText, dataOffset } = splitNpyHeader(bytes, file);
  const { dtype, shape } = parseNpyHeader(headerText, file);
  return decodeBody(bytes, dataOffset, dtype, shape, true, file, "NPY");
}

/** The dtype, shape and data offset of an NPY file from its header alone. */
export function parseNpyPrefix(bytes: Uint8Array, file: string): { dtype: DType; shape: number[]; dataOffset: number } {
  const { headerText, dataOffset } = splitNpyHeader(bytes, file);
  return { ...parseNpyHeader(headerText, file), dataOffset };
}

/** Checks magic and version; returns the header dict text and where the elements start. */
function splitNpyHeader(bytes: Uint8Array, file: string): { headerText: string; dataOffset: number } {
  if (bytes.length < 10) throw new SpikewasmError(`${file}: too short for an NPY file (${bytes.length} bytes; the preamble alone has at least 10)`);
  if (!isNpy(bytes)) throw new SpikewasmError(`${file}: not an NPY file: bad magic (NPY files start with \\x93NUMPY)`);
  const major = bytes[6];
  if (major < 1 || major > 3) throw new SpikewasmError(`${file}: unsupported NPY version ${major}.${bytes[7]} (supported: 1.0, 2.0, 3.0)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) throw new SpikewasmError(`${file}: too short for an NPY ${major}.0 preamble (${bytes.length} bytes, need ${prefix})`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = prefix + headerLen;
  if (bytes.length < dataOffset) {
    throw new SpikewasmError(`${file}: too short: the NPY header is ${headerLen} bytes long but only ${bytes.length - prefix} follow the preamble`);
  }
  const body = bytes.subarray(prefix, dataOffset);
  const headerText = major === 3 ? new TextDecoder("utf-8").decode(body) : Array.from(body, (b) => String.fromCharCode(b)).join("");
  return { headerText, dataOffset };
}

/** Reads 'descr', 'fortran_order' and 'shape' from the header dict literal. */
function parseNpyHeader(text: string, file: string): { dtype: DType; shape: number[] } {
  const key = (k: string): string => `['"]${k}['"]\\s*:\\s*`;
  if (new RegExp(key("descr") + "\\[").test(text)) {
    throw new SpikewasmError(`${file}: structured (record) NPY arrays are not supported; save a plain numeric array`);
  }
  const descr = new RegExp(key("descr") + `(['"])(.*?)\\1`).exec(text)?.[2];
  const fortran = new RegExp(key("fortran_order") + "(True|False)").exec(text)?.[1];
  const shapeText = new RegExp(key("shape") + "\\(([^)]*)\\)").exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new SpikewasmError(`${file}: unreadable NPY header ${JSON.stringify(text.trim())} (expected keys 'descr', 'fortran_order' and 'shape')`);
  }
  const shape = parseShape(shapeText, text, file);
  if (fortran === "True" && shape.length > 1) {
    throw new SpikewasmError(`${file}: fortran_order=True (column-major) NPY arrays are not supported; save np.ascontiguousarray(a) instead`);
  }
  return { dtype: npyDType(descr, file), shape };
}

/** Parses the shape tuple body "60000, 28, 28" (a trailing comma and Python 2 'L' suffixes allowed). */
function parseShape(body: string, text: string, file: string): number[] {
  const parts = body.split(",").map((s) => s.trim()).filter((s) => s !== "");
  return parts.map((p) => {
    if (!/^\d+L?$/.test(p)) throw new SpikewasmError(`${file}: NPY header has a bad shape entry '${p}' in ${JSON.stringify(text.trim())}`);
    return Number.parseInt(p, 10);
  });
}

/** Maps an NPY descr such as '<f4' to a dtype, or explains why it is not supported. */
function npyDType(descr: string, file: string): DType {
  const m = /^([<>|=]?)([a-zA-Z])(\d+)$/.exec(descr);
  if (descr.replace(/^[<>|=]/, "").startsWith("O")) {
    throw new SpikewasmError(`${file}: NPY object arrays (descr '${descr}') are not supported (they need Python pickle); save a numeric array`);
  }
  const dtype = m ? NPY_KINDS[m[2] + m[3]] : undefined;
  if (!m || !dtype) throw new SpikewasmError(`${file}: unsupported NPY dtype '${descr}' (supported: ${SUPPORTED})`);
  if (m[1] === ">" && DTYPE_BYTES[dtype] > 1) {
    throw new SpikewasmError(`${file}: big-endian NPY dtype '${descr}' is not supported; save a.astype('<${m[2]}${m[3]}') instead`);
  }
  return dtype;
}
