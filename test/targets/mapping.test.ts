import { describe, expect, it } from "vitest";
import type { SnnGraph } from "../../src/ir/graph.js";
import { LOIHI, LOIHI_SANAFE, chipConstants, type ChipDescription } from "../../src/targets/loihi.js";
import { bitsPerAxon, mapToLoihi } from "../../src/targets/mapping.js";

const IF = { model: "if" as const, threshold: 1 };
const dense = (id: string, input: string, nIn: number, units: number) =>
  ({ kind: "dense" as const, id, input, units, weights: new Float32Array(nIn * units).fill(0.1), neuron: IF });
const mlp = (sizes: number[]): SnnGraph => ({
  nodes: [{ kind: "input", id: "in", shape: [sizes[0]] }, ...sizes.slice(1).map((n, i) => dense(`fc${i + 1}`, i === 0 ? "in" : `fc${i}`, sizes[i], n))],
});
/** LOIHI with some limits changed. */
const withLimits = (l: Partial<Record<keyof ChipDescription["limits"], number>>): ChipDescription => ({
  ...LOIHI,
  limits: Object.fromEntries(Object.entries(LOIHI.limits).map(([k, v]) => [k, k in l ? { ...v, value: l[k as keyof typeof l]! } : v])) as ChipDescription["limits"],
});

describe("Loihi chip description", () => {
  it.each([LOIHI, LOIHI_SANAFE])("$name gives every constant a value, a unit, a kind and a source", (chip) => {
    const all = chipConstants(chip);
    expect(all.length).toBeGreaterThanOrEqual(24);
    for (const c of all) {
      expect(Number.isFinite(c.value)).toBe(true);
      expect(["measured", "derived", "assumed"]).toContain(c.kind);
      expect(c.source.length).toBeGreaterThan(3);
      if (c.kind === "assumed") expect(c.note ?? "").not.toBe("");
    }
    expect(LOIHI.limits.synapticMemoryBitsPerCore.value).toBe(128 * 1024 * 8);
  });

  it("encodes synapses as NengoLoihi's bits_per_axon: 64-synapse blocks of 8-bit weights + 10-bit header in 64-bit words", () => {
    expect(bitsPerAxon(LOIHI, 0, 0)).toBe(0);
    expect(bitsPerAxon(LOIHI, 3, 0)).toBe(64); // 24 + 10 = 34 -> 64
    expect(bitsPerAxon(LOIHI, 64, 0)).toBe(576); // 512 + 10 = 522 -> 576
    expect(bitsPerAxon(LOIHI, 1000, 0)).toBe(15 * 576 + 384); // 40*8 + 10 = 330 -> 384
    expect(bitsPerAxon(LOIHI, 31, 9)).toBe(576); // 31*17 + 10 = 537 -> 576
  });
});

