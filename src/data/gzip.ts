/**
 * Gzip detection and decompression for dataset files (`train-images-idx3-ubyte.gz`, `x.npy.gz`), with
 * fflate's streaming decompressor so that the same code runs in browsers (no node:zlib here).
 *
 *   - every member of a multi-member file (RFC 1952 §2.2: members are concatenated) is read;
 *   - every complete member's CRC-32 and length (ISIZE) are checked against its trailer;
 *   - output is bounded: `maxBytes` stops decompressing once that many bytes are out (the rest of the
 *     file is neither read nor checked: callers ask for the prefix a `--limit` needs), and `budget`
 *     refuses a file that would expand past it (exit 3, with the bytes seen so far).
 */
import { Gunzip } from "fflate";
import { SpikewasmError } from "../errors.js";

/** Default ceiling on decompressed bytes (2 GiB). */
export const DEFAULT_GUNZIP_BUDGET = 2 ** 31;
/** Input fed to the decompressor per call. */
const CHUNK = 1 << 16;

/** True when `bytes` start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

let CRC_TABLE: Uint32Array | null = null;
/** CRC-32 (IEEE 802.3, the gzip trailer's) continued from `crc`. */
export function crc32(data: Uint8Array, crc = 0): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** Options of gunzipBytes. */
export interface GunzipOptions {
  /** stop once this many bytes are out and return exactly them (the rest is not read or checked) */
  maxBytes?: number;
  /** refuse data that expands past this many bytes (exit 3); default DEFAULT_GUNZIP_BUDGET */
  budget?: number;
}

const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;

/**
 * Decompresses gzip data (all members), checking each member's CRC-32 and size.
 * @throws SpikewasmError naming `file` when the data is truncated, corrupt or fails its checksum, and
 *   (exit 3) when it expands past the budget.
 */
export function gunzipBytes(bytes: Uint8Array, file: string, o: GunzipOptions = {}): Uint8Array {
  const budget = o.budget ?? DEFAULT_GUNZIP_BUDGET, max = o.maxBytes ?? Infinity;
  if (bytes.length < 18) throw new SpikewasmError(`${file}: gzip data is truncated (${bytes.length} bytes; a gzip member has at least 18)`);
  const chunks: Uint8Array[] = [];
  let total = 0, crc = 0, memberLen = 0, memberStart = 0, members = 1, stopped = false;
  const checkMember = (end: number) => {
    // the member that ends at `end` (its 8-byte trailer: CRC-32, ISIZE)
    if (end - 8 < memberStart) throw new SpikewasmError(`${file}: gzip member ${members} is truncated (no trailer)`);
    const want = u32(bytes, end - 8), size = u32(bytes, end - 4);
    if (want !== crc) throw new SpikewasmError(`${file}: gzip member ${members} fails its CRC-32 check (stored ${want.toString(16).padStart(8, "0")}, data ${crc.toString(16).padStart(8, "0")}): the file is corrupt`);
    if (size !== memberLen >>> 0) throw new SpikewasmError(`${file}: gzip member ${members} holds ${memberLen} bytes but its trailer says ${size}: the file is corrupt`);
  };
  const g = new Gunzip();
  g.onmember = (offset: number) => {
    if (offset === 0 || stopped) return;
    checkMember(offset);
    members++; memberStart = offset; crc = 0; memberLen = 0;
  };
  g.ondata = (d: Uint8Array) => {
    if (stopped) return;
    const take = Math.min(d.length, max - total);
    const part = take < d.length ? d.subarray(0, take) : d;
    crc = crc32(part, crc); memberLen += part.length; total += part.length;
    if (total > budget)
      throw new SpikewasmError(`${file}: gzip data expands past ${budget} bytes (read ${total} so far); the file is too large to decompress here (a --limit reads only the samples it needs)`, 3);
    chunks.push(part.slice());
    if (total >= max) stopped = true;
  };
  try {
    for (let i = 0; i < bytes.length && !stopped; i += CHUNK) g.push(bytes.subarray(i, Math.min(bytes.length, i + CHUNK)), i + CHUNK >= bytes.length);
  } catch (e) {
    if (e instanceof SpikewasmError) throw e;
    throw new SpikewasmError(`${file}: cannot decompress gzip data (${(e as Error).message}); the file is truncated or corrupt`);
  }
  if (!stopped) {
    if (memberLen === 0 && total === 0 && bytes.length < 20) throw new SpikewasmError(`${file}: gzip data is truncated`);
    checkMember(bytes.length);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}
