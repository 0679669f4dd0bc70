/**
 * Backtests of tiny recordings under the trade-through model, every figure
 * computed by hand below (the agent's quotes from HAND_CONFIG in support.ts:
 * bid/ask = mid − 0.05·q ∓ 0.002·mid).
 */
import { describe, expect, it } from 'vitest';
import { openMarketData } from '../../src/backtest/reader.js';
import { Replay, runBacktest } from '../../src/backtest/runner.js';
import { options, tempFile } from './support.js';

const T0 = Date.parse('2026-01-02T10:00:00Z');
const iso = (ms: number): string => new Date(T0 + ms).toISOString();

/*
 * Row by row (latency 0, nobody ahead in the queue, fee 1 bps):
 *   0 s  σ = 1, mid 100, q 0 → bid 99.80, ask 100.20
 *   1 s  seller prints 99.85 × 1: above our bid 99.80 → no fill
 *   2 s  seller prints 99.80 × 3: at our bid → we buy 1 @ 99.80 (fee 0.00998); q 1 → bid 99.75, ask 100.15
 *   3 s  buyer prints 100.20 × 2: through our ask 100.15 → we sell 1 @ 100.15 (fee 0.010015); q 0 → 99.80 / 100.20
 *   4 s  mid 105 → half-spread 0.21: bid 104.79, ask 105.21
 *   5 s  seller prints 104.70 × 5: through our bid → we buy 1 @ 104.79 (fee 0.010479); q 1 → 104.74 / 105.16
 *   6 s  seller prints 104.74 × 1: at our bid → we buy 1 @ 104.74 (fee 0.010474); q 2 = maxInventory:
 *        breach, no bid, ask 105 − 0.1 + 0.21 = 105.11
 *   7 s  seller prints 100 × 10: no bid is live → no fill
 *   8 s  mid 100 → ask 99.9 + 0.2 = 100.10
 *  10 s  mid 100 (the end)
 * Cash: −99.80 + 100.15 − 104.79 − 104.74 = −209.18; gross = −209.18 + 2 × 100 = −9.18;
 * fees = 0.00998 + 0.010015 + 0.010479 + 0.010474 = 0.040948; net = −9.220948.
 * Net P&L after each change: 2 s 0.20 − 0.00998 = 0.19002; 3 s 0.35 − 0.019995 = 0.330005;
 * 5 s 0.56 − 0.030474 = 0.529526; 6 s 0.82 − 0.040948 = 0.779052; 8 s −9.220948.
 * Max drawdown 0.779052 − (−9.220948) = 10 (two units × the mid's fall of 5).
 * Inventory over 10 s: 0 for 2 s, 1 for 1 s, 0 for 2 s, 1 for 1 s, 2 for 4 s: mean 10/10 = 1,
 * mean square 18/10 = 1.8, std √0.8; in breach 4 s of 10; bid live 0–6 s (0.6), ask always (1).
 * Intervals of 2 s, P&L at 2, 4, 6, 8, 10 s: 0.19002, 0.330005, 0.779052, −9.220948, −9.220948,
 * so the changes are 0.19002, 0.139985, 0.449047, −10, 0.
 * Mark-outs 1 s later (bps of the fill price, > 0 in our favour): bought 99.80, mid 100 at 3 s:
 * 0.20/99.80; sold 100.15, mid 105 at 4 s: −4.85/100.15; bought 104.79 and 104.74, mid 105: 0.21/104.79, 0.26/104.74.
 */
const CSV = [
  'time,mid,sigma,price,quantity,side',
  `${iso(0)},100,1,,,`,
  `${iso(1000)},,,99.85,1,sell`,
  `${iso(2000)},,,99.80,3,sell`,
  `${iso(3000)},,,100.20,2,buy`,
  `${iso(4000)},105,,,,`,
  `${iso(5000)},,,104.70,5,sell`,
  `${iso(6000)},,,104.74,1,sell`,
  `${iso(7000)},,,100,10,sell`,
  `${iso(8000)},100,,,,`,
  `${iso(10000)},100,,,,`,
].join('\n');

const OPTIONS = options({ feeBps: 1, intervalMs: 2000, markoutMs: 1000 });

function sampleStd(xs: number[]): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

