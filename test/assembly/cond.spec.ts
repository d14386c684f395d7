// Unit tests of condStep (assembly/cond.ts, PyNN IF_cond_exp) against closed-form answers.
import { condStep, exp32 } from "../../assembly/cond";

function ptr<T>(a: StaticArray<T>): usize { return changetype<usize>(a); }

/** One layer of B×n IF_cond_exp neurons with every buffer condStep needs; SNABSuite parameters at dt 1 ms. */
class Layer {
  v: StaticArray<f32>; accE: StaticArray<f32>; accI: StaticArray<f32>; gE: StaticArray<f32>; gI: StaticArray<f32>;
  bias: StaticArray<f32>; ref: StaticArray<i32>; spikes: StaticArray<i32>; counts: StaticArray<i32>;
  total: StaticArray<i32>; first: StaticArray<i32>;
  gL: f32 = 0.01; eL: f32 = -65; iOffset: f32 = 0; eE: f32 = 0; eI: f32 = -130;
  decayE: f32 = <f32>Math.exp(-1.0 / 3.0); decayI: f32 = <f32>Math.exp(-1.0 / 3.0);
  meanE: f32 = 1; meanI: f32 = 1; dtOverCm: f32 = 5; vThresh: f32 = -55; vReset: f32 = -75;
  refractory: i32 = 0; split: bool = false; useBias: bool = false;

  constructor(public batch: i32, public n: i32) {
    const m = batch * n;
    this.v = new StaticArray<f32>(m); this.accE = new StaticArray<f32>(m); this.accI = new StaticArray<f32>(m);
    this.gE = new StaticArray<f32>(m); this.gI = new StaticArray<f32>(m); this.bias = new StaticArray<f32>(n);
    this.ref = new StaticArray<i32>(m); this.spikes = new StaticArray<i32>(m + 3);
    this.counts = new StaticArray<i32>(batch); this.total = new StaticArray<i32>(m); this.first = new StaticArray<i32>(m);
    for (let i = 0; i < m; i++) { this.first[i] = -1; this.v[i] = -65; }
  }
  setV(x: f32): void { for (let i = 0; i < this.batch * this.n; i++) this.v[i] = x; }
  feed(e: f32, inh: f32): void {
    for (let i = 0; i < this.batch * this.n; i++) { this.accE[i] = e; this.accI[i] = inh; }
  }
  step(t: i32): i32 {
    return condStep(ptr(this.v), ptr(this.accE), this.split ? 0 : ptr(this.accI), ptr(this.gE), ptr(this.gI),
      this.useBias ? ptr(this.bias) : 0, this.refractory > 0 ? ptr(this.ref) : 0,
      ptr(this.spikes), ptr(this.counts), ptr(this.total), ptr(this.first), this.batch, this.n,
      this.gL, this.gL * this.eL + this.iOffset, this.eE, this.eI, this.decayE, this.decayI, this.meanE, this.meanI,
      this.dtOverCm, this.vThresh, this.vReset, this.refractory, t);
  }
}

