/**
 * The discretisation between NIR's continuous-time neurons and spikewasm's per-step NeuronParams,
 * both ways. Forward Euler with step dt (seconds), exactly as NIR's reference LIF (NIR paper, 01_lif:
 * Norse's trace of lif_norse.nir follows it to float32 precision).
 *
 * NIR, per neuron (S: input spikes as 1 per step, I: input current, z: spike):
 *   LIF      tau·dv/dt = (v_leak − v) + r·I          spike when v > v_threshold, then v ← v_reset
 *   IF       dv/dt = r·I                             (same spike and reset)
 *   CubaLIF  tau_syn·dI/dt = −I + w_in·S;  tau_mem·dv/dt = (v_leak − v) + r·I
 *   LI / I / CubaLI: the same without spikes.
 * Forward Euler, one step (s = dt/tau or dt/tau_mem, a = dt/tau_syn; the synaptic current is updated
 * first and the membrane sees this step's current, as spikewasm's kernel does):
 *   I[t] = (1 − a)·I[t−1] + a·w_in·x[t]
 *   v[t] = (1 − s)·v[t−1] + s·v_leak + s·r·I[t]        (LIF: I[t] = x[t]; IF: v[t] = v[t−1] + dt·r·x[t])
 * spikewasm (src/reference/neuron.ts): syn ← synDecay·syn + acc;  u ← leak·u + syn + bias; spike when
 * u ≥ threshold. With the gain g = s·r (LIF), dt·r (IF) or s·r·a·w_in (CubaLIF), u = v / g:
 *   leak      = 1 − s                (LIF, LI, CubaLIF; "if" for IF and I)
 *   synDecay  = 1 − a                (CubaLIF, CubaLI)
 *   threshold = v_threshold / g      vReset = v_reset / g
 *   bias     += s·v_leak / g         (a constant current per step, folded into the layer's bias)
 *   weights and the Affine bias are unchanged (the CubaLIF case: an Affine bias b enters the synapse,
 *   spikewasm adds its bias after it, so b becomes the steady-state value b / a — exact once
 *   (1 − a)^t is negligible, i.e. after a few tau_syn).
 * Membrane potentials therefore differ by the factor g: v_NIR = g·u. Spike times are the same except
 * when v lands exactly on the threshold (NIR: v > θ, spikewasm: u ≥ θ).
 * Requirements: 0 < s < 1 (dt < tau), 0 < a ≤ 1 (dt ≤ tau_syn), g > 0, threshold > 0.
 * Not in NIR: reset by subtraction, refractory periods, a non-zero initial potential. They are written
 * as the node's metadata `spikewasm_neuron` (JSON) and read back from it; other tools ignore them.
 *
 * Export (spikewasm → NIR) is the inverse with g = 1: tau = dt/(1 − leak), r = 1/(1 − leak) (LIF),
 * r = 1/dt (IF), tau_syn = dt/(1 − synDecay), r = 1/(s·a) and w_in = 1 (CubaLIF), v_threshold = threshold,
 * v_reset = vReset (0 for reset by subtraction), v_leak = 0. Float64 rounding makes the re-derived
 * values differ from the originals by ~1e-16 relative; the exact originals travel in the metadata.
 */
import type { NeuronParams } from "../ir/graph.js";
import { resolveNeuron } from "../ir/graph.js";

/** NIR neuron parameters of one population, each a value per neuron (length 1 = shared). */
export type NirNeuronParams = Record<string, Float64Array | Float32Array>;

/** The result of discretising one NIR neuron node. */
export interface Discretised {
  neuron: NeuronParams;
  /** constant current per step per neuron (s·v_leak/g), or null when v_leak is all zero */
  leakBias: Float64Array | null;
  /** divisor of an Affine bias that feeds this neuron's synapse (a for CubaLIF/CubaLI, else 1) */
  biasDivisor: number;
  /** gain g: v_NIR = g·u */
  gain: number;
}

