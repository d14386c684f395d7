/**
 * Dataset files → model input. Reads an IDX or NPY tensor (either may be gzipped), brings images to
 * NCHW float32 with `(x · scale − mean[c]) / std[c]`, reads integer class labels, and checks both
 * against the model's per-sample input shape. No Node imports: bundles for browsers (file reading
 * is in src/data/files.ts).
 */
import { SpikewasmError } from "../errors.js";
import { gunzipBytes, isGzip } from "./gzip.js";
import { parseIdx, parseIdxHeader } from "./idx.js";
import { isNpy, parseNpy, parseNpyPrefix } from "./npy.js";
import { type DType, DTYPE_BYTES, type Tensor, checkBodyLength, decodeBody, elementCount, formatShape, isIntegerDType } from "./tensor.js";

/** Memory order of an image tensor: N samples of H×W (one channel), H×W×C, or C×H×W. */
export type ImageLayout = "NHW" | "NHWC" | "NCHW";

/** Options of {@link loadImages}. */
export interface LoadImagesOptions {
  /** memory order of the file's tensor; "auto" (default) guesses it, see {@link resolveLayout} */
  layout?: ImageLayout | "auto";
  /** factor applied to raw values first; default 1/255 for uint8 data, 1 otherwise */
  scale?: number;
  /** subtracted after scaling: one value or one per channel; default 0 */
  mean?: number | readonly number[];
  /** divides after subtracting the mean: one value or one per channel, each > 0; default 1 */
  std?: number | readonly number[];
  /** keep only the first `limit` samples (an integer ≥ 1); default all */
  limit?: number;
}

/** What {@link loadImages} did to the file's values, as a plain (JSON-ready) object for reports. */
export interface Preprocessing {
  /** dtype and shape of the tensor in the file */
  source: { dtype: DType; shape: number[] };
  /** the layout used (never "auto") */
  layout: ImageLayout;
  scale: number;
  /** per channel, after broadcasting a single value */
  mean: number[];
  /** per channel, after broadcasting a single value */
  std: number[];
  /** requested sample limit, or null for all */
  limit: number | null;
  /** the formula applied to each value x of channel c */
  formula: string;
}

/** Images ready for a model: `count` samples of `shape` = [C, H, W], concatenated, NCHW order. */
export interface ImageSet {
  /** count × C × H × W float32 values, sample after sample, each in C, H, W order */
  samples: Float32Array;
  count: number;
  shape: [number, number, number];
  preprocessing: Preprocessing;
  /** the file's own sample count (more than `count` under a limit) */
  declaredCount?: number;
}

const FORMULA = "(x * scale - mean[c]) / std[c]";

/** Bytes of a gzipped file decompressed first to read its header. */
const HEADER_PROBE = 1 << 20;

/** The dtype, shape and data offset of IDX or NPY bytes (already decompressed) from the header alone. */
function tensorHeader(raw: Uint8Array, file: string): { dtype: DType; shape: number[]; dataOffset: number; npy: boolean } {
  const npy = isNpy(raw);
  return { ...(npy ? parseNpyPrefix(raw, file) : parseIdxHeader(raw, file)), npy };
}

/**
 * Parses IDX or NPY bytes (either possibly gzipped), telling them apart by their magic. With `limit`, a
 * gzipped file is decompressed only as far as its first `limit` samples need (the rest is neither read
 * nor checked), an uncompressed one has its length checked and only those samples decoded; the tensor
 * holds those samples; `declaredCount` is the file's own sample count.
 */
