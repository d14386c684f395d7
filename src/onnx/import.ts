/**
 * ONNX → typed ANN graph (src/ir/ann.ts). One pass over the (topologically sorted) ONNX nodes; each
 * value is a constant, an activation produced by an ANN node, or "bad" (made by an unsupported node).
 * Folding: BatchNormalization, Mul/Div by constants and constant Add into the preceding Conv/Gemm/MatMul;
 * Sub/Mul/Div/Add/BatchNormalization on the raw input into the input's per-channel preprocessing; Pad
 * into the next Conv/AveragePool; Relu/Clip into the producer's activation; Dropout/Identity removed;
 * a final Softmax/LogSoftmax dropped (argmax is unchanged). Shape/Gather/Unsqueeze/Concat/Cast over
 * constants are evaluated (PyTorch's `x.view(x.size(0), -1)`). Transposes of NHWC models (Keras/tf2onnx)
 * are folded: [0,3,1,2] after an [N, H, W, C] input makes the ANN input [C, H, W]; [0,2,3,1] before a
 * Flatten/Reshape into a Gemm/MatMul permutes that layer's weight rows; identity perms are removed.
 * Every unsupported node is reported at once.
 */
import { SpikewasmError } from "../errors.js";
import { type Activation, type AnnConv2d, type AnnDense, type AnnGraph, type AnnInput, type AnnNode, annInputs, annMacs, annParams, annShapes } from "../ir/ann.js";
import { type Shape, shapeSize } from "../ir/graph.js";
import { Attrs, type ConstTensor, decodeModel, num, opsetVersion, readTensor } from "./proto.js";
import type { onnx } from "onnx-proto";

type Pads = [number, number, number, number];
/**
 * Layout of an activation value relative to its ANN node (always [C, H, W] or [N]): "nhwc" = the ONNX
 * tensor is the ANN node's [C, H, W] tensor transposed to [H, W, C] (a Transpose [0,2,3,1], or the NHWC
 * graph input); "hwcflat" = a flattening of such a tensor, so ONNX feature h·W·C + w·C + c is the ANN's
 * feature c·H·W + h·W + w (folded into the next Gemm/MatMul's weight rows). `via` names where it came from.
 */
type Layout = { kind: "nhwc"; via: string } | { kind: "hwcflat"; via: string; chw: [number, number, number] };
type Value =
  | { kind: "const"; t: ConstTensor }
  | { kind: "act"; id: string; pad?: Pads; layout?: Layout }
  | { kind: "bad"; cause: string };

/** What became of one ONNX node. */
export interface OnnxNodeReport {
  name: string;
  opType: string;
  /** per-sample output shape, when known */
  shape?: Shape;
  /** id of the ANN node it became or was folded into */
  layer?: string;
  params: number;
  macs: number;
  converts: boolean;
  /** how it was handled, or why it is not supported */
  note: string;
}

/** The result of importing an ONNX model. */
export interface OnnxImport {
  file: string;
  opset: number;
  producer: string;
  /** the ANN graph (complete only when `problems` is empty) */
  graph: AnnGraph;
  nodes: OnnxNodeReport[];
  /** unsupported nodes (root causes): name, op type and why */
  problems: { name: string; opType: string; why: string }[];
  /** a trailing Softmax/LogSoftmax was dropped */
  droppedSoftmax: boolean;
  /**
   * The graph input as the ONNX model declares it: layout "NHWC" when an [N, H, W, C] input is followed
   * by Transpose [0,3,1,2] (Keras/tf2onnx); the ANN input (graph.nodes[0]) is then [C, H, W] and
   * samples are given in [C, H, W] order, as for every model.
   */
  input: { name: string; layout: "NCHW" | "NHWC" | "features"; onnxShape: Shape };
}

class Unsupported extends Error {}
const no = (why: string): never => {
  throw new Unsupported(why);
};

