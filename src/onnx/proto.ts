/**
 * ONNX protobuf access: decoding a model file (onnx-proto), reading tensors and attributes. Only the
 * importer (src/onnx/import.ts) uses this module; nothing after import reads protobuf.
 */
import type { onnx as OnnxTypes } from "onnx-proto";
import onnxProto from "onnx-proto"; // CommonJS: its named exports are not visible to Node's ESM loader

const onnx = onnxProto.onnx;
import { SpikewasmError } from "../errors.js";

/** A constant tensor from an initializer or a Constant node. */
export interface ConstTensor {
  dims: number[];
  /** values as float64 numbers (float, int and bool tensors alike) */
  data: Float64Array;
}

type IntLike = number | { toNumber(): number };

/** int64 from protobufjs (number or Long) to a JS number. */
export function num(x: IntLike | null | undefined): number {
  if (x === null || x === undefined) return 0;
  return typeof x === "number" ? x : x.toNumber();
}

/** Decodes an ONNX ModelProto; a truncated or non-ONNX file gets an error naming the file. */
export function decodeModel(bytes: Uint8Array, file: string): OnnxTypes.ModelProto {
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new SpikewasmError(`${file}: not a readable ONNX model (${(e as Error).message}); is the file truncated or of another format?`);
  }
  if (!model.graph || (model.graph.node ?? []).length === 0)
    throw new SpikewasmError(`${file}: no ONNX graph with nodes in this file (is it an ONNX model?)`);
  return model;
}

/** The default-domain opset version the model imports. */
export function opsetVersion(model: OnnxTypes.ModelProto): number {
  const d = model.opsetImport.find((o) => !o.domain || o.domain === "ai.onnx");
  return d ? num(d.version as IntLike) : 1;
}

const T = onnx.TensorProto.DataType;

/** Reads a TensorProto's values; external data and unsupported types are errors naming the tensor. */
export function readTensor(t: OnnxTypes.ITensorProto, where: string): ConstTensor {
  const dims = (t.dims ?? []).map((d) => num(d as IntLike));
  const bad = dims.findIndex((d) => !Number.isSafeInteger(d) || d < 0);
  if (bad >= 0) throw new SpikewasmError(`${where}: tensor '${t.name}' dimension ${bad} is ${dims[bad]}; dimensions must be integers >= 0`);
  const n = dims.reduce((a, b) => a * b, 1);
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData?.length ?? 0) > 0)
    throw new SpikewasmError(`${where}: tensor '${t.name}' keeps its data in an external file; re-export the model with the weights inside (torch.onnx.export without external data, or onnx.save(..., save_as_external_data=False))`);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  const type = t.dataType ?? 0;
  // the declared size is checked against the values present before anything is allocated from it
  const present = raw ? raw.length : (type === T.FLOAT ? t.floatData : type === T.DOUBLE ? t.doubleData : type === T.INT64 ? t.int64Data : t.int32Data)?.length ?? 0;
  if (n > present) throw new SpikewasmError(`${where}: tensor '${t.name}' declares dims [${dims.join(", ")}] (${n} values) but holds ${raw ? `${present} bytes` : `${present} values`}`);
  const out = new Float64Array(n);
  if (raw) {
    const buf = new ArrayBuffer(raw.length);
    new Uint8Array(buf).set(raw); // aligned copy
    const view = new DataView(buf);
    const size: Record<number, number> = { [T.FLOAT]: 4, [T.DOUBLE]: 8, [T.INT64]: 8, [T.INT32]: 4, [T.INT8]: 1, [T.UINT8]: 1, [T.BOOL]: 1, [T.INT16]: 2, [T.FLOAT16]: 2 };
    const s = size[type];
    if (!s) throw new SpikewasmError(`${where}: tensor '${t.name}' has unsupported data type ${onnx.TensorProto.DataType[type] ?? type}`);
    if (raw.length !== n * s) throw new SpikewasmError(`${where}: tensor '${t.name}' holds ${raw.length} bytes, expected ${n * s} for dims [${dims.join(", ")}]`);
    for (let i = 0; i < n; i++) {
      const o = i * s;
      switch (type) {
        case T.FLOAT: out[i] = view.getFloat32(o, true); break;
        case T.DOUBLE: out[i] = view.getFloat64(o, true); break;
        case T.INT64: out[i] = Number(view.getBigInt64(o, true)); break;
        case T.INT32: out[i] = view.getInt32(o, true); break;
        case T.INT16: out[i] = view.getInt16(o, true); break;
        case T.INT8: out[i] = view.getInt8(o); break;
        case T.FLOAT16: out[i] = half(view.getUint16(o, true)); break;
        default: out[i] = view.getUint8(o);
      }
    }
  } else {
    const src: ArrayLike<IntLike> =
      type === T.FLOAT ? t.floatData ?? [] : type === T.DOUBLE ? t.doubleData ?? [] : type === T.INT64 ? t.int64Data ?? [] : t.int32Data ?? [];
    if (src.length !== n) throw new SpikewasmError(`${where}: tensor '${t.name}' holds ${src.length} values, expected ${n} for dims [${dims.join(", ")}]`);
    for (let i = 0; i < n; i++) out[i] = num(src[i]);
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(out[i])) throw new SpikewasmError(`${where}: tensor '${t.name}' element ${i} is ${out[i]} (weights and constants must be finite)`);
  }
  return { dims, data: out };
}

function half(h: number): number {
  const e = (h >> 10) & 0x1f, m = h & 0x3ff, s = h & 0x8000 ? -1 : 1;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Typed access to a node's attributes with defaults. */
export class Attrs {
  private readonly map = new Map<string, OnnxTypes.IAttributeProto>();
  constructor(node: OnnxTypes.INodeProto) {
    for (const a of node.attribute ?? []) this.map.set(a.name ?? "", a);
  }
  has(name: string): boolean {
    return this.map.has(name);
  }
  int(name: string, dflt: number): number {
    const a = this.map.get(name);
    return a ? num(a.i as IntLike) : dflt;
  }
  float(name: string, dflt: number): number {
    const a = this.map.get(name);
    return a ? (a.f ?? dflt) : dflt;
  }
  ints(name: string, dflt: number[] | null): number[] | null {
    const a = this.map.get(name);
    return a ? (a.ints ?? []).map((x) => num(x as IntLike)) : dflt;
  }
  floats(name: string): number[] | null {
    const a = this.map.get(name);
    return a ? [...(a.floats ?? [])] : null;
  }
  string(name: string, dflt: string): string {
    const a = this.map.get(name);
    return a?.s ? new TextDecoder().decode(a.s) : dflt;
  }
  tensor(name: string): OnnxTypes.ITensorProto | null {
    return this.map.get(name)?.t ?? null;
  }
  /** names of every attribute (for reporting unexpected ones) */
  names(): string[] {
    return [...this.map.keys()];
  }
}