export function parseTensor(bytes: Uint8Array, file: string, o: { limit?: number } = {}): Tensor & { declaredCount: number } {
  const full = (raw: Uint8Array) => {
    const t = isNpy(raw) ? parseNpy(raw, file) : parseIdx(raw, file);
    return { ...t, declaredCount: t.shape[0] ?? 1 };
  };
  if (!isGzip(bytes)) {
    // uncompressed: the whole file's length is checked, only the first `limit` samples are decoded
    if (o.limit === undefined) return full(bytes);
    const h = tensorHeader(bytes, file);
    const n = h.shape[0] ?? 1;
    if (h.shape.length === 0 || o.limit >= n) return full(bytes);
    const format = h.npy ? "NPY" : "IDX";
    checkBodyLength(bytes.length, h.dataOffset, h.dtype, h.shape, file, format);
    const need = h.dataOffset + o.limit * elementCount(h.shape.slice(1)) * DTYPE_BYTES[h.dtype];
    return { ...decodeBody(bytes.subarray(0, need), h.dataOffset, h.dtype, [o.limit, ...h.shape.slice(1)], h.npy, file, format), declaredCount: n };
  }
  if (o.limit === undefined) return full(gunzipBytes(bytes, file));
  const head = gunzipBytes(bytes, file, { maxBytes: HEADER_PROBE });
  if (head.length < HEADER_PROBE) return full(head); // the whole file, read and checked
  const h = tensorHeader(head, file);
  const n = h.shape[0] ?? 1;
  if (h.shape.length === 0 || o.limit >= n) return full(gunzipBytes(bytes, file));
  const item = elementCount(h.shape.slice(1)) * DTYPE_BYTES[h.dtype];
  const need = h.dataOffset + o.limit * item;
  const raw = need <= head.length ? head : gunzipBytes(bytes, file, { maxBytes: need });
  const t = decodeBody(raw.subarray(0, Math.min(raw.length, need)), h.dataOffset, h.dtype, [o.limit, ...h.shape.slice(1)], h.npy, file, h.npy ? "NPY" : "IDX");
  return { ...t, declaredCount: n };
}

/** A file's own sample count (its first dimension), reading only its header. */
export function declaredSampleCount(bytes: Uint8Array, file: string): number {
  const raw = isGzip(bytes) ? gunzipBytes(bytes, file, { maxBytes: HEADER_PROBE }) : bytes;
  return tensorHeader(raw, file).shape[0] ?? 1;
}

/**
 * Checks that every label is a class of the model (0 .. classes − 1).
 * @throws SpikewasmError naming `file`, the first bad label's index and value, and the classes.
 */
export function checkLabelRange(labels: ArrayLike<number>, classes: number, file: string): void {
  for (let i = 0; i < labels.length; i++)
    if (labels[i] >= classes) throw new SpikewasmError(`${file}: label ${i} is ${labels[i]}, but the model has ${classes} classes (0..${classes - 1})`);
}

/**
 * Chooses the layout of an image tensor of shape [N, …]. Explicit layouts must match the rank
 * (NHW: 3-D; NHWC, NCHW: 4-D). "auto": NHW for 3-D; for 4-D, NCHW when dim 1 is 1 or 3 and the last
 * dim is not, NHWC when the last dim is 1 or 3 and dim 1 is not; otherwise an explicit layout is required.
 */
export function resolveLayout(shape: readonly number[], layout: ImageLayout | "auto", file: string): ImageLayout {
  const s = formatShape(shape);
  if (shape.length !== 3 && shape.length !== 4) {
    throw new SpikewasmError(`${file}: images must be 3-D [N, H, W] or 4-D [N, H, W, C] / [N, C, H, W], got shape ${s}`);
  }
  if (layout !== "auto") {
    const rank = layout === "NHW" ? 3 : 4;
    if (shape.length !== rank) throw new SpikewasmError(`${file}: layout ${layout} needs a ${rank}-D tensor, got shape ${s}`);
    return layout;
  }
  if (shape.length === 3) return "NHW";
  const chan = (d: number): boolean => d === 1 || d === 3;
  if (chan(shape[1]) && !chan(shape[3])) return "NCHW";
  if (chan(shape[3]) && !chan(shape[1])) return "NHWC";
  throw new SpikewasmError(`${file}: cannot tell whether shape ${s} is NHWC or NCHW; pass the layout explicitly ("NHWC" or "NCHW")`);
}

/** [C, H, W] of one sample of a tensor in `layout`. */
function sampleShape(shape: readonly number[], layout: ImageLayout): [number, number, number] {
  if (layout === "NHW") return [1, shape[1], shape[2]];
  if (layout === "NHWC") return [shape[3], shape[1], shape[2]];
  return [shape[1], shape[2], shape[3]];
}

