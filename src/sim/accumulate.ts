/**
 * Spike-driven accumulation of one source, and the choice between the two kernels of dense and conv2d
 * sources: the event-driven scatter (denseSpikes, conv2dSpikes: work ∝ spikes) and the masked dense
 * SIMD path (denseSpikesMasked, conv2dSpikesMasked: work ∝ the whole fan-in, accumulator in registers).
 * Both give bit-identical sums and event counts (assembly/masked.ts), so the choice only changes speed.
 * It is made per source and step from the spike density of the source at that step (its spike list is
 * complete when the target accumulates: spikes cross the network within a step), against the crossover
 * density measured on this machine (bench/crossover.ts, bench/RESULTS.md).
 */
import type { Kernels } from "./kernels.js";
import type { SourcePlan } from "./plan.js";

/** Which kernel dense and conv2d sources use: chosen per step from the spike density, or forced. */
export type KernelPath = "auto" | "scatter" | "masked";

/**
 * Spike density (spikes / (batch × inputs)) at and above which the masked path is used, measured with
 * bench/crossover.ts on the project machine (2-vCPU AMD EPYC, node 20; bench/RESULTS.md "Crossover").
 */
export const MASKED_CROSSOVER = { dense: 0.5, conv2d: 0.5 } as const;

/** Calls the spike-driven kernel of a source; returns its synaptic events. `mask`: MemoryPlan.mask. */
export function accumulateSpikes(
  k: Kernels, s: SourcePlan, spikes: number, counts: number, B: number, acc: number, mask: number, I: Int32Array, path: KernelPath,
): number {
  switch (s.op) {
    case "dense":
      if (useMasked(path, s.op, I, counts, B, s.nIn)) return k.denseSpikesMasked(spikes, counts, B, s.nIn, s.w, s.nOut, acc, mask);
      return k.denseSpikes(spikes, counts, B, s.nIn, s.w, s.nOut, acc);
    case "conv2d":
      if (useMasked(path, s.op, I, counts, B, s.inH * s.inW * s.inC))
        return k.conv2dSpikesMasked(spikes, counts, B, s.inH, s.inW, s.inC, s.w, s.outH, s.outW, s.outC, s.kh, s.kw, s.groups,
          s.tapsY, s.tapsX, s.gatherY, s.gatherX, acc, mask);
      return k.conv2dSpikes(spikes, counts, B, s.inH, s.inW, s.inC, s.w, s.outH, s.outW, s.outC, s.kh, s.kw, s.groups, s.tapsY, s.tapsX, acc);
    case "pool": {
      const m = s.max;
      if (m) return k.maxPoolSpikes(spikes, counts, B, s.inH, s.inW, s.C, s.outH, s.outW, s.winY, s.winX, m.total, m.passes, acc);
      return k.poolSpikes(spikes, counts, B, s.inH, s.inW, s.C, s.outH, s.outW, s.winY, s.winX, s.scale, s.recip, acc);
    }
    case "add":
      return k.addSpikes(spikes, counts, B, s.n, s.scale, acc);
    case "concat":
      return k.concatSpikes(spikes, counts, B, s.nIn, s.cIn, s.cTot, s.cOff, s.nOut, s.scale, acc);
  }
}

function useMasked(path: KernelPath, op: "dense" | "conv2d", I: Int32Array, counts: number, B: number, nIn: number): boolean {
  if (path !== "auto") return path === "masked";
  let spikes = 0;
  for (let b = 0, c = counts >> 2; b < B; b++) spikes += I[c + b];
  return spikes >= MASKED_CROSSOVER[op] * B * nIn;
}
