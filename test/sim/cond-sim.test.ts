/**
 * "cond_exp" populations (PyNN IF_cond_exp) in the Simulator: on a small two-layer network with
 * mixed-sign weights, spike input and a pause, every layer's spikes and the output membrane equal a
 * hand-driven loop of the kernel condStep (TypeScript reference) fed by hand-computed regular input
 * trains and hand-accumulated conductances (float32, spike order) — in split mode (W+ into accE, |W-|
 * into accI) and signed mode, on both back ends, with tolerance zero. Plus: current coding, the graph
 * check's named errors, and the JSON round trip of the new fields.
 */
import { describe, expect, it } from "vitest";
import { checkGraph } from "../../src/ir/check.js";
import { type CondExpParams, type SnnGraph, condExpNeuron } from "../../src/ir/graph.js";
import { parseGraph, stringifyGraph } from "../../src/ir/json.js";
import { SNABSUITE_IF_COND_EXP, condConstants } from "../../src/reference/cond.js";
import { createReferenceKernels } from "../../src/reference/index.js";
import { Simulator } from "../../src/sim/simulator.js";
import { Rng } from "../../src/util/rng.js";
import { BACKENDS } from "../helpers/sim.js";

const f32 = Math.fround;
const P: CondExpParams = { ...SNABSUITE_IF_COND_EXP, tau_refrac: 2, i_offset: 0.05, dt: 1 };
const N_IN = 6, N_H = 5, N_OUT = 3;

function weights(rng: Rng, nIn: number, nOut: number, scale: number): Float32Array {
  return Float32Array.from({ length: nIn * nOut }, () => f32((rng.uniform() - 0.3) * scale));
}

function net(accumulate: "split" | "signed"): SnnGraph {
  const rng = new Rng(11);
  return {
    nodes: [
      { kind: "input", id: "in", shape: [N_IN] },
      { kind: "dense", id: "h", input: "in", units: N_H, weights: weights(rng, N_IN, N_H, 0.08), neuron: condExpNeuron(P, 1, accumulate) },
      { kind: "dense", id: "out", input: "h", units: N_OUT, weights: weights(rng, N_H, N_OUT, 0.1),
        bias: Float32Array.of(0.02, -0.01, 0), neuron: condExpNeuron(P, 1, accumulate) },
    ],
  };
}

/** One layer driven by hand: its own memory, the reference condStep, conductance inputs accumulated here. */
class HandLayer {
  private readonly mem = new WebAssembly.Memory({ initial: 1 });
  private readonly k = createReferenceKernels(this.mem);
  private readonly F = new Float32Array(this.mem.buffer);
  private readonly I = new Int32Array(this.mem.buffer);
  // byte addresses: v, accE, accI, gE, gI, bias, ref, spikes, counts, total, first (16 words each)
  private readonly a = Array.from({ length: 11 }, (_, i) => 64 + 64 * i);
  constructor(readonly n: number, private readonly split: boolean, bias: Float32Array | null) {
    this.F.fill(P.v_rest, this.a[0] >> 2, (this.a[0] >> 2) + n);
    this.I.fill(-1, this.a[10] >> 2, (this.a[10] >> 2) + n);
    if (bias) this.F.set(bias, this.a[5] >> 2);
    this.hasBias = bias !== null;
  }
  private readonly hasBias: boolean;

  /** Adds the rows of W (nIn × n) of the sources that spiked, in list order, W+ / |W-| (split) or W (signed). */
  input(spikes: number[], w: Float32Array): void {
    for (const i of spikes)
      for (let j = 0; j < this.n; j++) {
        const x = w[i * this.n + j];
        if (!this.split) this.F[(this.a[1] >> 2) + j] = f32(this.F[(this.a[1] >> 2) + j] + x);
        else if (x > 0) this.F[(this.a[1] >> 2) + j] = f32(this.F[(this.a[1] >> 2) + j] + x);
        else if (x < 0) this.F[(this.a[2] >> 2) + j] = f32(this.F[(this.a[2] >> 2) + j] - x);
      }
  }

