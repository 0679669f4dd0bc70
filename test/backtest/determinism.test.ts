import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/agent/index.js';
import { DEFAULT_OPTIONS, runBacktest, type BacktestOptions } from '../../src/backtest/runner.js';
import { generateSample } from '../../src/backtest/sample-data.js';

const SAMPLE = new URL('../../samples/backtest/sample.csv', import.meta.url).pathname;
const config = parseConfig(JSON.parse(readFileSync(new URL('../../samples/backtest/agent.json', import.meta.url), 'utf8')));
const intensity = (seed: number): BacktestOptions => ({ ...DEFAULT_OPTIONS, config, latencyMs: 100, fill: { kind: 'intensity', A: 1800, k: 20, seed } });

describe('determinism', () => {
  it('the committed sample is exactly what its generator makes from its seed', () => {
    expect(readFileSync(SAMPLE, 'utf8')).toBe(generateSample());
  });

  it('same seed → the same summary and series; another seed → another outcome', async () => {
    const a = await runBacktest(SAMPLE, intensity(7));
    const b = await runBacktest(SAMPLE, intensity(7));
    expect(b).toEqual(a);
    const c = await runBacktest(SAMPLE, intensity(8));
    expect(c.summary.pnl.net).not.toBe(a.summary.pnl.net);
    expect(a.summary.fills.count).toBeGreaterThan(100);
  });

  it('trade-through replays are the same run after run', async () => {
    const o: BacktestOptions = { ...DEFAULT_OPTIONS, config, fill: { kind: 'trade-through', queueAhead: 1 } };
    expect((await runBacktest(SAMPLE, o)).summary).toEqual((await runBacktest(SAMPLE, o)).summary);
  });
});
