import { invalid } from './errors.js';

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
}
export type UpdateType = Update['type'];

function finite(value: number, field: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(field, 'must be a finite number');
}

function positive(value: number, field: string): void {
  finite(value, field);
  if (value <= 0) throw invalid(field, 'must be greater than zero');
}

/** Throws an AgentError naming the first bad field; checks everything before any state changes. */
export function validateUpdate(u: Update): void {
  if (typeof u.symbol !== 'string' || u.symbol.length === 0) throw invalid('symbol', 'must be a non-empty string');
  finite(u.time, 'time');
  switch (u.type) {
    case 'mid':
      positive(u.mid, 'mid');
      return;
    case 'volatility':
      positive(u.sigma, 'sigma');
      return;
    case 'position':
      finite(u.quantity, 'quantity');
      if (u.quantity !== 0) positive(u.averageCost, 'averageCost');
      else finite(u.averageCost, 'averageCost');
      if (u.mark !== undefined) positive(u.mark, 'mark');
      return;
    case 'fill':
      if (typeof u.id !== 'string' || u.id.length === 0) throw invalid('id', 'must be a non-empty string');
      if (u.side !== 'buy' && u.side !== 'sell') throw invalid('side', 'must be "buy" or "sell"');
      positive(u.price, 'price');
      positive(u.quantity, 'quantity');
      return;
    default:
      throw invalid('type', 'must be one of mid, volatility, position, fill');
  }
}
