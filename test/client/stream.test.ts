/**
 * The client's quote stream against a real listening service: a restart in
 * the middle of a subscription, a forced gap and a new epoch (through a relay
 * that drops or rewrites the service's messages), a silent connection, slow
 * consumers (on the client and on the server side), and a refused token.
 */
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QuotingClient, QuotingError, type Subscription, type WebSocketClass } from '../../src/client/index.js';
import { Recorder, waitFor } from '../support/recorder.js';
import { restartableServer, type RestartableServer } from '../support/restartable-server.js';
import { startServer, type Running } from '../support/server.js';
import { startWsProxy, type WsProxy } from '../support/ws-proxy.js';

const READ = 'read-token-0123456789ab';
const subs: Subscription[] = [];
afterEach(async () => {
  for (const s of subs.splice(0)) await s.close();
});
const keep = (s: Subscription) => (subs.push(s), s);
const fast = { baseMs: 50, maxMs: 200 };

describe('stream: the basics, with the runtime WebSocket and with the ws package', () => {
  let s: Running;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  for (const [name, WS] of [['global WebSocket', undefined], ['ws package', WebSocket as unknown as WebSocketClass]] as const) {
    it(`${name}: resolves once subscribed, snapshot first, then every quote in order; close() ends it`, async () => {
      const c = new QuotingClient({ baseUrl: s.url, ...(WS ? { WebSocket: WS } : {}) });
      const sym = `B${WS ? 'W' : 'G'}`;
      await c.postVolatility('default', sym, { sigma: 2 });
      await c.postMid('default', sym, { mid: 100 });
      const r = new Recorder();
      const sub = r.watch(keep(await c.subscribe('default', [sym], r.onQuote)));
      expect(sub.state).toBe('live');
      expect(s.app.hub.clients.size).toBeGreaterThanOrEqual(1);
      await r.until(() => r.quotes.length === 1, 5_000, 'the snapshot');
      expect(r.quotes[0]).toMatchObject({ type: 'quote', agent: 'default', symbol: sym, seq: 1, snapshot: true, bidPrice: 99.15, askPrice: 100.85 });
      for (const mid of [100.5, 101, 101.5]) await c.postMid('default', sym, { mid });
      await r.until(() => r.quotes.length === 4, 5_000, 'three quotes');
      expect(r.seqs(sym)).toEqual([1, 2, 3, 4]);
      expect(r.quotes.map((q) => q.mid)).toEqual([100, 100.5, 101, 101.5]);
      await c.pauseSymbol('default', sym);
      await r.until(() => r.of('withdrawn').length === 1, 5_000, 'the withdrawal');
      expect(r.of('withdrawn')[0]).toMatchObject({ symbol: sym, reason: 'symbol-paused' });
      await c.resumeSymbol('default', sym);
      await r.until(() => r.quotes.length === 5, 5_000, 'the quote after resume');
      expect(r.of('resync')).toEqual([]);
      await sub.close();
      expect(sub.state).toBe('closed');
      expect(await sub.closed).toEqual({ reason: 'closed by the caller' });
      await c.postMid('default', sym, { mid: 102 });
      await new Promise((res) => setTimeout(res, 100));
      expect(r.quotes).toHaveLength(5);
    });
  }

  it('an unknown agent is refused with AGENT_NOT_FOUND; too many symbols with SUBSCRIPTION_LIMIT', async () => {
    const c = new QuotingClient({ baseUrl: s.url });
    const e = await c.subscribe('nobody', '*', () => {}).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(QuotingError);
    expect(e).toMatchObject({ code: 'AGENT_NOT_FOUND', field: 'agent' });
    const many = Array.from({ length: 1_001 }, (_, i) => `S${i}`);
    expect(await c.subscribe('default', many, () => {}).catch((err: unknown) => err)).toMatchObject({ code: 'SUBSCRIPTION_LIMIT' });
  });

  it('"*" follows symbols that appear later; deleting the agent closes the subscription', async () => {
    const c = new QuotingClient({ baseUrl: s.url });
    await c.createAgent('doomed');
    const r = new Recorder();
    const sub = r.watch(keep(await c.subscribe('doomed', '*', r.onQuote)));
    await c.postVolatility('doomed', 'NEW', { sigma: 1 });
    await c.postMid('doomed', 'NEW', { mid: 50 });
    await r.until(() => r.quotes.length === 1, 5_000, 'the new symbol');
    await c.deleteAgent('doomed');
    expect(await sub.closed).toEqual({ reason: 'agent deleted' });
    expect(r.of('agent-deleted')).toEqual([{ agent: 'doomed' }]);
  });
});

