/**
 * `optimize --queue` with `spikewasm worker`: a local redis-server with a password on a free loopback
 * port, two worker processes (the CLI bundled from the current sources), one killed with SIGKILL
 * mid-job: the JSON and the HTML equal the one-process optimize's (the JSON apart from `seconds`). Bad
 * input: an unreachable Redis, no worker within --queue-timeout, a worker of another spikewasm version
 * → named errors, exit 2, nothing written and nothing left waiting on the queue. Without a redis-server
 * the Redis suite is skipped with one line — unless SPIKEWASM_REQUIRE_REDIS=1, which makes that a failure.
 * The exactly-once checks of the merge run without Redis.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { OPTIMIZE_PART_FORMAT, type OptimizeJobData, evaluationJson, mergeOptimizeParts, parseOptimizePart } from "../../src/distributed/optimize-part.js";
import { QUEUE_NAME } from "../../src/distributed/redis.js";
import type { LoihiEvaluation } from "../../src/loihi/evaluate.js";
import { captureConsole } from "../helpers/console.js";
import { cliBundle, freePort, startRedis, startWorker, waitFor } from "../helpers/redis.js";

const err = captureConsole();
const PASSWORD = "pw-Opt7-never-printed";

/** An evaluation of `count` samples at T = 2 (latency 1) whose sums are the samples' indices. */
function evaluation(start: number, count: number): LoihiEvaluation {
  const idx = Array.from({ length: count }, (_, i) => start + i);
  const sum = idx.reduce((a, b) => a + b, 0);
  return { samples: count, steps: 2, latency: 1, accuracy: count / count, accuracyByStep: [1, 1], correctByStep: [count, count], predictions: Int32Array.from(idx),
    layers: [{ id: "fc", neurons: 1, spikesPerStep: Float64Array.of(sum, 0, 1), synopsPerStep: Float64Array.of(0, sum, 0), spikeCountsSum: Float64Array.of(sum) }],
    inputSpikesPerStep: Float64Array.of(count, count, 0) };
}

