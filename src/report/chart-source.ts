/**
 * Node only: Chart.js's UMD build as text, read from the installed npm package (a dependency of
 * spikewasm) when a report is written, so the HTML embeds the exact version in node_modules and
 * works offline. Kept out of src/report/html.ts so that module stays browser-safe.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { SpikewasmError } from "../errors.js";

let cached: { source: string; version: string } | undefined;

/** dist/chart.umd.min.js and the version of the installed chart.js package. */
export function chartJsSource(): { source: string; version: string } {
  if (cached) return cached;
  let dist: string;
  try {
    // chart.js's "exports" hide package.json and the UMD file; its main entry lives in dist/
    dist = dirname(createRequire(import.meta.url).resolve("chart.js"));
  } catch {
    throw new SpikewasmError("the HTML report needs the npm package chart.js (a dependency of spikewasm): reinstall spikewasm", 1);
  }
  const source = readFileSync(join(dist, "chart.umd.min.js"), "utf8");
  const version = (JSON.parse(readFileSync(join(dist, "..", "package.json"), "utf8")) as { version: string }).version;
  cached = { source, version };
  return cached;
}
