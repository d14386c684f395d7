/** Reading data files in Node (src/data/files.ts): bytes back, or a SpikewasmError with path and errno code. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SpikewasmError } from "../../src/errors.js";
import { readDataFile } from "../../src/data/files.js";

const dir = mkdtempSync(join(tmpdir(), "spikewasm-data-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readDataFile", () => {
  it("returns the file's bytes", () => {
    const path = join(dir, "a.bin");
    writeFileSync(path, Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 0));
    expect(Array.from(readDataFile(path))).toEqual([0, 0, 8, 1, 0, 0, 0, 0]);
  });

  it("names the path and ENOENT for a missing file", () => {
    const path = join(dir, "missing.idx");
    expect(() => readDataFile(path)).toThrow(SpikewasmError);
    expect(() => readDataFile(path)).toThrow(new RegExp(`${path.replace(/[.\\]/g, "\\$&")}.*no such file.*ENOENT`));
  });

  it("names the path and EISDIR for a directory", () => {
    expect(() => readDataFile(dir)).toThrow(/EISDIR/);
    expect(() => readDataFile(dir)).toThrow(dir);
  });
});
