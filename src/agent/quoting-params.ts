import { horizonSpec, type MarketMakerConfig } from './config.js';
import { TIME_UNIT_MS, type HorizonSpec } from '../model/horizon.js';
import { tickGrid, type TickGrid } from '../model/price-grid.js';
import { quantityGrid, type QuantityGrid } from '../model/quantity-grid.js';

/** The configuration with what the hot path derives from it worked out once. */
export interface QuotingParams {
  config: MarketMakerConfig;
  horizon: HorizonSpec;
  unitMs: number;
  grid: TickGrid;
  quantity: QuantityGrid;
  /** volatility.default, NaN when null: a number, so the quote's sigma is never a boxed double */
  defaultSigma: number;
}

export function quotingParams(config: MarketMakerConfig): QuotingParams {
  return {
    config,
    horizon: horizonSpec(config.horizon, config.timeUnit),
    unitMs: TIME_UNIT_MS[config.timeUnit],
    grid: tickGrid(config.tickSize),
    quantity: quantityGrid(config.quantityStep),
    defaultSigma: config.volatility.default ?? NaN,
  };
}