describe("mapToLoihi on small graphs (hand counts)", () => {
  it("places a 4-3-2 MLP on two cores of one tile", () => {
    const m = mapToLoihi(mlp([4, 3, 2]), LOIHI);
    expect(m.coresUsed).toBe(2);
    expect(m.chipsUsed).toBe(1);
    const [a, b] = m.layers;
    expect([a.compartments, a.fanInAxons, a.synapses, a.synapseBytes, a.outputAxons]).toEqual([3, 4, 12, (4 * 64) / 8, 3]);
    expect([b.compartments, b.fanInAxons, b.synapses, b.synapseBytes, b.outputAxons]).toEqual([2, 3, 6, (3 * 64) / 8, 0]);
    expect(a.meanDestCores).toBe(1);
    expect(m.cores.map((c) => [c.core, c.tileX, c.tileY])).toEqual([[0, 0, 0], [1, 0, 0]]);
    expect(m.cores[0].utilisation.compartments).toBeCloseTo(3 / 1024, 12);
  });

  it("splits by compartments: 2000 units over two cores of 1000", () => {
    const m = mapToLoihi(mlp([100, 2000]), LOIHI);
    expect(m.layers[0].split).toEqual([2, 1, 1]);
    expect(m.cores.map((c) => c.compartments)).toEqual([1000, 1000]);
    expect(m.cores[0].synapseBits).toBe(100 * (15 * 576 + 384));
  });

  it("splits by synaptic memory: a 1000x1000 dense layer needs 9 cores (8 would need 1,088,000 bits > 1,048,576)", () => {
    const m = mapToLoihi(mlp([1000, 1000]), LOIHI);
    expect(m.coresUsed).toBe(9);
    expect(Math.max(...m.cores.map((c) => c.synapseBits))).toBe(1000 * 1024);
  });

  it("splits a source layer by output axons: 1000 neurons x 9 destination cores -> 3 cores of <= 334 x 9 slots", () => {
    const m = mapToLoihi(mlp([100, 1000, 1000]), LOIHI);
    expect(m.layers.map((l) => l.cores.length)).toEqual([3, 9]);
    expect(m.cores.filter((c) => c.layer === "fc1").map((c) => c.outputAxons)).toEqual([333 * 9, 333 * 9, 334 * 9]);
    expect(m.coresUsed).toBe(12);
  });

  it("honours each limit of a changed chip description", () => {
    expect(mapToLoihi(mlp([4, 3, 2]), withLimits({ compartmentsPerCore: 2 })).layers[0].cores.length).toBe(2);
    expect(mapToLoihi(mlp([4, 3, 2]), withLimits({ outputAxonsPerCore: 2 })).layers[0].cores.length).toBe(2);
    const m = mapToLoihi(mlp([4, 200]), withLimits({ coresPerChip: 4, compartmentsPerCore: 10 }));
    expect([m.coresUsed, m.chipsUsed]).toEqual([20, 5]);
  });

  it("names the layer, the limit and the numbers when one neuron needs more fan-in than a core allows", () => {
    expect(() => mapToLoihi(mlp([5000, 10]), LOIHI)).toThrow(/layer 'fc1'.*5000 input axons.*4096.*inputAxonsPerCore/);
    const conv: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [512, 3, 3] },
      { kind: "conv2d", id: "wide", input: "in", outChannels: 1, kernel: [3, 3], weights: new Float32Array(512 * 9), neuron: IF }] };
    expect(() => mapToLoihi(conv, LOIHI)).toThrow(/layer 'wide'.*4608 input axons.*4096/);
  });

  it("names the synaptic memory and output axon limits when nothing fits", () => {
    expect(() => mapToLoihi(mlp([4, 3]), withLimits({ synapticMemoryBitsPerCore: 100 }))).toThrow(/layer 'fc1'.*synapticMemoryBitsPerCore: 256 bits needed, limit 100/);
    expect(() => mapToLoihi(mlp([4, 3, 2]), withLimits({ outputAxonsPerCore: 0 }))).toThrow(/layer 'fc1'.*output axons.*outputAxonsPerCore 0/);
  });

  it("counts a padded 3x3 convolution exactly and tiles it by rows when compartments run out", () => {
    const g: SnnGraph = { nodes: [{ kind: "input", id: "in", shape: [1, 8, 8] },
      { kind: "conv2d", id: "conv1", input: "in", outChannels: 4, kernel: [3, 3], padding: [1, 1, 1, 1], weights: new Float32Array(36).fill(0.1), neuron: IF }] };
    const m = mapToLoihi(g, LOIHI);
    const l = m.layers[0];
    // taps per output row: 2 + 3*6 + 2 = 22, same for columns; 4 channels x 1 input channel
    expect([l.compartments, l.fanInAxons, l.synapses, l.maxNeuronFanIn]).toEqual([256, 64, 4 * 22 * 22, 9]);
    // 1936 synapses over 64 axons -> 31 per axon; 9 index bits (256 compartments): 31*17 + 10 -> 576 bits
    expect(l.synapseBytes).toBe((64 * 576) / 8);
    const t = mapToLoihi(g, withLimits({ compartmentsPerCore: 100 }));
    expect(t.layers[0].split).toEqual([1, 3, 1]);
    expect(t.cores.map((c) => [c.compartments, c.inputAxons])).toEqual([[64, 24], [96, 40], [96, 32]]);
  });
});
