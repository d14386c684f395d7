/**
 * `run --queue` with `spikewasm worker`: a local redis-server (Debian `redis-server`) on a free loopback
 * port with a password, two worker processes (the CLI bundled from the current sources), one killed
 * mid-job: BullMQ's stalled-job check hands its job to the other, and the merged report equals the
 * one-process report bit for bit apart from timings; the password appears nowhere. Without a
 * redis-server the suite is skipped with one line — unless SPIKEWASM_REQUIRE_REDIS=1 (.ci/run), which
 * makes that a failure.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { QUEUE_NAME } from "../../src/distributed/redis.js";
import { captureConsole } from "../helpers/console.js";

const err = captureConsole();
const PASSWORD = "pw-Zq81-never-printed";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts redis-server with a password on a free port; the reason when it cannot. */
async function startRedis(): Promise<{ proc: ChildProcess; port: number } | string> {
  // SPIKEWASM_REDIS_SERVER: the binary to use (a path that does not exist shows the skip)
  const given = process.env.SPIKEWASM_REDIS_SERVER;
  const bin = given !== undefined ? (existsSync(given) ? given : undefined) : ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find(existsSync)
    ?? (spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).stdout.trim() || undefined);
  if (!bin) return `no redis-server on this machine${given !== undefined ? ` (SPIKEWASM_REDIS_SERVER=${given} does not exist)` : ""} (Debian: apt-get install redis-server)`;
  const port = await freePort();
  const proc = spawn(bin, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", PASSWORD], { stdio: "ignore" });
  const client = new Redis({ port, host: "127.0.0.1", password: PASSWORD, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
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

const redis = await startRedis();
const required = process.env.SPIKEWASM_REQUIRE_REDIS === "1";
if (typeof redis === "string" && !required) console.warn(`test/distributed/queue.test.ts skipped: ${redis}`);

afterAll(() => { if (typeof redis !== "string") redis.proc.kill("SIGKILL"); });

describe.runIf(required || typeof redis !== "string")("run --queue and spikewasm worker (local redis-server)", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikewasm-queue-"));
  const server = typeof redis === "string" ? null : redis;
  const url = `redis://:${PASSWORD}@127.0.0.1:${server?.port ?? 0}/3`;
  const args = ["run", "--limit", "144", "-T", "20", "-b", "8", "--calibration-samples", "100", "--coding", "poisson", "--rate", "0.6", "--seed", "5", "--target", "ncs2"];
  const workers: ChildProcess[] = [];
  afterAll(() => { for (const w of workers) if (w.exitCode === null) w.kill("SIGKILL"); });

  /** The CLI from the current sources, bundled where node_modules resolves (bullmq is external). */
  async function cliBundle(): Promise<string> {
    const out = join(process.cwd(), "node_modules", ".cache", "spikewasm-test", "cli.mjs");
    mkdirSync(join(out, ".."), { recursive: true });
    const { build } = await import("esbuild");
    await build({ entryPoints: ["src/bin.ts"], bundle: true, format: "esm", platform: "node", target: "es2022", packages: "external", outfile: out, logLevel: "silent" });
    return out;
  }

  /** A worker process; its output lines collected. */
  function startWorker(cli: string): { proc: ChildProcess; lines: string[] } {
    const proc = spawn(process.execPath, [cli, "worker", "--queue", url, "--concurrency", "1", "--stall-timeout", "2"], { stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    for (const s of [proc.stdout!, proc.stderr!]) s.on("data", (b: Buffer) => lines.push(...b.toString().split("\n").filter(Boolean)));
    workers.push(proc);
    return { proc, lines };
  }

  const waitFor = async (cond: () => boolean, what: string, seconds = 60) => {
    for (let t = 0; t < seconds * 20; t++) {
      if (cond()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  it("two workers, one killed mid-job: the merged report is the one-process report; the password is never shown", async () => {
    if (!server) throw new Error(`SPIKEWASM_REQUIRE_REDIS=1 but no Redis: ${redis}`);
    const one = join(dir, "one.json"), queued = join(dir, "queued.json");
    expect(await main([...args, "--workers", "1", "--json", one])).toBe(0);
    const cli = await cliBundle();
    const a = startWorker(cli), b = startWorker(cli);
    await waitFor(() => [a, b].every((w) => w.lines.some((l) => l.includes("waiting for jobs"))), "both workers to start");
    const run = main([...args, "--queue", url, "--queue-timeout", "60", "--json", queued]);
    // kill worker a in the middle of its second job: it stops renewing the lock, the job stalls and b takes it
    await waitFor(() => a.lines.filter((l) => l.includes("started")).length >= 2, "worker a to start its second job");
    a.proc.kill("SIGKILL");
    const killedJob = /job (\S+): samples/.exec(a.lines.filter((l) => l.includes("started")).at(-1)!)![1];
    expect(await run).toBe(0);
    const untimed = (f: string) => JSON.stringify({ ...JSON.parse(readFileSync(f, "utf8")), seconds: 0 }, null, 2);
    expect(untimed(queued)).toBe(untimed(one));
    // the killed job was finished by worker b (unless a had finished it just before the kill)
    const doneByA = a.lines.some((l) => l.includes(`job ${killedJob}:`) && l.includes("done"));
    if (!doneByA) expect(b.lines.some((l) => l.includes(`job ${killedJob}:`) && l.includes("done"))).toBe(true);
    const shown = [readFileSync(queued, "utf8"), ...err, ...a.lines, ...b.lines].join("\n");
    expect(shown).not.toContain(PASSWORD);
    expect(err.join("\n")).toMatch(/redis:\/\/:\*\*\*@127\.0\.0\.1/);

    // a job of another spikewasm version is refused by name
    const conn = new Redis({ port: server.port, host: "127.0.0.1", password: PASSWORD, db: 3, maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE_NAME, { connection: conn });
    const job = await queue.add("range", { run: "f".repeat(64), spikewasm: "0.0.0-other", start: 0, count: 8 }, { jobId: "other-version-0-8" });
    await waitFor(() => b.lines.some((l) => l.includes("other-version")) || false, "worker b to take the job", 30).catch(() => undefined);
    for (let i = 0; i < 100 && (await job.getState()) !== "failed"; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await queue.getJob("other-version-0-8"))!.failedReason).toMatch(/from spikewasm 0\.0\.0-other; this worker runs spikewasm \d/);
    await queue.close();
    conn.disconnect();

    // SIGTERM: the worker stops cleanly
    b.proc.kill("SIGTERM");
    await waitFor(() => b.proc.exitCode !== null, "worker b to exit on SIGTERM", 30);
    expect(b.proc.exitCode).toBe(0);
  }, 240_000);

  it("an unreachable Redis or a bad URL is a named error, exit 2, the password masked", async () => {
    const closed = await freePort();
    expect(await main([...args, "--queue", `redis://:${PASSWORD}@127.0.0.1:${closed}`, "--json", join(dir, "x.json")])).toBe(2);
    expect(err.join("\n")).toMatch(new RegExp(`cannot use Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${closed}: .*ECONNREFUSED`));
    expect(await main([...args, "--queue", "http://127.0.0.1:1", "--json", join(dir, "x.json")])).toBe(2);
    expect(await main(["worker", "--queue", `redis://:${PASSWORD}@127.0.0.1:${closed}/db`])).toBe(2);
    expect(await main([...args, "--queue", url.replace(PASSWORD, "wrong-password"), "--json", join(dir, "x.json")])).toBe(2);
    expect(err.join("\n")).toMatch(/refused the credentials/);
    expect(err.join("\n")).not.toContain(PASSWORD);
    expect(existsSync(join(dir, "x.json"))).toBe(false);
  }, 60_000);
});
