/**
 * Redis for the job queue: the URL checked and shown without its password, a connection that fails
 * fast with a named error instead of retrying forever, and the run's inputs (model, test and
 * calibration data, options) stored once per run under its fingerprint — jobs carry only a range.
 */
import { Redis, type RedisOptions } from "ioredis";
import { SpikewasmError } from "../errors.js";
import type { RunInputs, RunOptions } from "../pipeline/run.js";
import { VERSION } from "../version.js";
import { plainOptions } from "./shard.js";

/** The BullMQ queue every spikewasm run and worker use. */
export const QUEUE_NAME = "spikewasm-run";
/** How long the stored inputs of a run stay in Redis after its last use (seconds). */
const INPUTS_TTL_S = 7 * 24 * 3600;

/** A checked Redis URL; `shown` never holds the password. */
export interface RedisTarget { url: string; shown: string }

/** Checks redis://[user[:password]@]host[:port][/db] (or rediss://) and hides the password for messages. */
export function parseRedisUrl(url: string, flag = "--queue"): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new SpikewasmError(`${flag} must be a Redis URL redis://[:password@]host:port[/db], got '${redactText(url)}'`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new SpikewasmError(`${flag} must be a Redis URL redis://host:port[/db], got the scheme '${u.protocol}'`);
  if (!u.hostname) throw new SpikewasmError(`${flag}: no host in the Redis URL ${redact(u)}`);
  const db = u.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d+$/.test(db)) throw new SpikewasmError(`${flag}: the database in ${redact(u)} must be a number (redis://host:port/0), got '${db}'`);
  return { url, shown: redact(u) };
}

function redact(u: URL): string {
  const c = new URL(u.href);
  if (c.password) c.password = "***";
  return c.href.replace(/\/$/, "");
}

/** Any text with a password of a redis URL in it masked (for messages built from user input). */
export function redactText(s: string): string {
  return s.replace(/(rediss?:\/\/[^:/@\s]*:)[^@\s]*@/g, "$1***@");
}

/**
 * Connects and pings within `timeoutS`; a named error (exit 2) for an unreachable server or a refused
 * password. `blocking`: the options BullMQ's workers and event listeners need (no request retry limit).
 */
