/** The error of the NIR reader, writer and converters: every problem found, listed at once. */
import { SpikewasmError } from "../errors.js";

/** What went wrong, by category (for callers that branch on it). */
export type NirErrorKind = "corrupt" | "invalid" | "unsupported" | "unexportable";

/**
 * A NIR file that cannot be read ("corrupt": not HDF5; "invalid": missing datasets, mismatched shapes,
 * unknown primitives, dangling edges), a NIR graph spikewasm cannot express ("unsupported"), or a
 * spikewasm graph NIR cannot express ("unexportable"). `problems` holds one line per problem, each
 * naming the file, the node and the field; `message` lists them all.
 */
export class NirError extends SpikewasmError {
  readonly kind: NirErrorKind;
  readonly problems: string[];
  constructor(kind: NirErrorKind, source: string, headline: string, problems: string[]) {
    const body = problems.length === 1 ? ` ${problems[0]}` : `\n${problems.map((p) => `  - ${p}`).join("\n")}`;
    super(`${source}: ${headline}${problems.length > 1 ? ` (${problems.length} problems)` : ""}:${body}`);
    this.name = "NirError";
    this.kind = kind;
    this.problems = problems;
  }
}
