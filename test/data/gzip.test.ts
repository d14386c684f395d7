// Gzip reading under hostile input: every member read, every complete member's CRC-32 and size checked,
// a prefix read without touching the rest, and a budget on what the data may expand to.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { SpikewasmError } from "../../src/errors.js";
import { crc32, gunzipBytes } from "../../src/data/gzip.js";
import { Rng } from "../../src/util/rng.js";

const rng = new Rng(11);
const data = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rng.uniform() * 7)); // compressible
const concat = (...a: Uint8Array[]) => { const o = new Uint8Array(a.reduce((s, x) => s + x.length, 0)); let k = 0; for (const x of a) { o.set(x, k); k += x.length; } return o; };
const throwsCode = (f: () => unknown, re: RegExp, code = 2) => {
  let e: unknown;
  try { f(); } catch (x) { e = x; }
  expect(e).toBeInstanceOf(SpikewasmError);
  expect((e as Error).message).toMatch(re);
  expect((e as SpikewasmError).exitCode).toBe(code);
};

describe("gunzipBytes", () => {
  it("crc32 matches the standard check value", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });
  it("reads a multi-member file to its end", () => {
    const a = data(100_000), b = data(50_000);
    const out = gunzipBytes(concat(gzipSync(a), gzipSync(b)), "two.gz");
    expect(out).toEqual(concat(a, b));
  });
  it("a wrong CRC in the trailer is an error naming the member", () => {
    const z = gzipSync(data(10_000));
    z[z.length - 8] ^= 0xff;
    throwsCode(() => gunzipBytes(z, "crc.gz"), /crc\.gz: gzip member 1 fails its CRC-32 check/);
    const two = concat(gzipSync(data(1000)), z);
    throwsCode(() => gunzipBytes(two, "crc2.gz"), /crc2\.gz: gzip member 2 fails its CRC-32 check/);
  });
  it("a corrupted middle or a truncated file is an error, never silently used", () => {
    const z = gzipSync(data(200_000));
    for (const at of [Math.floor(z.length / 3), Math.floor(z.length / 2)]) {
      const bad = z.slice();
      bad[at] ^= 0x5a;
      throwsCode(() => gunzipBytes(bad, "mid.gz"), /mid\.gz: /);
    }
    throwsCode(() => gunzipBytes(z.subarray(0, z.length - 20), "cut.gz"), /cut\.gz: /);
  });
  it("maxBytes returns exactly that prefix and stops reading", () => {
    const a = data(300_000);
    const z = gzipSync(a);
    const tail = z.slice(); // damage the end: a prefix read never gets there
    tail[tail.length - 8] ^= 0xff;
    expect(gunzipBytes(tail, "p.gz", { maxBytes: 1000 })).toEqual(a.subarray(0, 1000));
  });
  it("data that expands past the budget stops with exit 3 and the bytes seen", () => {
    const z = gzipSync(new Uint8Array(5_000_000));
    throwsCode(() => gunzipBytes(z, "bomb.gz", { budget: 1_000_000 }), /bomb\.gz: gzip data expands past 1000000 bytes \(read \d+ so far\)/, 3);
  });
});
