/**
 * Numeric columns as text for snapshots: the column's little-endian bytes in
 * base64. A snapshot of 1,000 symbols × 1,000 remembered fills is 54 MB of
 * JSON numbers and about 0.4 s of `JSON.stringify` on the event loop here; packed,
 * 33 MB and a few tens of ms (bench/README.md, issue 13). Exact: a double
 * comes back bit for bit, NaN and ±Infinity included, which decimal text
 * cannot promise of every value without care. Node's `Buffer` does the
 * base64 (native, GB/s); the byte order is fixed, so a snapshot moves between
 * machines.
 */
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

export function packFloat64(values: Float64Array): string {
  const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  return (LITTLE_ENDIAN ? bytes : Buffer.from(bytes).swap64()).toString('base64');
}

export function packInt8(values: Int8Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

/** The column of `count` doubles in `text`; throws naming `what` when it does not hold exactly that many. */
export function unpackFloat64(text: string, count: number, what: string): Float64Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== count * 8) throw new Error(`${what}: ${bytes.length} bytes for ${count} values`);
  if (!LITTLE_ENDIAN) bytes.swap64();
  const out = new Float64Array(count);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export function unpackInt8(text: string, count: number, what: string): Int8Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== count) throw new Error(`${what}: ${bytes.length} bytes for ${count} values`);
  return new Int8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + count));
}
