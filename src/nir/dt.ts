/**
 * The time step of a NIR file: the one a spikewasm export stored, or what the file's neurons suggest when
 * it has none (named in nirToSnn's "needs a time step" error and by `spikewasm inspect`).
 */
import { tensor } from "./primitives.js";
import type { NirGraph } from "./types.js";
import { inline } from "./walk.js";

const fmt = (x: number): string => String(Number(x.toPrecision(4)));

/**
 * What the file's neurons suggest for dt (for the "needs a time step" message). Time constants: forward
 * Euler needs dt < the smallest τ; the largest power of ten below it whose per-step decays 1 − dt/τ all
 * have at most 3 decimals (to float32 precision) is named: a file exported from per-step decays (snnTorch's
 * β = 0.9 at dt = 1e-4 gives τ = 1e-3) gets its dt back. IF / I neurons only: dt scales their input gain dt·r, and dt = 1/r
 * adds each step's input once (Sinabs' and Speck's discrete IAF).
 */
export function suggestDt(nir: NirGraph): { dt?: number; text: string } {
  const flat = inline(nir, "", [], "");
  const taus = new Set<number>(), rs = new Set<number>();
  for (const node of flat.nodes.values()) {
    for (const k of ["tau", "tau_mem", "tau_syn"]) for (const x of tensor(node, k)?.data ?? []) if (x > 0 && Number.isFinite(x)) taus.add(x);
    if (node.type === "IF" || node.type === "I") for (const x of tensor(node, "r")?.data ?? []) if (x > 0 && Number.isFinite(x)) rs.add(x);
  }
  if (taus.size > 0) {
    const tmin = Math.min(...taus);
    const fine = 10 ** Math.floor(Math.log10(tmin / 10) + 1e-9);
    const listed = [...taus].sort((a, b) => a - b).slice(0, 4).map(fmt).join(", ") + (taus.size > 4 ? ", …" : "");
    const euler = `forward Euler needs dt < ${fmt(tmin)} s, and --dt ${fmt(fine)} (≤ τ/10) follows continuous time closely`;
    for (let k = Math.floor(Math.log10(tmin)); k > Math.floor(Math.log10(tmin)) - 6; k--) {
      const dt = 10 ** k;
      if (!(dt < tmin)) continue;
      const decays = [...taus].map((t) => 1 - dt / t);
      if (decays.every((d) => Math.abs(d * 1000 - Math.round(d * 1000)) < 5e-4)) {
        const shown = [...new Set(decays.map(fmt))].slice(0, 4).join(", ");
        return { dt, text: `its time constants (${listed} s) suggest --dt ${fmt(dt)} (round per-step decays ${shown}, as a file exported from per-step decays has); ${euler}` };
      }
    }
    return { dt: fine, text: `its time constants (${listed} s) need dt < ${fmt(tmin)} s; ${euler}` };
  }
  if (rs.size === 1) {
    const r = [...rs][0];
    return { dt: 1 / r, text: `it has no time constants (IF/I neurons only: dt scales their input gain dt·r); --dt ${fmt(1 / r)} (= 1/r) adds each step's input once, as Sinabs' and Speck's discrete IAF do` };
  }
  if (rs.size > 1) return { text: `it has no time constants (IF/I neurons only, r = ${[...rs].slice(0, 4).map(fmt).join(", ")}): dt scales their input gain dt·r` };
  return { text: "it has no neuron with a time constant or r to suggest one" };
}

/** The dt stored by a spikewasm export, if any. */
export function storedDt(nir: NirGraph): number | undefined {
  const d = nir.groups.metadata?.data.spikewasm_dt;
  return d && d.kind === "tensor" && d.data.length === 1 ? d.data[0] : undefined;
}
