/**
 * Replays recorded market data through a real MarketMakerAgent: every mid
 * and volatility row is an update to the agent, every quote it makes goes to
 * a simulated exchange (live after the latency), a fill model decides which
 * live orders trade, and each fill goes back to the agent as a fill update.
 * Pure apart from reading the file: no clock, and the only randomness is the
 * intensity model's seeded generator, so a seed replays exactly.
 *
 * Within one row, in this order: time advances to the row (quotes whose
 * latency has passed go live; the intensity model draws its fills for the
 * time gone by), the row's trade meets the book (trade-through model), then
 * its volatility and its mid go to the agent.
 */
import { MarketMakerAgent, type MarketMakerConfig, type ProcessResult, type Update } from '../agent/index.js';
import { TIME_UNIT_MS } from '../model/horizon.js';
import { seededUniform, type Uniform } from '../sim/random.js';
import { SimulatedExchange } from './exchange.js';
import { intensityFills, tradeThroughFills, type ExchangeFill, type FillModelSpec } from './fill-models.js';
import { DataError, type MarketRecord } from './market-data.js';
import { Markouts, type Markout } from './markouts.js';
import { openMarketData, type DataFormat } from './reader.js';
import { DecimatedSeries } from './series.js';
import { ReplayStatistics, type ReplayState } from './statistics.js';
import { finiteOrNull, type BacktestSummary } from './summary.js';

export interface BacktestOptions {
  config: MarketMakerConfig;
  fill: FillModelSpec;
  /** from a quote decision to its effect on the exchange, ms */
  latencyMs: number;
  feeBps: number;
  /** length of the intervals for the P&L statistics and the Sharpe ratio, ms */
  intervalMs: number;
  markoutMs: number;
  /** start of the quotes plot's window, Unix ms; default: when our first order goes live */
  zoomStart?: number | undefined;
  zoomMs: number;
}

export const DEFAULT_OPTIONS = {
  latencyMs: 0,
  feeBps: 0,
  intervalMs: 60_000,
  markoutMs: 5_000,
  zoomMs: 120_000,
  queueAhead: 0,
  seed: 1,
} as const;

/** Points the quotes plot's window keeps at most (docs/backtest.md, "Bounds"). */
export const MAX_ZOOM_POINTS = 5_000;

export interface PnlPoint { time: number; pnl: number; inventory: number }
export interface ZoomPoint { time: number; mid: number; bid: number | null; ask: number | null }
export interface FillPoint { time: number; side: 'buy' | 'sell'; price: number; quantity: number }

export interface BacktestSeries {
  pnl: PnlPoint[];
  zoom: ZoomPoint[];
  zoomFills: FillPoint[];
  markouts: Markout[];
}

export interface BacktestResult {
  summary: BacktestSummary;
  series: BacktestSeries;
}

const SYMBOL = 'BACKTEST';

export class Replay {
  private readonly agent: MarketMakerAgent;
  private readonly exchange: SimulatedExchange;
  private readonly uniform: Uniform | null;
  private readonly unitMs: number;
  private readonly state: ReplayState = { pnl: 0, inventory: 0, breach: false, bidLive: false, askLive: false };
  private readonly stats: ReplayStatistics;
  private readonly markouts: Markouts;
  private readonly pnlSeries = new DecimatedSeries<PnlPoint>();
  private readonly zoom: ZoomPoint[] = [];
  private readonly zoomFills: FillPoint[] = [];
  private zoomStart: number;
  private clock = NaN;
  private mid = NaN;
  private cash = 0;
  private fees = 0;
  private fillSeq = 0;
  private readonly counts = { rows: 0, mids: 0, trades: 0, sigmas: 0, fills: 0, buys: 0, sells: 0, partial: 0, volume: 0, updates: 0, quotes: 0, unchanged: 0 };
  private readonly noQuote: Record<string, number> = {};
  private first = NaN;

