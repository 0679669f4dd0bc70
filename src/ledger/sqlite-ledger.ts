/**
 * The embedded ledger: one SQLite database in WAL mode (`node:sqlite`).
 *
 * - A call to `append` is one transaction; it returns only once committed, and
 *   a failure (`SQLITE_FULL` when the disk is full) rolls it back and rejects:
 *   the caller applies nothing and answers 503.
 * - `synchronous` follows the flush policy: `always` = FULL (the WAL is synced
 *   at every commit: power loss takes nothing acknowledged), `interval` and
 *   `never` = NORMAL (a process crash takes nothing committed; for `interval`
 *   the worker fdatasyncs the WAL every `checkpointIntervalMs` and checkpoints
 *   once it passes 1 MiB; for `never` the WAL is synced at the checkpoint once
 *   it passes 64 MiB). Checkpoints run in a worker.
 * - Snapshots of the whole state sit beside the entries, each with the
 *   sequence number of the last entry it covers; `replay` reads the latest and
 *   the entries after it. The two latest are kept; entries are kept for good
 *   (they are the history, queryable with any SQLite client).
 * - At open, `PRAGMA quick_check` of the tables a start reads (meta, snapshots),
 *   and a CRC-32 of every row read; the full `quick_check` of the file runs in
 *   the checkpoint worker (in front of the start with `fullCheckAtStart`), and
 *   damage it finds stops every later write (503) and is logged with the path.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { crc32 } from 'node:zlib';
import { Checkpointer } from './checkpointer.js';
import { ENTRY_COLUMNS, fromRow, toRow } from './entry-rows.js';
import { LedgerCorruptError, LedgerUnavailableError, type FlushPolicy, type Ledger, type LedgerEntry, type LedgerState, type Recovered } from './ledger.js';

export interface SqliteLedgerOptions {
  fsync: FlushPolicy;
  checkpointIntervalMs: number;
  /** run the full quick_check before open returns, instead of beside the service */
  fullCheckAtStart?: boolean;
  /** warnings that need no answer now (a failed background checkpoint) */
  onWarning?: (message: string) => void;
  /** the background quick_check found damage (writes are refused from then on) */
  onDamage?: (message: string) => void;
}

const SCHEMA_VERSION = '1';
/** the WAL size past which `never` checkpoints */
const NEVER_WAL_BYTES = 64 * 1_048_576;
/** the WAL size past which `interval` checkpoints (below it, the worker fdatasyncs the WAL every interval) */
const INTERVAL_WAL_BYTES = 1_048_576;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
  seq INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  agent TEXT NOT NULL,
  symbol TEXT, fill_id TEXT, side TEXT,
  price REAL, quantity REAL, average_cost REAL, mark REAL,
  time INTEGER,
  body TEXT,
  crc INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (seq INTEGER PRIMARY KEY, written_at INTEGER NOT NULL, state TEXT NOT NULL, crc INTEGER NOT NULL);
CREATE VIEW IF NOT EXISTS fills AS
  SELECT seq, agent, symbol, fill_id AS id, side, price, quantity, time, strftime('%Y-%m-%dT%H:%M:%fZ', time / 1000.0, 'unixepoch') AS at
  FROM entries WHERE kind = 'fill';
CREATE VIEW IF NOT EXISTS positions AS
  SELECT seq, agent, symbol, quantity, average_cost, mark, time, strftime('%Y-%m-%dT%H:%M:%fZ', time / 1000.0, 'unixepoch') AS at
  FROM entries WHERE kind = 'position';
