/**
 * `npm run bench:cluster`: the cost of cluster mode, measured against the
 * single process in the same run (needs `nats-server` on the PATH).
 *
 * 1. The NATS hop: one subscriber on the quoting instance A and one on a
 *    gateway G; mids POSTed to A; latency from the POST's write to each
 *    subscriber's message event. Via G the quote goes A → NATS → G → client.
 * 2. Fan-out: 1,000 subscribers on A alone (the single-process case), on one
 *    gateway, then 500 + 500 on two gateways; CPU time per delivered message
 *    of each process serving them (from /proc, 10 ms ticks).
 *
 * Everything (nats-server, A, G1, G2, the POSTer and every subscriber) runs
 * on this machine, so the figures are upper bounds for separate machines:
 * the subscribers' reads compete with the gateways for the same cores.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { spawnServer, type ServerProcess } from '../test/support/process.js';
import { startNats, type NatsServer } from '../test/cluster/support/nats-server.js';
import { closeSubscribers, connectSubscribers, Poster, Recorder } from './fanout.js';
import { percentiles } from './support/hdr.js';
import { mainIf, row, sleep, type BenchOptions, type BenchResult, type Row } from './support/report.js';
import { AUTH_HEADER, BENCH_TOKEN } from './support/token.js';

const AGENT = 'default';
const SYMBOL = 'FAN';

/** user + system CPU of a process, µs (Linux /proc, clock ticks of 10 ms) */
function cpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

interface Target {
  name: string;
  proc: ServerProcess;
  subscribers: number;
}

interface Run {
  label: string;
  rate: number;
  updates: number;
  perTarget: { name: string; subscribers: number; received: number; p50Ms: number; p99Ms: number; cpuUsPerMessage: number }[];
}

let lastTime = 0;

/** Posts `n` fills one at a time (each waits for its acknowledgement); the round trips' p50 and p99, ms. */
async function fillRoundTrips(url: string, n: number, prefix: string): Promise<{ p50Ms: number; p99Ms: number }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await fetch(`${url}/v1/agents/${AGENT}/symbols/FILLS/fills`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: AUTH_HEADER },
      body: JSON.stringify({ id: `${prefix}-${i}`, side: i % 2 === 0 ? 'buy' : 'sell', price: 100, quantity: 1 }),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`fill ${i}: ${res.status}`);
    times.push(performance.now() - t);
  }
  times.sort((x, y) => x - y);
  return { p50Ms: times[Math.floor(n * 0.5)]!, p99Ms: times[Math.floor(n * 0.99)]! };
}

/** Sends `seconds` of mids at `rate` to A with subscribers on `targets`; the first `warmS` seconds are not recorded. */
async function measure(label: string, a: ServerProcess, targets: Target[], rate: number, warmS: number, seconds: number): Promise<Run> {
  const warm = Math.round(rate * warmS);
  const total = warm + Math.round(rate * seconds);
  const recs = targets.map(() => new Recorder());
  const subs = await Promise.all(targets.map((t, i) => connectSubscribers({ wsUrl: `${t.proc.url.replace('http', 'ws')}/v1/stream` }, t.subscribers, recs[i]!)));
  await sleep(300);
  const poster = await Poster.open(a.port);
  const t0 = Math.max(Date.now(), lastTime + 1);
  lastTime = t0 + total;
  const requests = Array.from({ length: total }, (_, i) => Poster.request(a.port, Math.round((100 + 0.01 * ((i * 7) % 50)) * 100) / 100, t0 + i));
  recs[0]!.reset(t0, total, warm);
  for (const r of recs.slice(1)) {
    r.reset(t0, total, warm);
    r.sentAt = recs[0]!.sentAt;
  }
  let cpuBefore: number[] = [];
  const start = performance.now();
  let next = 0;
  await new Promise<void>((done) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1_000) + 1);
      while (next < due) {
        if (next === warm) cpuBefore = targets.map((t) => cpuUs(t.proc.child.pid!));
        recs[0]!.sentAt[next] = performance.now();
        poster.write(requests[next]!);
        next++;
      }
      if (next >= total) done();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const deadline = performance.now() + 5_000;
  while (recs.some((r, i) => r.received < (total - warm) * targets[i]!.subscribers) && performance.now() < deadline) await sleep(20);
  const cpuAfter = targets.map((t) => cpuUs(t.proc.child.pid!));
  poster.close();
  for (const s of subs) await closeSubscribers(s);
  return {
    label, rate, updates: total - warm,
    perTarget: targets.map((t, i) => {
      const p = percentiles(recs[i]!.hist);
      return {
        name: t.name, subscribers: t.subscribers, received: recs[i]!.received,
        p50Ms: p.p50 / 1e6, p99Ms: p.p99 / 1e6,
        cpuUsPerMessage: (cpuAfter[i]! - cpuBefore[i]!) / Math.max(1, recs[i]!.received),
      };
    }),
  };
}

