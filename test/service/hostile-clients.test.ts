/**
 * Slow and hostile clients, from outside, against a real server on loopback: one test per row
 * of issue 14's attack table, each bounded in time. Each prints the figure it measured
 * (`hostile: …` lines), the figures the issue's resolution note reports.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServiceConfig, parseServiceConfig } from '../../src/service/config.js';
import { MEMORY_BUDGET_BYTES, memoryBudget, UNIT_COSTS } from '../../src/service/memory-budget.js';
import { eventually, probe, quantile, RawConnection, rawRequest, retainedAfterGc, rssBytes, sample, sleep } from '../support/attack.js';
import { ENTRY, spawnServer, type ServerProcess } from '../support/process.js';
import { post, request, startServer, StreamClient, type Running } from '../support/server.js';

const MiB = 1_048_576;
const report = (line: string) => console.info(`hostile: ${line}`);
const metricsOf = async (url: string, headers: Record<string, string> = {}) => (await fetch(`${url}/metrics`, { headers })).text();

/** A WebSocket that never reads what the server sends (its socket is paused), but can still send. */
async function deafClient(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.on('error', () => {});
  ws.pause();
  return ws;
}

/** Up to `n` messages from `ws`, in chunks, for at most `ms`, while its socket stays open; the number sent. */
async function flood(ws: WebSocket, message: string, n: number, ms = 8_000): Promise<number> {
  const deadline = Date.now() + ms;
  let sent = 0;
  while (sent < n && ws.readyState === WebSocket.OPEN && Date.now() < deadline) {
    for (let i = 0; i < 1_000 && sent < n; i++, sent++) ws.send(message);
    // the server reads what is sent; this process gives its own probes a turn
    do await sleep(1); while (ws.bufferedAmount > 256 * 1_024 && ws.readyState === WebSocket.OPEN && Date.now() < deadline);
  }
  return sent;
}

describe('row 1: a WebSocket client that never reads', () => {
  let srv: ServerProcess;
  beforeAll(async () => {
    // the inspector lets the test read what the server retains after a full collection
    srv = await spawnServer({}, 15_000, ['--inspect=127.0.0.1:0', ...ENTRY]);
  });
  afterAll(() => {
    srv.child.kill('SIGKILL');
  });

  it('flooding 1-byte invalid messages gets it closed (1008) at the invalid-message rate, with memory and latency unharmed', async () => {
    const pid = srv.child.pid!;
    const before = await retainedAfterGc(srv.output());
    const rss0 = rssBytes(pid);
    const ws = await deafClient(`ws://127.0.0.1:${srv.port}/v1/stream`);
    // /healthz probes for 3 s from the start of the attack, whenever the server cuts it off
    const until = Date.now() + 3_000;
    const probes = probe(`${srv.url}/healthz`, () => Date.now() > until);
    // 1,000,000 one-byte frames (7 bytes each on the wire, 6.7 MiB), unless the server cuts it off first
    const sent = await flood(ws, 'x', 1_000_000);
    const kicked = await eventually(async () => sample(await metricsOf(srv.url), 'mm_ws_clients_closed_total{reason="invalid"}') >= 1, 5_000);
    const latencies = await probes;
    const grown = rssBytes(pid) - rss0;
    const metrics = await metricsOf(srv.url);
    const after = await retainedAfterGc(srv.output());
    const retained = after.heapUsed + after.external - before.heapUsed - before.external;
    ws.terminate();
    report(`row 1 invalid flood: closed=${kicked} after ${sent} frames sent, RSS +${(grown / MiB).toFixed(1)} MiB, retained after a full GC +${(retained / MiB).toFixed(2)} MiB, probes median ${quantile(latencies, 0.5).toFixed(1)} ms, p95 ${quantile(latencies, 0.95).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms over ${latencies.length}`);
    expect(kicked).toBe(true);
    expect(sample(metrics, 'mm_ws_clients')).toBe(0);
    expect(retained).toBeLessThan(8 * MiB);
    expect(grown).toBeLessThan(48 * MiB);
    // before: the probes waited seconds behind the error replies; the bounds leave room for a loaded machine
    expect(quantile(latencies, 0.5)).toBeLessThan(100);
    expect(quantile(latencies, 0.95)).toBeLessThan(500);
  }, 30_000);

  it('valid messages whose replies it never reads fill its queue bound: closed (1013) and counted, memory bounded', async () => {
    const pid = srv.child.pid!;
    const before = await retainedAfterGc(srv.output());
    const rss0 = rssBytes(pid);
    const ws = await deafClient(`ws://127.0.0.1:${srv.port}/v1/stream`);
    // each is answered with an acknowledgement echoing its 400 symbols (6 KiB) that the client never reads:
    // up to 48 MiB of replies, far past what the kernel's socket buffers take (a few MiB on loopback)
    const symbols = Array.from({ length: 400 }, (_, i) => `SYMBOL-${String(i).padStart(5, '0')}`);
    const message = JSON.stringify({ op: 'unsubscribe', agent: 'default', symbols });
    const sent = await flood(ws, message, 8_000, 20_000);
    const kicked = await eventually(async () => sample(await metricsOf(srv.url), 'mm_ws_clients_closed_total{reason="slow"}') >= 1, 10_000);
    const grown = rssBytes(pid) - rss0;
    // measured while the attacker's socket is still open: what the server still holds for it
    const after = await retainedAfterGc(srv.output());
    const retained = after.heapUsed + after.external - before.heapUsed - before.external;
    ws.terminate();
    report(`row 1 unread replies: closed=${kicked} after ${sent} messages, RSS +${(grown / MiB).toFixed(1)} MiB, retained after a full GC +${(retained / MiB).toFixed(2)} MiB (queue bound 1 MiB)`);
    expect(kicked).toBe(true);
    expect(sample(await metricsOf(srv.url), 'mm_ws_clients')).toBe(0);
    // with no queue bound (wsMaxQueueBytes 1 GiB) the same attack measured: retained +44.7 MiB, RSS +147–180 MiB.
    // Bounded: retained +0.9–1.3 MiB; RSS +7–52 MiB, most of it garbage from parsing 48 MiB of messages not yet
    // collected (a single RSS bound of 48 MiB failed one CI run at +52.5), so RSS gets a coarse bound only
    expect(retained).toBeLessThan(8 * MiB);
    expect(grown).toBeLessThan(96 * MiB);
  }, 60_000);
});

