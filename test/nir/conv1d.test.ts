/**
 * NIR Conv1d: a 1-D signal [C, L] is the graph's [C, 1, L] and a Conv1d a conv2d with kernel [1, K]
 * (src/nir/to-snn.ts). Checked against an independent hand-written 1-D convolution + neuron loop (every
 * weight, bias and threshold is a small dyadic number, so every sum is exact in float32 whatever the
 * summation order, and the membrane update is emulated with Math.fround as the kernels do it), against
 * the same network built directly as a conv2d graph, and through export → write → read → import.
 */
import { describe, expect, it } from "vitest";
import { checkGraph } from "../../src/ir/check.js";
import type { NeuronParams, SnnGraph } from "../../src/ir/graph.js";
import { NirError } from "../../src/nir/errors.js";
import { nirToSnn, readNir, snnToNir, validateNir, writeNir } from "../../src/nir/index.js";
import { type NirGraph, type NirNode, type NirPrimitive, f32, f64, i64, str } from "../../src/nir/types.js";
import { Simulator, type SimResult } from "../../src/sim/simulator.js";
import { Rng } from "../../src/util/rng.js";
import { BACKENDS } from "../helpers/sim.js";
import { caught, expectNirProblems, graph, p } from "./helpers.js";

const DT = 1 / 1024; // with r = 1/dt (IF) or tau = 4·dt, r = 4 (LIF) the gain g is exactly 1: thresholds carry over
const fr = Math.fround;

const full = (shape: number[], v: number) => f64(new Float64Array(shape.reduce((a, b) => a * b, 1)).fill(v), shape);

/** NIR neuron node of `shape`: IF (r = 1/dt) or LIF (tau = 4·dt, r = 4, leak 0.75), reset to 0. */
function neuronNode(model: "IF" | "LIF", shape: number[], vth: number): NirPrimitive {
  if (model === "IF") return p("IF", { r: full(shape, 1 / DT), v_threshold: full(shape, vth), v_reset: full(shape, 0) });
  return p("LIF", { tau: full(shape, 4 * DT), r: full(shape, 4), v_leak: full(shape, 0), v_threshold: full(shape, vth), v_reset: full(shape, 0) });
}
const spikewasmNeuron = (model: "IF" | "LIF", vth: number): NeuronParams =>
  model === "IF" ? { model: "if", threshold: vth, reset: "value" } : { model: "lif", threshold: vth, leak: 0.75, reset: "value" };

/** Random multiples of 1/8 in [-1, 1). */
function dyadic(rng: Rng, n: number, bias = 0): Float32Array {
  return Float32Array.from({ length: n }, () => Math.floor(rng.uniform() * 16 - 8 + bias) / 8);
}

interface Case {
  name: string;
  c: number; len: number; cout: number; k: number;
  stride: number; padding: number | "same" | "valid"; dilation: number; groups: number;
  conv: "IF" | "LIF"; units: number;
}

const CASES: Case[] = [
  { name: "padding 1, IF", c: 2, len: 9, cout: 3, k: 3, stride: 1, padding: 1, dilation: 1, groups: 1, conv: "IF", units: 4 },
  { name: 'padding "same", dilation 2, LIF', c: 2, len: 10, cout: 4, k: 3, stride: 1, padding: "same", dilation: 2, groups: 1, conv: "LIF", units: 3 },
  { name: "stride 2, padding 2, groups 2, LIF", c: 4, len: 11, cout: 2, k: 5, stride: 2, padding: 2, dilation: 1, groups: 2, conv: "LIF", units: 5 },
  { name: 'stride 2, "valid", IF', c: 3, len: 12, cout: 3, k: 4, stride: 2, padding: "valid", dilation: 1, groups: 1, conv: "IF", units: 2 },
];

/** Left/right padding and output length of a case (PyTorch's rules). */
function geometry(cs: Case): { pl: number; pr: number; lout: number } {
  const total = cs.dilation * (cs.k - 1);
  const [pl, pr] = cs.padding === "same" ? [Math.floor(total / 2), total - Math.floor(total / 2)] : cs.padding === "valid" ? [0, 0] : [cs.padding, cs.padding];
  return { pl, pr, lout: Math.floor((cs.len + pl + pr - total - 1) / cs.stride) + 1 };
}

interface Net {
  cs: Case;
  lout: number;
  convW: Float32Array; convB: Float32Array; vthConv: number;
  fcW: Float32Array; fcB: Float32Array; vthFc: number; // fcW: NIR [units, cout·lout]
}