  constructor(private readonly options: BacktestOptions, private readonly file: string, private readonly format: DataFormat) {
    this.agent = new MarketMakerAgent('backtest', options.config);
    const f = options.fill;
    this.exchange = new SimulatedExchange(options.latencyMs, f.kind === 'trade-through' ? f.queueAhead : 0);
    this.uniform = f.kind === 'intensity' ? seededUniform(f.seed) : null;
    this.unitMs = TIME_UNIT_MS[options.config.timeUnit];
    this.stats = new ReplayStatistics(options.intervalMs, this.state);
    this.markouts = new Markouts(options.markoutMs);
    this.zoomStart = options.zoomStart ?? NaN;
  }

  onRecord(r: MarketRecord): void {
    this.counts.rows++;
    if (Number.isNaN(this.clock)) {
      this.first = this.clock = r.time;
      this.stats.advance(r.time);
    }
    this.advanceTo(r.time);
    if (r.trade !== undefined) {
      this.counts.trades++;
      if (this.options.fill.kind === 'trade-through') this.applyFills(tradeThroughFills(this.exchange.book, r.trade), r.time);
    }
    if (r.sigma !== undefined) {
      this.counts.sigmas++;
      this.send({ type: 'volatility', symbol: SYMBOL, time: r.time, sigma: r.sigma });
    }
    if (r.mid !== undefined) {
      this.counts.mids++;
      if (this.mid > 0) this.markouts.settleBefore(r.time, this.mid);
      this.mid = r.mid;
      this.send({ type: 'mid', symbol: SYMBOL, time: r.time, mid: r.mid });
    }
    // with no latency, the quote just made is live at once
    this.exchange.promote(r.time);
    this.refresh();
    this.pnlSeries.add({ time: r.time, pnl: this.state.pnl, inventory: this.state.inventory });
    this.recordZoom(r.time);
  }

  /** Time moves to `t`: quotes go live as their latency passes, and the intensity model fills over each stretch. */
  private advanceTo(t: number): void {
    for (;;) {
      const change = this.exchange.nextChange();
      const stop = change <= t ? change : t;
      if (stop > this.clock) {
        this.stats.advance(stop);
        const dt = (stop - this.clock) / this.unitMs;
        this.clock = stop;
        const f = this.options.fill;
        if (f.kind === 'intensity' && this.mid > 0) {
          this.applyFills(intensityFills(this.exchange.book, this.mid, dt, f.A, f.k, this.uniform!), stop);
        }
      }
      this.exchange.promote(stop);
      this.refresh();
      this.recordZoom(stop);
      if (stop >= t && this.exchange.nextChange() > t) return;
    }
  }

  private applyFills(fills: readonly ExchangeFill[], time: number): void {
    if (fills.length === 0) return;
    const feeRate = this.options.feeBps / 1e4;
    for (const f of fills) {
      const sign = f.side === 'buy' ? 1 : -1;
      this.cash -= sign * f.price * f.quantity;
      this.fees += Math.abs(f.price * f.quantity) * feeRate;
      this.state.inventory += sign * f.quantity;
      const c = this.counts;
      c.fills++;
      if (sign > 0) c.buys++;
      else c.sells++;
      if (f.partial) c.partial++;
      c.volume += f.quantity;
      this.markouts.add(time, f.side, f.price);
      if (this.inZoom(time) && this.zoomFills.length < MAX_ZOOM_POINTS) this.zoomFills.push({ time, side: f.side, price: f.price, quantity: f.quantity });
      this.send({ type: 'fill', symbol: SYMBOL, time, id: `backtest-${++this.fillSeq}`, side: f.side, price: f.price, quantity: f.quantity });
    }
    this.refresh();
  }

  private send(u: Update): void {
    const result: ProcessResult = this.agent.process(u);
    this.counts.updates++;
    this.state.breach = result.breach;
    if (result.outcome === 'unchanged') {
      // within the requote threshold: the service publishes nothing, so the resting quote stays as it is
      this.counts.unchanged++;
      return;
    }
    if (result.outcome === 'quoted') this.counts.quotes++;
    else this.noQuote[result.decision.reason] = (this.noQuote[result.decision.reason] ?? 0) + 1;
    this.exchange.submit(result.quote, u.time);
  }

  /** The state after a change; P&L marked at the last mid. */
  private refresh(): void {
    const s = this.state;
    const gross = this.cash + (s.inventory === 0 ? 0 : s.inventory * this.mid);
    s.pnl = gross - this.fees;
    s.bidLive = this.exchange.hasBid;
    s.askLive = this.exchange.hasAsk;
    this.stats.observe();
    if (Number.isNaN(this.zoomStart) && (s.bidLive || s.askLive)) this.zoomStart = this.clock;
  }

