/**
 * The client's REST methods against a real listening service: typed replies
 * (checked against the same routes fetched by hand), typed errors carrying
 * the code and field, the bearer token, timeouts, and retries only where a
 * repeat is exact.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuotingClient, QuotingError } from '../../src/client/index.js';
import { request, startServer, type Running } from '../support/server.js';
import { startWsProxy, type WsProxy } from '../support/ws-proxy.js';

const WRITE = 'write-token-0123456789';
const READ = 'read-token-0123456789ab';

async function rejection(p: Promise<unknown>): Promise<QuotingError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(QuotingError);
    return err as QuotingError;
  }
  throw new Error('expected a rejection');
}

describe('QuotingClient REST against a real service', () => {
  let s: Running;
  let c: QuotingClient;
  const seen: { method: string; url: string; contentType: string | undefined; authorization: string | undefined }[] = [];
  const auth = { authorization: `Bearer ${WRITE}` };
  beforeAll(async () => {
    s = await startServer({ auth: { writeTokens: [WRITE], readTokens: [READ] } });
    s.app.server.on('request', (req: { method: string; url: string; headers: Record<string, string | undefined> }) => {
      seen.push({ method: req.method, url: req.url, contentType: req.headers['content-type'], authorization: req.headers.authorization });
    });
    c = new QuotingClient({ baseUrl: `${s.url}/`, token: WRITE });
  });
  afterAll(() => s.close());

  it('updates answer the typed reply; the quote is the one computed by hand (σ 2, mid 100, default agent: bid 99.15, ask 100.85)', async () => {
    const v = await c.postVolatility('default', 'AAPL', { sigma: 2 });
    expect(v).toEqual({ outcome: 'no-quote', quote: null, decision: { sides: 'none', reason: 'no-mid' }, breach: false });
    const m = await c.postMid('default', 'AAPL', { mid: 100 });
    expect(m.outcome).toBe('quoted');
    // the README's worked example: r = 100, half-spread 0.85 on the 0.01 grid
    expect(m.quote).toMatchObject({ symbol: 'AAPL', bidPrice: 99.15, askPrice: 100.85, reservation: 100, inventory: 0 });
    const f = await c.postFill('default', 'AAPL', { id: 'oms-1', side: 'buy', price: 99.15, quantity: 1 });
    // long 1: r = 100 − 1·γσ²τ = 99.6, bid 98.75, ask 100.45 (README quick start)
    expect(f.quote).toMatchObject({ inventory: 1, reservation: 99.6, bidPrice: 98.75, askPrice: 100.45 });
    const again = await c.postFill('default', 'AAPL', { id: 'oms-1', side: 'buy', price: 99.15, quantity: 1 });
    expect(again.outcome).toBe('duplicate');
    const p = await c.postPosition('default', 'AAPL', { quantity: 1, averageCost: 99.15, time: Date.now() });
    expect(p.quote?.inventory).toBe(1);
  });

  it('reads answer exactly what the route answers when fetched by hand', async () => {
    const pairs: [unknown, string][] = [
      [await c.inventory('default'), '/v1/agents/default/inventory'],
      [await c.quote('default', 'AAPL'), '/v1/agents/default/symbols/AAPL/quote'],
      [await c.symbol('default', 'AAPL'), '/v1/agents/default/symbols/AAPL'],
      [await c.listAgents(), '/v1/agents'],
      [await c.health(), '/healthz'],
      [await c.ready(), '/readyz'],
    ];
    for (const [typed, path] of pairs) {
      const raw = await request('GET', `${s.url}${path}`, undefined, auth);
      expect(raw.status, path).toBe(200);
      expect(typed, path).toEqual(raw.body);
    }
    const detail = await c.agent('default');
    expect(detail.symbolStates.map((x) => x.symbol)).toEqual(['AAPL']);
    expect(detail.config.gamma).toBeGreaterThan(0);
    expect(await c.metrics()).toContain('mm_quotes_published_total');
  });

  it('agents: create, patch, pause and resume (agent and symbol), batch, delete', async () => {
    const created = await c.createAgent('client-test', { gamma: 0.2 });
    expect(created).toMatchObject({ id: 'client-test', status: 'idle', config: { gamma: 0.2 } });
    expect((await c.patchConfig('client-test', { gamma: 0.3 })).config.gamma).toBe(0.3);
    const batch = await c.postBatch('client-test', [
      { type: 'volatility', symbol: 'X', sigma: 2 },
      { type: 'mid', symbol: 'X', mid: 100 },
      { type: 'fill', symbol: 'X', id: 'b-1', side: 'sell', price: 100.85, quantity: 1 },
      { type: 'mid', symbol: 'X', mid: -5 },
    ]);
    expect(batch.results.map((r) => r.ok)).toEqual([true, true, true, false]);
    const bad = batch.results[3]!;
    expect(bad.ok === false && bad.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'updates.3.mid' });
    expect((await c.pause('client-test')).paused).toBe(true);
    expect((await c.resume('client-test')).paused).toBe(false);
    expect((await c.pauseSymbol('client-test', 'X')).paused).toBe(true);
    expect((await c.resumeSymbol('client-test', 'X')).paused).toBe(false);
    await c.deleteAgent('client-test');
    expect((await rejection(c.agent('client-test'))).code).toBe('AGENT_NOT_FOUND');
  });

  it('every write carries content-type: application/json and the bearer token, bodiless ones included', () => {
    const writes = seen.filter((r) => r.method !== 'GET');
    expect(writes.length).toBeGreaterThanOrEqual(12);
    for (const w of writes) {
      expect(w.contentType, `${w.method} ${w.url}`).toBe('application/json');
      expect(w.authorization).toBe(`Bearer ${WRITE}`);
    }
    expect(writes.map((w) => `${w.method} ${w.url}`)).toEqual(expect.arrayContaining([
      'POST /v1/agents/client-test/pause', 'POST /v1/agents/client-test/resume', 'DELETE /v1/agents/client-test',
    ]));
  });

  it('errors carry the service code, status and field', async () => {
    const e = await rejection(c.postMid('default', 'AAPL', { mid: -1 }));
    expect(e).toMatchObject({ code: 'VALIDATION_FAILED', status: 400, field: 'mid', method: 'POST', path: '/v1/agents/default/symbols/AAPL/mid' });
    expect(e.requestId).toMatch(/\S/);
    expect(e.transient).toBe(false);
    expect(await rejection(c.postMid('nobody', 'AAPL', { mid: 1 }))).toMatchObject({ code: 'AGENT_NOT_FOUND', status: 404 });
    expect(await rejection(c.createAgent('default'))).toMatchObject({ code: 'AGENT_EXISTS', status: 409 });
    expect(await rejection(c.patchConfig('default', { gamma: -1 }))).toMatchObject({ code: 'INVALID_CONFIG', field: 'gamma' });
    expect(await rejection(c.quote('default', 'NOPE'))).toMatchObject({ code: 'SYMBOL_NOT_FOUND', status: 404 });
    const stale = await rejection(c.postPosition('default', 'AAPL', { quantity: 2, averageCost: 99, time: 1 }));
    expect(stale).toMatchObject({ code: 'STALE_UPDATE', status: 409 });
  });

  it('tokens: none is 401, a read token may read but not write (403)', async () => {
    const anon = new QuotingClient({ baseUrl: s.url });
    const e = await rejection(anon.inventory('default'));
    expect(e).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    expect(e.unauthorised).toBe(true);
    const reader = new QuotingClient({ baseUrl: s.url, token: READ });
    expect((await reader.inventory('default')).agent).toBe('default');
    expect(await rejection(reader.postMid('default', 'AAPL', { mid: 101 }))).toMatchObject({ code: 'FORBIDDEN', status: 403 });
  });
});

describe('QuotingClient timeouts and retries', () => {
  let s: Running;
  let proxy: WsProxy;
  let silent: Server;
  let silentUrl: string;
  beforeAll(async () => {
    s = await startServer();
    proxy = await startWsProxy(s.url);
    // accepts connections and never answers
    silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await proxy.close();
    silent.close();
    await s.close();
  });

  it('a call with no answer fails with TIMEOUT after timeoutMs, each attempt bounded', async () => {
    const c = new QuotingClient({ baseUrl: silentUrl, timeoutMs: 200, retries: 2, retryBackoff: { baseMs: 10, maxMs: 20 } });
    const started = Date.now();
    const e = await rejection(c.inventory('default'));
    const took = Date.now() - started;
    expect(e).toMatchObject({ code: 'TIMEOUT', status: null });
    expect(e.transient).toBe(true);
    // 3 attempts of 200 ms and two short pauses; well under 3 s even on a loaded machine
    expect(took).toBeGreaterThanOrEqual(3 * 200);
    expect(took).toBeLessThan(3_000);
    // a mid is not repeated: one attempt
    const once = Date.now();
    expect((await rejection(c.postMid('default', 'A', { mid: 1 }))).code).toBe('TIMEOUT');
    expect(Date.now() - once).toBeLessThan(3 * 200);
  });

  it('a refused connection is a NETWORK error naming the cause', async () => {
    // a port that was just free: nothing listens there
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const c = new QuotingClient({ baseUrl: `http://127.0.0.1:${port}`, retries: 0 });
    const e = await rejection(c.health());
    expect(e.code).toBe('NETWORK');
    expect(e.message).toMatch(/ECONNREFUSED/);
  });

  it('a fill whose answer is lost is retried with the same id: counted once, answered "duplicate"', async () => {
    const c = new QuotingClient({ baseUrl: proxy.url, retries: 2, retryBackoff: { baseMs: 10, maxMs: 20 } });
    await c.postVolatility('default', 'RTY', { sigma: 2 });
    await c.postMid('default', 'RTY', { mid: 100 });
    let lost = 0;
    proxy.loseAnswer = (method, path) => method === 'POST' && path.endsWith('/fills') && lost++ === 0;
    proxy.requests.length = 0;
    const r = await c.postFill('default', 'RTY', { side: 'buy', price: 99, quantity: 1 });
    expect(r.outcome).toBe('duplicate');
    const fills = proxy.requests.filter((x) => x.endsWith('/fills'));
    expect(fills).toHaveLength(2);
    const inv = await c.inventory('default');
    expect(inv.symbols.find((x) => x.symbol === 'RTY')).toMatchObject({ position: 1, buyFills: 1 });
  });

  it('a mid whose answer is lost is not repeated (a repeat would count twice): the error reaches the caller', async () => {
    const c = new QuotingClient({ baseUrl: proxy.url, retries: 2, retryBackoff: { baseMs: 10, maxMs: 20 } });
    proxy.loseAnswer = (method, path) => method === 'POST' && path.endsWith('/mid');
    proxy.requests.length = 0;
    const before = (await c.symbol('default', 'RTY')).updates;
    expect((await rejection(c.postMid('default', 'RTY', { mid: 101 }))).code).toBe('NETWORK');
    expect(proxy.requests.filter((x) => x.endsWith('/mid'))).toHaveLength(1);
    proxy.loseAnswer = () => false;
    expect((await c.symbol('default', 'RTY')).updates).toBe(before + 1);
  });

  it('a batch of fills only is retried; a batch with a mid is not', async () => {
    const c = new QuotingClient({ baseUrl: proxy.url, retries: 2, retryBackoff: { baseMs: 10, maxMs: 20 } });
    let lost = 0;
    proxy.loseAnswer = (method, path) => path.endsWith('/updates') && lost++ % 2 === 0;
    proxy.requests.length = 0;
    const r = await c.postBatch('default', [{ type: 'fill', symbol: 'RTY', id: 'batch-fill-1', side: 'sell', price: 101, quantity: 1 }]);
    expect(r.results[0]).toMatchObject({ ok: true, outcome: 'duplicate' });
    expect((await rejection(c.postBatch('default', [{ type: 'mid', symbol: 'RTY', mid: 100 }]))).code).toBe('NETWORK');
    expect(proxy.requests.filter((x) => x.endsWith('/updates'))).toHaveLength(3);
    proxy.loseAnswer = () => false;
    expect((await c.inventory('default')).symbols.find((x) => x.symbol === 'RTY')).toMatchObject({ position: 0, sellFills: 1 });
  });

  it('a delete whose answer is lost is repeated, and the 404 of the repeat means done', async () => {
    const c = new QuotingClient({ baseUrl: proxy.url, retries: 2, retryBackoff: { baseMs: 10, maxMs: 20 } });
    await c.createAgent('to-delete');
    let lost = 0;
    proxy.loseAnswer = (method) => method === 'DELETE' && lost++ === 0;
    await c.deleteAgent('to-delete');
    proxy.loseAnswer = () => false;
    expect((await rejection(c.agent('to-delete'))).code).toBe('AGENT_NOT_FOUND');
    // a delete of an agent that never existed is still an error
    expect((await rejection(c.deleteAgent('never-was'))).code).toBe('AGENT_NOT_FOUND');
  });

  it('the base URL must be http(s)', () => {
    expect(() => new QuotingClient({ baseUrl: 'ftp://x' })).toThrow(/http/);
    expect(() => new QuotingClient({ baseUrl: 'not a url' })).toThrow(/URL/);
  });
});

describe('QuotingClient risk methods against a real service', () => {
  it('halt, unhalt, the risk state and its reset, as the routes answer them', async () => {
    const s = await startServer({ agents: { default: { volatility: { default: 1 }, risk: { maxLoss: 1 } } } });
    try {
      const c = new QuotingClient({ baseUrl: s.url });
      await c.postMid('default', 'X', { mid: 100 });
      expect(await c.halt()).toEqual({ halted: true, withdrawn: 1 });
      expect((await c.ready()).halted).toBe(true);
      expect((await c.postMid('default', 'X', { mid: 100 })).decision.reason).toBe('halted');
      expect(await c.unhalt()).toEqual({ halted: false });
      await c.postFill('default', 'X', { id: 'f', side: 'buy', price: 100, quantity: 1 });
      expect((await c.postMid('default', 'X', { mid: 98 })).decision.reason).toBe('loss-limit');
      const risk = await c.risk('default');
      expect(risk).toEqual((await request('GET', `${s.url}/v1/agents/default/risk`)).body);
      expect(risk.hold?.reason).toBe('loss-limit');
      const reset = await c.resetRisk('default');
      expect(reset.hold).toBeNull();
      expect(reset.pnl).toBeCloseTo(0, 9);
    } finally {
      await s.close();
    }
  });
});
