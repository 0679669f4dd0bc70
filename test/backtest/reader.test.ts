import { describe, expect, it } from 'vitest';
import { DataError, parseTime } from '../../src/backtest/market-data.js';
import { openMarketData } from '../../src/backtest/reader.js';
import { tempFile } from './support.js';

async function readAll(name: string, text: string) {
  const out = [];
  for await (const r of openMarketData(tempFile(name, text)).records) out.push(r);
  return out;
}

async function failure(name: string, text: string): Promise<DataError> {
  try {
    await readAll(name, text);
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error('expected a DataError');
}

describe('market data reader', () => {
  it('times: epoch ms, or ISO 8601 with a zone (offsets converted to UTC)', () => {
    expect(parseTime('1767348000000')).toBe(1767348000000);
    expect(parseTime(1767348000000.5)).toBe(1767348000000.5);
    expect(parseTime('2026-01-02T10:00:00Z')).toBe(Date.UTC(2026, 0, 2, 10));
    expect(parseTime('2026-01-02T11:00:00.250+01:00')).toBe(Date.UTC(2026, 0, 2, 10, 0, 0, 250));
    // no zone: local time would make the replay depend on the machine
    expect(typeof parseTime('2026-01-02T10:00:00')).toBe('string');
    expect(typeof parseTime('Jan 2 2026')).toBe('string');
  });

  it('reads CSV with comments, blank lines, any column order and the volatility alias', async () => {
    const rows = await readAll('a.csv', '# recorded\nside,quantity,price,volatility,mid,time\n,,,2,100,1000\n\nbuy,3,100.1,,,1500\n');
    expect(rows).toEqual([
      { line: 3, time: 1000, mid: 100, sigma: 2, trade: undefined },
      { line: 5, time: 1500, mid: undefined, sigma: undefined, trade: { price: 100.1, quantity: 3, side: 'buy' } },
    ]);
  });

  it('detects JSON lines by content when the extension does not say', async () => {
    const rows = await readAll('data.txt', '{"time":"2026-01-02T10:00:00Z","mid":100}\n{"time":1767348001000,"price":99,"quantity":1,"side":"sell"}\n');
    expect(rows.map((r) => r.time)).toEqual([Date.UTC(2026, 0, 2, 10), 1767348001000]);
  });

  it.each([
    ['a.csv', 'time,mid\n1000,abc\n', 2, 'mid'],
    ['a.csv', 'time,mid\n1000,-1\n', 2, 'mid'],
    ['a.csv', 'time,mid\n1000,0\n', 2, 'mid'],
    ['a.csv', 'time,mid\n,100\n', 2, 'time'],
    ['a.csv', 'time,mid\nyesterday,100\n', 2, 'time'],
    ['a.csv', 'time,mid\n2000,100\n1000,100\n', 3, 'time'],
    ['a.csv', 'time,mid,price,quantity,side\n1000,,100,1,\n', 2, 'side'],
    ['a.csv', 'time,mid,price,quantity,side\n1000,,100,,buy\n', 2, 'quantity'],
    ['a.csv', 'time,mid,price,quantity,side\n1000,,100,1,long\n', 2, 'side'],
    ['a.csv', 'time,mid\n1000,\n', 2, 'mid'],
    ['a.csv', 'time,mid,sigma,volatility\n1000,100,1,1\n', 2, 'volatility'],
    ['a.csv', 'time,mid,bid\n1000,100,99\n', 1, 'bid'],
    ['a.csv', 'time,price\n1000,100\n', 1, 'mid'],
    ['a.csv', 'time,mid\n1000,100,5\n', 2, 'csv'],
    ['a.jsonl', '{"time":1000,"mid":100}\n{"time":1000,"mid":"x"}\n', 2, 'mid'],
    ['a.jsonl', '{"time":1000,"mid":100}\nnot json\n', 2, 'json'],
    ['a.jsonl', '[1000,100]\n', 1, 'json'],
    ['a.jsonl', '{"time":1000,"mid":100,"bid":99}\n', 1, 'bid'],
  ])('%s %j: a DataError naming line %i and field %s', async (name, text, line, field) => {
    const e = await failure(name, text);
    expect(e.line).toBe(line);
    expect(e.field).toBe(field);
    expect(e.message).toContain(`${name}:${line}: ${field}:`);
  });
});