export async function run(opts: BenchOptions): Promise<BenchResult> {
  const started = performance.now();
  const warmS = opts.quick ? 0.3 : 1;
  const runS = opts.quick ? 1 : 6;
  const env = { API_TOKENS: BENCH_TOKEN, LOG_LEVEL: 'info', MAX_WS_CLIENTS: '2000', MAX_CONNECTIONS: '3000' };
  let nats: NatsServer | null = null;
  const procs: ServerProcess[] = [];
  const runs: Run[] = [];
  const fills: Record<string, { p50Ms: number; p99Ms: number }> = {};
  const dataDir = mkdtempSync(join(tmpdir(), 'mm-bench-cluster-'));
  try {
    nats = await startNats();
    const cluster = { ...env, NATS_URL: nats.url };
    const a = await spawnServer({ ...cluster, INSTANCE_ID: 'a' }, 30_000);
    procs.push(a);
    // one after the other: a start that fails kills its own process, and every started one is in `procs` for the finally
    const g1 = await spawnServer({ ...cluster, INSTANCE_ID: 'g1' }, 30_000, ['--import', 'tsx', 'src/gateway.ts']);
    procs.push(g1);
    const g2 = await spawnServer({ ...cluster, INSTANCE_ID: 'g2' }, 30_000, ['--import', 'tsx', 'src/gateway.ts']);
    procs.push(g2);
    const deadline = Date.now() + 15_000;
    while ((await fetch(`${a.url}/v1/agents/${AGENT}`, { headers: { authorization: AUTH_HEADER } })).status !== 200) {
      if (Date.now() > deadline) throw new Error('instance a did not take its agent');
      await sleep(100);
    }
    for (const [path, body] of [['volatility', { sigma: 2, time: 1 }], ['mid', { mid: 100, time: 1 }]] as const) {
      await fetch(`${a.url}/v1/agents/${AGENT}/symbols/${SYMBOL}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: AUTH_HEADER }, body: JSON.stringify(body) });
    }
    const hopRate = opts.quick ? 200 : 500;
    // the gateways start following the agent with their first subscriber: warm both before measuring
    runs.push(await measure('warm-up', a, [{ name: 'G1', proc: g1, subscribers: 1 }, { name: 'G2', proc: g2, subscribers: 1 }], 50, 0, 0.5));
    runs.push(await measure('hop', a, [{ name: 'A direct', proc: a, subscribers: 1 }, { name: 'via G1', proc: g1, subscribers: 1 }], hopRate, warmS, runS));
    const fanRate = 20;
    const n = opts.quick ? 200 : 1_000;
    runs.push(await measure('1 process', a, [{ name: 'A', proc: a, subscribers: n }], fanRate, warmS, runS));
    runs.push(await measure('1 gateway', a, [{ name: 'G1', proc: g1, subscribers: n }], fanRate, warmS, runS));
    // the ledger append as the OMS sees it: JetStream's acknowledgement (1 replica, same machine) vs SQLite (default flush policy)
    const single = await spawnServer({ ...env, LEDGER_PATH: join(dataDir, 'ledger.db') }, 30_000);
    procs.push(single);
    const nFills = opts.quick ? 100 : 1_000;
    fills.sqlite = await fillRoundTrips(single.url, nFills, 's');
    fills.jetstream = await fillRoundTrips(a.url, nFills, 'j');
    runs.push(await measure('2 gateways', a, [{ name: 'G1', proc: g1, subscribers: n / 2 }, { name: 'G2', proc: g2, subscribers: n / 2 }], fanRate, warmS, runS));
  } finally {
    for (const p of procs) p.child.kill('SIGKILL');
    await nats?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const B = 'cluster';
  const rows: Row[] = [];
  const hop = runs.find((r) => r.label === 'hop')!;
  const [direct, via] = hop.perTarget;
  rows.push(row(B, `hop @ ${hop.rate}/s: p50 via NATS + gateway`, via!.p50Ms, 'ms', { baseline: { name: 'direct', value: direct!.p50Ms } }));
  rows.push(row(B, `hop @ ${hop.rate}/s: p99 via NATS + gateway`, via!.p99Ms, 'ms', { baseline: { name: 'direct', value: direct!.p99Ms } }));
  const one = runs.find((r) => r.label === '1 process')!.perTarget[0]!;
  for (const label of ['1 gateway', '2 gateways']) {
    const r = runs.find((x) => x.label === label)!;
    const p99 = Math.max(...r.perTarget.map((t) => t.p99Ms));
    rows.push(row(B, `${one.subscribers} subs @ 20/s on ${label}: p99`, p99, 'ms', { baseline: { name: '1 process', value: one.p99Ms } }));
    for (const t of r.perTarget) rows.push(row(B, `${label}: ${t.name} CPU per delivered message`, t.cpuUsPerMessage, 'µs', { baseline: { name: '1 process', value: one.cpuUsPerMessage } }));
  }
  rows.push(row(B, 'fill POSTed and acknowledged, one at a time: p50', fills.jetstream.p50Ms, 'ms', { baseline: { name: 'single process, SQLite', value: fills.sqlite.p50Ms } }));
  rows.push(row(B, 'fill POSTed and acknowledged, one at a time: p99', fills.jetstream.p99Ms, 'ms', { baseline: { name: 'single process, SQLite', value: fills.sqlite.p99Ms } }));
  const incomplete = runs.flatMap((r) => r.perTarget.filter((t) => t.received < r.updates * t.subscribers).map((t) => `${r.label} ${t.name}: ${t.received}/${r.updates * t.subscribers}`));
  return {
    name: 'cluster',
    title: 'Cluster mode: the NATS hop and fan-out over gateways, vs the single process',
    quick: opts.quick,
    seconds: (performance.now() - started) / 1_000,
    rows,
    notes: [
      `nats-server, instance A, gateways G1 and G2, the POSTer and every subscriber share this machine (upper bounds for separate machines). ${warmS} s warm-up, ${runS} s measured per scenario.`,
      ...(incomplete.length > 0 ? [`INCOMPLETE deliveries: ${incomplete.join('; ')}`] : []),
    ],
    data: { runs, fills },
  };
}

mainIf(import.meta.url, 'cluster', run);