  step(t: number): number[] {
    const c = condConstants(P, 1);
    const [v, accE, accI, gE, gI, bias, ref, spikes, counts, total, first] = this.a;
    const k = this.k.condStep(v, accE, this.split ? accI : 0, gE, gI, this.hasBias ? bias : 0, ref, spikes, counts, total, first, 1, this.n,
      c.gL, c.gLEL, c.eE, c.eI, c.decayE, c.decayI, c.meanE, c.meanI, c.dtOverCm, c.vThresh, c.vReset, c.refractory, t);
    return Array.from(this.I.subarray(spikes >> 2, (spikes >> 2) + k)).sort((x, y) => x - y);
  }

  get v(): number[] {
    return Array.from(this.F.subarray(this.a[0] >> 2, (this.a[0] >> 2) + this.n));
  }
}

/** Regular trains (src/sim/input.ts): input i spikes at step t when floor(t·p_i) > floor((t−1)·p_i), p_i = min(1, rate·x_i) rounded to float32. */
function regularSpikes(x: Float32Array, rate: number, t: number): number[] {
  const out: number[] = [];
  x.forEach((xi, i) => {
    const p = f32(Math.min(1, Math.max(0, f32(xi * rate))));
    if (Math.floor(t * p) > Math.floor((t - 1) * p)) out.push(i);
  });
  return out;
}

describe("Simulator: cond_exp populations equal condStep driven by hand", () => {
  const x = Float32Array.of(1, 0.8, 0.55, 0.3, 0.9, 0.05);
  const RATE = 0.4, T = 120, INPUT_STEPS = 90;
  for (const accumulate of ["split", "signed"] as const)
    for (const backend of BACKENDS)
      it(`${accumulate} accumulation, ${backend} back end: spikes of both layers and the output membrane, every step, input off after step ${INPUT_STEPS}`, async () => {
        const g = net(accumulate);
        const sim = await Simulator.create(g, { backend });
        const r = sim.run(x, { steps: T, coding: "regular", rate: RATE, inputSteps: INPUT_STEPS });
        const [, h, out] = g.nodes as [unknown, { weights: Float32Array }, { weights: Float32Array; bias: Float32Array }];
        const H = new HandLayer(N_H, accumulate === "split", null), O = new HandLayer(N_OUT, accumulate === "split", out.bias);
        let hSpikes = 0, oSpikes = 0;
        for (let t = 1; t <= T; t++) {
          const sIn = t <= INPUT_STEPS ? regularSpikes(x, RATE, t) : [];
          expect(r.inputSpikesPerStep[t - 1], `input spikes at step ${t}`).toBe(sIn.length);
          H.input(sIn, h.weights);
          const sH = H.step(t);
          O.input(sH, out.weights);
          const sO = O.step(t);
          hSpikes += sH.length;
          oSpikes += sO.length;
          expect(r.layers[0].spikesPerStep[t - 1], `hidden spikes at step ${t}`).toBe(sH.length);
          expect(r.layers[1].spikesPerStep[t - 1], `output spikes at step ${t}`).toBe(sO.length);
          expect(Array.from(r.output.membrane.subarray((t - 1) * N_OUT, t * N_OUT)), `output membrane at step ${t}`).toEqual(O.v);
        }
        // the scenario exercises what it claims: both layers fire, the pause silences the input
        expect(hSpikes).toBeGreaterThan(20);
        expect(oSpikes).toBeGreaterThan(5);
        expect(Array.from(r.inputSpikesPerStep.subarray(INPUT_STEPS)).every((s) => s === 0)).toBe(true);
        // split and signed differ only when a neuron gets both signs in one step; synaptic events count each spike once
        expect(r.layers[0].synapticEvents).toBe(Array.from(r.inputSpikesPerStep).reduce((a, s) => a + s, 0) * N_H);
      });

  it("the membrane rests at v_rest + i_offset/gL without input and follows the exact exponential from v_init", async () => {
    const p: CondExpParams = { ...P, tau_refrac: 0, i_offset: 0 };
    const g: SnnGraph = { nodes: [
      { kind: "input", id: "in", shape: [1] },
      { kind: "dense", id: "n", input: "in", units: 1, weights: Float32Array.of(0.01), neuron: { ...condExpNeuron(p, 0.5), vInit: -70 } },
    ] };
    const r = (await Simulator.create(g)).run([0], { steps: 40, coding: "regular", rate: 0.1 });
    for (let t = 1; t <= 40; t++) expect(r.output.membrane[t - 1]).toBeCloseTo(-65 - 5 * Math.exp(-(t * 0.5) / 20), 3);
  });

  it("current coding: the input current splits into W+ (excitatory) and |W-| (inhibitory) conductance every step", async () => {
    const g = net("split");
    const [wasm, js] = await Promise.all(BACKENDS.map((b) => Simulator.create(g, { backend: b })));
    const a = wasm.run(x, { steps: 50 }), b = js.run(x, { steps: 50 });
    expect(Array.from(a.output.membrane)).toEqual(Array.from(b.output.membrane));
    expect(a.layers[0].spikeCounts.reduce((s, c) => s + c, 0)).toBeGreaterThan(0);
    // by hand: constant xE = Σ x_i W+_ij, xI = Σ x_i |W-_ij| (float32, input order)
    const h = (g.nodes[1] as { weights: Float32Array }).weights;
    const H = new HandLayer(N_H, true, null);
    const spikes: number[][] = [];
    for (let t = 1; t <= 50; t++) {
      for (let i = 0; i < N_IN; i++) {
        const row = Float32Array.from(h.subarray(i * N_H, (i + 1) * N_H), (w) => f32(w * x[i]));
        H.input([0], row);
      }
      spikes.push(H.step(t));
    }
    expect(Array.from(a.layers[0].spikesPerStep)).toEqual(spikes.map((s) => s.length));
  });
});

