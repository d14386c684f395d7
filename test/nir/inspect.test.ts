/**
 * `spikewasm inspect` on NIR files and graph JSON: every node with its shape, parameters and synapses, and
 * every problem at once (a node that does not map is marked and named; exit 2); a graph JSON file type-checks
 * or is refused with the node named.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { writeNir } from "../../src/nir/write.js";
import { f32, f64, i64 } from "../../src/nir/types.js";
import { captureConsole } from "../helpers/console.js";
import { graph, lif, p } from "./helpers.js";

const err = captureConsole();
const dir = mkdtempSync(join(tmpdir(), "spikewasm-inspect-"));
const json = (f: string) => JSON.parse(readFileSync(join(dir, f), "utf8"));

describe("spikewasm inspect on NIR files and graph JSON", () => {
  it("a NIR file with several problems: each node marked, every problem listed, exit 2", async () => {
    const w = f32(new Float32Array(12).fill(0.5), [3, 4]);
    const g = graph([
      ["in", p("Input", { shape: i64([4]) })],
      ["fc", p("Linear", { weight: w })],
      ["n1", lif(3, [1, 2, 3])],
      ["d", p("Delay", { delay: f64([1e-3, 1e-3, 1e-3]) })],
      ["fc2", p("Affine", { weight: f32(new Float32Array(6).fill(0.1), [2, 3]), bias: f32(new Float32Array(2), [2]) })],
      ["n2", lif(2)],
      ["out", p("Output", { shape: i64([2]) })],
    ], [["in", "fc"], ["fc", "n1"], ["n1", "d"], ["d", "fc2"], ["fc2", "n2"], ["n2", "out"]]);
    const file = join(dir, "bad.nir");
    writeFileSync(file, await writeNir(g));
    expect(await main(["inspect", file, "--dt", "1e-3", "--json", join(dir, "bad.json")])).toBe(2);
    const r = json("bad.json");
    expect(r.convertible).toBe(false);
    const by = Object.fromEntries(r.nodes.map((n: { name: string }) => [n.name, n]));
    expect(by.fc).toMatchObject({ type: "Linear", shape: [3], params: 12, synapses: 12, maps: true, note: "the weights of 'n1'" });
    expect(by.n1.maps).toBe(false);
    expect(by.n1.note).toContain("per-neuron 'v_threshold' varies (1 … 3)");
    expect(by.d).toMatchObject({ maps: false });
    expect(by.d.note).toContain("primitive Delay has no spikewasm equivalent");
    expect(by.n2).toMatchObject({ shape: [2], maps: true });
    expect(r.problems.length).toBeGreaterThanOrEqual(3);
    expect(r.problems.join("\n")).toContain("node 'fc2' (Affine): input from 'd' (Delay)");
  });

  it("a graph JSON file: nodes, shapes, parameters and synapses; a bad one is refused naming the node", async () => {
    const file = join(dir, "conv.json");
    expect(await main(["example", "conv", "-o", file])).toBe(0);
    expect(await main(["inspect", file, "--json", join(dir, "conv-inspect.json")])).toBe(0);
    const r = json("conv-inspect.json");
    expect(r).toMatchObject({ format: "spikewasm-graph", convertible: true, output: "out", problems: [] });
    expect(r.nodes.map((n: { id: string; kind: string; shape: number[]; synapses: number }) => [n.id, n.kind, n.shape, n.synapses])).toEqual([
      ["input", "input", [1, 28, 28], 0],
      ["conv1", "conv2d", [32, 26, 26], 32 * (26 * 3) ** 2],
      ["conv2", "conv2d", [64, 12, 12], 64 * 32 * (12 * 3) ** 2],
      ["flat", "flatten", [9216], 0],
      ["out", "dense", [10], 92160],
    ]);
    const bad = join(dir, "bad-graph.json");
    const text = JSON.parse(readFileSync(file, "utf8"));
    text.nodes[1].kernel = [30, 30];
    writeFileSync(bad, JSON.stringify(text));
    expect(await main(["inspect", bad])).toBe(2);
    expect(err.join("\n")).toMatch(/conv1/);
    expect(err.join("\n")).not.toMatch(/\n\s+at /);
  });
});
