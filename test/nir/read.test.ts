/** readNir / writeNir on the real NIR files of test/fixtures/nir (copies of ../shared/nir, written by Norse, Rockpool and the NIR paper). */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { NirError } from "../../src/nir/errors.js";
import { readNir } from "../../src/nir/read.js";
import type { NirGraph, NirPrimitive, NirTensor } from "../../src/nir/types.js";
import { writeNir } from "../../src/nir/write.js";

export const NIR_DIR = new URL("../fixtures/nir", import.meta.url).pathname;
export const loadFile = (name: string): Uint8Array => new Uint8Array(readFileSync(`${NIR_DIR}/${name}`));

const EXPECTED: Record<string, { version: string; types: Record<string, string>; edges: number }> = {
  "lif_norse.nir": { version: "0.1.1", types: { "0": "Affine", "1": "LIF", input: "Input", output: "Output" }, edges: 3 },
  "lif_rockpool.nir": { version: "0.2.0", types: { "0_LinearTorch": "Linear", "1_LIFNeuronTorch": "LIF", input: "Input", output: "Output" }, edges: 3 },
  "two_lif_neurons.nir": {
    version: "0.2.0", types: { in: "Input", linear1: "Linear", lif1: "LIF", linear2: "Linear", lif2: "LIF", out: "Output" }, edges: 5,
  },
  "braille_noDelay_bias_zero.nir": {
    version: "0.2.0", edges: 7,
    types: { input: "Input", fc1: "Affine", "lif1.lif": "CubaLIF", "lif1.w_rec": "Affine", fc2: "Affine", lif2: "CubaLIF", output: "Output" },
  },
  "braille_noDelay_noBias_subtract.nir": {
    version: "0.2.0", edges: 7,
    types: { input: "Input", fc1: "Linear", "lif1.lif": "CubaLIF", "lif1.w_rec": "Linear", fc2: "Linear", lif2: "CubaLIF", output: "Output" },
  },
};

const prim = (g: NirGraph, name: string): NirPrimitive => g.nodes.get(name) as NirPrimitive;
const t = (g: NirGraph, name: string, field: string): NirTensor => prim(g, name).params[field] as NirTensor;

describe("readNir on the shared NIR files", () => {
  for (const [file, exp] of Object.entries(EXPECTED)) {
    it(`${file}: version, node types and edges`, async () => {
      const g = await readNir(loadFile(file), file);
      expect(g.version).toBe(exp.version);
      expect(g.type).toBe("NIRGraph");
      const types = Object.fromEntries([...g.nodes].map(([k, n]) => [k, n.type]));
      expect(types).toEqual(exp.types);
      expect(g.edges).toHaveLength(exp.edges);
      for (const [a, b] of g.edges) expect(g.nodes.has(a) && g.nodes.has(b)).toBe(true);
    });
  }

  it("lif_norse.nir: parameters, dtypes and shapes as stored", async () => {
    const g = await readNir(loadFile("lif_norse.nir"), "lif_norse.nir");
    expect(g.edges).toEqual([["input", "0"], ["0", "1"], ["1", "output"]]);
    expect(t(g, "1", "tau")).toMatchObject({ dtype: "float32", shape: [1] });
    expect(t(g, "1", "tau").data[0]).toBeCloseTo(0.0025, 9);
    expect(t(g, "1", "v_threshold").data[0]).toBeCloseTo(0.1, 7);
    expect(t(g, "0", "weight")).toMatchObject({ dtype: "float32", shape: [1, 1] });
    expect(t(g, "input", "shape")).toMatchObject({ dtype: "int64", shape: [1] });
    expect(Array.from(t(g, "input", "shape").data)).toEqual([1]);
  });

  it("braille: CubaLIF per-neuron float64 parameters and the recurrent edge pair", async () => {
    const g = await readNir(loadFile("braille_noDelay_bias_zero.nir"), "braille");
    expect(t(g, "lif1.lif", "tau_syn")).toMatchObject({ dtype: "float64", shape: [38] });
    expect(t(g, "fc1", "weight")).toMatchObject({ dtype: "float32", shape: [38, 12] });
    const e = g.edges.map(([a, b]) => `${a}>${b}`);
    expect(e).toContain("lif1.lif>lif1.w_rec");
    expect(e).toContain("lif1.w_rec>lif1.lif");
  });

  it("write → read reproduces every shared file's graph", async () => {
    for (const file of Object.keys(EXPECTED)) {
      const g = await readNir(loadFile(file), file);
      const again = await readNir(await writeNir(g), `${file} (rewritten)`);
      expect(again).toEqual(g);
    }
  });
});

describe("readNir errors", () => {
  it("random bytes → NirError 'corrupt' naming the file", async () => {
    const err = await readNir(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), "junk.nir").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NirError);
    expect((err as NirError).kind).toBe("corrupt");
    expect((err as NirError).message).toMatch(/^junk\.nir: not a NIR file/);
  });

  it("a truncated file → NirError 'corrupt'", async () => {
    const bytes = loadFile("lif_norse.nir").slice(0, 700);
    const err = await readNir(bytes, "cut.nir").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NirError);
    expect((err as NirError).kind).toBe("corrupt");
  });

  it("unknown primitives, missing datasets and mismatched shapes are all listed at once", async () => {
    const g = await readNir(loadFile("two_lif_neurons.nir"), "two");
    (g.nodes.get("lif1") as NirPrimitive).type = "Quantum";
    delete (g.nodes.get("lif2") as NirPrimitive).params.tau;
    (g.nodes.get("lif2") as NirPrimitive).params.r = { kind: "tensor", dtype: "float64", shape: [3], data: new Float64Array(3) };
    (g.nodes.get("lif2") as NirPrimitive).params.v_threshold = { kind: "tensor", dtype: "float64", shape: [2], data: new Float64Array(2) };
    g.edges.push(["linear2", "ghost"]);
    const err = await readNir(await writeNir(g), "broken.nir").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NirError);
    const p = (err as NirError).problems;
    expect((err as NirError).kind).toBe("invalid");
    expect(p.some((x) => /node 'lif1': unknown primitive type 'Quantum'/.test(x))).toBe(true);
    expect(p.some((x) => /node 'lif2' \(LIF\): missing dataset 'tau'/.test(x))).toBe(true);
    expect(p.some((x) => /node 'lif2' \(LIF\): per-neuron parameters disagree/.test(x))).toBe(true);
    expect(p.some((x) => /'ghost', which does not exist/.test(x))).toBe(true);
    expect((err as NirError).message).toContain("broken.nir: invalid NIR file (4 problems)");
  });
});
