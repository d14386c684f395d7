/** Captures console.error lines (and silences console.log) around each test of a CLI suite. */
import { afterEach, beforeEach, vi } from "vitest";

/** Installs the capture hooks; the returned array holds this test's error lines. */
export function captureConsole(): string[] {
  const err: string[] = [];
  beforeEach(() => {
    err.length = 0;
    vi.spyOn(console, "error").mockImplementation((m: unknown) => void err.push(String(m)));
    vi.spyOn(console, "log").mockImplementation(() => undefined);
  });
  afterEach(() => vi.restoreAllMocks());
  return err;
}
