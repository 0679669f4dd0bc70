/**
 * The SQLite ledger alone: what goes in comes out exactly, a batch is one
 * transaction, and anything in the file that is not exactly as written stops
 * the start (a changed digit, side or kind, a kind this version does not know,
 * random bit flips) instead of becoming a different inventory.
 */
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { rowChecksum } from '../../src/ledger/entry-rows.js';
import { LedgerCorruptError, LedgerUnavailableError, type LedgerEntry } from '../../src/ledger/ledger.js';
import { SqliteLedger } from '../../src/ledger/sqlite-ledger.js';
import { ledgerState, restore } from '../../src/service/recovery.js';
import { AgentRegistry } from '../../src/service/registry.js';
import { tempDir } from '../support/server.js';
import { seededRandom } from '../support/seeded-random.js';

const opened: SqliteLedger[] = [];
const open = (path: string, fullCheckAtStart = false) => {
  const l = SqliteLedger.open(path, { fsync: 'never', checkpointIntervalMs: 50, fullCheckAtStart });
  opened.push(l);
  return l;
};
afterEach(async () => {
  await Promise.all(opened.splice(0).map((l) => l.close()));
});

const fill = (i: number, side: 'buy' | 'sell' = i % 3 ? 'buy' : 'sell'): LedgerEntry => ({
  t: 'update', agent: 'a1', u: { type: 'fill', symbol: i % 2 ? 'AAPL' : 'MSFT', id: `f-${i}`, side, price: 100 + i / 100, quantity: 1 + (i % 4), time: 1_700_000_000_000 + i },
});

/** A ledger with an agent, 40 fills, a position, a symbol pause and a reconfiguration; closed. */
async function written(dir = tempDir()): Promise<string> {
  const path = join(dir, 'quoting.db');
  const l = open(path);
  await l.append([{ t: 'create', id: 'a1', config: { ...new AgentRegistry(1).create('x', { gamma: 0.2 }).config } }]);
  for (let i = 0; i < 40; i++) await l.append([fill(i)]);
  await l.append([{ t: 'update', agent: 'a1', u: { type: 'position', symbol: 'IBM', quantity: -3, averageCost: 55.5, time: 1_700_000_000_100 } }]);
  await l.append([{ t: 'pause', id: 'a1', symbol: 'MSFT' }, fill(40)]);
  await l.close();
  return path;
}

/** What a start makes of the ledger at `path`: the state of every agent, as JSON. */
async function startState(path: string): Promise<string> {
  const l = open(path);
  const registry = new AgentRegistry(10);
  restore(registry, l.replay());
  const damage = await l.fullCheck;
  if (damage !== null) throw new LedgerCorruptError(`ledger ${path} is damaged: ${damage}`);
  return JSON.stringify(ledgerState(registry));
}

const edit = (path: string, sql: string, ...params: (string | number | null)[]) => {
  const db = new DatabaseSync(path);
  db.prepare(sql).run(...params);
  db.close();
};