describe('trade-through backtest of a hand-computed recording', () => {
  it('fills, P&L, fees, inventory, drawdown, breach and uptime are exactly the hand values', async () => {
    const { summary: s } = await runBacktest(tempFile('hand.csv', CSV), OPTIONS);
    expect(s.data).toMatchObject({ rows: 10, mids: 4, trades: 6, sigmas: 1, durationMs: 10_000, start: iso(0), end: iso(10000) });
    expect(s.fills).toEqual({ count: 4, buys: 3, sells: 1, volume: 4, partial: 0 });
    expect(s.pnl.gross).toBeCloseTo(-9.18, 9);
    expect(s.pnl.fees).toBeCloseTo(0.040948, 9);
    expect(s.pnl.net).toBeCloseTo(-9.220948, 9);
    expect(s.maxDrawdown).toBeCloseTo(10, 9);
    expect(s.inventory.final).toBe(2);
    expect(s.inventory.min).toBe(0);
    expect(s.inventory.max).toBe(2);
    expect(s.inventory.mean).toBeCloseTo(1, 12);
    expect(s.inventory.std).toBeCloseTo(Math.sqrt(0.8), 12);
    expect(s.inventory.meanAbsolute).toBeCloseTo(1, 12);
    expect(s.timeInBreach).toEqual({ ms: 4000, fraction: 0.4 });
    expect(s.quoteUptime).toEqual({ both: 0.6, bid: 0.6, ask: 1 });
    const changes = [0.19002, 0.139985, 0.449047, -10, 0];
    expect(s.pnlPerInterval.count).toBe(5);
    expect(s.pnlPerInterval.mean).toBeCloseTo(-9.220948 / 5, 9);
    expect(s.pnlPerInterval.std).toBeCloseTo(sampleStd(changes), 9);
    expect(s.sharpePerDay).toBeCloseTo((-9.220948 / 5 / sampleStd(changes)) * Math.sqrt(86_400_000 / 2000), 6);
    const markouts = [0.2 / 99.8, -4.85 / 100.15, 0.21 / 104.79, 0.26 / 104.74].map((x) => x * 1e4);
    expect(s.markouts.count).toBe(4);
    expect(s.markouts.unresolved).toBe(0);
    expect(s.markouts.meanBps).toBeCloseTo(markouts.reduce((a, b) => a + b) / 4, 9);
    expect(s.markouts.stdBps).toBeCloseTo(sampleStd(markouts), 9);
    // σ comes before the first mid in row 1, so one update found no mid; the last mid (100 again, 2 s after
    // the one before) makes the same quote, which the requote threshold holds back
    expect(s.agent).toMatchObject({ updates: 9, quotes: 7, unchanged: 1, noQuote: { 'no-mid': 1 } });
  });

  it('the agent books the same fills: its realised + unrealised P&L is the replay gross P&L', async () => {
    const source = openMarketData(tempFile('hand.csv', CSV));
    const replay = new Replay(OPTIONS, 'hand.csv', source.format);
    for await (const r of source.records) replay.onRecord(r);
    const { summary } = replay.finish();
    const view = replay.agentForTests.view('BACKTEST')!;
    expect(view.position).toBe(2);
    expect(view.buyFills).toBe(3);
    expect(view.sellFills).toBe(1);
    // average cost: 104.79 and 104.74 → 104.765; realised on the round trip 100.15 − 99.80 = 0.35
    expect(view.averageCost).toBeCloseTo(104.765, 9);
    expect(view.realisedPnl).toBeCloseTo(0.35, 9);
    expect(view.realisedPnl + view.unrealisedPnl).toBeCloseTo(summary.pnl.gross, 9);
  });

  it('JSON lines with epoch milliseconds give the same summary as the CSV with ISO times', async () => {
    const lines = CSV.split('\n').slice(1).map((row) => {
      const [time, mid, sigma, price, quantity, side] = row.split(',');
      const o: Record<string, unknown> = { time: Date.parse(time!) };
      if (mid) o.mid = Number(mid);
      if (sigma) o.volatility = Number(sigma);
      if (price) Object.assign(o, { price: Number(price), quantity: Number(quantity), side });
      return JSON.stringify(o);
    });
    const a = (await runBacktest(tempFile('hand.csv', CSV), OPTIONS)).summary;
    const b = (await runBacktest(tempFile('hand.jsonl', lines.join('\n')), OPTIONS)).summary;
    expect({ ...b, data: { ...b.data, file: a.data.file, format: a.data.format } }).toEqual(a);
  });

  /*
   * Latency 500 ms (fee 0):
   *   0 ms    mid 100 → bid 99.80 decided, live at 500
   *   300 ms  seller prints 99.80: nothing live yet → no fill
   *   600 ms  seller prints 99.80 × 5: we buy 1 @ 99.80; the agent's new bid 99.75 is live only at 1100
   *   900 ms  seller prints 99.80 × 5: the old bid is used up, the new one not live → no fill
   *   1200 ms seller prints 99.75 × 5: we buy 1 @ 99.75; q 2
   *   2000 ms mid 100
   * gross = −99.80 − 99.75 + 200 = 0.45.
   */
  it('latency: quotes reach the book late, and a filled order is gone until the next quote is live', async () => {
    const csv = ['time,mid,sigma,price,quantity,side', '0,100,1,,,', '300,,,99.80,5,sell', '600,,,99.80,5,sell', '900,,,99.80,5,sell', '1200,,,99.75,5,sell', '2000,100,,,,'].join('\n');
    const { summary: s } = await runBacktest(tempFile('latency.csv', csv), options({ latencyMs: 500 }));
    expect(s.fills).toMatchObject({ count: 2, buys: 2, sells: 0 });
    expect(s.pnl.net).toBeCloseTo(0.45, 9);
    // the bid was live 500–600 and 1100–1200 (the ask from 500 on, with its re-quotes): 200 of 2000 ms
    expect(s.quoteUptime.bid).toBeCloseTo(0.1, 12);
    expect(s.quoteUptime.ask).toBeCloseTo(0.75, 12);
  });

  /*
   * 2 units assumed ahead of each new order (fee 0): bid 99.80 from the mid of 100;
   *   seller prints 99.80 × 1: the queue goes 2 → 1, no fill;
   *   seller prints 99.80 × 2: queue 1 → 0, then 1 unit for us: we buy 1 @ 99.80; q 1 → bid 99.75 (a new price: 2 ahead again)
   *   seller prints 99.70 × 1: through our bid, so the queue does not apply: we buy 1 @ 99.75
   * With no one ahead (queueAhead 0) the first print fills us; the second, at 99.80, is above the new
   * bid 99.75 and does not reach it; the third fills it: 2 fills too, the first a second earlier.
   */
  it('queue position: at our price the units ahead trade first; through our price they do not', async () => {
    const csv = ['time,mid,sigma,price,quantity,side', '0,100,1,,,', '1000,,,99.80,1,sell', '2000,,,99.80,2,sell', '3000,,,99.70,1,sell', '4000,100,,,,'].join('\n');
    const path = tempFile('queue.csv', csv);
    const queued = (await runBacktest(path, options({ fill: { kind: 'trade-through', queueAhead: 2 }, intervalMs: 1000 }))).summary;
    expect(queued.fills).toMatchObject({ count: 2, buys: 2 });
    expect(queued.pnl.gross).toBeCloseTo(-99.80 - 99.75 + 200, 9);
    // inventory: 0 until the fill at 2 s, 1 until 3 s, 2 after: mean (1 + 2·1)/4
    expect(queued.inventory.mean).toBeCloseTo(3 / 4, 12);
    const front = (await runBacktest(path, options({ intervalMs: 1000 }))).summary;
    expect(front.fills).toMatchObject({ count: 2, buys: 2 });
    // filled at 1 s instead: inventory 1 from 1 s to 3 s, 2 after: mean (2·1 + 2·1)/4
    expect(front.inventory.mean).toBeCloseTo(1, 12);
  });

  it('a trade smaller than our order fills part of it, and the rest stays on the book', async () => {
    // orderSize 3, latency 500: bid 99.80 × 3 live at 500; sellers print 99.80 × 1 twice at 1000: two partial
    // fills, the second from what the first left (the agent's re-quotes, at 99.78 for a third of a lot, are live
    // only at 1500); at 1200 a print at 99.80 finds the last unit
    const csv = ['time,mid,sigma,price,quantity,side', '0,100,1,,,', '1000,,,99.80,1,sell', '1000,,,99.80,1,sell', '1200,,,99.80,5,sell', '2000,100,,,,'].join('\n');
    const { summary: s } = await runBacktest(tempFile('partial.csv', csv), options({ latencyMs: 500 }, { timeUnit: 'day', gamma: 0.05, k: 1000, orderSize: 3, maxInventory: 10, maxSkew: 0, minSpreadBps: 40, volatility: { source: 'pushed' } }));
    expect(s.fills).toEqual({ count: 3, buys: 3, sells: 0, volume: 3, partial: 2 });
    expect(s.pnl.gross).toBeCloseTo(3 * (100 - 99.8), 9);
  });
});