function makeNet(cs: Case, seed: number): Net {
  const r = new Rng(seed);
  const { lout } = geometry(cs);
  return {
    cs, lout,
    convW: dyadic(r, cs.cout * (cs.c / cs.groups) * cs.k, 2), convB: dyadic(r, cs.cout).map((x) => x / 4), vthConv: 0.75,
    fcW: dyadic(r, cs.units * cs.cout * lout, 3), fcB: dyadic(r, cs.units).map((x) => x / 8), vthFc: 1.25,
  };
}

/** Input [C, L] → Conv1d → IF/LIF → Flatten → Affine → LIF → Output, as a NIR graph in memory. */
function nirNet(n: Net): NirGraph {
  const { cs, lout } = n;
  const padding = typeof cs.padding === "number" ? i64([cs.padding]) : str(cs.padding);
  return graph([
    ["input", p("Input", { shape: i64([cs.c, cs.len]) })],
    ["conv", p("Conv1d", {
      weight: f32(n.convW, [cs.cout, cs.c / cs.groups, cs.k]), bias: f32(n.convB, [cs.cout]),
      stride: i64([cs.stride]), padding, dilation: i64([cs.dilation]), groups: i64(cs.groups), input_shape: i64(cs.len),
    })],
    ["lif1", neuronNode(cs.conv, [cs.cout, lout], n.vthConv)],
    ["flat", p("Flatten", { start_dim: i64(0), end_dim: i64(-1), input_type: i64([cs.cout, lout]) })],
    ["fc", p("Affine", { weight: f32(n.fcW, [cs.units, cs.cout * lout]), bias: f32(n.fcB, [cs.units]) })],
    ["lif2", neuronNode("LIF", [cs.units], n.vthFc)],
    ["output", p("Output", { shape: i64([cs.units]) })],
  ], [["input", "conv"], ["conv", "lif1"], ["lif1", "flat"], ["flat", "fc"], ["fc", "lif2"], ["lif2", "output"]]);
}

/** The same network written directly as a spikewasm conv2d graph on [C, 1, L]. */
function conv2dNet(n: Net): SnnGraph {
  const { cs, lout } = n;
  const { pl, pr } = geometry(cs);
  const nIn = cs.cout * lout;
  const dense = new Float32Array(nIn * cs.units); // spikewasm [in][out]
  for (let o = 0; o < cs.units; o++) for (let i = 0; i < nIn; i++) dense[i * cs.units + o] = n.fcW[o * nIn + i];
  const conv: SnnGraph["nodes"][number] = {
    kind: "conv2d", id: "lif1", input: "input", outChannels: cs.cout, kernel: [1, cs.k],
    weights: Float32Array.from(n.convW), bias: Float32Array.from(n.convB), neuron: spikewasmNeuron(cs.conv, n.vthConv),
  };
  if (cs.stride !== 1) conv.stride = [1, cs.stride];
  if (pl || pr) conv.padding = [0, pl, 0, pr];
  if (cs.dilation !== 1) conv.dilation = [1, cs.dilation];
  if (cs.groups !== 1) conv.groups = cs.groups;
  return {
    nodes: [
      { kind: "input", id: "input", shape: [cs.c, 1, cs.len] },
      conv,
      { kind: "flatten", id: "flat", input: "lif1" },
      { kind: "dense", id: "lif2", input: "flat", units: cs.units, weights: dense, bias: Float32Array.from(n.fcB), neuron: spikewasmNeuron("LIF", n.vthFc) },
    ],
  };
}

/** Input values whose regular-coding probabilities (rate 1) are exact: 0, 1/4, 1/2, 1. */
function inputs(n: Net, batch: number, seed: number): Float32Array {
  const r = new Rng(seed);
  const vals = [0, 0.25, 0.5, 1];
  return Float32Array.from({ length: batch * n.cs.c * n.cs.len }, () => vals[Math.floor(r.uniform() * 4)]);
}

/** One population of IF/LIF neurons with reset to 0, as src/reference/neuron.ts computes it in float32. */
function neuronUpdate(v: Float32Array, acc: Float64Array, bias: (j: number) => number, leak: number, vth: number): number[] {
  const spikes: number[] = [];
  for (let j = 0; j < v.length; j++) {
    const x = fr(acc[j] + bias(j));
    let u = fr(fr(leak * v[j]) + x);
    if (u >= vth) {
      u = 0;
      spikes.push(j);
    }
    v[j] = u;
  }
  return spikes;
}

