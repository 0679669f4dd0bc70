import type { MarketMakerConfig } from './config.js';

const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

/**
 * A partial configuration laid over the current one: top-level fields
 * replace, nested objects (`volatility`, `toxicity`, `intensity`, `levelStep`,
 * `sizeShaping`) merge one level deep, and `horizon`, a tagged union whose
 * fields depend on its mode, is replaced whole. The result still needs parsing.
 */
export function mergeConfig(current: MarketMakerConfig, patch: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current, ...patch };
  for (const [key, value] of Object.entries(patch)) {
    const was = (current as Record<string, unknown>)[key];
    if (key !== 'horizon' && isObject(value) && isObject(was)) merged[key] = { ...was, ...value };
  }
  return merged;
}
