import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/agent/index.js';
import { frontierSpec, renderBacktestPlots } from '../../src/backtest/plots.js';
import { DEFAULT_OPTIONS, runBacktest } from '../../src/backtest/runner.js';
import { renderSvg } from '../../src/plot/render-svg.js';
import { items, parseSvg } from '../support/svg.js';

const SAMPLE = new URL('../../samples/backtest/sample.csv', import.meta.url).pathname;
const config = parseConfig(JSON.parse(readFileSync(new URL('../../samples/backtest/agent.json', import.meta.url), 'utf8')));

describe('backtest plots', async () => {
  const { summary, series } = await runBacktest(SAMPLE, { ...DEFAULT_OPTIONS, config, fill: { kind: 'trade-through', queueAhead: 0 }, latencyMs: 100 });
  const plots = await renderBacktestPlots(series, 'sample.csv', DEFAULT_OPTIONS.markoutMs);

  it('every plot is a well-formed SVG document', () => {
    for (const svg of Object.values(plots)) expect(parseSvg(svg).length).toBeGreaterThan(20);
  });

  it('P&L and inventory: two lines, over the series\' own range', () => {
    const lines = items(plots['pnl-inventory.svg'], 'line mark');
    expect(lines).toHaveLength(2);
    expect(lines[0]!.attrs['aria-label']).toContain('net P&L (currency)');
    expect(lines[1]!.attrs['aria-label']).toContain('position (units)');
    const titles = parseSvg(plots['pnl-inventory.svg']).filter((e) => e.tag === 'text').map((e) => e.text);
    expect(titles).toEqual(expect.arrayContaining(['Net P&L', 'Inventory']));
    // the inventory axis spans the summary's min and max
    const yAxis = parseSvg(plots['pnl-inventory.svg']).map((e) => e.attrs['aria-label'] ?? '').find((l) => l.startsWith("Y-axis titled 'position (units)'"))!;
    expect(yAxis).toContain(`values from ${String(summary.inventory.min).replace('-', '−')} to ${summary.inventory.max}`);
    expect(series.pnl.length).toBeGreaterThan(1000);
    expect(series.pnl.length).toBeLessThanOrEqual(4001);
  });

  it('quotes: the mid and both live sides as lines, and one point per fill in the window', () => {
    const lines = items(plots['quotes.svg'], 'line mark').map((e) => e.attrs['aria-label']!);
    expect(lines.map((l) => l.split('series: ')[1])).toEqual(['mid', 'bid (live)', 'ask (live)']);
    const points = items(plots['quotes.svg'], 'point');
    expect(points).toHaveLength(series.zoomFills.length);
    expect(points.length).toBeGreaterThan(0);
  });

  it('mark-outs: the bars count every marked fill once', () => {
    const bars = items(plots['markouts.svg'], 'bar').map((e) => e.attrs['aria-label']!);
    const total = bars.reduce((n, l) => n + Number(/fills: (\d+)/.exec(l)![1]), 0);
    expect(total).toBe(summary.markouts.count);
    expect(new Set(bars.map((l) => l.split('fill: ')[1]))).toEqual(new Set(['our bid filled', 'our ask filled']));
  });

  it('frontier: one labelled point per setting', async () => {
    const svg = await renderSvg(frontierSpec([{ label: 'gamma=0.1 k=1', mean: 1, std: 2 }, { label: 'gamma=0.2 k=1', mean: 0.5, std: 1 }], 60_000, 'frontier'));
    const points = items(svg, 'point').map((e) => e.attrs['aria-label']!);
    expect(points).toHaveLength(2);
    expect(points[0]).toContain('std dev of net P&L per 60 s: 2');
    expect(parseSvg(svg).filter((e) => e.tag === 'text').map((e) => e.text)).toEqual(expect.arrayContaining(['gamma=0.1 k=1', 'gamma=0.2 k=1']));
  });
});
