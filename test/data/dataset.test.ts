/** Images and labels → model input (src/data/dataset.ts): layouts, preprocessing, limits, model checks. */
import { gzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { expectError } from "../helpers/expect-error.js";
import {
  type ImageSet, checkAgainstModel, describePreprocessing, loadImages, loadLabels, resolveLayout, shapesCompatible,
} from "../../src/data/dataset.js";
import type { DType } from "../../src/data/tensor.js";
import { idxBytes, npyBytes } from "./build-files.js";


/** A deterministic value for sample n, channel c, row h, column w (distinct, fits in uint8 for small sizes). */
const pixel = (n: number, c: number, h: number, w: number): number => (n * 97 + c * 31 + h * 7 + w * 3) % 256;

/** Values of an [N, C, H, W] image set written in `layout` memory order. */
function valuesIn(layout: "NCHW" | "NHWC", N: number, C: number, H: number, W: number): number[] {
  const out: number[] = [];
  for (let n = 0; n < N; n++) {
    if (layout === "NCHW") {
      for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) out.push(pixel(n, c, h, w));
    } else {
      for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let c = 0; c < C; c++) out.push(pixel(n, c, h, w));
    }
  }
  return out;
}

const npyOf = (dtype: DType, descr: string, shape: number[], values: number[]): Uint8Array => npyBytes(descr, shape, values, dtype);

describe("loadImages: layouts", () => {
  it("NHW, NHWC and NCHW files of a one-channel set give the same NCHW samples", () => {
    const v = valuesIn("NCHW", 2, 1, 4, 5);
    const a = loadImages(idxBytes("uint8", [2, 4, 5], v), "nhw.idx");
    const b = loadImages(idxBytes("uint8", [2, 4, 5, 1], v), "nhwc.idx");
    const c = loadImages(idxBytes("uint8", [2, 1, 4, 5], v), "nchw.idx");
    expect([a.preprocessing.layout, b.preprocessing.layout, c.preprocessing.layout]).toEqual(["NHW", "NHWC", "NCHW"]);
    for (const s of [a, b, c]) {
      expect(s.shape).toEqual([1, 4, 5]);
      expect(s.count).toBe(2);
    }
    expect(b.samples).toEqual(a.samples);
    expect(c.samples).toEqual(a.samples);
    expect(a.samples[20 + 6]).toBe(Math.fround(pixel(1, 0, 1, 1) / 255));
  });

  it("a three-channel set stored NHWC and NCHW gives the same NCHW samples", () => {
    const nhwc = loadImages(npyOf("float32", "<f4", [2, 4, 5, 3], valuesIn("NHWC", 2, 3, 4, 5)), "nhwc.npy");
    const nchw = loadImages(npyOf("float32", "<f4", [2, 3, 4, 5], valuesIn("NCHW", 2, 3, 4, 5)), "nchw.npy");
    expect(nhwc.shape).toEqual([3, 4, 5]);
    expect(nhwc.samples).toEqual(nchw.samples);
    expect(Array.from(nchw.samples)).toEqual(valuesIn("NCHW", 2, 3, 4, 5));
  });

  it("an explicit layout overrides the guess and resolves an ambiguous shape", () => {
    const v = valuesIn("NHWC", 1, 3, 3, 3);
    const asNhwc = loadImages(npyOf("uint8", "|u1", [1, 3, 3, 3], v), "amb.npy", { layout: "NHWC", scale: 1 });
    expect(Array.from(asNhwc.samples)).toEqual(valuesIn("NCHW", 1, 3, 3, 3));
    const asNchw = loadImages(npyOf("uint8", "|u1", [1, 3, 3, 3], v), "amb.npy", { layout: "NCHW", scale: 1 });
    expect(Array.from(asNchw.samples)).toEqual(v);
  });

  it("resolveLayout guesses NHW for 3-D, NCHW/NHWC from where the 1 or 3 channels are", () => {
    expect(resolveLayout([10, 28, 28], "auto", "f")).toBe("NHW");
    expect(resolveLayout([10, 1, 28, 28], "auto", "f")).toBe("NCHW");
    expect(resolveLayout([10, 3, 32, 32], "auto", "f")).toBe("NCHW");
    expect(resolveLayout([10, 32, 32, 3], "auto", "f")).toBe("NHWC");
    expect(resolveLayout([10, 28, 28, 1], "auto", "f")).toBe("NHWC");
  });

  it("resolveLayout asks for an explicit layout when both or neither of dim 1 and the last dim are 1 or 3", () => {
    expectError(() => resolveLayout([4, 3, 8, 3], "auto", "amb.npy"), "amb.npy", /\[4, 3, 8, 3\]/, /pass the layout explicitly/);
    expectError(() => resolveLayout([4, 5, 8, 6], "auto", "amb.npy"), "amb.npy", /NHWC or NCHW/);
  });

  it("rejects a layout whose rank does not match, and tensors that are neither 3-D nor 4-D", () => {
    expectError(() => resolveLayout([4, 8, 8], "NCHW", "a.npy"), "a.npy", /layout NCHW needs a 4-D tensor/, /\[4, 8, 8\]/);
    expectError(() => resolveLayout([4, 1, 8, 8], "NHW", "a.npy"), "a.npy", /layout NHW needs a 3-D tensor/);
    expectError(() => loadImages(idxBytes("uint8", [4, 784], Array(4 * 784).fill(0)), "flat.idx"), "flat.idx", /must be 3-D/, /\[4, 784\]/);
  });
});

