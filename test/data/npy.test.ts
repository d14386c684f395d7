/** The NPY reader (src/data/npy.ts): versions 1–3, every supported dtype, and each rejection. */
import { gzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { expectError } from "../helpers/expect-error.js";
import { parseNpy } from "../../src/data/npy.js";
import { parseTensor } from "../../src/data/dataset.js";
import { npyBytes, withTrailing } from "./build-files.js";

const FILE = "x_test.npy";

describe("parseNpy", () => {
  it.each([
    ["|u1", "uint8", Uint8Array, [0, 1, 128, 255]],
    ["|i1", "int8", Int8Array, [-128, -1, 0, 127]],
    ["<i2", "int16", Int16Array, [-32768, -2, 300, 32767]],
    ["<i4", "int32", Int32Array, [-2147483648, -5, 70000, 2147483647]],
    ["<f4", "float32", Float32Array, [-1.5, 0, 0.25, 2 ** 100]],
    ["<f8", "float64", Float64Array, [-1e300, Math.PI, 0, 1 / 3]],
  ] as const)("reads descr '%s' as %s with exact values", (descr, dtype, ctor, values) => {
    const t = parseNpy(npyBytes(descr, [2, 2], values, dtype), FILE);
    expect(t.dtype).toBe(dtype);
    expect(t.shape).toEqual([2, 2]);
    expect(t.data).toBeInstanceOf(ctor);
    expect(Array.from(t.data)).toEqual(values);
  });

  it("reads <i8 into Numbers, including ±(2^53 − 1)", () => {
    const values = [0n, -1n, 2n ** 53n - 1n, -(2n ** 53n - 1n), 123456789012n];
    const t = parseNpy(npyBytes("<i8", [5], values, "int64"), FILE);
    expect(t.dtype).toBe("int64");
    expect(t.data).toBeInstanceOf(Float64Array);
    expect(Array.from(t.data)).toEqual(values.map(Number));
  });

  it("rejects <i8 values beyond 2^53 − 1, naming the element", () => {
    expectError(() => parseNpy(npyBytes("<i8", [3], [1n, 2n, 2n ** 53n], "int64"), FILE), FILE, /element 2/, /9007199254740992/);
    expectError(() => parseNpy(npyBytes("<i8", [1], [-(2n ** 60n)], "int64"), FILE), FILE, /element 0/);
  });

  it.each([1, 2, 3] as const)("reads format version %i.0", (version) => {
    const t = parseNpy(npyBytes("<f4", [3], [1, 2, 3], "float32", { version }), FILE);
    expect(Array.from(t.data)).toEqual([1, 2, 3]);
  });

  it("reads a 1-element 1-D shape '(3,)', a scalar '()' and Python 2 long sizes '3L'", () => {
    expect(parseNpy(npyBytes("<i4", [3], [4, 5, 6], "int32"), FILE).shape).toEqual([3]);
    expect(parseNpy(npyBytes("<i4", [], [9], "int32"), FILE)).toMatchObject({ shape: [] });
    const header = "{'descr': '<i2', 'fortran_order': False, 'shape': (1L, 2L), }";
    expect(parseNpy(npyBytes("<i2", [], [1, 2], "int16", { header }), FILE).shape).toEqual([1, 2]);
  });

  it("accepts fortran_order=True for a 1-D array, where C and Fortran order agree", () => {
    expect(Array.from(parseNpy(npyBytes("<f8", [2], [1, 2], "float64", { fortran: true }), FILE).data)).toEqual([1, 2]);
  });

  it("parseTensor reads a gzipped .npy (and tells NPY from IDX by the magic)", () => {
    const plain = npyBytes("<f4", [2, 3], [1, 2, 3, 4, 5, 6], "float32");
    expect(parseTensor(gzipSync(plain), "x.npy.gz")).toEqual({ ...parseNpy(plain, FILE), declaredCount: 2 });
  });

  it("parseTensor with a limit decompresses only the samples it needs from a large .npy.gz, and says how many the file holds", () => {
    const n = 20_000, vals = Array.from({ length: n * 64 }, (_, i) => i % 251);
    const gz = gzipSync(npyBytes("<f4", [n, 64], vals, "float32"));
    const damaged = gz.slice();
    damaged[damaged.length - 8] ^= 0xff; // beyond the prefix: never read
    const t = parseTensor(damaged, "big.npy.gz", { limit: 3 });
    expect(t.shape).toEqual([3, 64]);
    expect(t.declaredCount).toBe(n);
    expect(Array.from(t.data.subarray(0, 5))).toEqual([0, 1, 2, 3, 4]);
    expect(() => parseTensor(damaged, "big.npy.gz")).toThrow(/big\.npy\.gz: gzip member 1 fails its CRC-32 check/);
  });

  it("parseTensor with a limit decodes only the first samples of an uncompressed file, after checking the whole file's length", () => {
    const n = 50, bytes = npyBytes("<f4", [n, 8], Array.from({ length: n * 8 }, (_, i) => i), "float32");
    const t = parseTensor(bytes, "plain.npy", { limit: 2 });
    expect(t.shape).toEqual([2, 8]);
    expect(t.declaredCount).toBe(n);
    expect(Array.from(t.data)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(() => parseTensor(bytes.subarray(0, bytes.length - 4), "cut.npy", { limit: 2 })).toThrow(/cut\.npy: NPY data is truncated: shape \[50, 8\] of float32 needs 1600 bytes/);
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expect(() => parseTensor(longer, "long.npy", { limit: 2 })).toThrow(/long\.npy: 3 trailing bytes after the NPY data/);
  });

  it("rejects a file shorter than the preamble", () => {
    expectError(() => parseNpy(new Uint8Array([0x93, 0x4e, 0x55]), FILE), FILE, /too short/, /3 bytes/);
  });

  it("rejects a bad magic", () => {
    expectError(() => parseNpy(new TextEncoder().encode("PK\x03\x04 this is a zip"), FILE), FILE, /not an NPY file: bad magic/);
  });

  it("rejects an unknown version", () => {
    const bytes = npyBytes("<f4", [1], [1], "float32");
    bytes[6] = 4;
    expectError(() => parseNpy(bytes, FILE), FILE, /unsupported NPY version 4\.0/);
  });

  it("rejects a header longer than the file", () => {
    expectError(() => parseNpy(npyBytes("<f4", [1], [1], "float32").subarray(0, 40), FILE), FILE, /too short/, /header is 118 bytes/);
  });

  it("rejects a header without the expected keys", () => {
    const header = "{'descr': '<f4', 'shape': (1,), }";
    expectError(() => parseNpy(npyBytes("<f4", [], [1], "float32", { header }), FILE), FILE, /unreadable NPY header/, /fortran_order/);
  });

  it("rejects a bad shape entry", () => {
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }";
    expectError(() => parseNpy(npyBytes("<f4", [], [1, 2], "float32", { header }), FILE), FILE, /bad shape entry '-1'/);
  });

  it("rejects big-endian dtypes, suggesting astype('<f4')", () => {
    expectError(() => parseNpy(npyBytes(">f4", [2], [1, 2], "float32"), FILE), FILE, /big-endian/, /'>f4'/, /astype\('<f4'\)/);
  });

  it("accepts '>u1' (byte order is meaningless for one-byte elements)", () => {
    expect(Array.from(parseNpy(npyBytes(">u1", [2], [3, 4], "uint8"), FILE).data)).toEqual([3, 4]);
  });

  it("rejects fortran_order=True for a 2-D array", () => {
    expectError(() => parseNpy(npyBytes("<f4", [2, 2], [1, 2, 3, 4], "float32", { fortran: true }), FILE), FILE, /fortran_order=True/, /ascontiguousarray/);
  });

  it("rejects object arrays ('|O')", () => {
    expectError(() => parseNpy(npyBytes("|O", [0], [], "uint8"), FILE), FILE, /object arrays/, /pickle/);
  });

  it("rejects structured dtypes", () => {
    const header = "{'descr': [('x', '<f4'), ('y', '<i4')], 'fortran_order': False, 'shape': (1,), }";
    expectError(() => parseNpy(npyBytes("<f4", [], [], "uint8", { header }), FILE), FILE, /structured/);
  });

  it.each(["<u2", "<f2", "|b1", "<c8", "<U5"])("rejects the unsupported dtype '%s', listing the supported ones", (descr) => {
    expectError(() => parseNpy(npyBytes(descr, [0], [], "uint8"), FILE), FILE, `unsupported NPY dtype '${descr}'`, /\|u1, \|i1, <i2, <i4, <i8, <f4, <f8/);
  });

  it("rejects truncated data, saying expected and actual bytes", () => {
    const bytes = npyBytes("<f8", [2, 2], [1, 2, 3, 4], "float64");
    expectError(() => parseNpy(bytes.subarray(0, bytes.length - 1), FILE), FILE, /truncated/, /needs 32 bytes/, /found 31/);
  });

  it("rejects trailing bytes after the data", () => {
    expectError(() => parseNpy(withTrailing(npyBytes("|u1", [2], [1, 2], "uint8"), 4), FILE), FILE, /4 trailing bytes/);
  });
});