`;

export class SqliteLedger implements Ledger {
  readonly location: string;
  private seq: number;
  private readonly insert: StatementSync;
  private readonly begin: StatementSync;
  private readonly commit: StatementSync;
  private readonly checkpointer: Checkpointer;
  private closing: Promise<void> | null = null;
  private damage: string | null = null;
  /** resolves with null once the full quick_check found nothing, or with what it found */
  readonly fullCheck: Promise<string | null>;

  private constructor(private readonly db: DatabaseSync, path: string, opts: SqliteLedgerOptions) {
    this.location = path;
    const synchronous = opts.fsync === 'always' ? 'FULL' : 'NORMAL';
    db.exec(`PRAGMA synchronous=${synchronous}; PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=${NEVER_WAL_BYTES};`);
    this.insert = db.prepare(`INSERT INTO entries (${ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    // the last row by the rowid b-tree, O(log n) (coalesce(max(seq), 0) would scan the table)
    this.seq = (db.prepare('SELECT seq FROM entries ORDER BY seq DESC LIMIT 1').get() as { seq: number } | undefined)?.seq ?? 0;
    let checked: (damage: string | null) => void = () => {};
    this.fullCheck = new Promise((resolve) => (checked = resolve));
    this.checkpointer = new Checkpointer({
      path, synchronous,
      intervalMs: opts.checkpointIntervalMs,
      // `interval`: the WAL is synced every interval and checkpointed once it passes INTERVAL_WAL_BYTES
      walMinBytes: opts.fsync === 'never' ? NEVER_WAL_BYTES : opts.fsync === 'interval' ? INTERVAL_WAL_BYTES : 0,
      syncWal: opts.fsync === 'interval',
      fullCheck: opts.fullCheckAtStart !== true,
      onError: opts.onWarning ?? (() => {}),
      onDamage: (found) => {
        this.damage = `ledger ${path} is damaged: ${found}`;
        opts.onDamage?.(`${this.damage}; every write is refused from now on (restore the file from a backup, or move it away and restart)`);
        checked(found);
      },
      onChecked: () => checked(null),
    });
    if (opts.fullCheckAtStart === true) checked(null);
  }

  /**
   * Opens (creating it if absent) the ledger at `path`. Throws LedgerCorruptError,
   * naming the path, when `quick_check` finds damage or the file is not a ledger
   * this version can read.
   */
  static open(path: string, opts: SqliteLedgerOptions): SqliteLedger {
    const full = resolve(path);
    mkdirSync(dirname(full), { recursive: true });
    const damaged = (why: string) => new LedgerCorruptError(`ledger ${full} is damaged: ${why}; refusing to start on it (restore it from a backup, or move it away to start empty)`);
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(full, { timeout: 5_000 });
    } catch (err) {
      throw new LedgerUnavailableError(`ledger ${full} cannot be opened: ${(err as Error).message}`);
    }
    try {
      let tables: { name: string }[];
      try {
        tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
        const checks = opts.fullCheckAtStart === true ? ['PRAGMA quick_check'] : ['meta', 'snapshots'].filter((n) => tables.some((t) => t.name === n)).map((n) => `PRAGMA quick_check(${n})`);
        for (const sql of checks) {
          const check = db.prepare(sql).all() as { quick_check: string }[];
          if (check.length !== 1 || check[0]!.quick_check !== 'ok') throw damaged(check.slice(0, 5).map((r) => r.quick_check).join('; '));
        }
      } catch (err) {
        if (err instanceof LedgerCorruptError) throw err;
        throw damaged((err as Error).message);
      }
      const mode = (db.prepare('PRAGMA journal_mode=WAL').get() as { journal_mode: string }).journal_mode;
      if (mode !== 'wal') throw new LedgerUnavailableError(`ledger ${full}: WAL mode refused (journal_mode is ${mode})`);
      if (tables.length > 0 && !tables.some((t) => t.name === 'meta')) throw damaged('it is an SQLite database but not a ledger (no meta table)');
      db.exec(SCHEMA);
      const version = db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined;
      if (version === undefined) db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?)").run(SCHEMA_VERSION);
      else if (version.value !== SCHEMA_VERSION) throw damaged(`schema version ${version.value}, this version reads ${SCHEMA_VERSION}`);
      return new SqliteLedger(db, full, opts);
    } catch (err) {
      db.close();
      if (err instanceof LedgerCorruptError || err instanceof LedgerUnavailableError) throw err;
      // SQLITE_FULL while creating the schema, a read-only directory, …
      throw new LedgerUnavailableError(`ledger ${full} cannot be opened: ${(err as Error).message}`);
    }
  }

  get lastSequence(): number {
    return this.seq;
  }

  append(entries: readonly LedgerEntry[]): Promise<void> {
    try {
      this.appendSync(entries);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** `append` without the promise, for callers that are synchronous themselves (import, benchmarks). */
  appendSync(entries: readonly LedgerEntry[]): void {
    if (this.closing !== null) throw new LedgerUnavailableError(`ledger ${this.location} is closed`);
    if (this.damage !== null) throw new LedgerUnavailableError(this.damage);
    let seq = this.seq;
    this.transaction(() => {
      for (const e of entries) this.insert.run(...toRow(++seq, e));
    });
    this.seq = seq;
  }

  snapshot(state: LedgerState): Promise<void> {
    try {
      this.writeSnapshot(state, null);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** A snapshot that also records, in the same transaction, that `source` was imported into it. */
  importSnapshot(state: LedgerState, source: string): void {
    this.writeSnapshot(state, source);
  }

  /** The path of the journal imported into this ledger, if any. */
  importedFrom(): string | null {
    return (this.db.prepare("SELECT value FROM meta WHERE key = 'imported'").get() as { value: string } | undefined)?.value ?? null;
  }

  /** True when nothing was ever written: no entry, no snapshot, no import. */
  isEmpty(): boolean {
    return this.seq === 0 && this.db.prepare('SELECT 1 FROM snapshots LIMIT 1').get() === undefined && this.importedFrom() === null;
  }

  private writeSnapshot(state: LedgerState, importedFrom: string | null): void {
    if (this.closing !== null) throw new LedgerUnavailableError(`ledger ${this.location} is closed`);
    const text = JSON.stringify(state);
    const seq = this.seq;
    this.transaction(() => {
      this.db.prepare('INSERT OR REPLACE INTO snapshots (seq, written_at, state, crc) VALUES (?, ?, ?, ?)').run(seq, Date.now(), text, crc32(`${seq}\u001f${text}`));
      // the two latest are kept: the older one is what a start falls back to if the newest is lost
      this.db.prepare('DELETE FROM snapshots WHERE seq < (SELECT min(seq) FROM (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT 2))').run();
      if (importedFrom !== null) this.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('imported', ?)").run(importedFrom);
    });
  }

  private transaction(body: () => void): void {
    try {
      this.begin.run();
      body();
      this.commit.run();
    } catch (err) {
      try {
        if (this.db.isTransaction) this.db.exec('ROLLBACK');
      } catch {
        // the rollback of a failed commit may fail too; SQLite has then rolled back by itself
      }
      throw new LedgerUnavailableError(`ledger ${this.location}: ${(err as Error).message}`);
    }
  }

  replay(): Recovered {
    const where = `ledger ${this.location}`;
    // SQLite's own errors on reading (SQLITE_CORRUPT, …) name neither the file nor what to do
    const damaged = (err: unknown) => err instanceof LedgerCorruptError ? err : new LedgerCorruptError(`${where} is damaged: ${(err as Error).message}; refusing to start on it (restore it from a backup, or move it away to start empty)`);
    let state: LedgerState | null = null;
    let from = 0;
    let rows: StatementSync;
    try {
      const snap = this.db.prepare('SELECT seq, state, crc FROM snapshots ORDER BY seq DESC LIMIT 1').get() as { seq: number; state: string; crc: number } | undefined;
      if (snap !== undefined) {
        if (typeof snap.state !== 'string' || crc32(`${snap.seq}\u001f${snap.state}`) !== snap.crc) {
          throw new LedgerCorruptError(`${where}: the snapshot after entry ${snap.seq} does not match its checksum; refusing to start on a guess`);
        }
        state = JSON.parse(snap.state) as LedgerState;
        if (!Array.isArray(state.agents)) throw new LedgerCorruptError(`${where}: the snapshot after entry ${snap.seq} has no list of agents`);
        from = snap.seq;
        if (snap.seq > this.seq) throw new LedgerCorruptError(`${where}: the snapshot covers entries up to ${snap.seq}, but the last is ${this.seq}; refusing to start on a guess`);
      }
      rows = this.db.prepare(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE seq > ? ORDER BY seq`);
      rows.setReturnArrays(true);
    } catch (err) {
      throw damaged(err);
    }
    const last = this.seq;
    function* entries(): Generator<LedgerEntry> {
      let expected = from + 1;
      try {
        for (const r of rows.iterate(from) as Iterable<unknown[]>) {
          if (r[0] !== expected) throw new LedgerCorruptError(`${where}: entry ${expected} is missing (the next is ${String(r[0])}); refusing to start on a guess`);
          expected++;
          yield fromRow(r, where);
        }
      } catch (err) {
        throw damaged(err);
      }
      if (last > from && expected !== last + 1) throw new LedgerCorruptError(`${where}: entries end at ${expected - 1}, not ${last}`);
    }
    return { state, entries: entries() };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.checkpointer.stop();
      // the last connection to close checkpoints the WAL into the database and removes it
      this.db.close();
    })();
    return this.closing;
  }
}
