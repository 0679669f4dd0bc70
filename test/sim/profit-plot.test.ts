import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PAPER_MARKET, simulateGamma } from '../../src/sim/avellaneda-stoikov-simulation.js';
import { profitHistogramSpec } from '../../src/sim/profit-plot.js';
import { profitSamples } from '../../src/sim/profit-samples.js';
import { RunningStats } from '../../src/sim/running-stats.js';
import { renderSvg } from '../../src/plot/render-svg.js';
import { items } from '../support/svg.js';

function stats(xs: Float64Array): { mean: number; std: number } {
  const s = new RunningStats();
  for (const x of xs) s.add(x);
  return { mean: s.mean, std: s.std };
}

describe('profit histograms', () => {
  it('per-path profits are the paths of simulateGamma: same mean and std for both strategies', () => {
    for (const gamma of [0.1, 0.5]) {
      const samples = profitSamples(PAPER_MARKET, gamma, 50, 11);
      const table = simulateGamma(PAPER_MARKET, gamma, 50, 11);
      for (const strategy of ['inventory', 'symmetric'] as const) {
        const s = stats(samples[strategy]);
        expect(s.mean).toBeCloseTo(table[strategy].meanProfit, 9);
        expect(s.std).toBeCloseTo(table[strategy].stdProfit, 9);
      }
    }
  });

  it('draws both strategies, every path counted once', async () => {
    const samples = profitSamples(PAPER_MARKET, 0.1, 200, 3);
    const svg = await renderSvg(profitHistogramSpec(0.1, samples, 200, 3));
    const bars = items(svg, 'bar').map((e) => e.attrs['aria-label']!);
    const count = (strategy: string): number => bars.filter((l) => l.endsWith(`strategy: ${strategy}`)).reduce((n, l) => n + Number(/paths: (\d+)/.exec(l)![1]), 0);
    expect(count('inventory')).toBe(200);
    expect(count('symmetric')).toBe(200);
  });

  it('npm run simulate -- --plot DIR writes one SVG per gamma', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-plot-'));
    const code = await new Promise<number | null>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'src/sim/cli.ts', '--paths', '20', '--gamma', '0.1,0.5', '--plot', dir], { timeout: 60_000 }, (err) => resolve(err === null ? 0 : typeof err.code === 'number' ? err.code : null));
    });
    expect(code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['profit-gamma-0.1.svg', 'profit-gamma-0.5.svg']);
    expect(readFileSync(join(dir, 'profit-gamma-0.5.svg'), 'utf8')).toContain('Profit over 20 paths, γ = 0.5');
  });
});
