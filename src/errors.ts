/**
 * The one error type spikewasm throws for bad input: a message that names what is wrong and where
 * (file, layer, field, value, limit). The CLI prints `message` alone and exits with `exitCode`.
 */
export class SpikewasmError extends Error {
  /** Process exit code the CLI uses for this error (2: bad input, 3: resource limit). */
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = "SpikewasmError";
    this.exitCode = exitCode;
  }
}

/** Throws a SpikewasmError built from `where` ("layer 'fc1'") and `what` unless `cond` holds. */
export function check(cond: unknown, where: string, what: string): asserts cond {
  if (!cond) throw new SpikewasmError(`${where}: ${what}`);
}
