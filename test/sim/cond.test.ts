/**
 * condStep (PyNN IF_cond_exp, assembly/cond.ts): the WASM kernel against its TypeScript reference
 * with tolerance zero, and both against closed-form answers (firing period under a constant
 * conductance) and a fine-step double-precision solution of the ODE (a conductance pulse).
 */
import { describe, expect, it } from "vitest";
import { condConstants, exp32, type IfCondExpParams, SNABSUITE_IF_COND_EXP } from "../../src/reference/cond.js";
import { createReferenceKernels } from "../../src/reference/index.js";
import { createWasmKernels, type Kernels } from "../../src/sim/kernels.js";
import { Rng } from "../../src/util/rng.js";
import { bits } from "../helpers/sim.js";

/** Byte offsets of one layer's buffers in a fresh memory (the same plan in every memory). */
function plan(B: number, n: number) {
  const m = B * n;
  let at = 64;
  const take = (words: number) => { const a = at; at += ((words + 3) & ~3) * 4; return a; };
  return { v: take(m), accE: take(m), accI: take(m), gE: take(m), gI: take(m), bias: take(n), ref: take(m),
    spikes: take(m + 3), counts: take(B), total: take(m), first: take(m), end: at };
}
type Plan = ReturnType<typeof plan>;

interface Layer { k: Kernels; mem: WebAssembly.Memory; p: Plan; B: number; n: number }

async function layer(backend: "wasm" | "js", B: number, n: number, v0: number): Promise<Layer> {
  const mem = new WebAssembly.Memory({ initial: 2 });
  const k = backend === "wasm" ? await createWasmKernels(mem) : createReferenceKernels(mem);
  const p = plan(B, n);
  new Float32Array(mem.buffer, p.v, B * n).fill(v0);
  new Int32Array(mem.buffer, p.first, B * n).fill(-1);
  return { k, mem, p, B, n };
}

interface Opts { split: boolean; bias: boolean; refractory: number; hold?: boolean; params?: IfCondExpParams }

function step(L: Layer, o: Opts, t: number): number {
  const c = condConstants(o.params ?? SNABSUITE_IF_COND_EXP, 1, o.hold);
  const r = o.refractory;
  return L.k.condStep(L.p.v, L.p.accE, o.split ? 0 : L.p.accI, L.p.gE, L.p.gI, o.bias ? L.p.bias : 0, r > 0 ? L.p.ref : 0,
    L.p.spikes, L.p.counts, L.p.total, L.p.first, L.B, L.n,
    c.gL, c.gLEL, c.eE, c.eI, c.decayE, c.decayI, c.meanE, c.meanI, c.dtOverCm, c.vThresh, c.vReset, r, t);
}

const f32view = (L: Layer, at: number, len: number) => new Float32Array(L.mem.buffer, at, len);
const i32view = (L: Layer, at: number, len: number) => new Int32Array(L.mem.buffer, at, len);

describe("condStep: WASM and TypeScript reference agree bit for bit", () => {
  const cases: Opts[] = [];
  for (const split of [false, true]) for (const bias of [false, true]) for (const refractory of [0, 2]) cases.push({ split, bias, refractory });
  it.each(cases)("random inputs, 3 samples x 23 neurons, 200 steps, options %o", async (o) => {
    const B = 3, n = 23, T = 200;
    const rng = new Rng(7 + (o.split ? 1 : 0) + (o.bias ? 2 : 0) + o.refractory);
    const [w, j] = await Promise.all([layer("wasm", B, n, -65), layer("js", B, n, -65)]);
    const bias = Float32Array.from({ length: n }, () => (rng.uniform() - 0.3) * 0.3); // nA
    let spikes = 0;
    for (const L of [w, j]) f32view(L, L.p.bias, n).set(bias);
    for (let t = 1; t <= T; t++) {
      // sparse inputs of a few SNABSuite-sized weights (<= 0.025 µS each), sometimes large, both signs
      const e = new Float32Array(B * n), i = new Float32Array(B * n);
      for (let q = 0; q < B * n; q++) {
        const u = rng.uniform();
        e[q] = u < 0.3 ? Math.fround(rng.uniform() * 0.1) : u < 0.32 ? Math.fround(rng.uniform() * 2) : 0;
        i[q] = rng.uniform() < 0.1 ? Math.fround(rng.uniform() * 0.05) : 0;
        if (o.split && rng.uniform() < 0.2) e[q] = -i[q];
      }
      const counts: number[] = [];
      for (const L of [w, j]) {
        f32view(L, L.p.accE, B * n).set(e);
        if (!o.split) f32view(L, L.p.accI, B * n).set(i);
        counts.push(step(L, o, t));
      }
      expect(counts[0], `step ${t}`).toBe(counts[1]);
      spikes += counts[0];
      expect(Array.from(i32view(w, w.p.spikes, counts[0])), `step ${t} list`).toEqual(Array.from(i32view(j, j.p.spikes, counts[1])));
      for (const [at, len] of [[w.p.v, B * n], [w.p.gE, B * n], [w.p.gI, B * n], [w.p.accE, B * n], [w.p.accI, B * n]] as const) {
        expect(bits(f32view(w, at, len)), `step ${t} @${at}`).toEqual(bits(f32view(j, at, len)));
      }
      for (const [at, len] of [[w.p.counts, B], [w.p.total, B * n], [w.p.first, B * n], [w.p.ref, B * n]] as const) {
        expect(Array.from(i32view(w, at, len)), `step ${t} @${at}`).toEqual(Array.from(i32view(j, at, len)));
      }
    }
    expect(spikes).toBeGreaterThan(100); // the comparison covers spiking, resets and refractory holds
  });

  it("exp32 is within 4e-7 (relative) of Math.exp on [-80, 0]", () => {
    let worst = 0;
    for (let y = -80; y <= 0; y += 0.00731) {
      const want = Math.exp(Math.fround(y));
      worst = Math.max(worst, Math.abs(exp32(y) - want) / want);
    }
    expect(worst).toBeLessThan(4e-7);
  });
});

