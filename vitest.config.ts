import { defineConfig } from "vitest/config";

// test/assembly/*.spec.ts are AssemblyScript unit tests run by as-pect (npm run test:as), not by vitest.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/assembly/**", "node_modules/**"],
  },
});
