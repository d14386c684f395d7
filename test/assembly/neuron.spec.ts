// Unit tests of neuronStep (assembly/neuron.ts) against closed-form answers.
import { neuronStep, RESET_SUBTRACT, RESET_TO_VALUE } from "../../assembly/neuron";

function ptr<T>(a: StaticArray<T>): usize { return changetype<usize>(a); }

/** One layer of B×n neurons with every buffer neuronStep needs, and its parameters. */
class Layer {
  v: StaticArray<f32>; acc: StaticArray<f32>; syn: StaticArray<f32>; bias: StaticArray<f32>;
  ref: StaticArray<i32>; spikes: StaticArray<i32>; counts: StaticArray<i32>;
  total: StaticArray<i32>; first: StaticArray<i32>;
  leak: f32 = 1; threshold: f32 = 1; resetMode: i32 = RESET_SUBTRACT; vReset: f32 = 0;
  refractory: i32 = 0; synDecay: f32 = 0; spiking: i32 = 1; useBias: bool = false; keepAcc: i32 = 0;

  constructor(public batch: i32, public n: i32) {
    const m = batch * n;
    this.v = new StaticArray<f32>(m); this.acc = new StaticArray<f32>(m);
    this.syn = new StaticArray<f32>(m); this.bias = new StaticArray<f32>(n);
    this.ref = new StaticArray<i32>(m); this.spikes = new StaticArray<i32>(m + 3); // + 3: slack for the branch-free list writes
    this.counts = new StaticArray<i32>(batch); this.total = new StaticArray<i32>(m);
    this.first = new StaticArray<i32>(m);
    for (let i = 0; i < m; i++) this.first[i] = -1;
  }
  feed(x: f32): void { for (let i = 0; i < this.batch * this.n; i++) this.acc[i] = x; }
  step(t: i32): i32 {
    return neuronStep(ptr(this.v), ptr(this.acc), this.synDecay > 0 ? ptr(this.syn) : 0,
      this.useBias ? ptr(this.bias) : 0, this.refractory > 0 ? ptr(this.ref) : 0,
      ptr(this.spikes), ptr(this.counts), ptr(this.total), ptr(this.first),
      this.batch, this.n, this.leak, this.threshold, this.resetMode, this.vReset,
      this.refractory, this.synDecay, t, this.spiking, this.keepAcc);
  }
}