describe("condStep against closed forms and a fine-step solution", () => {
  it("constant conductance: the firing period is ceil(ln((vInf - vReset)/(vInf - vThresh)) cm/(gT dt)) + refractory", async () => {
    const p = SNABSUITE_IF_COND_EXP;
    let checked = 0;
    for (const refractory of [0, 3]) {
      for (const g of [0.003, 0.004, 0.006, 0.01, 0.02, 0.05, 0.1]) {
        const gT = p.cm / p.tau_m + g;
        const vInf = (p.cm / p.tau_m * p.v_rest + g * p.e_rev_E) / gT;
        const x = Math.log((vInf - p.v_reset) / (vInf - p.v_thresh)) * p.cm / gT;
        if (Math.abs(x - Math.round(x)) < 1e-3) continue; // threshold reached at a step boundary: f32 decides
        const period = Math.ceil(x) + refractory;
        for (const backend of ["wasm", "js"] as const) {
          const L = await layer(backend, 1, 5, p.v_reset);
          const params = { ...p, tau_syn_E: 1e-9, tau_refrac: refractory }; // decay 0: g = this step's input
          const o: Opts = { split: false, bias: false, refractory, hold: true, params };
          const times: number[] = [];
          for (let t = 1; t <= 400; t++) {
            f32view(L, L.p.accE, 5).fill(g);
            if (step(L, o, t) > 0) times.push(t);
          }
          expect(times.length, `g ${g}`).toBeGreaterThan(2);
          expect(times[0], `g ${g}`).toBe(period - refractory); // from v_reset, no hold before the first spike
          for (let s = 1; s < times.length; s++) expect(times[s] - times[s - 1], `g ${g}`).toBe(period);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(20);
  });

  it("a sub-threshold pulse from rest: the trajectory stays within 0.02 mV of a 1 µs-step solution (step mean of g)", async () => {
    const p = SNABSUITE_IF_COND_EXP, T = 40;
    for (const w of [0.002, 0.005, 0.01]) {
      // reference: exact exponential conductance from t = 0, V by RK4 at h = 1e-3 ms, double precision
      const gL = p.cm / p.tau_m, h = 1e-3;
      const dv = (t: number, v: number) => (gL * (p.v_rest - v) + w * Math.exp(-t / p.tau_syn_E) * (p.e_rev_E - v)) / p.cm;
      const fine: number[] = [];
      let v = p.v_rest, t = 0;
      for (let s = 1; s <= T; s++) {
        for (let q = 0; q < 1000; q++) {
          const k1 = dv(t, v), k2 = dv(t + h / 2, v + h / 2 * k1), k3 = dv(t + h / 2, v + h / 2 * k2), k4 = dv(t + h, v + h * k3);
          v += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
          t += h;
        }
        fine.push(v);
      }
      const errors: Record<string, number> = {};
      for (const hold of [false, true]) {
        for (const backend of ["wasm", "js"] as const) {
          const L = await layer(backend, 1, 4, p.v_rest);
          let worst = 0;
          for (let s = 1; s <= T; s++) {
            f32view(L, L.p.accE, 4).fill(s === 1 ? w : 0);
            expect(step(L, { split: false, bias: false, refractory: 0, hold }, s)).toBe(0);
            worst = Math.max(worst, Math.abs(f32view(L, L.p.v, 4)[0] - fine[s - 1]));
          }
          errors[`${hold ? "hold" : "mean"} ${backend}`] = worst;
        }
      }
      const peak = Math.max(...fine) - p.v_rest;
      expect(peak + p.v_rest).toBeLessThan(p.v_thresh);
      expect(errors["mean wasm"]).toBe(errors["mean js"]);
      expect(errors["mean wasm"]).toBeLessThan(0.02);
      expect(errors["hold wasm"]).toBeGreaterThan(errors["mean wasm"]); // the step mean is the better choice
      console.log(`IF_cond_exp pulse ${w} µS: PSP peak ${peak.toFixed(4)} mV; max |V - fine| step mean ${errors["mean wasm"].toFixed(4)} mV, hold ${errors["hold wasm"].toFixed(4)} mV`);
    }
  });
});
