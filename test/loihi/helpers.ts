// Small Loihi nets for the tests: one input driving one block, parameters overridable.
import type { LoihiBlock, LoihiNet } from "../../src/loihi/simulate.js";

/** A block of n compartments, every register the same (IF with no decay, huge threshold by default). */
export function block(n: number, p: Partial<{ decayU: number; decayV: number; vthMant: number; biasMant: number; biasExp: number; refractDelay: number; vminExp: number; vmaxExp: number; name: string }> = {}): LoihiBlock {
  const f = (x: number) => new Array<number>(n).fill(x);
  return {
    name: p.name ?? "b", n,
    decayU: f(p.decayU ?? 4095), decayV: f(p.decayV ?? 0), vthMant: f(p.vthMant ?? 2 ** 17 - 1),
    biasMant: f(p.biasMant ?? 0), biasExp: f(p.biasExp ?? 0), refractDelay: f(p.refractDelay ?? 1),
    vminExp: p.vminExp ?? 31, vmaxExp: p.vmaxExp ?? 7,
  };
}

/** One input of `weights.length` axons with the given spike times, fully connected to `b` with wExp. */
export function net(b: LoihiBlock, spikeTimes: number[][], weights: number[][], wExp = 0): LoihiNet {
  return {
    inputs: [{ name: "in", n: spikeTimes.length, spikeTimes }],
    blocks: [b],
    connections: [{ src: "in", dst: b.name, weights, wExp }],
  };
}

/** Steps 1..T. */
export const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
