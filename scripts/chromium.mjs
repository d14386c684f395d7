// Finds a Chromium for the browser tests (test/report, test/demo) and bench/browser.mjs, without downloading anything.
//
// In order:
//   1. SPIKEWASM_CHROMIUM=<path>  that executable; SPIKEWASM_CHROMIUM=npm or =system forces one of the two below;
//   2. the system's Chromium, /usr/bin/chromium (Debian's `chromium` package, which .ci/run installs);
//   3. the Chromium shipped inside the npm package @sparticuz/chromium (a devDependency: a brotli-compressed
//      chrome-headless-shell in the package itself, so `npm ci` brings it like any other dependency). It is
//      unpacked once into node_modules/.cache/ (≈ 1.5 s; written to a temporary name and renamed, so two test
//      processes never run a half-written binary) and driven by playwright-core over its DevTools pipe.
//
// Why not @sparticuz/chromium's own executablePath(): it unpacks to os.tmpdir()/chromium, a path shared with
// anything else on the machine, and returns whatever file is already there, even half-written by a concurrent
// process. Its command-line modes (`--screenshot`, `--dump-dom`) never finish on this build (seen here:
// still running after 15 s with any flags, while the same binary driven through playwright takes a screenshot
// in under a second), so it is only ever launched through playwright.
//
// Every candidate is checked by running `<chromium> --version` (10 s limit): a binary that cannot start
// (e.g. libnss3 missing on a bare machine) is reported with the reason instead of failing inside a test.
import { execFile } from "node:child_process";
import { chmodSync, createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { createBrotliDecompress } from "node:zlib";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const SYSTEM_CHROMIUM = "/usr/bin/chromium";
export const NPM_CHROMIUM_PACKAGE = "@sparticuz/chromium";
/** Flags for a headless Chromium on a machine without network (from TOOLCHAIN.md; playwright adds --headless). */
export const CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync"];

/** `<path> --version`: resolves to the version line, rejects with the reason the binary could not start. */
function versionOf(path) {
  return new Promise((ok, fail) => {
    execFile(path, ["--version"], { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) {
        const why = (stderr || err.message).trim().split("\n").filter(Boolean).slice(-1)[0] ?? String(err);
        fail(new Error(`${path} --version failed: ${why}`));
      } else ok(stdout.trim());
    });
  });
}

/** Unpacks @sparticuz/chromium's bin/chromium.br into node_modules/.cache once; returns the executable's path. */
async function unpackNpmChromium() {
  const require = createRequire(join(ROOT, "package.json"));
  let main;
  try {
    main = require.resolve(NPM_CHROMIUM_PACKAGE); // <package>/build/index.js (its exports hide package.json)
  } catch {
    throw new Error(`npm package ${NPM_CHROMIUM_PACKAGE} is not installed (run npm ci)`);
  }
  const pkgDir = dirname(dirname(main));
  const { version } = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  const source = join(pkgDir, "bin", "chromium.br");
  if (!existsSync(source)) throw new Error(`${source} is missing (this platform's build of ${NPM_CHROMIUM_PACKAGE} ships no chromium.br)`);
  const dir = join(ROOT, "node_modules", ".cache", `spikewasm-chromium-${version}`);
  const exe = join(dir, "chromium");
  if (existsSync(exe)) return exe;
  mkdirSync(dir, { recursive: true });
  const partial = `${exe}.${process.pid}.partial`;
  try {
    await pipeline(createReadStream(source), createBrotliDecompress(), createWriteStream(partial, { mode: 0o755 }));
    chmodSync(partial, 0o755);
    renameSync(partial, exe);
  } catch (e) {
    rmSync(partial, { force: true });
    throw new Error(`could not unpack ${source}: ${e instanceof Error ? e.message : e}`);
  }
  return exe;
}

/**
 * The Chromium to use, checked to start: `{ executablePath, source, version }`, or `{ executablePath: null, reason }`
 * saying why none is usable (every candidate tried, with its failure).
 */
export async function findChromium(env = process.env) {
  const choice = (env.SPIKEWASM_CHROMIUM ?? "").trim();
  const tried = [];
  const attempt = async (source, getPath) => {
    try {
      const executablePath = await getPath();
      return { executablePath, source, version: await versionOf(executablePath) };
    } catch (e) {
      tried.push(`${source}: ${e instanceof Error ? e.message : e}`);
      return null;
    }
  };
  const system = () => attempt("system", async () => {
    if (!existsSync(SYSTEM_CHROMIUM)) throw new Error(`${SYSTEM_CHROMIUM} not found`);
    return SYSTEM_CHROMIUM;
  });
  const npm = () => attempt("npm", unpackNpmChromium);
  let found;
  if (choice === "system") found = await system();
  else if (choice === "npm") found = await npm();
  else if (choice) {
    found = await attempt("SPIKEWASM_CHROMIUM", async () => {
      if (!existsSync(choice)) throw new Error(`${choice} not found`);
      return choice;
    });
  } else found = (await system()) ?? (await npm());
  return found ?? { executablePath: null, reason: tried.join("; ") };
}
