/**
 * Numeric columns as text for snapshots: the column's little-endian bytes in
 * base64. A snapshot of 1,000 symbols × 1,000 remembered fills is 45 MiB with
 * the rings as JSON numbers; packed, 18 MiB, and 0.61× the event-loop time in
 * one run of benchmark 4 (bench/README.md, issue 13). Exact: a double comes
 * back bit for bit, NaN included. `btoa`/`atob` (in browsers and Node alike:
 * the agent has no Node imports) do the base64; the byte order is fixed, so a
 * snapshot moves between machines.
 */
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;
/** bytes per String.fromCharCode call: within every engine's argument limit */
const CHUNK = 0x8000;

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += CHUNK) text += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(text);
}

function fromBase64(text: string, what: string): Uint8Array {
  let bin: string;
  try {
    bin = atob(text);
  } catch {
    throw new Error(`${what}: not base64`);
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** reverses each 8-byte group in place (a big-endian machine's doubles) */
function swap64(b: Uint8Array): Uint8Array {
  for (let i = 0; i < b.length; i += 8) b.subarray(i, i + 8).reverse();
  return b;
}

export function packFloat64(values: Float64Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return toBase64(LITTLE_ENDIAN ? bytes : swap64(bytes.slice()));
}

export function packInt8(values: Int8Array): string {
  return toBase64(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

/** The column of `count` doubles in `text`; throws naming `what` when it does not hold exactly that many. */
export function unpackFloat64(text: string, count: number, what: string): Float64Array {
  const bytes = fromBase64(text, what);
  if (bytes.length !== count * 8) throw new Error(`${what}: ${bytes.length} bytes for ${count} values`);
  if (!LITTLE_ENDIAN) swap64(bytes);
  return new Float64Array(bytes.buffer, 0, count);
}

export function unpackInt8(text: string, count: number, what: string): Int8Array {
  const bytes = fromBase64(text, what);
  if (bytes.length !== count) throw new Error(`${what}: ${bytes.length} bytes for ${count} values`);
  return new Int8Array(bytes.buffer, 0, count);
}