/** The single value of a per-neuron parameter, or a problem when the values differ. */
function uniform(p: NirNeuronParams, name: string, problems: string[], where: string, fallback?: number): number {
  const a = p[name];
  if (a === undefined) {
    if (fallback !== undefined) return fallback;
    problems.push(`${where}: missing '${name}'`);
    return NaN;
  }
  let lo = Infinity, hi = -Infinity;
  for (const x of a) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  if (lo !== hi) problems.push(`${where}: per-neuron '${name}' varies (${lo} … ${hi}); spikewasm's NeuronParams hold one value per population`);
  return a[0];
}

/**
 * NIR neuron node → NeuronParams for a step of `dt` seconds (see the header). `reset` "value" is NIR's
 * rule; "subtract" applies reset by subtraction (the convention of e.g. braille_noDelay_noBias_subtract.nir,
 * which the file itself cannot state). Problems (non-uniform values, unstable dt, g ≤ 0) go to `problems`.
 */
export function discretise(type: string, p: NirNeuronParams, dt: number, reset: "value" | "subtract", problems: string[], where: string): Discretised {
  const n0 = problems.length;
  const spiking = type === "IF" || type === "LIF" || type === "CubaLIF";
  const leaky = type === "LI" || type === "LIF" || type === "CubaLI" || type === "CubaLIF";
  const cuba = type === "CubaLI" || type === "CubaLIF";
  const r = uniform(p, "r", problems, where);
  let s = 1, a = 1, wIn = 1;
  if (leaky) {
    const tau = uniform(p, cuba ? "tau_mem" : "tau", problems, where);
    s = dt / tau;
    if (!(s > 0 && s < 1)) problems.push(`${where}: dt/${cuba ? "tau_mem" : "tau"} = ${dt}/${tau} = ${s}: forward Euler needs 0 < dt < tau (choose a smaller dt)`);
  }
  if (cuba) {
    const tauSyn = uniform(p, "tau_syn", problems, where);
    a = dt / tauSyn;
    if (!(a > 0 && a <= 1)) problems.push(`${where}: dt/tau_syn = ${dt}/${tauSyn} = ${a}: forward Euler needs 0 < dt <= tau_syn (choose a smaller dt)`);
    wIn = uniform(p, "w_in", problems, where, 1);
  }
  const g = leaky ? s * r * a * wIn : dt * r;
  if (!(g > 0) || !Number.isFinite(g)) problems.push(`${where}: input gain ${leaky ? "dt/tau·r" + (cuba ? "·dt/tau_syn·w_in" : "") : "dt·r"} = ${g} must be > 0`);
  const neuron: NeuronParams = { model: leaky ? "lif" : "if", threshold: 1 };
  if (leaky) neuron.leak = 1 - s;
  if (spiking) {
    const vth = uniform(p, "v_threshold", problems, where);
    neuron.threshold = vth / g;
    if (!(neuron.threshold > 0)) problems.push(`${where}: threshold v_threshold/g = ${vth}/${g} must be > 0`);
    if (reset === "subtract") neuron.reset = "subtract";
    else {
      neuron.reset = "value";
      const vr = uniform(p, "v_reset", problems, where, 0);
      if (vr !== 0) neuron.vReset = vr / g;
    }
  } else neuron.spiking = false;
  if (cuba && a < 1) neuron.synDecay = 1 - a;
  let leakBias: Float64Array | null = null;
  const vl = p.v_leak;
  if (leaky && vl && vl.some((x) => x !== 0)) leakBias = Float64Array.from(vl, (x) => (s * x) / g);
  if (problems.length > n0) return { neuron, leakBias: null, biasDivisor: 1, gain: 1 };
  return { neuron, leakBias, biasDivisor: cuba ? a : 1, gain: g };
}