/** Imports an ONNX model's bytes; never throws for unsupported ops (see `problems`), only for unreadable files. */
export function importOnnx(bytes: Uint8Array, file = "model.onnx"): OnnxImport {
  const model = decodeModel(bytes, file);
  const graphProto = model.graph!;
  const g = { node: graphProto.node ?? [], output: graphProto.output ?? [], initializer: graphProto.initializer ?? [], input: graphProto.input ?? [] };
  const opset = opsetVersion(model);
  if (opset < 7 || opset > 21) throw new SpikewasmError(`${file}: opset ${opset} is outside the supported range 7–21`);
  const values = new Map<string, Value>();
  const consumers = new Map<string, number>();
  for (const n of g.node) for (const i of n.input ?? []) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  for (const o of g.output) consumers.set(o.name ?? "", (consumers.get(o.name ?? "") ?? 0) + 1);
  for (const t of g.initializer) values.set(t.name ?? "", { kind: "const", t: readTensor(t, `${file}: initializer`) });

  const nodes: AnnNode[] = [];
  const byId = new Map<string, AnnNode>();
  const add = <N extends AnnNode>(n: N): N => {
    nodes.push(n);
    byId.set(n.id, n);
    return n;
  };
  const used = new Set<string>();
  const uniqueId = (base: string): string => {
    let id = base.replace(/^\/+/, "").replace(/[^A-Za-z0-9_.\-/]/g, "_") || "node";
    for (let k = 2; used.has(id); k++) id = `${base}_${k}`;
    used.add(id);
    return id;
  };

  const users = new Map<string, onnx.INodeProto[]>();
  for (const n of g.node) for (const i of n.input ?? []) if (i) users.set(i, [...(users.get(i) ?? []), n]);
  const constOuts = new Set(g.node.filter((n) => n.opType === "Constant").map((n) => n.output?.[0] ?? ""));
  const gins = g.input.filter((i) => !values.has(i.name ?? ""));
  const gin = gins[0];
  if (!gin) throw new SpikewasmError(`${file}: the graph has no input that is not an initializer`);
  if (gins.length > 1)
    throw new SpikewasmError(`${file}: the graph has ${gins.length} inputs (${gins.map((i) => `'${i.name}'`).join(", ")}); spikewasm converts models with one input`);
  const outName = g.output[0]?.name ?? "";
  if (g.output.length === 0 || !(g.node.some((n) => (n.output ?? []).includes(outName)) || values.has(outName) || g.input.some((i) => i.name === outName)))
    throw new SpikewasmError(`${file}: the graph output ${g.output.length === 0 ? "is missing" : `'${outName}' is produced by no node`}`);
  const dims = gin.type?.tensorType?.shape?.dim ?? [];
  if (dims.length < 2) throw new SpikewasmError(`${file}: input '${gin.name}' has shape of rank ${dims.length}; expected [N, C, H, W] or [N, features]`);
  const shape = dims.slice(1).map((d, k) => {
    const v = num(d.dimValue as never);
    if (d.dimValue !== undefined && d.dimValue !== null && !(v > 0) && !d.dimParam)
      throw new SpikewasmError(`${file}: input '${gin.name}' dimension ${k + 1} is ${v}; dimensions must be >= 1`);
    if (!(v > 0)) throw new SpikewasmError(`${file}: input '${gin.name}' dimension ${k + 1} is dynamic ('${d.dimParam ?? "?"}'); only the batch dimension may be dynamic`);
    return v;
  });
  if (shape.length !== 1 && shape.length !== 3) throw new SpikewasmError(`${file}: input '${gin.name}' has per-sample shape [${shape.join(", ")}]; supported: [C, H, W] or [features]`);
  const nhwcInput = shape.length === 3 && nhwcInputTranspose(gin.name ?? "", users, (t) => values.get(t)?.kind === "const" || constOuts.has(t)) !== null;
  const annShape = nhwcInput ? [shape[2], shape[0], shape[1]] : shape;
  const input = add<AnnInput>({ kind: "input", id: uniqueId(gin.name ?? "input"), shape: annShape });
  values.set(gin.name ?? "", { kind: "act", id: input.id, ...(nhwcInput ? { layout: { kind: "nhwc", via: `the NHWC graph input '${gin.name}'` } as Layout } : {}) });
  let shapes = new Map<string, Shape>([[input.id, annShape]]);
  const shapeOf = (id: string): Shape => shapes.get(id)!;
  const readers = new Map<string, number>(); // ANN node id -> ANN nodes reading it

  const reports: OnnxNodeReport[] = [];
  const problems: OnnxImport["problems"] = [];
  let droppedSoftmax = false;
  const outputName = g.output[0]?.name ?? "";

  for (const node of g.node) {
    const name = node.name || node.output?.[0] || node.opType || "?";
    const op = node.opType ?? "";
    const ins = (node.input ?? []).map((i) => (i === "" ? undefined : values.get(i)));
    const bad = ins.find((v) => v?.kind === "bad") as { cause: string } | undefined;
    const setOut = (v: Value) => values.set(node.output?.[0] ?? "", v);
    if (bad) {
      setOut({ kind: "bad", cause: bad.cause });
      reports.push({ name, opType: op, params: 0, macs: 0, converts: false, note: `depends on unsupported node ${bad.cause}` });
      continue;
    }
    try {
      const ctx: Ctx = { node, name, op, ins, opset, file, attrs: new Attrs(node), consumers, values, byId, readers, input, shapeOf, outputName, users };
      const r = handle(ctx, add, uniqueId);
      setOut(r.value);
      if (r.droppedSoftmax) droppedSoftmax = true;
      if (r.value.kind === "act") {
        shapes = annShapes({ nodes });
        const layer = r.value.id;
        const made = r.created;
        reports.push({
          name, opType: op, shape: shapeOf(layer), layer, converts: true, note: r.note,
          params: made ? annParams(byId.get(layer)!) : 0,
          macs: made ? annMacs(byId.get(layer)!, annInputs(byId.get(layer)!).map(shapeOf)[0], shapeOf(layer)) : 0,
        });
      } else reports.push({ name, opType: op, params: 0, macs: 0, converts: true, note: r.note });
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e instanceof SpikewasmError ? new SpikewasmError(`${file}: node '${name}' (${op}): ${e.message}`) : e;
      setOut({ kind: "bad", cause: `'${name}' (${op})` });
      problems.push({ name, opType: op, why: e.message });
      reports.push({ name, opType: op, params: 0, macs: 0, converts: false, note: e.message });
    }
  }
  const out = values.get(outputName);
  if (out?.kind === "act" && out.pad) problems.push({ name: outputName, opType: "Pad", why: "the graph output is padded" });
  if (out?.kind === "const") problems.push({ name: outputName, opType: "output", why: "the graph output is a constant" });
  if (out?.kind === "act" && out.layout)
    problems.push({ name: outputName, opType: "output", why: `the graph output is in NHWC order (from ${out.layout.via}); only flattened NHWC tensors feeding a Gemm/MatMul are folded` });
  const graph: AnnGraph = { nodes, output: out?.kind === "act" ? out.id : undefined };
  return { file, opset, producer: `${model.producerName ?? ""} ${model.producerVersion ?? ""}`.trim(), graph, nodes: reports, problems, droppedSoftmax,
    input: { name: gin.name ?? "", layout: nhwcInput ? "NHWC" : shape.length === 3 ? "NCHW" : "features", onnxShape: shape } };
}

/** Throws one error listing every unsupported node, if any. */
export function requireConvertible(imp: OnnxImport): AnnGraph {
  if (imp.problems.length === 0 && imp.graph.output) return imp.graph;
  const lines = imp.problems.map((p) => `  node '${p.name}' (${p.opType}): ${p.why}`);
  throw new SpikewasmError(`${imp.file}: ${imp.problems.length} unsupported node(s):\n${lines.join("\n")}`);
}

