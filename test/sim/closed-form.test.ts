/**
 * Single neurons with a constant input current, checked against closed forms of the equations in the
 * header of assembly/neuron.ts, through the whole Simulator on both back ends. The graph is
 * input [1] -> dense 1 unit (weight I) with input value 1 under "current" coding, so the neuron
 * receives exactly x = I at every step.
 */
import { describe, expect, it } from "vitest";
import type { NeuronParams } from "../../src/ir/graph.js";
import { BACKENDS, oneNeuron, simulate } from "../helpers/sim.js";

const f = Math.fround;

/** Runs one neuron for T steps; returns its cumulative count and membrane after each step. */
async function trace(backend: (typeof BACKENDS)[number], I: number, neuron: NeuronParams, T: number, bias?: number, x = 1) {
  const r = await simulate(oneNeuron(I, neuron, bias), [x], { steps: T, coding: "current" }, backend);
  return { counts: Array.from(r.output.counts), membrane: Array.from(r.output.membrane), first: r.layers[0].firstSpike[0] };
}

/** Steps (1-based) at which the cumulative count increased. */
function spikeSteps(counts: number[]): number[] {
  return counts.flatMap((c, i) => (c > (i === 0 ? 0 : counts[i - 1]) ? [i + 1] : []));
}

for (const backend of BACKENDS) {
  describe(`closed forms of single neurons (${backend} backend)`, () => {
    // Pairs exact in float32 with I <= θ: v_t = t·I − θ·(spikes so far) is computed without rounding.
    for (const [I, theta] of [[0.375, 1], [0.3125, 0.5], [0.25, 0.75], [1, 1], [0.0625, 2]]) {
      it(`IF with reset by subtraction, I=${I}, θ=${theta}: floor(t·I/θ) spikes after every t <= 200`, async () => {
        const { counts, membrane } = await trace(backend, I, { model: "if", threshold: theta }, 200);
        for (let t = 1; t <= 200; t++) {
          const k = Math.floor((t * I) / theta);
          expect(counts[t - 1], `t=${t}`).toBe(k);
          expect(membrane[t - 1], `t=${t}`).toBe(t * I - k * theta);
        }
      });
    }

    it("IF with I > θ (I=1.5, θ=1) saturates at one spike per step while the residual charge grows by I−θ", async () => {
      // At most one spike per step: the closed form is min(t, floor(t·I/θ)) = t, and v_t = t·(I − θ).
      const { counts, membrane } = await trace(backend, 1.5, { model: "if", threshold: 1 }, 200);
      for (let t = 1; t <= 200; t++) {
        expect(counts[t - 1], `t=${t}`).toBe(t);
        expect(membrane[t - 1], `t=${t}`).toBe(0.5 * t);
      }
    });

    for (const [I, lambda] of [[0.3, 0.9], [1.7, 0.5], [0.01, 0.99]]) {
      it(`LIF without spiking, I=${I}, λ=${lambda}: v_t = I(1−λ^t)/(1−λ) within 1e-5 relative`, async () => {
        for (const neuron of [
          { model: "lif", threshold: 1, leak: lambda, spiking: false },
          { model: "lif", threshold: 1e30, leak: lambda },
        ] as NeuronParams[]) {
          const { counts, membrane } = await trace(backend, I, neuron, 200);
          const i32 = f(I), l32 = f(lambda);
          for (let t = 1; t <= 200; t++) {
            const v = (i32 * (1 - l32 ** t)) / (1 - l32);
            expect(Math.abs(membrane[t - 1] - v) / v, `t=${t}`).toBeLessThan(1e-5);
          }
          expect(counts[199]).toBe(0);
        }
      });
    }

    it("reset to value: first spike at ceil(θ/I), then one every ceil((θ−vReset)/I) steps, membrane = vReset after each", async () => {
      // I=0.375, θ=1, vReset=−0.25: v = 0.375, 0.75, 1.125 (spike at 3) -> −0.25, 0.125, 0.5, 0.875, 1.25 (spike at 7), ...
      const { counts, membrane } = await trace(backend, 0.375, { model: "if", threshold: 1, reset: "value", vReset: -0.25 }, 60);
      const expected = [];
      for (let s = 3; s <= 60; s += 4) expected.push(s);
      expect(spikeSteps(counts)).toEqual(expected);
      for (const s of expected) expect(membrane[s - 1]).toBe(-0.25);
      expect(membrane[3]).toBe(0.125);
    });

    it("refractory period of 2 steps: no integration after a spike (I=0.5, θ=1 fires every 4 steps)", async () => {
      // v: 0.5, 1.0 spike (v=0) | hold, hold | 0.5, 1.0 spike | ... -> spikes at 2, 6, 10, ...
      const { counts, membrane } = await trace(backend, 0.5, { model: "if", threshold: 1, refractory: 2 }, 40);
      expect(spikeSteps(counts)).toEqual([2, 6, 10, 14, 18, 22, 26, 30, 34, 38]);
      expect(membrane.slice(0, 6)).toEqual([0.5, 0, 0, 0, 0.5, 0]);
    });

    it("refractory period of 2 steps keeps the residual charge of reset by subtraction (I=0.75, θ=1)", async () => {
      // 0.75, 1.5 spike (0.5) | hold hold | 1.25 spike (0.25) | hold hold | 1.0 spike (0) | hold hold | 0.75, 1.5 spike ...
      const { counts, membrane } = await trace(backend, 0.75, { model: "if", threshold: 1, refractory: 2 }, 20);
      expect(spikeSteps(counts)).toEqual([2, 5, 8, 12, 15, 18]);
      expect(membrane.slice(0, 9)).toEqual([0.75, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0, 0]);
    });

    it("initial membrane vInit = θ/2 halves the time to the first spike (I=0.125, θ=1: step 4 instead of 8)", async () => {
      const shifted = await trace(backend, 0.125, { model: "if", threshold: 1, vInit: 0.5 }, 100);
      const plain = await trace(backend, 0.125, { model: "if", threshold: 1 }, 100);
      expect(shifted.first).toBe(4);
      expect(plain.first).toBe(8);
      for (let t = 1; t <= 100; t++) expect(shifted.counts[t - 1], `t=${t}`).toBe(Math.floor(0.5 + t * 0.125));
    });

    it("exponential synapse: s_t = Σ_{k<t} d^k·I, so a non-spiking IF membrane is Σ_{τ<=t} s_τ (d=0.8, I=0.3)", async () => {
      const d = f(0.8), I = f(0.3);
      const { membrane } = await trace(backend, 0.3, { model: "if", threshold: 1, synDecay: 0.8, spiking: false }, 100);
      let s = 0, v = 0;
      for (let t = 1; t <= 100; t++) {
        s = (I * (1 - d ** t)) / (1 - d); // closed form of s_t = d·s_{t−1} + I
        v += s;
        expect(Math.abs(membrane[t - 1] - v) / v, `t=${t}`).toBeLessThan(1e-5);
      }
    });

    it("exponential synapse with a dyadic decay (d=0.5, I=0.25) is exact: the membrane increments are s_t = 0.5 − 0.25·2^(1−t)", async () => {
      const { membrane } = await trace(backend, 0.25, { model: "if", threshold: 1, synDecay: 0.5, spiking: false }, 16);
      for (let t = 1; t <= 16; t++) {
        const prev = t === 1 ? 0 : membrane[t - 2];
        expect(membrane[t - 1] - prev, `t=${t}`).toBe(0.5 - 0.25 * 2 ** (1 - t));
      }
    });

    it("bias adds a constant current every step: weight 0.25 + bias 0.125 fires floor(t·0.375) times", async () => {
      const both = await trace(backend, 0.25, { model: "if", threshold: 1 }, 100, 0.125);
      const biasOnly = await trace(backend, 0.25, { model: "if", threshold: 1 }, 100, 0.125, 0);
      for (let t = 1; t <= 100; t++) {
        expect(both.counts[t - 1], `t=${t}`).toBe(Math.floor(t * 0.375));
        expect(biasOnly.counts[t - 1], `input 0, t=${t}`).toBe(Math.floor(t * 0.125));
      }
    });

    for (const I of [0.3, 0.07, 0.11, 0.375, 0.9]) {
      it(`first-spike step of an IF neuron with I=${I}, θ=1 is ceil(θ/I) = ${Math.ceil(1 / I)}`, async () => {
        const { first, counts } = await trace(backend, I, { model: "if", threshold: 1 }, 30);
        expect(first).toBe(Math.ceil(1 / I));
        expect(counts[first - 1]).toBe(1);
        expect(counts[first - 2]).toBe(0);
      });
    }

    it("a neuron that never reaches threshold reports firstSpike -1 and zero spikes", async () => {
      const { first, counts } = await trace(backend, 0.001, { model: "if", threshold: 1 }, 100);
      expect(first).toBe(-1);
      expect(counts[99]).toBe(0);
    });
  });
}
