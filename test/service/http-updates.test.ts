import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, request, startServer, type Running } from '../support/server.js';

let s: Running;
const sym = (agent: string, symbol: string) => `${s.url}/v1/agents/${agent}/symbols/${symbol}`;

beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

describe('REST updates on a real listening server', () => {
  it('the embedded default agent quotes after a volatility and a mid', async () => {
    const v = await post(`${sym('default', 'AAPL')}/volatility`, { sigma: 2 });
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({ outcome: 'no-quote', quote: null, decision: { reason: 'no-mid' } });
    const m = await post(`${sym('default', 'AAPL')}/mid`, { mid: 100 });
    expect(m.status).toBe(200);
    // default config: gamma 0.1, k 1.5, tau 1, tick 0.01 → 99.1546… → 99.15, 100.8453… → 100.85
    expect(m.body).toMatchObject({ outcome: 'quoted', quote: { bidPrice: 99.15, askPrice: 100.85, seq: 1 }, decision: { sides: 'both', reason: 'ok' } });
    const q = await request('GET', `${sym('default', 'AAPL')}/quote`);
    expect(q.body.quote).toEqual(m.body.quote);
  });

  it('bad bodies get 400 naming the field and leave the quote unchanged', async () => {
    const before = (await request('GET', `${sym('default', 'AAPL')}/quote`)).body;
    // raw JSON text, so that 1e400 (which parses to Infinity) can be sent
    const cases: [string, string, string][] = [
      ['mid', '{"mid":-5}', 'mid'],
      ['mid', '{"mid":"NaN"}', 'mid'],
      ['mid', '{"mid":1e400}', 'mid'],
      ['mid', '{}', 'mid'],
      ['mid', '{"mid":100,"extra":1}', 'extra'],
      ['volatility', '{"sigma":0}', 'sigma'],
      ['volatility', '{"sigma":-1}', 'sigma'],
      ['fills', '{"id":"f","side":"hold","price":100,"quantity":1}', 'side'],
      ['fills', '{"id":"f","side":"buy","price":100,"quantity":0}', 'quantity'],
      ['position', '{"quantity":5}', 'averageCost'],
      ['mid', '{"mid":100,"time":-1}', 'time'],
    ];
    for (const [route, body, field] of cases) {
      const r = await post(`${sym('default', 'AAPL')}/${route}`, body);
      expect(r.status, body).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      expect(r.body.error.field, JSON.stringify(r.body)).toBe(field);
      expect(r.body.error.message).toContain(field);
    }
    const after = (await request('GET', `${sym('default', 'AAPL')}/quote`)).body;
    expect(after).toEqual(before);
  });

  it('malformed JSON, a wrong content type and an oversized body are 4xx in the one error shape', async () => {
    const bad = await post(`${sym('default', 'AAPL')}/mid`, '{"mid": 1');
    expect([bad.status, bad.body.error.code]).toEqual([400, 'INVALID_JSON']);
    const text = await fetch(`${sym('default', 'AAPL')}/mid`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'mid=1' });
    expect(text.status).toBe(415);
    expect(((await text.json()) as { error: { code: string } }).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const huge = await post(`${sym('default', 'AAPL')}/mid`, JSON.stringify({ mid: 1, pad: 'x'.repeat(2_000_000) }));
    expect([huge.status, huge.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const none = await request('GET', `${s.url}/v1/nothing-here`);
    expect([none.status, none.body.error.code]).toEqual([404, 'ROUTE_NOT_FOUND']);
  });

  it('unknown agent or symbol is 404', async () => {
    const a = await post(`${sym('nobody', 'AAPL')}/mid`, { mid: 100 });
    expect([a.status, a.body.error.code]).toEqual([404, 'AGENT_NOT_FOUND']);
    const q = await request('GET', `${sym('default', 'NOPE')}/quote`);
    expect([q.status, q.body.error.code]).toEqual([404, 'SYMBOL_NOT_FOUND']);
    const bad = await post(`${sym('default', 'bad%20symbol')}/mid`, { mid: 100 });
    expect([bad.status, bad.body.error.field]).toEqual([400, 'symbol']);
  });

  it('a retried fill is acknowledged as a duplicate and counted once', async () => {
    const fill = { id: 'oms-42', side: 'buy', price: 99.9, quantity: 3 };
    const first = await post(`${sym('default', 'AAPL')}/fills`, fill);
    expect(first.body.outcome).toBe('quoted');
    const again = await post(`${sym('default', 'AAPL')}/fills`, fill);
    expect([again.status, again.body.outcome]).toEqual([200, 'duplicate']);
    const inv = await request('GET', `${s.url}/v1/agents/default/inventory`);
    const aapl = inv.body.symbols.find((x: { symbol: string }) => x.symbol === 'AAPL');
    expect([aapl.position, aapl.buyFills, aapl.averageCost]).toEqual([3, 1, 99.9]);
  });

  it('a stale position snapshot is 409', async () => {
    const t = Date.now();
    expect((await post(`${sym('default', 'MSFT')}/position`, { quantity: 5, averageCost: 300, time: t })).status).toBe(200);
    const stale = await post(`${sym('default', 'MSFT')}/position`, { quantity: 9, averageCost: 300, time: t - 1_000 });
    expect([stale.status, stale.body.error.code, stale.body.error.field]).toEqual([409, 'STALE_UPDATE', 'time']);
    expect((await request('GET', sym('default', 'MSFT'))).body.position).toBe(5);
  });

  it('a batch applies mixed updates in order and answers per item', async () => {
    const r = await post(`${s.url}/v1/agents/default/updates`, {
      updates: [
        { type: 'volatility', symbol: 'B1', sigma: 1 },
        { type: 'mid', symbol: 'B1', mid: 50 },
        { type: 'mid', symbol: 'B2', mid: -1 },
        { type: 'fill', symbol: 'B1', id: 'b-1', side: 'sell', price: 50.1, quantity: 2 },
        { type: 'nonsense', symbol: 'B1' },
        { type: 'mid', symbol: 'B1', mid: 50.5 },
      ],
    });
    expect(r.status).toBe(200);
    const res = r.body.results;
    expect(res.map((x: { ok: boolean }) => x.ok)).toEqual([true, true, false, true, false, true]);
    expect(res[1].quote.seq).toBe(1);
    expect(res[5].quote.seq).toBe(3);
    expect(res[2].error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'updates.2.mid' });
    expect(res[4].error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'updates.4.type' });
    expect(res[5].quote.inventory).toBe(-2);
    const tooMany = await post(`${s.url}/v1/agents/default/updates`, { updates: Array.from({ length: 1_001 }, () => ({})) });
    expect([tooMany.status, tooMany.body.error.code]).toEqual([413, 'BATCH_TOO_LARGE']);
    const unknown = await post(`${s.url}/v1/agents/ghost/updates`, { updates: [] });
    expect(unknown.status).toBe(404);
  });

  it('a batch with ?reply=summary answers each applied item with its outcome and quote seq, errors in full', async () => {
    const updates = [
      { type: 'volatility', symbol: 'C1', sigma: 1 },
      { type: 'mid', symbol: 'C1', mid: 50 },
      { type: 'mid', symbol: 'C1', mid: -1 },
      { type: 'mid', symbol: 'C1', mid: 50.5 },
    ];
    const r = await post(`${s.url}/v1/agents/default/updates?reply=summary`, { updates });
    expect(r.status).toBe(200);
    expect(r.body.results).toEqual([
      { index: 0, ok: true, outcome: 'no-quote', seq: null },
      { index: 1, ok: true, outcome: 'quoted', seq: 1 },
      { index: 2, ok: false, status: 400, error: { code: 'VALIDATION_FAILED', message: expect.any(String), field: 'updates.2.mid' } },
      { index: 3, ok: true, outcome: 'quoted', seq: 2 },
    ]);
    // the quotes are the ones the full reply and the reads show
    const q = await request('GET', `${sym('default', 'C1')}/quote`);
    expect(q.body.quote.seq).toBe(2);
    const bad = await post(`${s.url}/v1/agents/default/updates?reply=compact`, { updates });
    expect([bad.status, bad.body.error.field]).toEqual([400, 'reply']);
    // nothing of the refused request was applied
    expect((await request('GET', `${sym('default', 'C1')}/quote`)).body.quote.seq).toBe(2);
  });
});