interface Ctx {
  node: onnx.INodeProto; name: string; op: string; ins: (Value | undefined)[]; opset: number; file: string; attrs: Attrs;
  consumers: Map<string, number>; values: Map<string, Value>; byId: Map<string, AnnNode>; readers: Map<string, number>;
  input: AnnInput; shapeOf: (id: string) => Shape; outputName: string; users: Map<string, onnx.INodeProto[]>;
}
interface Handled { value: Value; note: string; created?: boolean; droppedSoftmax?: boolean }

function constIn(c: Ctx, k: number, what: string): ConstTensor {
  const v = c.ins[k];
  if (!v || v.kind !== "const") no(`${what} (input ${k}) must be a constant initializer`);
  return (v as { t: ConstTensor }).t;
}

function actIn(c: Ctx, k: number): { id: string; pad?: Pads } {
  const v = c.ins[k];
  if (!v || v.kind !== "act") no(`input ${k} must be an activation, not a constant`);
  return v as { id: string; pad?: Pads };
}

/** The layer an elementwise op may be folded into: single consumer, no activation yet. */
function foldTarget(c: Ctx, id: string): AnnNode | null {
  const n = c.byId.get(id)!;
  const single = (c.consumers.get(c.node.input![0]) ?? 0) <= 1 && (c.readers.get(id) ?? 0) === 0;
  return single ? n : null;
}

function isRawInput(c: Ctx, id: string): boolean {
  return id === c.input.id && (c.readers.get(id) ?? 0) === 0;
}

/** Broadcast a constant to per-channel values (scalar, [C], [C,1,1], [1,C,1,1]); null if not per-channel. */
function perChannel(t: ConstTensor, channels: number): number[] | null {
  const n = t.data.length;
  if (n === 1) return new Array(channels).fill(t.data[0]);
  const nontrivial = t.dims.filter((d) => d !== 1);
  if (n === channels && nontrivial.length === 1) return Array.from(t.data);
  return null;
}

function scaleLayer(n: AnnNode, k: number[], shift: number[] | null): void {
  if (n.kind === "dense") {
    for (let i = 0; i < n.weights.length; i++) n.weights[i] *= k[i % n.units];
  } else if (n.kind === "conv2d") {
    const per = n.weights.length / n.outChannels;
    for (let i = 0; i < n.weights.length; i++) n.weights[i] *= k[Math.floor(i / per)];
  }
  const units = n.kind === "dense" ? n.units : (n as AnnConv2d).outChannels;
  const b = (n as AnnDense | AnnConv2d).bias ?? new Float32Array(units);
  for (let o = 0; o < units; o++) b[o] = b[o] * k[o] + (shift ? shift[o] : 0);
  (n as AnnDense | AnnConv2d).bias = b;
}

function read(c: Ctx, id: string): void {
  c.readers.set(id, (c.readers.get(id) ?? 0) + 1);
}

type ActValue = Extract<Value, { kind: "act" }>;
const samePerm = (p: number[] | null, q: number[]) => p !== null && p.length === q.length && p.every((v, i) => v === q[i]);
const TO_NCHW = [0, 3, 1, 2], TO_NHWC = [0, 2, 3, 1];
/** Ops that do not care about the order of elements (kept on NHWC / flattened-NHWC values). */
const ORDER_FREE = new Set(["Identity", "Dropout", "Cast", "Relu", "Clip"]);

/**
 * Whether an [N, H, W, C] graph input is NHWC: its first consumer, after a chain of single-consumer
 * Sub/Mul/Add/Div by constants (e.g. Keras Rescaling), is a Transpose [0,3,1,2]. Returns that Transpose.
 */
function nhwcInputTranspose(name: string, users: Map<string, onnx.INodeProto[]>, isConst: (t: string) => boolean): onnx.INodeProto | null {
  let t = name;
  for (let guard = 0; guard < 64; guard++) {
    const us = users.get(t) ?? [];
    const first = us[0];
    if (!first) return null;
    if (first.opType === "Transpose") return samePerm(new Attrs(first).ints("perm", null), TO_NCHW) ? first : null;
    const ins = first.input ?? [];
    if (us.length === 1 && ["Sub", "Mul", "Add", "Div"].includes(first.opType ?? "") && ins.length === 2 && ins.filter((i) => i !== t).every(isConst)) {
      t = first.output?.[0] ?? "";
      continue;
    }
    return null;
  }
  return null;
}

/**
 * Follows the uses of an NHWC tensor (stage "nhwc") or of its flattening (stage "flat"): allowed are
 * order-free ops, Shape, Transpose [0,3,1,2] back to NCHW, a spatial ReduceMean (checked by reduceMean),
 * Flatten(axis 1)/Reshape, and finally Gemm/MatMul (input 0) on the flattened tensor. Returns the first
 * offending consumer, or null.
 */
function nhwcUse(tensor: string, stage: "nhwc" | "flat", c: Ctx, depth = 0): string | null {
  if (tensor === c.outputName) return "the graph output";
  if (depth > 64) return `'${tensor}' (too deep)`;
  for (const n of c.users.get(tensor) ?? []) {
    const op = n.opType ?? "", out = n.output?.[0] ?? "", first = n.input?.[0] === tensor;
    let next: "nhwc" | "flat" | null | "ok" = null;
    if (ORDER_FREE.has(op) && first) next = stage;
    else if (op === "Shape") next = "ok";
    else if (stage === "nhwc" && op === "Transpose" && samePerm(new Attrs(n).ints("perm", null), TO_NCHW)) next = "ok";
    else if (first && (op === "Reshape" || (op === "Flatten" && new Attrs(n).int("axis", 1) === 1))) next = "flat";
    else if (stage === "flat" && first && (op === "Gemm" || op === "MatMul")) next = "ok";
    // spatial ReduceMean (GlobalAveragePooling2D) of an NHWC tensor gives [N, C] in channel order: any use is fine
    else if (stage === "nhwc" && first && op === "ReduceMean") next = "ok";
    if (next === null) return `'${n.name || out}' (${op})`;
    if (next !== "ok") {
      const r = nhwcUse(out, next, c, depth + 1);
      if (r) return r;
    }
  }
  return null;
}

