/**
 * The backtest's plots as Vega-Lite specifications (rendered by
 * src/plot/render-svg.ts): P&L and inventory over time, our live quotes
 * against the mid over a zoomed window, the distribution of mark-outs, and a
 * sweep's frontier. Each series is named in a legend or a panel title, so a
 * reader (and the tests) can tell them apart.
 */
import { BASE, renderSvg, type TopLevelSpec } from '../plot/render-svg.js';
import type { Markout } from './markouts.js';
import type { BacktestSeries, FillPoint, PnlPoint, ZoomPoint } from './runner.js';

const WIDTH = 720;

export function pnlInventorySpec(points: readonly PnlPoint[], title: string): TopLevelSpec {
  const x = { field: 'time', type: 'temporal', title: 'time (UTC)', axis: { format: '%H:%M' }, scale: { type: 'utc' } } as const;
  return {
    ...BASE,
    title,
    data: { values: points.map((p) => ({ time: p.time, pnl: p.pnl, inventory: p.inventory })) },
    vconcat: [
      {
        title: 'Net P&L',
        width: WIDTH, height: 220,
        mark: { type: 'line', color: '#1f77b4' },
        encoding: { x, y: { field: 'pnl', type: 'quantitative', title: 'net P&L (currency)' } },
      },
      {
        title: 'Inventory',
        width: WIDTH, height: 160,
        mark: { type: 'line', interpolate: 'step-after', color: '#ff7f0e' },
        encoding: { x, y: { field: 'inventory', type: 'quantitative', title: 'position (units)' } },
      },
    ],
  };
}

const QUOTE_SERIES = ['mid', 'bid (live)', 'ask (live)'] as const;

export function quotesSpec(zoom: readonly ZoomPoint[], fills: readonly FillPoint[], title: string): TopLevelSpec {
  const rows: { time: number; series: string; price: number | null }[] = [];
  for (const z of zoom) {
    rows.push({ time: z.time, series: 'mid', price: z.mid });
    // null breaks the line where a side had no live order
    rows.push({ time: z.time, series: 'bid (live)', price: z.bid });
    rows.push({ time: z.time, series: 'ask (live)', price: z.ask });
  }
  const x = { field: 'time', type: 'temporal', title: 'time (UTC)', axis: { format: '%H:%M:%S' }, scale: { type: 'utc' } } as const;
  return {
    ...BASE,
    title,
    width: WIDTH, height: 320,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'line', interpolate: 'step-after', invalid: 'break-paths-show-domains' },
        encoding: {
          x,
          y: { field: 'price', type: 'quantitative', title: 'price', scale: { zero: false } },
          color: { field: 'series', type: 'nominal', title: 'series', scale: { domain: [...QUOTE_SERIES], range: ['#555555', '#2ca02c', '#d62728'] } },
        },
      },
      {
        data: { values: fills.map((f) => ({ time: f.time, price: f.price, fill: f.side === 'buy' ? 'our bid filled' : 'our ask filled' })) },
        mark: { type: 'point', filled: true, size: 70 },
        encoding: {
          x,
          y: { field: 'price', type: 'quantitative' },
          shape: { field: 'fill', type: 'nominal', title: 'fills', scale: { domain: ['our bid filled', 'our ask filled'], range: ['triangle-up', 'triangle-down'] } },
          color: { value: 'black' },
        },
      },
    ],
  };
}

export function markoutsSpec(markouts: readonly Markout[], horizonMs: number, title: string): TopLevelSpec {
  return {
    ...BASE,
    title,
    width: WIDTH, height: 280,
    data: { values: markouts.map((m) => ({ bps: m.bps, side: m.side === 'buy' ? 'our bid filled' : 'our ask filled' })) },
    mark: { type: 'bar', opacity: 0.85 },
    encoding: {
      x: { field: 'bps', type: 'quantitative', bin: { maxbins: 40 }, title: `mark-out after ${horizonMs} ms (bps of the fill price; > 0 in our favour)` },
      y: { aggregate: 'count', type: 'quantitative', title: 'fills' },
      color: { field: 'side', type: 'nominal', title: 'fill', scale: { domain: ['our bid filled', 'our ask filled'], range: ['#2ca02c', '#d62728'] } },
    },
  };
}

export interface FrontierPoint { label: string; std: number; mean: number }

export function frontierSpec(points: readonly FrontierPoint[], intervalMs: number, title: string): TopLevelSpec {
  const per = `per ${intervalMs / 1000} s`;
  const x = { field: 'std', type: 'quantitative', title: `std dev of net P&L ${per}`, scale: { zero: false } } as const;
  const y = { field: 'mean', type: 'quantitative', title: `mean net P&L ${per}`, scale: { zero: false } } as const;
  return {
    ...BASE,
    title,
    width: 560, height: 380,
    data: { values: points.map((p) => ({ ...p })) },
    layer: [
      { mark: { type: 'point', filled: true, size: 80, color: '#1f77b4' }, encoding: { x, y, tooltip: { field: 'label' } } },
      { mark: { type: 'text', align: 'left', dx: 7, dy: -7, fontSize: 10 }, encoding: { x, y, text: { field: 'label' } } },
    ],
  };
}

export interface BacktestPlots { 'pnl-inventory.svg': string; 'quotes.svg': string; 'markouts.svg': string }

export async function renderBacktestPlots(series: BacktestSeries, file: string, markoutMs: number): Promise<BacktestPlots> {
  return {
    'pnl-inventory.svg': await renderSvg(pnlInventorySpec(series.pnl, `Backtest of ${file}: net P&L and inventory`)),
    'quotes.svg': await renderSvg(quotesSpec(series.zoom, series.zoomFills, `Live quotes against the mid (${file}, zoomed)`)),
    'markouts.svg': await renderSvg(markoutsSpec(series.markouts, markoutMs, `Mark-outs of our fills (${file})`)),
  };
}
