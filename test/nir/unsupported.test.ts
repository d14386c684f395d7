/** What nirToSnn cannot express is reported at once, naming file, node and field; nested graphs are inlined. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkGraph } from "../../src/ir/check.js";
import { NirError } from "../../src/nir/errors.js";
import { loadH5 } from "../../src/nir/hdf5.js";
import { nirToSnn, readNir, writeNir } from "../../src/nir/index.js";
import { type NirGraph, type NirNode, type NirPrimitive, f32, f64, i64 } from "../../src/nir/types.js";
import { caught, expectNirProblems, graph, lif, p } from "./helpers.js";

const load = (name: string) => readNir(new Uint8Array(readFileSync(new URL(`../fixtures/nir/${name}`, import.meta.url))), name);



describe("braille (recurrent CubaLIF) files", () => {
  for (const file of ["braille_noDelay_bias_zero.nir", "braille_noDelay_noBias_subtract.nir"]) {
    it(`${file}: converts now — the loop lif1.lif → lif1.w_rec → lif1.lif is lif1.lif's recurrent weights (test/nir/recurrent.test.ts)`, async () => {
      const nir = await load(file);
      const g = nirToSnn(nir, { dt: 1e-4, file, reset: file.includes("subtract") ? "subtract" : "value" });
      expect(checkGraph(g).shapes.get("lif2")).toEqual([7]);
      expect(g.nodes[1]).toMatchObject({ kind: "dense", id: "lif1.lif" });
      expect((g.nodes[1] as { recurrent?: unknown }).recurrent).toBeDefined();
    });

    it(`${file}: a cycle through two populations (lif2 → w_rec → lif1) is still refused, naming the edge and the sum`, async () => {
      const nir = await load(file);
      const cut = { ...nir, edges: nir.edges.map(([a, b]): [string, string] => (a === "lif1.lif" && b === "lif1.w_rec" ? ["lif2", "lif1.w_rec"] : [a, b])) };
      const e = caught(() => nirToSnn(cut, { dt: 1e-4, file, reset: file.includes("subtract") ? "subtract" : "value" }));
      expect(e.kind).toBe("unsupported");
      expect(e.message).toContain(`${file}: cannot convert to a spikewasm graph`);
      expect(e.message).toMatch(/recurrent edge 'lif1\.w_rec' → 'lif1\.lif' \(a cycle through CubaLIF 'lif1\.lif'\); spikewasm expresses only a population's own recurrent weights/);
      expect(e.message).toMatch(/node 'lif1\.lif' \(CubaLIF\): sums 2 weighted input\(s\) \('(lif1\.w_rec|fc1)', '(lif1\.w_rec|fc1)'\)/);
    });
  }

  it("the feed-forward part converts: fc2 → CubaLIF lif2 becomes a dense layer with a synaptic filter", async () => {
    const nir = await load("braille_noDelay_bias_zero.nir");
    // cut the recurrent loop and feed lif2 from the input through a fresh 12→7 weight, to check CubaLIF alone
    const fc2 = nir.nodes.get("fc2") as NirPrimitive;
    const w = new Float32Array(7 * 12).fill(0.1);
    const g = graph([["input", nir.nodes.get("input")!], ["fc2", p("Affine", { weight: f32(w, [7, 12]), bias: fc2.params.bias })],
      ["lif2", nir.nodes.get("lif2")!], ["output", nir.nodes.get("output")!]], [["input", "fc2"], ["fc2", "lif2"], ["lif2", "output"]]);
    const warnings: string[] = [];
    const snn = nirToSnn(g, { dt: 1e-4, onWarning: (m) => warnings.push(m) });
    checkGraph(snn);
    const d = snn.nodes[1];
    expect(d.kind).toBe("dense");
    if (d.kind !== "dense") return;
    // tau_syn = 0.2 ms → a = 0.5, synDecay 0.5; tau_mem = 0.2222 ms → s = 0.45, leak 0.55;
    // g = s·r·a·w_in = 0.45 · 2.2222 · 0.5 · 2 = 1.0, so threshold = v_threshold / g = 1
    const s = 1e-4 / 0.0002222222281091009;
    expect(d.neuron.synDecay).toBeCloseTo(0.5, 12);
    expect(d.neuron.leak).toBeCloseTo(1 - s, 12);
    expect(d.neuron.threshold).toBeCloseTo(1 / (s * 2.2222222810910086 * 0.5 * 2), 12);
    expect(d.neuron.threshold).toBeCloseTo(1, 6);
    expect(warnings.join("\n")).toMatch(/bias of 'fc2' enters the synapse in NIR/);
  });
});

describe("nirToSnn lists every unsupported construct at once", () => {
  it("Delay, per-neuron thresholds, a chain of weights fed by a Delay, two outputs, a 4-D input, dt ≥ tau", () => {
    const w = f32(new Float32Array(9).fill(0.5), [3, 3]);
    const g = graph([
      ["in", p("Input", { shape: i64([1, 1, 1, 3]) })],
      ["w1", p("Linear", { weight: w })],
      ["n1", lif(3, [1, 2, 3])],
      ["d", p("Delay", { delay: f64([1e-3, 1e-3, 1e-3]) })],
      ["w2", p("Linear", { weight: w })],
      ["w3", p("Linear", { weight: w })],
      ["n2", p("LIF", { tau: f64([1e-5]), r: f64([1]), v_leak: f64([0]), v_threshold: f64([1]) })],
      ["o1", p("Output", { shape: i64([3]) })],
      ["o2", p("Output", { shape: i64([3]) })],
    ], [["in", "w1"], ["w1", "n1"], ["n1", "d"], ["d", "w2"], ["w2", "w3"], ["w3", "n2"], ["n2", "o1"], ["n1", "o2"]]);
    const e = expectNirProblems(g, { dt: 1e-4, file: "bad.nir" }, [
      "bad.nir: 2 Output nodes (o1, o2)",
      "node 'in' (Input): shape [1, 1, 1, 3]; spikewasm inputs are [N], [C, L] (held as [C, 1, L]) or [C, H, W]",
      "node 'n1' (LIF): per-neuron 'v_threshold' varies (1 … 3)",
      "node 'd' (Delay): primitive Delay has no spikewasm equivalent",
      "node 'w2' (Linear): input from 'd' (Delay) — expected an Input, Flatten or neuron node here",
      "node 'n2' (LIF): dt/tau = 0.0001/0.00001 = 10: forward Euler needs 0 < dt < tau",
    ]);
    expect(e.problems.length).toBeGreaterThanOrEqual(6);
  });

  it("no dt and none stored in the file → NirError naming the dt the file's time constants suggest", async () => {
    const nir = await load("lif_norse.nir");
    const e = caught(() => nirToSnn(nir, { file: "lif_norse.nir" }));
    expect(e.message).toMatch(/lif_norse\.nir: needs a time step: dt must be a positive number/);
    expect(e.message).toContain("its time constants (0.0025 s) suggest --dt 0.001 (round per-step decays 0.6");
    expect(e.message).toContain("forward Euler needs dt < 0.0025 s, and --dt 0.0001 (≤ τ/10) follows continuous time closely");
    // snnTorch's β = 0.9, α = 0.55 exported at dt = 1e-4: the suggestion gives that dt back
    const braille = await load("braille_noDelay_bias_zero.nir");
    const eb = caught(() => nirToSnn(braille, { file: "braille.nir" }));
    expect(eb.message).toContain("suggest --dt 0.0001 (round per-step decays 0.9, 0.55, 0.5");
  });

  it("a valid HDF5 file that is not NIR → NirError 'invalid'", async () => {
    const { h5, FS } = await loadH5();
    const f = new h5.File("/not-nir.h5", "w");
    f.create_dataset({ name: "data", data: new Float32Array([1, 2]) });
    f.close();
    const bytes = FS.readFile("/not-nir.h5");
    FS.unlink("/not-nir.h5");
    const err = await readNir(bytes, "data.h5").catch((x: unknown) => x);
    expect(err).toBeInstanceOf(NirError);
    expect((err as NirError).kind).toBe("invalid");
    expect((err as NirError).message).toMatch(/data\.h5: not a NIR graph/);
    expect((err as NirError).message).toMatch(/missing dataset '\/version'|missing or non-string dataset '\/version'/);
  });
});

describe("nested NIRGraph nodes", () => {
  it("are inlined with dotted names, through their Input and Output nodes, and survive write/read", async () => {
    const sub = graph([
      ["i", p("Input", { shape: i64([2]) })],
      ["w", p("Affine", { weight: f32(Float32Array.of(1, 2, 3, 4), [2, 2]), bias: f32(Float32Array.of(0.5, 0), [2]) })],
      ["lif", lif(2)],
      ["o", p("Output", { shape: i64([2]) })],
    ], [["i", "w"], ["w", "lif"], ["lif", "o"]]);
    const top = graph([
      ["input", p("Input", { shape: i64([2]) })],
      ["block", { type: "NIRGraph", nodes: sub.nodes, edges: sub.edges, params: {}, groups: {} }],
      ["output", p("Output", { shape: i64([2]) })],
    ], [["input", "block"], ["block", "output"]]);
    const again = await readNir(await writeNir(top), "nested.nir");
    expect(again.nodes.get("block")?.type).toBe("NIRGraph");
    const snn = nirToSnn(again, { dt: 1e-3 });
    expect(snn.nodes.map((n) => `${n.kind}:${n.id}`)).toEqual(["input:input", "dense:block.lif"]);
    const d = snn.nodes[1];
    if (d.kind !== "dense") throw new Error("dense expected");
    expect(Array.from(d.weights)).toEqual([1, 3, 2, 4]); // NIR [out, in] → spikewasm [in][out]
    expect(Array.from(d.bias!)).toEqual([0.5, 0]);
    expect(d.neuron).toMatchObject({ model: "lif", leak: 0.9, reset: "value" });
    expect(d.neuron.threshold).toBeCloseTo(10, 12); // v_threshold / (dt/tau · r) = 1 / 0.1
  });
});