/** NHWC values may only reach order-free ops, flattening and a Gemm/MatMul; anything else is refused. */
function layoutGuard(c: Ctx, x: ActValue): void {
  const l = x.layout!;
  const ok = ORDER_FREE.has(c.op) || ["Transpose", "Shape", "Flatten", "Reshape"].includes(c.op)
    || (l.kind === "hwcflat" && (c.op === "Gemm" || c.op === "MatMul") && c.ins[0] === x)
    || (l.kind === "nhwc" && ["Sub", "Mul", "Add", "Div"].includes(c.op) && isRawInput(c, x.id) && c.ins.some((v) => v?.kind === "const"))
    || (l.kind === "nhwc" && c.op === "ReduceMean" && c.ins[0] === x);
  if (!ok)
    no(`its input is in NHWC order (from ${l.via}${l.kind === "hwcflat" ? ", flattened" : ""}); ${c.op} on NHWC tensors is not supported (NHWC is folded only into a Transpose [0,3,1,2] back to NCHW, or a Flatten/Reshape into a Gemm/MatMul)`);
}

function transpose(c: Ctx): Handled {
  const x = actIn(c, 0) as ActValue;
  const rank = x.layout?.kind === "hwcflat" ? 2 : 1 + c.shapeOf(x.id).length;
  const perm = c.attrs.ints("perm", null) ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const ps = `[${perm.join(", ")}]`;
  if (perm.length !== rank) no(`Transpose '${c.name}' has perm ${ps} but its input has rank ${rank}`);
  if (perm.every((v, i) => v === i)) return { value: x, note: `removed (identity perm ${ps})` };
  if (x.pad) no(`Transpose '${c.name}' perm ${ps}: input is padded`);
  if (samePerm(perm, TO_NCHW) && x.layout?.kind === "nhwc") {
    const fromInput = x.id === c.input.id;
    return {
      value: { kind: "act", id: x.id },
      note: fromInput
        ? `NHWC → NCHW folded: the network input is [C, H, W] = [${c.input.shape.join(", ")}]; samples are given in [C, H, W] order`
        : `NHWC → NCHW folded: undoes ${x.layout.via}`,
    };
  }
  if (samePerm(perm, TO_NHWC) && !x.layout && rank === 4) {
    const bad = nhwcUse(c.node.output?.[0] ?? "", "nhwc", c);
    if (bad)
      no(`Transpose '${c.name}' perm ${ps} (NCHW → NHWC) is folded only when its result is flattened (Flatten axis 1, or Reshape to [N, -1] / [-1, k]) into a Gemm/MatMul, averaged over its spatial axes (ReduceMean), or transposed back with [0, 3, 1, 2]; here it reaches ${bad}`);
    return { value: { kind: "act", id: x.id, layout: { kind: "nhwc", via: `Transpose '${c.name}' perm ${ps}` } }, note: "NCHW → NHWC, folded into the weight rows of the following Gemm/MatMul" };
  }
  if (samePerm(perm, TO_NCHW))
    no(`Transpose '${c.name}' perm ${ps} (NHWC → NCHW) is folded only on the NHWC graph input or to undo a Transpose [0, 2, 3, 1]; spikewasm has no runtime transpose`);
  return no(`Transpose '${c.name}' perm ${ps} is not supported on a [${x.layout ? "NHWC" : ["N", ...c.shapeOf(x.id)].join(", ")}] tensor (only identity perms, [0, 3, 1, 2] on the NHWC graph input and [0, 2, 3, 1] before a flatten into a Gemm/MatMul are folded; spikewasm has no runtime transpose)`);
}

/** The tensor is the graph output, or reaches it only through Identity/Dropout/Cast (tf2onnx names outputs with an Identity). */
function reachesOutput(c: Ctx, tensor: string): boolean {
  for (let guard = 0; guard < 64; guard++) {
    if (tensor === c.outputName) return true;
    const us = c.users.get(tensor) ?? [];
    if (us.length !== 1 || !["Identity", "Dropout", "Cast"].includes(us[0].opType ?? "")) return false;
    tensor = us[0].output?.[0] ?? "";
  }
  return false;
}

function handle(c: Ctx, add: <N extends AnnNode>(n: N) => N, uid: (b: string) => string): Handled {
  const laid = c.ins.find((v): v is ActValue => v?.kind === "act" && !!v.layout);
  if (laid) layoutGuard(c, laid);
  const r = dispatch(c, add, uid);
  // order-free ops and already-flat reshapes keep the NHWC layout of the value they pass on
  if (laid && c.op !== "Transpose" && r.value.kind === "act" && r.value.id === laid.id && !r.value.layout) r.value = { ...r.value, layout: laid.layout };
  return r;
}

