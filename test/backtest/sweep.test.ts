import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/agent/index.js';
import { UsageError } from '../../src/command-line.js';
import { DataError } from '../../src/backtest/market-data.js';
import { tempFile } from './support.js';
import { DEFAULT_OPTIONS, runBacktest } from '../../src/backtest/runner.js';
import { frontierPoints, runSweep } from '../../src/backtest/sweep.js';
import { MAX_SWEEP_SETTINGS, parseSweepAxis, sweepSettings } from '../../src/backtest/sweep-grid.js';

const SAMPLE = new URL('../../samples/backtest/sample.csv', import.meta.url).pathname;
const config = parseConfig(JSON.parse(readFileSync(new URL('../../samples/backtest/agent.json', import.meta.url), 'utf8')));
const base = { ...DEFAULT_OPTIONS, fill: { kind: 'trade-through' as const, queueAhead: 0 }, latencyMs: 100 };

describe('sweep grid', () => {
  it('crosses the axes, first axis slowest, each setting checked by the agent schema', () => {
    const s = sweepSettings(config, [parseSweepAxis('gamma=0.05,0.2'), parseSweepAxis('toxicity.maxMultiplier=1,2')]);
    expect(s.map((x) => x.label)).toEqual(['gamma=0.05 toxicity.maxMultiplier=1', 'gamma=0.05 toxicity.maxMultiplier=2', 'gamma=0.2 toxicity.maxMultiplier=1', 'gamma=0.2 toxicity.maxMultiplier=2']);
    expect(s[3]!.config).toEqual({ ...config, gamma: 0.2, toxicity: { ...config.toxicity, maxMultiplier: 2 } });
  });

  it.each([
    ['gamma'], ['gamma='], ['gamma=abc'], ['=1'], ['gamma=1,,2'], ['gamma=-1'], ['model=1'], ['nosuch=1'], ['toxicity.maxMultiplier=9'],
  ])('rejects %s with a UsageError', (axis) => {
    expect(() => sweepSettings(config, [parseSweepAxis(axis)])).toThrow(UsageError);
  });

  it(`refuses more than ${MAX_SWEEP_SETTINGS} settings`, () => {
    const many = Array.from({ length: 40 }, (_, i) => i + 1).join(',');
    expect(() => sweepSettings(config, [parseSweepAxis(`gamma=${many}`), parseSweepAxis(`k=${many}`)])).toThrow(/at most 1000/);
  });
});

describe('a 2 × 2 sweep in worker threads', () => {
  it('runs every setting and each equals the same backtest run in this thread', async () => {
    const settings = sweepSettings(config, [parseSweepAxis('gamma=0.05,0.5'), parseSweepAxis('k=10,40')]);
    const done: number[] = [];
    const results = await runSweep(SAMPLE, base, settings, 2, (n) => done.push(n));
    expect(results.map((r) => r.label)).toEqual(['gamma=0.05 k=10', 'gamma=0.05 k=40', 'gamma=0.5 k=10', 'gamma=0.5 k=40']);
    expect(done).toEqual([1, 2, 3, 4]);
    for (const r of results) {
      expect(r.summary.agent.config.gamma).toBe(r.values.gamma);
      expect(r.summary.agent.config.k).toBe(r.values.k);
    }
    // a second method: the last setting, run directly
    const direct = await runBacktest(SAMPLE, { ...base, config: settings[3]!.config });
    expect(results[3]!.summary).toEqual(direct.summary);
    // different settings quote differently
    expect(new Set(results.map((r) => r.summary.fills.count)).size).toBeGreaterThan(1);
    const points = frontierPoints(results);
    expect(points).toHaveLength(4);
    for (const [i, p] of points.entries()) {
      expect(p.mean).toBe(results[i]!.summary.pnlPerInterval.mean);
      expect(p.std).toBe(results[i]!.summary.pnlPerInterval.std);
    }
  });

  it('bad data in a sweep is a DataError naming the line and field, as in a single run', async () => {
    const bad = tempFile('bad.csv', 'time,mid\n0,100\n1000,-5\n');
    const settings = sweepSettings(config, [parseSweepAxis('gamma=0.05,0.5')]);
    const err = await runSweep(bad, base, settings, 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toBe('bad.csv:3: mid: must be a number greater than zero, got "-5"');
  });
});
