// Types of scripts/chromium.mjs (plain JS so that bench/browser.mjs can import it without a build).
export declare const SYSTEM_CHROMIUM: string;
export declare const NPM_CHROMIUM_PACKAGE: string;
export declare const CHROMIUM_FLAGS: string[];
export type FoundChromium =
  | { executablePath: string; source: "system" | "npm" | "SPIKEWASM_CHROMIUM"; version: string }
  | { executablePath: null; reason: string };
export declare function findChromium(env?: Record<string, string | undefined>): Promise<FoundChromium>;