function dispatch(c: Ctx, add: <N extends AnnNode>(n: N) => N, uid: (b: string) => string): Handled {
  const { op, attrs } = c;
  const domain = c.node.domain ?? "";
  if (domain !== "" && domain !== "ai.onnx") no(`operator domain '${domain}' is not the standard ONNX domain; '${op}' there is not the standard op`);
  const allConst = c.ins.every((v) => v === undefined || v.kind === "const") && c.ins.length > 0;
  switch (op) {
    case "Constant": {
      const t = attrs.tensor("value");
      if (!t) no("only Constant nodes with a 'value' tensor are supported");
      return { value: { kind: "const", t: readTensor(t!, `${c.file}: node '${c.name}'`) }, note: "constant" };
    }
    case "Identity": case "Dropout":
      return { value: c.ins[0]!, note: "removed" };
    case "Cast":
      if (allConst) return { value: c.ins[0]!, note: "constant folded" };
      return { value: c.ins[0]!, note: "removed (float model)" };
    case "Shape": {
      const a = actIn(c, 0) as ActValue;
      const ps = a.layout?.kind === "hwcflat" ? [a.layout.chw.reduce((p, q) => p * q, 1)] : c.shapeOf(a.id);
      const s = [1, ...(a.layout?.kind === "nhwc" ? [ps[1], ps[2], ps[0]] : ps)];
      return { value: { kind: "const", t: { dims: [s.length], data: Float64Array.from(s) } }, note: "constant folded (batch as 1)" };
    }
    case "Gather": case "Unsqueeze": case "Squeeze": case "Concat":
      if (allConst) return { value: { kind: "const", t: foldConst(c) }, note: "constant folded" };
      if (op === "Concat") return concat(c, add, uid);
      return no(`${op} of an activation is not supported`);
    case "Conv": return conv(c, add, uid);
    case "Gemm": case "MatMul": return gemm(c, add, uid);
    case "Relu": case "Clip": case "LeakyRelu": return activation(c);
    case "AveragePool": case "MaxPool": case "GlobalAveragePool": return pool(c, add, uid);
    case "ReduceMean": return reduceMean(c, add, uid);
    case "BatchNormalization": return batchNorm(c);
    case "Flatten": case "Reshape": return flatten(c, add, uid);
    case "Add": case "Sub": case "Mul": case "Div": return arith(c, add, uid);
    case "Softmax": case "LogSoftmax":
      if (!reachesOutput(c, c.node.output?.[0] ?? "")) no(`${op} is only supported at the graph output (where it is dropped for argmax)`);
      return { value: c.ins[0]!, note: "dropped (argmax unchanged)", droppedSoftmax: true };
    case "Pad": return pad(c);
    case "Transpose": return transpose(c);
    default:
      return no(`operator ${op} is not supported`);
  }
}

function foldConst(c: Ctx): ConstTensor {
  const t = (k: number) => (c.ins[k] as { t: ConstTensor }).t;
  switch (c.op) {
    case "Gather": {
      const data = t(0), idx = t(1);
      if (data.dims.length !== 1) no("Gather is folded only on 1-D constants");
      const out = Array.from(idx.data, (i) => data.data[i < 0 ? i + data.data.length : i]);
      return { dims: idx.dims, data: Float64Array.from(out) };
    }
    case "Unsqueeze": case "Squeeze": {
      const n = t(0).data.length;
      return { dims: op1d(n, c.op === "Unsqueeze"), data: t(0).data };
    }
    default: {
      const parts = c.ins.map((_, k) => t(k));
      const data = Float64Array.from(parts.flatMap((p) => Array.from(p.data)));
      return { dims: [data.length], data };
    }
  }
}

function op1d(n: number, unsq: boolean): number[] {
  return unsq ? [n === 1 ? 1 : n] : n === 1 ? [] : [n];
}

/** A 2-D window attribute (strides, dilations, kernel_shape): two integers >= 1, named when not. */
function windowInts(c: Ctx, name: string, fallback: number[] | null): [number, number] {
  const v = c.attrs.ints(name, fallback);
  if (!v || v.length !== 2 || !v.every((x) => Number.isSafeInteger(x) && x >= 1)) no(`${name} must be 2 integers >= 1 (2-D), got [${(v ?? []).join(", ")}]`);
  return [v![0], v![1]];
}

function autoPads(c: Ctx, inH: number, inW: number, k: [number, number], s: [number, number], d: [number, number]): Pads {
  const mode = c.attrs.string("auto_pad", "NOTSET");
  const p = c.attrs.ints("pads", [0, 0, 0, 0])!;
  if (mode === "NOTSET") {
    if (p.length !== 4) no(`pads must have 4 values for 2-D, got [${p.join(", ")}]`);
    if (!p.every((x) => Number.isSafeInteger(x) && x >= 0)) no(`pads must be integers >= 0, got [${p.join(", ")}]`);
    return [p[0], p[1], p[2], p[3]];
  }
  if (mode !== "VALID" && mode !== "SAME_UPPER" && mode !== "SAME_LOWER") no(`auto_pad '${mode}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER`);
  if (mode === "VALID") return [0, 0, 0, 0];
  const one = (size: number, kk: number, ss: number, dd: number): [number, number] => {
    const out = Math.ceil(size / ss);
    const total = Math.max(0, (out - 1) * ss + (kk - 1) * dd + 1 - size);
    const small = Math.floor(total / 2);
    return mode === "SAME_LOWER" ? [total - small, small] : [small, total - small];
  };
  const [t, b] = one(inH, k[0], s[0], d[0]);
  const [l, r] = one(inW, k[1], s[1], d[1]);
  return [t, l, b, r];
}

function need3d(c: Ctx, id: string): [number, number, number] {
  const s = c.shapeOf(id);
  if (s.length !== 3) no(`needs a [C, H, W] input, got [${s.join(", ")}]`);
  return s as [number, number, number];
}

function conv(c: Ctx, add: <N extends AnnNode>(n: N) => N, uid: (b: string) => string): Handled {
  const x = actIn(c, 0);
  const w = constIn(c, 1, "the weight");
  if (w.dims.length !== 4) no(`only 2-D convolutions are supported (weight of rank ${w.dims.length})`);
  const [cin, h, wd] = need3d(c, x.id);
  const groups = c.attrs.int("group", 1);
  if (cin !== w.dims[1] * groups) no(`input has ${cin} channels, the weight expects ${w.dims[1]} × group ${groups}`);
  if (w.dims[0] % groups !== 0) no(`${w.dims[0]} output channels are not divisible by group ${groups}`);
  const k: [number, number] = [w.dims[2], w.dims[3]];
  if (!(k[0] >= 1 && k[1] >= 1)) no(`the weight's kernel is [${k.join(", ")}]; it must be at least 1 × 1`);
  const s = windowInts(c, "strides", [1, 1]);
  const d = windowInts(c, "dilations", [1, 1]);
  const pads = autoPads(c, h, wd, k, s, d);
  if (x.pad) for (let i = 0; i < 4; i++) pads[i] += x.pad[i];
  const b = c.ins[2] ? constIn(c, 2, "the bias") : null;
  read(c, x.id);
  const n = add<AnnConv2d>({
    kind: "conv2d", id: uid(c.name), input: x.id, outChannels: w.dims[0], kernel: k, stride: s, padding: pads, dilation: d,
    groups, weights: Float32Array.from(w.data), bias: b ? Float32Array.from(b.data) : undefined, activation: "none",
  });
  return { value: { kind: "act", id: n.id }, note: "conv2d", created: true };
}

