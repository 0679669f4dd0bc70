import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type MarketMakerConfigInput } from '../../src/agent/index.js';
import { DEFAULT_OPTIONS, type BacktestOptions } from '../../src/backtest/runner.js';

/** A file in a fresh temporary folder. */
export function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'backtest-')), name);
  writeFileSync(path, text);
  return path;
}

/**
 * The hand-computable agent: the min-spread clamp sets every quote, so
 * bid = r − 0.002·mid and ask = r + 0.002·mid (minSpreadBps 40), with
 * r = mid − q·γσ²τ = mid − 0.05·q (γ = 0.05, σ = 1 pushed, τ = 1). The
 * model's own spread, δ = 0.05 + 40·ln(1 + 0.05/1000) = 0.052 (× at most 3
 * for toxicity), is far below 0.4, and no skew (maxSkew 0).
 */
export const HAND_CONFIG: MarketMakerConfigInput = {
  timeUnit: 'day', gamma: 0.05, k: 1000, horizon: { mode: 'infinite', tau: 1 },
  orderSize: 1, maxInventory: 2, maxSkew: 0, minSpreadBps: 40, maxSpreadBps: 500, tickSize: 0.01,
  volatility: { source: 'pushed' },
};

export function options(over: Partial<BacktestOptions> = {}, config: MarketMakerConfigInput = HAND_CONFIG): BacktestOptions {
  return { ...DEFAULT_OPTIONS, config: parseConfig(config), fill: { kind: 'trade-through', queueAhead: 0 }, ...over };
}
