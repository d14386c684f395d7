/**
 * Layout oracle: a naive simulator written here, independent of src/sim (no plan, no channels-last
 * layout, no weight permutation, no event-driven scatter). It works on the graph as written — [C, H, W]
 * activations, ONNX-layout weights, gather-style convolution and pooling, straightforward dense — and
 * implements the equations in the header of assembly/neuron.ts with Math.fround per operation.
 * With dyadic weights and inputs every float32 sum is exact whatever its order, so the Simulator must
 * agree with it bit for bit; a wrong permutation anywhere shows up as a different spike count.
 * Max pooling is gathered as defined: each window's first (y-major, then x) input with the highest
 * running spike count including this step passes its spike (1) or not (0); on an analog input
 * (current coding) the window's largest value.
 */
import { describe, expect, it } from "vitest";
import { checkGraph } from "../../src/ir/check.js";
import { type SnnGraph, type SnnNode, isPopulation, resolveNeuron, shapeSize } from "../../src/ir/graph.js";
import { Simulator } from "../../src/sim/simulator.js";
import { SpikewasmError } from "../../src/errors.js";
import { Rng } from "../../src/util/rng.js";
import { BACKENDS, bits } from "../helpers/sim.js";
import { randomGraph, randomInputs } from "../helpers/random-graph.js";
import { concatGraphs } from "../helpers/concat-graphs.js";

const fr = Math.fround;
interface OracleResult { counts: Map<string, Int32Array>; first: Map<string, Int32Array>; membrane: Float32Array }

/**
 * Input current (gather) of `node` for every sample, from this step's activations `act` ([B][n] each, CHW)
 * and the running spike counts `totals` (including this step; absent for an analog input).
 */
function gather(
  node: SnnNode, act: Map<string, Float64Array>, totals: Map<string, Int32Array>, shapes: Map<string, number[]>, B: number,
): Float64Array {
  const outS = shapes.get(node.id)!, n = shapeSize(outS);
  const acc = new Float64Array(B * n);
  const add = (i: number, a: number, w: number) => { if (a !== 0) acc[i] = fr(acc[i] + fr(a * w)); };
  if (node.kind === "add") {
    node.inputs.forEach((id, k) => {
      const a = act.get(id)!, s = fr(node.scales?.[k] ?? 1);
      for (let i = 0; i < B * n; i++) add(i, a[i], s);
    });
    return acc;
  }
  if (node.kind === "concat") {
    // [C, H, W] inputs stacked along channels, or 1-D inputs one after another: in CHW order both are
    // contiguous blocks, input k at the offset of the sizes before it
    let off = 0;
    node.inputs.forEach((id, k) => {
      const a = act.get(id)!, s = fr(node.scales?.[k] ?? 1), nIn = shapeSize(shapes.get(id)!);
      for (let b = 0; b < B; b++) for (let i = 0; i < nIn; i++) add(b * n + off + i, a[b * nIn + i], s);
      off += nIn;
    });
    return acc;
  }
  if (node.kind !== "dense" && node.kind !== "conv2d" && node.kind !== "pool") throw new Error(node.kind);
  const a = act.get(node.input)!, inS = shapes.get(node.input)!, nIn = shapeSize(inS);
  for (let b = 0; b < B; b++) {
    const x = (i: number) => a[b * nIn + i], o = b * n;
    if (node.kind === "dense") {
      for (let j = 0; j < n; j++) for (let i = 0; i < nIn; i++) add(o + j, x(i), node.weights[i * n + j]);
      continue;
    }
    const [C, H, W] = inS, [OC, OH, OW] = outS, [kh, kw] = node.kernel;
    const [sh, sw] = node.stride ?? (node.kind === "pool" ? node.kernel : [1, 1]);
    const [pt, pl] = node.padding ?? [0, 0, 0, 0];
    const [dh, dw] = node.kind === "conv2d" ? (node.dilation ?? [1, 1]) : [1, 1];
    const g = node.kind === "conv2d" ? (node.groups ?? 1) : 1, cinG = C / g, coutG = OC / g;
    for (let oc = 0; oc < OC; oc++)
      for (let oy = 0; oy < OH; oy++)
        for (let ox = 0; ox < OW; ox++) {
          const j = o + (oc * OH + oy) * OW + ox;
          const inside = (ky: number, kx: number) => {
            const y = oy * sh - pt + ky * dh, xx = ox * sw - pl + kx * dw;
            return y >= 0 && y < H && xx >= 0 && xx < W ? y * W + xx : -1;
          };
          if (node.kind === "pool" && node.mode === "max") {
            // spikes: the window passes (max count now) − (max count before this step); analog: the max value
            const tot = totals.get(node.input);
            let now = -Infinity, before = -Infinity;
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const p = inside(ky, kx);
                if (p < 0) continue; // padding is not an input
                const v = tot ? tot[b * nIn + oc * H * W + p] : x(oc * H * W + p);
                now = Math.max(now, v);
                if (tot) before = Math.max(before, v - x(oc * H * W + p));
              }
            add(j, tot ? now - before : now, 1);
            continue;
          }
          if (node.kind === "pool") {
            let cnt = 0;
            for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) if (inside(ky, kx) >= 0) cnt++;
            const s = node.mode === "sum" ? 1 : fr(1 / ((node.countIncludePad ?? true) ? kh * kw : cnt));
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) if (inside(ky, kx) >= 0) add(j, x(oc * H * W + inside(ky, kx)), s);
            continue;
          }
          const grp = Math.floor(oc / coutG);
          for (let cl = 0; cl < cinG; cl++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const p = inside(ky, kx);
                if (p >= 0) add(j, x((grp * cinG + cl) * H * W + p), node.weights[((oc * cinG + cl) * kh + ky) * kw + kx]);
              }
        }
  }
  return acc;
}