describe("optimize parts: checked against their job, every sample counted once", () => {
  const job = (start: number, count: number): OptimizeJobData => ({ kind: "optimize", run: "r".repeat(64), spikewasm: "0.1.0", graph: "g".repeat(64), candidate: "p99.9 T=2", steps: 2, set: "validation", start, count });
  const part = (start: number, count: number) => ({ format: OPTIMIZE_PART_FORMAT, spikewasm: "0.1.0", job: job(start, count), seconds: 0, evaluation: evaluationJson(evaluation(start, count)) });
  it("merges ranges in any order into the whole set's sums", () => {
    const parts = [[4, 3], [0, 4], [7, 1]].map(([s, c]) => ({ file: `job ${s}`, start: s, count: c, evaluation: parseOptimizePart(JSON.parse(JSON.stringify(part(s, c))), `j${s}`, job(s, c)) }));
    const m = mergeOptimizeParts(parts, 8, "validation samples");
    expect(m.samples).toBe(8);
    expect(Array.from(m.predictions)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(m.layers[0].spikesPerStep)).toEqual([28, 0, 3]);
    expect(m.correctByStep).toEqual([8, 8]);
  });
  it("names a sample counted twice or not at all", () => {
    const p = (s: number, c: number) => ({ file: `job ${s}`, start: s, count: c, evaluation: evaluation(s, c) });
    expect(() => mergeOptimizeParts([p(0, 4), p(2, 4)], 6, "validation samples of knob 'x'")).toThrow(/validation samples of knob 'x' 2\.\.3 are in both job 0 and job 2/);
    expect(() => mergeOptimizeParts([p(0, 4)], 6, "validation samples")).toThrow(/validation samples 4\.\.5 of 6 are in no part/);
  });
  it("refuses a result of another job, search or graph by name", () => {
    expect(() => parseOptimizePart(part(0, 4), "j", job(4, 4))).toThrow(/job j: not the result of this search's job \(start 0, expected 4: the queue holds jobs of another model or version/);
    expect(() => parseOptimizePart({ ...part(0, 4), job: { ...job(0, 4), run: "other" } }, "j", job(0, 4))).toThrow(/run "other", expected "rrrr/);
    expect(() => parseOptimizePart({ ...part(0, 4), job: { ...job(0, 4), graph: "h" } }, "j", job(0, 4))).toThrow(/graph "h", expected "gggg/);
    expect(() => parseOptimizePart({ ...part(0, 4), evaluation: evaluationJson(evaluation(0, 3)) }, "j", job(0, 4))).toThrow(/evaluation of 3 samples at T = 2, expected 4/);
    expect(() => parseOptimizePart({ format: "spikewasm-run-part/1" }, "j", job(0, 4))).toThrow(/format "spikewasm-run-part\/1"/);
  });
});

const redis = await startRedis(PASSWORD);
const required = process.env.SPIKEWASM_REQUIRE_REDIS === "1";
if (typeof redis === "string" && !required) console.warn(`test/distributed/optimize-queue.test.ts skipped: ${redis}`);

afterAll(() => { if (typeof redis !== "string") redis.proc.kill("SIGKILL"); });

describe.runIf(required || typeof redis !== "string")("optimize --queue and spikewasm worker (local redis-server)", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikewasm-optqueue-"));
  const server = typeof redis === "string" ? null : redis;
  const url = (db: number) => `redis://:${PASSWORD}@127.0.0.1:${server?.port ?? 0}/${db}`;
  const args = ["optimize", "-T", "8,64", "--calibration-samples", "100", "--validation-samples", "48", "--limit", "24", "-b", "8"];
  const workers: ChildProcess[] = [];
  afterAll(() => { for (const w of workers) if (w.exitCode === null) w.kill("SIGKILL"); });
  const waiting = async (db: number) => {
    const conn = new Redis({ port: server!.port, host: "127.0.0.1", password: PASSWORD, db, maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE_NAME, { connection: conn });
    const n = await queue.getWaitingCount();
    await queue.close();
    conn.disconnect();
    return n;
  };

  it("two workers, one killed mid-run: the JSON and HTML are the one-process optimize's; the password is never shown", async () => {
    if (!server) throw new Error(`SPIKEWASM_REQUIRE_REDIS=1 but no Redis: ${redis}`);
    const one = join(dir, "one.json"), queued = join(dir, "queued.json"), oneHtml = join(dir, "one.html"), queuedHtml = join(dir, "queued.html");
    expect(await main([...args, "--workers", "1", "--json", one, "--report", oneHtml])).toBe(0);
    const cli = await cliBundle("optimize-queue");
    const a = startWorker(cli, url(4), workers), b = startWorker(cli, url(4), workers);
    await waitFor(() => [a, b].every((w) => w.lines.some((l) => l.includes("waiting for jobs"))), "both workers to start");
    const run = main([...args, "--queue", url(4), "--queue-timeout", "60", "--json", queued, "--report", queuedHtml]);
    // kill worker a once it has finished a job, at the start of its next one: the job stalls and b takes it
    const started = () => a.lines.filter((l) => l.includes("started"));
    await waitFor(() => a.lines.some((l) => l.includes(" done in ")) && started().length > a.lines.filter((l) => l.includes(" done in ")).length, "worker a to start a job after one done");
    a.proc.kill("SIGKILL");
    const killedJob = /job (\S+): optimize/.exec(started().at(-1)!)![1];
    expect(await run).toBe(0);
    const untimed = (f: string) => JSON.stringify({ ...JSON.parse(readFileSync(f, "utf8")), seconds: 0 }, null, 2);
    expect(untimed(queued)).toBe(untimed(one));
    expect(readFileSync(queuedHtml, "utf8")).toBe(readFileSync(oneHtml, "utf8"));
    const report = JSON.parse(readFileSync(queued, "utf8"));
    // 24 knobs (percentile, ltb) run once for T = 8 and 64, the 8 "mse" knobs once per T; then the layer refinement of the best subtracting one (through the queue too)
    const refined = report.candidates.filter((c: { knob: string }) => /\(not in /.test(c.knob)).length;
    expect(report.candidates.length - refined).toBe(24 * 2 + 8 * 2);
    expect(report.candidates.some((c: { knob: string }) => /^ltb /.test(c.knob))).toBe(true);
    expect(refined).toBeGreaterThan(0);
    // both workers did part of the search; the killed job was finished by b (unless a had finished it just before the kill)
    expect(a.lines.filter((l) => l.includes(" done in ")).length).toBeGreaterThan(0);
    expect(b.lines.filter((l) => l.includes(" done in ")).length).toBeGreaterThan(0);
    const doneByA = a.lines.some((l) => l.includes(`job ${killedJob}:`) && l.includes(" done in "));
    if (!doneByA) expect(b.lines.some((l) => l.includes(`job ${killedJob}:`) && l.includes(" done in "))).toBe(true);
    // the chosen point's test images went through the queue too
    expect(b.lines.some((l) => / test samples \d+\.\.\d+ done in /.test(l))).toBe(true);
    const shown = [readFileSync(queued, "utf8"), ...err, ...a.lines, ...b.lines].join("\n");
    expect(shown).not.toContain(PASSWORD);
    expect(err.join("\n")).toMatch(/jobs of \d+ samples \(search's validation evaluations\) on redis:\/\/:\*\*\*@127\.0\.0\.1/);

    b.proc.kill("SIGTERM");
    await waitFor(() => b.proc.exitCode !== null, "worker b to exit on SIGTERM", 30);
    expect(b.proc.exitCode).toBe(0);
  }, 240_000);

  it("no worker within --queue-timeout: a named error, exit 2, its jobs taken off the queue", async () => {
    const out = join(dir, "timeout.json");
    expect(await main([...args, "--queue", url(5), "--queue-timeout", "2", "--json", out])).toBe(2);
    expect(err.join("\n")).toMatch(/no job of this search's validation evaluations progressed for 2 s \(--queue-timeout; 0 of \d+ jobs done\): is a worker running\? start one with: spikewasm worker --queue redis:\/\/:\*\*\*@/);
    expect(existsSync(out)).toBe(false);
    expect(await waiting(5)).toBe(0);
  }, 120_000);

  it("a worker of another spikewasm version: a named error, exit 2", async () => {
    const other = startWorker(await cliBundle("optimize-queue-other", "0.0.0-other"), url(6), workers);
    await waitFor(() => other.lines.some((l) => l.includes("waiting for jobs")), "the other-version worker to start");
    const out = join(dir, "other.json");
    expect(await main([...args, "--queue", url(6), "--queue-timeout", "60", "--json", out])).toBe(2);
    expect(err.join("\n")).toMatch(/failed on a worker: job \S+ is from spikewasm \d+\.\d+\.\d+; this worker runs spikewasm 0\.0\.0-other: run workers of the same version/);
    expect(existsSync(out)).toBe(false);
    expect(await waiting(6)).toBe(0);
    other.proc.kill("SIGTERM");
  }, 120_000);

  it("an unreachable Redis or a bad URL is a named error, exit 2, before any work; the password masked", async () => {
    const closed = await freePort();
    const t0 = performance.now();
    expect(await main([...args, "--queue", `redis://:${PASSWORD}@127.0.0.1:${closed}`, "--json", join(dir, "x.json")])).toBe(2);
    expect(err.join("\n")).toMatch(new RegExp(`cannot use Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${closed}: .*ECONNREFUSED`));
    expect(await main([...args, "--queue", "http://127.0.0.1:1", "--json", join(dir, "x.json")])).toBe(2);
    expect(err.join("\n")).toMatch(/--queue must be a Redis URL redis:\/\/host:port\[\/db\], got the scheme 'http:'/);
    expect(await main([...args, "--queue", url(7).replace(PASSWORD, "wrong-password"), "--json", join(dir, "x.json")])).toBe(2);
    expect(err.join("\n")).toMatch(/refused the credentials/);
    expect(err.join("\n")).not.toContain(PASSWORD);
    expect(existsSync(join(dir, "x.json"))).toBe(false);
    expect(performance.now() - t0).toBeLessThan(30_000);
  }, 60_000);
});