describe("loadImages: preprocessing", () => {
  it("scales uint8 by 1/255 and floats by 1 by default", () => {
    const u8 = loadImages(idxBytes("uint8", [1, 1, 3], [0, 51, 255]), "u8.idx");
    expect(u8.preprocessing.scale).toBe(1 / 255);
    expect(Array.from(u8.samples)).toEqual([0, 51 / 255, 1].map(Math.fround));
    const f32 = loadImages(npyOf("float32", "<f4", [1, 1, 3], [0, 0.5, 2]), "f.npy");
    expect(f32.preprocessing.scale).toBe(1);
    expect(Array.from(f32.samples)).toEqual([0, 0.5, 2]);
    const i16 = loadImages(npyOf("int16", "<i2", [1, 1, 2], [-3, 1000]), "i.npy", { scale: 0.5 });
    expect(Array.from(i16.samples)).toEqual([-1.5, 500]);
  });

  it("applies (x * scale - mean[c]) / std[c] per channel", () => {
    const mean = [0.5, 0.4, 0.3], std = [0.2, 0.25, 0.5];
    const s = loadImages(npyOf("uint8", "|u1", [2, 2, 2, 3], valuesIn("NHWC", 2, 3, 2, 2)), "rgb.npy", { mean, std });
    const want = valuesIn("NCHW", 2, 3, 2, 2).map((x, i) => {
      const c = Math.floor(i / 4) % 3;
      return Math.fround((x * (1 / 255) - mean[c]) / std[c]);
    });
    expect(Array.from(s.samples)).toEqual(want);
  });

  it("broadcasts a single mean and std to every channel", () => {
    const v = valuesIn("NCHW", 1, 3, 2, 2);
    const s = loadImages(npyOf("float64", "<f8", [1, 3, 2, 2], v), "x.npy", { mean: 10, std: [4] });
    expect(s.preprocessing.mean).toEqual([10, 10, 10]);
    expect(s.preprocessing.std).toEqual([4, 4, 4]);
    expect(Array.from(s.samples)).toEqual(v.map((x) => Math.fround((x - 10) / 4)));
  });

  it("rejects mean/std of the wrong length and std <= 0, naming the file", () => {
    const bytes = npyOf("uint8", "|u1", [1, 3, 2, 2], Array(12).fill(1));
    expectError(() => loadImages(bytes, "rgb.npy", { mean: [0.1, 0.2] }), "rgb.npy", /mean has 2 values but the images have 3 channel/);
    expectError(() => loadImages(bytes, "rgb.npy", { std: [1, 1, 1, 1] }), "rgb.npy", /std has 4 values/);
    expectError(() => loadImages(bytes, "rgb.npy", { std: [1, 0, 1] }), "rgb.npy", /std\[1\] is 0/, /> 0/);
    expectError(() => loadImages(bytes, "rgb.npy", { std: -2 }), "rgb.npy", /std\[0\] is -2/);
    expectError(() => loadImages(bytes, "rgb.npy", { mean: [0, Number.NaN, 0] }), "rgb.npy", /mean\[1\] is NaN/);
    expectError(() => loadImages(bytes, "rgb.npy", { scale: 0 }), "rgb.npy", /scale is 0/);
  });

  it("rejects non-finite values in float data, naming the sample", () => {
    expectError(() => loadImages(npyOf("float32", "<f4", [2, 1, 2], [0, 1, Number.NaN, 2]), "nan.npy"), "nan.npy", /sample 1/, /NaN/);
  });

  it("limit keeps the first N samples; a limit above the count keeps all", () => {
    const v = valuesIn("NCHW", 5, 1, 2, 2);
    const all = loadImages(idxBytes("uint8", [5, 2, 2], v), "x.idx");
    const two = loadImages(idxBytes("uint8", [5, 2, 2], v), "x.idx", { limit: 2 });
    expect(two.count).toBe(2);
    expect(two.samples).toEqual(all.samples.subarray(0, 8));
    expect(two.preprocessing.limit).toBe(2);
    expect(loadImages(idxBytes("uint8", [5, 2, 2], v), "x.idx", { limit: 99 }).count).toBe(5);
    expectError(() => loadImages(idxBytes("uint8", [5, 2, 2], v), "x.idx", { limit: 0 }), "x.idx", /limit is 0/);
    expectError(() => loadImages(idxBytes("uint8", [5, 2, 2], v), "x.idx", { limit: 1.5 }), "x.idx", /integer >= 1/);
  });

  it("reads gzipped IDX and NPY images", () => {
    const v = valuesIn("NCHW", 2, 1, 2, 3);
    const plain = loadImages(idxBytes("uint8", [2, 2, 3], v), "x.idx");
    expect(loadImages(gzipSync(idxBytes("uint8", [2, 2, 3], v)), "x.idx.gz").samples).toEqual(plain.samples);
    expect(loadImages(gzipSync(npyOf("uint8", "|u1", [2, 2, 3], v)), "x.npy.gz").samples).toEqual(plain.samples);
  });

  it("describePreprocessing records what was applied as a JSON-ready plain object", () => {
    const s = loadImages(npyOf("uint8", "|u1", [2, 2, 2, 3], Array(24).fill(0)), "rgb.npy", { mean: [1, 2, 3], std: 2, limit: 1 });
    const want = {
      source: { dtype: "uint8", shape: [2, 2, 2, 3] }, layout: "NHWC", scale: 1 / 255,
      mean: [1, 2, 3], std: [2, 2, 2], limit: 1, formula: "(x * scale - mean[c]) / std[c]",
    };
    expect(s.preprocessing).toEqual(want);
    expect(JSON.parse(JSON.stringify(s.preprocessing))).toEqual(want);
    const t = { dtype: "float32" as const, shape: [3, 28, 28], data: new Float32Array(3 * 784) };
    expect(describePreprocessing(t, "t.npy")).toMatchObject({ layout: "NHW", scale: 1, mean: [0], std: [1], limit: null });
  });
});

