/**
 * A spiking CNN laid out as Sinabs exports it (sinabs.nir.to_nir through nirtorch, the layout of the NIR paper's
 * CNN, paper/02_cnn): nodes named "0", "1", … between "input" and "output"; Conv2d → IF → SumPool2d → Conv2d → IF
 * → SumPool2d → Flatten → Affine → IF, i.e. pooling feeds a convolution and a flatten with no neuron between;
 * IF nodes with r and v_threshold per neuron shaped like Sinabs' v_mem [1, C, H, W] and no v_reset; every node
 * with NIR 1.0's input_type / output_type groups; the Flatten with Sinabs' placeholder input_type [0, 0, 0, 0];
 * no time step. Written here with h5wasm (writeNir), then taken through the command line: inspect, check,
 * simulate, export --nir and run, which must give identical spikes on the original and the exported file.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { checkGraph } from "../../src/ir/check.js";
import { nirToSnn, readNir, writeNir } from "../../src/nir/index.js";
import { type NirData, type NirGraph, type NirGroup, type NirPrimitive, f32, i64, str } from "../../src/nir/types.js";
import { Simulator } from "../../src/sim/simulator.js";
import { Rng } from "../../src/util/rng.js";
import { captureConsole } from "../helpers/console.js";

const err = captureConsole();
const dir = mkdtempSync(join(tmpdir(), "spikewasm-sinabs-"));
const FILE = join(dir, "scnn.nir");

/** NIR 1.0 type groups: {input: shape} and {output: shape}, with a leading batch axis as nirtorch records it. */
const types = (inp: number[], out: number[]): Record<string, NirGroup> => ({
  input_type: { data: { input: i64([1, ...inp]) }, groups: {} },
  output_type: { data: { output: i64([1, ...out]) }, groups: {} },
});
const node = (type: string, params: Record<string, NirData>, inp: number[], out: number[]): NirPrimitive => ({ type, params, groups: types(inp, out) });

/** Sinabs' IAF as NIR IF: r = ones_like(v_mem), v_threshold broadcast to v_mem's shape [1, C, H, W]. */
function iaf(shape: number[]): NirPrimitive {
  const n = shape.reduce((a, b) => a * b, 1);
  const per = (v: number) => ({ kind: "tensor" as const, dtype: "float32" as const, shape: [1, ...shape], data: new Float32Array(n).fill(v) });
  return node("IF", { r: per(1), v_threshold: per(1) }, shape, shape);
}

function sinabsCnn(): NirGraph {
  const rng = new Rng(2024);
  const rand = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
  const conv = (cout: number, cin: number, inp: number[], out: number[], lo: number, hi: number) => node("Conv2d", {
    weight: f32(rand(cout * cin * 9, lo, hi), [cout, cin, 3, 3]), bias: f32(new Float32Array(cout), [cout]),
    stride: i64([1, 1]), padding: i64([1, 1]), dilation: i64([1, 1]), groups: i64(1), input_shape: i64(inp.slice(1)),
  }, inp, out);
  const pool = (inp: number[], out: number[]) => node("SumPool2d", { kernel_size: i64([2, 2]), stride: i64([2, 2]), padding: i64([0, 0]) }, inp, out);
  const nodes = new Map<string, NirPrimitive>([
    ["input", node("Input", { shape: i64([1, 28, 28]) }, [1, 28, 28], [1, 28, 28])],
    ["0", conv(8, 1, [1, 28, 28], [8, 28, 28], -0.2, 0.5)],
    ["1", iaf([8, 28, 28])],
    ["2", pool([8, 28, 28], [8, 14, 14])],
    ["3", conv(8, 8, [8, 14, 14], [8, 14, 14], -0.12, 0.2)],
    ["4", iaf([8, 14, 14])],
    ["5", pool([8, 14, 14], [8, 7, 7])],
    ["6", { type: "Flatten", params: { start_dim: i64(1), end_dim: i64(-1) }, groups: { input_type: { data: { input: i64([0, 0, 0, 0]) }, groups: {} } } }],
    ["7", node("Affine", { weight: f32(rand(10 * 392, -0.04, 0.08), [10, 392]), bias: f32(new Float32Array(10), [10]) }, [392], [10])],
    ["8", iaf([10])],
    ["output", node("Output", { shape: i64([10]) }, [10], [10])],
  ]);
  const order = [...nodes.keys()];
  return { type: "NIRGraph", version: "1.0.0", nodes, edges: order.slice(1).map((b, i) => [order[i], b] as [string, string]), params: {}, groups: { metadata: { data: { producer: str("test: Sinabs layout") }, groups: {} } } };
}

