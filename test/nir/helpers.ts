/** Builders shared by the NIR tests: in-memory NIR graphs and a catcher for NirError. */
import { expect } from "vitest";
import { NirError } from "../../src/nir/errors.js";
import { type NirToSnnOptions, nirToSnn } from "../../src/nir/to-snn.js";
import { type NirGraph, type NirNode, type NirPrimitive, f64 } from "../../src/nir/types.js";

/** Runs f and returns the NirError it throws (fails the test otherwise). */
export function caught(f: () => unknown): NirError {
  try {
    f();
  } catch (e) {
    if (e instanceof NirError) return e;
    throw e;
  }
  throw new Error("expected a NirError");
}

/** A primitive without groups. */
export const p = (type: string, params: NirPrimitive["params"]): NirPrimitive => ({ type, params, groups: {} });

/** A NIR 0.2 graph of named nodes and edges. */
export const graph = (nodes: [string, NirNode][], edges: [string, string][]): NirGraph =>
  ({ type: "NIRGraph", version: "0.2.0", nodes: new Map(nodes), edges, params: {}, groups: {} });

/** n LIF neurons (tau 10 ms, r 1, v_leak 0), threshold vth (one value for all, or one per neuron). */
export const lif = (n: number, vth: number[] = [1]) =>
  p("LIF", { tau: f64(Array(n).fill(0.01)), r: f64(Array(n).fill(1)), v_leak: f64(Array(n).fill(0)), v_threshold: f64(vth.length === 1 ? Array(n).fill(vth[0]) : vth) });

/** nirToSnn(g) must throw a NirError whose message names every one of `problems`; returns the error. */
export function expectNirProblems(g: NirGraph, options: NirToSnnOptions, problems: string[]): NirError {
  const e = caught(() => nirToSnn(g, options));
  for (const p of problems) expect(e.message).toContain(p);
  return e;
}
