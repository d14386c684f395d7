/**
 * For the queue tests: a local redis-server (Debian `redis-server`) with a password on a free loopback
 * port, the CLI bundled from the current sources (optionally as another spikewasm version), worker
 * processes with their output collected, and polling with a named timeout.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { Redis } from "ioredis";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts redis-server with `password` on a free port; the reason when it cannot. */
export async function startRedis(password: string): Promise<{ proc: ChildProcess; port: number } | string> {
  // SPIKEWASM_REDIS_SERVER: the binary to use (a path that does not exist shows the skip)
  const given = process.env.SPIKEWASM_REDIS_SERVER;
  const bin = given !== undefined ? (existsSync(given) ? given : undefined) : ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find(existsSync)
    ?? (spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).stdout.trim() || undefined);
  if (!bin) return `no redis-server on this machine${given !== undefined ? ` (SPIKEWASM_REDIS_SERVER=${given} does not exist)` : ""} (Debian: apt-get install redis-server)`;
  const port = await freePort();
  const proc = spawn(bin, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", password], { stdio: "ignore" });
  const client = new Redis({ port, host: "127.0.0.1", password, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on("error", () => undefined);
  for (let i = 0; i < 50; i++) {
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return { proc, port };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  proc.kill("SIGKILL");
  return `redis-server (${bin}) did not answer on port ${port} within 5 s`;
}

/**
 * The CLI from the current sources, bundled where node_modules resolves (bullmq is external), as
 * cli-`tag`.mjs (one file per test file: they run side by side); `version`: as if it were that spikewasm version.
 */
export async function cliBundle(tag: string, version?: string): Promise<string> {
  const out = join(process.cwd(), "node_modules", ".cache", "spikewasm-test", `cli-${tag}.mjs`);
  mkdirSync(join(out, ".."), { recursive: true });
  const { build } = await import("esbuild");
  await build({
    entryPoints: ["src/bin.ts"], bundle: true, format: "esm", platform: "node", target: "es2022", packages: "external", outfile: out, logLevel: "silent",
    plugins: version ? [{ name: "version", setup: (b) => b.onLoad({ filter: /[\\/]src[\\/]version\.ts$/ }, () => ({ contents: `export const VERSION = ${JSON.stringify(version)};`, loader: "ts" })) }] : [],
  });
  return out;
}

/** A worker process (`spikewasm worker --concurrency 1 --stall-timeout 2`); its output lines collected. */
export function startWorker(cli: string, url: string, into: ChildProcess[]): { proc: ChildProcess; lines: string[] } {
  const proc = spawn(process.execPath, [cli, "worker", "--queue", url, "--concurrency", "1", "--stall-timeout", "2"], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  for (const s of [proc.stdout!, proc.stderr!]) s.on("data", (b: Buffer) => lines.push(...b.toString().split("\n").filter(Boolean)));
  into.push(proc);
  return { proc, lines };
}

export async function waitFor(cond: () => boolean, what: string, seconds = 60): Promise<void> {
  for (let t = 0; t < seconds * 20; t++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
