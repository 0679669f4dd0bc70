import { toSteps, type QuantityGrid } from '../model/quantity-grid.js';
import type { MarketMakerConfig } from './config.js';
import { invalid } from './errors.js';

/** What an update may carry: the agent's bounds and its quantity step. */
export interface UpdateLimits {
  config: Pick<MarketMakerConfig, 'maxPrice' | 'maxQuantity' | 'maxNotional' | 'quantityStep'>;
  quantity: QuantityGrid;
}

/**
 * One input to `MarketMakerAgent.process`. `time` is the update's time in Unix
 * milliseconds (the OMS's, or the server's on arrival); the agent never reads
 * a clock of its own.
 */
export type Update = MidUpdate | VolatilityUpdate | PositionUpdate | FillUpdate;

export interface MidUpdate { type: 'mid'; symbol: string; time: number; mid: number }
/** sigma in price units per √(the agent's time unit) */
export interface VolatilityUpdate { type: 'volatility'; symbol: string; time: number; sigma: number }
export interface PositionUpdate {
  type: 'position'; symbol: string; time: number;
  quantity: number; averageCost: number; mark?: number | undefined;
}
export interface FillUpdate {
  type: 'fill'; symbol: string; time: number;
  id: string; side: 'buy' | 'sell'; price: number; quantity: number;
  /** fee paid, quote currency (negative: a rebate); absent: the configured fees.makerBps or takerBps of its notional */
  fee?: number | undefined;
  /** whether our resting quote was hit (`maker`, the default) or we took liquidity; picks the configured fee */
  liquidity?: 'maker' | 'taker' | undefined;
}
export type UpdateType = Update['type'];

function finite(value: number, field: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(field, 'must be a finite number');
}

function positive(value: number, field: string): void {
  finite(value, field);
  if (value <= 0) throw invalid(field, 'must be greater than zero');
}

function price(value: number, field: string, l: UpdateLimits): void {
  positive(value, field);
  if (value > l.config.maxPrice) throw invalid(field, `must be at most maxPrice (${l.config.maxPrice})`);
}

/** A quantity on the step and within maxQuantity; returns it in whole steps. */
function quantity(value: number, field: string, l: UpdateLimits): number {
  finite(value, field);
  if (Math.abs(value) > l.config.maxQuantity) throw invalid(field, `must be at most maxQuantity (${l.config.maxQuantity}) in size`);
  const steps = toSteps(value, l.quantity);
  if (Number.isNaN(steps)) throw invalid(field, `must be a multiple of quantityStep (${l.config.quantityStep})`);
  return steps;
}

function notional(p: number, q: number, field: string, l: UpdateLimits): void {
  if (Math.abs(p * q) > l.config.maxNotional) throw invalid(field, `price × quantity must be at most maxNotional (${l.config.maxNotional})`);
}

/**
 * Throws an AgentError naming the first bad field; checks everything before
 * any state changes. Every price, quantity and notional is bounded so that
 * every figure derived from them (P&L above all) stays finite.
 *
 * Each type's fields are read in a function of its own: a read site that sees
 * one kind of update only stays monomorphic, and a double read from an
 * update is then used unboxed (a site shared by all four kinds boxes it, one
 * allocation per update).
 */
export function validateUpdate(u: Update, l: UpdateLimits): void {
  switch (u.type) {
    case 'mid':
      return validateMid(u, l);
    case 'volatility':
      return validateVolatility(u);
    case 'position':
      return validatePosition(u, l);
    case 'fill':
      return validateFill(u, l);
    default:
      symbolAndTime((u as Update).symbol, (u as Update).time);
      throw invalid('type', 'must be one of mid, volatility, position, fill');
  }
}

/** Given the fields, not the update: each caller reads them at a site of its own. */
function symbolAndTime(symbol: unknown, time: number): void {
  if (typeof symbol !== 'string' || symbol.length === 0) throw invalid('symbol', 'must be a non-empty string');
  finite(time, 'time');
}

/**
 * Market data, the hot path: the checks written out with builtins only, so no
 * double read from the update crosses a call (a call V8 does not inline boxes
 * a double argument; which calls it inlines varies from run to run). The
 * messages are those of the helpers above.
 */
function validateMid(u: MidUpdate, l: UpdateLimits): void {
  if (typeof u.symbol !== 'string' || u.symbol.length === 0) throw invalid('symbol', 'must be a non-empty string');
  if (!Number.isFinite(u.time)) throw invalid('time', 'must be a finite number');
  const mid = u.mid;
  if (!Number.isFinite(mid)) throw invalid('mid', 'must be a finite number');
  if (mid <= 0) throw invalid('mid', 'must be greater than zero');
  if (mid > l.config.maxPrice) throw invalid('mid', `must be at most maxPrice (${l.config.maxPrice})`);
}

function validateVolatility(u: VolatilityUpdate): void {
  if (typeof u.symbol !== 'string' || u.symbol.length === 0) throw invalid('symbol', 'must be a non-empty string');
  if (!Number.isFinite(u.time)) throw invalid('time', 'must be a finite number');
  const sigma = u.sigma;
  if (!Number.isFinite(sigma)) throw invalid('sigma', 'must be a finite number');
  if (sigma <= 0) throw invalid('sigma', 'must be greater than zero');
}

function validatePosition(u: PositionUpdate, l: UpdateLimits): void {
  symbolAndTime(u.symbol, u.time);
  quantity(u.quantity, 'quantity', l);
  if (u.quantity !== 0) price(u.averageCost, 'averageCost', l);
  else finite(u.averageCost, 'averageCost');
  if (u.mark !== undefined) price(u.mark, 'mark', l);
  notional(u.averageCost, u.quantity, 'quantity', l);
}

function validateFill(u: FillUpdate, l: UpdateLimits): void {
  symbolAndTime(u.symbol, u.time);
  if (typeof u.id !== 'string' || u.id.length === 0) throw invalid('id', 'must be a non-empty string');
  if (u.side !== 'buy' && u.side !== 'sell') throw invalid('side', 'must be "buy" or "sell"');
  price(u.price, 'price', l);
  positive(u.quantity, 'quantity');
  quantity(u.quantity, 'quantity', l);
  notional(u.price, u.quantity, 'quantity', l);
  if (u.fee !== undefined) {
    finite(u.fee, 'fee');
    if (Math.abs(u.fee) > l.config.maxNotional) throw invalid('fee', `must be at most maxNotional (${l.config.maxNotional}) in size`);
  }
  if (u.liquidity !== undefined && u.liquidity !== 'maker' && u.liquidity !== 'taker') throw invalid('liquidity', 'must be "maker" or "taker"');
}
