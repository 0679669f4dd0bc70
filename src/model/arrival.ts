/**
 * The order-arrival model behind Avellaneda & Stoikov (2008) and GLFT (2013):
 * market orders reach a limit order at distance δ from the mid as a Poisson
 * process of intensity λ(δ) = A·e^(−kδ).
 *
 * Units as in `avellaneda-stoikov.ts`: `A` per time unit, `k` per price unit,
 * `distance` (δ) in price units (negative for a quote across the mid), `dt` in
 * the same time unit as A.
 */

/** λ(δ) = A·e^(−kδ): the arrival rate of orders that fill a quote at distance δ, per time unit. */
export function arrivalIntensity(A: number, k: number, distance: number): number {
  return A * Math.exp(-k * distance);
}

/**
 * P(at least one arrival within dt) = 1 − e^(−λ(δ)·dt) for Poisson arrivals:
 * the chance that a quote at distance δ is filled during a step of length dt.
 * Always in [0, 1]; close to λ·dt when that is small.
 */
export function fillProbability(A: number, k: number, distance: number, dt: number): number {
  return -Math.expm1(-arrivalIntensity(A, k, distance) * dt);
}