function gemm(c: Ctx, add: <N extends AnnNode>(n: N) => N, uid: (b: string) => string): Handled {
  const x = actIn(c, 0);
  if (x.pad) no("input is padded");
  const B = constIn(c, 1, "the weight");
  if (B.dims.length !== 2) no(`the weight must be 2-D, got [${B.dims.join(", ")}]`);
  if (c.op === "Gemm" && c.attrs.int("transA", 0) !== 0) no("transA = 1 is not supported");
  const transB = c.op === "Gemm" ? c.attrs.int("transB", 0) : 0;
  const alpha = c.op === "Gemm" ? c.attrs.float("alpha", 1) : 1, beta = c.op === "Gemm" ? c.attrs.float("beta", 1) : 1;
  const [K, M] = transB ? [B.dims[1], B.dims[0]] : B.dims;
  const inSize = shapeSize(c.shapeOf(x.id));
  if (c.shapeOf(x.id).length !== 1) no(`needs a flattened input, got [${c.shapeOf(x.id).join(", ")}] (add a Flatten)`);
  if (inSize !== K) no(`input has ${inSize} features, the weight expects ${K}`);
  const w = new Float32Array(K * M);
  // input flattened from NHWC: ONNX feature (h, w, c) is the ANN's feature (c, h, w) (C-major flatten)
  const lay = (x as ActValue).layout;
  const row = lay?.kind === "hwcflat" ? hwcToChw(lay.chw) : null;
  for (let i = 0; i < K; i++) for (let o = 0; o < M; o++) w[(row ? row[i] : i) * M + o] = alpha * B.data[transB ? o * K + i : i * M + o];
  let bias: Float32Array | undefined;
  if (c.ins[2]) {
    const C = constIn(c, 2, "the bias");
    const pc = perChannel(C, M);
    if (!pc) no(`bias of shape [${C.dims.join(", ")}] does not broadcast to [${M}]`);
    bias = Float32Array.from(pc!, (v) => beta * v);
  }
  read(c, x.id);
  const n = add<AnnDense>({ kind: "dense", id: uid(c.name), input: x.id, units: M, weights: w, bias, activation: "none" });
  return { value: { kind: "act", id: n.id }, note: row ? `dense (weight rows permuted from H, W, C to C, H, W order: ${lay!.via} folded)` : "dense", created: true };
}

/** For a [C, H, W] tensor: the C-major index of each H, W, C-major (NHWC-flattened) index. */
function hwcToChw([C, H, W]: [number, number, number]): Int32Array {
  const m = new Int32Array(C * H * W);
  for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let ch = 0; ch < C; ch++) m[(h * W + w) * C + ch] = (ch * H + h) * W + w;
  return m;
}

function activation(c: Ctx): Handled {
  const x = actIn(c, 0);
  let act: Activation = "relu";
  if (c.op === "LeakyRelu") no("LeakyRelu has no rate-coded spiking equivalent (negative activations)");
  if (c.op === "Clip") {
    let lo = -Infinity, hi = Infinity;
    if (c.opset < 11) {
      lo = c.attrs.float("min", -3.4028234663852886e38);
      hi = c.attrs.float("max", 3.4028234663852886e38);
    } else {
      if (c.ins[1]) lo = constIn(c, 1, "min").data[0];
      if (c.ins[2]) hi = constIn(c, 2, "max").data[0];
    }
    if (lo !== 0) no(`Clip(min = ${lo}) is supported only with min 0 (ReLU-like)`);
    act = hi >= 3.4e38 ? "relu" : { clip: [0, hi] };
  }
  let id = x.id;
  let n = c.byId.get(id)!;
  while (n.kind === "flatten") n = c.byId.get((id = n.input))!; // elementwise: commutes with flatten
  if (n.kind === "input") no("an activation on the network input is not supported");
  if ((n as { activation: Activation }).activation !== "none") no(`'${n.id}' already has an activation`);
  if (!foldTarget(c, x.id)) no(`'${x.id}' is also read elsewhere before its activation; cannot fuse`);
  (n as { activation: Activation }).activation = act;
  return { value: { kind: "act", id: x.id }, note: `activation of '${n.id}'` };
}

function pool(c: Ctx, add: <N extends AnnNode>(n: N) => N, uid: (b: string) => string): Handled {
  const x = actIn(c, 0);
  const [, h, w] = need3d(c, x.id);
  let k: [number, number], s: [number, number], pads: Pads;
  let countIncludePad = false;
  if (c.op === "GlobalAveragePool") {
    k = [h, w]; s = [1, 1]; pads = [0, 0, 0, 0];
  } else {
    k = windowInts(c, "kernel_shape", null);
    s = windowInts(c, "strides", [1, 1]);
    if ((c.attrs.ints("dilations", [1, 1]) ?? [1, 1]).some((d) => d !== 1)) no("dilated pooling is not supported");
    pads = autoPads(c, h, w, k, s, [1, 1]);
    countIncludePad = c.attrs.int("count_include_pad", 0) === 1;
    if (c.attrs.int("ceil_mode", 0) === 1) {
      const floorOut = Math.floor((h + pads[0] + pads[2] - k[0]) / s[0]) + 1, ceilOut = Math.ceil((h + pads[0] + pads[2] - k[0]) / s[0]) + 1;
      const floorW = Math.floor((w + pads[1] + pads[3] - k[1]) / s[1]) + 1, ceilW = Math.ceil((w + pads[1] + pads[3] - k[1]) / s[1]) + 1;
      if (floorOut !== ceilOut || floorW !== ceilW) no("ceil_mode = 1 changes the output size here; not supported");
    }
  }
  if (x.pad) {
    if (c.op !== "AveragePool") no("a zero Pad before MaxPool/GlobalAveragePool is not supported");
    if (pads.some((p) => p !== 0) && !countIncludePad) no("Pad before an AveragePool with its own padding and count_include_pad = 0");
    pads = pads.map((p, i) => p + x.pad![i]) as Pads;
    countIncludePad = true; // padded zeros are real inputs of the window
  }
  read(c, x.id);
  const mode = c.op === "MaxPool" ? "max" : "avg";
  const n = add({ kind: "pool", id: uid(c.name), input: x.id, mode, kernel: k, stride: s, padding: pads, countIncludePad, activation: "none" } as const);
  return { value: { kind: "act", id: n.id }, note: `${mode} pooling`, created: true };
}