/** Independent reference: spike lists [t][b] of the conv population ([Cout, Lout], C-major) and the output. */
function reference(n: Net, x: Float32Array, batch: number, steps: number): { conv: number[][][]; out: number[][][] } {
  const { cs, lout } = n;
  const { pl } = geometry(cs);
  const cinG = cs.c / cs.groups, coutG = cs.cout / cs.groups;
  const leakConv = cs.conv === "IF" ? 1 : 0.75;
  const conv: number[][][] = [], out: number[][][] = [];
  const v1 = Array.from({ length: batch }, () => new Float32Array(cs.cout * lout));
  const v2 = Array.from({ length: batch }, () => new Float32Array(cs.units));
  for (let t = 1; t <= steps; t++) {
    conv.push([]);
    out.push([]);
    for (let b = 0; b < batch; b++) {
      // regular coding, rate 1: input i spikes at step t when floor(t·p) > floor((t−1)·p)
      const sIn = (ci: number, pos: number) => {
        if (pos < 0 || pos >= cs.len) return 0; // zero padding
        const pr = x[b * cs.c * cs.len + ci * cs.len + pos];
        return Math.floor(t * pr) > Math.floor((t - 1) * pr) ? 1 : 0;
      };
      // y[co][l] = Σ_cc Σ_kk w[co][cc][kk] · s[g·cinG + cc][l·stride − pl + kk·dilation]
      const acc1 = new Float64Array(cs.cout * lout);
      for (let co = 0; co < cs.cout; co++) {
        const g = Math.floor(co / coutG);
        for (let l = 0; l < lout; l++)
          for (let cc = 0; cc < cinG; cc++)
            for (let kk = 0; kk < cs.k; kk++)
              acc1[co * lout + l] += n.convW[(co * cinG + cc) * cs.k + kk] * sIn(g * cinG + cc, l * cs.stride - pl + kk * cs.dilation);
      }
      const s1 = neuronUpdate(v1[b], acc1, (j) => n.convB[Math.floor(j / lout)], leakConv, n.vthConv);
      const nIn = cs.cout * lout;
      const acc2 = new Float64Array(cs.units);
      for (const i of s1) for (let o = 0; o < cs.units; o++) acc2[o] += n.fcW[o * nIn + i];
      const s2 = neuronUpdate(v2[b], acc2, (j) => n.fcB[j], 0.75, n.vthFc);
      conv[t - 1].push(s1);
      out[t - 1].push(s2);
    }
  }
  return { conv, out };
}

/** A population's recorded spikes as lists [t][b]. */
function trains(res: SimResult, id: string): number[][][] {
  const L = res.layers.find((l) => l.id === id)!;
  const tr = L.spikeTrain!;
  const out: number[][][] = [];
  for (let t = 0; t < res.steps; t++) {
    out.push([]);
    for (let b = 0; b < res.batch; b++) {
      const k = t * res.batch + b;
      out[t].push(Array.from(tr.indices.subarray(tr.offsets[k], tr.offsets[k + 1])));
    }
  }
  return out;
}

async function run(g: SnnGraph, backend: "wasm" | "js", x: Float32Array, batch: number, coding: "regular" | "poisson", steps = 40): Promise<SimResult> {
  const sim = await Simulator.create(g, { batch, backend });
  return sim.run(x, { steps, coding, rate: coding === "regular" ? 1 : 0.7, seed: 9, recordSpikes: true });
}


