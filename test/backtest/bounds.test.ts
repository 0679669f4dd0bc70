import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../src/agent/index.js';
import { DEFAULT_OPTIONS, MAX_ZOOM_POINTS, runBacktest } from '../../src/backtest/runner.js';
import { SimulatedExchange } from '../../src/backtest/exchange.js';
import { Markouts } from '../../src/backtest/markouts.js';
import { DecimatedSeries } from '../../src/backtest/series.js';

describe('backtest bounds', () => {
  it('quotes waiting for their latency: past the bound the run stops with a message', () => {
    const ex = new SimulatedExchange(1_000, 0, 3);
    for (let t = 0; t < 3; t++) ex.submit(null, t);
    expect(() => ex.submit(null, 3)).toThrow(/more than 3 quotes waiting/);
    // once due quotes go live there is room again
    ex.promote(1_000);
    expect(() => ex.submit(null, 1_000)).not.toThrow();
  });

  it('the plotted series holds at most 2 × maxPoints + 1 points, evenly spaced, first and last kept', () => {
    for (const n of [1, 7, 100, 1_000, 12_345]) {
      const s = new DecimatedSeries<number>(10);
      for (let i = 0; i < n; i++) s.add(i);
      const v = s.values();
      expect(v.length).toBeLessThanOrEqual(21);
      expect(v[0]).toBe(0);
      expect(v[v.length - 1]).toBe(n - 1);
      const gaps = new Set(v.slice(1, -1).map((x, i) => x - v[i]!));
      expect(gaps.size).toBeLessThanOrEqual(1);
    }
  });

  it('mark-outs: the histogram keeps at most its bound, the statistics take every fill', () => {
    const m = new Markouts(1_000, 5);
    for (let t = 0; t < 20; t++) m.add(t, 'buy', 100);
    m.settleBefore(10_000, 101);
    expect(m.samples).toHaveLength(5);
    expect(m.stats.count).toBe(20);
    expect(m.stats.mean).toBeCloseTo(100, 9);
    expect(m.unresolved).toBe(0);
  });

  it('the quotes plot keeps at most MAX_ZOOM_POINTS points, however long the window', async () => {
    const config = parseConfig(JSON.parse(readFileSync(new URL('../../samples/backtest/agent.json', import.meta.url), 'utf8')));
    const sample = new URL('../../samples/backtest/sample.csv', import.meta.url).pathname;
    const { series } = await runBacktest(sample, { ...DEFAULT_OPTIONS, config, fill: { kind: 'trade-through', queueAhead: 0 }, zoomMs: 3_600_000 });
    expect(series.zoom).toHaveLength(MAX_ZOOM_POINTS);
    expect(series.zoomFills.length).toBeGreaterThan(100);
    expect(series.zoomFills.length).toBeLessThanOrEqual(MAX_ZOOM_POINTS);
  });
});
