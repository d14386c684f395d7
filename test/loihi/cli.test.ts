// spikewasm loihi-sim: writes the per-step trace atomically; bad nets exit 2 naming the field.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { captureConsole } from "../helpers/console.js";
import { main } from "../../src/cli.js";
import { block, net } from "./helpers.js";

const err = captureConsole();
const dir = mkdtempSync(join(tmpdir(), "spikewasm-loihi-"));

describe("spikewasm loihi-sim", () => {
  it("writes q, u, v and spikes per block and step", async () => {
    const file = join(dir, "net.json"), out = join(dir, "trace.json");
    writeFileSync(file, JSON.stringify(net(block(1, { vthMant: 20 }), [[1, 2, 3]], [[10]])));
    expect(await main(["loihi-sim", file, "--steps", "4", "--json", out])).toBe(0);
    const r = JSON.parse(readFileSync(out, "utf8"));
    expect(r.steps).toBe(4);
    expect(r.blocks.b.v).toEqual([[0], [640], [1280], [0]]);
    expect(r.blocks.b.spikes).toEqual([[], [], [], [0]]);
  });
  it("a bad net exits 2 with the field named and writes no file", async () => {
    const file = join(dir, "bad.json"), out = join(dir, "bad-trace.json");
    const n = net(block(1), [[1]], [[1]]);
    n.blocks[0].decayU[0] = 5000;
    writeFileSync(file, JSON.stringify(n));
    expect(await main(["loihi-sim", file, "--steps", "4", "--json", out])).toBe(2);
    expect(err.join("\n")).toMatch(/blocks\[0\]\.decayU\[0\]: 5000 is out of range 0\.\.4095/);
    expect(existsSync(out)).toBe(false);
  });
  it("invalid JSON exits 2 naming the file", async () => {
    const file = join(dir, "broken.json");
    writeFileSync(file, "{");
    expect(await main(["loihi-sim", file, "--steps", "1"])).toBe(2);
    expect(err.join("\n")).toMatch(/broken\.json: not valid JSON/);
  });
});

describe("spikewasm loihi-sim --cost", () => {
  it("adds the run's cost (flow, energy, latency, power, cores, breakdown with staticJ, synaptic events) and per block", async () => {
    const file = join(dir, "cost-net.json"), out = join(dir, "cost-trace.json");
    // 3 input axons spiking at steps 1..3 into a block of 2 (one zero weight); the block spikes once
    writeFileSync(file, JSON.stringify(net(block(2, { vthMant: 20 }), [[1, 2, 3], [1], []], [[10, 0], [5, 5], [1, 1]])));
    expect(await main(["loihi-sim", file, "--steps", "4", "--cost", "--loihi-flow", "chip", "--loihi-constants", "sanafe", "--json", out])).toBe(0);
    const r = JSON.parse(readFileSync(out, "utf8"));
    expect(r.cost.flow).toBe("chip");
    expect(r.cost.constants).toBe("sanafe");
    // input axon 0: 3 spikes x 1 non-zero weight; axon 1: 1 spike x 2; axon 2: never spikes
    expect(r.cost.synapticEvents).toBe(5);
    expect(r.cost.blocks.b.synapticEvents).toBe(5);
    expect([r.cost.cores, r.cost.chips]).toEqual([1, 1]);
    expect(r.cost.breakdown.staticJ).toBeGreaterThan(0);
    expect(r.cost.breakdown.x86J).toBe(0);
    expect(r.cost.energyJ).toBeCloseTo(r.cost.breakdown.dynamicJ + r.cost.breakdown.staticJ + r.cost.breakdown.x86J, 18);
    expect(Object.keys(r.cost.flows)).toEqual(["host", "bias", "chip"]);
    expect(r.cost.flows.host.latencyS).toBeGreaterThan(r.cost.flows.chip.latencyS);
    // the chip flow of a tiny net is the measured one-chip floor, 8 us per step
    expect(r.cost.latencyS).toBeCloseTo(4 * 8e-6, 12);
  });
  it("an unknown flow or constant set exits 2 naming it", async () => {
    const file = join(dir, "cost-net2.json");
    writeFileSync(file, JSON.stringify(net(block(1), [[1]], [[1]])));
    expect(await main(["loihi-sim", file, "--steps", "2", "--cost", "--loihi-flow", "usb"])).toBe(2);
    expect(err.join("\n")).toMatch(/unknown Loihi deployment flow 'usb'/);
    expect(await main(["loihi-sim", file, "--steps", "2", "--cost", "--loihi-constants", "intel"])).toBe(2);
    expect(err.join("\n")).toMatch(/unknown Loihi constant set 'intel' \(available: davies, sanafe\)/);
  });
  it("a net that cannot be mapped exits 3 with the limit and the numbers", async () => {
    const file = join(dir, "too-wide.json"), out = join(dir, "too-wide-trace.json");
    const n = 4100;
    writeFileSync(file, JSON.stringify(net(block(1), Array.from({ length: n }, () => []), Array.from({ length: n }, () => [1]))));
    expect(await main(["loihi-sim", file, "--steps", "1", "--cost", "--json", out])).toBe(3);
    expect(err.join("\n")).toMatch(/block 'b': 4100 input axons .* more than the 4096 input axons per core .*inputAxonsPerCore/);
    expect(existsSync(out)).toBe(false);
  });
});

describe("spikewasm loihi-sim on hostile nets", () => {
  it("a block named __proto__ is an ordinary block in the trace and the cost", async () => {
    const file = join(dir, "proto.json"), out = join(dir, "proto-trace.json");
    writeFileSync(file, JSON.stringify(net(block(1, { vthMant: 20, name: "__proto__" }), [[1, 2, 3]], [[10]])));
    expect(await main(["loihi-sim", file, "--steps", "4", "--cost", "--json", out])).toBe(0);
    const r = JSON.parse(readFileSync(out, "utf8"));
    expect(Object.keys(r.blocks)).toEqual(["__proto__"]);
    expect(r.blocks.__proto__.spikes).toEqual([[], [], [], [0]]);
    expect(Object.keys(r.cost.blocks)).toEqual(["__proto__"]);
  });
  it("a trace larger than the memory budget exits 3 before running, naming the bytes and --steps", async () => {
    const file = join(dir, "long.json"), out = join(dir, "long-trace.json");
    writeFileSync(file, JSON.stringify(net(block(5), [[1], [1], [1], [1], [1]], Array.from({ length: 5 }, () => [1, 1, 1, 1, 1]))));
    const t0 = performance.now();
    expect(await main(["loihi-sim", file, "--steps", "10000000", "--json", out])).toBe(3);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(err.join("\n")).toMatch(/10000000 steps × 5 compartments .* needs \d+ bytes, more than the 1073741824-byte limit; lower --steps/);
    expect(existsSync(out)).toBe(false);
  });
});
