/**
 * Exponential backoff with jitter, for reconnects and retries. The delay
 * before attempt n (0-based) is drawn uniformly from [cap/2, cap] with
 * cap = min(maxMs, baseMs·2ⁿ): it grows geometrically to a ceiling, and the
 * random half keeps many clients cut off at the same moment from coming back
 * in the same instant ("equal jitter"), while never retrying at once.
 */
export interface BackoffOptions {
  /** delay ceiling of the first retry, ms */
  baseMs: number;
  /** ceiling of every delay, ms */
  maxMs: number;
}

export const DEFAULT_RECONNECT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 10_000 };
export const DEFAULT_RETRY_BACKOFF: BackoffOptions = { baseMs: 100, maxMs: 2_000 };

/** `random` returns a number in [0, 1), Math.random by default. */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  // 2^n overflows to Infinity for large n, which min() then clamps: no special case needed
  const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt));
  return cap / 2 + random() * (cap / 2);
}
