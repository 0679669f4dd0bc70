/**
 * Benchmark 5: the cost of durability. Every fill and position snapshot is
 * committed to the ledger (SQLite, WAL) before it is applied. Measured here:
 *
 * 1. event-loop time per acknowledged fill, under each flush policy, beside
 *    the JSON-lines journal append the ledger replaced, in the same run:
 *    - paced, as fills really come: one commit every 10 ms (100 commits/s),
 *      each after the loop sat idle, holding one fill (isolated fills, 100/s)
 *      or ten (a burst: the fills of one turn of the event loop share one
 *      transaction); ledger, journal and an empty timed call take turns, so
 *      all three see the same machine;
 *    - back to back (a tight loop of commits, caches warm), one and ten fills
 *      per commit;
 *    `appendSync` is the whole of the ledger's event-loop work (node:sqlite is
 *    synchronous; the acknowledgement follows it), so its time is the figure.
 * 2. start-up time (open, read the latest snapshot, replay the entries after
 *    it, restore the agents) against the size of the history, its slope and
 *    what that projects for 10 M fills, beside the journal's replay of the
 *    smallest history and the full `quick_check` of each file.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FillUpdate } from '../src/agent/updates.js';
import type { FlushPolicy, LedgerEntry } from '../src/ledger/ledger.js';
import { SqliteLedger } from '../src/ledger/sqlite-ledger.js';
import { importJournal, restore } from '../src/service/recovery.js';
import { AgentRegistry } from '../src/service/registry.js';
import { nsHistogram, percentiles, recordMs, type Percentiles } from './support/hdr.js';
import { JsonlJournal } from './support/jsonl-journal.js';
import { buildLedgerHistory, historyFill } from './support/ledger-history.js';
import { mainIf, row, type BenchOptions, type BenchResult, type Row } from './support/report.js';

const B = 'journal';
const T0 = Date.UTC(2024, 0, 2, 14, 30);
/** the pace of the paced runs: one commit every 10 ms */
const GAP_MS = 10;

function fillEntry(i: number): LedgerEntry {
  const u: FillUpdate = { type: 'fill', symbol: `S${String(i % 100).padStart(3, '0')}`, time: T0 + i, id: `oms-${i}`, side: i % 2 ? 'buy' : 'sell', price: 100 + (i % 50) / 100, quantity: 1 + (i % 7) };
  return { t: 'update', agent: 'default', u };
}

const toPercentiles = (ms: Float64Array): Percentiles => {
  const h = nsHistogram();
  recordMs(h, ms);
  return percentiles(h);
};

/** Times `f(i)` for i in [0, n), back to back, each call alone; per-call time divided by `per` (fills per call). */
function timeEach(n: number, per: number, f: (i: number) => void): Percentiles {
  const ms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    f(i);
    ms[i] = (performance.now() - t) / per;
  }
  return toPercentiles(ms);
}

/** Each of `ops` called `n` times in turns, every call after `GAP_MS` of idle loop, timed alone; per-call time divided by `per`. */
async function paced(ops: Record<string, (i: number) => void>, n: number, per: number): Promise<Record<string, Percentiles>> {
  const names = Object.keys(ops);
  const ms = names.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (const [k, name] of names.entries()) {
      await sleep(GAP_MS);
      const t = performance.now();
      ops[name]!(i);
      ms[k]![i] = (performance.now() - t) / per;
    }
  }
  return Object.fromEntries(names.map((name, k) => [name, toPercentiles(ms[k]!)]));
}

const removeDb = (path: string) => {
  for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true });
};

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

/** The JSON-lines journal of the same history, for the journal's start-up (read and apply every line). */
function writeJournal(path: string, fills: number, tail: number): void {
  const journal = new JsonlJournal(path, 'never');
  journal.append({ t: 'agent', id: 'default', config: new AgentRegistry(1).create('default', {}).config });
  for (let i = 1; i <= fills + tail; i++) journal.append({ t: 'update', agent: 'default', u: historyFill(i) });
  journal.close();
}