/** The naive simulation: current or regular coding, T steps, B samples of x ([B][C*H*W] or [B][n]). */
function oracle(graph: SnnGraph, x: Float32Array, B: number, T: number, coding: "current" | "regular"): OracleResult {
  const { shapes, output } = checkGraph(graph);
  const st = new Map<string, { v: Float64Array; syn: Float64Array; ref: Int32Array; count: Int32Array; first: Int32Array }>();
  const nOut = shapeSize(shapes.get(output)!);
  const membrane = new Float32Array(T * B * nOut);
  for (const node of graph.nodes) {
    if (!isPopulation(node)) continue;
    const len = B * shapeSize(shapes.get(node.id)!);
    st.set(node.id, { v: new Float64Array(len).fill(fr(resolveNeuron(node.neuron).vInit)), syn: new Float64Array(len),
      ref: new Int32Array(len), count: new Int32Array(len), first: new Int32Array(len).fill(-1) });
  }
  const totals = new Map([...st].map(([k, v]) => [k, v.count]));
  const inputTotal = new Int32Array(x.length);
  for (let t = 1; t <= T; t++) {
    const act = new Map<string, Float64Array>();
    for (const node of graph.nodes) {
      if (node.kind === "input") {
        const p = Array.from(x, (v) => fr(Math.min(1, Math.max(0, v))));
        act.set(node.id, Float64Array.from(coding === "current" ? x : p.map((q) => (Math.floor(t * q) > Math.floor((t - 1) * q) ? 1 : 0))));
        if (coding !== "current") {
          act.get(node.id)!.forEach((a, i) => (inputTotal[i] += a));
          totals.set(node.id, inputTotal);
        }
        continue;
      }
      if (node.kind === "flatten") { act.set(node.id, act.get(node.input)!); continue; }
      const acc = gather(node, act, totals, shapes, B);
      const nr = resolveNeuron(node.neuron), s = st.get(node.id)!, shape = shapes.get(node.id)!;
      const [theta, leak, d, vReset] = [fr(nr.threshold), fr(nr.leak), fr(nr.synDecay), fr(nr.vReset)];
      const bias = node.kind === "dense" || node.kind === "conv2d" ? node.bias : undefined;
      const n = shapeSize(shape), hw = shape.length === 3 ? shape[1] * shape[2] : 1;
      const spikes = new Float64Array(B * n);
      for (let i = 0; i < B * n; i++) {
        let xi = acc[i];
        if (d > 0) xi = s.syn[i] = fr(fr(d * s.syn[i]) + xi);
        if (bias) xi = fr(xi + bias[Math.floor((i % n) / hw)]);
        if (nr.refractory > 0 && s.ref[i] > 0) { s.ref[i]--; continue; }
        let u = fr(fr(leak * s.v[i]) + xi);
        if (nr.spiking && u >= theta) {
          u = nr.reset === "subtract" ? fr(u - theta) : vReset;
          s.ref[i] = nr.refractory;
          s.count[i]++;
          if (s.first[i] < 0) s.first[i] = t;
          spikes[i] = 1;
        }
        s.v[i] = u;
      }
      act.set(node.id, spikes);
      if (node.id === output) membrane.set(s.v, (t - 1) * B * nOut);
    }
  }
  return { counts: new Map([...st].map(([k, v]) => [k, v.count])), first: new Map([...st].map(([k, v]) => [k, v.first])), membrane };
}

