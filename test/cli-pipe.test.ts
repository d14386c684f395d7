/** The executable when its reader stops early (`spikewasm run … | head -2`): no EPIPE stack trace. */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { cliBundle } from "./helpers/redis.js";

describe("stdout closed by the reader", () => {
  for (const args of [["--json", "-"], []]) {
    it(`run ${args.join(" ") || "(text)"} piped into a reader that has gone: exit 0, nothing on stderr but progress`, async () => {
      const cli = await cliBundle("pipe");
      const proc = spawn(process.execPath, [cli, "run", "--limit", "8", "-T", "4", "--calibration-samples", "50", "--workers", "1", ...args], { stdio: ["ignore", "pipe", "pipe"] });
      proc.stdout!.destroy(); // the reader closes its end before the CLI writes
      let stderr = "";
      proc.stderr!.on("data", (b: Buffer) => { stderr += b.toString(); });
      const code = await new Promise<number | null>((resolve) => proc.on("exit", (c) => resolve(c)));
      expect(stderr).not.toMatch(/EPIPE|Error|at .*\(/);
      expect(code).toBe(0);
    }, 60_000);
  }
});
