/**
 * Guéant, Lehalle & Fernandez-Tapia (2013), "Dealing with the inventory risk:
 * a solution to the market making problem", Mathematics and Financial
 * Economics 7:477–507: the asymptotic (infinite-horizon) approximations of the
 * optimal quote distances from the mid.
 *
 * Units as in `avellaneda-stoikov.ts`; in addition `A` is the arrival rate of
 * orders at distance zero, per time unit, and `inventory` is in lots.
 */
import { intensityHalfSpread } from './avellaneda-stoikov.js';

/** C = sqrt( σ²γ/(2kA) · (1 + γ/k)^(1 + k/γ) ), the inventory term's coefficient. */
export function glftInventoryCoefficient(gamma: number, sigma: number, k: number, A: number): number {
  const x = gamma / k;
  // (1 + x)^(1 + 1/x) → e as γ → 0; computed in log space to keep precision.
  const power = x < 1e-12 ? Math.E : Math.exp((1 + 1 / x) * Math.log1p(x));
  return Math.sqrt(((sigma * sigma * gamma) / (2 * k * A)) * power);
}

/** δᵇ(q) = (1/γ)·ln(1 + γ/k) + ((2q + 1)/2)·C */
export function glftBidDistance(inventory: number, gamma: number, sigma: number, k: number, A: number): number {
  return intensityHalfSpread(gamma, k) + ((2 * inventory + 1) / 2) * glftInventoryCoefficient(gamma, sigma, k, A);
}

/** δᵃ(q) = (1/γ)·ln(1 + γ/k) − ((2q − 1)/2)·C */
export function glftAskDistance(inventory: number, gamma: number, sigma: number, k: number, A: number): number {
  return intensityHalfSpread(gamma, k) - ((2 * inventory - 1) / 2) * glftInventoryCoefficient(gamma, sigma, k, A);
}

export interface GlftParams {
  mid: number;
  inventory: number;
  gamma: number;
  sigma: number;
  k: number;
  A: number;
}

export interface GlftQuote {
  /** centre of the quote, mid − q·C: GLFT's counterpart of the reservation price */
  reservation: number;
  /** δᵇ + δᵃ = (2/γ)·ln(1 + γ/k) + C, independent of inventory */
  spread: number;
  bid: number;
  ask: number;
}

export function glftQuote(p: GlftParams): GlftQuote {
  const half = intensityHalfSpread(p.gamma, p.k);
  const c = glftInventoryCoefficient(p.gamma, p.sigma, p.k, p.A);
  const bid = p.mid - (half + ((2 * p.inventory + 1) / 2) * c);
  const ask = p.mid + (half - ((2 * p.inventory - 1) / 2) * c);
  return { reservation: p.mid - p.inventory * c, spread: 2 * half + c, bid, ask };
}
