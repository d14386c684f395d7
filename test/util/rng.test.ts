/** The seeded generator (src/util/rng.ts): reproducible, and uniform() in [0, 1) on a 2^-24 grid. */
import { describe, expect, it } from "vitest";
import { Rng } from "../../src/util/rng.js";

const draw = (rng: Rng, n: number, f: (r: Rng) => number) => Array.from({ length: n }, () => f(rng));

describe("Rng", () => {
  it("the same seed gives the same sequence (nextU32, uniform, int, normal)", () => {
    for (const seed of [0, 1, 42, -7, 2 ** 31 + 5]) {
      expect(draw(new Rng(seed), 1000, (r) => r.nextU32())).toEqual(draw(new Rng(seed), 1000, (r) => r.nextU32()));
      expect(draw(new Rng(seed), 200, (r) => r.uniform() + r.int(17) + r.normal()))
        .toEqual(draw(new Rng(seed), 200, (r) => r.uniform() + r.int(17) + r.normal()));
    }
  });

  it("different seeds give different sequences", () => {
    const seqs = [0, 1, 2, 3, 1000].map((s) => draw(new Rng(s), 8, (r) => r.nextU32()).join(","));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it("state() reproduces the generator: a copy started from the same seed is in the same state after equal draws", () => {
    const a = new Rng(9), b = new Rng(9);
    expect(Array.from(a.state())).toEqual(Array.from(b.state()));
    a.nextU32();
    expect(Array.from(a.state())).not.toEqual(Array.from(b.state()));
    b.nextU32();
    expect(Array.from(a.state())).toEqual(Array.from(b.state()));
    expect(a.state().some((w) => w !== 0)).toBe(true);
  });

  it("nextU32 returns 32-bit unsigned integers using all bits", () => {
    const xs = draw(new Rng(3), 2000, (r) => r.nextU32());
    let or = 0;
    expect(xs.filter((x) => !(Number.isInteger(x) && x >= 0 && x < 2 ** 32))).toEqual([]);
    for (const x of xs) or |= x;
    expect(or >>> 0).toBe(0xffffffff);
  });

  it("uniform() lies in [0, 1), is a multiple of 2^-24 (exact in float32), and has mean 1/2 within 5 sigma", () => {
    const N = 100000;
    const us = draw(new Rng(11), N, (r) => r.uniform());
    let sum = 0;
    const bad = us.filter((u) => !(u >= 0 && u < 1 && Number.isInteger(u * 2 ** 24) && Math.fround(u) === u));
    expect(bad).toEqual([]);
    for (const u of us) sum += u;
    expect(Math.abs(sum / N - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / N));
    // every tenth of [0, 1) gets its share within 5 sigma
    const bins = new Array(10).fill(0);
    for (const u of us) bins[Math.floor(u * 10)]++;
    for (const c of bins) expect(Math.abs(c - N / 10)).toBeLessThan(5 * Math.sqrt(N * 0.1 * 0.9));
  });

  it("int(n) lies in [0, n) and hits every value", () => {
    const xs = draw(new Rng(5), 5000, (r) => r.int(7));
    expect(xs.every((x) => Number.isInteger(x) && x >= 0 && x < 7)).toBe(true);
    expect(new Set(xs).size).toBe(7);
  });

  it("normal() has mean 0 and variance 1 within 5 sigma", () => {
    const N = 50000;
    const xs = draw(new Rng(8), N, (r) => r.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / N;
    const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / N;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(v - 1)).toBeLessThan(5 * Math.sqrt(2 / N));
    expect(xs.every(Number.isFinite)).toBe(true);
  });
});
