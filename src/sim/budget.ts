/**
 * The memory a run will need, checked before it starts: a request that would pass the budget stops with
 * exit 3, the bytes needed and the option that lowers them, instead of a RangeError or an out-of-memory
 * abort halfway through.
 */
import { SpikewasmError } from "../errors.js";

/** Default ceiling on what one run may allocate for its records (2 GiB). */
export const DEFAULT_MEMORY_BUDGET = 2 ** 31;

/**
 * Throws a SpikewasmError (exit 3) when `bytes` (not finite counts as too many) passes `budget`.
 * @param what what needs the memory, e.g. "per-step records of 10^12 steps × 32 samples"
 * @param lower the options that lower it, e.g. "lower -T or --batch"
 */
export function checkMemory(what: string, bytes: number, lower: string, budget = DEFAULT_MEMORY_BUDGET): void {
  if (!(bytes <= budget)) throw new SpikewasmError(`${what} needs ${Number.isFinite(bytes) ? Math.ceil(bytes) : "more than 2^53"} bytes, more than the ${budget}-byte limit; ${lower}`, 3);
}
