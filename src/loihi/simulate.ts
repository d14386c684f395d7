/**
 * Low-level entry point of the bit-exact Loihi compartment (assembly/loihi.ts, whose header gives the
 * arithmetic): validates a user's integer Loihi network, derives the registers once on the host
 * (vth = vthMant·2^6, bias = biasMant·2^biasExp, vmin/vmax from their exponents, weights shifted by
 * wExp then by 6 as the chip does) and runs it for T steps with the WASM or the TypeScript kernels.
 *
 * Timing (NengoLoihi emulator): at step t every block's q is cleared, then receives the spikes of step
 * t−1 (input spikes listed at t−1 and block spikes emitted at t−1), then every block is stepped. So a
 * spike listed or emitted at step t reaches its targets' q at step t+1; nothing arrives at step 1.
 *
 * Memory layout (one WebAssembly.Memory per call, bump-allocated, 16-byte aligned, [0, 64) reserved):
 *   per input:      spikes i32[n], counts i32[1]
 *   per block:      q, u, v, ref i32[n]; decayU, decayV, bias, vth, refractDelay i32[n];
 *                   spikes i32[n], counts i32[1]
 *   per connection: weights i32[nSrc][nDst] (effective integer weights)
 */
import { SpikewasmError } from "../errors.js";
import { checkMemory } from "../sim/budget.js";
import { createReferenceKernels } from "../reference/index.js";
import { type Backend, type Kernels, createWasmKernels } from "../sim/kernels.js";

/** A spike source: n axons, spikeTimes[k] = the steps (≥ 1) at which axon k spikes. */
export interface LoihiInput { name: string; n: number; spikeTimes: number[][] }
/** A block of n compartments with per-compartment registers and block-wide voltage limits. */
export interface LoihiBlock {
  name: string; n: number;
  decayU: number[]; decayV: number[]; vthMant: number[]; biasMant: number[]; biasExp: number[]; refractDelay: number[];
  vminExp: number; vmaxExp: number;
  /** optional initial voltage per compartment (default 0), within [vmin, vmax]: the chip's v state written before the run */
  vInit?: number[];
  /**
   * true: v is not zeroed on a spike (default false). The block then stands for NxTF's two-compartment neuron
   * (Rueckauer et al. 2021): an integrating dendrite that never resets, whose soma spikes when the dendrite's
   * v passes vth; with a self-connection of weight −vth (src/loihi/net.ts writes it) that is reset by
   * subtraction, one step late as every connection. Needs refractDelay 1 (no hold) on every compartment.
   */
  keepVoltage?: boolean;
}
/** Dense connection src → dst (a block): weights n_src × n_dst, 8-bit magnitude + sign, exponent wExp. */
export interface LoihiConnection { src: string; dst: string; weights: number[][]; wExp: number }
/** A user's Loihi network (integers only). */
export interface LoihiNet { inputs?: LoihiInput[]; blocks: LoihiBlock[]; connections?: LoihiConnection[] }

/** Per block: row t-1 holds step t (t = 1..T) — q, u, v per compartment and the indices that spiked. */
export interface LoihiBlockTrace { q: number[][]; u: number[][]; v: number[][]; spikes: number[][] }
/** Result of simulateLoihi. */
export interface LoihiResult {
  steps: number; backend: Backend;
  blocks: Record<string, LoihiBlockTrace>;
  /** Host-side notes the user must see (e.g. weight bits lost by a negative wExp). */
  warnings: string[];
}

/** A named validation error for a Loihi net: `field` is the offending path, e.g. "blocks[0].decayU[3]". */
export class LoihiNetError extends SpikewasmError {
  constructor(readonly field: string, what: string) {
    super(`loihi net: ${field}: ${what}`, 2);
    this.name = "LoihiNetError";
  }
}

const LIMITS = {
  decay: [0, 4095], vthMant: [0, 2 ** 17 - 1], biasMant: [-4095, 4095], biasExp: [0, 7],
  refractDelay: [1, 63], vminExp: [0, 31], vmaxExp: [0, 7], weight: [-255, 255], wExp: [-8, 7],
} as const;