async function compare(graph: SnnGraph, x: Float32Array, B: number, coding: "current" | "regular", backend: "wasm" | "js", label: string) {
  const T = 25;
  const want = oracle(graph, x, B, T, coding);
  const sim = await Simulator.create(graph, { batch: B, backend });
  const r = sim.run(x, { steps: T, coding });
  for (const l of r.layers) {
    expect(Array.from(l.spikeCounts), `${label}: layer ${l.id} spike counts`).toEqual(Array.from(want.counts.get(l.id)!));
    expect(Array.from(l.firstSpike), `${label}: layer ${l.id} first spikes`).toEqual(Array.from(want.first.get(l.id)!));
  }
  expect(bits(r.output.membrane), `${label}: output membrane`).toEqual(bits(want.membrane));
  return r.layers.reduce((a, l) => a + l.spikeCounts.reduce((p, q) => p + q, 0), 0);
}

/** Dyadic random weights (multiples of 1/64 in [-1, 1]). */
function dw(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => Math.round((rng.uniform() * 2 - 1) * 64) / 64);
}

const IF = { model: "if", threshold: 1 } as const;
const LIF = { model: "lif", threshold: 1, leak: 0.75, refractory: 1, synDecay: 0.5, vInit: 0.5 } as const;

/** Hand-built graphs for the layout corner cases the random generator does not produce. */
function handGraphs(): [string, SnnGraph, number][] {
  const r = new Rng(99);
  return [
    ["add of two flattened conv outputs, then dense", { nodes: [
      { kind: "input", id: "in", shape: [2, 4, 5] },
      { kind: "conv2d", id: "c1", input: "in", outChannels: 3, kernel: [3, 3], padding: [1, 1, 1, 1], weights: dw(r, 54), bias: dw(r, 3), neuron: IF },
      { kind: "conv2d", id: "c2", input: "in", outChannels: 3, kernel: [1, 1], weights: dw(r, 6), neuron: LIF },
      { kind: "flatten", id: "f1", input: "c1" }, { kind: "flatten", id: "f2", input: "c2" },
      { kind: "add", id: "sum", inputs: ["f1", "f2"], scales: [1, 0.5], neuron: IF },
      { kind: "dense", id: "out", input: "sum", units: 4, weights: dw(r, 240), neuron: IF }] }, 40],
    ["pool straight on the input; a 3-D conv layer is the output", { output: "conv", nodes: [
      { kind: "input", id: "in", shape: [3, 5, 5] },
      { kind: "pool", id: "p", input: "in", mode: "avg", kernel: [2, 2], stride: [1, 1], padding: [1, 1, 0, 0], countIncludePad: false, neuron: { model: "if", threshold: 0.5 } },
      { kind: "conv2d", id: "conv", input: "p", outChannels: 2, kernel: [2, 2], weights: dw(r, 24), bias: dw(r, 2), neuron: LIF },
      { kind: "flatten", id: "f", input: "conv" },
      { kind: "dense", id: "after", input: "f", units: 3, weights: dw(r, 96), neuron: IF }] }, 75],
    ["add reading the network input directly, scales [0.5, 1]", { nodes: [
      { kind: "input", id: "in", shape: [2, 4, 4] },
      { kind: "conv2d", id: "c", input: "in", outChannels: 2, kernel: [3, 3], padding: [1, 1, 1, 1], weights: dw(r, 36), neuron: IF },
      { kind: "add", id: "res", inputs: ["in", "c"], scales: [0.5, 1], neuron: { model: "if", threshold: 1, reset: "value", vReset: -0.25 } },
      { kind: "flatten", id: "f", input: "res" },
      { kind: "dense", id: "out", input: "f", units: 5, weights: dw(r, 160), neuron: IF }] }, 32],
    ["dense straight on a 3-D input (flatten of the input)", { nodes: [
      { kind: "input", id: "in", shape: [3, 3, 4] },
      { kind: "flatten", id: "f", input: "in" },
      { kind: "dense", id: "out", input: "f", units: 6, weights: dw(r, 216), bias: dw(r, 6), neuron: IF }] }, 36],
    ["max pools: 3x3 stride 2 padding 1 on the input, 2x2 on a conv layer", { nodes: [
      { kind: "input", id: "in", shape: [2, 7, 6] },
      { kind: "pool", id: "mp0", input: "in", mode: "max", kernel: [3, 3], stride: [2, 2], padding: [1, 1, 1, 1], neuron: IF },
      { kind: "conv2d", id: "c", input: "mp0", outChannels: 3, kernel: [2, 2], padding: [1, 1, 0, 0], weights: dw(r, 24), bias: dw(r, 3), neuron: IF },
      { kind: "pool", id: "mp1", input: "c", mode: "max", kernel: [2, 2], stride: [1, 1], neuron: LIF },
      { kind: "flatten", id: "f", input: "mp1" },
      { kind: "dense", id: "out", input: "f", units: 4, weights: dw(r, 72), neuron: IF }] }, 84],
    ...concatGraphs(r, dw),
  ];
}

