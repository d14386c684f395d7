/** Base64 <-> bytes in Node (Buffer) and in browsers (atob/btoa). */
type BufferLike = { from(a: unknown, enc?: string): { toString(enc: string): string } & Uint8Array };
const NodeBuffer = (globalThis as unknown as { Buffer?: BufferLike }).Buffer;

/** Decodes standard base64 to bytes. */
export function fromBase64(s: string): Uint8Array {
  if (NodeBuffer) {
    const b = NodeBuffer.from(s, "base64");
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Encodes bytes as standard base64. */
export function toBase64(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes).toString("base64");
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}
