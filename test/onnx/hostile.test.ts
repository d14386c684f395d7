// ONNX files from a careless or hostile hand: every one a SpikewasmError naming the file and the node or
// tensor, before anything is allocated from a declared size.
import onnxProto from "onnx-proto";
import { describe, expect, it } from "vitest";
import { SpikewasmError } from "../../src/errors.js";
import { importOnnx } from "../../src/onnx/import.js";
import { buildModel, init } from "../helpers/onnx-builder.js";
import { Rng } from "../../src/util/rng.js";

const onnx = onnxProto.onnx;
const rng = new Rng(3);
const conv = (attrs: Record<string, number[]>) => buildModel([1, 8, 8], [
  { op: "Conv", inputs: ["input", "w"], output: "c", attrs, name: "conv" }, { op: "Relu", inputs: ["c"], output: "y" },
], [init("w", [2, 1, 3, 3], rng)], "y");

function refused(bytes: Uint8Array, pattern: RegExp): void {
  let err: unknown;
  let imp;
  try { imp = importOnnx(bytes, "m.onnx"); } catch (e) { err = e; }
  if (!err) {
    const bad = imp!.nodes.filter((n) => !n.converts);
    expect(bad.length, "an unsupported node or an error").toBeGreaterThan(0);
    expect(bad.map((n) => n.note).join(" ")).toMatch(pattern);
    return;
  }
  expect(err).toBeInstanceOf(SpikewasmError);
  expect((err as Error).message).toMatch(pattern);
}

describe("importOnnx on hostile models", () => {
  it("an initializer declaring [100000, 100000, 3, 3] with no data is refused before allocation", () => {
    const big = { name: "w", dims: [100000, 100000, 3, 3], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [] };
    const m = buildModel([1, 8, 8], [{ op: "Conv", inputs: ["input", "w"], output: "y" }], [big], "y");
    refused(m, /m\.onnx: initializer: tensor 'w' declares dims \[100000, 100000, 3, 3\] \(90000000000 values\) but holds 0 values/);
  });
  it("a negative dimension is named", () => {
    const neg = { name: "w", dims: [2, -1, 3, 3], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [1] };
    refused(buildModel([1, 8, 8], [{ op: "Conv", inputs: ["input", "w"], output: "y" }], [neg], "y"), /tensor 'w' dimension 1 is -1; dimensions must be integers >= 0/);
  });
  it("strides [0, 0] and negative pads are named on the Conv, not blamed on a later node", () => {
    refused(conv({ strides: [0, 0] }), /strides must be 2 integers >= 1 \(2-D\), got \[0, 0\]/);
    refused(conv({ pads: [-1, 0, 0, 0] }), /pads must be integers >= 0, got \[-1, 0, 0, 0\]/);
  });
  it("an op in another domain is not taken for the standard op", () => {
    const bytes = buildModel([4], [{ op: "Relu", inputs: ["input"], output: "y" }], [], "y");
    const m = onnx.ModelProto.decode(bytes);
    m.graph!.node![0].domain = "com.example";
    refused(onnx.ModelProto.encode(m).finish(), /operator domain 'com\.example' is not the standard ONNX domain/);
  });
  it("a second graph input and an output no node produces are refused by name", () => {
    const bytes = buildModel([4], [{ op: "Relu", inputs: ["input"], output: "y" }], [], "y");
    const m = onnx.ModelProto.decode(bytes);
    m.graph!.input!.push({ name: "extra", type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 4 }] } } } });
    refused(onnx.ModelProto.encode(m).finish(), /the graph has 2 inputs \('input', 'extra'\); spikewasm converts models with one input/);
    const m2 = onnx.ModelProto.decode(bytes);
    m2.graph!.output![0].name = "nowhere";
    refused(onnx.ModelProto.encode(m2).finish(), /the graph output 'nowhere' is produced by no node/);
  });
});

describe("importOnnx input shapes", () => {
  it("a height of -28 or 0 is named as such, not as dynamic", () => {
    for (const h of [-28, 0]) {
      const m = onnx.ModelProto.decode(buildModel([1, 28, 28], [{ op: "Relu", inputs: ["input"], output: "y" }], [], "y"));
      m.graph!.input![0].type!.tensorType!.shape!.dim![2] = { dimValue: h };
      refused(onnx.ModelProto.encode(m).finish(), new RegExp(`input 'input' dimension 2 is ${h}; dimensions must be >= 1`));
    }
  });
});
