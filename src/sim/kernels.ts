/**
 * The kernel interface shared by both back ends — the same names and arguments as the exports of
 * assembly/index.ts — and the one registration list of those names. Addresses are byte offsets into
 * the simulator's linear memory. `createWasmKernels` instantiates the compiled module over a memory;
 * `createReferenceKernels` (src/reference/index.ts) binds the TypeScript reference to one.
 *
 * Lazy initialisation stages: (1) first call of loadKernelModule() decodes the base64 module and
 * compiles it (WebAssembly.compile, cached for the process/page); (2) each Simulator instantiates it
 * over its own memory sized from its graph; (3) kernels are called synchronously from then on.
 */
import { instantiate } from "@assemblyscript/loader";
import { SpikewasmError } from "../errors.js";
import { KERNELS_WASM_BASE64 } from "../generated/kernels-wasm.js";
import { fromBase64 } from "../util/base64.js";

/** Every kernel, with the argument order of assembly/*.ts. */
export interface Kernels {
  neuronStep(
    v: number, acc: number, syn: number, bias: number, ref: number,
    spikes: number, counts: number, total: number, first: number,
    batch: number, n: number, leak: number, threshold: number, resetMode: number, vReset: number,
    refractory: number, synDecay: number, step: number, spiking: number, keepAcc: number,
  ): number;
  denseSpikes(spikes: number, counts: number, batch: number, nIn: number, w: number, nOut: number, acc: number): number;
  denseValues(x: number, batch: number, nIn: number, w: number, nOut: number, acc: number): number;
  conv2dSpikes(
    spikes: number, counts: number, batch: number, inH: number, inW: number, inC: number, w: number,
    outH: number, outW: number, outC: number, kh: number, kw: number, groups: number, tapsY: number, tapsX: number, acc: number,
  ): number;
  conv2dValues(
    x: number, batch: number, inH: number, inW: number, inC: number, w: number,
    outH: number, outW: number, outC: number, kh: number, kw: number, groups: number, tapsY: number, tapsX: number, acc: number,
  ): number;
  /** dense path of denseSpikes (assembly/masked.ts): the same sums and events, via a spike mask in scratch `mask` (i32[B*nIn]) */
  denseSpikesMasked(spikes: number, counts: number, batch: number, nIn: number, w: number, nOut: number, acc: number, mask: number): number;
  /** dense path of conv2dSpikes (assembly/masked.ts): gather tables gatherY/gatherX, scratch `mask` (i32[B*inH*inW*inC]) */
  conv2dSpikesMasked(
    spikes: number, counts: number, batch: number, inH: number, inW: number, inC: number, w: number,
    outH: number, outW: number, outC: number, kh: number, kw: number, groups: number, tapsY: number, tapsX: number,
    gatherY: number, gatherX: number, acc: number, mask: number,
  ): number;
  poolSpikes(
    spikes: number, counts: number, batch: number, inH: number, inW: number, C: number, outH: number, outW: number,
    winY: number, winX: number, scale: number, recip: number, acc: number,
  ): number;
  poolValues(
    x: number, batch: number, inH: number, inW: number, C: number, outH: number, outW: number,
    winY: number, winX: number, scale: number, recip: number, acc: number,
  ): number;
  maxPoolSpikes(
    spikes: number, counts: number, batch: number, inH: number, inW: number, C: number, outH: number, outW: number,
    winY: number, winX: number, inTotal: number, passes: number, acc: number,
  ): number;
  maxPoolValues(
    x: number, batch: number, inH: number, inW: number, C: number, outH: number, outW: number,
    kh: number, kw: number, sh: number, sw: number, padT: number, padL: number, acc: number,
  ): number;
  countSpikes(spikes: number, counts: number, batch: number, n: number, total: number): void;
  addSpikes(spikes: number, counts: number, batch: number, n: number, scale: number, acc: number): number;
  addInto(dst: number, src: number, len: number): void;
  addScaledInto(dst: number, src: number, a: number, len: number): void;
  /** a DNN layer's bias and ReLU (or no activation), for the ANN runner: v = act(acc + bias) */
  biasActivate(v: number, acc: number, bias: number, hasBias: number, batch: number, n: number, relu: number): void;
  concatSpikes(
    spikes: number, counts: number, batch: number, nIn: number, cIn: number, cTot: number, cOff: number, nOut: number, scale: number, acc: number,
  ): number;
  concatValues(x: number, batch: number, nIn: number, cIn: number, cTot: number, cOff: number, nOut: number, scale: number, acc: number): number;
  encodeSpikes(p: number, batch: number, n: number, mode: number, step: number, rng: number, spikes: number, counts: number): number;
  loihiAccumulate(spikes: number, counts: number, batch: number, nSrc: number, w: number, nDst: number, q: number): number;
  loihiConv2dSpikes(
    spikes: number, counts: number, batch: number, inH: number, inW: number, inC: number, w: number,
    outH: number, outW: number, outC: number, kh: number, kw: number, groups: number, tapsY: number, tapsX: number, q: number,
  ): number;
  loihiAddSpikes(spikes: number, counts: number, batch: number, n: number, w: number, q: number): number;
  loihiConcatSpikes(spikes: number, counts: number, batch: number, nIn: number, cIn: number, cTot: number, cOff: number, nOut: number, w: number, q: number): number;
  loihiStep(
    q: number, u: number, v: number, ref: number,
    decayU: number, decayV: number, bias: number, vth: number, refractDelay: number,
    vmin: number, vmax: number, n: number, batch: number, spikes: number, counts: number, keepV: number,
  ): number;
  /** assembly/loihi-fast.ts: the sums without the per-add wrap, and the IF step that clears q and counts spikes */
  loihiAccumulateSum(spikes: number, counts: number, batch: number, nSrc: number, w: number, nDst: number, q: number): number;
  loihiConv2dSum(
    spikes: number, counts: number, batch: number, inH: number, inW: number, inC: number, w: number,
    outH: number, outW: number, outC: number, kh: number, kw: number, groups: number, tapsY: number, tapsX: number, q: number,
  ): number;
  loihiDepthwiseSum(
    spikes: number, counts: number, batch: number, inH: number, inW: number, C: number, w: number,
    outH: number, outW: number, kh: number, kw: number, tapsY: number, tapsX: number, q: number,
  ): number;
  loihiStepIF(
    q: number, v: number, bias: number, biasStride: number, vth: number, vmin: number, vmax: number,
    n: number, batch: number, spikes: number, counts: number, total: number, keepV: number,
  ): number;
  condStep(
    v: number, accE: number, accI: number, gE: number, gI: number, bias: number, ref: number,
    spikes: number, counts: number, total: number, first: number, batch: number, n: number,
    gL: number, gLEL: number, eE: number, eI: number, decayE: number, decayI: number, meanE: number, meanI: number,
    dtOverCm: number, vThresh: number, vReset: number, refractory: number, step: number,
  ): number;
}

