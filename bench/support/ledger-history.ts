/**
 * A ledger with a long history, built fast enough for a test or a benchmark:
 * `fills` fill entries inserted by one SQL statement (a recursive CTE, each
 * row with its real checksum), then a snapshot of the agent those fills leave
 * and `tail` more fills after it, appended through the ledger as the service
 * appends them. 1 M fills take about 9 s on the loaded 2-core development
 * machine (10 M: 130 s, 700 MB).
 *
 * The snapshot is the agent after replaying the last `fillIdMemory` fills,
 * not all of them: the ids it remembers, its fill ring and its positions have
 * the same shape and size either way (inventory figures differ), and that
 * size is what a start reads. The rows before the snapshot are never read by
 * a start; they are the history whose size must not matter.
 */
import { DatabaseSync } from 'node:sqlite';
import type { MarketMakerConfig } from '../../src/agent/config.js';
import { MarketMakerAgent } from '../../src/agent/market-maker-agent.js';
import type { FillUpdate } from '../../src/agent/updates.js';
import { rowChecksum } from '../../src/ledger/entry-rows.js';
import type { LedgerEntry } from '../../src/ledger/ledger.js';
import { SqliteLedger } from '../../src/ledger/sqlite-ledger.js';

const T0 = Date.UTC(2024, 0, 2, 14, 30);

/** The i-th fill of the history (1-based): 100 symbols, alternating sides. The SQL below makes the same values. */
export function historyFill(i: number): FillUpdate {
  return { type: 'fill', symbol: `S${i % 100}`, id: `oms-${i}`, side: i % 2 === 1 ? 'buy' : 'sell', price: 100 + (i % 50) / 100, quantity: 1 + (i % 7), time: T0 + i };
}

export interface HistoryOptions {
  /** fills before the snapshot */
  fills: number;
  /** fills after it, appended 1,000 per transaction */
  tail: number;
  /** the agent's configuration (its fillIdMemory decides the snapshot's size) */
  config?: Partial<MarketMakerConfig>;
}

/** Builds the ledger at `path` (which must not exist yet). */
export async function buildLedgerHistory(path: string, opts: HistoryOptions): Promise<void> {
  await SqliteLedger.open(path, { fsync: 'never', checkpointIntervalMs: 60_000 }).close();
  const db = new DatabaseSync(path);
  try {
    db.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF');
    db.function('row_crc', { deterministic: true, varargs: true }, (...r: unknown[]) => rowChecksum(r));
    const cols = `i, 'fill', 'default', 'S' || (i % 100), 'oms-' || i, CASE i % 2 WHEN 1 THEN 'buy' ELSE 'sell' END, 100 + (i % 50) / 100.0, 1 + (i % 7), NULL, NULL, ${T0} + i, NULL`;
    db.exec(`BEGIN;
      WITH RECURSIVE s(i) AS (SELECT 1 WHERE ${opts.fills} > 0 UNION ALL SELECT i + 1 FROM s WHERE i < ${opts.fills})
      INSERT INTO entries (seq, kind, agent, symbol, fill_id, side, price, quantity, average_cost, mark, time, body, crc)
      SELECT ${cols}, row_crc(${cols}) FROM s;
      COMMIT`);
  } finally {
    db.close();
  }
  const agent = new MarketMakerAgent('default', opts.config ?? {});
  for (let i = Math.max(1, opts.fills - agent.config.fillIdMemory + 1); i <= opts.fills; i++) agent.replay(historyFill(i));
  const ledger = SqliteLedger.open(path, { fsync: 'never', checkpointIntervalMs: 60_000 });
  try {
    await ledger.snapshot({ agents: [agent.snapshot()], configured: ['default'] });
    for (let from = opts.fills + 1; from <= opts.fills + opts.tail; from += 1_000) {
      const batch: LedgerEntry[] = [];
      for (let i = from; i < Math.min(from + 1_000, opts.fills + opts.tail + 1); i++) batch.push({ t: 'update', agent: 'default', u: historyFill(i) });
      ledger.appendSync(batch);
    }
  } finally {
    await ledger.close();
  }
}