/** Least-squares line through (x, y). */
function fit(points: { x: number; y: number }[]): { slope: number; at: (x: number) => number } {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, at: (x) => my + slope * (x - mx) };
}

const µs = (ns: number) => ns / 1_000;
const fmt = (n: number) => n.toLocaleString('en-US');

export async function run(opts: BenchOptions): Promise<BenchResult> {
  const started = performance.now();
  const nPaced = opts.quick ? 100 : 500;
  const nTight = opts.quick ? 5_000 : 50_000;
  const nAlways = opts.quick ? 200 : 2_000;
  // above the default fillIdMemory (100,000 ids an agent remembers, held in its snapshot): state, not history
  const histories = opts.quick ? [110_000, 440_000] : [200_000, 1_000_000, 3_000_000];
  const TAIL = 1_000;
  const dir = mkdtempSync(join(tmpdir(), 'mm-bench-ledger-'));
  let next = 0;
  const take = (k: number) => Array.from({ length: k }, () => fillEntry(next++));
  let sink = 0;
  const rows: Row[] = [];
  const data: Record<string, unknown> = {};
  try {
    const policies: FlushPolicy[] = ['interval', 'never', 'always'];
    for (const policy of policies) {
      const def = policy === 'interval';
      const name = `fsync ${policy}${def ? ' (default)' : ''}`;
      const journal = new JsonlJournal(join(dir, `${policy}.jsonl`), policy);
      const db = join(dir, `${policy}.db`);
      const ledger = SqliteLedger.open(db, { fsync: policy, checkpointIntervalMs: 100 });
      const measured: Record<string, unknown> = {};
      for (const per of [1, 10]) {
        const p = await paced({
          empty: () => {
            sink++;
          },
          journal: () => {
            for (const e of take(per)) journal.append(e);
          },
          ledger: () => ledger.appendSync(take(per)),
        }, nPaced, per);
        measured[`paced${per}`] = p;
        const what = per === 1 ? 'isolated fills, 1 per commit, 100 commits/s' : 'bursts, 10 fills per commit, 100 commits/s';
        const target = def ? { target: '≤ 10 µs', pass: µs(p.ledger!.p50) <= 10 } : {};
        rows.push(
          row(B, `ledger, ${name}, ${what}: median per fill`, µs(p.ledger!.p50), 'µs', { baseline: { name: 'journal append, same run', value: µs(p.journal!.p50) }, ...target }),
          row(B, `ledger, ${name}, ${what}: p99 per fill`, µs(p.ledger!.p99), 'µs', { baseline: { name: 'journal append, same run', value: µs(p.journal!.p99) } }),
        );
        if (def) rows.push(row(B, `journal (before), ${what}: median per fill`, µs(p.journal!.p50), 'µs', { baseline: { name: 'an empty timed call, same wake', value: µs(p.empty!.p50) * per } }));
      }
      const count = policy === 'always' ? nAlways : nTight;
      const tightJournal = timeEach(count, 1, () => journal.append(take(1)[0]));
      const batches = Array.from({ length: count }, () => take(10));
      const singles = take(count);
      const one = timeEach(count, 1, (i) => ledger.appendSync([singles[i]!]));
      const ten = timeEach(count, 10, (i) => ledger.appendSync(batches[i]!));
      journal.close();
      await ledger.close();
      removeDb(db);
      measured.tight = { journal: tightJournal, one, ten };
      data[policy] = measured;
      const base = { baseline: { name: 'journal append, same run', value: µs(tightJournal.p50) } };
      rows.push(
        row(B, `ledger, ${name}, back to back, 1 fill per commit: median per fill`, µs(one.p50), 'µs', base),
        row(B, `ledger, ${name}, back to back, 10 fills per commit: median per fill`, µs(ten.p50), 'µs', base),
      );
    }

    // every size built first, then started in turns (5 rounds, a full GC before each start), so all sizes see the same machine
    const built = [];
    for (const history of histories) {
      const db = join(dir, `history-${history}.db`);
      await buildLedgerHistory(db, { fills: history, tail: TAIL });
      built.push({ history, db, runs: [] as number[], entries: 0 });
    }
    const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
    for (const b of built) await startLedger(b.db); // warm the page cache and the JIT, as a restart on the same machine would be
    for (let round = 0; round < 5; round++) {
      for (const b of built) {
        gc();
        const s = await startLedger(b.db);
        b.runs.push(s.ms);
        b.entries = s.entries;
      }
    }
    const starts = built.map((b, k) => {
      const check = new DatabaseSync(b.db);
      const t = performance.now();
      sink += (check.prepare('PRAGMA quick_check').all() as unknown[]).length;
      const quickCheckMs = performance.now() - t;
      check.close();
      let journalMs: number | null = null;
      if (k === 0) {
        const path = join(dir, `history-${b.history}.jsonl`);
        writeJournal(path, b.history, TAIL);
        gc();
        const tj = performance.now();
        importJournal(new AgentRegistry(100), path, () => {});
        journalMs = performance.now() - tj;
        rmSync(path, { force: true });
      }
      const mb = statSync(b.db).size / 1e6;
      removeDb(b.db);
      return { history: b.history, ms: [...b.runs].sort((x, y) => x - y)[2]!, runs: b.runs, entries: b.entries, mb, quickCheckMs, journalMs };
    });
    data.startup = starts;
    const line = fit(starts.map((s) => ({ x: s.history / 1e6, y: s.ms })));
    const small = starts[0]!;
    const large = starts[starts.length - 1]!;
    for (const s of starts) {
      const figure = `start-up, ${fmt(s.history)} fills of history (+${fmt(TAIL)} after the snapshot), median of 5`;
      if (s === small) rows.push(row(B, figure, s.ms, 'ms', s.journalMs === null ? {} : { baseline: { name: 'journal replay, same history', value: s.journalMs } }));
      else {
        const flat = s === large ? { target: '≤ 2× (flat in history)', pass: s.ms <= 2 * small.ms } : {};
        rows.push(row(B, figure, s.ms, 'ms', { baseline: { name: `with ${fmt(small.history)}`, value: small.ms }, ...flat }));
      }
    }
    rows.push(
      row(B, 'start-up slope: ms per million fills of history (least squares)', line.slope, 'ms'),
      row(B, 'start-up projected at 10,000,000 fills (the line through the sizes above)', line.at(10), 'ms', { target: '≤ 2 s', pass: line.at(10) <= 2_000 }),
      ...starts.map((s) => row(B, `full quick_check of the ${fmt(s.history)}-fill file (${s.mb.toFixed(0)} MB; beside the service, not in the start)`, s.quickCheckMs, 'ms')),
    );
    return {
      name: B,
      title: `5. ledger (SQLite, WAL): event-loop time per acknowledged fill (paced: ${fmt(nPaced)} commits per case, one every ${GAP_MS} ms; back to back: ${fmt(nTight)}, ${fmt(nAlways)} with fsync always); start-up against history`,
      quick: opts.quick,
      seconds: (performance.now() - started) / 1_000,
      rows,
      notes: [
        `Files in ${tmpdir()}. The ledger's checkpoints and WAL syncs run in its worker thread during the timed loops (interval: WAL fdatasync every 100 ms, checkpoint past 1 MiB; never: checkpoint past 64 MiB; always: synchronous=FULL, checkpoint every 100 ms); the figures are the main thread's time only. The journal (before) is the JSON-lines append the service used until the ledger replaced it (one write(2) per entry; fdatasync per entry with always).`,
        'Paced: ledger, journal and an empty timed call take turns, each after 10 ms of idle loop, so the three see the same machine; what the empty call costs is the floor of any work done right after the loop wakes.',
        'Start-up: open (quick_check of meta and snapshots), read the latest snapshot, replay the 1,000 entries after it, restore one agent with 100 symbols and its 100,000 remembered fill ids (state, the same at every size); history built by direct inserts (bench/support/ledger-history.ts). The full quick_check of the file runs in the worker once the service has started and is not in the start-up figure; its time is listed for ledger.fullCheckAtStart.',
        `checksum ${sink}`,
      ],
      data,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

mainIf(import.meta.url, B, run);
