// Unit tests of loihiStep / loihiAccumulate (assembly/loihi.ts) against closed-form answers.
import { loihiAccumulate, loihiStep, Q_BITS, U_BITS, decayInt, wrapSigned } from "../../assembly/loihi";

function ptr<T>(a: StaticArray<T>): usize { return changetype<usize>(a); }

/** One compartment with every buffer loihiStep needs. */
class Comp {
  q: StaticArray<i32> = new StaticArray<i32>(1); u: StaticArray<i32> = new StaticArray<i32>(1);
  v: StaticArray<i32> = new StaticArray<i32>(1); ref: StaticArray<i32> = new StaticArray<i32>(1);
  decayU: StaticArray<i32> = new StaticArray<i32>(1); decayV: StaticArray<i32> = new StaticArray<i32>(1);
  bias: StaticArray<i32> = new StaticArray<i32>(1); vth: StaticArray<i32> = new StaticArray<i32>(1);
  refractDelay: StaticArray<i32> = new StaticArray<i32>(1);
  spikes: StaticArray<i32> = new StaticArray<i32>(1); counts: StaticArray<i32> = new StaticArray<i32>(1);
  vmin: i32 = -2147483647; vmax: i32 = 8388607; keepV: i32 = 0;
  step(q: i32): i32 {
    this.q[0] = q;
    return loihiStep(ptr(this.q), ptr(this.u), ptr(this.v), ptr(this.ref), ptr(this.decayU), ptr(this.decayV),
      ptr(this.bias), ptr(this.vth), ptr(this.refractDelay), this.vmin, this.vmax, 1, 1, ptr(this.spikes), ptr(this.counts), this.keepV);
  }
}

describe("loihi arithmetic", () => {
  it("decayInt rounds toward zero and wrapSigned sign-extends", () => {
    expect(decayInt(6400, 2047)).toBe(3198);
    expect(decayInt(-6400, 2047)).toBe(-3198);
    expect(wrapSigned(1 << Q_BITS, Q_BITS)).toBe(-(1 << Q_BITS));
    expect(wrapSigned((1 << U_BITS) - 1, U_BITS)).toBe((1 << U_BITS) - 1);
  });

  it("IF under constant q = 640 with vth = 1280 spikes every third step (v: 640, 1280, reset)", () => {
    const c = new Comp();
    c.decayU[0] = 4095; c.vth[0] = 1280; c.refractDelay[0] = 1;
    for (let t = 1; t <= 30; t++) {
      const fired = c.step(640);
      expect(fired).toBe(t % 3 == 0 ? 1 : 0);
      expect(c.counts[0]).toBe(fired);
      expect(c.v[0]).toBe(t % 3 == 0 ? 0 : (t % 3) * 640);
    }
  });

  it("keepV with a -vth self-input one step later is reset by subtraction: q = 448, vth = 1280 fires 6 times in 20 steps", () => {
    // subtractive IF: v_t = v_(t-1) + 448, spike when v > 1280, then v -= 1280; the -1280 arrives in q at t+1
    const c = new Comp();
    c.decayU[0] = 4095; c.vth[0] = 1280; c.refractDelay[0] = 1; c.keepV = 1;
    let fired = 0, last = 0, ideal = 0, spikes = 0;
    for (let t = 1; t <= 20; t++) {
      fired = c.step(448 - (last ? 1280 : 0));
      ideal += 448;
      const want = ideal > 1280 ? 1 : 0;
      expect(fired).toBe(want);
      if (want) ideal -= 1280;
      expect(c.v[0]).toBe(ideal + (want ? 1280 : 0)); // the dendrite's v is the pre-subtraction potential
      last = fired;
      spikes += fired;
    }
    expect(spikes).toBe(6); // 20·448 = 8960 = 7·1280 exactly: the 7th crossing needs v > 1280, not reached
  });

  it("a current impulse with decayU 4095 lasts exactly one step", () => {
    const c = new Comp();
    c.decayU[0] = 4095; c.vth[0] = 1 << 22; c.refractDelay[0] = 1;
    c.step(6400);
    expect(c.u[0]).toBe(6400);
    c.step(0);
    expect(c.u[0]).toBe(0);
    expect(c.v[0]).toBe(6400); // IF: decayV 0 keeps v
  });

  it("loihiAccumulate adds rows of spiking sources and wraps at Q_BITS", () => {
    const w = new StaticArray<i32>(2); w[0] = 2088960; w[1] = 2088960; // rows of a 2 × 1 matrix
    const spikes = new StaticArray<i32>(2); spikes[0] = 0; spikes[1] = 1;
    const counts = new StaticArray<i32>(1); counts[0] = 2;
    const q = new StaticArray<i32>(1);
    expect(loihiAccumulate(ptr(spikes), ptr(counts), 1, 2, ptr(w), 1, ptr(q))).toBe(2);
    expect(q[0]).toBe(4177920 - (1 << 22));
  });
});
