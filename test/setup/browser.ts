/**
 * vitest globalSetup: finds the Chromium of the browser tests once per run (scripts/chromium.mjs: the system's
 * /usr/bin/chromium, else the one shipped in the npm package @sparticuz/chromium) and hands it to the test files
 * (`inject("chromium")`, test/helpers/browser.ts). Prints one line either way. Without a usable Chromium the
 * browser tests are skipped — unless SPIKEWASM_REQUIRE_BROWSER=1 (set by .ci/run): then they fail with the reason.
 */
import type { TestProject } from "vitest/node";
import { type FoundChromium, findChromium } from "../../scripts/chromium.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    chromium: FoundChromium;
  }
}

export const REQUIRE_BROWSER = "SPIKEWASM_REQUIRE_BROWSER";

export default async function setup(project: TestProject): Promise<void> {
  const found = await findChromium();
  if (found.executablePath === null) {
    if (process.env[REQUIRE_BROWSER] === "1") console.warn(`browser tests (test/report/html, test/demo) will FAIL (${REQUIRE_BROWSER}=1): no usable Chromium (${found.reason})`);
    else {
      console.warn(`browser tests (test/report/html, test/demo) skipped: no usable Chromium (${found.reason}). ` +
        `Enable them with apt-get install chromium, or SPIKEWASM_CHROMIUM=/path/to/chromium; ${REQUIRE_BROWSER}=1 makes this an error.`);
    }
  } else {
    console.log(`browser tests: ${found.version} (${found.source}: ${found.executablePath})`);
  }
  project.provide("chromium", found);
}
