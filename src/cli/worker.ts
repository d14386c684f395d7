/**
 * `spikewasm worker --queue redis://…`: processes the jobs of `run … --queue` and `optimize … --queue`
 * (one command for both) until SIGTERM/SIGINT (the current job is finished first). One process per core
 * by default (--concurrency): each takes one job at a time (src/distributed/worker.ts).
 */
import type { Command } from "commander";
import { availableParallelism } from "node:os";
import { int, num } from "./options.js";

async function workerCommand(o: Record<string, unknown>): Promise<void> {
  const { parseRedisUrl, connectRedis } = await import("../distributed/redis.js");
  const { runWorker, runWorkerProcesses } = await import("../distributed/worker.js");
  const target = parseRedisUrl(String(o.queue));
  const concurrency = (o.concurrency as number | undefined) ?? availableParallelism();
  if (concurrency === 1) return runWorker(target, { stallTimeoutS: o.stallTimeout as number });
  (await connectRedis(target)).disconnect(); // an unreachable server is one error here, not one per process
  const args = [...process.execArgv, process.argv[1], "worker", "--queue", String(o.queue), "--concurrency", "1", "--stall-timeout", String(o.stallTimeout)];
  const code = await runWorkerProcesses(concurrency, args);
  if (code !== 0) process.exitCode = code;
}

/** Registers `spikewasm worker` on the program. */
export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description("process the jobs of spikewasm run --queue and optimize --queue (on this or any machine) until SIGTERM/SIGINT, which finish the current job first")
    .requiredOption("--queue <redis-url>", "the Redis of the runs: redis://[:password@]host:port[/db]")
    .option("--concurrency <n>", "jobs at a time, one process each (default: the cores of this machine)", int("--concurrency", 1))
    .option("--stall-timeout <s>", "a job whose worker has not renewed its lock for this long is retried by another worker", num("--stall-timeout", 1), 30)
    .addHelpText("after", "\nExamples:\n  spikewasm worker --queue redis://queue.example:6379/0          # on every machine of the fleet\n  spikewasm run model.onnx --queue redis://queue.example:6379/0 --json report.json")
    .action((o: Record<string, unknown>) => workerCommand(o));
}