describe("the Simulator agrees exactly with a naive [C, H, W] simulator (layout oracle)", () => {
  for (const backend of BACKENDS) {
    it(`random dyadic graphs, seeds 1..48, current and regular coding (${backend})`, async () => {
      let active = 0;
      for (let seed = 1; seed <= 48; seed++) {
        const g = randomGraph(seed, { dyadic: true });
        const B = 1 + (seed % 3), n = shapeSize((g.nodes[0] as { shape: number[] }).shape);
        const x = randomInputs(seed, B, n, true);
        if ((await compare(g, x, B, "current", backend, `seed ${seed} current`)) > 0) active++;
        await compare(g, x, B, "regular", backend, `seed ${seed} regular`);
      }
      expect(active).toBeGreaterThan(36);
    });

    it(`random dyadic graphs with max pools, seeds 1..32, current and regular coding (${backend})`, async () => {
      let active = 0;
      for (let seed = 1; seed <= 32; seed++) {
        const g = randomGraph(seed, { dyadic: true, maxPool: true });
        const B = 1 + (seed % 3), n = shapeSize((g.nodes[0] as { shape: number[] }).shape);
        const x = randomInputs(seed, B, n, true);
        if ((await compare(g, x, B, "current", backend, `seed ${seed} current, max pools`)) > 0) active++;
        await compare(g, x, B, "regular", backend, `seed ${seed} regular, max pools`);
      }
      expect(active).toBeGreaterThan(24);
    });

    for (const [name, g, n] of handGraphs()) {
      it(`${name} (${backend})`, async () => {
        const x = randomInputs(3, 2, n, true);
        expect(await compare(g, x, 2, "current", backend, name)).toBeGreaterThan(0);
        await compare(g, x, 2, "regular", backend, name);
      });
    }
  }

  // A flattened [C, H, W] tensor keeps the channels-last element order in memory, so an add can only
  // combine flattened tensors of the same [C, H, W]; anything else must be refused, not mixed up.
  it("an add of flattened tensors of different [C, H, W] shapes (same size) is refused, naming the layer", async () => {
    const r = new Rng(5);
    const g: SnnGraph = { nodes: [
      { kind: "input", id: "in", shape: [2, 4, 6] },
      { kind: "conv2d", id: "c1", input: "in", outChannels: 3, kernel: [1, 1], weights: dw(r, 6), neuron: IF },
      { kind: "conv2d", id: "c2", input: "in", outChannels: 6, kernel: [1, 2], stride: [1, 2], weights: dw(r, 24), neuron: IF },
      { kind: "flatten", id: "f1", input: "c1" }, { kind: "flatten", id: "f2", input: "c2" },
      { kind: "add", id: "mix", inputs: ["f1", "f2"], neuron: IF }] };
    expect(() => checkGraph(g)).not.toThrow(); // both are [72]: valid as a graph...
    const err = await Simulator.create(g).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpikewasmError); // ...but their element orders cannot be matched
    expect((err as Error).message).toMatch(/layer 'mix'.*\[3, 4, 6\].*\[6, 4, 3\]/);
  });

  it("a concat of flattened tensors of different [C, H, W] shapes, or of a flattened and a 1-D tensor, is refused", async () => {
    const r = new Rng(7);
    const g: SnnGraph = { nodes: [
      { kind: "input", id: "in", shape: [2, 4, 6] },
      { kind: "conv2d", id: "c1", input: "in", outChannels: 3, kernel: [1, 1], weights: dw(r, 6), neuron: IF },
      { kind: "conv2d", id: "c2", input: "in", outChannels: 6, kernel: [1, 2], stride: [1, 2], weights: dw(r, 24), neuron: IF },
      { kind: "flatten", id: "f1", input: "c1" }, { kind: "flatten", id: "f2", input: "c2" },
      { kind: "concat", id: "cat", inputs: ["f1", "f2"], neuron: IF }] };
    expect(checkGraph(g).shapes.get("cat")).toEqual([144]);
    const err = await Simulator.create(g).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpikewasmError);
    expect((err as Error).message).toMatch(/layer 'cat' \(concat\).*\[3, 4, 6\].*\[6, 4, 3\]/);
    const g2: SnnGraph = { nodes: [
      { kind: "input", id: "in", shape: [1, 2, 3] },
      { kind: "flatten", id: "f", input: "in" },
      { kind: "dense", id: "d", input: "f", units: 6, weights: dw(r, 36), neuron: IF },
      { kind: "concat", id: "mix", inputs: ["d", "f"], neuron: IF }] };
    await expect(Simulator.create(g2)).rejects.toThrow(/layer 'mix' \(concat\).*flattened \[C, H, W\] tensor with a 1-D one/);
  });

  it("an add of a flattened [C, H, W] tensor and a 1-D tensor is refused, naming the layer", async () => {
    const r = new Rng(6);
    const g: SnnGraph = { nodes: [
      { kind: "input", id: "in", shape: [1, 2, 3] },
      { kind: "flatten", id: "f", input: "in" },
      { kind: "dense", id: "d", input: "f", units: 6, weights: dw(r, 36), neuron: IF },
      { kind: "add", id: "mix", inputs: ["f", "d"], neuron: IF }] };
    await expect(Simulator.create(g)).rejects.toThrow(/layer 'mix'/);
  });
});
