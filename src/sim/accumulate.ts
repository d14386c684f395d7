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
 * Spike density (spikes / (batch × inputs)) at and above which a source uses the masked path, from
 * bench/crossover.ts on the project machine (2-vCPU AMD EPYC, node 20.20, batch 32, loaded by other
 * jobs; bench/RESULTS.md "Kernel crossover"): conv2d 6→16 5×5 and 16→32 3×3 cross at 30 %, 32→64 3×3 at
 * 40 %, so 0.35 for convolutions whose output channels per group fill whole f32x4 blocks; a conv with
 * a scalar tail (1→6 5×5) only crosses at 90 %. Dense layers: 70–90 % with weights in L2 (400→120,
 * 1568→128), never below 90 % when the weights stream from L3 (784→1200, 1200→1200: the masked path
 * reads every weight once per sample, the scatter only the spiking rows), so dense sources whose
 * weights exceed 1 MiB never switch. Below the crossover, at the 5–15 % at which converted networks run,
 * the scatter is 2–10× faster than the masked path on these shapes.
 */
export function maskedCrossover(s: SourcePlan): number {
  if (s.op === "conv2d") return (s.outC / s.groups) % 4 === 0 ? 0.35 : 0.9;
  if (s.op === "dense") return s.nIn * s.nOut * 4 <= 1 << 20 ? 0.8 : Infinity;
  return Infinity;
}

/** Calls the spike-driven kernel of a source; returns its synaptic events. `mask`: MemoryPlan.mask. */
export function accumulateSpikes(
  k: Kernels, s: SourcePlan, spikes: number, counts: number, B: number, acc: number, mask: number, I: Int32Array, path: KernelPath,
): number {
  switch (s.op) {
    case "dense":
      if (useMasked(path, s, I, counts, B, s.nIn)) return k.denseSpikesMasked(spikes, counts, B, s.nIn, s.w, s.nOut, acc, mask);
      return k.denseSpikes(spikes, counts, B, s.nIn, s.w, s.nOut, acc);
    case "conv2d":
      if (useMasked(path, s, I, counts, B, s.inH * s.inW * s.inC))
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

function useMasked(path: KernelPath, s: SourcePlan, I: Int32Array, counts: number, B: number, nIn: number): boolean {
  if (path !== "auto") return path === "masked";
  const d = maskedCrossover(s);
  if (d > 1) return false;
  let spikes = 0;
  for (let b = 0, c = counts >> 2; b < B; b++) spikes += I[c + b];
  return spikes >= d * B * nIn;
}
