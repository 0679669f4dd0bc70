/**
 * Replies go through Fastify's compiled serializer (fast-json-stringify, from
 * the route's `schema.response`), which writes only the fields its schema
 * lists and coerces types. Here every reply of a real app, over scenarios and
 * random update streams, is compared with JSON.stringify of the same object,
 * caught just before serialisation (`preSerialization`): a field missing from
 * src/service/replies.ts, or a type it coerces, fails.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessResult } from '../../src/agent/index.js';
import { quotingApp, serverOptions } from '../../src/service/app.js';
import { BatchReply } from '../../src/service/replies.js';
import { jsonSchema } from '../../src/service/route-schemas.js';
import { parseServiceConfig } from '../../src/service/config.js';
import { updateReply } from '../../src/service/routes/updates.js';
import { tempLedger } from '../support/server.js';

const SINGLE_UPDATE = /^POST \/v1\/agents\/:agentId\/symbols\/:symbol\/(mid|volatility|position|fills)$/;

interface Seen { route: string; status: number; expected: unknown; actual: unknown }

let app: FastifyInstance;
const routes: { method: string; url: string; statuses: string[] }[] = [];
const pending = new Map<string, { route: string; json: string }>();
const seen: Seen[] = [];
let t = Date.UTC(2026, 10, 24, 14, 30);

beforeAll(async () => {
  const config = parseServiceConfig({ port: 0, ledger: { path: tempLedger(), importJournal: null }, limits: { maxBatch: 50 } });
  app = Fastify(serverOptions(config, pino({ level: 'silent' })));
  app.addHook('onRoute', (r) => {
    const response = (r.schema as { response?: Record<string, unknown> } | undefined)?.response;
    for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push({ method: m, url: r.url, statuses: Object.keys(response ?? {}) });
  });
  app.addHook('preSerialization', async (req, reply, payload) => {
    const route = `${req.method} ${req.routeOptions.url ?? '(none)'}`;
    // the single updates hand the serializer their ProcessResult, of which it writes updateReply's fields
    const meant = SINGLE_UPDATE.test(route) && reply.statusCode === 200 ? updateReply(payload as ProcessResult) : payload;
    pending.set(req.id, { route, json: JSON.stringify(meant) });
    // the batch route sends with JSON.stringify (see routes/updates.ts); its schema's serializer must write the same
    if (route === 'POST /v1/agents/:agentId/updates' && reply.statusCode === 200) {
      const compiled = reply.compileSerializationSchema(jsonSchema(BatchReply, 'output')) as (v: unknown) => string;
      seen.push({ route: `${route} (BatchReply compiled)`, status: 200, expected: JSON.parse(JSON.stringify(payload)), actual: JSON.parse(compiled(payload)) });
    }
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    const p = pending.get(req.id);
    pending.delete(req.id);
    if (p === undefined) return;
    const body = (reply as unknown as { sentBody?: string }).sentBody;
    if (body !== undefined) seen.push({ route: p.route, status: reply.statusCode, expected: JSON.parse(p.json), actual: JSON.parse(body) });
  });
  // the body as sent: onSend sees the serialised payload
  app.addHook('onSend', async (_req, reply, payload) => {
    if (typeof payload === 'string') (reply as unknown as { sentBody?: string }).sentBody = payload;
    return payload;
  });
  await app.register(quotingApp, { config, now: () => t });
  await app.ready();
});
afterAll(() => app.close());

async function call(method: string, url: string, body?: unknown): Promise<number> {
  const write = method !== 'GET';
  const r = await app.inject({
    method: method as 'GET', url,
    headers: write ? { 'content-type': 'application/json' } : {},
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  return r.statusCode;
}

/** Every comparison so far holds; returns how many were made. */
function check(): number {
  for (const s of seen) expect(s.actual, `${s.route} ${s.status}`).toEqual(s.expected);
  const n = seen.length;
  seen.length = 0;
  return n;
}

