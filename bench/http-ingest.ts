/**
 * Benchmark 2: HTTP ingest with autocannon (library API).
 *
 * The real service (buildApp, silent logger) and, in the same run with the
 * same autocannon settings, a bare Fastify app whose routes parse the same
 * JSON bodies and answer {}. Each server runs in a child process of its own
 * (see bench/README.md for why); autocannon runs here.
 *
 *   - POST /v1/agents/default/symbols/:symbol/mid {"mid":…}, 1,000 symbols in
 *     turn (autocannon `requests` array), 10 connections, pipelining 1 and 10;
 *   - POST /v1/agents/default/updates {"updates":[100 mid updates]}, the
 *     batch endpoint, 10 connections, pipelining 1, with the full reply and
 *     with ?reply=summary (against a bare batch route answering the same
 *     compact shape).
 *
 * Targets (issue 16), on the medians over the slices: mid requests/s ≥ 0.85×
 * bare and server CPU per request ≤ 1.2× bare; summary batch updates/s ≥ 0.5×
 * the bare compact route and server CPU per update ≤ 2× it.
 *
 * Every symbol has a sigma and a mid before the run, so every update makes a
 * quote (no WebSocket subscribers here: publishing stops at "nobody listens").
 * Latency per request comes from autocannon's `response` event (ms with
 * sub-ms resolution) into an HDR histogram; autocannon's own latency
 * histogram rounds to whole milliseconds.
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { nsHistogram, percentiles } from './support/hdr.js';
import { mainIf, row, sleep, type BenchOptions, type BenchResult, type Row } from './support/report.js';
import { BATCH, batchRequests, median, midRequests, seed, SYMBOLS } from './support/ingest-load.js';
import { startServer, type ServerChild } from './support/servers.js';

const CONNECTIONS = 10;
/** issue 16's targets, each on the median of the slices against the same run's bare server */
const TARGET_RATIO = 0.85;
const TARGET_CPU_RATIO = 1.2;
const TARGET_BATCH_RATIO = 0.5;
const TARGET_BATCH_CPU_RATIO = 2;
const SIZED_NOTE = 'the same body parse, no zod, no agent, no metrics, no request id';