describe("condStep (IF_cond_exp)", () => {
  it("exp32 is within 1e-6 (relative) of Math.exp on [-80, 0]", () => {
    for (let k = 0; k <= 8000; k++) {
      const y = <f32>(-0.01 * <f64>k);
      const want = Math.exp(<f64>y);
      expect(Math.abs(<f64>exp32(y) - want) / want).toBeLessThan(1e-6);
    }
    expect(exp32(0)).toBe(1);
  });

  it("with no input V relaxes to v_rest as exp(-t/tau_m) (n = 7: SIMD and scalar lanes)", () => {
    const L = new Layer(2, 7);
    L.vThresh = -40; // start above the default threshold without spiking
    L.setV(-50);
    for (let t = 1; t <= 100; t++) {
      L.feed(0, 0);
      expect(L.step(t)).toBe(0);
      const want = -65.0 + 15.0 * Math.exp(-<f64>t / 20.0); // tau_m = cm/gL = 20 ms
      for (let i = 0; i < 14; i++) expect(Math.abs(<f64>L.v[i] - want)).toBeLessThan(2e-4);
    }
  });

  it("a single excitatory pulse: gE decays as w exp(-(t-1) dt/tau_syn), gI stays 0", () => {
    const L = new Layer(1, 5);
    for (let t = 1; t <= 30; t++) {
      L.feed(t == 1 ? 0.025 : 0, 0);
      L.step(t);
      const want = 0.025 * Math.exp(-<f64>(t - 1) / 3.0);
      for (let j = 0; j < 5; j++) {
        expect(Math.abs(<f64>L.gE[j] - want) / want).toBeLessThan(1e-5);
        expect(L.gI[j]).toBe(0);
        expect(L.accE[j]).toBe(0); // consumed
      }
    }
  });

  it("constant conductance: V follows vInf + (v0 - vInf) exp(-t (gL+g) dt/cm) to (gL E_L + g E_e)/(gL + g)", () => {
    const L = new Layer(1, 6);
    L.decayE = 0; L.decayI = 0; // g = this step's input: constant when the input is
    const g = 0.001, gI = 0.002;
    const vInf = (0.01 * -65.0 + g * 0.0 + gI * -130.0) / (0.01 + g + gI);
    for (let t = 1; t <= 200; t++) {
      L.feed(<f32>g, <f32>gI);
      expect(L.step(t)).toBe(0);
      const want = vInf + (-65.0 - vInf) * Math.exp(-<f64>t * (0.01 + g + gI) * 5.0);
      for (let j = 0; j < 6; j++) expect(Math.abs(<f64>L.v[j] - want)).toBeLessThan(2e-4);
    }
    expect(Math.abs(<f64>L.v[0] - vInf)).toBeLessThan(1e-4);
  });

  it("the step mean of the conductance scales it: meanE = 0.5 equals half the input", () => {
    const A = new Layer(1, 4), B = new Layer(1, 4);
    A.decayE = 0; B.decayE = 0; A.meanE = 0.5;
    for (let t = 1; t <= 20; t++) {
      A.feed(0.004, 0); B.feed(0.002, 0);
      A.step(t); B.step(t);
      for (let j = 0; j < 4; j++) expect(A.v[j]).toBe(B.v[j]);
    }
  });

  it("spikes at v_thresh, resets to v_reset and records list, counts, total and first", () => {
    const L = new Layer(2, 5);
    L.decayE = 0;
    // sample 0 neurons 0, 2, 4 get a large conductance: vInf near 0 mV, threshold crossed in one step
    for (let j = 0; j < 5; j += 2) L.accE[j] = 1;
    L.accE[5 + 3] = 1;
    expect(L.step(7)).toBe(4);
    expect(L.counts[0]).toBe(3);
    expect(L.counts[1]).toBe(1);
    const want: i32[] = [0, 2, 4, 3];
    for (let k = 0; k < 4; k++) expect(L.spikes[k]).toBe(want[k]);
    for (let i = 0; i < 10; i++) {
      const fired = i == 0 || i == 2 || i == 4 || i == 8;
      expect(L.v[i]).toBe(fired ? <f32>-75 : <f32>-65);
      expect(L.total[i]).toBe(fired ? 1 : 0);
      expect(L.first[i]).toBe(fired ? 7 : -1);
    }
  });

  it("refractory: V held at v_reset for `refractory` steps while the conductance keeps decaying", () => {
    const L = new Layer(1, 3);
    L.refractory = 2;
    L.feed(1, 0);
    expect(L.step(1)).toBe(3); // spike, ref = 2
    for (let t = 2; t <= 3; t++) {
      L.feed(0, 0);
      expect(L.step(t)).toBe(0);
      for (let j = 0; j < 3; j++) {
        expect(L.v[j]).toBe(-75);
        expect(L.ref[j]).toBe(3 - t);
        expect(Math.abs(<f64>L.gE[j] - Math.exp(-<f64>(t - 1) / 3.0))).toBeLessThan(1e-6);
      }
    }
    for (let j = 0; j < 3; j++) expect(Math.abs(<f64>L.gE[j] - Math.exp(-2.0 / 3.0))).toBeLessThan(1e-6);
    // step 4: integrates again from v_reset with gE = e^-1 µS (vInf near 0 mV): spikes again
    L.feed(0, 0);
    expect(L.step(4)).toBe(3);
    for (let j = 0; j < 3; j++) expect(L.total[j]).toBe(2);
  });

  it("one signed accumulator: positive input goes to gE, negative to gI as its magnitude", () => {
    const L = new Layer(1, 6);
    L.split = true;
    L.decayE = 0; L.decayI = 0;
    for (let j = 0; j < 6; j++) L.accE[j] = j % 2 ? <f32>-0.01 : <f32>0.001;
    L.step(1);
    for (let j = 0; j < 6; j++) {
      expect(L.gE[j]).toBe(j % 2 ? <f32>0 : <f32>0.001);
      expect(L.gI[j]).toBe(j % 2 ? <f32>0.01 : <f32>0);
      expect(L.accE[j]).toBe(0);
    }
    expect(L.v[1]).toBeLessThan(-65); // inhibited towards E_i
    expect(L.v[0]).toBeGreaterThan(-65);
  });

  it("bias adds i_offset (nA): steady state v_rest + I/gL", () => {
    const L = new Layer(1, 5);
    L.useBias = true;
    for (let j = 0; j < 5; j++) L.bias[j] = <f32>0.05; // 0.05 nA / 0.01 µS = 5 mV
    for (let t = 1; t <= 400; t++) { L.feed(0, 0); L.step(t); }
    for (let j = 0; j < 5; j++) expect(Math.abs(<f64>L.v[j] - -60.0)).toBeLessThan(1e-4);
  });
});