/** Broadcasts `v` (one value or one per channel) to `channels` values, checking each with `ok`. */
function perChannel(
  v: number | readonly number[], channels: number, name: string, ok: (x: number) => boolean, rule: string, file: string,
): number[] {
  const vals = typeof v === "number" ? [v] : [...v];
  if (vals.length !== 1 && vals.length !== channels) {
    throw new SpikewasmError(`${file}: ${name} has ${vals.length} values but the images have ${channels} channel(s); give one value or one per channel`);
  }
  const bad = vals.findIndex((x) => !ok(x));
  if (bad >= 0) throw new SpikewasmError(`${file}: ${name}[${bad}] is ${vals[bad]}; each ${name} value must be ${rule}`);
  return vals.length === 1 ? Array<number>(channels).fill(vals[0]) : vals;
}

/**
 * Resolves {@link LoadImagesOptions} against a tensor into the preprocessing {@link loadImages} applies
 * (layout chosen, defaults filled in, mean/std one value per channel), validating every option.
 */
export function describePreprocessing(tensor: Tensor, file: string, opts: LoadImagesOptions = {}): Preprocessing {
  const layout = resolveLayout(tensor.shape, opts.layout ?? "auto", file);
  const channels = sampleShape(tensor.shape, layout)[0];
  const scale = opts.scale ?? (tensor.dtype === "uint8" ? 1 / 255 : 1);
  if (!(Number.isFinite(scale) && scale > 0)) throw new SpikewasmError(`${file}: scale is ${scale}; it must be a finite number > 0`);
  const limit = opts.limit ?? null;
  if (limit !== null && !(Number.isInteger(limit) && limit >= 1)) {
    throw new SpikewasmError(`${file}: limit is ${limit}; it must be an integer >= 1`);
  }
  return {
    // the file's shape, whatever `limit` decoded of it
    source: { dtype: tensor.dtype, shape: "declaredCount" in tensor && typeof tensor.declaredCount === "number" && tensor.shape.length > 0
      ? [tensor.declaredCount, ...tensor.shape.slice(1)] : [...tensor.shape] },
    layout,
    scale,
    mean: perChannel(opts.mean ?? 0, channels, "mean", Number.isFinite, "finite", file),
    std: perChannel(opts.std ?? 1, channels, "std", (x) => Number.isFinite(x) && x > 0, "finite and > 0", file),
    limit,
    formula: FORMULA,
  };
}

/** Applies `pre` to `tensor`: NCHW float32 samples. Non-finite results (NaN/Inf in the file) are rejected. */
export function imagesFromTensor(tensor: Tensor, file: string, pre: Preprocessing): ImageSet {
  const [C, H, W] = sampleShape(tensor.shape, pre.layout);
  const count = Math.min(tensor.shape[0], pre.limit ?? Infinity);
  const HW = H * W, CHW = C * HW;
  // Source strides: channel-to-channel and pixel-to-pixel within one sample.
  const [cStride, pStride] = pre.layout === "NHWC" ? [1, C] : [HW, 1];
  const src = tensor.data, out = new Float32Array(count * CHW);
  for (let n = 0; n < count; n++) {
    for (let c = 0; c < C; c++) {
      const mean = pre.mean[c], std = pre.std[c];
      const s0 = n * CHW + c * cStride, o0 = n * CHW + c * HW;
      for (let p = 0; p < HW; p++) {
        const v = (src[s0 + p * pStride] * pre.scale - mean) / std;
        if (!Number.isFinite(v)) {
          throw new SpikewasmError(`${file}: sample ${n}, channel ${c}, pixel ${p} is ${src[s0 + p * pStride]}, which gives a non-finite input`);
        }
        out[o0 + p] = v;
      }
    }
  }
  return { samples: out, count, shape: [C, H, W], preprocessing: pre };
}

/**
 * Reads an image file (IDX or NPY, possibly gzipped) into NCHW float32 model input.
 * @param bytes the file contents
 * @param file name used in error messages
 * @param opts layout, scale, per-channel mean/std and sample limit ({@link LoadImagesOptions})
 * @throws SpikewasmError naming `file` for unreadable data, an unknown layout or invalid options.
 */
