/**
 * The demo server (scripts/demo.mjs) under malformed and hostile requests: bad percent-escapes, NUL bytes,
 * traversal, long paths, odd methods, oversized headers, broken request lines. Every one gets a 4xx (or
 * a closed connection from the HTTP parser) and the server keeps serving `/` afterwards. No browser needed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { request } from "node:http";
import { connect, createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../src/util/rng.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
let proc: ChildProcess, port = 0;

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const p = (s.address() as { port: number }).port; s.close(() => ok(p)); });
  });
}

/** One HTTP request with Node's client (path sent as given); resolves with the status. */
function get(path: string, method = "GET", headers: Record<string, string> = {}): Promise<number> {
  return new Promise((ok, fail) => {
    const r = request({ host: "127.0.0.1", port, path, method, headers }, (res) => { res.resume(); res.on("end", () => ok(res.statusCode ?? 0)); });
    r.on("error", fail);
    r.end();
  });
}

/** Raw bytes on a socket; resolves with the status line's code (0 when the server only closed). */
function raw(text: string | Buffer): Promise<number> {
  return new Promise((ok) => {
    const s = connect(port, "127.0.0.1", () => s.end(text));
    let got = "";
    s.on("data", (d) => { got += d.toString("latin1"); });
    s.on("close", () => ok(Number(/^HTTP\/1\.[01] (\d{3})/.exec(got)?.[1] ?? 0)));
    s.on("error", () => ok(0));
    s.setTimeout(5000, () => s.destroy());
  });
}

beforeAll(async () => {
  port = await freePort();
  proc = spawn(process.execPath, [join(ROOT, "scripts/demo.mjs"), "--port", String(port)], { cwd: ROOT, env: { ...process.env, PORT: "" } });
  let out = "";
  await new Promise<void>((ok, fail) => {
    proc.stdout!.on("data", (d) => { out += d; if (out.includes("serving dist/demo")) ok(); });
    proc.stderr!.on("data", (d) => { out += d; });
    proc.once("exit", (code) => fail(new Error(`demo server exited with ${code}: ${out}`)));
  });
}, 120_000);

afterAll(() => { proc?.kill(); });

describe("the demo server under malformed requests", () => {
  it("answers each with a 4xx and stays up, then still serves /", async () => {
    const rng = new Rng(5);
    const fixed = ["/%ff", "/%", "/%e0%a4", "/a%00b", "/..%2f..%2fetc%2fpasswd", "/../../etc/passwd", `/${"a".repeat(5000)}`, "/%%%%", "//", "/\u00ff",
      "/index.html/..%2f..%2f..%2fpackage.json"];
    const random = Array.from({ length: 150 }, () => "/" + Array.from({ length: 1 + Math.floor(rng.uniform() * 30) }, () => {
      const c = Math.floor(rng.uniform() * 6);
      return c === 0 ? "%" : c === 1 ? `%${Math.floor(rng.uniform() * 256).toString(16)}` : c === 2 ? "../" : String.fromCharCode(33 + Math.floor(rng.uniform() * 90));
    }).join(""));
    for (const p of [...fixed, ...random]) {
      const code = await get(encodeURI(p).replace(/%25/g, "%")).catch(() => 0);
      // a 200 only where the path names a real file of the demo (e.g. "//" is the index); never a 5xx
      expect(code === 0 || (code >= 200 && code < 500), `${p} -> ${code}`).toBe(true);
    }
    for (const m of ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"]) expect(await get("/", m)).toBe(405);
    expect([400, 405]).toContain(await get("/", "FOO").catch(() => 400)); // Node's parser refuses unknown methods itself
    expect(await raw(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(100_000)}\r\n\r\n`)).toBe(431);
    expect([0, 400]).toContain(await raw("GARBAGE\r\n\r\n"));
    expect([0, 400]).toContain(await raw(Buffer.from([0x00, 0xff, 0x13, 0x10, 0x0d, 0x0a, 0x0d, 0x0a])));
    expect(await raw("GET /%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).toBe(400);
    expect(await get("/")).toBe(200);
    expect(await get("/index.html")).toBe(200);
    expect(proc.exitCode).toBeNull();
  }, 120_000);
});
