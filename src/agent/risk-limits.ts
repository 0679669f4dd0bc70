/**
 * The arithmetic of the risk limits, as pure functions over plain numbers:
 * P&L since the period start, drawdown from the period's peak, which limit a
 * figure breaches, how much of a limit is used, when a session period starts,
 * and which side a notional limit keeps from being quoted. No clock: times
 * are the updates' times, passed in.
 */
import { MS_PER_DAY } from '../model/horizon.js';

/** What a loss or drawdown breach stops. */
export type HoldReason = 'loss-limit' | 'drawdown-limit';
export type LimitKind = 'loss' | 'drawdown' | 'gross-notional' | 'net-notional';
export const LIMIT_KINDS: readonly LimitKind[] = ['loss', 'drawdown', 'gross-notional', 'net-notional'];

/** One scope (the agent, or one symbol) in the current period. */
export interface ScopeState {
  /** total P&L (realised + unrealised, net of fees) when the period started */
  baseline: number;
  /** highest P&L since the period start, relative to the baseline; never below 0 (the start is a peak) */
  peak: number;
}

/** Figures of one scope now. */
export interface ScopeFigures {
  /** P&L since the period start */
  pnl: number;
  /** fall from the period's peak, ≥ 0 */
  drawdown: number;
}

/** Moves the peak up to `totalPnl` if it is higher, and measures the scope. */
export function measure(scope: ScopeState, totalPnl: number): ScopeFigures {
  const pnl = totalPnl - scope.baseline;
  if (pnl > scope.peak) scope.peak = pnl;
  return { pnl, drawdown: scope.peak - pnl };
}

/** The first limit the figures are at or beyond (loss before drawdown), or null. A null limit is off. */
export function breachOf(f: ScopeFigures, maxLoss: number | null, maxDrawdown: number | null): HoldReason | null {
  if (maxLoss !== null && -f.pnl >= maxLoss) return 'loss-limit';
  if (maxDrawdown !== null && f.drawdown >= maxDrawdown) return 'drawdown-limit';
  return null;
}

/** Share of a limit in use, ≥ 0 (1 = at the limit); 0 when the limit is off. */
export function usedRatio(used: number, max: number | null): number {
  if (max === null) return 0;
  return used > 0 ? used / max : 0;
}

/** Milliseconds after midnight UTC of "HH:MM". */
export function msOfDay(hhmm: string): number {
  const [hh, mm] = hhmm.split(':').map(Number) as [number, number];
  return (hh * 60 + mm) * 60_000;
}

/** The latest reset at `resetMsOfDay` (UTC) at or before `time`: the start of the session period `time` is in. */
export function sessionPeriodStart(time: number, resetMsOfDay: number): number {
  const day = Math.floor((time - resetMsOfDay) / MS_PER_DAY);
  return day * MS_PER_DAY + resetMsOfDay;
}

/** bits of `blockedSides`: a number, so the check allocates nothing on the hot path */
export const BID_BLOCKED = 1;
export const ASK_BLOCKED = 2;

/**
 * Which sides of one symbol a notional limit keeps off (BID_BLOCKED | ASK_BLOCKED): with the net figure
 * (Σ position × mark) at or beyond +maxNet a buy would grow it, at or beyond −maxNet a sell would; with
 * the gross figure (Σ |position × mark|) at or beyond maxGross, the side that adds to this symbol's
 * position would grow it (both sides of a flat symbol).
 */
export function blockedSides(position: number, gross: number, net: number, maxGross: number | null, maxNet: number | null): number {
  let blocked = 0;
  if (maxNet !== null) {
    if (net >= maxNet) blocked |= BID_BLOCKED;
    if (net <= -maxNet) blocked |= ASK_BLOCKED;
  }
  if (maxGross !== null && gross >= maxGross) {
    if (position >= 0) blocked |= BID_BLOCKED;
    if (position <= 0) blocked |= ASK_BLOCKED;
  }
  return blocked;
}
