/**
 * The Chromium that test/setup/browser.ts (vitest globalSetup) found for the browser tests. Without one the
 * browser suites are skipped (the setup printed why and how to enable them), unless SPIKEWASM_REQUIRE_BROWSER=1
 * (.ci/run): then they run and fail in their beforeAll with the reason.
 */
import { inject } from "vitest";
import { CHROMIUM_FLAGS } from "../../scripts/chromium.mjs";
import { REQUIRE_BROWSER } from "../setup/browser.js";

export { CHROMIUM_FLAGS };

const found = inject("chromium");

/** true: no usable Chromium and not required, skip the browser suites */
export const skipBrowserTests = found.executablePath === null && process.env[REQUIRE_BROWSER] !== "1";

/** The executable to launch with playwright-core; throws the setup's reason when there is none. */
export function chromiumExecutable(): string {
  if (found.executablePath === null) throw new Error(`${REQUIRE_BROWSER}=1 but no usable Chromium: ${found.reason}`);
  return found.executablePath;
}
