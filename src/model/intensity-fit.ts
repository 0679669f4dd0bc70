/**
 * Order-arrival intensity λ(δ) = A·e^(−k·δ) fitted to observed rates: with
 * y = ln λ̂ and x = δ, the line y = ln A − k·x by weighted least squares.
 * The caller picks the weights; fill counts are the natural choice, as the
 * variance of ln λ̂ from n Poisson arrivals is about 1/n.
 *
 * Inputs are parallel arrays of which the first `n` entries count, so the
 * caller can reuse preallocated scratch space. Centred sums (two passes)
 * avoid the cancellation of Σwx² − (Σwx)²/Σw when the distances are close.
 */

/** The weighted least-squares slope of y on x; NaN when fewer than two distinct x carry weight. */
export function weightedSlope(x: Float64Array, y: Float64Array, w: Float64Array, n: number): number {
  let sw = 0;
  let swx = 0;
  let swy = 0;
  for (let i = 0; i < n; i++) {
    sw += w[i]!;
    swx += w[i]! * x[i]!;
    swy += w[i]! * y[i]!;
  }
  if (!(sw > 0)) return NaN;
  const mx = swx / sw;
  const my = swy / sw;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    sxx += w[i]! * dx * dx;
    sxy += w[i]! * dx * (y[i]! - my);
  }
  return sxx > 0 ? sxy / sxx : NaN;
}

/**
 * The weighted least-squares intercept for a given slope: the weighted mean of
 * y − slope·x. Refitting it after the slope has been clamped keeps the line
 * as close to the data as the clamped slope allows.
 */
export function weightedIntercept(x: Float64Array, y: Float64Array, w: Float64Array, n: number, slope: number): number {
  let sw = 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    sw += w[i]!;
    s += w[i]! * (y[i]! - slope * x[i]!);
  }
  return sw > 0 ? s / sw : NaN;
}

export function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}