describe('stream: a service restart in the middle of a subscription', () => {
  let srv: RestartableServer;
  beforeAll(async () => {
    srv = await restartableServer();
  });
  afterAll(() => srv.stop());

  it('reconnects with backoff, resubscribes, delivers the fresh snapshot (its seq restarted) and reports each step', async () => {
    // through a relay, which holds the client off until the restarted service has a quote to snapshot
    const proxy = await startWsProxy(srv.url);
    try {
      const c = new QuotingClient({ baseUrl: proxy.url });
      await c.postVolatility('default', 'RST', { sigma: 2 });
      for (const mid of [100, 101, 102]) await c.postMid('default', 'RST', { mid });
      const r = new Recorder();
      const sub = r.watch(keep(await c.subscribe('default', ['RST'], r.onQuote, { reconnectBackoff: { baseMs: 200, maxMs: 400 } })));
      await r.until(() => r.quotes.length === 1, 5_000, 'the snapshot');
      expect(r.quotes[0]).toMatchObject({ seq: 3, mid: 102, snapshot: true });

      proxy.refuse = true;
      await srv.stop();
      await r.until(() => sub.state === 'reconnecting', 5_000, 'reconnecting');
      expect(r.of('disconnected')[0]).toMatchObject({ code: 1001, attempt: 1 });
      // the first retry waits within [cap/2, cap] of the first cap, 200 ms
      expect(r.of('disconnected')[0]!.retryInMs).toBeGreaterThanOrEqual(100);
      expect(r.of('disconnected')[0]!.retryInMs).toBeLessThanOrEqual(200);
      // attempts go on failing while the service is away
      await r.until(() => r.of('disconnected').length >= 3, 10_000, 'failed attempts');

      await srv.start();
      // mids are not journaled: the restarted agent numbers RST's quotes from 1 again
      await c.postVolatility('default', 'RST', { sigma: 2 });
      await c.postMid('default', 'RST', { mid: 90 });
      proxy.refuse = false;
      await r.until(() => r.of('reconnected').length === 1 && r.quotes.length === 2, 15_000, 'the reconnection and its snapshot');
      expect(r.quotes[1]).toMatchObject({ symbol: 'RST', seq: 1, mid: 90, snapshot: true });
      expect(r.of('reconnected')[0]!.attempts).toBeGreaterThanOrEqual(3);
      expect(r.of('reconnected')[0]!.downMs).toBeGreaterThan(0);
      expect(r.of('state').map((x) => x.state)).toEqual(['reconnecting', 'live']);
      expect(sub.state).toBe('live');
      expect(sub.stats.reconnects).toBe(1);

      // and the stream goes on from the new numbering
      await c.postMid('default', 'RST', { mid: 91 });
      await r.until(() => r.quotes.length === 3, 5_000, 'the next quote');
      expect(r.quotes[2]).toMatchObject({ seq: 2, mid: 91 });
      expect(r.of('resync')).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('backs off while the service stays down, and gives up after maxReconnectAttempts', async () => {
    const c = new QuotingClient({ baseUrl: srv.url, timeoutMs: 1_000 });
    const r = new Recorder();
    const sub = r.watch(keep(await c.subscribe('default', '*', r.onQuote, { reconnectBackoff: { baseMs: 40, maxMs: 160 }, maxReconnectAttempts: 4 })));
    await srv.stop();
    const end = await Promise.race([sub.closed, new Promise((res) => setTimeout(() => res('timeout'), 15_000))]);
    await srv.start();
    expect(end).toMatchObject({ reason: 'gave up after 4 reconnect attempts', error: { code: 'CLOSED' } });
    const delays = r.of('disconnected').map((d) => d.retryInMs);
    expect(delays).toHaveLength(4);
    // attempt n waits in [cap/2, cap], cap = min(160, 40·2ⁿ)
    delays.forEach((d, n) => {
      const cap = Math.min(160, 40 * 2 ** n);
      expect(d).toBeGreaterThanOrEqual(cap / 2);
      expect(d).toBeLessThanOrEqual(cap);
    });
  });
});

describe('stream: gaps, epochs and silent connections, through a relay', () => {
  let s: Running;
  let proxy: WsProxy;
  beforeAll(async () => {
    s = await startServer();
    proxy = await startWsProxy(s.url);
  });
  afterAll(async () => {
    await proxy.close();
    await s.close();
  });
  afterEach(() => {
    proxy.transform = (m) => m;
    proxy.frozen = false;
  });

  it('a lost quote is a gap: delivered quotes skip it, a resync event names it, the current quote is fetched', async () => {
    const c = new QuotingClient({ baseUrl: proxy.url });
    await c.postVolatility('default', 'GAP', { sigma: 2 });
    const r = new Recorder();
    const sub = r.watch(keep(await c.subscribe('default', ['GAP'], r.onQuote)));
    // the relay drops the quote with seq 2
    proxy.transform = (m) => (m.includes('"symbol":"GAP"') && m.includes('"seq":2,') ? null : m);
    for (const mid of [100, 101, 102]) await c.postMid('default', 'GAP', { mid });
    await r.until(() => r.of('resync').length === 1 && r.quotes.length === 2, 5_000, 'the gap');
    expect(r.seqs('GAP')).toEqual([1, 3]);
    expect(r.of('resync')[0]).toEqual({ symbol: 'GAP', reason: 'gap', expected: 2, received: 3, missed: 1 });
    // the fetched quote was seq 3, already delivered: not delivered twice
    await waitFor(() => proxy.requests.includes('GET /v1/agents/default/symbols/GAP/quote'), 5_000, 'the resync fetch');
    await new Promise((res) => setTimeout(res, 100));
    expect(r.seqs('GAP')).toEqual([1, 3]);
    expect(sub.stats).toMatchObject({ gaps: 1, resyncs: 1 });
  });

  it('the last quote lost before a gap shows: the resync fetch delivers the current one', async () => {
    const c = new QuotingClient({ baseUrl: proxy.url });
    await c.postVolatility('default', 'GAP2', { sigma: 2 });
    await c.postMid('default', 'GAP2', { mid: 100 });
    const r = new Recorder();
    r.watch(keep(await c.subscribe('default', ['GAP2'], r.onQuote)));
    await r.until(() => r.quotes.length === 1, 5_000, 'the snapshot');
    // seq 2 and 3 are lost; seq 4 shows the gap and is delivered; the service is at 4 when asked
    proxy.transform = (m) => (m.includes('"symbol":"GAP2"') && /"seq":[23],/.test(m) ? null : m);
    for (const mid of [101, 102, 103]) await c.postMid('default', 'GAP2', { mid });
    await r.until(() => r.quotes.length === 2 && r.of('resync').length === 1, 5_000, 'the gap');
    expect(r.of('resync')[0]).toMatchObject({ expected: 2, received: 4, missed: 2 });
    expect(r.seqs('GAP2')).toEqual([1, 4]);
  });

  it('a new epoch restarts the numbering: the lower seq is delivered, not dropped, and a resync is reported', async () => {
    const c = new QuotingClient({ baseUrl: proxy.url });
    await c.postVolatility('default', 'EPO', { sigma: 2 });
    const r = new Recorder();
    const sub = r.watch(keep(await c.subscribe('default', ['EPO'], r.onQuote)));
    let epoch = 'boot-a';
    let offset = 0;
    proxy.transform = (m) => {
      const msg = JSON.parse(m) as Record<string, unknown>;
      if (msg.type !== 'quote') return m;
      return JSON.stringify({ ...msg, epoch, seq: (msg.seq as number) - offset });
    };
    for (const mid of [100, 101]) await c.postMid('default', 'EPO', { mid });
    await r.until(() => r.quotes.length === 2, 5_000, 'two quotes');
    // the relay now numbers as a restarted service would: seq 3 → 1 in epoch boot-b
    epoch = 'boot-b';
    offset = 2;
    await c.postMid('default', 'EPO', { mid: 102 });
    await r.until(() => r.quotes.length === 3 && r.of('resync').length === 1, 5_000, 'the epoch change');
    expect(r.quotes.map((q) => [q.seq, q.epoch])).toEqual([[1, 'boot-a'], [2, 'boot-a'], [1, 'boot-b']]);
    expect(r.of('resync')[0]).toEqual({ symbol: 'EPO', reason: 'epoch', received: 1 });
    expect(sub.stats.gaps).toBe(0);
  });

  it('a connection that goes silent is probed, dropped after heartbeatTimeoutMs, and replaced', async () => {
    const c = new QuotingClient({ baseUrl: proxy.url });
    await c.postVolatility('default', 'HB', { sigma: 2 });
    await c.postMid('default', 'HB', { mid: 100 });
    const r = new Recorder();
    const sub = r.watch(keep(await c.subscribe('default', ['HB'], r.onQuote, {
      heartbeatIdleMs: 300, heartbeatTimeoutMs: 300, reconnectBackoff: fast,
    })));
    await r.until(() => r.quotes.length === 1, 5_000, 'the snapshot');
    // idle but answering: probes are answered, nothing happens
    await new Promise((res) => setTimeout(res, 1_000));
    expect(r.of('heartbeat-timeout')).toEqual([]);
    const connections = proxy.connections;
    proxy.frozen = true;
    const frozenAt = Date.now();
    await r.until(() => r.of('heartbeat-timeout').length === 1, 5_000, 'the heartbeat timeout');
    // at least heartbeatTimeoutMs after the unanswered probe (sent at most idle after the freeze)
    const detectedAfter = Date.now() - frozenAt;
    expect(detectedAfter).toBeGreaterThanOrEqual(250);
    expect(detectedAfter).toBeLessThan(3_000);
    proxy.frozen = false;
    await r.until(() => r.of('reconnected').length === 1, 5_000, 'the new connection');
    expect(proxy.connections).toBeGreaterThan(connections);
    // the fresh snapshot after the reconnection
    await r.until(() => r.quotes.length === 2, 5_000, 'the snapshot after reconnecting');
    expect(r.quotes[1]).toMatchObject({ seq: 1, snapshot: true });
    expect(sub.stats.heartbeatTimeouts).toBe(1);
  });
});

describe('stream: slow consumers', () => {
  let s: Running;
  beforeAll(async () => {
    // a small high-water mark so the service conflates for a client that falls behind; a body big enough for 20,000 mids
    s = await startServer({ limits: { maxBatch: 20_000, bodyLimitBytes: 4_194_304, wsHighWaterBytes: 1_024 } });
  });
  afterAll(() => s.close());

  it('an async onQuote slower than the stream gets the latest quote per symbol; every skipped quote is counted', async () => {
    const c = new QuotingClient({ baseUrl: s.url });
    await c.postVolatility('default', 'SLOW', { sigma: 2 });
    const r = new Recorder();
    let busy = 0;
    let maxBusy = 0;
    const sub = r.watch(keep(await c.subscribe('default', ['SLOW'], async (q) => {
      busy++;
      maxBusy = Math.max(maxBusy, busy);
      r.onQuote(q);
      await new Promise((res) => setTimeout(res, 40));
      busy--;
    })));
    const n = 200;
    const reply = await c.postBatch('default', Array.from({ length: n }, (_, i) => ({ type: 'mid' as const, symbol: 'SLOW', mid: 100 + i / 100 })));
    expect(reply.results.every((x) => x.ok && x.outcome === 'quoted')).toBe(true);
    await r.until(() => r.quotes.at(-1)?.seq === n, 10_000, 'the last quote');
    const seqs = r.seqs('SLOW');
    // in order, the last one delivered, far fewer than produced, never two onQuote at once
    expect(seqs.every((x, i) => i === 0 || x > seqs[i - 1]!)).toBe(true);
    expect(seqs.length).toBeLessThan(n / 2);
    expect(maxBusy).toBe(1);
    const missed = r.of('conflated').reduce((t, e) => t + e.missed, 0);
    // every produced quote was either delivered or counted as skipped
    expect(missed + seqs.length).toBe(n);
    expect(r.of('resync')).toEqual([]);
    expect(sub.stats.gaps).toBe(0);
  });

  it('a reader that falls behind the service gets conflated quotes, which are not mistaken for gaps', async () => {
    const c = new QuotingClient({ baseUrl: s.url, timeoutMs: 30_000 });
    await c.postVolatility('default', 'FLOOD', { sigma: 2 });
    const r = new Recorder();
    const sub = r.watch(keep(await c.subscribe('default', ['FLOOD'], r.onQuote)));
    // 20 000 quotes (about 12 MB) published in one turn of the service's event loop: more than the
    // loopback socket buffers hold, so the service's queue to this client passes the high-water mark
    const n = 20_000;
    await c.postBatch('default', Array.from({ length: n }, (_, i) => ({ type: 'mid' as const, symbol: 'FLOOD', mid: 100 + (i % 100) / 100 })));
    await r.until(() => r.quotes.at(-1)?.seq === n, 20_000, 'the last quote');
    const serverConflated = r.of('conflated').filter((e) => e.by === 'server');
    expect(serverConflated.length).toBeGreaterThan(0);
    expect(r.quotes.some((q) => q.conflated === true)).toBe(true);
    const seqs = r.seqs('FLOOD');
    expect(seqs.every((x, i) => i === 0 || x > seqs[i - 1]!)).toBe(true);
    expect(serverConflated.reduce((t, e) => t + e.missed, 0) + seqs.length).toBe(n);
    expect(sub.stats.gaps).toBe(0);
  });
});

describe('stream: a token refused after a restart', () => {
  it('ends the subscription with UNAUTHORIZED instead of retrying for ever', async () => {
    const srv = await restartableServer({ auth: { writeTokens: ['write-token-0123456789'], readTokens: [READ] } });
    try {
      const r = new Recorder();
      const sub = r.watch(keep(await new QuotingClient({ baseUrl: srv.url, token: READ }).subscribe('default', '*', r.onQuote, { reconnectBackoff: fast })));
      await srv.stop();
      // the service comes back with another read token
      await srv.start({ auth: { writeTokens: ['write-token-0123456789'], readTokens: ['another-read-token-0123'] } });
      const end = await Promise.race([sub.closed, new Promise((res) => setTimeout(() => res('timeout'), 10_000))]);
      expect(end).toMatchObject({ reason: 'the token was refused', error: { code: 'UNAUTHORIZED', status: 401 } });
      expect(sub.state).toBe('closed');
      expect(r.of('reconnected')).toEqual([]);
    } finally {
      await srv.stop();
    }
  });
});

describe('stream: tokens', () => {
  let s: Running;
  beforeAll(async () => {
    s = await startServer({ auth: { writeTokens: ['write-token-0123456789'], readTokens: [READ] } });
  });
  afterAll(() => s.close());

  it('a wrong or missing token is refused with UNAUTHORIZED (the status found over REST); a read token subscribes', async () => {
    for (const token of ['wrong-token-0123456789', undefined]) {
      const c = new QuotingClient({ baseUrl: s.url, ...(token ? { token } : {}) });
      const e = await c.subscribe('default', '*', () => {}).catch((err: unknown) => err);
      expect(e, String(token)).toBeInstanceOf(QuotingError);
      expect(e).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
      expect((e as QuotingError).unauthorised).toBe(true);
    }
    const ok = keep(await new QuotingClient({ baseUrl: s.url, token: READ }).subscribe('default', '*', () => {}));
    expect(ok.state).toBe('live');
  });
});