/**
 * ReduceMean over the spatial axes — how tf2onnx writes Keras GlobalAveragePooling2D — as a global average
 * pool ([2, 3] on NCHW; [1, 2] on an NHWC tensor, whose [N, C] result has the same channel order), followed
 * by a flatten when keepdims = 0. Other axes are refused.
 */
function reduceMean(c: Ctx, add: <N extends AnnNode>(n: N) => N, uid: (b: string) => string): Handled {
  const x = actIn(c, 0) as ActValue;
  const nhwc = x.layout?.kind === "nhwc";
  if (x.pad) no("input is padded");
  const [, h, w] = need3d(c, x.id);
  let axes = c.attrs.ints("axes", null);
  if (!axes && c.ins[1]) axes = Array.from(constIn(c, 1, "axes").data);
  if (!axes || axes.length === 0) no("ReduceMean over every axis is not supported (only the spatial axes: global average pooling)");
  const norm = [...new Set(axes!.map((a) => (a < 0 ? a + 4 : a)))].sort((a, b) => a - b);
  const spatial = nhwc ? [1, 2] : [2, 3];
  if (norm.length !== 2 || norm[0] !== spatial[0] || norm[1] !== spatial[1])
    no(`ReduceMean over axes [${axes!.join(", ")}] of a${nhwc ? "n NHWC" : "n NCHW"} tensor: only the spatial axes [${spatial.join(", ")}] (global average pooling) are supported`);
  const keep = c.attrs.int("keepdims", 1) === 1;
  if (nhwc && keep) no("ReduceMean with keepdims = 1 on an NHWC tensor is not supported (its [N, 1, 1, C] result stays NHWC)");
  read(c, x.id);
  const p = add({ kind: "pool", id: uid(c.name), input: x.id, mode: "avg", kernel: [h, w], stride: [1, 1], padding: [0, 0, 0, 0], countIncludePad: false, activation: "none" } as const);
  if (keep) return { value: { kind: "act", id: p.id }, note: "global average pooling", created: true };
  read(c, p.id);
  const f = add({ kind: "flatten", id: uid(`${c.name}/flatten`), input: p.id } as const);
  return { value: { kind: "act", id: f.id }, note: "global average pooling, flattened (keepdims 0)", created: true };
}

function batchNorm(c: Ctx): Handled {
  const x = actIn(c, 0);
  const [g, b, m, v] = [1, 2, 3, 4].map((k) => constIn(c, k, ["scale", "bias", "mean", "var"][k - 1]).data);
  const eps = c.attrs.float("epsilon", 1e-5);
  const k = Array.from(g, (gi, i) => gi / Math.sqrt(v[i] + eps));
  const shift = Array.from(b, (bi, i) => bi - m[i] * k[i]);
  if (isRawInput(c, x.id)) return foldInput(c, k, shift, x.id, "BatchNormalization");
  const n = c.byId.get(x.id)!;
  if ((n.kind !== "conv2d" && n.kind !== "dense") || n.activation !== "none" || !foldTarget(c, x.id))
    no(`BatchNormalization must follow a Conv or Gemm/MatMul (without activation, single consumer) to be folded; it follows '${x.id}' (${n.kind})`);
  scaleLayer(n, k, shift);
  return { value: { kind: "act", id: x.id }, note: `folded into '${n.id}'` };
}

function foldInput(c: Ctx, k: number[], shift: number[], id: string, what: string): Handled {
  const ch = c.input.shape.length === 3 ? c.input.shape[0] : 1;
  if (k.length !== ch && k.length !== 1) no(`${what} on the input has ${k.length} channels, the input ${ch}`);
  const pre = c.input.preprocess ?? { scale: new Array(ch).fill(1), shift: new Array(ch).fill(0) };
  for (let i = 0; i < ch; i++) {
    const ki = k.length === 1 ? k[0] : k[i], si = shift.length === 1 ? shift[0] : shift[i];
    pre.scale[i] *= ki;
    pre.shift[i] = pre.shift[i] * ki + si;
  }
  c.input.preprocess = pre;
  return { value: { kind: "act", id }, note: `folded into the input preprocessing` };
}