describe("neuronStep", () => {
  it("IF, reset by subtraction: count after t steps is floor(t*I/theta)", () => {
    const L = new Layer(1, 7);
    const I: f32 = 0.375;
    for (let t = 1; t <= 64; t++) {
      L.feed(I);
      const fired = L.step(t);
      const want = <i32>Math.floor(<f64>t * 0.375);
      const prev = <i32>Math.floor(<f64>(t - 1) * 0.375);
      expect(fired).toBe(want > prev ? 7 : 0);
      expect(L.counts[0]).toBe(fired);
      for (let j = 0; j < 7; j++) {
        expect(L.total[j]).toBe(want);
        expect(L.v[j]).toBe(<f32>(<f64>t * 0.375 - <f64>want)); // residual charge, exact in f32
        expect(L.acc[j]).toBe(0); // the kernel consumes acc
      }
    }
  });

  it("keepAcc: a current written once is read every step and left in place (same counts as feeding it each step)", () => {
    const L = new Layer(2, 9); // 9 neurons: two SIMD groups and a scalar tail
    L.keepAcc = 1;
    L.feed(0.375);
    for (let t = 1; t <= 64; t++) {
      L.step(t);
      const want = <i32>Math.floor(<f64>t * 0.375);
      for (let i = 0; i < 18; i++) {
        expect(L.total[i]).toBe(want);
        expect(L.acc[i]).toBe(<f32>0.375);
      }
    }
  });

  it("reset to value sets v = vReset after a spike", () => {
    const L = new Layer(1, 5);
    L.resetMode = RESET_TO_VALUE;
    L.vReset = 0;
    for (let t = 1; t <= 30; t++) { // 0.375, 0.75, 1.125 -> 0: spikes every 3rd step
      L.feed(0.375);
      L.step(t);
      for (let j = 0; j < 5; j++) {
        expect(L.total[j]).toBe(t / 3);
        expect(L.v[j]).toBe(<f32>(t % 3) * 0.375);
      }
    }
    L.vReset = -0.5;
    L.feed(2);
    expect(L.step(31)).toBe(5);
    for (let j = 0; j < 5; j++) expect(L.v[j]).toBe(-0.5);
  });

  it("LIF below threshold follows v_t = I(1-leak^t)/(1-leak)", () => {
    const L = new Layer(2, 7);
    L.leak = 0.9;
    const I: f32 = 0.05;
    for (let t = 1; t <= 64; t++) {
      L.feed(I);
      expect(L.step(t)).toBe(0);
      const want = <f64>I * (1 - Math.pow(<f64>L.leak, <f64>t)) / (1 - <f64>L.leak);
      for (let i = 0; i < 14; i++) {
        expect(Math.abs(<f64>L.v[i] - want) / want).toBeLessThan(1e-5);
      }
    }
  });

  it("refractory neurons do not integrate while ref > 0", () => {
    const L = new Layer(2, 5);
    L.refractory = 2;
    for (let t = 1; t <= 40; t++) { // 0.5, 1->spike, ref 2, ref 1, 0.5, 1->spike ...
      L.feed(0.5);
      L.step(t);
      const count = (t + 2) / 4;
      const phase = (t + 2) % 4; // 0: just spiked, 1/2: refractory, 3: integrated once
      for (let i = 0; i < 10; i++) {
        expect(L.total[i]).toBe(count);
        expect(L.v[i]).toBe(phase == 3 ? <f32>0.5 : <f32>0);
        expect(L.ref[i]).toBe(phase == 0 ? 2 : phase == 1 ? 1 : 0);
        expect(L.acc[i]).toBe(0); // consumed even when refractory
      }
    }
  });

  it("adds the bias every step", () => {
    const L = new Layer(2, 7);
    L.useBias = true;
    L.spiking = 0;
    for (let j = 0; j < 7; j++) L.bias[j] = <f32>j * 0.125 - 0.25;
    for (let t = 1; t <= 10; t++) { L.feed(0.5); L.step(t); }
    for (let i = 0; i < 14; i++) expect(L.v[i]).toBe(10 * (0.5 + L.bias[i % 7]));
  });

  it("filters the input through s = decay*s + x", () => {
    const L = new Layer(1, 7);
    L.synDecay = 0.5;
    L.spiking = 0;
    for (let t = 1; t <= 20; t++) {
      L.feed(t == 1 ? 1 : 0); // impulse: s_t = 0.5^(t-1), v_t = 2(1 - 0.5^t)
      L.step(t);
      for (let j = 0; j < 7; j++) {
        expect(L.syn[j]).toBe(<f32>Math.pow(0.5, t - 1));
        expect(L.v[j]).toBe(<f32>(2 * (1 - Math.pow(0.5, t))));
      }
    }
  });

  it("records the first spike step once", () => {
    const L = new Layer(1, 7);
    for (let t = 1; t <= 40; t++) { // neuron j gets (j+1)/8 per step
      for (let j = 0; j < 7; j++) L.acc[j] = <f32>(j + 1) * 0.125;
      L.step(t);
    }
    for (let j = 0; j < 7; j++) {
      expect(L.first[j]).toBe((8 + j) / (j + 1)); // ceil(8 / (j+1))
      expect(L.total[j]).toBe(5 * (j + 1));
    }
  });

  it("writes per-sample counts and within-sample spike indices (batch 2, n = 7)", () => {
    const L = new Layer(2, 7);
    const a: f32[] = [1, 0, 1, 0, 1, 0, 1, 0, 1.5, 0, 1.5, 0, 1.5, 0.5];
    for (let i = 0; i < 14; i++) L.acc[i] = a[i];
    expect(L.step(0)).toBe(7);
    expect(L.counts[0]).toBe(4);
    expect(L.counts[1]).toBe(3);
    const want: i32[] = [0, 2, 4, 6, 1, 3, 5];
    for (let k = 0; k < 7; k++) expect(L.spikes[k]).toBe(want[k]);
    for (let i = 0; i < 14; i++) {
      const fired = a[i] >= 1;
      expect(L.total[i]).toBe(fired ? 1 : 0);
      expect(L.first[i]).toBe(fired ? 0 : -1);
      expect(L.v[i]).toBe(fired ? a[i] - 1 : a[i]);
    }
  });

  it("never spikes when spiking = 0", () => {
    const L = new Layer(2, 7);
    L.spiking = 0;
    for (let t = 1; t <= 5; t++) {
      L.feed(10);
      expect(L.step(t)).toBe(0);
      expect(L.counts[0]).toBe(0);
      expect(L.counts[1]).toBe(0);
    }
    for (let i = 0; i < 14; i++) {
      expect(L.v[i]).toBe(50);
      expect(L.total[i]).toBe(0);
      expect(L.first[i]).toBe(-1);
    }
  });
});
