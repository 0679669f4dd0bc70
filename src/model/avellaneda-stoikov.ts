/**
 * Avellaneda & Stoikov (2008), "High-frequency trading in a limit order book",
 * Quantitative Finance 8(3):217–224, equations (29)–(30) of the finite-horizon
 * approximation.
 *
 * Units, which every argument must share:
 * - prices (`mid`, results) in quote currency per unit of the asset;
 * - `inventory` (q) in lots (the agent divides its position by the order size);
 * - `sigma` in price units per √(time unit): the standard deviation of the
 *   arithmetic Brownian mid over one time unit, not a percentage;
 * - `tau` = T − t in the same time unit as sigma;
 * - `k` in 1/price units (the decay of the order-arrival intensity A·e^(−kδ));
 * - `gamma` in 1/(price units · lots), the risk aversion.
 */

/** r = s − q·γ·σ²·(T − t) */
export function reservationPrice(mid: number, inventory: number, gamma: number, sigma: number, tau: number): number {
  return mid - inventory * gamma * sigma * sigma * tau;
}

/**
 * (1/γ)·ln(1 + γ/k): half of the model's spread when T − t = 0.
 * As γ → 0 it tends to 1/k; log1p keeps precision for small γ/k and the
 * cut-off avoids 0/0 when γ is exactly zero.
 */
export function intensityHalfSpread(gamma: number, k: number): number {
  const x = gamma / k;
  if (x < 1e-12) return (1 - x / 2) / k;
  return Math.log1p(x) / gamma;
}

/**
 * The inverse of `intensityHalfSpread`: the k at which (1/γ)·ln(1 + γ/k) equals
 * `halfSpread`, k = γ / (e^(γ·halfSpread) − 1); a larger k gives a smaller half-spread.
 * (1/halfSpread as γ → 0, which expm1 keeps precise.)
 */
export function kForHalfSpread(gamma: number, halfSpread: number): number {
  return gamma / Math.expm1(gamma * halfSpread);
}

/** δ = γ·σ²·(T − t) + (2/γ)·ln(1 + γ/k): the full bid–ask distance, never half of it. */
export function optimalSpread(gamma: number, sigma: number, tau: number, k: number): number {
  return gamma * sigma * sigma * tau + 2 * intensityHalfSpread(gamma, k);
}

export interface AvellanedaStoikovParams {
  mid: number;
  inventory: number;
  gamma: number;
  sigma: number;
  tau: number;
  k: number;
}

export interface ModelQuote {
  reservation: number;
  spread: number;
  bid: number;
  ask: number;
}

/** bid = r − δ/2, ask = r + δ/2 */
export function avellanedaStoikovQuote(p: AvellanedaStoikovParams): ModelQuote {
  const reservation = reservationPrice(p.mid, p.inventory, p.gamma, p.sigma, p.tau);
  const spread = optimalSpread(p.gamma, p.sigma, p.tau, p.k);
  return { reservation, spread, bid: reservation - spread / 2, ask: reservation + spread / 2 };
}