describe('SqliteLedger', () => {
  it('gives back every entry exactly, in order, from the latest snapshot on', async () => {
    const path = join(tempDir(), 'q.db');
    const l = open(path);
    const entries: LedgerEntry[] = [
      { t: 'create', id: 'a1', config: new AgentRegistry(1).create('x', {}).config },
      fill(1), fill(2, 'sell'),
      { t: 'update', agent: 'a1', u: { type: 'position', symbol: 'X', quantity: 0, averageCost: 0, time: 5, mark: 12.25 } },
      { t: 'pause', id: 'a1' }, { t: 'resume', id: 'a1', symbol: 'X' }, { t: 'delete', id: 'a1' },
    ];
    await l.append(entries);
    expect(l.lastSequence).toBe(7);
    expect([...l.replay().entries]).toEqual(entries);
    await l.snapshot({ agents: [] });
    await l.append([fill(3)]);
    const r = l.replay();
    expect([r.state, [...r.entries]]).toEqual([{ agents: [] }, [fill(3)]]);
  });

  it('the kill switch, risk states and fills with fees come back exactly; a changed risk state stops the start', async () => {
    const path = join(tempDir(), 'q.db');
    const l = open(path);
    const state = {
      periodStart: 1_700_000_000_000, agent: { baseline: -12.5, peak: 3.25 }, symbols: [['X', { baseline: 0.1, peak: 0 }]] as [string, { baseline: number; peak: number }][],
      hold: { reason: 'loss-limit' as const, time: 1_700_000_000_500, pnl: -5.000000000000001, drawdown: 8.25, limit: 5 },
      symbolHolds: [['X', { reason: 'drawdown-limit' as const, time: 1_700_000_000_400, pnl: 0.5, drawdown: 2, limit: 2 }]] as [string, { reason: 'drawdown-limit'; time: number; pnl: number; drawdown: number; limit: number }][],
    };
    const entries: LedgerEntry[] = [
      { t: 'halt' },
      { t: 'update', agent: 'a1', u: { type: 'fill', symbol: 'X', id: 'fee-1', side: 'buy', price: 100, quantity: 2, time: 7, fee: -0.0123, liquidity: 'taker' } },
      { t: 'update', agent: 'a1', u: { type: 'fill', symbol: 'X', id: 'fee-2', side: 'sell', price: 101, quantity: 2, time: 8, fee: 0.2 } },
      { t: 'risk', id: 'a1', why: 'breach', state },
      { t: 'unhalt' },
      { t: 'risk', id: 'a1', why: 'reset', state: { ...state, hold: null, symbolHolds: [] } },
    ];
    await l.append(entries);
    expect([...l.replay().entries]).toEqual(entries);
    await l.close();
    edit(path, "UPDATE entries SET body = replace(body, '\"limit\":5', '\"limit\":50') WHERE kind = 'risk'");
    expect(() => [...open(path).replay().entries]).toThrow(LedgerCorruptError);
  });

  it('a batch is one transaction: a failure in it leaves none of it', async () => {
    const path = join(tempDir(), 'q.db');
    const l = open(path);
    await l.append([fill(1)]);
    // an entry the table refuses (a NOT NULL agent) in the middle of a batch
    const broken = { t: 'update', agent: null, u: fill(3).t === 'update' ? (fill(3) as { u: unknown }).u : null } as unknown as LedgerEntry;
    await expect(l.append([fill(2), broken, fill(4)])).rejects.toBeInstanceOf(LedgerUnavailableError);
    expect(l.lastSequence).toBe(1);
    await l.append([fill(5)]);
    expect([...l.replay().entries]).toEqual([fill(1), fill(5)]);
  });

  it('queryable with SQL: the fills view', async () => {
    const path = await written();
    const db = new DatabaseSync(path, { readOnly: true });
    const rows = db.prepare("SELECT id, side, price, quantity, at FROM fills WHERE symbol = 'AAPL' ORDER BY seq LIMIT 2").all();
    db.close();
    // fills 1 and 3 are AAPL (odd i); 1 % 3 and 3 % 3: buy, sell; price 100 + i/100; quantity 1 + i % 4
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { id: 'f-1', side: 'buy', price: 100.01, quantity: 2, at: '2023-11-14T22:13:20.001Z' },
      { id: 'f-3', side: 'sell', price: 100.03, quantity: 4, at: '2023-11-14T22:13:20.003Z' },
    ]);
  });

  describe('corruption stops the start, naming the file', () => {
    it.each([
      ['a digit of a price', "UPDATE entries SET price = 100.2 WHERE seq = 21", /entry 21 does not match its checksum/],
      ['the side of a fill', "UPDATE entries SET side = 'sell' WHERE seq = 3", /entry 3 does not match its checksum/],
      ['the kind of an entry', "UPDATE entries SET kind = 'position' WHERE seq = 5", /entry 5 does not match its checksum/],
      ['a quantity', 'UPDATE entries SET quantity = 40 WHERE seq = 10', /entry 10 does not match its checksum/],
      ['a missing entry', 'DELETE FROM entries WHERE seq = 30', /entry 30 is missing/],
    ])('%s', async (_what, sql, message) => {
      const path = await written();
      const before = await startState(path);
      await Promise.all(opened.splice(0).map((l) => l.close()));
      edit(path, sql);
      const err = await startState(path).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LedgerCorruptError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toContain(path);
      expect(before).not.toBe('');
    });

    it('an entry of a kind this version does not know, with a valid checksum: never skipped', async () => {
      const path = await written();
      const row = [45, 'bonus', 'a1', 'AAPL', null, null, 1, 1, null, null, 1, null];
      edit(path, 'INSERT INTO entries (seq, kind, agent, symbol, fill_id, side, price, quantity, average_cost, mark, time, body, crc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', ...(row), rowChecksum(row));
      await expect(startState(path)).rejects.toThrow(/entry 45 has the kind "bonus", which this version does not know/);
    });

    it('a changed snapshot', async () => {
      const path = await written();
      const l = open(path);
      const registry = new AgentRegistry(10);
      restore(registry, l.replay());
      await l.snapshot(ledgerState(registry));
      await l.close();
      edit(path, "UPDATE snapshots SET state = replace(state, '\"buyFills\":', '\"buyFills\":1') WHERE seq = 44");
      await expect(startState(path)).rejects.toThrow(/the snapshot after entry 44 does not match its checksum/);
    });

    it('a file that is not a database', async () => {
      const path = join(tempDir(), 'q.db');
      writeFileSync(path, 'this is not an SQLite file, but it is where the ledger should be'.repeat(100));
      expect(() => open(path)).toThrow(new RegExp(`ledger ${path} is damaged: file is not a database`));
    });

    it('30 random bit flips, one per copy of the file: each either stops the start or changes nothing', async () => {
      const path = await written();
      const expected = await startState(path);
      await Promise.all(opened.splice(0).map((l) => l.close()));
      const bytes = readFileSync(path);
      const outcomes = { refused: 0, unchanged: 0 };
      for (let seed = 1; seed <= 30; seed++) {
        const rnd = seededRandom(seed);
        const copy = join(tempDir(), 'flipped.db');
        copyFileSync(path, copy);
        const flipped = Buffer.from(bytes);
        const at = Math.floor(rnd.uniform() * flipped.length);
        flipped[at]! ^= 1 << Math.floor(rnd.uniform() * 8);
        writeFileSync(copy, flipped);
        let state: string | Error;
        try {
          state = await startState(copy);
        } catch (err) {
          state = err as Error;
        } finally {
          await Promise.all(opened.splice(0).map((l) => l.close().catch(() => {})));
        }
        if (state instanceof Error) {
          // refused: with a message that names the file (never an inventory guessed from the damage)
          expect(state, `seed ${seed}, byte ${at}`).toSatisfy((e: Error) => e instanceof LedgerCorruptError || e instanceof LedgerUnavailableError);
          expect(state.message, `seed ${seed}, byte ${at}`).toContain(copy);
          outcomes.refused++;
        } else {
          expect(state, `seed ${seed}, byte ${at}: started, so with exactly the same state`).toBe(expected);
          outcomes.unchanged++;
        }
      }
      expect(outcomes.refused + outcomes.unchanged).toBe(30);
      // most of this small file is live pages: most flips must be caught
      expect(outcomes.refused).toBeGreaterThan(5);
    });
  });

  it('damage where a start does not read: found by the full check beside the service, and every later write refused', async () => {
    const path = join(tempDir(), 'q.db');
    const l = open(path);
    for (let b = 0; b < 10; b++) await l.append(Array.from({ length: 500 }, (_, i) => fill(b * 500 + i)));
    await l.snapshot({ agents: [] });
    await l.close();
    // an entries page in the middle of the file (the start reads the snapshot and the last entry only): an invalid b-tree page type
    const bytes = readFileSync(path);
    const page = Math.floor((bytes.length / 4_096) * 0.4);
    bytes[page * 4_096] = 0x00;
    writeFileSync(path, bytes);

    const started = open(path);
    expect([...started.replay().entries]).toEqual([]);
    const found = await started.fullCheck;
    expect(found).not.toBeNull();
    await expect(started.append([fill(9_999)])).rejects.toThrow(new RegExp(`ledger ${path} is damaged`));
    await started.close();
    // the same file with fullCheckAtStart: the start itself stops, naming the file
    expect(() => open(path, true)).toThrow(new RegExp(`ledger ${path} is damaged`));
  });

  it('close() is idempotent and refuses later writes', async () => {
    const l = open(join(tempDir(), 'q.db'));
    await l.append([fill(1)]);
    await Promise.all([l.close(), l.close()]);
    await l.close();
    await expect(l.append([fill(2)])).rejects.toBeInstanceOf(LedgerUnavailableError);
  });
});

