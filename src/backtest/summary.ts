/** The JSON summary of one backtest; every field is documented in docs/backtest.md ("The summary"). */
import type { MarketMakerConfig } from '../agent/index.js';
import type { DataFormat } from './reader.js';
import type { FillModelSpec } from './fill-models.js';

export interface BacktestSummary {
  data: {
    file: string;
    format: DataFormat;
    rows: number;
    mids: number;
    trades: number;
    sigmas: number;
    /** ISO 8601, UTC */
    start: string | null;
    end: string | null;
    durationMs: number;
  };
  fillModel: FillModelSpec;
  latencyMs: number;
  /** fee per fill in bps of its notional; negative is a rebate */
  feeBps: number;
  pnl: {
    /** gross − fees */
    net: number;
    /** cash + position × last mid, starting flat */
    gross: number;
    fees: number;
  };
  fills: {
    count: number;
    /** our bids filled */
    buys: number;
    /** our asks filled */
    sells: number;
    /** units traded */
    volume: number;
    /** fills that took less than the order's remaining size left in it (trade-through) */
    partial: number;
  };
  /** units of the asset; mean, std and meanAbsolute weighted by time */
  inventory: { final: number; min: number; max: number; mean: number | null; std: number | null; meanAbsolute: number | null };
  /** largest fall of net P&L from a previous high, currency units */
  maxDrawdown: number;
  /** net P&L changes over whole intervals of intervalMs from the first row */
  pnlPerInterval: { intervalMs: number; count: number; mean: number | null; std: number | null };
  /** mean / std of the per-interval P&L changes × √(intervals per day); null below 2 intervals or with std 0 */
  sharpePerDay: number | null;
  /** time with |position| ≥ maxInventory (the agent's breach flag) */
  timeInBreach: { ms: number; fraction: number | null };
  /** fraction of the time our orders were live on the exchange (after latency) */
  quoteUptime: { both: number | null; bid: number | null; ask: number | null };
  markouts: { horizonMs: number; count: number; unresolved: number; meanBps: number | null; stdBps: number | null };
  agent: {
    /** updates processed (mids, volatilities, fills) */
    updates: number;
    quotes: number;
    /** updates whose quote was within the agent's requote threshold: not republished, the resting quote kept */
    unchanged: number;
    /** updates after which the agent quoted nothing, by its reason */
    noQuote: Record<string, number>;
    config: MarketMakerConfig;
  };
}

/** NaN and ±∞ become null, which is what JSON can hold. */
export function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
