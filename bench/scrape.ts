/**
 * Benchmark 7: a /metrics scrape with 10,000 symbols (issue 16).
 *
 * The real service (buildApp, silent logger, no ledger: a scrape never touches it) with one agent
 * holding 10,000 symbols, each with a sigma, a mid, a quote and a position (sizes spread so that
 * the ranking by |position| has work to do), scraped through `app.inject` in this process. While a
 * scrape is in flight a setImmediate ticker records the gaps between its turns: the longest gap is
 * the longest time the scrape held the event loop (inject's own work included, so an upper bound).
 * Median and max over the scrapes, the body's size and its series, for the default configuration
 * (per-symbol gauges for the 100 largest |positions|), for `symbolGauges: "none"` (the floor: what
 * every scrape costs without per-symbol series) and for `"all"` (every symbol, as before issue 16).
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { buildApp } from '../src/service/app.js';
import { parseServiceConfig, type MetricsConfig } from '../src/service/config.js';
import { mainIf, row, type BenchOptions, type BenchResult, type Row } from './support/report.js';

const SYMBOLS = 10_000;
const TARGET_MS = 10;
const symbol = (i: number) => `S${String(i).padStart(5, '0')}`;

interface ScrapeFigures {
  mode: string;
  /** longest event-loop block per scrape, ms */
  blocksMs: number[];
  /** wall time per scrape, ms */
  wallMs: number[];
  /** the main thread's CPU time per scrape, ms (preemption by other processes not in it) */
  cpuMs: number[];
  bytes: number;
  series: number;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};

async function scrapeOnce(app: Awaited<ReturnType<typeof buildApp>>): Promise<{ blockMs: number; wallMs: number; cpuMs: number; body: string }> {
  let longest = 0;
  let last = performance.now();
  let running = true;
  const tick = () => {
    const now = performance.now();
    if (now - last > longest) longest = now - last;
    last = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const t0 = performance.now();
  const c0 = process.threadCpuUsage();
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  const wallMs = performance.now() - t0;
  const c1 = process.threadCpuUsage();
  running = false;
  // the gap up to the reply counts too
  const end = performance.now();
  if (end - last > longest) longest = end - last;
  if (res.statusCode !== 200) throw new Error(`/metrics answered ${res.statusCode}`);
  return { blockMs: longest, wallMs, cpuMs: (c1.user + c1.system - c0.user - c0.system) / 1_000, body: res.body };
}

async function measure(metrics: Partial<MetricsConfig>, label: string, scrapes: number): Promise<ScrapeFigures> {
  const config = parseServiceConfig({ port: 0, logLevel: 'silent', ledger: { path: null, importJournal: null }, metrics });
  const app = await buildApp({ config, logger: pino({ level: 'silent' }) });
  try {
    for (let from = 0; from < SYMBOLS; from += 1_000) {
      const updates = [];
      for (let i = from; i < from + 1_000; i++) {
        const mid = 10 + (i % 490);
        updates.push({ type: 'volatility', symbol: symbol(i), sigma: mid * 0.02 });
        updates.push({ type: 'mid', symbol: symbol(i), mid });
        // positions from −50 to +49 lots, in no particular order
        updates.push({ type: 'position', symbol: symbol(i), quantity: ((i * 7_919) % 100) - 50, averageCost: mid });
      }
      for (let k = 0; k < updates.length; k += 1_000) {
        const res = await app.inject({ method: 'POST', url: '/v1/agents/default/updates', payload: { updates: updates.slice(k, k + 1_000) } });
        if (res.statusCode !== 200 || !(res.json<{ results: { ok: boolean }[] }>()).results.every((r) => r.ok)) throw new Error(`seeding failed: ${res.body.slice(0, 300)}`);
      }
    }
    for (let w = 0; w < 3; w++) await scrapeOnce(app);
    const blocksMs: number[] = [];
    const wallMs: number[] = [];
    const cpuMs: number[] = [];
    let body = '';
    for (let s = 0; s < scrapes; s++) {
      const r = await scrapeOnce(app);
      blocksMs.push(r.blockMs);
      wallMs.push(r.wallMs);
      cpuMs.push(r.cpuMs);
      body = r.body;
    }
    const series = body.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
    return { mode: label, blocksMs, wallMs, cpuMs, bytes: Buffer.byteLength(body), series };
  } finally {
    await app.close();
  }
}

export async function run(opts: BenchOptions): Promise<BenchResult> {
  const started = performance.now();
  const scrapes = opts.quick ? 3 : 25;
  const top = await measure({}, 'top 100 by |position| (default)', scrapes);
  const none = await measure({ symbolGauges: 'none' }, 'no per-symbol gauges', scrapes);
  const all = await measure({ symbolGauges: 'all' }, 'every symbol', opts.quick ? 2 : 5);
  const B = 'scrape';
  const f = `/metrics, ${SYMBOLS.toLocaleString('en-US')} symbols`;
  const rows: Row[] = [
    row(B, `${f}: longest event-loop block (median)`, median(top.blocksMs), 'ms', { baseline: { name: 'no per-symbol', value: median(none.blocksMs) }, target: `≤ ${TARGET_MS} ms`, pass: median(top.blocksMs) <= TARGET_MS }),
    row(B, `${f}: main-thread CPU per scrape (median)`, median(top.cpuMs), 'ms', { baseline: { name: 'no per-symbol', value: median(none.cpuMs) } }),
    row(B, `${f}: longest event-loop block, every symbol`, median(all.blocksMs), 'ms', { baseline: { name: 'no per-symbol', value: median(none.blocksMs) } }),
    row(B, `${f}: body`, top.bytes, 'B', { baseline: { name: 'every symbol', value: all.bytes } }),
    row(B, `${f}: series`, top.series, 'count', { baseline: { name: 'every symbol', value: all.series } }),
  ];
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
  const notes = [
    `One agent, ${SYMBOLS.toLocaleString('en-US')} symbols with a quote and a position each; app.inject('/metrics') in this process, a setImmediate ticker beside it (longest gap = longest block, inject's own work included); 3 warm-up scrapes, then ${scrapes} (every symbol: ${all.blocksMs.length}).`,
    ...[top, none, all].map((x) => `${x.mode}: block ms [${fmt(x.blocksMs)}], max ${Math.max(...x.blocksMs).toFixed(2)}; wall median ${median(x.wallMs).toFixed(2)} ms; main-thread CPU ms [${fmt(x.cpuMs)}]; ${x.bytes.toLocaleString('en-US')} B, ${x.series.toLocaleString('en-US')} series.`),
  ];
  return {
    name: 'scrape',
    title: `7. /metrics scrape with ${SYMBOLS.toLocaleString('en-US')} symbols`,
    quick: opts.quick,
    seconds: (performance.now() - started) / 1_000,
    rows,
    notes,
    data: { symbols: SYMBOLS, targetMs: TARGET_MS, runs: [top, none, all] },
  };
}

mainIf(import.meta.url, 'scrape', run);