describe('row 2: 40 × subscribe "*" on an agent with 10,000 symbols', () => {
  it('sends each snapshot once, in slices: no turn of the event loop blocked for long', async () => {
    const srv = await spawnServer({});
    try {
      const SYMBOLS = 10_000;
      for (let from = 0; from < SYMBOLS; from += 500) {
        const updates = [];
        for (let i = from; i < from + 500; i++) updates.push({ type: 'volatility', symbol: `S${i}`, sigma: 2 }, { type: 'mid', symbol: `S${i}`, mid: 100 });
        expect((await post(`${srv.url}/v1/agents/default/updates`, { updates })).status).toBe(200);
      }
      // a light client: this process also probes the server, so it must not be the one that stalls
      const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/v1/stream`);
      await new Promise((resolve) => ws.once('open', resolve));
      const symbols = new Map<string, number>();
      let acks = 0;
      let messages = 0;
      ws.on('message', (data) => {
        messages++;
        const m = JSON.parse(data.toString()) as { type: string; snapshot?: boolean; symbol?: string };
        if (m.type === 'subscribed') acks++;
        if (m.snapshot === true) symbols.set(m.symbol!, (symbols.get(m.symbol!) ?? 0) + 1);
      });
      let done = false;
      const probes = probe(`${srv.url}/healthz`, () => done);
      await sleep(200);
      const started = Date.now();
      for (let i = 0; i < 40; i++) ws.send(JSON.stringify({ op: 'subscribe', agent: 'default', symbols: '*' }));
      const all = await eventually(() => symbols.size === SYMBOLS && acks === 40, 30_000);
      const elapsed = Date.now() - started;
      await sleep(500); // anything resent would arrive by now
      done = true;
      const latencies = await probes;
      ws.close();
      const resent = [...symbols.values()].filter((n) => n > 1).length;
      report(`row 2: ${messages} messages (${symbols.size} symbols snapshotted, ${resent} more than once) in ${elapsed} ms; /healthz probes during it: max ${Math.max(...latencies).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms over ${latencies.length} (slowest ${[...latencies].sort((a, b) => b - a).slice(0, 4).map((x) => x.toFixed(0)).join(', ')})`);
      expect(all).toBe(true);
      expect(resent).toBe(0);
      expect(messages).toBe(SYMBOLS + 40);
      // a single turn of 10,000 snapshots took over 100 ms here; 40 of them, seconds. Slices are 2 ms of work;
      // the bound leaves room for a loaded machine's scheduling (the time of one slice is checked in quote-hub.test.ts)
      expect(Math.max(...latencies)).toBeLessThan(500);
    } finally {
      srv.child.kill('SIGKILL');
    }
  }, 90_000);

  it('a repeated subscribe sends nothing again; newly added symbols are sent', async () => {
    const s = await startServer({ agents: { default: { volatility: { default: 1 } } } });
    try {
      for (const sym of ['A', 'B', 'C']) await post(`${s.url}/v1/agents/default/symbols/${sym}/mid`, { mid: 100 });
      const c = await StreamClient.connect(s.wsUrl);
      c.send({ op: 'subscribe', agent: 'default', symbols: ['A'] });
      c.send({ op: 'subscribe', agent: 'default', symbols: ['A', 'B'] });
      c.send({ op: 'subscribe', agent: 'default', symbols: '*' });
      c.send({ op: 'subscribe', agent: 'default', symbols: '*' });
      c.send({ op: 'subscribe', agent: 'default', symbols: ['C'] });
      await c.until((m) => m.filter((x) => x.type === 'subscribed').length === 5);
      await sleep(200);
      // A once (first), B once (second), C once (the first "*"); nothing for the rest
      expect(c.messages.filter((x) => x.snapshot === true).map((x) => x.symbol)).toEqual(['A', 'B', 'C']);
      c.close();
    } finally {
      await s.close();
    }
  });
});

describe('row 3: slow requests and too many connections', () => {
  let s: Running;
  let port: number;
  beforeAll(async () => {
    s = await startServer({ http: { requestTimeoutMs: 1_500, headersTimeoutMs: 1_000, keepAliveTimeoutMs: 500, maxConnections: 40 } });
    port = Number(new URL(s.url).port);
  });
  afterAll(() => s.close());

  it('a body trickling at 1 KiB/s is cut off at requestTimeoutMs with 408', async () => {
    const c = await RawConnection.open(port);
    const body = JSON.stringify({ mid: 100, pad: 'x'.repeat(20_000) });
    c.write(`POST /v1/agents/default/symbols/X/mid HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    void c.trickle(body, 100, 100);
    const ms = await c.closedWithin(5_000);
    c.destroy();
    report(`row 3 trickled body: cut off after ${ms} ms (requestTimeoutMs 1,500; Node checks every 1 s)`);
    expect(ms).not.toBeNull();
    expect(ms!).toBeLessThan(4_000);
    expect(c.data).toMatch(/^HTTP\/1\.1 408/);
  });

  it('headers trickling (slowloris) are cut off at headersTimeoutMs', async () => {
    const c = await RawConnection.open(port);
    c.write('GET /v1/agents HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    void c.trickle('X-Slow: 1\r\n'.repeat(100), 11, 200);
    const ms = await c.closedWithin(5_000);
    c.destroy();
    report(`row 3 slow headers: cut off after ${ms} ms (headersTimeoutMs 1,000)`);
    expect(ms).not.toBeNull();
    expect(ms!).toBeLessThan(3_500);
  });

  it('an idle keep-alive connection is closed after keepAliveTimeoutMs', async () => {
    const c = await RawConnection.open(port);
    c.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const ms = await c.closedWithin(3_000);
    c.destroy();
    expect(c.data).toMatch(/^HTTP\/1\.1 200/);
    expect(ms).not.toBeNull();
    expect(ms!).toBeLessThan(2_000);
  });

  it('connections past maxConnections are closed at once; the server still answers', async () => {
    const conns = await Promise.all(Array.from({ length: 60 }, () => RawConnection.open(port)));
    await sleep(500);
    const closed = conns.filter((c) => c.closedAt !== null).length;
    for (const c of conns) c.destroy();
    await sleep(100);
    report(`row 3 connection cap: ${closed} of 60 idle connections closed at once (maxConnections 40)`);
    expect(closed).toBeGreaterThanOrEqual(20);
    expect((await request('GET', `${s.url}/healthz`)).status).toBe(200);
  });

  it('the defaults are set on the server, and each is configurable by environment', async () => {
    const d = await startServer({});
    try {
      const srv = d.app.server;
      expect([srv.requestTimeout, srv.headersTimeout, srv.keepAliveTimeout, srv.timeout, srv.maxConnections]).toEqual([10_000, 5_000, 5_000, 30_000, 1_200]);
    } finally {
      await d.close();
    }
    const c = loadServiceConfig({
      REQUEST_TIMEOUT_MS: '20000', HEADERS_TIMEOUT_MS: '3000', CONNECTION_TIMEOUT_MS: '60000', KEEP_ALIVE_TIMEOUT_MS: '1000',
      MAX_CONNECTIONS: '500', SHUTDOWN_GRACE_MS: '1000', ALLOWED_HOSTS: 'quoting, Example.COM', MAX_TOTAL_SYMBOLS: '1000',
    });
    expect(c.http).toEqual({
      requestTimeoutMs: 20_000, headersTimeoutMs: 3_000, connectionTimeoutMs: 60_000, keepAliveTimeoutMs: 1_000,
      maxConnections: 500, shutdownGraceMs: 1_000, allowedHosts: ['quoting', 'example.com'],
    });
    expect(c.limits.maxTotalSymbols).toBe(1_000);
    expect(() => loadServiceConfig({ HEADERS_TIMEOUT_MS: '20000' })).toThrow(/http.headersTimeoutMs/);
    expect(() => loadServiceConfig({ MAX_CONNECTIONS: 'many' })).toThrow(/MAX_CONNECTIONS/);
  });
});

describe('row 4: SIGTERM whatever the clients do', () => {
  it('exits 0 within 5 s with a WebSocket that never reads and a socket that never finishes its headers; acknowledged fills survive', async () => {
    const ledger = join(mkdtempSync(join(tmpdir(), 'mm-sigterm-')), 'quoting.db');
    const srv = await spawnServer({ LEDGER_PATH: ledger });
    let restarted: ServerProcess | undefined;
    try {
      const acked: number[] = [];
      for (let i = 0; i < 20; i++) {
        const r = await post(`${srv.url}/v1/agents/default/symbols/F/fills`, { id: `fill-${i}`, side: 'buy', price: 100, quantity: 1 });
        if (r.status === 200) acked.push(i);
      }
      const ws = await deafClient(`ws://127.0.0.1:${srv.port}/v1/stream`);
      ws.send(JSON.stringify({ op: 'subscribe', agent: 'default', symbols: '*' }));
      const slow = await RawConnection.open(srv.port);
      slow.write('GET /v1/agents HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      await sleep(200);
      const t0 = Date.now();
      srv.child.kill('SIGTERM');
      const code = await Promise.race([srv.exited, sleep(8_000).then(() => 'still running')]);
      const ms = Date.now() - t0;
      ws.terminate();
      slow.destroy();
      report(`row 4 SIGTERM: exit ${code} after ${ms} ms (shutdownGraceMs 2,000)`);
      expect(code).toBe(0);
      expect(ms).toBeLessThan(5_000);

      restarted = await spawnServer({ LEDGER_PATH: ledger });
      const inv = await request('GET', `${restarted.url}/v1/agents/default/symbols/F`);
      expect(acked).toHaveLength(20);
      expect(inv.body.position).toBe(acked.length);
    } finally {
      srv.child.kill('SIGKILL');
      restarted?.child.kill('SIGKILL');
    }
  }, 40_000);

  it('a second signal during the grace period exits at once', async () => {
    const srv = await spawnServer({});
    try {
      const ws = await deafClient(`ws://127.0.0.1:${srv.port}/v1/stream`);
      srv.child.kill('SIGTERM');
      await sleep(300);
      const t0 = Date.now();
      srv.child.kill('SIGINT');
      const code = await Promise.race([srv.exited, sleep(5_000).then(() => 'still running')]);
      const ms = Date.now() - t0;
      ws.terminate();
      expect(code).toBe(1);
      expect(ms).toBeLessThan(1_000);
      expect(srv.output()).toContain('second signal');
    } finally {
      srv.child.kill('SIGKILL');
    }
  }, 20_000);
});

describe('row 5: a web page the operator opens (no tokens, loopback)', () => {
  let s: Running;
  let port: number;
  beforeAll(async () => {
    s = await startServer({});
    port = Number(new URL(s.url).port);
  });
  afterAll(() => s.close());
  const paused = async () => (await request('GET', `${s.url}/v1/agents/default`)).body.paused as boolean;

  it('cannot pause with a simple cross-origin request: no content type, text/plain or a form are 415', async () => {
    const host = { host: `127.0.0.1:${port}` };
    const none = await rawRequest(port, 'POST', '/v1/agents/default/pause', host);
    const text = await rawRequest(port, 'POST', '/v1/agents/default/pause', { ...host, 'content-type': 'text/plain' }, '{}');
    const form = await rawRequest(port, 'POST', '/v1/agents/default/pause', { ...host, 'content-type': 'application/x-www-form-urlencoded' }, 'a=1');
    const del = await rawRequest(port, 'DELETE', '/v1/agents/default', host);
    for (const r of [none, text, form, del]) expect([r.status, JSON.parse(r.body).error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect(await paused()).toBe(false);
    expect((await request('GET', `${s.url}/v1/agents/default`)).status).toBe(200);
  });

  it('a JSON content type with an empty body is a bodiless write (pause, resume)', async () => {
    const json = { host: `127.0.0.1:${port}`, 'content-type': 'application/json' };
    expect((await rawRequest(port, 'POST', '/v1/agents/default/pause', json)).status).toBe(200);
    expect(await paused()).toBe(true);
    expect((await rawRequest(port, 'POST', '/v1/agents/default/resume', json, '')).status).toBe(200);
    expect(await paused()).toBe(false);
    // a route that needs a body still says which field is missing
    const mid = await rawRequest(port, 'POST', '/v1/agents/default/symbols/X/mid', json);
    expect([mid.status, JSON.parse(mid.body).error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('a foreign Host (DNS rebinding) or Origin is refused; loopback names are served', async () => {
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1.nip.io:${port}`]) {
      const r = await rawRequest(port, 'GET', '/v1/agents', { host });
      expect([r.status, JSON.parse(r.body).error.code], host).toEqual([403, 'HOST_NOT_ALLOWED']);
      const w = await rawRequest(port, 'POST', '/v1/agents/default/pause', { host, 'content-type': 'application/json' });
      expect(w.status, host).toBe(403);
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST']) {
      expect((await rawRequest(port, 'GET', '/v1/agents', { host })).status, host).toBe(200);
    }
    // probes address the health checks by IP, whatever it is
    expect((await rawRequest(port, 'GET', '/healthz', { host: '10.1.2.3:8080' })).status).toBe(200);
    const cross = await rawRequest(port, 'POST', '/v1/agents/default/pause', { host: `127.0.0.1:${port}`, origin: 'http://evil.example', 'content-type': 'application/json' });
    expect([cross.status, JSON.parse(cross.body).error.code]).toEqual([403, 'ORIGIN_NOT_ALLOWED']);
    expect(await paused()).toBe(false);
    const same = await rawRequest(port, 'GET', '/v1/agents', { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` });
    expect(same.status).toBe(200);
  });

  it('a WebSocket from another origin is refused', async () => {
    await expect(StreamClient.connect(s.wsUrl, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
    const ok = await StreamClient.connect(s.wsUrl, { origin: `http://localhost:${port}` });
    ok.close();
  });

  it('http.allowedHosts names the hosts to serve', async () => {
    const t = await startServer({ http: { allowedHosts: ['quoting.internal'] } });
    try {
      const p = Number(new URL(t.url).port);
      expect((await rawRequest(p, 'GET', '/v1/agents', { host: 'quoting.internal:8080' })).status).toBe(200);
      expect((await rawRequest(p, 'GET', '/v1/agents', { host: `127.0.0.1:${p}` })).status).toBe(403);
    } finally {
      await t.close();
    }
  });
});

describe('row 6: READ_TOKENS set, default settings', () => {
  const READ = 'read-only-token-0123456';
  it('protects /metrics; METRICS_PROTECTED=false opens it', async () => {
    const base = { port: 0, ledger: { path: null } };
    const protectedByDefault = await startServer({ ...loadServiceConfig({ READ_TOKENS: READ }), ...base });
    try {
      expect((await request('GET', `${protectedByDefault.url}/metrics`)).status).toBe(401);
      expect((await request('GET', `${protectedByDefault.url}/metrics`, undefined, { authorization: `Bearer ${READ}` })).status).toBe(200);
      expect((await request('GET', `${protectedByDefault.url}/healthz`)).status).toBe(200);
    } finally {
      await protectedByDefault.close();
    }
    const opened = await startServer({ ...loadServiceConfig({ READ_TOKENS: READ, METRICS_PROTECTED: 'false' }), ...base });
    try {
      expect((await request('GET', `${opened.url}/metrics`)).status).toBe(200);
    } finally {
      await opened.close();
    }
  });
});

describe('row 7: memory', () => {
  it('the default limits add up to no more than the stated budget', () => {
    const b = memoryBudget(parseServiceConfig({}));
    report(`row 7 budget at the defaults: symbols ${(b.symbols / MiB).toFixed(0)} MiB, fill ids ${(b.fillIds / MiB).toFixed(0)} MiB, WebSockets ${(b.webSockets / MiB).toFixed(0)} MiB, bodies ${(b.requestBodies / MiB).toFixed(0)} MiB, base ${(b.base / MiB).toFixed(0)} MiB = ${(b.total / MiB).toFixed(0)} MiB of ${MEMORY_BUDGET_BYTES / MiB}`);
    expect(b.total).toBeLessThanOrEqual(MEMORY_BUDGET_BYTES);
    // the old defaults (100 agents × 10,000 symbols each, no total) admitted about 18 GiB of symbols alone
    expect(100 * 10_000 * UNIT_COSTS.symbolBytes).toBeGreaterThan(MEMORY_BUDGET_BYTES);
  });

  it('limits.maxTotalSymbols holds across agents: one more symbol is 409 SYMBOL_LIMIT, nothing created', async () => {
    const s = await startServer({ limits: { maxTotalSymbols: 5 }, agents: { a: { volatility: { default: 1 } }, b: { volatility: { default: 1 } } } });
    try {
      for (const sym of ['A1', 'A2', 'A3']) expect((await post(`${s.url}/v1/agents/a/symbols/${sym}/mid`, { mid: 100 })).status).toBe(200);
      for (const sym of ['B1', 'B2']) expect((await post(`${s.url}/v1/agents/b/symbols/${sym}/mid`, { mid: 100 })).status).toBe(200);
      const more = await post(`${s.url}/v1/agents/b/symbols/B3/mid`, { mid: 100 });
      expect([more.status, more.body.error.code, more.body.error.field]).toEqual([409, 'SYMBOL_LIMIT', 'symbol']);
      const batch = await post(`${s.url}/v1/agents/a/updates`, { updates: [{ type: 'mid', symbol: 'A4', mid: 1 }, { type: 'mid', symbol: 'A1', mid: 101 }] });
      expect(batch.body.results.map((r: { ok: boolean; status?: number }) => [r.ok, r.status])).toEqual([[false, 409], [true, undefined]]);
      expect((await request('GET', `${s.url}/v1/agents/b/symbols/B3`)).status).toBe(404);
      expect((await request('GET', `${s.url}/v1/agents/a`)).body.symbols).toBe(3);
    } finally {
      await s.close();
    }
  });

  it('a real server filled to its symbol limit, one fill per symbol, holds what the budget counts per symbol', async () => {
    const LIMIT = 5_000;
    const srv = await spawnServer({ MAX_TOTAL_SYMBOLS: String(LIMIT) });
    try {
      await post(`${srv.url}/v1/agents/default/symbols/warm/fills`, { id: 'warm', side: 'buy', price: 100, quantity: 1 });
      const rss0 = rssBytes(srv.child.pid!);
      for (let from = 1; from < LIMIT; from += 1_000) {
        const updates = [];
        for (let i = from; i < Math.min(LIMIT, from + 1_000); i++) updates.push({ type: 'fill', symbol: `S${i}`, id: `f${i}`, side: 'buy', price: 100, quantity: 1 });
        const r = await post(`${srv.url}/v1/agents/default/updates`, { updates });
        expect(r.body.results.every((x: { ok: boolean }) => x.ok)).toBe(true);
      }
      const perSymbol = (rssBytes(srv.child.pid!) - rss0) / (LIMIT - 1);
      const refused = await post(`${srv.url}/v1/agents/default/symbols/one-more/fills`, { id: 'x', side: 'buy', price: 100, quantity: 1 });
      report(`row 7 measured: ${(perSymbol / 1_024).toFixed(1)} KiB RSS per symbol after one fill (budget counts ${UNIT_COSTS.symbolBytes / 1_024} KiB); symbol ${LIMIT + 1} answered ${refused.status}`);
      expect(refused.status).toBe(409);
      expect(perSymbol).toBeLessThanOrEqual(UNIT_COSTS.symbolBytes);
    } finally {
      srv.child.kill('SIGKILL');
    }
  }, 60_000);
});
