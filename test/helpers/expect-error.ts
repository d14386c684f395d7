/** Asserts that `f` throws a SpikewasmError whose message matches every part (a substring or a pattern). */
import { expect } from "vitest";
import { SpikewasmError } from "../../src/errors.js";

export function expectError(f: () => unknown, ...parts: (string | RegExp)[]): void {
  let err: unknown;
  try { f(); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(SpikewasmError);
  for (const p of parts) expect((err as Error).message).toMatch(p);
}