const CONFIGS: Record<string, unknown> = {
  plain: {},
  levels: { levels: 3, levelStep: { unit: 'bps', value: 4 }, maxInventory: 5 },
  glft: { model: 'glft', volatility: { source: 'estimated', minSamples: 2 }, intensity: { source: 'estimated', minFills: 2, minBuckets: 2 } },
  session: { horizon: { mode: 'session', end: '21:00' }, toxicity: { low: 0.1, high: 0.5 } },
  risky: { risk: { maxLoss: 1, symbolMaxDrawdown: 0.5, maxGrossNotional: 1_000, period: { mode: 'session', reset: '00:00' } }, fees: { makerBps: 1, takerBps: 5 }, requote: { minChangeTicks: 5 } },
};

describe('the compiled serializer writes what JSON.stringify writes', () => {
  it('every API route declares its replies', () => {
    const api = routes.filter((r) => r.url !== '/v1/stream' && !r.url.startsWith('/ui') && r.url !== '*');
    expect(api.length).toBeGreaterThanOrEqual(20);
    for (const r of api) expect(r.statuses, `${r.method} ${r.url}`).toEqual(expect.arrayContaining(['4xx', '5xx']));
  });

  it('over every route, with its answers and its refusals', async () => {
    expect(await call('GET', '/healthz')).toBe(200);
    expect(await call('GET', '/readyz')).toBe(200);
    for (const [id, config] of Object.entries(CONFIGS)) expect(await call('POST', '/v1/agents', { id, config })).toBe(201);
    expect(await call('POST', '/v1/agents', { id: 'plain' })).toBe(409);
    expect(await call('POST', '/v1/agents', { id: 'x', config: { gamma: -1 } })).toBe(400);
    for (const id of Object.keys(CONFIGS)) {
      const base = `/v1/agents/${id}/symbols/S`;
      expect(await call('GET', `${base}/quote`)).toBe(404);
      expect(await call('POST', `${base}/mid`, { mid: 100 })).toBe(200);
      expect(await call('POST', `${base}/volatility`, { sigma: 2 })).toBe(200);
      expect(await call('POST', `${base}/position`, { quantity: 3, averageCost: 99.5, mark: 100 })).toBe(200);
      expect(await call('POST', `${base}/fills`, { id: 'f1', side: 'buy', price: 99.9, quantity: 1 })).toBe(200);
      expect(await call('POST', `${base}/fills`, { id: 'f1', side: 'buy', price: 99.9, quantity: 1 })).toBe(200);
      expect(await call('POST', `${base}/fills`, { id: 'f1', side: 'sell', price: 99.9, quantity: 2 })).toBe(409);
      expect(await call('POST', `${base}/mid`, { mid: -1 })).toBe(400);
      expect(await call('GET', `${base}/quote`)).toBe(200);
      expect(await call('GET', base)).toBe(200);
      expect(await call('GET', `/v1/agents/${id}/inventory`)).toBe(200);
      expect(await call('POST', `${base}/pause`)).toBe(200);
      expect(await call('POST', `/v1/agents/${id}/pause`)).toBe(200);
      expect(await call('GET', `/v1/agents/${id}`)).toBe(200);
      expect(await call('POST', `/v1/agents/${id}/resume`)).toBe(200);
      expect(await call('POST', `${base}/resume`)).toBe(200);
      expect(await call('PATCH', `/v1/agents/${id}/config`, { gamma: 0.2 })).toBe(200);
      expect(await call('PATCH', `/v1/agents/${id}/config`, { gamma: 'x' })).toBe(400);
    }
    expect(await call('POST', '/v1/agents/plain/updates', { updates: [
      { type: 'mid', symbol: 'S', mid: 101 }, { type: 'mid', symbol: 'S', mid: -1 }, { type: 'nope' },
      { type: 'fill', symbol: 'S', id: 'f1', side: 'sell', price: 1, quantity: 1 }, { type: 'volatility', symbol: 'T', sigma: 1 },
    ] })).toBe(200);
    expect(await call('POST', '/v1/agents/levels/updates?reply=summary', { updates: [
      { type: 'mid', symbol: 'S', mid: 101 }, { type: 'mid', symbol: 'S', mid: -1 }, { type: 'volatility', symbol: 'U', sigma: 1 },
    ] })).toBe(200);
    expect(await call('POST', '/v1/agents/plain/updates', { updates: Array.from({ length: 51 }, () => ({})) })).toBe(413);
    expect(await call('POST', '/v1/agents/risky/symbols/S/fills', { id: 'big', side: 'buy', price: 105, quantity: 5, fee: 0.3, liquidity: 'taker' })).toBe(200);
    expect(await call('POST', '/v1/agents/risky/symbols/S/mid', { mid: 90 })).toBe(200);
    expect(await call('GET', '/v1/agents/risky/risk')).toBe(200);
    expect(await call('GET', '/v1/agents/risky')).toBe(200);
    expect(await call('POST', '/v1/agents/risky/risk/reset')).toBe(200);
    expect(await call('POST', '/v1/halt')).toBe(200);
    expect(await call('GET', '/v1/halt')).toBe(200);
    expect(await call('GET', '/readyz')).toBe(200);
    expect(await call('POST', '/v1/agents/plain/symbols/S/mid', { mid: 100 })).toBe(200);
    expect(await call('DELETE', '/v1/halt')).toBe(200);
    expect(await call('GET', '/v1/agents')).toBe(200);
    expect(await call('POST', '/v1/ledger/snapshot')).toBe(200);
    expect(await call('GET', '/v1/agents/nobody')).toBe(404);
    expect(await call('DELETE', '/v1/agents/session')).toBe(204);
    const covered = new Set(seen.filter((s) => s.status < 300).map((s) => s.route));
    expect(check()).toBeGreaterThan(80);
    const api = routes.filter((r) => r.url !== '/v1/stream' && !r.url.startsWith('/ui') && r.url !== '/metrics' && r.method !== 'DELETE');
    for (const r of api) expect(covered, `${r.method} ${r.url}`).toContain(`${r.method} ${r.url}`);
  });

  it('over random update streams (property)', async () => {
    const symbol = fc.constantFrom('A', 'B', 'C');
    const price = fc.double({ min: 0.01, max: 1e6, noNaN: true });
    const fee = fc.option(fc.double({ min: -1, max: 1, noNaN: true }), { nil: undefined });
    const update = fc.oneof(
      fc.record({ type: fc.constant('mid' as const), symbol, mid: price }),
      fc.record({ type: fc.constant('volatility' as const), symbol, sigma: fc.double({ min: 1e-6, max: 1e3, noNaN: true }) }),
      fc.record({ type: fc.constant('position' as const), symbol, quantity: fc.integer({ min: -200, max: 200 }), averageCost: fc.double({ min: 0, max: 1e6, noNaN: true }) }),
      fc.record({ type: fc.constant('fill' as const), symbol, id: fc.constantFrom('a', 'b', 'c', 'd'), side: fc.constantFrom('buy', 'sell'), price, quantity: fc.double({ min: 0.01, max: 50, noNaN: true }), fee }, { requiredKeys: ['type', 'symbol', 'id', 'side', 'price', 'quantity'] }),
    );
    const agent = fc.constantFrom(...Object.keys(CONFIGS).filter((a) => a !== 'session'));
    let runs = 0;
    await fc.assert(fc.asyncProperty(agent, fc.array(update, { minLength: 1, maxLength: 20 }), fc.boolean(), async (id, updates, batch) => {
      t += 1_000;
      if (batch) {
        await call('POST', `/v1/agents/${id}/updates${t % 3000 === 0 ? '?reply=summary' : ''}`, { updates });
      } else {
        for (const { type, symbol: s, ...body } of updates) {
          await call('POST', `/v1/agents/${id}/symbols/${s}/${type === 'fill' ? 'fills' : type}`, body);
        }
      }
      await call('GET', `/v1/agents/${id}`);
      await call('GET', `/v1/agents/${id}/inventory`);
      await call('GET', `/v1/agents/${id}/risk`);
      for (const s of ['A', 'B', 'C']) await call('GET', `/v1/agents/${id}/symbols/${s}/quote`);
      runs += check();
    }), { numRuns: 60, seed: 15 });
    expect(runs).toBeGreaterThan(60 * 5);
  });
});