describe('the flush policy `interval` between checkpoints', () => {
  it('syncs the WAL every interval instead of checkpointing it, and checkpoints once it passes 1 MiB', async () => {
    const path = join(tempDir(), 'quoting.db');
    const l = SqliteLedger.open(path, { fsync: 'interval', checkpointIntervalMs: 20 });
    opened.push(l);
    const walSize = () => statSync(`${path}-wal`).size;
    // sparse commits, several intervals apart: a checkpoint would reset the WAL and the next commit
    // would restart it from its start; synced instead, it only grows
    let last = 0;
    for (let i = 0; i < 8; i++) {
      await l.append([fill(i)]);
      const size = walSize();
      expect(size, `commit ${i}`).toBeGreaterThan(last);
      last = size;
      await new Promise((r) => setTimeout(r, 60));
    }
    const dbBefore = statSync(path).size;
    // past 1 MiB of WAL the next interval checkpoints: the pages reach the database file
    const big = Array.from({ length: 20_000 }, (_, i) => fill(100 + i));
    for (let i = 0; i < 20_000; i += 1_000) await l.append(big.slice(i, i + 1_000));
    expect(walSize()).toBeGreaterThan(1_048_576);
    let grown = false;
    for (let i = 0; i < 100 && !grown; i++) {
      await new Promise((r) => setTimeout(r, 20));
      grown = statSync(path).size > dbBefore;
    }
    expect(grown, 'the database file took the checkpointed pages').toBe(true);
    // the next commit restarts the WAL and cuts the file to what it holds, so the next checkpoint waits
    // for another 1 MiB: sparse commits grow it again instead of each restarting it after a checkpoint
    // (once the checkpoint has finished: it syncs the WAL and the database, which takes a while on a busy disk)
    let k = 0;
    for (; k < 100 && walSize() >= 1_048_576; k++) {
      await new Promise((r) => setTimeout(r, 20));
      await l.append([fill(50_000 + k)]);
    }
    last = walSize();
    expect(last).toBeLessThan(1_048_576);
    for (let i = 1; i <= 5; i++) {
      await new Promise((r) => setTimeout(r, 60));
      await l.append([fill(60_000 + i)]);
      const size = walSize();
      expect(size, `sparse commit ${i} after the checkpoint`).toBeGreaterThan(last);
      last = size;
    }
    // and nothing was lost on the way
    await l.close();
    const again = SqliteLedger.open(path, { fsync: 'interval', checkpointIntervalMs: 20 });
    opened.push(again);
    expect(again.lastSequence).toBe(20_013 + k);
  });

  it('every commit is followed by an fdatasync of the WAL within a few intervals, also one made right after a sync; none while nothing is committed', async () => {
    const path = join(tempDir(), 'quoting.db');
    let syncs = 0;
    const l = SqliteLedger.open(path, { fsync: 'interval', checkpointIntervalMs: 20, onWalSynced: () => syncs++ });
    opened.push(l);
    const until = async (what: string, done: () => boolean) => {
      for (let i = 0; i < 250 && !done(); i++) await new Promise((r) => setTimeout(r, 4));
      expect(done(), what).toBe(true);
    };
    await l.append([fill(0)]);
    await until('the first commit is synced', () => syncs >= 1);
    // idle: nothing committed, nothing to sync (the WAL is not synced again and again for nothing)
    const idle = syncs;
    await new Promise((r) => setTimeout(r, 150));
    expect(syncs).toBe(idle);
    // each commit lands within a few ms of the sync of the one before (on a kernel with a coarse file
    // clock, within the same mtime tick, which the earlier size-and-mtime stamp could not tell apart)
    for (let i = 1; i <= 10; i++) {
      const before = syncs;
      await l.append([fill(i)]);
      await until(`commit ${i} synced`, () => syncs > before);
    }
  });
});
