/**
 * Figures people read, over the app in process (inject): exact positions, bounded inputs (400 naming the field,
 * state unchanged, nothing infinite in /metrics), and bps and P&L rounded in the replies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type Built } from '../helper.js';

let s: Built;
beforeAll(async () => {
  s = await build({ agents: { default: { volatility: { default: 1 }, timeUnit: 'day' } } });
});
afterAll(() => s.close());

const sym = (symbol: string) => `/v1/agents/default/symbols/${symbol}`;

describe('money figures over HTTP', () => {
  it('fractional lots net to exactly flat', async () => {
    await s.post(`${sym('BTC')}/fills`, { id: 'b1', side: 'buy', price: 100, quantity: 0.1 });
    await s.post(`${sym('BTC')}/fills`, { id: 'b2', side: 'buy', price: 100, quantity: 0.2 });
    await s.post(`${sym('BTC')}/fills`, { id: 'b3', side: 'sell', price: 100, quantity: 0.3 });
    const v = (await s.request('GET', sym('BTC'))).body;
    expect([v.position, v.averageCost]).toEqual([0, 0]);
  });

  it('huge finite numbers: 400 naming the field, state unchanged, nothing infinite in /metrics', async () => {
    await s.post(`${sym('HUGE')}/fills`, { id: 'h0', side: 'buy', price: 100, quantity: 1 });
    const before = (await s.request('GET', sym('HUGE'))).body;
    for (const [body, field] of [
      [{ id: 'h1', side: 'buy', price: 1e308, quantity: 1 }, 'price'],
      [{ id: 'h2', side: 'sell', price: 100, quantity: 1e308 }, 'quantity'],
      [{ id: 'h3', side: 'sell', price: 100, quantity: 0.123456789 }, 'quantity'],
    ] as const) {
      const r = await s.post(`${sym('HUGE')}/fills`, body);
      expect([r.status, r.body.error.code, r.body.error.field]).toEqual([400, 'INVALID_UPDATE', field]);
    }
    const pos = await s.post(`${sym('HUGE')}/position`, { quantity: 1, averageCost: 1e308 });
    expect([pos.status, pos.body.error.field]).toEqual([400, 'averageCost']);
    const m = await s.post(`${sym('HUGE')}/mid`, { mid: 1e308 });
    expect([m.status, m.body.error.field]).toEqual([400, 'mid']);
    expect((await s.request('GET', sym('HUGE'))).body).toEqual(before);
    const metrics = (await s.request('GET', '/metrics')).text;
    expect(metrics).not.toMatch(/^mm_(pnl|inventory)\S* [+-]?Inf/m);
  });

  it('bps and P&L are rounded in the replies', async () => {
    // 0.1 bought at 0.1 and 0.2 at 0.2, then 0.3 sold at 0.3: the exact P&L is 0.09 − 0.05 = 0.04,
    // which the floating-point average cost turns into 0.04 ± a few 1e-17; reported 0.04
    await s.post(`${sym('PNL')}/fills`, { id: 'p1', side: 'buy', price: 0.1, quantity: 0.1 });
    await s.post(`${sym('PNL')}/fills`, { id: 'p2', side: 'buy', price: 0.2, quantity: 0.2 });
    await s.post(`${sym('PNL')}/fills`, { id: 'p3', side: 'sell', price: 0.3, quantity: 0.3 });
    const inv = (await s.request('GET', `/v1/agents/default/inventory`)).body;
    const pnl = inv.symbols.find((x: { symbol: string }) => x.symbol === 'PNL');
    // average cost (0.1·0.1 + 0.2·0.2)/0.3 = 0.16666…; realised 0.3·(0.3 − 0.1666…) = 0.04
    expect(pnl.realisedPnl).toBe(0.04);
    expect(String(inv.total.realisedPnl).length).toBeLessThanOrEqual(11);
    // 170 bps spread at mid 100 with a 0.01 tick: spreadBps 170, not 169.99999999999886
    await s.request('PATCH', `/v1/agents/default/config`, { minSpreadBps: 170, maxSpreadBps: 171 });
    const q = (await s.post(`${sym('BPS')}/mid`, { mid: 100 })).body.quote;
    expect(q.askPrice - q.bidPrice).toBeCloseTo(1.7, 12);
    expect(q.spreadBps).toBe(170);
  });
});
