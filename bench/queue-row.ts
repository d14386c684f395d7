/**
 * The Redis queue's row of `npm run bench` (issue 15): the whole `spikewasm run` of the bundled CNN through
 * `--queue` with one and with two `spikewasm worker` processes, against the same run in one process on one
 * thread, interleaved, median of the repetitions (wall time of the coordinating process; workers started
 * beforehand, each run on a fresh Redis database). The redis-server is started here on a free loopback port
 * (Debian `redis-server`, as the queue tests do); without one the row is skipped with the reason.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startRedis } from "../test/helpers/redis.js";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export interface QueueRow { oneThread: number; oneWorker: number; twoWorkers: number }

/** Medians of `reps` interleaved runs over the first `n` test images, or why the row could not run. */
export async function queueRow(n: number, reps: number): Promise<QueueRow | string> {
  const password = `bench-${process.pid}`;
  const redis = await startRedis(password);
  if (typeof redis === "string") return redis;
  const cli = fileURLToPath(new URL("../cli.js", import.meta.url));
  const args = ["run", "--limit", String(n), "-T", "64", "--target", "ncs2"];
  const timed = (extra: string[]) => {
    const t0 = performance.now();
    const p = spawnSync(process.execPath, [cli, ...args, ...extra], { encoding: "utf8" });
    if (p.status !== 0) throw new Error(`spikewasm run ${extra.join(" ")} failed: ${p.stderr}`);
    return (performance.now() - t0) / 1000;
  };
  const t = { oneThread: [] as number[], oneWorker: [] as number[], twoWorkers: [] as number[] };
  let db = 0;
  try {
    for (let r = 0; r < reps; r++) {
      t.oneThread.push(timed(["--workers", "1"]));
      for (const workers of [1, 2]) {
        const url = `redis://:${password}@127.0.0.1:${redis.port}/${++db}`;
        const fleet: ChildProcess[] = Array.from({ length: workers }, () =>
          spawn(process.execPath, [cli, "worker", "--queue", url, "--concurrency", "1"], { stdio: "ignore" }));
        await new Promise((ok) => setTimeout(ok, 2000)); // the workers connect and wait
        try {
          (workers === 1 ? t.oneWorker : t.twoWorkers).push(timed(["--queue", url]));
        } finally {
          await Promise.all(fleet.map((w) => new Promise((ok) => { w.once("exit", ok); w.kill("SIGTERM"); })));
        }
      }
    }
  } finally {
    redis.proc.kill("SIGTERM");
  }
  return { oneThread: median(t.oneThread), oneWorker: median(t.oneWorker), twoWorkers: median(t.twoWorkers) };
}