export async function connectRedis(t: RedisTarget, timeoutS = 10, blocking = false): Promise<Redis> {
  const opts: RedisOptions = { lazyConnect: true, connectTimeout: timeoutS * 1000, enableOfflineQueue: true,
    maxRetriesPerRequest: blocking ? null : 1, retryStrategy: (times) => (times > 20 ? null : Math.min(200 * times, 2000)) };
  const client = new Redis(t.url, opts);
  let lastError = "";
  client.on("error", (e: Error) => { lastError = redactText(e.message); });
  const fail = (why: string): never => {
    client.disconnect();
    throw new SpikewasmError(`cannot use Redis at ${t.shown}: ${why}`);
  };
  const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutS} s`)), timeoutS * 1000).unref());
  try {
    await Promise.race([(async () => {
      // the first connection fails fast: no retries until it has worked once
      client.options.retryStrategy = () => null;
      await client.connect();
      await client.ping();
    })(), timer]);
  } catch (e) {
    const raw = redactText((e as Error).message);
    const m = /Connection is closed|no answer/.test(raw) && lastError ? lastError : raw || lastError;
    if (/WRONGPASS|NOAUTH|invalid password|AUTH/i.test(m)) fail(`the server refused the credentials (${m.split("\n")[0]})`);
    fail(`${m || lastError} (waited up to ${timeoutS} s; is redis-server running there?)`);
  }
  client.options.retryStrategy = opts.retryStrategy;
  return client;
}

const key = (run: string) => `spikewasm:run:${run}`;

/** Stores the fields under `k` once (an existing copy is kept; the data under one key is named by its hash) and refreshes their expiry. */
export async function storeOnce(r: Redis, k: string, fields: () => Record<string, string | Buffer>): Promise<void> {
  if (!(await r.exists(k))) await r.hset(k, fields());
  await r.expire(k, INPUTS_TTL_S);
}

/** The fields under `k`, or null when one is missing (expired, deleted, another database). */
export async function loadFields<K extends string>(r: Redis, k: string, names: readonly K[]): Promise<Record<K, Buffer> | null> {
  const values = await Promise.all(names.map((f) => r.hgetBuffer(k, f)));
  if (values.some((v) => !v)) return null;
  return Object.fromEntries(names.map((n, i) => [n, values[i]])) as Record<K, Buffer>;
}

/** The bytes of a typed array (a view: no copy). */
export const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
export const float32Of = (b: Buffer): Float32Array => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
export const int32Of = (b: Buffer): Int32Array => new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

/** Where a run's test samples are stored: a string of their float32 bytes, read range by range (GETRANGE). */
const testKey = (run: string) => `${key(run)}:test`;

/**
 * Stores the run's inputs once (an existing copy is kept) and refreshes their expiry: the model, labels,
 * calibration data and options in one hash, the test samples in a string of their own, from which each
 * worker reads only the ranges of its jobs.
 */
export async function storeRunInputs(r: Redis, run: string, inp: RunInputs, o: RunOptions): Promise<void> {
  await storeOnce(r, key(run), () => {
    const meta = { spikewasm: VERSION, modelFile: inp.modelFile, options: plainOptions(o),
      test: { count: inp.test.count, source: inp.test.source, preprocessing: inp.test.preprocessing ?? null },
      calibration: { count: inp.calibration.count, source: inp.calibration.source } };
    return { meta: JSON.stringify(meta), model: bytesOf(inp.model), labels: bytesOf(inp.test.labels), calibration: bytesOf(inp.calibration.samples) };
  });
  if (!(await r.exists(testKey(run)))) await r.set(testKey(run), bytesOf(inp.test.samples));
  await r.expire(testKey(run), INPUTS_TTL_S);
}

/** A run's inputs as stored; the test samples are read from Redis range by range, as `loadSamples` asks. */
export interface StoredRun {
  inputs: RunInputs;
  options: RunOptions;
  version: string;
  /**
   * Reads test samples [start, start + count) into inputs.test.samples (the array has every sample's room;
   * samples already read are not read again). A named error when they are gone (expired or deleted).
   */
  loadSamples(start: number, count: number): Promise<void>;
}

/** The run's inputs and options as stored, or null when they are not (expired, deleted, another database). */
export async function loadRunInputs(r: Redis, run: string): Promise<StoredRun | null> {
  const f = await loadFields(r, key(run), ["meta", "model", "labels", "calibration"] as const);
  const testBytes = await r.strlen(testKey(run));
  if (!f || testBytes === 0) return null;
  const m = JSON.parse(f.meta.toString("utf8")) as { spikewasm: string; modelFile: string; options: RunOptions; test: { count: number; source: string; preprocessing: unknown };
    calibration: { count: number; source: string } };
  const samples = new Float32Array(testBytes / 4), n = samples.length / m.test.count;
  const loaded = new Uint8Array(m.test.count);
  const loadSamples = async (start: number, count: number) => {
    for (let i = start; i < start + count;) {
      if (loaded[i]) { i++; continue; }
      let j = i;
      while (j < start + count && !loaded[j]) j++;
      const bytes = await r.getrangeBuffer(testKey(run), i * n * 4, j * n * 4 - 1);
      if (bytes.length !== (j - i) * n * 4)
        throw new SpikewasmError(`the test samples ${i}..${j - 1} of run ${run.slice(0, 12)} are not in Redis (expired or deleted): start the run again`);
      samples.set(float32Of(bytes), i * n);
      loaded.fill(1, i, j);
      i = j;
    }
  };
  return {
    version: m.spikewasm, options: m.options, loadSamples,
    inputs: {
      model: new Uint8Array(f.model), modelFile: m.modelFile,
      test: { samples, count: m.test.count, labels: int32Of(f.labels), source: m.test.source, preprocessing: m.test.preprocessing },
      calibration: { samples: float32Of(f.calibration), count: m.calibration.count, source: m.calibration.source },
    },
  };
}
