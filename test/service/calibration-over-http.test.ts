import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, request, startServer, StreamClient, type Running } from '../support/server.js';

let s: Running;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

describe('online calibration and levels through the service', () => {
  it('an agent with estimated volatility and intensity quotes from mids alone, with levels on REST and WebSocket', async () => {
    const created = await post(`${s.url}/v1/agents`, {
      id: 'est',
      config: {
        timeUnit: 'second', tickSize: 0.0001, minSpreadBps: 0, maxSpreadBps: 10_000,
        volatility: { source: 'estimated', minSamples: 30 },
        intensity: { source: 'estimated' },
        levels: 3, levelStep: { unit: 'bps', value: 5 },
        model: 'glft',
      },
    });
    expect(created.status).toBe(201);
    const c = await StreamClient.connect(s.wsUrl);
    c.send({ op: 'subscribe', agent: 'est', symbols: ['E'] });
    await c.until((m) => m.some((x) => x.type === 'subscribed'));

    // an alternating walk of ±0.01 every 100 ms: sigma = 0.01/√0.1 s = 0.0316 per √second
    const t0 = 1_700_000_000_000;
    const updates = Array.from({ length: 40 }, (_, i) => ({ type: 'mid', symbol: 'E', mid: 100 + (i % 2 ? 0.01 : 0), time: t0 + i * 100 }));
    const r = await post(`${s.url}/v1/agents/est/updates`, { updates });
    const outcomes = r.body.results.map((x: { outcome: string; decision: { reason: string } }) => x.outcome === 'quoted' ? 'q' : x.decision.reason);
    // no quote on a made-up number during the warm-up; quotes once 30 returns back the estimate
    expect(outcomes.slice(0, 30).every((o: string) => o === 'no-volatility')).toBe(true);
    expect(outcomes.slice(31).every((o: string) => o === 'q')).toBe(true);
    const last = r.body.results[39].quote;
    expect(last.sigmaSource).toBe('estimated');
    expect(last.sigma).toBeCloseTo(0.01 / Math.sqrt(0.1), 6);
    expect(last.levels.bids).toHaveLength(3);
    expect(last.levels.asks).toHaveLength(3);
    expect(last.levels.bids[0].price).toBeGreaterThan(last.levels.bids[1].price);
    expect(last.levels.asks[2].price).toBeGreaterThan(last.levels.asks[1].price);

    await c.until((m) => m.some((x) => x.type === 'quote' && x.seq === last.seq));
    const streamed = c.of('quote').find((x) => x.seq === last.seq);
    expect(streamed.levels).toEqual(last.levels);

    const view = (await request('GET', `${s.url}/v1/agents/est/symbols/E`)).body;
    expect(view.volatilityEstimate).toMatchObject({ inUse: true });
    expect(view.volatilityEstimate.samples).toBeGreaterThanOrEqual(30);
    expect(view.intensity.bid).toMatchObject({ source: 'configured', fills: 0 });
    c.close();
  });
});