  private inZoom(t: number): boolean {
    return t >= this.zoomStart && t <= this.zoomStart + this.options.zoomMs;
  }

  private recordZoom(t: number): void {
    if (!this.inZoom(t) || !(this.mid > 0) || this.zoom.length >= MAX_ZOOM_POINTS) return;
    const b = this.exchange.book;
    this.zoom.push({ time: t, mid: this.mid, bid: b.bids[0]?.price ?? null, ask: b.asks[0]?.price ?? null });
  }

  finish(): BacktestResult {
    if (this.counts.mids === 0) throw new DataError(this.file, this.counts.rows, 'mid', 'no row has a mid: there is nothing to quote around');
    this.stats.finish();
    this.markouts.finish(this.clock, this.mid);
    const o = this.options;
    const avg = this.stats.averages();
    const iv = this.stats.intervals;
    const sharpe = iv.count >= 2 && iv.std > 0 ? (iv.mean / iv.std) * Math.sqrt(86_400_000 / o.intervalMs) : NaN;
    const c = this.counts;
    const iso = (t: number): string | null => (Number.isFinite(t) ? new Date(t).toISOString() : null);
    const summary: BacktestSummary = {
      data: { file: this.file, format: this.format, rows: c.rows, mids: c.mids, trades: c.trades, sigmas: c.sigmas, start: iso(this.first), end: iso(this.clock), durationMs: this.stats.durationMs },
      fillModel: o.fill,
      latencyMs: o.latencyMs,
      feeBps: o.feeBps,
      pnl: { net: this.state.pnl, gross: this.state.pnl + this.fees, fees: this.fees },
      fills: { count: c.fills, buys: c.buys, sells: c.sells, volume: c.volume, partial: c.partial },
      inventory: {
        final: this.state.inventory, min: this.stats.invMin, max: this.stats.invMax,
        mean: avg?.meanInventory ?? null, std: avg?.stdInventory ?? null, meanAbsolute: avg?.meanAbsInventory ?? null,
      },
      maxDrawdown: this.stats.maxDrawdown,
      pnlPerInterval: { intervalMs: o.intervalMs, count: iv.count, mean: finiteOrNull(iv.mean), std: finiteOrNull(iv.std) },
      sharpePerDay: finiteOrNull(sharpe),
      timeInBreach: { ms: this.stats.breachTimeMs, fraction: avg?.breach ?? null },
      quoteUptime: { both: avg?.both ?? null, bid: avg?.bid ?? null, ask: avg?.ask ?? null },
      markouts: {
        horizonMs: o.markoutMs, count: this.markouts.stats.count, unresolved: this.markouts.unresolved,
        meanBps: finiteOrNull(this.markouts.stats.mean), stdBps: finiteOrNull(this.markouts.stats.std),
      },
      agent: { updates: c.updates, quotes: c.quotes, unchanged: c.unchanged, noQuote: { ...this.noQuote }, config: o.config },
    };
    return {
      summary,
      series: { pnl: this.pnlSeries.values(), zoom: this.zoom, zoomFills: this.zoomFills, markouts: this.markouts.samples },
    };
  }

  /** The agent, for tests that compare its books with the replay's. */
  get agentForTests(): MarketMakerAgent {
    return this.agent;
  }
}

/** Progress through the file: bytes read of its size. */
export type ProgressListener = (bytesRead: number, size: number) => void;

/** Streams `path` through a Replay; reports progress every 4,096 rows. */
export async function runBacktest(path: string, options: BacktestOptions, onProgress?: ProgressListener): Promise<BacktestResult> {
  const source = openMarketData(path);
  const replay = new Replay(options, path.split(/[\\/]/).pop() ?? path, source.format);
  let n = 0;
  for await (const r of source.records) {
    replay.onRecord(r);
    if (onProgress !== undefined && ++n % 4096 === 0) onProgress(source.bytesRead(), source.size);
  }
  onProgress?.(source.size, source.size);
  return replay.finish();
}
