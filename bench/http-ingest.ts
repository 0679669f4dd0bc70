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
 *     batch endpoint, 10 connections, pipelining 1.
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
import { AUTH_HEADER } from './support/token.js';
import { startServer, type ServerChild } from './support/servers.js';

const SYMBOLS = 1_000;
const BATCH = 100;
const CONNECTIONS = 10;
const TARGET_RATIO = 0.85;
const AGENT = 'default';
const HEADERS = { 'content-type': 'application/json', authorization: AUTH_HEADER };
const SIZED_NOTE = 'the same body parse, no zod, no agent, no metrics, no request id';

const symbol = (i: number) => `S${String(i).padStart(4, '0')}`;
const midOf = (i: number, step: number) => Math.round((50 + (i % 400) + (step % 7) * 0.01) * 100) / 100;

/** One request per symbol, each with its own mid. */
function midRequests(suffix = ''): autocannon.Request[] {
  return Array.from({ length: SYMBOLS }, (_, i) => ({
    method: 'POST',
    path: `/v1/agents/${AGENT}/symbols/${symbol(i)}/mid${suffix}`,
    headers: HEADERS,
    body: JSON.stringify({ mid: midOf(i, 1) }),
  }));
}

/** Batches of 100 mid updates walking over the 1,000 symbols. */
function batchRequests(): autocannon.Request[] {
  return Array.from({ length: SYMBOLS / BATCH }, (_, b) => ({
    method: 'POST',
    path: `/v1/agents/${AGENT}/updates`,
    headers: HEADERS,
    body: JSON.stringify({
      updates: Array.from({ length: BATCH }, (_, j) => {
        const i = b * BATCH + j;
        return { type: 'mid', symbol: symbol(i), mid: midOf(i, 2) };
      }),
    }),
  }));
}

/** Gives every symbol a sigma and a mid, so that every timed update quotes. */
async function seed(server: ServerChild): Promise<void> {
  const updates = Array.from({ length: SYMBOLS }, (_, i) => [
    { type: 'volatility', symbol: symbol(i), sigma: midOf(i, 0) * 0.02 },
    { type: 'mid', symbol: symbol(i), mid: midOf(i, 0) },
  ]).flat();
  for (let i = 0; i < updates.length; i += 1_000) {
    const res = await fetch(`${server.url}/v1/agents/${AGENT}/updates`, {
      method: 'POST', headers: HEADERS, body: JSON.stringify({ updates: updates.slice(i, i + 1_000) }),
    });
    const body = (await res.json()) as { results?: { ok: boolean; outcome?: string }[] };
    if (res.status !== 200 || !body.results?.every((r) => r.ok)) throw new Error(`seeding failed: ${res.status}`);
  }
}

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
  hist: ReturnType<typeof nsHistogram>;
}

const emptyTotals = (): Totals => ({
  ok: 0, requests: 0, seconds: 0, non2xx: 0, errors: 0, timeouts: 0, cpuUs: 0, wallMs: 0, eluActive: 0, eluIdle: 0, rounds: [], hist: nsHistogram(),
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
    await seed(app);
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
    const scenarios = [
      { name: 'mid', targets: mid, pipelining: 1, perRequest: 1 },
      { name: 'mid', targets: mid, pipelining: 10, perRequest: 1 },
      { name: 'batch', targets: batches, pipelining: 1, perRequest: BATCH },
    ];
    // BENCH_INGEST_ONLY=mid or =batch runs one kind only (to profile it); the table then lacks the other rows
    const only = process.env.BENCH_INGEST_ONLY;
    for (const s of scenarios.filter((x) => only === undefined || x.name === only)) {
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
    const ratio = a.requestsPerSecond / b.requestsPerSecond;
    const label = `POST …/mid, pipelining ${p}`;
    rows.push(row(B, `${label}: requests/s`, a.requestsPerSecond, 'req/s', { baseline: base(b.requestsPerSecond), target: `≥ ${TARGET_RATIO}× bare`, pass: ratio >= TARGET_RATIO }));
    rows.push(row(B, `${label}: latency p50`, a.latencyMs.p50, 'ms', { baseline: base(b.latencyMs.p50) }));
    rows.push(row(B, `${label}: latency p99`, a.latencyMs.p99, 'ms', { baseline: base(b.latencyMs.p99) }));
    rows.push(row(B, `${label}: server CPU per request`, a.serverCpuUsPerRequest, 'µs', { baseline: base(b.serverCpuUsPerRequest) }));
    rows.push(row(B, `${label}: requests/s vs bare, reply of app's size`, a.requestsPerSecond, 'req/s', { baseline: { name: 'bare sized', value: sized.requestsPerSecond } }));
  }
  if (ran('batch')) {
    const ab = find('app', 'batch', 1);
    const bb = find('bare', 'batch', 1);
    rows.push(row(B, `POST …/updates, ${BATCH} per request: updates/s`, ab.updatesPerSecond, 'upd/s', { baseline: base(bb.updatesPerSecond) }));
    rows.push(row(B, `POST …/updates, ${BATCH} per request: latency p50`, ab.latencyMs.p50, 'ms', { baseline: base(bb.latencyMs.p50) }));
    rows.push(row(B, `POST …/updates, ${BATCH} per request: latency p99`, ab.latencyMs.p99, 'ms', { baseline: base(bb.latencyMs.p99) }));
    rows.push(row(B, `POST …/updates, ${BATCH} per request: server CPU per update`, ab.serverCpuUsPerRequest / BATCH, 'µs', { baseline: base(bb.serverCpuUsPerRequest / BATCH) }));
  }

  const failures = runs.filter((r) => r.non2xx > 0 || r.errors > 0);
  const notes = [
    `autocannon ${CONNECTIONS} connections, ${SYMBOLS.toLocaleString('en-US')} symbols in turn; per scenario each target is ${warmS > 0 ? `warmed ${warmS} s, then ` : ''}measured ${runS} s in ${rounds} slice${rounds > 1 ? 's' : ''} of ${sliceS} s taken in turn with the others; servers in child processes, autocannon in this one. "bare sized": the bare server answering a pre-serialised reply of the real one's size (${SIZED_NOTE}).`,
    `Server CPU (1.0 = one core) / event-loop utilisation: ${runs.map((r) => `${r.server} ${r.scenario} p${r.pipelining} ${r.serverCpu.toFixed(2)}/${r.serverElu.toFixed(2)}`).join(', ')}.`,
    `Requests/s per slice: ${runs.map((r) => `${r.server} ${r.scenario} p${r.pipelining} [${r.rounds.map((x) => Math.round(x)).join(', ')}]`).join('; ')}.`,
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
    data: { connections: CONNECTIONS, symbols: SYMBOLS, batch: BATCH, warmSeconds: warmS, runSeconds: runS, rounds, runs, targetRatio: TARGET_RATIO },
  };
}

mainIf(import.meta.url, 'http-ingest', run);
