/**
 * Realised volatility of an arithmetic mid sampled at irregular times.
 *
 * Each return is the absolute move r = Δmid (price units, not a log return,
 * because the model's sigma is in price units per √time unit) over the real
 * time Δt it covers. The estimator keeps two exponentially decayed sums,
 * Σ r² and Σ Δt, and
 *
 *   σ² = Σ w·r² / Σ w·Δt,
 *
 * which is the mean of the per-unit-time samples r²/Δt weighted by w·Δt: a
 * return counts as much as the time it covers, so a burst of quick updates
 * does not outweigh a quiet stretch of the same length, and since
 * E[r² | Δt] = σ²·Δt for a random walk, irregular spacing does not bias it.
 */

/** σ per √(time unit) from the decayed sums; `sumElapsedMs` and `unitMs` in milliseconds. NaN before any time has passed. */
export function sigmaFromSums(sumSquaredMoves: number, sumElapsedMs: number, unitMs: number): number {
  return sumElapsedMs > 0 ? Math.sqrt((sumSquaredMoves * unitMs) / sumElapsedMs) : NaN;
}
