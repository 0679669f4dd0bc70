import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarketMakerAgent } from '../../src/agent/index.js';
import { SymbolPicker } from '../../src/service/symbol-gauges.js';
import { post, request, startServer } from '../support/server.js';

const T = Date.UTC(2024, 0, 2);

/** An agent whose symbol i holds positions[i] (quoted, so every view is complete). */
function agentWith(positions: readonly number[]): MarketMakerAgent {
  const agent = new MarketMakerAgent('a', { maxSymbols: Math.max(1, positions.length) });
  positions.forEach((q, i) => {
    agent.process({ type: 'volatility', symbol: `S${i}`, sigma: 1, time: T });
    agent.process({ type: 'mid', symbol: `S${i}`, mid: 100, time: T });
    agent.process({ type: 'position', symbol: `S${i}`, quantity: q, averageCost: 100, time: T });
  });
  return agent;
}

describe('SymbolPicker', () => {
  it('picks the n largest |positions|, ties in the agent\'s order, as a full sort would (property)', () => {
    const picker = new SymbolPicker();
    fc.assert(fc.property(
      fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 200 }),
      fc.integer({ min: 1, max: 250 }),
      (positions, topSymbols) => {
        const agent = agentWith(positions);
        const got = picker.pick(agent, { symbolGauges: 'inventory', topSymbols }).map((v) => v.symbol);
        // reference: a stable sort by |position|, descending, then the first n, back in the agent's order
        const expected = positions.map((q, i) => ({ i, score: Math.abs(q) }))
          .sort((x, y) => y.score - x.score || x.i - y.i)
          .slice(0, topSymbols)
          .map((x) => x.i)
          .sort((x, y) => x - y)
          .map((i) => `S${i}`);
        expect(got).toEqual(expected);
      },
    ), { numRuns: 200 });
  });

  it('exports every symbol with "all", none with "none", and ranks by toxicity when told', () => {
    const agent = agentWith([1, -5, 3]);
    const picker = new SymbolPicker();
    expect(picker.pick(agent, { symbolGauges: 'all', topSymbols: 1 }).map((v) => v.symbol)).toEqual(['S0', 'S1', 'S2']);
    expect(picker.pick(agent, { symbolGauges: 'none', topSymbols: 100 })).toEqual([]);
    expect(picker.pick(agent, { symbolGauges: 'inventory', topSymbols: 1 }).map((v) => v.symbol)).toEqual(['S1']);
    // no fills: every toxicity is 0, so the first symbols in order
    expect(picker.pick(agent, { symbolGauges: 'toxicity', topSymbols: 2 }).map((v) => v.symbol)).toEqual(['S0', 'S1']);
  });
});

describe('/metrics per-symbol gauges', () => {
  const series = (text: string, name: string) =>
    text.split('\n').filter((l) => l.startsWith(`${name}{`)).map((l) => /symbol="([^"]+)"/.exec(l)![1]!).sort();

  it('exports the topSymbols largest |positions| of each agent, every gauge for the same symbols', async () => {
    const s = await startServer({ metrics: { topSymbols: 2 } });
    try {
      const positions = { A: 1, B: -7, C: 3, D: 5, E: 0 };
      const t = Date.now();
      for (const [symbol, quantity] of Object.entries(positions)) {
        expect((await post(`${s.url}/v1/agents/default/symbols/${symbol}/position`, { quantity, averageCost: 10, time: t })).status).toBe(200);
      }
      const text = (await request('GET', `${s.url}/metrics`)).body as string;
      expect(series(text, 'mm_inventory')).toEqual(['B', 'D']);
      expect(series(text, 'mm_inventory_limit')).toEqual(['B', 'D']);
      expect(series(text, 'mm_pnl_realised')).toEqual(['B', 'D']);
      expect(text).toContain('mm_inventory{agent="default",symbol="B"} -7');
    } finally {
      await s.close();
    }
  });

  it('exports no per-symbol series with symbolGauges "none"', async () => {
    const s = await startServer({ metrics: { symbolGauges: 'none' } });
    try {
      await post(`${s.url}/v1/agents/default/symbols/A/position`, { quantity: 1, averageCost: 10 });
      const text = (await request('GET', `${s.url}/metrics`)).body as string;
      expect(series(text, 'mm_inventory')).toEqual([]);
      expect(text).toContain('mm_updates_total{agent="default",type="position"} 1');
    } finally {
      await s.close();
    }
  });
});