const json = (f: string) => JSON.parse(readFileSync(join(dir, f), "utf8"));
const out = (f: string) => join(dir, f);

describe("a spiking CNN exported the way Sinabs does it (pooling into a conv and a flatten, IF nodes, no dt)", () => {
  beforeAll(async () => {
    writeFileSync(FILE, await writeNir(sinabsCnn()));
  });

  it("inspect lists every node with shape, parameters and synapses, the two composed chains, and the missing dt with its suggestion", async () => {
    expect(await main(["inspect", FILE, "--json", out("inspect-nodt.json")])).toBe(2);
    const nodt = json("inspect-nodt.json");
    expect(nodt.problems).toHaveLength(1);
    expect(nodt.problems[0]).toMatch(/needs a time step \(--dt\): it has no time constants \(IF\/I neurons only.*--dt 1 \(= 1\/r\) adds each step's input once/);
    expect(nodt.dtSource).toBe("suggested");

    expect(await main(["inspect", FILE, "--dt", "1", "--json", out("inspect.json")])).toBe(0);
    const r = json("inspect.json");
    expect(r).toMatchObject({ format: "nir", nirVersion: "1.0.0", convertible: true, dt: 1, dtSource: "option", populations: 3, problems: [] });
    expect(r.nodes.map((n: { name: string }) => n.name)).toEqual(["input", "0", "1", "2", "3", "4", "5", "6", "7", "8", "output"]);
    const by = Object.fromEntries(r.nodes.map((n: { name: string }) => [n.name, n]));
    expect(by["2"]).toMatchObject({ type: "SumPool2d", shape: [8, 14, 14], maps: true, synapses: 8 * 14 * 14 * 4 });
    expect(by["3"]).toMatchObject({ type: "Conv2d", shape: [8, 14, 14], params: 8 * 8 * 9 + 8, synapses: 8 * 8 * (14 * 3 - 2) ** 2 });
    expect(by["0"].synapses).toBe(8 * 1 * (28 * 3 - 2) ** 2);
    expect(by["6"]).toMatchObject({ type: "Flatten", shape: [392], maps: true });
    expect(by["7"]).toMatchObject({ type: "Affine", shape: [10], params: 3930, synapses: 3920 });
    expect(by["1"]).toMatchObject({ type: "IF", shape: [8, 28, 28], params: 2 * 8 * 28 * 28, note: "population '1' (conv2d)" });
    expect(by["3"].note).toBe("composed with '2' into the conv2d layer of '4' (2304 weights; the chain's own: 580)");
    expect(r.composed).toEqual([
      { neuron: "4", chain: ["2", "3"], kind: "conv2d", weights: 8 * 8 * 36, chainWeights: 4 + 576 },
      { neuron: "8", chain: ["5", "6", "7"], kind: "dense", weights: 10 * 8 * 14 * 14, chainWeights: 4 + 3920 },
    ]);
    // the table a person reads
    err.length = 0;
    const log: string[] = [];
    const orig = console.log;
    console.log = (...a: unknown[]) => { log.push(a.join(" ")); };
    try {
      expect(await main(["inspect", FILE, "--dt", "1"])).toBe(0);
    } finally {
      console.log = orig;
    }
    const text = log.join("\n");
    expect(text).toContain(`${FILE}: NIR 1.0.0, 11 nodes, dt 1 s (--dt)`);
    expect(text).toMatch(/composed: '5' → '6' → '7' → '8' is one dense layer \(15680 weights, exact\)/);
    expect(text).toContain("every node maps: 5 graph nodes, 3 populations");
  });

  it("check without a dt says which dt the file suggests (exit 2); with --dt 1 it types the composed graph", async () => {
    expect(await main(["check", FILE])).toBe(2);
    expect(err.join("\n")).toMatch(/scnn\.nir: needs a time step: dt must be a positive number .* --dt 1 \(= 1\/r\)/);
    expect(await main(["check", FILE, "--dt", "1", "--json", out("check.json")])).toBe(0);
    const c = json("check.json");
    expect(c.nodes.map((n: { id: string; kind: string; shape: number[] }) => `${n.id} ${n.kind} [${n.shape}]`)).toEqual([
      "input input [1,28,28]", "1 conv2d [8,28,28]", "4 conv2d [8,14,14]", "6 flatten [1568]", "8 dense [10]",
    ]);
  });

  it("export --nir writes the composed layers; simulate and run give identical spikes on both files", async () => {
    const exported = out("exported.nir");
    expect(await main(["export", FILE, "--dt", "1", "--nir", exported])).toBe(0);
    // the export holds the composite (one strided Conv2d, one Affine on the flattened [8, 28, 28]) and re-imports to the same graph
    const original = nirToSnn(await readNir(new Uint8Array(readFileSync(FILE)), "scnn.nir"), { dt: 1 });
    const back = await readNir(new Uint8Array(readFileSync(exported)), "exported.nir");
    expect(back.nodes.get("4.weight")).toMatchObject({ type: "Conv2d" });
    expect(nirToSnn(back)).toEqual(original);

    // spike for spike: per layer and per output neuron at every step, original file vs exported file
    const x = Float32Array.from({ length: 2 * 784 }, (_, i) => ((i * 7919) % 255) / 255);
    const runs = await Promise.all([original, nirToSnn(back)].map(async (g) => (await Simulator.create(g, { batch: 2 })).run(x, { steps: 30, coding: "current" })));
    for (let l = 0; l < runs[0].layers.length; l++) {
      expect(Array.from(runs[1].layers[l].spikeCounts)).toEqual(Array.from(runs[0].layers[l].spikeCounts));
      expect(runs[0].layers[l].spikeCounts.some((s) => s > 0), `layer ${runs[0].layers[l].id} spikes`).toBe(true);
    }
    expect(Array.from(runs[1].output.counts)).toEqual(Array.from(runs[0].output.counts));
    expect(checkGraph(original).shapes.get("8")).toEqual([10]);

    // the same through the command line
    for (const [f, name] of [[FILE, "a"], [exported, "b"]] as const) {
      expect(await main(["simulate", f, "--dt", "1", "-T", "25", "-b", "2", "--coding", "poisson", "--seed", "3", "--json", out(`sim-${name}.json`)])).toBe(0);
      expect(await main(["run", f, "--dt", "1", "--limit", "40", "-T", "20", "--workers", "1", "--json", out(`run-${name}.json`)])).toBe(0);
    }
    const [sa, sb] = [json("sim-a.json"), json("sim-b.json")];
    expect(sb.layers).toEqual(sa.layers);
    expect(sb.output).toEqual(sa.output);
    expect(sa.layers.every((l: { spikesPerSample: number }) => l.spikesPerSample > 0)).toBe(true);
    const [ra, rb] = [json("run-a.json"), json("run-b.json")];
    expect(rb.snn.accuracyByStep).toEqual(ra.snn.accuracyByStep);
    expect(rb.snn.layers).toEqual(ra.snn.layers);
    expect(ra.snn.spikesPerInference).toBeGreaterThan(0);
  }, 120_000);
});