describe('agent administration', () => {
  it('create, read, list, reconfigure, pause, resume, delete', async () => {
    const created = await post(`${s.url}/v1/agents`, { id: 'fx', config: { gamma: 0.5, tickSize: 0.0001, volatility: { default: 0.01 }, timeUnit: 'second' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'fx', status: 'idle', config: { gamma: 0.5, timeUnit: 'second' } });
    const dup = await post(`${s.url}/v1/agents`, { id: 'fx', config: {} });
    expect([dup.status, dup.body.error.code]).toEqual([409, 'AGENT_EXISTS']);
    const badCfg = await post(`${s.url}/v1/agents`, { id: 'fy', config: { gamma: -1 } });
    expect([badCfg.status, badCfg.body.error.code, badCfg.body.error.field]).toEqual([400, 'INVALID_CONFIG', 'config.gamma']);
    expect((await request('GET', `${s.url}/v1/agents/fy`)).status).toBe(404);

    const q1 = (await post(`${sym('fx', 'EURUSD')}/mid`, { mid: 1.1 })).body.quote;
    expect(q1.sigmaSource).toBe('default');
    const list = await request('GET', `${s.url}/v1/agents`);
    expect(list.body.agents.map((a: { id: string }) => a.id)).toEqual(['default', 'fx']);

    const patched = await request('PATCH', `${s.url}/v1/agents/fx/config`, { minSpreadBps: 100, toxicity: { high: 0.9 } });
    expect(patched.status).toBe(200);
    expect(patched.body.config).toMatchObject({ minSpreadBps: 100, gamma: 0.5, toxicity: { high: 0.9, low: 0.3 } });
    const requoted = (await request('GET', `${sym('fx', 'EURUSD')}/quote`)).body.quote;
    // a change of configuration republishes every quote, even one whose prices did not move
    expect(requoted.seq).toBe(2);
    expect(requoted.spreadBps).toBeGreaterThanOrEqual(100 - 1e-6);
    // horizon modes and the model are selectable over the API, and the quote says which was used
    const session = await request('PATCH', `${s.url}/v1/agents/fx/config`, { horizon: { mode: 'session', end: '16:00' } });
    expect(session.body.symbolStates[0].quote).toMatchObject({ horizon: 'session', model: 'avellaneda-stoikov' });
    expect(session.body.symbolStates[0].quote.tau).toBeGreaterThan(0);
    const glft = await request('PATCH', `${s.url}/v1/agents/fx/config`, { model: 'glft', horizon: { mode: 'infinite' } });
    expect(glft.body.symbolStates[0].quote).toMatchObject({ horizon: 'infinite', model: 'glft', tau: null });
    await request('PATCH', `${s.url}/v1/agents/fx/config`, { model: 'avellaneda-stoikov' });
    const badPatch = await request('PATCH', `${s.url}/v1/agents/fx/config`, { maxSpreadBps: 1 });
    expect([badPatch.status, badPatch.body.error.field]).toEqual([400, 'minSpreadBps']);
    expect((await request('GET', `${s.url}/v1/agents/fx`)).body.config.maxSpreadBps).toBe(500);

    expect((await post(`${s.url}/v1/agents/fx/pause`, {})).body).toMatchObject({ status: 'paused', paused: true });
    const paused = await request('GET', `${sym('fx', 'EURUSD')}/quote`);
    expect([paused.status, paused.body.error.code]).toEqual([404, 'NO_QUOTE']);
    expect(paused.body.error.message).toContain('agent-paused');
    expect((await post(`${sym('fx', 'EURUSD')}/mid`, { mid: 1.2 })).body.decision.reason).toBe('agent-paused');
    await post(`${s.url}/v1/agents/fx/resume`, {});
    expect((await request('GET', `${sym('fx', 'EURUSD')}/quote`)).body.quote.mid).toBe(1.2);

    await post(`${sym('fx', 'EURUSD')}/pause`, {});
    expect((await post(`${sym('fx', 'EURUSD')}/mid`, { mid: 1.3 })).body.decision.reason).toBe('symbol-paused');
    await post(`${sym('fx', 'EURUSD')}/resume`, {});
    expect((await request('GET', `${sym('fx', 'EURUSD')}/quote`)).status).toBe(200);

    const detail = await request('GET', `${s.url}/v1/agents/fx`);
    expect(detail.body.symbolStates[0]).toMatchObject({ symbol: 'EURUSD', mid: 1.3 });
    expect(detail.body.stats.updates).toBe(3);

    expect((await request('DELETE', `${s.url}/v1/agents/fx`)).status).toBe(204);
    expect((await request('GET', `${s.url}/v1/agents/fx`)).status).toBe(404);
  });

  it('answers with a request id header', async () => {
    const r = await request('GET', `${s.url}/healthz`, undefined, { 'x-request-id': 'trace-1' });
    expect(r.headers.get('x-request-id')).toBe('trace-1');
    expect(r.body).toEqual({ status: 'ok' });
    expect((await request('GET', `${s.url}/readyz`)).body).toEqual({ status: 'ready', halted: false });
  });

  it('makes a request id when none is sent, in the form openapi.yaml documents', async () => {
    const doc = readFileSync(join(import.meta.dirname, '../../openapi.yaml'), 'utf8');
    const documented = /the id the server gave it, `([^`]+)`/.exec(doc);
    expect(documented).not.toBeNull();
    const pattern = new RegExp(documented![1]!);
    const [a, b] = await Promise.all([request('GET', `${s.url}/healthz`), request('GET', `${s.url}/v1/agents`)]);
    const ids = [a.headers.get('x-request-id')!, b.headers.get('x-request-id')!];
    for (const id of ids) expect(id).toMatch(pattern);
    expect(ids[0]).not.toBe(ids[1]);
    // one random prefix per process
    expect(ids[0]!.split('-')[0]).toBe(ids[1]!.split('-')[0]);
  });
});
