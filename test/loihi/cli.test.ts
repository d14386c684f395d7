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
