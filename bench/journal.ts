/**
 * Benchmark 5: the cost of durability. Every fill and position snapshot is
 * committed to the ledger (SQLite, WAL) before it is applied. Measured here:
 *
 * 1. event-loop time per acknowledged fill, under each flush policy, with one
 *    fill per transaction (a client that waits for each answer) and with ten
 *    (the fills that arrive in the same turn of the event loop share one
 *    transaction: group commit), beside today's JSON-lines journal append and
 *    serialising the entry alone, in the same run;
 * 2. start-up time (open, read the latest snapshot, replay the entries after
 *    it, restore the agents) against the size of the history, beside what the
 *    journal did at start (read and replay every line), in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MarketMakerAgent } from '../src/agent/market-maker-agent.js';
import type { FillUpdate } from '../src/agent/updates.js';
import type { FlushPolicy, LedgerEntry } from '../src/ledger/ledger.js';
import { SqliteLedger } from '../src/ledger/sqlite-ledger.js';
import { importJournal, restore } from '../src/service/recovery.js';
import { AgentRegistry } from '../src/service/registry.js';
import { nsHistogram, percentiles, recordMs, type Percentiles } from './support/hdr.js';
import { JsonlJournal } from './support/jsonl-journal.js';
import { mainIf, row, type BenchOptions, type BenchResult, type Row } from './support/report.js';

const B = 'journal';
const T0 = Date.UTC(2024, 0, 2, 14, 30);

function fillEntry(i: number): LedgerEntry {
  const u: FillUpdate = { type: 'fill', symbol: `S${String(i % 100).padStart(3, '0')}`, time: T0 + i, id: `oms-${i}`, side: i % 2 ? 'buy' : 'sell', price: 100 + (i % 50) / 100, quantity: 1 + (i % 7) };
  return { t: 'update', agent: 'default', u };
}

/** Times `f(i)` for i in [0, n), each call alone; per-call time divided by `per` (fills per call). */
function timeEach(n: number, per: number, f: (i: number) => void): Percentiles {
  const ms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    f(i);
    ms[i] = (performance.now() - t) / per;
  }
  const h = nsHistogram();
  recordMs(h, ms);
  return percentiles(h);
}

const removeDb = (path: string) => {
  for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true });
};

/** A ledger with `history` fills (one agent, 100 symbols), a snapshot after them and `tail` more; and the same as a journal. */
async function buildHistory(dir: string, history: number, tail: number, withJournal: boolean): Promise<{ db: string; journal: string | null }> {
  const db = join(dir, `history-${history}.db`);
  removeDb(db);
  const ledger = SqliteLedger.open(db, { fsync: 'never', checkpointIntervalMs: 1_000 });
  const agent = new MarketMakerAgent('default', {});
  const journalPath = withJournal ? join(dir, `history-${history}.jsonl`) : null;
  const journal = journalPath === null ? null : new JsonlJournal(journalPath, 'never');
  journal?.append({ t: 'agent', id: 'default', config: agent.config });
  const batch: LedgerEntry[] = [];
  const total = history + tail;
  for (let i = 0; i < total; i++) {
    const e = fillEntry(i);
    batch.push(e);
    journal?.append(e);
    if (i < history && e.t === 'update') agent.replay(e.u);
    if (batch.length === 10_000 || i === history - 1 || i === total - 1) {
      ledger.appendSync(batch);
      batch.length = 0;
      if (i === history - 1) await ledger.snapshot({ agents: [agent.snapshot()] });
    }
  }
  journal?.close();
  await ledger.close();
  return { db, journal: journalPath };
}

async function startLedger(db: string): Promise<{ ms: number; entries: number }> {
  const t = performance.now();
  const ledger = SqliteLedger.open(db, { fsync: 'interval', checkpointIntervalMs: 100 });
  const registry = new AgentRegistry(100);
  registry.create('default', {});
  const report = restore(registry, ledger.replay());
  const ms = performance.now() - t;
  await ledger.close();
  return { ms, entries: report.entries };
}

