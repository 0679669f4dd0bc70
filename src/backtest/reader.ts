/**
 * Streams recorded market data from a file, CSV (csv-parse) or JSON lines
 * (node:readline), as checked records in time order. The file is read as a
 * stream, never whole, so its size is bounded by the disk, not by memory.
 */
import { createReadStream, statSync, openSync, readSync, closeSync, type ReadStream } from 'node:fs';
import { basename, extname } from 'node:path';
import { createInterface } from 'node:readline';
import { CsvError, parse } from 'csv-parse';
import { DataError, isFieldName, toRecord, FIELDS, type Cell, type MarketRecord } from './market-data.js';

export type DataFormat = 'csv' | 'jsonl';

export interface MarketDataSource {
  format: DataFormat;
  /** bytes in the file */
  size: number;
  /** bytes read so far, for a progress bar */
  bytesRead(): number;
  records: AsyncIterable<MarketRecord>;
}

/** By extension (.csv; .jsonl, .ndjson), else by the first character that is not blank or in a # comment line. */
export function detectFormat(path: string): DataFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const text = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
    const first = text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
    return first?.startsWith('{') ? 'jsonl' : 'csv';
  } finally {
    closeSync(fd);
  }
}

export function openMarketData(path: string): MarketDataSource {
  const format = detectFormat(path);
  const size = statSync(path).size;
  const stream = createReadStream(path);
  const name = basename(path);
  const raw = format === 'csv' ? csvRows(stream, name) : jsonRows(stream, name);
  return { format, size, bytesRead: () => stream.bytesRead, records: inTimeOrder(raw, name) };
}

interface RawRow { fields: Record<string, Cell>; line: number }

async function* csvRows(stream: ReadStream, file: string): AsyncGenerator<RawRow> {
  // arrays, not objects: the header is checked here so a bad column is named
  const parser = stream.pipe(parse({ info: true, trim: true, skip_empty_lines: true, comment: '#', comment_no_infix: true }));
  let header: string[] | null = null;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = item;
      if (header === null) {
        header = record.map((h) => h.toLowerCase());
        for (const h of header) {
          if (!isFieldName(h)) throw new DataError(file, info.lines, h, `unknown column; expected ${FIELDS.join(', ')}`);
        }
        if (new Set(header).size !== header.length) throw new DataError(file, info.lines, 'header', 'a column appears twice');
        for (const required of ['time', 'mid']) {
          if (!header.includes(required)) throw new DataError(file, info.lines, required, 'the header line must have this column');
        }
        continue;
      }
      const fields: Record<string, Cell> = {};
      header.forEach((h, i) => { fields[h] = record[i]; });
      yield { fields, line: info.lines };
    }
  } catch (e) {
    if (e instanceof CsvError) throw new DataError(file, Number((e as unknown as { lines?: number }).lines ?? 0), 'csv', e.message);
    throw e;
  } finally {
    stream.destroy();
  }
  if (header === null) throw new DataError(file, 1, 'header', 'the file is empty; expected a header line such as time,mid');
}

async function* jsonRows(stream: ReadStream, file: string): AsyncGenerator<RawRow> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      const t = text.trim();
      if (t === '' || t.startsWith('#')) continue;
      let value: unknown;
      try {
        value = JSON.parse(t);
      } catch (e) {
        throw new DataError(file, line, 'json', e instanceof Error ? e.message : String(e));
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DataError(file, line, 'json', 'each line must be a JSON object');
      for (const key of Object.keys(value)) {
        if (!isFieldName(key)) throw new DataError(file, line, key, `unknown field; expected ${FIELDS.join(', ')}`);
      }
      yield { fields: value as Record<string, Cell>, line };
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}

/** Checks each row and that time never goes back: a replay out of order would fill quotes that did not yet exist. */
async function* inTimeOrder(rows: AsyncIterable<RawRow>, file: string): AsyncGenerator<MarketRecord> {
  let last = -Infinity;
  for await (const row of rows) {
    const r = toRecord(row.fields, file, row.line);
    if (r.time < last) throw new DataError(file, r.line, 'time', `goes back in time (${r.time} after ${last}); rows must be in time order`);
    last = r.time;
    yield r;
  }
}