/** NIR primitive type and per-step → continuous parameters of one population (export, g = 1). */
export interface Continuous {
  type: "IF" | "I" | "LIF" | "LI" | "CubaLIF" | "CubaLI";
  /** scalar parameters, broadcast to the population's shape by the writer */
  params: Record<string, number>;
  /** what NIR cannot hold (kept in metadata), for warnings */
  extensions: string[];
  /** why it cannot be exported at all, if so */
  problem?: string;
  /** the synaptic a (1 without synapse): an exported Affine bias is b·a */
  biasFactor: number;
}

/** spikewasm NeuronParams → the NIR neuron primitive and parameters for step `dt` (the inverse of discretise). */
export function continuous(params: NeuronParams, dt: number): Continuous {
  if (params.model === "cond_exp")
    return { type: "IF", params: {}, extensions: [], biasFactor: 1, problem: "the conductance-based IF_cond_exp neuron has no NIR primitive (NIR's neurons are current-based)" };
  const p = resolveNeuron(params);
  const extensions: string[] = [];
  if (p.spiking && p.reset === "subtract") extensions.push("reset by subtraction (NIR resets to v_reset)");
  if (p.refractory > 0) extensions.push(`refractory period ${p.refractory} steps`);
  if (p.vInit !== 0) extensions.push(`initial potential vInit ${p.vInit}`);
  const vReset = p.reset === "value" ? p.vReset : 0;
  const leaky = p.model === "lif" && p.leak < 1;
  if (!leaky) {
    if (p.synDecay > 0) return { type: "IF", params: {}, extensions, biasFactor: 1, problem: `a synaptic filter (synDecay ${p.synDecay}) on a non-leaky neuron has no NIR primitive (CubaLIF needs leak < 1)` };
    if (!p.spiking) return { type: "I", params: { r: 1 / dt }, extensions, biasFactor: 1 };
    return { type: "IF", params: { r: 1 / dt, v_threshold: p.threshold, v_reset: vReset }, extensions, biasFactor: 1 };
  }
  const s = 1 - p.leak;
  const tau = dt / s;
  if (p.synDecay > 0) {
    const a = 1 - p.synDecay;
    const base = { tau_mem: tau, tau_syn: dt / a, r: 1 / (s * a), v_leak: 0, w_in: 1 };
    if (!p.spiking) return { type: "CubaLI", params: base, extensions, biasFactor: a };
    return { type: "CubaLIF", params: { ...base, v_threshold: p.threshold, v_reset: vReset }, extensions, biasFactor: a };
  }
  if (!p.spiking) return { type: "LI", params: { tau, r: 1 / s, v_leak: 0 }, extensions, biasFactor: 1 };
  return { type: "LIF", params: { tau, r: 1 / s, v_leak: 0, v_threshold: p.threshold, v_reset: vReset }, extensions, biasFactor: 1 };
}

const close = (x: number, y: number): boolean => Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));

/**
 * True when `exact` (the NeuronParams spikewasm stored in metadata) is what `derived` (re-derived from
 * the NIR parameters) rounds from: same model family and spiking, leak, threshold, synDecay and vReset
 * within 1e-9 relative. Reset mode, refractory and vInit are NIR-invisible extensions and are taken
 * from `exact`.
 */
export function consistent(exact: NeuronParams, derived: NeuronParams): boolean {
  let e: ReturnType<typeof resolveNeuron>;
  try {
    e = resolveNeuron(exact);
  } catch {
    return false;
  }
  const d = resolveNeuron(derived);
  if (typeof e.threshold !== "number" || e.spiking !== d.spiking) return false;
  if (!close(e.model === "if" ? 1 : e.leak, d.model === "if" ? 1 : d.leak) || !close(e.synDecay, d.synDecay)) return false;
  if (d.spiking && !close(e.threshold, d.threshold)) return false;
  if (d.spiking && e.reset === "value" && !close(e.vReset, d.reset === "value" ? d.vReset : 0)) return false;
  return true;
}
