import fc from 'fast-check';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarketMakerAgent, type ProcessResult, type Update } from '../../src/agent/index.js';
import { UPDATE_REPLY_SCHEMA } from '../../src/service/reply-schema.js';
import { updateReply } from '../../src/service/routes/updates.js';

// a route serialising what it is handed through the update routes' response schema, as they do
const app = Fastify();
let current: ProcessResult | null = null;
app.post('/r', { schema: { response: { 200: UPDATE_REPLY_SCHEMA } } }, async () => current);
beforeAll(() => app.ready());
afterAll(() => app.close());

const T0 = Date.UTC(2024, 0, 2, 14, 30);

const update = fc.oneof(
  fc.record({ type: fc.constant('mid' as const), mid: fc.double({ min: 1, max: 1_000, noNaN: true }) }),
  fc.record({ type: fc.constant('volatility' as const), sigma: fc.double({ min: 0.01, max: 50, noNaN: true }) }),
  fc.record({ type: fc.constant('fill' as const), side: fc.constantFrom('buy' as const, 'sell' as const), price: fc.double({ min: 1, max: 1_000, noNaN: true }), quantity: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ type: fc.constant('position' as const), quantity: fc.integer({ min: -200, max: 200 }), averageCost: fc.double({ min: 1, max: 1_000, noNaN: true }) }),
);

describe('the update reply schema', () => {
  it('serialises every reply of real agents to what JSON.stringify makes of updateReply (every model, 1–3 levels, every outcome) (property)', async () => {
    const seen = new Set<string>();
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('avellaneda-stoikov' as const, 'glft' as const),
      fc.integer({ min: 1, max: 3 }),
      fc.array(update, { minLength: 1, maxLength: 25 }),
      async (model, levels, updates) => {
        const agent = new MarketMakerAgent('a', { model, levels, maxInventory: 100 });
        let n = 0;
        for (const u of updates) {
          const time = T0 + 1_000 * n;
          const full = (u.type === 'fill' ? { ...u, id: `f${n}` } : u) as Omit<Update, 'symbol' | 'time'>;
          let r: ProcessResult;
          try {
            r = agent.process({ ...full, symbol: 'S', time } as Update);
          } catch {
            continue; // refused updates answer an error, not this reply
          }
          n++;
          // a repeated fill: the duplicate outcome
          if (u.type === 'fill' && n % 5 === 0) r = agent.process({ ...full, symbol: 'S', time, id: `f${n - 1}` } as Update);
          seen.add(r.outcome);
          current = r;
          const res = await app.inject({ method: 'POST', url: '/r' });
          expect(res.statusCode).toBe(200);
          expect(JSON.parse(res.body)).toEqual(JSON.parse(JSON.stringify(updateReply(r))));
        }
      },
    ), { numRuns: 60 });
    expect([...seen].sort()).toEqual(['duplicate', 'no-quote', 'quoted', 'unchanged']);
  });
});
