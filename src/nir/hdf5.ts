/**
 * h5wasm (HDF5 compiled to WebAssembly) behind a small lazy loader. The package's ESM build runs in
 * Node and browsers alike with an in-memory Emscripten file system (MEMFS): bytes are written to a
 * scratch path, opened, and the path removed; nothing touches the host disk.
 *
 * Stages: (1) the first call imports "h5wasm" (≈4 MB of JS with the WASM inlined) and awaits its
 * `ready` promise; (2) every later call reuses the module.
 */
import type * as H5 from "h5wasm";

/** The loaded h5wasm namespace plus its file system. */
export interface H5Api {
  h5: typeof H5;
  FS: { writeFile(path: string, data: Uint8Array): void; readFile(path: string): Uint8Array; unlink(path: string): void; analyzePath(p: string): { exists: boolean } };
}

let loading: Promise<H5Api> | null = null;
let scratch = 0;

/** Loads h5wasm once (lazily) and caches it. */
export function loadH5(): Promise<H5Api> {
  if (!loading) {
    loading = import("h5wasm").then(async (mod) => {
      const h5 = ((mod as unknown as { default?: typeof H5 }).default ?? mod) as typeof H5;
      const m = (await h5.ready) as unknown as { FS: H5Api["FS"] };
      return { h5, FS: m.FS };
    });
    loading.catch(() => (loading = null));
  }
  return loading;
}

/** A fresh scratch path in h5wasm's in-memory file system. */
export function scratchPath(tag: string): string {
  scratch += 1;
  return `/spikewasm-${tag}-${scratch}.h5`;
}

/** HDF5 format signature; the superblock sits at byte 0, 512, 1024, 2048 ... */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when `bytes` hold an HDF5 superblock signature at one of the offsets HDF5 searches. */
export function hasHdf5Signature(bytes: Uint8Array): boolean {
  for (let off = 0; off + SIGNATURE.length <= bytes.length; off = off === 0 ? 512 : off * 2) {
    if (SIGNATURE.every((b, i) => bytes[off + i] === b)) return true;
  }
  return false;
}

/**
 * Runs `f` with HDF5's own error-stack printout ("HDF5-DIAG: …", tens of lines per damaged file) kept
 * off standard error: h5wasm bound its stderr writer when it loaded, so the lines are filtered at
 * process.stderr (Node); the caller reports the problem in one line instead. Other output passes.
 */
export function quietHdf5<T>(f: () => T): T {
  const stderr = typeof process !== "undefined" ? process.stderr : undefined;
  if (!stderr || typeof stderr.write !== "function") return f();
  const write = stderr.write;
  let inDiag = false;
  stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) ? chunk.toString("utf8") : String(chunk);
    if (text.startsWith("HDF5-DIAG")) inDiag = true;
    else if (!/^\s/.test(text)) inDiag = false;
    if (inDiag) return true;
    return (write as (...a: unknown[]) => boolean).call(stderr, chunk, ...rest);
  }) as typeof stderr.write;
  try {
    return f();
  } finally {
    stderr.write = write;
  }
}
