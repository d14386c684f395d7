/**
 * The windowed NIR layers of nirToSnn (src/nir/to-snn.ts): Conv2d and Conv1d (a conv2d with kernel [1, K]
 * on the graph's [C, 1, L]) → conv2d populations, SumPool2d / AvgPool2d → pool populations, each with its
 * neuron node's parameters; problems go to the converter's list.
 */
import { windowOut } from "../ir/check.js";
import type { Conv2dNode, PoolNode, Shape } from "../ir/graph.js";
import { ints, nirPadding } from "./compose.js";
import { count, tensor } from "./primitives.js";
import type { Converter } from "./to-snn.js";
import type { NirPrimitive } from "./types.js";

const same = (a: number[], b: number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Padding of a Conv2d/pool as [top, left, bottom, right], or null with a problem. */
function padding(cv: Converter, op: NirPrimitive, opName: string, k: [number, number], dil: [number, number], stride: [number, number]): [number, number, number, number] | null {
  const p = nirPadding(op, k, dil, stride);
  if (typeof p !== "string") return p;
  cv.problems.push(`${cv.where(opName)}: ${p}`);
  return null;
}

/** Conv2d → a conv2d population. */
export function convLayer(cv: Converter, name: string, op: NirPrimitive, opName: string, src: string, inShape: Shape): void {
  const w = tensor(op, "weight")!;
  if (w.shape.length !== 4) return;
  const [cout, cinG, kh, kw] = w.shape;
  const stride = ints(tensor(op, "stride"), 2) as [number, number] | null;
  const dil = ints(tensor(op, "dilation"), 2) as [number, number] | null;
  const groups = tensor(op, "groups")?.data[0] ?? 1;
  if (!stride || !dil) return void cv.problems.push(`${cv.where(opName)}: stride and dilation must be 1 or 2 integers`);
  const pad = padding(cv, op, opName, [kh, kw], dil, stride);
  if (!pad) return;
  if (inShape.length !== 3) return void cv.problems.push(`${cv.where(opName)}: input '${src}' has shape [${inShape.join(", ")}], expected [C, H, W]`);
  const [c, h, wd] = inShape;
  if (c !== cinG * groups) cv.problems.push(`${cv.where(opName)}: weight [${w.shape.join(", ")}] with groups ${groups} needs ${cinG * groups} input channels, '${src}' has ${c}`);
  const ish = ints(tensor(op, "input_shape"), 2);
  if (ish && !same(ish, [h, wd])) cv.problems.push(`${cv.where(opName)}: input_shape [${ish.join(", ")}] but '${src}' is ${h}×${wd}`);
  const oh = windowOut(h, pad[0], pad[2], kh, stride[0], dil[0]);
  const ow = windowOut(wd, pad[1], pad[3], kw, stride[1], dil[1]);
  const d = cv.neuron(name, cout * oh * ow);
  const node: Conv2dNode = { kind: "conv2d", id: name, input: src, outChannels: cout, kernel: [kh, kw], weights: Float32Array.from(w.data), neuron: d.neuron };
  if (!same(stride, [1, 1])) node.stride = stride;
  if (pad.some((x) => x !== 0)) node.padding = pad;
  if (!same(dil, [1, 1])) node.dilation = dil;
  if (groups !== 1) node.groups = groups;
  const bias = cv.bias(op, opName, cout, d, oh * ow, name);
  if (bias) node.bias = bias;
  // keep the field order of a hand-written node: bias before neuron
  const { neuron, ...rest } = node;
  cv.emit({ ...rest, neuron }, [cout, oh, ow]);
}

/** Conv1d on a [C, L] signal (graph [C, 1, L]) → conv2d with kernel [1, K] (src/nir/to-snn.ts's header). */
export function conv1dLayer(cv: Converter, name: string, op: NirPrimitive, opName: string, src: string, inShape: Shape): void {
  const w = tensor(op, "weight")!;
  if (w.shape.length !== 3) return;
  const [cout, cinG, k] = w.shape;
  const st = ints(tensor(op, "stride"), 1);
  const dl = ints(tensor(op, "dilation"), 1);
  const groups = tensor(op, "groups")?.data[0] ?? 1;
  if (!st || !dl) return void cv.problems.push(`${cv.where(opName)}: stride and dilation must be 1 integer`);
  const stride = st[0], dil = dl[0];
  let pad: [number, number, number, number];
  const pd = op.params.padding;
  if (pd && pd.kind === "strings") {
    const total = dil * (k - 1);
    if (pd.data[0] === "valid") pad = [0, 0, 0, 0];
    else if (pd.data[0] === "same" && stride === 1) pad = [0, Math.floor(total / 2), 0, total - Math.floor(total / 2)];
    else return void cv.problems.push(`${cv.where(opName)}: padding ${JSON.stringify(pd.data[0])} with stride ${stride} is not supported`);
  } else {
    const p = ints(tensor(op, "padding"), 1);
    if (!p || p[0] < 0) return void cv.problems.push(`${cv.where(opName)}: padding must be 1 integer ≥ 0, "valid" or "same"`);
    pad = [0, p[0], 0, p[0]];
  }
  if (!cv.oneD.has(src))
    return void cv.problems.push(`${cv.where(opName)}: input '${src}' has shape [${inShape.join(", ")}]; a Conv1d takes a 1-D signal [C, L] (an Input of shape [C, L] or a Conv1d's neurons)`);
  const [c, , len] = inShape;
  if (c !== cinG * groups) cv.problems.push(`${cv.where(opName)}: weight [${w.shape.join(", ")}] with groups ${groups} needs ${cinG * groups} input channels, '${src}' has ${c}`);
  const ish = tensor(op, "input_shape");
  if (ish && count(ish.shape) > 0) {
    const v = Array.from(ish.data);
    if (!same(v, [len]) && !same(v, [c, len])) cv.problems.push(`${cv.where(opName)}: input_shape [${v.join(", ")}] but '${src}' has length ${len}`);
  }
  const ol = windowOut(len, pad[1], pad[3], k, stride, dil);
  if (!(ol >= 1)) return void cv.problems.push(`${cv.where(opName)}: kernel ${k} (dilation ${dil}) does not fit '${src}' of length ${len} with padding ${pad[1]}`);
  const d = cv.neuron(name, cout * ol);
  const node: Conv2dNode = { kind: "conv2d", id: name, input: src, outChannels: cout, kernel: [1, k], weights: Float32Array.from(w.data), neuron: d.neuron };
  if (stride !== 1) node.stride = [1, stride];
  if (pad.some((x) => x !== 0)) node.padding = pad;
  if (dil !== 1) node.dilation = [1, dil];
  if (groups !== 1) node.groups = groups;
  const bias = cv.bias(op, opName, cout, d, ol, name);
  if (bias) node.bias = bias;
  const { neuron, ...rest } = node;
  cv.emit({ ...rest, neuron }, [cout, 1, ol]);
  cv.oneD.add(name);
}

/** SumPool2d / AvgPool2d → a pool population. */
export function poolLayer(cv: Converter, name: string, op: NirPrimitive, opName: string, src: string, inShape: Shape): void {
  const k = ints(tensor(op, "kernel_size"), 2) as [number, number] | null;
  const stride = ints(tensor(op, "stride"), 2) as [number, number] | null;
  if (!k || !stride) return void cv.problems.push(`${cv.where(opName)}: kernel_size and stride must be 1 or 2 integers`);
  const pad = padding(cv, op, opName, k, [1, 1], stride);
  if (!pad) return;
  if (inShape.length !== 3) return void cv.problems.push(`${cv.where(opName)}: input '${src}' has shape [${inShape.join(", ")}], expected [C, H, W]`);
  const [c, h, w] = inShape;
  const oh = windowOut(h, pad[0], pad[2], k[0], stride[0]);
  const ow = windowOut(w, pad[1], pad[3], k[1], stride[1]);
  const d = cv.neuron(name, c * oh * ow);
  if (d.leakBias) cv.problems.push(`${cv.where(name)}: v_leak ≠ 0 after a pooling layer (spikewasm pool layers have no bias)`);
  const node: PoolNode = { kind: "pool", id: name, input: src, mode: op.type === "SumPool2d" ? "sum" : "avg", kernel: k, neuron: d.neuron };
  if (!same(stride, k)) node.stride = stride;
  if (pad.some((x) => x !== 0)) node.padding = pad;
  const { neuron, ...rest } = node;
  cv.emit({ ...rest, neuron }, [c, oh, ow]);
}
