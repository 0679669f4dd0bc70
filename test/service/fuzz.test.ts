import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type Built } from '../helper.js';

let s: Built;

/** Everything a rejected request must leave alone: every agent's configuration, status and per-symbol state. */
async function state(): Promise<string> {
  const { agents } = (await s.request('GET', `/v1/agents`)).body as { agents: { id: string }[] };
  const details = [];
  for (const { id } of agents) {
    const d = (await s.request('GET', `/v1/agents/${encodeURIComponent(id)}`)).body;
    const { rejected: _ignored, ...stats } = d.stats;
    details.push({ ...d, stats });
  }
  return JSON.stringify(details);
}

async function send(method: string, path: string, body: string | undefined): Promise<number> {
  const res = await s.app.inject({
    method: method as 'GET',
    url: path,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { payload: body }),
  });
  return res.statusCode;
}

// Bodies: arbitrary JSON, near-misses of real bodies, hostile numbers and shapes, and raw text that is not JSON at all.
const nearMiss = fc.record({
  mid: fc.oneof(fc.double(), fc.string(), fc.constant(null)),
  sigma: fc.oneof(fc.double(), fc.constant('NaN'), fc.constant(-0)),
  id: fc.oneof(fc.string(), fc.integer()),
  side: fc.oneof(fc.constantFrom('buy', 'sell', 'BUY', ''), fc.string()),
  price: fc.double(), quantity: fc.double(), averageCost: fc.double(), time: fc.oneof(fc.double(), fc.string()),
  updates: fc.array(fc.jsonValue(), { maxLength: 5 }),
  config: fc.dictionary(fc.constantFrom('gamma', 'k', 'horizon', 'toxicity', 'maxSymbols', '__proto__', 'constructor'), fc.jsonValue()),
}, { requiredKeys: [] });
const body = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  nearMiss.map((v) => JSON.stringify(v)),
  fc.constantFrom(
    '{"mid":1e400}', '{"mid":-1e400}', '{"mid":"NaN"}', '{"mid":NaN}', '{"sigma":1e-400}', '{"__proto__":{"mid":1}}',
    '{"constructor":{"prototype":{"x":1}}}', '[]', 'null', '""', '{', '{"mid":1}{"mid":2}', '\u0000',
    `${'['.repeat(5_000)}${']'.repeat(5_000)}`, `{"a":${'{"a":'.repeat(2_000)}1${'}'.repeat(2_001)}`,
    JSON.stringify({ updates: Array.from({ length: 5_000 }, () => ({ type: 'mid', symbol: 'Z', mid: 1 })) }),
    JSON.stringify({ mid: 1, pad: 'x'.repeat(1_100_000) }),
  ),
  fc.string(),
);
const segment = fc.oneof(fc.constantFrom('default', 'X', 'nobody', '..', '%00', 'a'.repeat(300)), fc.string({ minLength: 1, maxLength: 20 }).map(encodeURIComponent));
const route = fc.tuple(segment, segment).chain(([agent, symbol]) => fc.constantFrom(
  ['POST', `/v1/agents`], ['PATCH', `/v1/agents/${agent}/config`], ['POST', `/v1/agents/${agent}/updates`],
  ['POST', `/v1/agents/${agent}/pause`], ['POST', `/v1/agents/${agent}/resume`], ['POST', `/v1/ledger/snapshot`],
  ['POST', `/v1/agents/${agent}/symbols/${symbol}/mid`], ['POST', `/v1/agents/${agent}/symbols/${symbol}/volatility`],
  ['POST', `/v1/agents/${agent}/symbols/${symbol}/position`], ['POST', `/v1/agents/${agent}/symbols/${symbol}/fills`],
  ['POST', `/v1/agents/${agent}/symbols/${symbol}/pause`], ['GET', `/v1/agents/${agent}/symbols/${symbol}/quote`],
  ['GET', `/v1/agents/${agent}/symbols/${symbol}`], ['GET', `/v1/agents/${agent}/inventory`], ['GET', `/v1/agents/${agent}`],
  ['DELETE', `/v1/agents/${agent === 'default' ? 'nobody' : agent}`],
));

beforeAll(async () => {
  s = await build();
  await s.post(`/v1/agents/default/symbols/X/volatility`, { sigma: 2 });
  await s.post(`/v1/agents/default/symbols/X/mid`, { mid: 100 });
  await s.post(`/v1/agents/default/symbols/X/fills`, { id: 'seed', side: 'buy', price: 100, quantity: 1 });
});
afterAll(() => s.close());

describe('fuzzing every route', () => {
  it('never answers 5xx and a rejected request changes no state', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(fc.asyncProperty(route, body, async ([method, path], raw) => {
      const before = await state();
      const status = await send(method, path, method === 'GET' || method === 'DELETE' ? undefined : raw);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      expect(status, `${method} ${path} ${raw.slice(0, 200)}`).toBeLessThan(500);
      if (status >= 400) expect(await state()).toBe(before);
    }), { numRuns: 800 });
    // the run did reach the rejections it was meant to
    expect(statuses.get(400)).toBeGreaterThan(50);
    expect(statuses.get(404)).toBeGreaterThan(10);
    expect((await s.request('GET', `/healthz`)).status).toBe(200);
  });
});
