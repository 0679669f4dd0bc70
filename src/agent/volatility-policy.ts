import type { VolatilityConfig } from './config.js';
import type { VolatilitySource } from './quote.js';

/**
 * Which sigma a quote uses under the configured policy; null when none is
 * available (no quote, reason 'no-volatility'). `pushed` and `estimated` are
 * NaN when absent; an estimate still warming up counts as absent, so the
 * `estimated` policy falls back to the pushed value, then to the default.
 */
export function volatilitySource(
  policy: VolatilityConfig['source'],
  pushed: number,
  estimated: number,
  fallback: number | null,
): VolatilitySource | null {
  const hasPushed = pushed > 0;
  const hasEstimate = estimated > 0;
  switch (policy) {
    case 'pushed':
      if (hasPushed) return 'pushed';
      break;
    case 'estimated':
      if (hasEstimate) return 'estimated';
      if (hasPushed) return 'pushed';
      break;
    case 'pushed-else-estimated':
      if (hasPushed) return 'pushed';
      if (hasEstimate) return 'estimated';
      break;
  }
  return fallback !== null ? 'default' : null;
}
