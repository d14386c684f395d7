/**
 * Bad arguments to Simulator.create and Simulator.run: each is refused with a SpikewasmError whose
 * message names the problem and the value, and the Simulator keeps working afterwards.
 */
import { describe, expect, it } from "vitest";
import { SpikewasmError } from "../../src/errors.js";
import type { SnnGraph } from "../../src/ir/graph.js";
import { planMemory } from "../../src/sim/plan.js";
import { Simulator } from "../../src/sim/simulator.js";
import { BACKENDS, relay } from "../helpers/sim.js";

/** The SpikewasmError thrown by f (fails the test if f does not throw one). */
function thrown(f: () => unknown): SpikewasmError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SpikewasmError);
    return e as SpikewasmError;
  }
  throw new Error("expected a SpikewasmError, nothing was thrown");
}

async function rejected(p: Promise<unknown>): Promise<SpikewasmError> {
  const e = await p.then(() => new Error("expected a SpikewasmError, the promise resolved"), (err: unknown) => err);
  expect(e).toBeInstanceOf(SpikewasmError);
  return e as SpikewasmError;
}

const graph: SnnGraph = relay(3);

for (const backend of BACKENDS) {
  describe(`bad run input is refused with a SpikewasmError (${backend} backend)`, () => {
    it("steps 0, 1.5, -1 and NaN are refused, naming steps and the value", async () => {
      const sim = await Simulator.create(graph, { backend });
      for (const steps of [0, 1.5, -1, NaN]) {
        const e = thrown(() => sim.run([1, 1, 1], { steps }));
        expect(e.message).toContain("steps");
        expect(e.message).toContain(String(steps));
      }
    });

    it("batch 0 and batch 1.5 are refused when the Simulator is created", async () => {
      for (const batch of [0, 1.5, -2]) {
        const e = await rejected(Simulator.create(graph, { batch, backend }));
        expect(e.message).toContain(`batch must be an integer >= 1, got ${batch}`);
      }
    });

    it("inputs of the wrong length are refused, naming the values given and the expected size", async () => {
      const sim = await Simulator.create(graph, { batch: 2, backend });
      for (const x of [[1, 1], [1, 1, 1, 1], [], new Float32Array(5)]) {
        const e = thrown(() => sim.run(x, { steps: 1 }));
        expect(e.message).toContain(`inputs hold ${x.length} values`);
        expect(e.message).toContain("input shape [3]");
      }
    });

    it("more samples than the batch size is refused, naming the batch size", async () => {
      const sim = await Simulator.create(graph, { batch: 2, backend });
      const e = thrown(() => sim.run(new Float32Array(9), { steps: 1 }));
      expect(e.message).toContain("batch 2");
      expect(e.message).toContain("9 values");
    });

    it("NaN and infinite input values are refused, naming the sample and element", async () => {
      const sim = await Simulator.create(graph, { batch: 2, backend });
      expect(thrown(() => sim.run([0, 1, 2, 3, NaN, 5], { steps: 1 })).message).toContain("input value 4 (sample 1, element 1) is NaN");
      expect(thrown(() => sim.run([Infinity, 0, 0], { steps: 1 })).message).toContain("(sample 0, element 0) is Infinity");
    });

    it("an unknown coding and a negative or NaN rate are refused, naming the value", async () => {
      const sim = await Simulator.create(graph, { backend });
      expect(thrown(() => sim.run([1, 1, 1], { steps: 1, coding: "rate" as never })).message).toContain('got "rate"');
      expect(thrown(() => sim.run([1, 1, 1], { steps: 1, coding: "poisson", rate: -0.1 })).message).toContain("rate");
      expect(thrown(() => sim.run([1, 1, 1], { steps: 1, coding: "poisson", rate: NaN })).message).toContain("NaN");
    });

    it("after refused runs the Simulator still runs correctly", async () => {
      const sim = await Simulator.create(graph, { batch: 2, backend });
      const good = sim.run([1, 0, 1], { steps: 3, coding: "regular" });
      for (const bad of [() => sim.run([NaN, 0, 0], { steps: 3 }), () => sim.run([1, 0, 1], { steps: 0 }), () => sim.run([1], { steps: 3 })])
        thrown(bad);
      const again = sim.run([1, 0, 1], { steps: 3, coding: "regular" });
      expect(Array.from(again.output.counts)).toEqual(Array.from(good.output.counts));
      expect(Array.from(good.layers[0].spikeCounts)).toEqual([3, 0, 3]);
    });
  });
}

describe("Simulator.create refuses bad options", () => {
  it("a graph larger than maxMemoryBytes is refused, stating the bytes needed and the limit (exit code 3)", async () => {
    const big = relay(300);
    const need = planMemory(big, 4).totalBytes;
    const e = await rejected(Simulator.create(big, { batch: 4, maxMemoryBytes: 100000 }));
    expect(e.message).toContain(`needs ${need} bytes`);
    expect(e.message).toContain("limit is 100000 bytes");
    expect(e.exitCode).toBe(3);
    // exactly the bytes needed is enough
    await expect(Simulator.create(big, { batch: 4, maxMemoryBytes: need })).resolves.toBeInstanceOf(Simulator);
  });

  it("an unknown backend is refused, naming it", async () => {
    const e = await rejected(Simulator.create(graph, { backend: "gpu" as never }));
    expect(e.message).toContain('"gpu"');
  });

  it("an invalid graph is refused by create, naming the layer", async () => {
    const bad: SnnGraph = { nodes: [graph.nodes[0], { ...graph.nodes[1], id: "broken", weights: new Float32Array(4) } as SnnGraph["nodes"][number]] };
    const e = await rejected(Simulator.create(bad));
    expect(e.message).toContain("layer 'broken'");
  });
});