describe("loadLabels", () => {
  it("reads 1-D integer labels from IDX uint8, NPY int32 and NPY int64 (and gzip)", () => {
    expect(Array.from(loadLabels(idxBytes("uint8", [4], [7, 2, 1, 0]), "l.idx"))).toEqual([7, 2, 1, 0]);
    expect(Array.from(loadLabels(npyOf("int32", "<i4", [3], [9, 0, 5]), "l.npy"))).toEqual([9, 0, 5]);
    const l64 = loadLabels(npyBytes("<i8", [3], [3n, 1n, 4n], "int64"), "l64.npy");
    expect(l64).toBeInstanceOf(Int32Array);
    expect(Array.from(l64)).toEqual([3, 1, 4]);
    expect(Array.from(loadLabels(gzipSync(idxBytes("uint8", [2], [5, 6])), "l.gz"))).toEqual([5, 6]);
  });

  it("limit keeps the first N labels", () => {
    expect(Array.from(loadLabels(idxBytes("uint8", [4], [7, 2, 1, 0]), "l.idx", { limit: 2 }))).toEqual([7, 2]);
    expectError(() => loadLabels(idxBytes("uint8", [4], [7, 2, 1, 0]), "l.idx", { limit: -1 }), "l.idx", /limit is -1/);
  });

  it("rejects one-hot (2-D) labels with a hint, and other ranks", () => {
    expectError(() => loadLabels(npyOf("float32", "<f4", [2, 3], [1, 0, 0, 0, 1, 0]), "onehot.npy"), "onehot.npy", /1-D/, /\[2, 3\]/, /one-hot/);
    expectError(() => loadLabels(idxBytes("uint8", [1, 1, 1], [0]), "l3.idx"), "l3.idx", /1-D/, /\[1, 1, 1\]/);
  });

  it("rejects float labels and negative or too large values", () => {
    expectError(() => loadLabels(npyOf("float32", "<f4", [2], [1, 2]), "f.npy"), "f.npy", /must be integers/, /float32/);
    expectError(() => loadLabels(npyOf("int8", "|i1", [3], [1, -1, 2]), "neg.npy"), "neg.npy", /label 1 is -1/);
    expectError(() => loadLabels(npyBytes("<i8", [1], [2n ** 40n], "int64"), "big.npy"), "big.npy", /label 0 is 1099511627776/);
  });
});

