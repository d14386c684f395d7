// The hand-checkable network of the Loihi cost tests and its known activity.
import type { SnnGraph } from "../../src/ir/graph.js";

export const IF = { model: "if" as const, threshold: 1 };
/** input [4] -> fc1 (3 IF neurons) -> fc2 (2 IF neurons) */
export const twoLayerNet: SnnGraph = { nodes: [
  { kind: "input", id: "in", shape: [4] },
  { kind: "dense", id: "fc1", input: "in", units: 3, weights: new Float32Array(12).fill(0.5), neuron: IF },
  { kind: "dense", id: "fc2", input: "fc1", units: 2, weights: new Float32Array(6).fill(0.5), neuron: IF },
] };
/** known activity per inference over T = 5 steps */
export const twoLayerActivity = [{ id: "fc1", spikes: 10, synops: 20 }, { id: "fc2", spikes: 4, synops: 30 }];