function intIn(x: unknown, [lo, hi]: readonly [number, number], field: string): number {
  if (typeof x !== "number" || !Number.isInteger(x)) throw new LoihiNetError(field, `must be an integer, got ${JSON.stringify(x)}`);
  if (x < lo || x > hi) throw new LoihiNetError(field, `${x} is out of range ${lo}..${hi}`);
  return x;
}

function arrayOf(x: unknown, n: number, field: string): unknown[] {
  if (!Array.isArray(x)) throw new LoihiNetError(field, "must be an array");
  if (x.length !== n) throw new LoihiNetError(field, `has length ${x.length}, expected ${n}`);
  return x;
}

function ints(x: unknown, n: number, lim: readonly [number, number], field: string): Int32Array {
  return Int32Array.from(arrayOf(x, n, field), (v, i) => intIn(v, lim, `${field}[${i}]`));
}

/** Effective weight the chip accumulates: shift by wExp (arithmetic, so low bits are lost when wExp < 0), then by 6. */
export function loihiWeight(mant: number, wExp: number): number {
  return (wExp >= 0 ? mant << wExp : mant >> -wExp) << 6;
}

interface Plan { bytes: number; inputs: InputPlan[]; blocks: BlockPlan[]; conns: ConnPlan[] }
interface InputPlan { name: string; n: number; spikes: number; counts: number; at: Map<number, number[]> }
interface BlockPlan {
  name: string; n: number; vmin: number; vmax: number; regs: Int32Array[];
  q: number; u: number; v: number; ref: number; decayU: number; decayV: number; bias: number; vth: number; refractDelay: number;
  /** initial voltages, or null (zeros) */
  v0: Int32Array | null;
  /** 1: v is not zeroed on a spike (LoihiBlock.keepVoltage) */
  keepV: number;
  spikes: number; counts: number;
}
interface ConnPlan { src: InputPlan | BlockPlan; dst: BlockPlan; w: Int32Array; addr: number }