describe("checkAgainstModel", () => {
  const images = (): ImageSet => loadImages(idxBytes("uint8", [3, 28, 28], Array(3 * 784).fill(0)), "img.idx");
  const labels = Int32Array.of(1, 2, 3);

  it("accepts the same per-sample shape and a 1-D model input of the same size ([784] vs [1, 28, 28])", () => {
    expect(() => checkAgainstModel(images(), labels, [1, 28, 28], "img.idx", "lab.idx")).not.toThrow();
    expect(() => checkAgainstModel(images(), labels, [784], "img.idx", "lab.idx")).not.toThrow();
    expect(shapesCompatible([784], [1, 28, 28])).toBe(true);
  });

  it("rejects a different shape, naming both files and both shapes", () => {
    expectError(() => checkAgainstModel(images(), labels, [3, 32, 32], "img.idx", "lab.idx"), "img.idx", "lab.idx", /\[1, 28, 28\]/, /\[3, 32, 32\]/);
    expectError(() => checkAgainstModel(images(), labels, [700], "img.idx", "lab.idx"), "img.idx", "lab.idx", /\[700\]/);
  });

  it("rejects a product-equal reshape between multi-dimensional shapes ([28, 28, 1] vs [1, 28, 28])", () => {
    expectError(() => checkAgainstModel(images(), labels, [28, 28, 1], "img.idx", "lab.idx"), "img.idx", "lab.idx", /only a 1-D side may differ/);
  });

  it("rejects a label count that differs from the image count, naming both files", () => {
    expectError(() => checkAgainstModel(images(), Int32Array.of(1, 2), [1, 28, 28], "img.idx", "lab.idx"), "img.idx has 3 images", "lab.idx has 2 labels");
  });
});
