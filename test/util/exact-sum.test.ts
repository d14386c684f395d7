/** ExactSums: the correctly rounded exact sum, whatever the order of the values or the split into parts. */
import { describe, expect, it } from "vitest";
import { ExactSums } from "../../src/util/exact-sum.js";
import { Rng } from "../../src/util/rng.js";

/** The exact sum, correctly rounded, by BigInt: every value is a multiple of 2^-200 here. */
function reference(values: number[]): number {
  let s = 0n;
  const scale = 2 ** 100;
  for (const v of values) s += BigInt(v * scale) * 2n ** 100n; // v · 2^200, exact (v·2^100 is an integer here)
  return Number(s) / 2 ** 100 / 2 ** 100;
}

describe("ExactSums", () => {
  it("keeps what a running += loses", () => {
    const s = new ExactSums(1);
    for (const v of [1e16, 1, -1e16]) s.add(0, v);
    expect(1e16 + 1 - 1e16).toBe(0);
    expect(s.value(0)).toBe(1);
  });

  it("gives the correctly rounded sum for any order and any split into merged parts (wide magnitudes, float32 values)", () => {
    const r = new Rng(7), rng = () => r.uniform();
    for (let trial = 0; trial < 40; trial++) {
      const values = Array.from({ length: 300 }, () => Math.fround((rng() - 0.3) * 2 ** Math.floor(rng() * 80 - 40)));
      const want = reference(values);
      const whole = new ExactSums(1);
      for (const v of values) whole.add(0, v);
      expect(whole.value(0)).toBe(want);
      // shuffled, split in three parts, merged in another order, through the packed form
      const order = values.map((v, i) => [rng(), v] as const).sort((a, b) => a[0] - b[0]).map(([, v]) => v);
      const cut1 = Math.floor(rng() * 300), cut2 = cut1 + Math.floor(rng() * (300 - cut1));
      const parts = [order.slice(0, cut1), order.slice(cut1, cut2), order.slice(cut2)].map((vs) => {
        const p = new ExactSums(1);
        for (const v of vs) p.add(0, v);
        const { lengths, values } = p.pack();
        return ExactSums.unpack(lengths.slice(), values.slice(), "part");
      });
      const merged = new ExactSums(1);
      for (const p of [parts[2], parts[0], parts[1]]) merged.merge(p);
      expect(merged.value(0)).toBe(want);
    }
  });

  it("packs into two typed arrays and unpacks to the same partials and values; a damaged pack is refused by name", () => {
    const r = new Rng(11);
    const s = new ExactSums(50);
    for (let k = 0; k < 2000; k++) s.add(Math.floor(r.uniform() * 40), Math.fround((r.uniform() - 0.4) * 2 ** Math.floor(r.uniform() * 90 - 45)));
    const { lengths, values } = s.pack();
    expect(Array.from(lengths.slice(40))).toEqual(new Array(10).fill(0)); // elements 40..49: nothing added
    expect(Math.max(...lengths)).toBeGreaterThan(1);
    const back = ExactSums.unpack(lengths, values, "pack");
    // the same exact sums (re-added, the partials may come out fewer), so the same rounded values
    for (let j = 0; j < 50; j++) expect(back.value(j)).toBe(s.value(j));
    expect(() => ExactSums.unpack(lengths, values.subarray(1), "means 'fc1'")).toThrow(/means 'fc1': the lengths add up to \d+ partials, the values hold \d+/);
    const bad = values.slice();
    bad[3] = Number.NaN;
    expect(() => ExactSums.unpack(lengths, bad, "means 'fc1'")).toThrow(/means 'fc1'\[\d+\]: partial NaN is not a finite number/);
  });

  it("grows past two partials per element when the magnitudes need it", () => {
    const s = new ExactSums(2);
    const values = [2 ** 60, 1, 2 ** -60, 2 ** 120, -(2 ** 60)];
    for (const v of values) { s.add(1, v); s.add(0, 3); }
    expect(s.partials(1).length).toBeGreaterThan(2);
    expect(s.value(1)).toBe(reference(values));
    expect(s.value(0)).toBe(15);
  });

  it("addRow keeps the same partials as add, element by element (its inlined cases included), and permuted moves whole elements", () => {
    const r = new Rng(23);
    const n = 64, rows = 400;
    const byRow = new ExactSums(n), byAdd = new ExactSums(n);
    const row = new Float32Array(n);
    for (let k = 0; k < rows; k++) {
      // zeros, exact additions, rounded ones (wide magnitudes) and cancellations
      for (let j = 0; j < n; j++) {
        const u = r.uniform();
        row[j] = u < 0.3 ? 0 : u < 0.5 ? Math.fround(j % 7) : Math.fround((r.uniform() - 0.45) * 2 ** Math.floor(r.uniform() * 60 - 30));
      }
      if (k % 50 === 7) row[3] = -row[3];
      byRow.addRow(row);
      for (let j = 0; j < n; j++) if (row[j] !== 0) byAdd.add(j, row[j]);
    }
    for (let j = 0; j < n; j++) expect(byRow.partials(j)).toEqual(byAdd.partials(j));
    expect(Math.max(...Array.from({ length: n }, (_, j) => byRow.partials(j).length))).toBeGreaterThan(2); // the general case ran too
    const perm = Int32Array.from({ length: n }, (_, m) => (m * 5 + 3) % n);
    const moved = byRow.permuted(perm);
    for (let m = 0; m < n; m++) {
      expect(moved.partials(perm[m])).toEqual(byRow.partials(m));
      expect(moved.value(perm[m])).toBe(byRow.value(m));
    }
    expect(() => byRow.permuted(new Int32Array(3))).toThrow(/3 indices for 64 elements/);
  });
});
