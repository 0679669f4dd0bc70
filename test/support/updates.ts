import type { FillUpdate, MidUpdate, PositionUpdate, VolatilityUpdate } from '../../src/agent/updates.js';

export const T0 = Date.UTC(2026, 10, 24, 14, 30);

export const mid = (symbol: string, value: number, time = T0): MidUpdate => ({ type: 'mid', symbol, mid: value, time });
export const vol = (symbol: string, sigma: number, time = T0): VolatilityUpdate => ({ type: 'volatility', symbol, sigma, time });
/** a position snapshot; the quantity is put on the default quantity step (1e-8), which random test values are not */
export const position = (symbol: string, quantity: number, averageCost: number, time = T0): PositionUpdate =>
  ({ type: 'position', symbol, quantity: Math.round(quantity * 1e8) / 1e8, averageCost, time });
export const fill = (symbol: string, id: string, side: 'buy' | 'sell', price: number, quantity: number, time = T0): FillUpdate =>
  ({ type: 'fill', symbol, id, side, price, quantity, time });
