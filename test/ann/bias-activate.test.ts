/**
 * biasActivate (assembly/rows.ts), the ANN runner's bias + ReLU: the WASM kernel against its TypeScript
 * reference with tolerance zero (bits), and both against the definition in doubles rounded to f32, on values
 * that exercise every case: NaN, ±0, ±Infinity, rounded sums, row lengths that are not multiples of 4
 * (the SIMD loop and the scalar tail), with and without a bias, ReLU and none.
 */
import { describe, expect, it } from "vitest";
import { createReferenceKernels } from "../../src/reference/index.js";
import { createWasmKernels } from "../../src/sim/kernels.js";
import { Rng } from "../../src/util/rng.js";

const SPECIAL = [Number.NaN, 0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-45, -1e-45, 3.4e38];

function values(r: Rng, len: number): Float32Array {
  return Float32Array.from({ length: len }, () => {
    const u = r.uniform();
    return u < 0.15 ? SPECIAL[Math.floor(r.uniform() * SPECIAL.length)] : (r.uniform() - 0.5) * 2 ** Math.floor(r.uniform() * 40 - 20);
  });
}

describe("biasActivate", () => {
  it("WASM ≡ the TypeScript reference ≡ act(f32(acc + bias)), bit for bit, for every row length 1..19, batch 3", async () => {
    const r = new Rng(5);
    for (let n = 1; n < 20; n++)
      for (const hasBias of [0, 1])
        for (const relu of [0, 1]) {
          const B = 3, acc = values(r, B * n), bias = values(r, n);
          const out: Uint32Array[] = [];
          for (const make of [createWasmKernels, createReferenceKernels]) {
            const mem = new WebAssembly.Memory({ initial: 1 });
            const k = await make(mem);
            const F = new Float32Array(mem.buffer);
            const A = 64, BI = A + 4 * B * n + 4, V = BI + 4 * n + 8; // unaligned rows: bias 4 bytes past a 16-byte boundary
            F.set(acc, A >> 2);
            F.set(bias, BI >> 2);
            F.fill(-777, V >> 2, (V >> 2) + B * n + 4);
            k.biasActivate(V, A, hasBias ? BI : 0, hasBias, B, n, relu);
            expect(F[(V >> 2) + B * n]).toBe(-777); // nothing written past the rows
            out.push(new Uint32Array(F.slice(V >> 2, (V >> 2) + B * n).buffer));
          }
          const want = Float32Array.from({ length: B * n }, (_, i) => {
            const t = Math.fround(acc[i] + (hasBias ? bias[i % n] : 0));
            return relu ? (t > 0 ? t : 0) : t;
          });
          const at = `n ${n}, bias ${hasBias}, relu ${relu}`;
          // bits, a NaN as NaN (its payload is the platform's, in WebAssembly as in JavaScript)
          const shown = (u: Uint32Array) => Array.from(u, (x) => ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) ? "NaN" : x));
          expect(shown(out[0]), at).toEqual(shown(out[1]));
          expect(shown(out[0]), at).toEqual(shown(new Uint32Array(want.buffer)));
        }
  });
});
