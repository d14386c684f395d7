/**
 * Golden vectors for the Loihi compartment, worked out by hand from the NengoLoihi emulator's published
 * equations (nengo_loihi/emulator/interface.py, discretize.py; see assembly/loihi.ts), not from the
 * kernel. Every case runs on both back ends. Notation: column k of a trace row is step k+1.
 */
import { describe, expect, it } from "vitest";
import { simulateLoihi } from "../../src/loihi/simulate.js";
import { block, net, range } from "./helpers.js";

const col = (rows: number[][], j = 0) => rows.map((r) => r[j]);

describe.each(["wasm", "js"] as const)("Loihi compartment golden vectors (%s)", (backend) => {
  const run = (n: Parameters<typeof simulateLoihi>[0], T: number) => simulateLoihi(n, T, { backend });

  // An input spike at step 1 with weight 100 (wExp 0) puts q = 100·2^6 = 6400 into step 2; then
  // u(t+1) = sign(u)·floor(|u|·(4095 − decayU) / 4096)   (current decay carries the emulator's offset 1).
  it.each([
    [0, 100, [0, 6400, 6398, 6396, 6394]],      // 6400·4095/4096 = 6398.44 → 6398; 6396.44 → 6396; 6394.44 → 6394
    [4095, 100, [0, 6400, 0, 0, 0]],            // factor 0: the current lasts one step
    [2048, 100, [0, 6400, 3198, 1598, 798]],    // 6400·2047/4096 = 3198.44; 3198·2047/4096 = 1598.22; 798.61
    [2048, -100, [0, -6400, -3198, -1598, -798]], // negative values round toward zero (floor would give -3199)
    [0, -100, [0, -6400, -6398, -6396, -6394]],
  ])("impulse into current with decayU %i, weight %i gives the integer sequence %j", async (decayU, w, want) => {
    const r = await run(net(block(1, { decayU }), [[1]], [[w]]), 5);
    expect(col(r.blocks.b.q)).toEqual([0, w * 64, 0, 0, 0]);
    expect(col(r.blocks.b.u)).toEqual(want);
  });

  it("voltage decay: bias 32·2^7 = 4096 each step with decayV 2048 gives 4096, 6144, 7168, 7680", async () => {
    const r = await run(net(block(1, { decayV: 2048, biasMant: 32, biasExp: 7 }), [[]], [[0]]), 4);
    expect(col(r.blocks.b.v)).toEqual([4096, 6144, 7168, 7680]); // v·2048/4096 + 4096
    expect(col(r.blocks.b.u)).toEqual([0, 0, 0, 0]); // the bias is not part of the stored current
  });

  it("threshold: spike only when v > vth (vth = 20·2^6 = 1280), then v resets to 0", async () => {
    // weight 10 → q = 640 every step from step 2; decayU 4095 → u = q; IF (decayV 0).
    const r = await run(net(block(1, { vthMant: 20 }), [range(1, 9)], [[10]]), 10);
    expect(col(r.blocks.b.v)).toEqual([0, 640, 1280, 0, 640, 1280, 0, 640, 1280, 0]); // 1280 is not > 1280
    expect(r.blocks.b.spikes).toEqual([[], [], [], [0], [], [], [0], [], [], [0]]);
  });

  it("bias with exponent: 5·2^7 = 640 from step 1 (no delay), spike at 1920 > 1280", async () => {
    const r = await run(net(block(1, { vthMant: 20, biasMant: 5, biasExp: 7 }), [[]], [[0]]), 6);
    expect(col(r.blocks.b.v)).toEqual([640, 1280, 0, 640, 1280, 0]);
    expect(r.blocks.b.spikes.map((s) => s.length)).toEqual([0, 0, 1, 0, 0, 1]);
  });

  it.each([[1, 4, 7], [3, 4, 9], [63, 4, 69]])(
    "refractory delay %i: spike at step %i, v held at 0 for delay-1 steps, next spike at step %i",
    async (refractDelay, first, next) => {
      const T = next;
      const r = await run(net(block(1, { vthMant: 20, refractDelay }), [range(1, T)], [[10]]), T);
      const v = col(r.blocks.b.v);
      const spikeSteps = r.blocks.b.spikes.flatMap((s, k) => (s.length ? [k + 1] : []));
      expect(spikeSteps).toEqual([first, next]);
      for (let t = first + 1; t < first + refractDelay; t++) expect(v[t - 1]).toBe(0); // held
      expect(v.slice(first + refractDelay - 1, first + refractDelay + 1)).toEqual([640, 1280]); // integrates again from 0
      expect(col(r.blocks.b.u).slice(1)).toEqual(new Array(T - 1).fill(640)); // u keeps integrating
    },
  );

  it("vmax clip: vmaxExp 0 → vmax = 2^9 − 1 = 511", async () => {
    const r = await run(net(block(1, { vmaxExp: 0 }), [range(1, 3)], [[10]]), 4);
    expect(col(r.blocks.b.v)).toEqual([0, 511, 511, 511]);
  });

  it("vmin clip: vminExp 5 → vmin = −2^5 + 1 = −31; vminExp 0 → vmin = 0 (bias −1·2^3 = −8 per step)", async () => {
    const r5 = await run(net(block(1, { vminExp: 5, biasMant: -1, biasExp: 3 }), [[]], [[0]]), 5);
    expect(col(r5.blocks.b.v)).toEqual([-8, -16, -24, -31, -31]);
    const r0 = await run(net(block(1, { vminExp: 0, biasMant: -1, biasExp: 3 }), [[]], [[0]]), 3);
    expect(col(r0.blocks.b.v)).toEqual([0, 0, 0]);
  });

  it("q wraps at 21 bits + sign: two spikes of 255·2^13 = 2088960 sum to 4177920 − 2^22 = −16384", async () => {
    const r = await run(net(block(1), [[1], [1]], [[255], [255]], 7), 2);
    expect(col(r.blocks.b.q)).toEqual([0, -16384]);
  });

  it("u wraps at 23 bits + sign: q = 2088960 every step into decayU 0", async () => {
    // u = floor(u·4095/4096) + 2088960: 2088960, 4177410, 6265350, 8352780,
    // then 8350740 + 2088960 = 10439700 ≥ 2^23 → 10439700 − 2^24 = −6337516.
    const r = await run(net(block(1, { decayU: 0 }), [range(1, 5)], [[255]], 7), 6);
    expect(col(r.blocks.b.u)).toEqual([0, 2088960, 4177410, 6265350, 8352780, -6337516]);
  });

  it("large wExp 7: weight 1 contributes 2^(6+7) = 8192; weight −255 contributes −2088960", async () => {
    const r = await run(net(block(2), [[1]], [[1, -255]], 7), 2);
    expect(r.blocks.b.q[1]).toEqual([8192, -2088960]);
    expect(r.warnings).toEqual([]);
  });

  it("negative wExp: the chip shifts by wExp (arithmetic) then by 6; lost bits are reported", async () => {
    // wExp −8: 255 >> 8 = 0, −255 >> 8 = −1 → −64, 0 → 0.  wExp −2: 255 >> 2 = 63 → 4032, 4 → 64 (exact).
    const r8 = await run(net(block(3), [[1]], [[255, -255, 0]], -8), 2);
    expect(r8.blocks.b.q[1]).toEqual([0, -64, 0]);
    expect(r8.warnings.join()).toMatch(/wExp -8 drops the low 8 bits of 2 weight/);
    const r2 = await run(net(block(2), [[1]], [[255, 4]], -2), 2);
    expect(r2.blocks.b.q[1]).toEqual([4032, 64]);
    expect(r2.warnings.join()).toMatch(/of 1 weight/);
  });

  it("input delay: a spike listed at step t reaches q at step t + 1 only", async () => {
    const r = await run(net(block(1), [[3]], [[1]]), 5);
    expect(col(r.blocks.b.q)).toEqual([0, 0, 0, 64, 0]);
  });

  it("block-to-block delay: a spike emitted at step t reaches the target's q at step t + 1", async () => {
    const a = block(1, { name: "a", vthMant: 0, biasMant: 1 }); // v = 1 > 0 at step 1 → spikes every step
    const b = block(1, { name: "b" });
    const r = await run({ blocks: [b, a], connections: [{ src: "a", dst: "b", weights: [[2]], wExp: 0 }] }, 3);
    expect(r.blocks.a.spikes).toEqual([[0], [0], [0]]);
    expect(col(r.blocks.b.q)).toEqual([0, 128, 128]); // order of blocks in the list does not matter
  });
  it("v sums in int32 as the emulator's numpy does: with vminExp 31 a sum below −2^31 wraps, is clipped to vmax, and spikes", async () => {
    // bias −4095·2^7 = −524160 per step, decayV 0: v(t) = −524160·t ≥ vmin = 1 − 2^31 up to t = 4097
    // (−2147483520); at t = 4098 the sum −2148007680 wraps to 2146959616, clips to vmax 2^23 − 1 = 8388607,
    // which is > vth = 131071·2^6 = 8388544: a spike, v = 0. (The chip's V overflow is not modelled by
    // the emulator; this reproduces the emulator.)
    const r = await run(net(block(1, { biasMant: -4095, biasExp: 7 }), [[]], [[0]]), 4099);
    const v = col(r.blocks.b.v);
    expect(v[4096]).toBe(-2147483520);
    expect(v[4097]).toBe(0);
    expect(r.blocks.b.spikes[4097]).toEqual([0]);
    expect(v[4098]).toBe(-524160);
  });
});
