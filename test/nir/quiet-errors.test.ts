// A damaged NIR file is reported in one line: HDF5's own diagnostics (tens of lines) stay off stderr.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli.js";
import { captureConsole } from "../helpers/console.js";

const err = captureConsole();

describe("NIR errors without HDF5 noise", () => {
  it("a truncated file: one error line naming the file, no HDF5-DIAG lines on stderr", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spikewasm-nir-quiet-"));
    const file = join(dir, "trunc.nir");
    writeFileSync(file, readFileSync(new URL("../fixtures/nir/lif_norse.nir", import.meta.url)).subarray(0, 10_000));
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((c: string | Uint8Array) => { written.push(String(c)); return true; });
    try {
      expect(await main(["check", file, "--dt", "1e-3"])).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(written.join("")).not.toMatch(/HDF5-DIAG/);
    expect(err.join("\n")).toMatch(/trunc\.nir: corrupt HDF5/);
  });
});
