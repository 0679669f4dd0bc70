/**
 * Benchmark 5: the cost of durability. Every fill and position snapshot is
 * appended to the journal (one write(2) of one JSON line) before it is
 * applied; this measures that append, per entry, under each fsync policy,
 * against a baseline in the same run: serialising the same entry without
 * writing it. (The service's default is `interval`: the append plus an
 * fdatasync at most every 100 ms, off the request path.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FillUpdate } from '../src/agent/updates.js';
import { Journal, type FsyncPolicy, type JournalEntry } from '../src/journal/journal.js';
import { nsHistogram, percentiles, recordMs, type Percentiles } from './support/hdr.js';
import { mainIf, row, type BenchOptions, type BenchResult, type Row } from './support/report.js';

const B = 'journal';

function entries(n: number): JournalEntry[] {
  const t0 = Date.UTC(2024, 0, 2, 14, 30);
  return Array.from({ length: n }, (_, i): JournalEntry => {
    const u: FillUpdate = { type: 'fill', symbol: `S${String(i % 1_000).padStart(5, '0')}`, time: t0 + i, id: `oms-${i}`, side: i % 2 ? 'buy' : 'sell', price: 100 + (i % 50) / 100, quantity: 1 + (i % 7) };
    return { t: 'update', agent: 'default', u };
  });
}

function timeEach(n: number, f: (i: number) => void): Percentiles {
  const ms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    f(i);
    ms[i] = performance.now() - t;
  }
  const h = nsHistogram();
  recordMs(h, ms);
  return percentiles(h);
}

export async function run(opts: BenchOptions): Promise<BenchResult> {
  const started = performance.now();
  const n = opts.quick ? 20_000 : 200_000;
  const nAlways = opts.quick ? 300 : 3_000;
  const list = entries(n);
  const dir = mkdtempSync(join(tmpdir(), 'mm-bench-journal-'));
  let sink = 0;
  try {
    // warm-up of both paths
    for (let i = 0; i < 5_000; i++) sink += JSON.stringify(list[i % n]).length;
    const serialise = timeEach(n, (i) => {
      sink += `${JSON.stringify(list[i])}\n`.length;
    });
    const measured: Record<FsyncPolicy, Percentiles> = {} as Record<FsyncPolicy, Percentiles>;
    for (const policy of ['never', 'interval', 'always'] as const) {
      const { journal } = Journal.open(join(dir, `${policy}.jsonl`), { fsync: policy, fsyncIntervalMs: 100 });
      const count = policy === 'always' ? nAlways : n;
      measured[policy] = timeEach(count, (i) => journal.append(list[i]!));
      journal.close();
    }
    const base = (p: Percentiles, k: 'p50' | 'p99') => ({ name: 'serialise only', value: p[k] });
    const rows: Row[] = [];
    for (const policy of ['interval', 'never', 'always'] as const) {
      const p = measured[policy];
      rows.push(
        row(B, `append, fsync ${policy}${policy === 'interval' ? ' (default)' : ''}: median`, p.p50, 'ns', { baseline: base(serialise, 'p50') }),
        row(B, `append, fsync ${policy}: p99`, p.p99, 'ns', { baseline: base(serialise, 'p99') }),
      );
    }
    return {
      name: B,
      title: `5. journal: one append per fill or position, ${n.toLocaleString('en-US')} entries (${nAlways.toLocaleString('en-US')} with fsync always)`,
      quick: opts.quick,
      seconds: (performance.now() - started) / 1_000,
      rows,
      notes: [
        `Entries are fill updates as the service journals them (~${JSON.stringify(list[0]).length + 1} bytes a line), written to a file in ${tmpdir()}; "interval" fdatasyncs on a 100 ms timer, which this synchronous loop does not yield to, so its figure is the append alone, as on the request path.`,
        `checksum ${sink}`,
      ],
      data: { entries: n, entriesAlways: nAlways, serialise, ...measured },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

mainIf(import.meta.url, B, run);
