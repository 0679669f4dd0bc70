/**
 * Start-up does not grow with history: it reads the latest snapshot and the
 * entries after it, never the fills before. Two ledgers whose snapshots are
 * the same size and whose histories differ 30-fold are started in turns in
 * the same run, and the ratio of their median start-up times is asserted, not
 * a time. The control: the same measurement with the full `quick_check` in
 * front of the start (which reads every page) does grow with history, so the
 * comparison can see an O(history) step when there is one.
 */
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { SqliteLedger } from '../../src/ledger/sqlite-ledger.js';
import { restore } from '../../src/service/recovery.js';
import { AgentRegistry } from '../../src/service/registry.js';
import { buildLedgerHistory, historyFill } from '../../bench/support/ledger-history.js';
import { tempDir } from '../support/server.js';

const SMALL = 10_000;
const LARGE = 300_000;
const TAIL = 500;
/** a small state (1,000 remembered fill ids, the least allowed), so that anything proportional to history stands out */
const CONFIG = { fillIdMemory: 1_000 };

async function startOnce(path: string, fullCheckAtStart: boolean): Promise<{ ms: number; entries: number }> {
  const t = performance.now();
  const ledger = SqliteLedger.open(path, { fsync: 'interval', checkpointIntervalMs: 100, fullCheckAtStart });
  const registry = new AgentRegistry(10);
  registry.create('default', CONFIG);
  const report = restore(registry, ledger.replay());
  const ms = performance.now() - t;
  await ledger.close();
  return { ms, entries: report.entries };
}

/** Median start-up of each ledger, measured in turns (so both see the same load), 7 times each after a warm-up. */
async function medians(paths: string[], fullCheckAtStart: boolean): Promise<number[]> {
  const times: number[][] = paths.map(() => []);
  for (const p of paths) await startOnce(p, fullCheckAtStart);
  for (let round = 0; round < 7; round++) {
    for (const [i, p] of paths.entries()) times[i]!.push((await startOnce(p, fullCheckAtStart)).ms);
  }
  return times.map((t) => t.sort((a, b) => a - b)[3]!);
}

describe('start-up against the size of the history', () => {
  it('a 30× longer history starts in about the same time (ratio of medians in one run ≤ 2); a full quick_check in front would not', async () => {
    const dir = tempDir();
    const small = join(dir, 'small.db');
    const large = join(dir, 'large.db');
    await buildLedgerHistory(small, { fills: SMALL, tail: TAIL, config: CONFIG });
    await buildLedgerHistory(large, { fills: LARGE, tail: TAIL, config: CONFIG });

    // both start from their snapshot and replay exactly the tail
    const [s, l] = [await startOnce(small, false), await startOnce(large, false)];
    expect(s.entries).toBe(TAIL);
    expect(l.entries).toBe(TAIL);

    const [quickSmall, quickLarge] = await medians([small, large], false);
    expect(quickLarge! / quickSmall!).toBeLessThanOrEqual(2);

    const [fullSmall, fullLarge] = await medians([small, large], true);
    expect(fullLarge! / fullSmall!).toBeGreaterThan(3);
  }, 180_000);

  it('the history rows the builder writes are real entries: with the snapshot gone, a start replays every one, checksums included', async () => {
    const path = join(tempDir(), 'history.db');
    await buildLedgerHistory(path, { fills: 3_000, tail: 20, config: CONFIG });
    expect((await startOnce(path, true)).entries).toBe(20);
    const db = new DatabaseSync(path);
    db.exec('DELETE FROM snapshots');
    db.close();
    const ledger = SqliteLedger.open(path, { fsync: 'never', checkpointIntervalMs: 100 });
    try {
      const all = [...ledger.replay().entries];
      expect(all).toHaveLength(3_020);
      for (const [k, e] of all.entries()) expect(e).toEqual({ t: 'update', agent: 'default', u: historyFill(k + 1) });
    } finally {
      await ledger.close();
    }
  });
});
