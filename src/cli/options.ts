/**
 * Option helpers shared by the commands: number parsers that name the flag, and the options several
 * commands take (NIR's --dt / --nir-reset, Loihi's --loihi-flow / --loihi-constants).
 */
import { InvalidArgumentError, Option } from "commander";
import { checkLoihiConstants } from "../targets/loihi.js";
import { checkLoihiFlow } from "../targets/loihi-system.js";

/** --dt and --nir-reset of every command that reads a NIR file ("NIR graphs: …"); `prefix` names what they apply to. */
export function nirDtOption(prefix: string): Option {
  return new Option("--dt <seconds>", `${prefix}: seconds per step (default: the file's spikewasm_dt, else required)`).argParser(num("--dt", 0));
}

export function nirResetOption(prefix: string): Option {
  return new Option("--nir-reset <r>", `${prefix}: reset to v_reset (NIR's rule) or by subtraction (default: what a spikewasm export stored, else v_reset)`).choices(["value", "subtract"]);
}

/** --loihi-flow: the deployment flow of the Loihi estimate (src/targets/loihi-system.ts). */
export function loihiFlowOption(): Option {
  return new Option("--loihi-flow <flow>", "Loihi deployment flow: host (input streamed from the host every step, NengoLoihi/NxSDK), bias (frame written once as biases, NxTF), chip (on-chip time only, I/O excluded)")
    .default("host").argParser((v: string) => checkLoihiFlow(v));
}
/** --loihi-reset: how layers that reset by subtraction run on Loihi (src/loihi/quantize.ts, "reset"). */
export function loihiResetOption(): Option {
  return new Option("--loihi-reset <mode>", "Loihi reset of layers converted with reset by subtraction: zero (Loihi's native reset, the residual above threshold is lost) " +
    "or subtract (emulated the NxTF way: two compartments per neuron and a self-connection of weight -threshold, priced in the mapping and the energy)")
    .default("zero").choices(["zero", "subtract"]);
}
/** --loihi-subtract-layers: the layers --loihi-reset subtract emulates (default all). */
export function loihiSubtractLayersOption(): Option {
  return new Option("--loihi-subtract-layers <ids>", "with --loihi-reset subtract: emulate it only in these layers (comma list of layer ids, e.g. what optimize chose); the others reset to zero")
    .argParser((v: string) => v.split(",").map((x) => x.trim()).filter(Boolean));
}
/** --loihi-constants: the per-event constant set of the Loihi estimate. */
export function loihiConstantsOption(): Option {
  return new Option("--loihi-constants <set>", "Loihi per-event constants: davies (Davies et al. 2018 Table 2) or sanafe (SANA-FE v2.2)")
    .default("davies").argParser((v: string) => checkLoihiConstants(v));
}

export function int(name: string, min: number) {
  return (v: string): number => {
    const x = Number(v);
    if (!Number.isInteger(x) || x < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got '${v}'`);
    return x;
  };
}

export function num(name: string, min: number) {
  return (v: string): number => {
    const x = Number(v);
    if (!Number.isFinite(x) || x < min) throw new InvalidArgumentError(`${name} must be a number >= ${min}, got '${v}'`);
    return x;
  };
}
