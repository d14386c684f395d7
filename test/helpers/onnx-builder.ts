/**
 * Builds small ONNX models in memory (onnx-proto encode) for importer and inference tests, so every
 * supported operator can be exercised without Python; onnxruntime-web runs the same bytes as the oracle.
 */
import type { onnx as OnnxTypes } from "onnx-proto";
import onnxProto from "onnx-proto"; // CommonJS: its named exports are not visible to Node's ESM loader

const onnx = onnxProto.onnx;
import { Rng } from "../../src/util/rng.js";

export interface NodeSpec {
  op: string;
  inputs: string[];
  output: string;
  attrs?: Record<string, number | number[] | string | { floats: number[] }>;
  name?: string;
}

/** A float initializer with seeded random values in [-scale, scale) (or given values). */
export function init(name: string, dims: number[], rngOrValues: Rng | number[], scale = 0.5): OnnxTypes.ITensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  const vals = Array.isArray(rngOrValues) ? rngOrValues : Array.from({ length: n }, () => (rngOrValues.uniform() * 2 - 1) * scale);
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: vals };
}

/** An int64 initializer (shapes, pads). */
export function initInt(name: string, values: number[]): OnnxTypes.ITensorProto {
  return { name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values };
}

function attr(name: string, v: NodeSpec["attrs"] extends Record<string, infer V> | undefined ? V : never): OnnxTypes.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof v === "number") return Number.isInteger(v) && !name.match(/eps|alpha|beta|min|max|value/) ? { name, type: A.INT, i: v } : { name, type: A.FLOAT, f: v };
  if (typeof v === "string") return { name, type: A.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: A.INTS, ints: v };
  return { name, type: A.FLOATS, floats: v.floats };
}

/** Encodes a model with one float input [N, ...shape] and one output. */
export function buildModel(inputShape: number[], nodes: NodeSpec[], inits: OnnxTypes.ITensorProto[], output: string, opset = 13): Uint8Array {
  const dim = (d: number | string) => (typeof d === "string" ? { dimParam: d } : { dimValue: d });
  const model: OnnxTypes.IModelProto = {
    irVersion: 8,
    producerName: "spikewasm-test",
    opsetImport: [{ domain: "", version: opset }],
    graph: {
      name: "g",
      node: nodes.map((n, k) => ({ name: n.name ?? `${n.op.toLowerCase()}_${k}`, opType: n.op, input: n.inputs, output: [n.output], attribute: Object.entries(n.attrs ?? {}).map(([a, v]) => attr(a, v)) })),
      initializer: inits,
      input: [{ name: "input", type: { tensorType: { elemType: 1, shape: { dim: ["N", ...inputShape].map(dim) } } } }],
      output: [{ name: output, type: { tensorType: { elemType: 1 } } }],
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

/** Runs a model with onnxruntime-web (the oracle); returns the output as Float32Array. */
export async function runOrt(bytes: Uint8Array, input: Float32Array, dims: number[]): Promise<Float32Array> {
  const ort = await import("onnxruntime-web");
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(bytes);
  const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", input, dims) };
  const res = await session.run(feeds);
  return res[session.outputNames[0]].data as Float32Array;
}

/** Row-wise softmax of B rows: what the oracle still applies when the importer dropped a final Softmax. */
export function softmax(x: Float32Array, B: number): Float32Array {
  const n = x.length / B, y = new Float32Array(x.length);
  for (let b = 0; b < B; b++) {
    const row = x.subarray(b * n, (b + 1) * n), m = Math.max(...row);
    const e = Array.from(row, (v) => Math.exp(v - m)), s = e.reduce((p, q) => p + q, 0);
    e.forEach((v, i) => (y[b * n + i] = v / s));
  }
  return y;
}
