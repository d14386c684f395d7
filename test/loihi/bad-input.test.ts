// Bad Loihi nets: every out-of-range register, unknown name and shape mismatch gets a LoihiNetError
// naming the field and the value.
import { describe, expect, it } from "vitest";
import { LoihiNetError, type LoihiNet, simulateLoihi } from "../../src/loihi/simulate.js";
import { block, net } from "./helpers.js";

const good = (): LoihiNet => net(block(2), [[1]], [[1, 2]]);

async function fails(mutate: (n: LoihiNet) => void, field: string, msg: RegExp, steps = 3) {
  const n = structuredClone(good());
  mutate(n);
  const e = await simulateLoihi(n, steps, { backend: "js" }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(LoihiNetError);
  expect((e as LoihiNetError).field).toBe(field);
  expect((e as Error).message).toMatch(msg);
  expect((e as LoihiNetError).exitCode).toBe(2);
}

describe("simulateLoihi bad input", () => {
  it("the base net is valid", async () => {
    await expect(simulateLoihi(good(), 3)).resolves.toBeTruthy();
  });
  it("decayU > 4095", () => fails((n) => { n.blocks[0].decayU[1] = 4096; }, "blocks[0].decayU[1]", /4096 is out of range 0\.\.4095/));
  it("decayV negative", () => fails((n) => { n.blocks[0].decayV[0] = -1; }, "blocks[0].decayV[0]", /out of range/));
  it("vthMant ≥ 2^17", () => fails((n) => { n.blocks[0].vthMant[0] = 2 ** 17; }, "blocks[0].vthMant[0]", /131072 is out of range 0\.\.131071/));
  it("weight magnitude > 255", () => fails((n) => { n.connections![0].weights[0][1] = -256; }, "connections[0].weights[0][1]", /-256 is out of range -255\.\.255/));
  it("non-integer weight", () => fails((n) => { n.connections![0].weights[0][0] = 1.5; }, "connections[0].weights[0][0]", /must be an integer/));
  it("refractDelay 0", () => fails((n) => { n.blocks[0].refractDelay[0] = 0; }, "blocks[0].refractDelay[0]", /out of range 1\.\.63/));
  it("refractDelay 64", () => fails((n) => { n.blocks[0].refractDelay[1] = 64; }, "blocks[0].refractDelay[1]", /out of range 1\.\.63/));
  it("biasExp 8", () => fails((n) => { n.blocks[0].biasExp[0] = 8; }, "blocks[0].biasExp[0]", /out of range 0\.\.7/));
  it("biasMant beyond 12 bits", () => fails((n) => { n.blocks[0].biasMant[0] = 4096; }, "blocks[0].biasMant[0]", /out of range/));
  it("vmaxExp 8 and vminExp 32", async () => {
    await fails((n) => { n.blocks[0].vmaxExp = 8; }, "blocks[0].vmaxExp", /out of range 0\.\.7/);
    await fails((n) => { n.blocks[0].vminExp = 32; }, "blocks[0].vminExp", /out of range 0\.\.31/);
  });
  it("wExp outside −8..7", () => fails((n) => { n.connections![0].wExp = 8; }, "connections[0].wExp", /out of range -8\.\.7/));
  it("unknown source", () => fails((n) => { n.connections![0].src = "nope"; }, "connections[0].src", /unknown input or block 'nope'/));
  it("unknown destination block (an input is not a destination)", () => fails((n) => { n.connections![0].dst = "in"; }, "connections[0].dst", /unknown block 'in'/));
  it("weights with the wrong number of rows", () => fails((n) => { n.connections![0].weights.push([0, 0]); }, "connections[0].weights", /length 2, expected 1/));
  it("weights with the wrong number of columns", () => fails((n) => { n.connections![0].weights[0] = [1]; }, "connections[0].weights[0]", /length 1, expected 2/));
  it("per-compartment array of the wrong length", () => fails((n) => { n.blocks[0].decayU = [0]; }, "blocks[0].decayU", /length 1, expected 2/));
  it("spikeTimes of the wrong length, and a step < 1", async () => {
    await fails((n) => { n.inputs![0].spikeTimes = []; }, "inputs[0].spikeTimes", /length 0, expected 1/);
    await fails((n) => { n.inputs![0].spikeTimes = [[0]]; }, "inputs[0].spikeTimes[0][0]", /out of range 1\.\./);
  });
  it("duplicate names", () => fails((n) => { n.blocks[0].name = "in"; }, "blocks[0].name", /duplicate name 'in'/));
  it("steps < 1", () => fails(() => undefined, "steps", /integer >= 1/, 0));
});
