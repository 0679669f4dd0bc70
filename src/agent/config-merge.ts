import type { MarketMakerConfig } from './config.js';

const NESTED = ['volatility', 'toxicity'] as const;

/**
 * A partial configuration laid over the current one: top-level fields replace,
 * the nested `volatility` and `toxicity` objects merge one level deep, and
 * `horizon` (a tagged union) is replaced whole. The result still needs parsing.
 */
export function mergeConfig(current: MarketMakerConfig, patch: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current, ...patch };
  for (const key of NESTED) {
    const p = patch[key];
    if (p !== null && typeof p === 'object' && !Array.isArray(p)) merged[key] = { ...current[key], ...p };
  }
  return merged;
}