function validate(net: LoihiNet, warnings: string[]): Plan {
  if (typeof net !== "object" || net === null) throw new LoihiNetError("net", "must be an object");
  if (!Array.isArray(net.blocks) || net.blocks.length === 0) throw new LoihiNetError("blocks", "must be a non-empty array");
  const inputsRaw = net.inputs ?? [], connsRaw = net.connections ?? [];
  if (!Array.isArray(inputsRaw)) throw new LoihiNetError("inputs", "must be an array");
  if (!Array.isArray(connsRaw)) throw new LoihiNetError("connections", "must be an array");
  let top = 64;
  const alloc = (n: number) => { const a = top; top += Math.ceil((n * 4) / 16) * 16; return a; };
  const names = new Set<string>();
  const named = (x: unknown, field: string) => {
    if (typeof x !== "string" || x === "") throw new LoihiNetError(`${field}.name`, "must be a non-empty string");
    if (names.has(x)) throw new LoihiNetError(`${field}.name`, `duplicate name '${x}'`);
    names.add(x);
    return x;
  };
  const inputs = inputsRaw.map((inp, k): InputPlan => {
    const f = `inputs[${k}]`, name = named(inp?.name, f), n = intIn(inp.n, [1, 2 ** 24], `${f}.n`);
    const at = new Map<number, number[]>();
    arrayOf(inp.spikeTimes, n, `${f}.spikeTimes`).forEach((times, j) => {
      if (!Array.isArray(times)) throw new LoihiNetError(`${f}.spikeTimes[${j}]`, "must be an array of steps");
      times.forEach((t, m) => {
        const s = intIn(t, [1, 2 ** 31 - 1], `${f}.spikeTimes[${j}][${m}]`);
        const list = at.get(s) ?? [];
        if (!list.includes(j)) list.push(j);
        at.set(s, list);
      });
    });
    return { name, n, spikes: alloc(n), counts: alloc(1), at };
  });
  const blocks = net.blocks.map((b, k): BlockPlan => {
    const f = `blocks[${k}]`, name = named(b?.name, f), n = intIn(b.n, [1, 2 ** 24], `${f}.n`);
    const decayU = ints(b.decayU, n, LIMITS.decay, `${f}.decayU`), decayV = ints(b.decayV, n, LIMITS.decay, `${f}.decayV`);
    const vth = ints(b.vthMant, n, LIMITS.vthMant, `${f}.vthMant`).map((m) => m * 64);
    const bm = ints(b.biasMant, n, LIMITS.biasMant, `${f}.biasMant`), be = ints(b.biasExp, n, LIMITS.biasExp, `${f}.biasExp`);
    const bias = bm.map((m, j) => m * 2 ** be[j]);
    const refractDelay = ints(b.refractDelay, n, LIMITS.refractDelay, `${f}.refractDelay`);
    const vmin = -(2 ** intIn(b.vminExp, LIMITS.vminExp, `${f}.vminExp`)) + 1;
    const vmax = 2 ** (9 + 2 * intIn(b.vmaxExp, LIMITS.vmaxExp, `${f}.vmaxExp`)) - 1;
    const [q, u, v, ref] = [alloc(n), alloc(n), alloc(n), alloc(n)];
    const regs = [decayU, decayV, bias, vth, refractDelay];
    const ra = regs.map(() => alloc(n));
    const v0 = b.vInit === undefined ? null : ints(b.vInit, n, [vmin, vmax], `${f}.vInit`);
    if (b.keepVoltage !== undefined && typeof b.keepVoltage !== "boolean") throw new LoihiNetError(`${f}.keepVoltage`, `must be true or false, got ${JSON.stringify(b.keepVoltage)}`);
    const held = refractDelay.findIndex((r) => r !== 1);
    if (b.keepVoltage && held >= 0) throw new LoihiNetError(`${f}.refractDelay[${held}]`, `is ${refractDelay[held]}; a block with keepVoltage needs refractDelay 1 (a refractory hold would zero the integrating v)`);
    return { name, n, vmin, vmax, regs, v0, keepV: b.keepVoltage ? 1 : 0, q, u, v, ref, decayU: ra[0], decayV: ra[1], bias: ra[2], vth: ra[3], refractDelay: ra[4], spikes: alloc(n), counts: alloc(1) };
  });
  const byName = new Map<string, InputPlan | BlockPlan>([...inputs, ...blocks].map((p) => [p.name, p]));
  const conns = connsRaw.map((c, k): ConnPlan => {
    const f = `connections[${k}]`;
    const src = byName.get(c?.src), dst = byName.get(c?.dst);
    if (!src) throw new LoihiNetError(`${f}.src`, `unknown input or block '${c?.src}' (known: ${[...byName.keys()].join(", ")})`);
    if (!dst || !blocks.includes(dst as BlockPlan)) throw new LoihiNetError(`${f}.dst`, `unknown block '${c?.dst}' (blocks: ${blocks.map((b) => b.name).join(", ")})`);
    const wExp = intIn(c.wExp, LIMITS.wExp, `${f}.wExp`);
    const rows = arrayOf(c.weights, src.n, `${f}.weights`); // checked before the matrix is allocated
    const w = new Int32Array(src.n * dst.n);
    let lost = 0;
    rows.forEach((row, i) => {
      ints(row, dst.n, LIMITS.weight, `${f}.weights[${i}]`).forEach((m, j) => {
        w[i * dst.n + j] = loihiWeight(m, wExp);
        if (wExp < 0 && m % 2 ** -wExp !== 0) lost++;
      });
    });
    if (lost > 0) warnings.push(`${f} (${src.name} -> ${dst.name}): wExp ${wExp} drops the low ${-wExp} bits of ${lost} weight(s) (arithmetic shift, as the chip does)`);
    return { src, dst: dst as BlockPlan, w, addr: alloc(w.length) };
  });
  return { bytes: top, inputs, blocks, conns };
}

/** Default ceiling on the per-step trace simulateLoihi keeps in memory (q, u, v and spikes of every compartment). */
export const DEFAULT_MAX_TRACE_BYTES = 2 ** 30;

