/**
 * Reads the JSON-lines journal that earlier versions wrote (`./data/journal.jsonl`),
 * so that its state is imported into the ledger once, on the first start.
 *
 * Streamed a chunk at a time: a journal of hundreds of MiB is never one string.
 * A last line without its newline (the process killed mid-write) is reported
 * and left out; a complete line that is not JSON, or an entry of a type this
 * code does not know, stops the import rather than guess an inventory.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { AgentSnapshot } from '../agent/agent-snapshot.js';
import type { MarketMakerConfig } from '../agent/config.js';
import type { FillUpdate, PositionUpdate } from '../agent/updates.js';
import { LedgerCorruptError } from './ledger.js';

export type JournalEntry =
  | { t: 'agent'; id: string; config: MarketMakerConfig }
  | { t: 'delete'; id: string }
  | { t: 'pause'; id: string; symbol?: string }
  | { t: 'resume'; id: string; symbol?: string }
  | { t: 'update'; agent: string; u: FillUpdate | PositionUpdate }
  | { t: 'snapshot'; agent: AgentSnapshot };

const KNOWN = new Set(['agent', 'delete', 'pause', 'resume', 'update', 'snapshot']);
const CHUNK = 1 << 20;
/** a line longer than this is not a journal entry: the import stops rather than hold it */
const MAX_LINE = 64 * CHUNK;

/** The entries of the journal at `path`, in order; `warn` hears about a torn last line. */
export function* readJournal(path: string, warn: (message: string) => void, chunkBytes = CHUNK): Generator<JournalEntry> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    // a chunk may end inside a multi-byte character: the decoder keeps its first bytes for the next chunk
    const decoder = new StringDecoder('utf8');
    let carry = '';
    let line = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, chunkBytes, null);
      if (n === 0) break;
      const text = carry + decoder.write(buf.subarray(0, n));
      const lines = text.split('\n');
      carry = lines.pop()!;
      if (carry.length > MAX_LINE) throw new LedgerCorruptError(`journal ${path}: a line longer than 64 MiB after line ${line}`);
      for (const l of lines) {
        line++;
        if (l === '') continue;
        yield parseLine(path, line, l);
      }
    }
    carry += decoder.end();
    if (carry !== '') warn(`journal ${path}: torn last line (${Buffer.byteLength(carry)} bytes without a newline) left out`);
  } finally {
    closeSync(fd);
  }
}

function parseLine(path: string, line: number, text: string): JournalEntry {
  let e: unknown;
  try {
    e = JSON.parse(text);
  } catch {
    throw new LedgerCorruptError(`journal ${path}: line ${line} is complete but not JSON; refusing to guess the inventory`);
  }
  const t = (e as { t?: unknown } | null)?.t;
  if (typeof t !== 'string' || !KNOWN.has(t)) {
    throw new LedgerCorruptError(`journal ${path}: line ${line} has an entry type this version does not know (${JSON.stringify(t)}); refusing to skip it`);
  }
  return e as JournalEntry;
}