export async function run(opts: BenchOptions): Promise<BenchResult> {
  const started = performance.now();
  const n = opts.quick ? 5_000 : 50_000;
  const nAlways = opts.quick ? 200 : 2_000;
  // both above the default fillIdMemory (100,000 ids an agent remembers, held in its snapshot): state, not history
  const histories = opts.quick ? [110_000, 220_000] : [200_000, 2_000_000];
  const dir = mkdtempSync(join(tmpdir(), 'mm-bench-ledger-'));
  const list = Array.from({ length: n + 10 * n }, (_, i) => fillEntry(i));
  let sink = 0;
  const rows: Row[] = [];
  const data: Record<string, unknown> = {};
  try {
    for (let i = 0; i < 5_000; i++) sink += JSON.stringify(list[i % n]).length;
    const serialise = timeEach(n, 1, (i) => {
      sink += `${JSON.stringify(list[i])}\n`.length;
    });
    data.serialise = serialise;
    const policies: FlushPolicy[] = ['interval', 'never', 'always'];
    for (const policy of policies) {
      const count = policy === 'always' ? nAlways : n;
      const journal = new JsonlJournal(join(dir, `${policy}.jsonl`), policy);
      const jsonl = timeEach(count, 1, (i) => journal.append(list[i]));
      journal.close();
      const db = join(dir, `${policy}.db`);
      const ledger = SqliteLedger.open(db, { fsync: policy, checkpointIntervalMs: 100 });
      // one fill per transaction: what a client that waits for each answer gets
      const one = timeEach(count, 1, (i) => ledger.appendSync([list[i]!]));
      // ten per transaction: ten fills that arrived in the same turn of the event loop
      const ten = timeEach(count, 10, (i) => ledger.appendSync(list.slice(n + i * 10, n + i * 10 + 10)));
      await ledger.close();
      data[policy] = { jsonl, one, ten };
      const def = policy === 'interval' ? ' (default)' : '';
      const journalBase = (p: Percentiles) => ({ name: 'journal append', value: p.p50 });
      rows.push(
        row(B, `ledger, fsync ${policy}${def}, 1 fill per commit: median per fill`, one.p50, 'ns', { baseline: journalBase(jsonl), ...(policy === 'interval' ? { target: '≤ 10 µs', pass: one.p50 <= 10_000 } : {}) }),
        row(B, `ledger, fsync ${policy}, 1 fill per commit: p99 per fill`, one.p99, 'ns', { baseline: { name: 'journal append', value: jsonl.p99 } }),
        row(B, `ledger, fsync ${policy}${def}, 10 fills per commit: median per fill`, ten.p50, 'ns', { baseline: journalBase(jsonl), ...(policy === 'interval' ? { target: '≤ 10 µs', pass: ten.p50 <= 10_000 } : {}) }),
        row(B, `journal (before), fsync ${policy}: median per fill`, jsonl.p50, 'ns', { baseline: { name: 'serialise only', value: serialise.p50 } }),
      );
    }

    const starts: { history: number; ms: number; entries: number; journalMs: number | null }[] = [];
    for (const history of histories) {
      const withJournal = history === histories[0];
      const built = await buildHistory(dir, history, 1_000, withJournal);
      await startLedger(built.db); // warm the page cache and the JIT, as a restart on the same machine would be
      const s = await startLedger(built.db);
      let journalMs: number | null = null;
      if (built.journal !== null) {
        const t = performance.now();
        importJournal(new AgentRegistry(100), built.journal, () => {});
        journalMs = performance.now() - t;
      }
      starts.push({ history, ms: s.ms, entries: s.entries, journalMs });
      removeDb(built.db);
    }
    data.startup = starts;
    const [small, large] = starts as [typeof starts[0], typeof starts[0]];
    rows.push(
      row(B, `start-up, ${small.history.toLocaleString('en-US')} fills of history (+1,000 after the snapshot)`, small.ms, 'ms', small.journalMs === null ? {} : { baseline: { name: 'journal replay, same history', value: small.journalMs } }),
      row(B, `start-up, ${large.history.toLocaleString('en-US')} fills of history (+1,000 after the snapshot)`, large.ms, 'ms', { baseline: { name: `with ${small.history.toLocaleString('en-US')}`, value: small.ms }, target: '≤ 2× (flat in history)', pass: large.ms <= 2 * small.ms }),
      row(B, 'start-up slope: ms per million fills of history', ((large.ms - small.ms) / (large.history - small.history)) * 1e6, 'ms'),
    );
    return {
      name: B,
      title: `5. ledger (SQLite, WAL): event-loop time per acknowledged fill, ${n.toLocaleString('en-US')} commits per policy (${nAlways.toLocaleString('en-US')} with fsync always); start-up against history`,
      quick: opts.quick,
      seconds: (performance.now() - started) / 1_000,
      rows,
      notes: [
        `Files in ${tmpdir()}. The ledger's checkpoints run in its worker thread during the timed loops (every 100 ms for interval and always; past 64 MiB of WAL for never); the figures are the main thread's time only. The journal (before) is the JSON-lines append the service used until the ledger replaced it.`,
        'Start-up: open (quick_check of meta and snapshots), read the latest snapshot, replay the 1,000 entries after it, restore one agent with 100 symbols and its 100,000 remembered fill ids (state, which is why both histories are above that); the full quick_check of the file runs afterwards in the worker and is not in the figure. The journal replay baseline reads and applies every line, as the journal did at each start.',
        `checksum ${sink}`,
      ],
      data,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

mainIf(import.meta.url, B, run);