describe("cond_exp in the graph: named errors and JSON", () => {
  const base = () => net("split");
  const bad = (edit: (g: SnnGraph) => void): () => void => () => {
    const g = base();
    edit(g);
    checkGraph(g);
  };
  it("refuses a missing cond, a threshold other than v_thresh, generic fields, bad parameters and two dts", () => {
    const n = (g: SnnGraph, i = 1) => (g.nodes[i] as unknown as { neuron: Record<string, unknown> }).neuron;
    expect(bad((g) => delete n(g).cond)).toThrow(/layer 'h' \(dense\): neuron.cond .* is required for model "cond_exp"/);
    expect(bad((g) => (n(g).threshold = 1))).toThrow(/layer 'h' \(dense\): neuron.threshold \(1\) must equal neuron.cond.v_thresh \(-55 mV\)/);
    expect(bad((g) => (n(g).leak = 0.9))).toThrow(/neuron.leak does not apply to model "cond_exp" \(set neuron.cond.tau_m instead\)/);
    expect(bad((g) => (n(g).cond = { ...P, tau_m: 0 }))).toThrow(/neuron.cond.tau_m must be > 0, got 0/);
    expect(bad((g) => (n(g).cond = { ...P, cm: Number.NaN }))).toThrow(/neuron.cond.cm must be a finite number/);
    expect(bad((g) => (n(g).cond = { ...P, v_reset: -50 }))).toThrow(/v_reset \(-50 mV\) must be below v_thresh/);
    expect(bad((g) => (n(g).cond = { ...P, accumulate: "both" as never }))).toThrow(/accumulate must be "split" or "signed"/);
    expect(bad((g) => (n(g, 2).cond = { ...P, dt: 0.1 }))).toThrow(/layer 'out' \(dense\): neuron.cond.dt is 0.1 ms but layer 'h' has 1 ms/);
    expect(bad((g) => (n(g).spiking = false))).toThrow(/spiking false is not supported for model "cond_exp"/);
    expect(bad((g) => (n(g).model = "lif"))).toThrow(/neuron.cond applies only to model "cond_exp"/);
  });

  it("round-trips through JSON with every cond field, and simulates identically", async () => {
    const g = base();
    const back = parseGraph(stringifyGraph(g));
    expect(back).toEqual(g);
    const x = Float32Array.of(1, 0.5, 0.2, 0.9, 0.7, 0.3);
    const run = async (gr: SnnGraph) => (await Simulator.create(gr)).run(x, { steps: 60, coding: "regular", rate: 0.3 });
    expect(Array.from((await run(back)).output.membrane)).toEqual(Array.from((await run(g)).output.membrane));
  });
});