describe("NIR Conv1d import: [C, L] → [C, 1, L], Conv1d → conv2d with kernel [1, K]", () => {
  CASES.forEach((cs, k) => {
    it(`${cs.name}: written, read, converted; equals the hand-built conv2d graph and the hand-written 1-D loop`, async () => {
      const net = makeNet(cs, 100 + k);
      const file = await readNir(await writeNir(nirNet(net)), "conv1d.nir");
      expect(file.nodes.get("conv")?.type).toBe("Conv1d");
      const warnings: string[] = [];
      const g = nirToSnn(file, { dt: DT, file: "conv1d.nir", onWarning: (m) => warnings.push(m) });
      expect(warnings).toEqual([]); // the [C, 1, L] layout is exact, not an approximation
      expect(checkGraph(g).shapes.get("lif1")).toEqual([cs.cout, 1, net.lout]);
      expect(g).toEqual(conv2dNet(net));

      const batch = 3, steps = 40;
      const x = inputs(net, batch, 7 + k);
      const ref = reference(net, x, batch, steps);
      // the reference must actually exercise the network: spikes in both layers
      expect(ref.conv.flat(2).length).toBeGreaterThan(20);
      expect(ref.out.flat(2).length).toBeGreaterThan(3);
      for (const backend of BACKENDS) {
        const res = await run(g, backend, x, batch, "regular", steps);
        expect(trains(res, "lif1")).toEqual(ref.conv);
        expect(trains(res, "lif2")).toEqual(ref.out);
        // and bit-identical to the directly built conv2d graph (Poisson input as well)
        const direct = conv2dNet(net);
        expect(await run(g, backend, x, batch, "poisson")).toEqual(await run(direct, backend, x, batch, "poisson"));
      }
    });
  });

  it("round trip: import → export → write → read → import gives the identical SnnGraph (exported as Conv2d on [C, 1, L])", async () => {
    for (const [k, cs] of CASES.entries()) {
      const net = makeNet(cs, 200 + k);
      const g = nirToSnn(await readNir(await writeNir(nirNet(net)), "a.nir"), { dt: DT });
      const warnings: string[] = [];
      const nir = snnToNir(g, { dt: DT, onWarning: (m) => warnings.push(m) });
      expect(warnings).toEqual([]);
      const again = await readNir(await writeNir(nir), "b.nir");
      // documented: the graph does not remember 1-D-ness, so the file holds the equivalent Conv2d
      const conv = again.nodes.get("lif1.weight") as NirPrimitive;
      expect(conv.type).toBe("Conv2d");
      expect((conv.params.weight as { shape: number[] }).shape).toEqual([cs.cout, cs.c / cs.groups, 1, cs.k]);
      expect(Array.from(((again.nodes.get("input") as NirPrimitive).params.shape as { data: Float64Array }).data)).toEqual([cs.c, 1, cs.len]);
      const back = nirToSnn(again, { file: "b.nir" });
      expect(back).toEqual(g);
      // and once more: export of the re-imported graph is the same NIR graph
      expect(snnToNir(back, { dt: DT })).toEqual(nir);
    }
  });

  it("a [C, L] Input → Flatten → Affine stays C-major: same output as the [C·L] input with no flatten", async () => {
    const r = new Rng(3);
    const w = dyadic(r, 4 * 6, 3);
    const lifN = neuronNode("LIF", [4], 0.5);
    const aff = p("Affine", { weight: f32(w, [4, 6]), bias: f32(new Float32Array(4), [4]) });
    const twoD = graph([["in", p("Input", { shape: i64([2, 3]) })], ["flat", p("Flatten", { start_dim: i64(0), end_dim: i64(-1), input_type: i64([2, 3]) })],
      ["fc", aff], ["n", lifN], ["out", p("Output", { shape: i64([4]) })]], [["in", "flat"], ["flat", "fc"], ["fc", "n"], ["n", "out"]]);
    const oneD = graph([["in", p("Input", { shape: i64([6]) })], ["fc", aff], ["n", lifN], ["out", p("Output", { shape: i64([4]) })]],
      [["in", "fc"], ["fc", "n"], ["n", "out"]]);
    const g2 = nirToSnn(await readNir(await writeNir(twoD), "2d.nir"), { dt: DT });
    const g1 = nirToSnn(oneD, { dt: DT });
    expect(g2.nodes[0]).toEqual({ kind: "input", id: "in", shape: [2, 1, 3] });
    expect(g2.nodes[1]).toEqual({ kind: "flatten", id: "flat", input: "in" });
    expect(g2.nodes[2]).toEqual({ ...g1.nodes[1], input: "flat" });
    const x = Float32Array.from({ length: 12 }, () => r.uniform());
    for (const backend of BACKENDS) {
      const a = await (await Simulator.create(g2, { batch: 2, backend })).run(x, { steps: 30 });
      const b = await (await Simulator.create(g1, { batch: 2, backend })).run(x, { steps: 30 });
      expect(a.output).toEqual(b.output);
    }
    // a batch-first Flatten (start_dim 1, input_type [1, C, L]) is a whole-sample flatten too
    const batchFirst = graph([...twoD.nodes].map(([k, n]): [string, NirNode] =>
      [k, k === "flat" ? p("Flatten", { start_dim: i64(1), end_dim: i64(-1), input_type: i64([1, 2, 3]) }) : n]), twoD.edges);
    expect(nirToSnn(batchFirst, { dt: DT })).toEqual(g2);
  });
});

