// Unit tests of encodeSpikes (assembly/encode.ts): the xoshiro128** stream against the published
// reference sequence, Poisson edge cases and rate, and regular trains' closed form floor(t*p).
import { encodeSpikes, ENCODE_POISSON, ENCODE_REGULAR } from "../../assembly/encode";

function ptr<T>(a: StaticArray<T>): usize { return changetype<usize>(a); }

describe("encodeSpikes", () => {
  it("Poisson draws follow xoshiro128** (state 1, 2, 3, 4: outputs 11520, 0, 5927040, 70819200)", () => {
    // with p just above u = (x >>> 8) / 2^24 an input fires, with p == u it does not
    const expected: u32[] = [11520, 0, 5927040, 70819200];
    for (let i = 0; i < 4; i++) {
      const rng: StaticArray<u32> = [1, 2, 3, 4];
      for (let k = 0; k < i; k++) { // advance i draws with p = 1 (always fires, still draws)
        const p1: StaticArray<f32> = [1];
        encodeSpikes(ptr(p1), 1, 1, ENCODE_POISSON, 1, ptr(rng), ptr(new StaticArray<i32>(1)), ptr(new StaticArray<i32>(1)));
      }
      const u = <f32>(expected[i] >>> 8) / 16777216.0;
      const copy: StaticArray<u32> = [rng[0], rng[1], rng[2], rng[3]];
      const at: StaticArray<f32> = [u];
      const above: StaticArray<f32> = [u + 1.0 / 16777216.0];
      const counts = new StaticArray<i32>(1);
      expect(encodeSpikes(ptr(at), 1, 1, ENCODE_POISSON, 1, ptr(rng), ptr(new StaticArray<i32>(1)), ptr(counts))).toBe(0);
      expect(encodeSpikes(ptr(above), 1, 1, ENCODE_POISSON, 1, ptr(copy), ptr(new StaticArray<i32>(1)), ptr(counts))).toBe(1);
    }
  });

  it("p = 0 never fires and draws nothing; p = 1 always fires; per-sample streams and counts", () => {
    const p: StaticArray<f32> = [0, 1, 0, 1, 1, 0];
    const rng: StaticArray<u32> = [1, 2, 3, 4, 5, 6, 7, 8];
    const spikes = new StaticArray<i32>(6);
    const counts = new StaticArray<i32>(2);
    expect(encodeSpikes(ptr(p), 2, 3, ENCODE_POISSON, 1, ptr(rng), ptr(spikes), ptr(counts))).toBe(3);
    expect(counts[0]).toBe(1);
    expect(counts[1]).toBe(2);
    expect(spikes[0]).toBe(1);
    expect(spikes[1]).toBe(0);
    expect(spikes[2]).toBe(1);
    // sample 1's stream (words 4..7) advanced twice, sample 0's once: both states changed
    expect(rng[0] != 1 || rng[1] != 2).toBe(true);
    expect(rng[4] != 5 || rng[5] != 6).toBe(true);
  });

  it("Poisson rate over 20000 steps is within 5 sigma of p = 0.3", () => {
    const p: StaticArray<f32> = [0.3];
    const rng: StaticArray<u32> = [9, 8, 7, 6];
    const spikes = new StaticArray<i32>(1);
    const counts = new StaticArray<i32>(1);
    let fired = 0;
    const T = 20000;
    for (let t = 1; t <= T; t++) fired += encodeSpikes(ptr(p), 1, 1, ENCODE_POISSON, t, ptr(rng), ptr(spikes), ptr(counts));
    const sigma = Math.sqrt(<f64>T * 0.3 * 0.7);
    expect(Math.abs(<f64>fired - <f64>T * 0.3)).toBeLessThan(5 * sigma);
  });

  it("regular trains have fired exactly floor(t*p) spikes after t steps", () => {
    const p: StaticArray<f32> = [0.25, 0.375, 1, 0.1];
    const spikes = new StaticArray<i32>(4);
    const counts = new StaticArray<i32>(1);
    const total = new StaticArray<i32>(4);
    for (let t = 1; t <= 100; t++) {
      const n = encodeSpikes(ptr(p), 1, 4, ENCODE_REGULAR, t, 0, ptr(spikes), ptr(counts));
      for (let k = 0; k < n; k++) total[spikes[k]]++;
      for (let j = 0; j < 4; j++) expect(total[j]).toBe(<i32>Math.floor(<f64>t * <f64>p[j]));
    }
  });
});