/**
 * The trace holds q, u and v of every compartment at every step as JS numbers (8 bytes each in the
 * arrays, more once written as JSON): refuse a run whose trace would pass the budget before any work,
 * with the bytes needed and the option that lowers them (exit 3).
 */
function checkTraceBudget(plan: Plan, steps: number, budget: number): void {
  const n = plan.blocks.reduce((a, b) => a + b.n, 0);
  // 8 bytes per value, and four row arrays (q, u, v, spikes) of ~48 bytes of header per block and step
  const bytes = steps * (n * 3 * 8 + plan.blocks.length * 4 * 48);
  checkMemory(`loihi net: a trace of ${steps} steps × ${n} compartments (q, u, v per step)`, bytes, "lower --steps or split the net", budget);
}

async function allocate(bytes: number, backend: Backend): Promise<{ memory: WebAssembly.Memory; k: Kernels }> {
  const pages = Math.ceil(bytes / 65536);
  let memory: WebAssembly.Memory;
  try {
    if (pages > 65536) throw new Error("more than 4 GiB");
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  } catch (e) {
    throw new SpikewasmError(`loihi net: could not allocate ${bytes} bytes of WebAssembly memory: ${(e as Error).message}`, 3);
  }
  return { memory, k: backend === "wasm" ? await createWasmKernels(memory) : createReferenceKernels(memory) };
}

/** Runs a Loihi net for `steps` steps (bit-exact with the NengoLoihi emulator); throws LoihiNetError on bad input. */
export async function simulateLoihi(net: LoihiNet, steps: number, options: { backend?: Backend; maxTraceBytes?: number } = {}): Promise<LoihiResult> {
  const backend = options.backend ?? "wasm";
  if (backend !== "wasm" && backend !== "js") throw new SpikewasmError(`backend must be "wasm" or "js", got ${JSON.stringify(backend)}`);
  if (!Number.isInteger(steps) || steps < 1) throw new LoihiNetError("steps", `must be an integer >= 1, got ${steps}`);
  const warnings: string[] = [];
  const plan = validate(net, warnings);
  const { memory, k } = await allocate(plan.bytes, backend);
  const I = new Int32Array(memory.buffer);
  for (const b of plan.blocks) [b.decayU, b.decayV, b.bias, b.vth, b.refractDelay].forEach((a, r) => I.set(b.regs[r], a >> 2));
  for (const b of plan.blocks) if (b.v0) I.set(b.v0, b.v >> 2);
  for (const c of plan.conns) I.set(c.w, c.addr >> 2);
  checkTraceBudget(plan, steps, options.maxTraceBytes ?? DEFAULT_MAX_TRACE_BYTES);
  // block names are user strings: defined as own properties, so '__proto__' or 'constructor' are ordinary keys
  const trace: Record<string, LoihiBlockTrace> = {};
  for (const b of plan.blocks) Object.defineProperty(trace, b.name, { value: { q: [], u: [], v: [], spikes: [] }, enumerable: true, writable: true, configurable: true });
  const row = (a: number, n: number) => Array.from(I.subarray(a >> 2, (a >> 2) + n));
  for (let t = 1; t <= steps; t++) {
    for (const inp of plan.inputs) {
      const list = inp.at.get(t - 1) ?? [];
      I.set(list, inp.spikes >> 2);
      I[inp.counts >> 2] = list.length;
    }
    for (const b of plan.blocks) I.fill(0, b.q >> 2, (b.q >> 2) + b.n);
    for (const c of plan.conns) k.loihiAccumulate(c.src.spikes, c.src.counts, 1, c.src.n, c.addr, c.dst.n, c.dst.q);
    for (const b of plan.blocks) {
      const count = k.loihiStep(b.q, b.u, b.v, b.ref, b.decayU, b.decayV, b.bias, b.vth, b.refractDelay, b.vmin, b.vmax, b.n, 1, b.spikes, b.counts, b.keepV);
      const tr = trace[b.name];
      tr.q.push(row(b.q, b.n));
      tr.u.push(row(b.u, b.n));
      tr.v.push(row(b.v, b.n));
      tr.spikes.push(row(b.spikes, count));
    }
  }
  return { steps, backend, blocks: trace, warnings };
}