/** The registration list: the names both back ends must provide. */
export const KERNEL_NAMES: readonly (keyof Kernels)[] = [
  "neuronStep", "denseSpikes", "denseValues", "conv2dSpikes", "conv2dValues", "denseSpikesMasked", "conv2dSpikesMasked",
  "poolSpikes", "poolValues", "maxPoolSpikes", "maxPoolValues", "countSpikes",
  "addSpikes", "addInto", "addScaledInto", "biasActivate", "concatSpikes", "concatValues", "encodeSpikes",
  "loihiAccumulate", "loihiConv2dSpikes", "loihiAddSpikes", "loihiConcatSpikes", "loihiStep",
  "loihiAccumulateSum", "loihiConv2dSum", "loihiDepthwiseSum", "loihiStepIF", "condStep",
];

/** Which implementation of the kernels a Simulator drives. */
export type Backend = "wasm" | "js";

let modulePromise: Promise<WebAssembly.Module> | null = null;

/** Compiles the kernel module once (lazily, on first use) and caches it. */
export function loadKernelModule(): Promise<WebAssembly.Module> {
  if (!modulePromise) {
    modulePromise = WebAssembly.compile(fromBase64(KERNELS_WASM_BASE64) as Uint8Array<ArrayBuffer>).catch((e: unknown) => {
      modulePromise = null;
      throw new SpikewasmError(`could not compile the WebAssembly kernels (SIMD support is required): ${(e as Error).message}`, 3);
    });
  }
  return modulePromise;
}

/** Instantiates the WASM kernels over `memory` (imported as env.memory). */
export async function createWasmKernels(memory: WebAssembly.Memory): Promise<Kernels> {
  const module = await loadKernelModule();
  const { exports } = await instantiate<Record<string, unknown>>(module, { env: { memory } });
  for (const name of KERNEL_NAMES) {
    if (typeof exports[name] !== "function") throw new SpikewasmError(`the WebAssembly module lacks kernel '${name}' (rebuild with npm run build:wasm)`, 3);
  }
  return exports as unknown as Kernels;
}