export function loadImages(bytes: Uint8Array, file: string, opts: LoadImagesOptions = {}): ImageSet {
  const tensor = parseTensor(bytes, file, { limit: opts.limit });
  return { ...imagesFromTensor(tensor, file, describePreprocessing(tensor, file, opts)), declaredCount: tensor.declaredCount };
}

/**
 * Reads class labels (IDX or NPY, possibly gzipped): a 1-D integer tensor of values in [0, 2^31 − 1].
 * One-hot (2-D) and float labels are rejected. `opts.limit` keeps the first `limit` labels.
 * @throws SpikewasmError naming `file`.
 */
export function loadLabels(bytes: Uint8Array, file: string, opts: { limit?: number } = {}): Int32Array {
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit >= 1)) {
    throw new SpikewasmError(`${file}: limit is ${opts.limit}; it must be an integer >= 1`);
  }
  const t = parseTensor(bytes, file, { limit: opts.limit });
  if (t.shape.length !== 1) {
    const hint = t.shape.length === 2 ? " (one-hot labels are not supported; store argmax class indices)" : "";
    throw new SpikewasmError(`${file}: labels must be a 1-D tensor of class indices, got shape ${formatShape(t.shape)}${hint}`);
  }
  if (!isIntegerDType(t.dtype)) throw new SpikewasmError(`${file}: labels must be integers, got dtype ${t.dtype}`);
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit >= 1)) {
    throw new SpikewasmError(`${file}: limit is ${opts.limit}; it must be an integer >= 1`);
  }
  const count = Math.min(t.data.length, opts.limit ?? Infinity);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = t.data[i];
    if (v < 0 || v > 0x7fffffff) throw new SpikewasmError(`${file}: label ${i} is ${v}; class labels must be in [0, 2^31 - 1]`);
    out[i] = v;
  }
  return out;
}

/**
 * True when a per-sample data shape fits a model input shape: equal, or of equal size when one side is
 * 1-D (e.g. [784] and [1, 28, 28] — a flattened input). Other reshapes (e.g. [28, 28, 1] vs [1, 28, 28])
 * are rejected because they reorder elements.
 */
export function shapesCompatible(data: readonly number[], model: readonly number[]): boolean {
  if (data.length === model.length && data.every((d, i) => d === model[i])) return true;
  return (data.length === 1 || model.length === 1) && elementCount(data) === elementCount(model);
}

/**
 * Checks images and labels against a model: the per-sample image shape must fit `expectedShape` (the
 * model's per-sample input shape, without the batch dimension; see {@link shapesCompatible}: a
 * different shape of equal size is accepted only when one side is 1-D), and there must be one label per image.
 * @throws SpikewasmError naming both files and the shapes or counts involved.
 */
export function checkAgainstModel(
  images: ImageSet, labels: Int32Array, expectedShape: readonly number[], imagesFile: string, labelsFile: string, labelsDeclared?: number,
): void {
  // under a limit both files are cut to the same count: compare what the files themselves hold
  if (images.declaredCount !== undefined && labelsDeclared !== undefined && images.declaredCount !== labelsDeclared)
    throw new SpikewasmError(`${imagesFile} has ${images.declaredCount} images but ${labelsFile} has ${labelsDeclared} labels; they must match one to one (whatever --limit reads)`);
  if (!shapesCompatible(images.shape, expectedShape)) {
    const same = elementCount(images.shape) === elementCount(expectedShape);
    const why = same ? " (same size, but reshaping between two multi-dimensional shapes would reorder elements; only a 1-D side may differ)" : "";
    throw new SpikewasmError(`${imagesFile}: per-sample image shape ${formatShape(images.shape)} does not match the model input shape ${formatShape(expectedShape)}${why} (labels: ${labelsFile})`);
  }
  if (labels.length !== images.count) {
    throw new SpikewasmError(`${imagesFile} has ${images.count} images but ${labelsFile} has ${labels.length} labels; they must match one to one`);
  }
}