export interface CannonRun {
  server: string;
  scenario: string;
  pipelining: number;
  /** measured seconds, summed over the rounds */
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  updatesPerSecond: number;
  latencyMs: { p50: number; p99: number; p999: number; max: number; mean: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  /** the server process's CPU time ÷ wall time (1 = one core) and event-loop utilisation over the run */
  serverCpu: number;
  serverElu: number;
  /** the server process's CPU time per 2xx request, µs */
  serverCpuUsPerRequest: number;
  /** requests/s of each round */
  rounds: number[];
  /** server CPU µs per 2xx request of each round */
  cpuRounds: number[];
  /** medians over the rounds: what the targets are read on (a noisy slice moves them less than a sum) */
  medianRequestsPerSecond: number;
  medianUpdatesPerSecond: number;
  medianCpuUsPerRequest: number;
}

interface Totals {
  ok: number;
  requests: number;
  seconds: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  cpuUs: number;
  wallMs: number;
  eluActive: number;
  eluIdle: number;
  rounds: number[];
  cpuRounds: number[];
  hist: ReturnType<typeof nsHistogram>;
}

const emptyTotals = (): Totals => ({
  ok: 0, requests: 0, seconds: 0, non2xx: 0, errors: 0, timeouts: 0, cpuUs: 0, wallMs: 0, eluActive: 0, eluIdle: 0, rounds: [], cpuRounds: [], hist: nsHistogram(),
});

/** One autocannon run against `server`, added to `t` (latencies from the `response` event, sub-ms). */
async function cannon(server: ServerChild, requests: autocannon.Request[], pipelining: number, durationS: number, t: Totals | null): Promise<void> {
  const before = await server.stats();
  const t0 = performance.now();
  const instance = autocannon({ url: server.url, connections: CONNECTIONS, pipelining, duration: durationS, requests, timeout: 10 });
  if (t !== null) instance.on('response', (_client, _status, _bytes, ms) => t.hist.recordValue(Math.round(ms * 1e6)));
  const r = await instance;
  const wallMs = performance.now() - t0;
  const after = await server.stats();
  if (t === null) return;
  t.ok += r['2xx'];
  t.requests += r.requests.total;
  t.seconds += r.duration;
  t.non2xx += r.non2xx;
  t.errors += r.errors;
  t.timeouts += r.timeouts;
  t.cpuUs += after.cpuUs - before.cpuUs;
  t.wallMs += wallMs;
  t.eluActive += after.elu.active - before.elu.active;
  t.eluIdle += after.elu.idle - before.elu.idle;
  t.rounds.push(r['2xx'] / r.duration);
  t.cpuRounds.push((after.cpuUs - before.cpuUs) / r['2xx']);
}

function summarise(server: string, scenario: string, pipelining: number, perRequest: number, t: Totals): CannonRun {
  const l = percentiles(t.hist);
  return {
    server, scenario, pipelining,
    seconds: t.seconds,
    requests: t.requests,
    requestsPerSecond: t.ok / t.seconds,
    updatesPerSecond: (t.ok * perRequest) / t.seconds,
    latencyMs: { p50: l.p50 / 1e6, p99: l.p99 / 1e6, p999: l.p999 / 1e6, max: l.max / 1e6, mean: l.mean / 1e6 },
    non2xx: t.non2xx, errors: t.errors, timeouts: t.timeouts,
    serverCpu: t.cpuUs / 1_000 / t.wallMs,
    serverElu: t.eluActive / (t.eluActive + t.eluIdle),
    serverCpuUsPerRequest: t.cpuUs / t.ok,
    rounds: t.rounds,
    cpuRounds: t.cpuRounds,
    medianRequestsPerSecond: median(t.rounds),
    medianUpdatesPerSecond: median(t.rounds) * perRequest,
    medianCpuUsPerRequest: median(t.cpuRounds),
  };
}

interface Target {
  /** 'app', 'bare' or 'bare-sized' */
  name: string;
  server: ServerChild;
  requests: autocannon.Request[];
}

export async function run(opts: BenchOptions): Promise<BenchResult> {
  const started = performance.now();
  // autocannon ends a run on its one-second tick, so every run lasts a whole number of seconds (at least 1)
  const warmS = opts.quick ? 0 : 1;
  /** measured seconds per target and scenario, in `rounds` slices taken in turn with the other targets */
  const rounds = opts.quick ? 1 : 5;
  const sliceS = opts.quick ? 1 : 2;
  const runS = rounds * sliceS;

  const [app, bare] = await Promise.all([startServer('app', 'ingest-app'), startServer('bare', 'ingest-bare')]);
  const runs: CannonRun[] = [];
  try {
    await seed(app.url);
    const single = midRequests();
    const batch = batchRequests();
    const mid: Target[] = [
      { name: 'app', server: app, requests: single },
      { name: 'bare', server: bare, requests: single },
      { name: 'bare-sized', server: bare, requests: midRequests('-sized') },
    ];
    const batches: Target[] = [
      { name: 'app', server: app, requests: batch },
      { name: 'bare', server: bare, requests: batch },
    ];
    const summaryBatch = batchRequests('?reply=summary');
    const summaries: Target[] = [
      { name: 'app', server: app, requests: summaryBatch },
      { name: 'bare', server: bare, requests: summaryBatch },
    ];
    const scenarios = [
      { name: 'mid', targets: mid, pipelining: 1, perRequest: 1 },
      { name: 'mid', targets: mid, pipelining: 10, perRequest: 1 },
      { name: 'batch', targets: batches, pipelining: 1, perRequest: BATCH },
      { name: 'batch-summary', targets: summaries, pipelining: 1, perRequest: BATCH },
    ];
    // BENCH_INGEST_ONLY=mid, =batch or =batch-summary (or several, comma-separated) runs only those (to profile them)
    const only = process.env.BENCH_INGEST_ONLY?.split(',');
    for (const s of scenarios.filter((x) => only === undefined || only.includes(x.name))) {
      // all warmed with the same load, then measured in slices taken in turn (app, bare, …; next round rotated),
      // so that a noisy neighbour or a change of clock speed hits them alike
      if (warmS > 0) for (const t of s.targets) await cannon(t.server, t.requests, s.pipelining, warmS, null);
      const totals = new Map(s.targets.map((t) => [t, emptyTotals()]));
      for (let r = 0; r < rounds; r++) {
        const order = s.targets.map((_, i) => s.targets[(i + r) % s.targets.length]!);
        for (const t of order) {
          await sleep(100);
          await cannon(t.server, t.requests, s.pipelining, sliceS, totals.get(t)!);
        }
      }
      for (const [t, tot] of totals) runs.push(summarise(t.name, s.name, s.pipelining, s.perRequest, tot));
    }
  } finally {
    await Promise.all([app.stop(), bare.stop()]);
  }

  const B = 'http-ingest';
  const rows: Row[] = [];
  const find = (server: string, scenario: string, pipelining: number) =>
    runs.find((r) => r.server === server && r.scenario === scenario && r.pipelining === pipelining)!;
  const base = (value: number) => ({ name: 'bare Fastify', value });
  const ran = (scenario: string) => runs.some((r) => r.scenario === scenario);
  for (const p of ran('mid') ? [1, 10] : []) {
    const a = find('app', 'mid', p);
    const b = find('bare', 'mid', p);
    const sized = find('bare-sized', 'mid', p);
    const label = `POST …/mid, pipelining ${p}`;
    // the targets are on pipelining 1 (one request in flight per connection, as a feed posts); pipelining 10 is shown beside
    const targeted = p === 1;
    const rate = a.medianRequestsPerSecond / b.medianRequestsPerSecond;
    const cpu = a.medianCpuUsPerRequest / b.medianCpuUsPerRequest;
    rows.push(row(B, `${label}: requests/s (median of slices)`, a.medianRequestsPerSecond, 'req/s', {
      baseline: base(b.medianRequestsPerSecond), ...(targeted ? { target: `≥ ${TARGET_RATIO}× bare`, pass: rate >= TARGET_RATIO } : {}),
    }));
    rows.push(row(B, `${label}: server CPU per request (median of slices)`, a.medianCpuUsPerRequest, 'µs', {
      baseline: base(b.medianCpuUsPerRequest), ...(targeted ? { target: `≤ ${TARGET_CPU_RATIO}× bare`, pass: cpu <= TARGET_CPU_RATIO } : {}),
    }));
    rows.push(row(B, `${label}: latency p50`, a.latencyMs.p50, 'ms', { baseline: base(b.latencyMs.p50) }));
    rows.push(row(B, `${label}: latency p99`, a.latencyMs.p99, 'ms', { baseline: base(b.latencyMs.p99) }));
    rows.push(row(B, `${label}: requests/s vs bare, reply of app's size`, a.medianRequestsPerSecond, 'req/s', { baseline: { name: 'bare sized', value: sized.medianRequestsPerSecond } }));
  }
  if (ran('batch-summary')) {
    const ab = find('app', 'batch-summary', 1);
    const bb = find('bare', 'batch-summary', 1);
    const label = `POST …/updates?reply=summary, ${BATCH} per request`;
    const bareCompact = (value: number) => ({ name: 'bare, compact reply', value });
    const rate = ab.medianUpdatesPerSecond / bb.medianUpdatesPerSecond;
    const cpu = ab.medianCpuUsPerRequest / bb.medianCpuUsPerRequest;
    rows.push(row(B, `${label}: updates/s (median of slices)`, ab.medianUpdatesPerSecond, 'upd/s', {
      baseline: bareCompact(bb.medianUpdatesPerSecond), target: `≥ ${TARGET_BATCH_RATIO}× bare`, pass: rate >= TARGET_BATCH_RATIO,
    }));
    rows.push(row(B, `${label}: server CPU per update (median of slices)`, ab.medianCpuUsPerRequest / BATCH, 'µs', {
      baseline: bareCompact(bb.medianCpuUsPerRequest / BATCH), target: `≤ ${TARGET_BATCH_CPU_RATIO}× bare`, pass: cpu <= TARGET_BATCH_CPU_RATIO,
    }));
    rows.push(row(B, `${label}: latency p99`, ab.latencyMs.p99, 'ms', { baseline: bareCompact(bb.latencyMs.p99) }));
  }
  if (ran('batch')) {
    const ab = find('app', 'batch', 1);
    const bb = find('bare', 'batch', 1);
    const label = `POST …/updates (full reply), ${BATCH} per request`;
    rows.push(row(B, `${label}: updates/s (median of slices)`, ab.medianUpdatesPerSecond, 'upd/s', { baseline: base(bb.medianUpdatesPerSecond) }));
    rows.push(row(B, `${label}: server CPU per update (median of slices)`, ab.medianCpuUsPerRequest / BATCH, 'µs', { baseline: base(bb.medianCpuUsPerRequest / BATCH) }));
    rows.push(row(B, `${label}: latency p99`, ab.latencyMs.p99, 'ms', { baseline: base(bb.latencyMs.p99) }));
  }

  const failures = runs.filter((r) => r.non2xx > 0 || r.errors > 0);
  const notes = [
    `autocannon ${CONNECTIONS} connections, ${SYMBOLS.toLocaleString('en-US')} symbols in turn; per scenario each target is ${warmS > 0 ? `warmed ${warmS} s, then ` : ''}measured ${runS} s in ${rounds} slice${rounds > 1 ? 's' : ''} of ${sliceS} s taken in turn with the others; servers in child processes, autocannon in this one. "bare sized": the bare server answering a pre-serialised reply of the real one's size (${SIZED_NOTE}).`,
    `Server CPU (1.0 = one core) / event-loop utilisation: ${runs.map((r) => `${r.server} ${r.scenario} p${r.pipelining} ${r.serverCpu.toFixed(2)}/${r.serverElu.toFixed(2)}`).join(', ')}.`,
    `Requests/s per slice: ${runs.map((r) => `${r.server} ${r.scenario} p${r.pipelining} [${r.rounds.map((x) => Math.round(x)).join(', ')}]`).join('; ')}.`,
    `Server CPU µs per request per slice: ${runs.map((r) => `${r.server} ${r.scenario} p${r.pipelining} [${r.cpuRounds.map((x) => x.toFixed(1)).join(', ')}]`).join('; ')}.`,
    `The bare batch route answers {} to the full-reply batch and {index, ok, outcome, seq} per item (built per request) to ?reply=summary; the service's full reply carries every quote (about 40 KB per 100 updates).`,
    failures.length === 0
      ? `Every response was 2xx (${runs.reduce((n, r) => n + r.requests, 0).toLocaleString('en-US')} requests), no errors or timeouts.`
      : `NON-2xx OR ERRORS: ${failures.map((r) => `${r.server} ${r.scenario} p${r.pipelining}: ${r.non2xx} non-2xx, ${r.errors} errors`).join('; ')}`,
  ];
  if (failures.length > 0) throw new Error(notes[notes.length - 1]);
  return {
    name: 'http-ingest',
    title: `2. HTTP ingest: real service vs bare Fastify, autocannon, ${CONNECTIONS} connections`,
    quick: opts.quick,
    seconds: (performance.now() - started) / 1_000,
    rows,
    notes,
    data: { connections: CONNECTIONS, symbols: SYMBOLS, batch: BATCH, warmSeconds: warmS, runSeconds: runS, rounds, runs, targets: { requests: TARGET_RATIO, cpu: TARGET_CPU_RATIO, batch: TARGET_BATCH_RATIO, batchCpu: TARGET_BATCH_CPU_RATIO } },
  };
}

mainIf(import.meta.url, 'http-ingest', run);
