/**
 * The batch chosen from the memory plan: WebAssembly memory is at most 4 GiB per instance, and the
 * simulator's state grows with the batch, so a large model runs at the largest batch (up to the one
 * asked for) whose plan fits instead of failing; when even one sample does not fit, the error (exit 3)
 * names the bytes one sample needs (checkMemoryLimit).
 */
import type { SnnGraph } from "../ir/graph.js";
import { type MemoryPlan, WASM_MAX_BYTES, checkMemoryLimit, planMemory } from "./plan.js";

/** The largest batch ≤ `requested` whose plan fits in `limit` bytes, and that plan. */
export function fitBatch(graph: SnnGraph, requested: number, limit = WASM_MAX_BYTES): { batch: number; plan: MemoryPlan; requestedBytes: number } {
  const asked = planMemory(graph, requested);
  if (asked.totalBytes <= limit) return { batch: requested, plan: asked, requestedBytes: asked.totalBytes };
  const one = requested === 1 ? asked : planMemory(graph, 1);
  checkMemoryLimit(one, limit); // exit 3: one sample's bytes named
  // the state is close to linear in the batch: start from the linear estimate, step down until the plan fits
  const perSample = Math.max(1, one.stateBytes);
  let b = Math.max(1, Math.min(requested - 1, Math.floor((limit - one.parameterBytes) / perSample)));
  for (;;) {
    const p = b === 1 ? one : planMemory(graph, b);
    if (p.totalBytes <= limit) return { batch: b, plan: p, requestedBytes: asked.totalBytes };
    b = Math.max(1, Math.min(b - 1, Math.floor((b * limit) / p.totalBytes)));
  }
}
