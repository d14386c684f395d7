import { defineConfig } from "vitest/config";

// test/assembly/*.spec.ts are AssemblyScript unit tests run by as-pect (npm run test:as), not by vitest.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/assembly/**", "node_modules/**"],
    // the suite runs files in parallel on small machines (2 cores) and several tests run the CLI or the
    // bundled model: 5 s (vitest's default) is a timing assertion in disguise; timings belong in bench/
    testTimeout: 30_000,
    // finds the browser tests' Chromium once per run and prints one line (or why they are skipped)
    globalSetup: ["test/setup/browser.ts"],
  },
});