describe("NIR Conv1d: what is refused, with reasons", () => {
  const base = makeNet(CASES[0], 1);

  it("Conv1d on a non-[C, L] input, Conv2d / pooling on a [C, L] signal, \"same\" with stride 2, bad input_shape", () => {
    const conv1 = p("Conv1d", { weight: f32(new Float32Array(6), [1, 2, 3]), bias: f32(new Float32Array(1), [1]), stride: i64([2]), padding: str("same"), dilation: i64([1]), groups: i64(1) });
    const g = graph([
      ["in", p("Input", { shape: i64([2, 8]) })],
      ["c", conv1], ["n1", neuronNode("IF", [1, 4], 1)],
      ["c2", p("Conv2d", { weight: f32(new Float32Array(2), [1, 2, 1, 1]), bias: f32(new Float32Array(1), [1]), stride: i64([1, 1]), padding: i64([0, 0]), dilation: i64([1, 1]), groups: i64(1) })],
      ["n2", neuronNode("IF", [1, 1, 8], 1)],
      ["pool", p("SumPool2d", { kernel_size: i64([1, 2]), stride: i64([1, 2]), padding: i64([0, 0]) })],
      ["n3", neuronNode("IF", [2, 1, 4], 1)],
      ["flat", p("Flatten", { start_dim: i64(0), end_dim: i64(-1) })],
      ["c3", p("Conv1d", { weight: f32(new Float32Array(3), [1, 1, 3]), bias: f32(new Float32Array(1), [1]), stride: i64(1), padding: i64(0), dilation: i64(1), groups: i64(1) })],
      ["n4", neuronNode("IF", [1, 14], 1)],
      ["c4", p("Conv1d", { weight: f32(new Float32Array(6), [1, 2, 3]), bias: f32(new Float32Array(1), [1]), stride: i64(1), padding: i64(1), dilation: i64(1), groups: i64(1), input_shape: i64(9) })],
      ["n5", neuronNode("IF", [1, 8], 1)],
      ["out", p("Output", { shape: i64([1, 8]) })],
    ], [["in", "c"], ["c", "n1"], ["in", "c2"], ["c2", "n2"], ["in", "pool"], ["pool", "n3"], ["in", "flat"], ["flat", "c3"], ["c3", "n4"],
      ["in", "c4"], ["c4", "n5"], ["n5", "out"]]);
    const e = expectNirProblems(g, { dt: DT, file: "bad1d.nir" }, [
      "node 'c' (Conv1d): padding \"same\" with stride 2 is not supported",
      "node 'c2' (Conv2d): input 'in' is a 1-D signal [2, 8]; a Conv2d takes [C, H, W] (use Conv1d)",
      "node 'pool' (SumPool2d): input 'in' is a 1-D signal [2, 8]; a SumPool2d takes [C, H, W]",
      "node 'c3' (Conv1d): input 'flat' has shape [16]; a Conv1d takes a 1-D signal [C, L]",
      "node 'c4' (Conv1d): input_shape [9] but 'in' has length 8",
    ]);
    expect(e.kind).toBe("unsupported");
  });

  it("validateNir checks a Conv1d weight is [Cout, Cin/groups, K] and matches its bias", () => {
    const nir = nirNet(base);
    const bad = graph([...nir.nodes].map(([k, n]): [string, NirNode] =>
      [k, k === "conv" ? p("Conv1d", { ...(n as NirPrimitive).params, weight: f32(base.convW, [3, 2, 3, 1]) }) : n]), nir.edges);
    expect(validateNir(bad, "w.nir")).toContain("w.nir: node 'conv' (Conv1d): weight has shape [3, 2, 3, 1], expected [Cout, Cin/groups, K]");
    const badBias = graph([...nir.nodes].map(([k, n]): [string, NirNode] =>
      [k, k === "conv" ? p("Conv1d", { ...(n as NirPrimitive).params, bias: f32(new Float32Array(2), [2]) }) : n]), nir.edges);
    expect(validateNir(badBias, "b.nir")).toContain("b.nir: node 'conv' (Conv1d): bias has 2 values but weight has 3 output channels");
    expect(validateNir(nir, "ok.nir")).toEqual([]);
  });

  it("Delay and Threshold are still refused, each with its reason", () => {
    const w = f32(new Float32Array(4).fill(0.5), [2, 2]);
    const g = graph([
      ["in", p("Input", { shape: i64([2]) })],
      ["d", p("Delay", { delay: f64([1e-3, 1e-3]) })],
      ["w", p("Linear", { weight: w })],
      ["th", p("Threshold", { threshold: f64([0.5, 0.5]) })],
      ["n", neuronNode("IF", [2], 1)],
      ["out", p("Output", { shape: i64([2]) })],
    ], [["in", "d"], ["d", "w"], ["w", "n"], ["n", "th"], ["th", "out"]]);
    const e = caught(() => nirToSnn(g, { dt: DT, file: "dt.nir" }));
    expect(e.message).toContain("node 'd' (Delay): primitive Delay has no spikewasm equivalent: the simulator has no per-connection delays");
    expect(e.message).toContain("node 'th' (Threshold): primitive Threshold has no spikewasm equivalent: a memoryless Heaviside step of its input has no stateful neuron equivalent");
  });
});