function arith(c: Ctx, add: <N extends AnnNode>(n: N) => N, uid: (b: string) => string): Handled {
  const [a, b] = c.ins;
  if (a?.kind === "act" && b?.kind === "act") {
    if (c.op !== "Add") no(`${c.op} of two activations is not supported`);
    if (a.pad || b.pad) no("input is padded");
    if (c.shapeOf(a.id).join() !== c.shapeOf(b.id).join()) no(`residual Add of shapes [${c.shapeOf(a.id).join(", ")}] and [${c.shapeOf(b.id).join(", ")}] (broadcasting is not supported)`);
    read(c, a.id);
    read(c, b.id);
    const n = add({ kind: "add", id: uid(c.name), inputs: [a.id, b.id], activation: "none" } as const);
    return { value: { kind: "act", id: n.id }, note: "residual add", created: true };
  }
  const actFirst = a?.kind === "act";
  const x = (actFirst ? a : b) as ActValue | undefined;
  const t = (actFirst ? b : a) as { kind: "const"; t: ConstTensor } | undefined;
  if (!x || x.kind !== "act" || !t || t.kind !== "const") no(`${c.op} needs an activation and a constant`);
  if (x!.pad) no("input is padded");
  if (!actFirst && (c.op === "Sub" || c.op === "Div")) no(`constant ${c.op === "Sub" ? "minus" : "divided by"} an activation is not supported`);
  if (x!.layout?.kind === "nhwc" && t!.t.data.length > 1 && !t!.t.dims.slice(0, -1).every((d) => d === 1))
    no(`constant of shape [${t!.t.dims.join(", ")}] on the NHWC input is not a scalar or per-channel (last axis) value`);
  const shape = c.shapeOf(x!.id);
  const ch = shape.length === 3 ? shape[0] : shape[0];
  const pc = perChannel(t!.t, isRawInput(c, x!.id) && shape.length === 1 ? 1 : ch);
  if (!pc) no(`constant of shape [${t!.t.dims.join(", ")}] is not a scalar or per-channel value`);
  const ones = pc!.map(() => 1), zeros = pc!.map(() => 0);
  const [k, s] = c.op === "Add" ? [ones, pc!] : c.op === "Sub" ? [ones, pc!.map((v) => -v)] : c.op === "Mul" ? [pc!, zeros] : [pc!.map((v) => 1 / v), zeros];
  if (isRawInput(c, x!.id)) return foldInput(c, k, s, x!.id, c.op);
  const n = c.byId.get(x!.id)!;
  if ((n.kind !== "conv2d" && n.kind !== "dense") || n.activation !== "none" || !foldTarget(c, x!.id))
    no(`${c.op} by a constant is folded only on the input or right after a Conv/Gemm/MatMul; here it follows '${x!.id}' (${n.kind})`);
  scaleLayer(n, k, s);
  return { value: { kind: "act", id: x!.id }, note: `folded into '${n.id}'` };
}

function flatten(c: Ctx, add: <N extends AnnNode>(n: N) => N, uid: (b: string) => string): Handled {
  const x = actIn(c, 0) as ActValue;
  if (x.pad) no("input is padded");
  const nhwc = x.layout?.kind === "nhwc";
  const chw = c.shapeOf(x.id);
  const s = nhwc ? [chw[1], chw[2], chw[0]] : chw; // the ONNX tensor's per-sample shape
  const size = shapeSize(s);
  if (c.op === "Flatten") {
    const axis = c.attrs.int("axis", 1);
    if (axis !== 1) no(`Flatten with axis ${axis} (only axis 1, per sample, is supported)`);
  } else {
    const target = Array.from(constIn(c, 1, "the target shape").data);
    const per = target.slice(1).map((d, i) => (d === 0 ? s[i] : d));
    const known = per.filter((d) => d !== -1).reduce((p, q) => p * q, 1);
    const resolved = per.map((d) => (d === -1 ? size / known : d));
    if (shapeSize(resolved) !== size) no(`cannot reshape [${s.join(", ")}] to [${target.join(", ")}]`);
    if (resolved.length === 3 && s.length === 1 && isRawInput(c, x.id) && !c.input.preprocess && !x.layout) {
      c.input.shape = resolved;
      return { value: { kind: "act", id: x.id }, note: "input reshaped" };
    }
    if (resolved.length !== 1) no(`only flattening reshapes are supported ([${s.join(", ")}] → [${resolved.join(", ")}])`);
  }
  if (s.length === 1) return { value: { kind: "act", id: x.id }, note: "removed (already flat)" };
  read(c, x.id);
  const n = add({ kind: "flatten", id: uid(c.name), input: x.id } as const);
  if (nhwc)
    return { value: { kind: "act", id: n.id, layout: { kind: "hwcflat", via: x.layout!.via, chw: chw as [number, number, number] } }, note: "flatten (of an NHWC tensor: C-major here, the next Gemm/MatMul's rows are permuted)", created: true };
  return { value: { kind: "act", id: n.id }, note: "flatten", created: true };
}

function concat(c: Ctx, add: <N extends AnnNode>(n: N) => N, uid: (b: string) => string): Handled {
  const xs = c.ins.map((_, k) => actIn(c, k));
  const rank = c.shapeOf(xs[0].id).length + 1;
  const axis = c.attrs.int("axis", 1);
  if (axis !== 1 && axis !== 1 - rank) no(`Concat along axis ${axis} (only channels, axis 1, is supported)`);
  if (xs.some((x) => x.pad)) no("input is padded");
  xs.forEach((x) => read(c, x.id));
  const n = add({ kind: "concat", id: uid(c.name), inputs: xs.map((x) => x.id), activation: "none" } as const);
  return { value: { kind: "act", id: n.id }, note: "channel concat", created: true };
}

function pad(c: Ctx): Handled {
  const x = actIn(c, 0);
  const mode = c.attrs.string("mode", "constant");
  if (mode !== "constant") no(`Pad mode '${mode}' (only constant zero padding is supported)`);
  const p = c.opset < 11 ? c.attrs.ints("pads", [])! : Array.from(constIn(c, 1, "pads").data);
  const value = c.opset < 11 ? c.attrs.float("value", 0) : c.ins[2] ? constIn(c, 2, "constant_value").data[0] : 0;
  if (value !== 0) no(`Pad value ${value} (only zero padding is supported)`);
  if (p.length !== 8 || p[0] || p[1] || p[4] || p[5]) no(`only spatial padding of a [N, C, H, W] tensor is supported, got pads [${p.join(", ")}]`);
  const prev = x.pad ?? [0, 0, 0, 0];
  return { value: { kind: "act", id: x.id, pad: [prev[0] + p[2], prev[1] + p[3], prev[2] + p[6], prev[3] + p[7]] }, note: "zero padding, folded into the next Conv/AveragePool" };
}
