/**
 * The TypeScript reference kernels bound to a memory: the same Kernels interface as the WASM module,
 * used as the oracle in tests and as the baseline in benchmarks (Simulator backend "js").
 */
import type { Kernels } from "../sim/kernels.js";
import { condStep } from "./cond.js";
import { conv2dSpikes, conv2dValues } from "./conv2d.js";
import { denseSpikes, denseValues } from "./dense.js";
import { encodeSpikes } from "./encode.js";
import { Heap } from "./heap.js";
import { conv2dSpikesMasked, denseSpikesMasked } from "./masked.js";
import { loihiAccumulate, loihiAddSpikes, loihiConcatSpikes, loihiConv2dSpikes, loihiStep } from "./loihi.js";
import { loihiAccumulateSum, loihiConv2dSum, loihiDepthwiseSum, loihiStepIF } from "./loihi-fast.js";
import { neuronStep } from "./neuron.js";
import { countSpikes, maxPoolSpikes, maxPoolValues, poolSpikes, poolValues } from "./pool.js";
import { addInto, addScaledInto, addSpikes, biasActivate, concatSpikes, concatValues } from "./rows.js";

type Unbound<F> = F extends (h: Heap, ...args: infer A) => infer R ? (...args: A) => R : never;

function bind<F extends (h: Heap, ...args: never[]) => unknown>(heap: Heap, f: F): Unbound<F> {
  return ((...args: never[]) => f(heap.refresh(), ...args)) as Unbound<F>;
}

/** The reference kernels operating on `memory` (anything with a `buffer`, e.g. a WebAssembly.Memory). */
export function createReferenceKernels(memory: { buffer: ArrayBufferLike }): Kernels {
  const h = new Heap(memory);
  return {
    neuronStep: bind(h, neuronStep),
    denseSpikes: bind(h, denseSpikes),
    denseValues: bind(h, denseValues),
    conv2dSpikes: bind(h, conv2dSpikes),
    conv2dValues: bind(h, conv2dValues),
    denseSpikesMasked: bind(h, denseSpikesMasked),
    conv2dSpikesMasked: bind(h, conv2dSpikesMasked),
    poolSpikes: bind(h, poolSpikes),
    poolValues: bind(h, poolValues),
    maxPoolSpikes: bind(h, maxPoolSpikes),
    maxPoolValues: bind(h, maxPoolValues),
    countSpikes: bind(h, countSpikes),
    addSpikes: bind(h, addSpikes),
    addInto: bind(h, addInto),
    addScaledInto: bind(h, addScaledInto),
    biasActivate: bind(h, biasActivate),
    concatSpikes: bind(h, concatSpikes),
    concatValues: bind(h, concatValues),
    encodeSpikes: bind(h, encodeSpikes),
    loihiAccumulate: bind(h, loihiAccumulate),
    loihiConv2dSpikes: bind(h, loihiConv2dSpikes),
    loihiAddSpikes: bind(h, loihiAddSpikes),
    loihiConcatSpikes: bind(h, loihiConcatSpikes),
    loihiStep: bind(h, loihiStep),
    loihiAccumulateSum: bind(h, loihiAccumulateSum),
    loihiConv2dSum: bind(h, loihiConv2dSum),
    loihiDepthwiseSum: bind(h, loihiDepthwiseSum),
    loihiStepIF: bind(h, loihiStepIF),
    condStep: bind(h, condStep),
  };
}
