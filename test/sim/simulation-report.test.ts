import { describe, expect, it } from 'vitest';
import { PAPER_MARKET, type GammaResult } from '../../src/sim/avellaneda-stoikov-simulation.js';
import { buildReport, formatJson, formatTable } from '../../src/sim/simulation-report.js';

const result: GammaResult = {
  gamma: 0.1,
  spreadAtHorizon: 1.2907704227514232,
  inventory: { averageSpread: 1.4917704, meanProfit: 64.771, stdProfit: 6.634, meanInventory: -0.0734, stdInventory: 3.1249 },
  symmetric: { averageSpread: 1.4917704, meanProfit: 67.626, stdProfit: 12.981, meanInventory: 0.191, stdInventory: 8.5149 },
};

describe('simulation report', () => {
  const report = buildReport(PAPER_MARKET, 1000, 2008, 'full', [result]);

  it('the table has one row per strategy with fixed decimals, and states the run', () => {
    const lines = formatTable(report).split('\n');
    expect(lines).toContain('0.1    inventory      1.4918        64.77        6.63  -0.073   3.12');
    expect(lines).toContain('0.1    symmetric      1.4918        67.63       12.98   0.191   8.51');
    expect(lines.some((l) => l.includes('dt = 0.005 (200 steps)') && l.includes('1000 paths per gamma, seed 2008'))).toBe(true);
    expect(lines.some((l) => l.includes('gamma 0.1: 1.2908'))).toBe(true);
  });

  it('the JSON carries the full-precision numbers and the run\'s settings', () => {
    const parsed: unknown = JSON.parse(formatJson(report));
    expect(parsed).toMatchObject({ steps: 200, paths: 1000, seed: 2008, spreadRule: 'full', market: PAPER_MARKET, results: [result] });
  });
});
