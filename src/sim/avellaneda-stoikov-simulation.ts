/**
 * The Monte Carlo experiment of section 3 of Avellaneda & Stoikov (2008),
 * "High-frequency trading in a limit order book", Quantitative Finance
 * 8(3):217–224, driven by the project's own model functions. Pure: no I/O.
 *
 * Each step i (T − t = T − i·dt) the agent quotes from the current mid s and
 * inventory q; then, with probability λ(δᵃ)·dt its ask is lifted (sells one
 * unit at the ask) and, independently, with probability λ(δᵇ)·dt its bid is
 * hit (buys one unit at the bid), where λ(δ) = A·e^(−kδ), δᵃ = ask − s and
 * δᵇ = s − bid; then the mid moves by ±σ√dt with probability ½ each.
 * λ·dt is capped at 1: it exceeds 1 only when a quote crosses the mid far
 * enough (δ < −ln(1/(A·dt))/k), and a step can fill at most one unit a side.
 *
 * Profit = final cash + q·s_T − q0·s0 (inventory marked at the mid).
 */
import { arrivalIntensity } from '../model/arrival.js';
import { optimalSpread, reservationPrice } from '../model/avellaneda-stoikov.js';
import { RunningStats } from './running-stats.js';
import { seededUniform, type Uniform } from './random.js';

export interface MarketParams {
  /** initial mid */
  s0: number;
  /** horizon, in time units */
  T: number;
  /** mid volatility, price units per √time unit */
  sigma: number;
  /** step length; the run has round(T / dt) steps */
  dt: number;
  /** initial inventory, units */
  q0: number;
  /** intensity decay, per price unit */
  k: number;
  /** arrival rate at distance zero, per time unit */
  A: number;
}

/** Section 3 of the paper. */
export const PAPER_MARKET: Readonly<MarketParams> = { s0: 100, T: 1, sigma: 2, dt: 0.005, q0: 0, k: 1.5, A: 140 };
export const PAPER_GAMMAS: readonly number[] = [0.1, 0.01, 0.5];

/**
 * - `inventory`: bid/ask = r ∓ δ/2 around the reservation price r;
 * - `symmetric`: the same δ, centred on the mid.
 */
export type Strategy = 'inventory' | 'symmetric';
export const STRATEGIES: readonly Strategy[] = ['inventory', 'symmetric'];

/**
 * - `full`: δ(t) = γσ²(T − t) + (2/γ)ln(1 + γ/k), the model's spread;
 * - `constant`: δ = (2/γ)ln(1 + γ/k) at every step, the spread the paper's
 *   tables quote; kept to show which of the paper's numbers it reproduces.
 * The reservation price uses T − t either way.
 */
export type SpreadRule = 'full' | 'constant';
export const SPREAD_RULES: readonly SpreadRule[] = ['full', 'constant'];

/** Uniform draws consumed by one path, per step i: [3i] mid move, [3i + 1] ask fill, [3i + 2] bid fill. */
export const DRAWS_PER_STEP = 3;

export interface PathOutcome {
  profit: number;
  inventory: number;
  /** mean of ask − bid over the path's steps */
  averageSpread: number;
}

export function stepCount(market: MarketParams): number {
  return Math.round(market.T / market.dt);
}

/** One path of one strategy; `draws` holds DRAWS_PER_STEP uniforms in [0, 1) per step. */
export function simulatePath(
  market: MarketParams, gamma: number, strategy: Strategy, draws: ArrayLike<number>, spreadRule: SpreadRule = 'full',
): PathOutcome {
  const { T, sigma, dt, k, A } = market;
  const steps = stepCount(market);
  // this check is what makes every draws[…]! below in range
  if (draws.length < steps * DRAWS_PER_STEP) throw new RangeError(`need ${steps * DRAWS_PER_STEP} draws, got ${draws.length}`);
  const move = sigma * Math.sqrt(dt);
  // the paper's λ(δ)·dt per step, capped at 1 (not 1 − e^(−λ·dt), which the demo uses)
  const fillProbability = (distance: number): number => Math.min(1, arrivalIntensity(A, k, distance) * dt);

  let s = market.s0;
  let q = market.q0;
  let cash = 0;
  let spreadSum = 0;
  for (let i = 0; i < steps; i++) {
    const tau = T - i * dt;
    const spread = optimalSpread(gamma, sigma, spreadRule === 'full' ? tau : 0, k);
    const centre = strategy === 'inventory' ? reservationPrice(s, q, gamma, sigma, tau) : s;
    const bid = centre - spread / 2;
    const ask = centre + spread / 2;
    spreadSum += ask - bid;
    // u < p fills with probability p for u uniform on [0, 1); p = 0 never fills, p = 1 always does
    if (draws[DRAWS_PER_STEP * i + 1]! < fillProbability(ask - s)) {
      cash += ask;
      q -= 1;
    }
    if (draws[DRAWS_PER_STEP * i + 2]! < fillProbability(s - bid)) {
      cash -= bid;
      q += 1;
    }
    s += draws[DRAWS_PER_STEP * i]! < 0.5 ? move : -move;
  }
  return { profit: cash + q * s - market.q0 * market.s0, inventory: q, averageSpread: steps > 0 ? spreadSum / steps : Number.NaN };
}

export interface StrategyStats {
  averageSpread: number;
  meanProfit: number;
  stdProfit: number;
  meanInventory: number;
  stdInventory: number;
}

export interface GammaResult {
  gamma: number;
  /** (2/γ)·ln(1 + γ/k): δ at T − t = 0, the value the paper's tables quote as "spread" */
  spreadAtHorizon: number;
  inventory: StrategyStats;
  symmetric: StrategyStats;
}

/**
 * `paths` paths for one gamma. Common random numbers: both strategies run on
 * the same draws (same mid path, same fill uniforms), so their difference is
 * the strategy's, not the sample's. The stream restarts from `seed` for every
 * gamma, so every gamma sees the same paths too, and path j is the same
 * whatever `paths` is or which other gammas are run.
 */
export function simulateGamma(
  market: MarketParams, gamma: number, paths: number, seed: number, spreadRule: SpreadRule = 'full',
): GammaResult {
  return simulateGammaWith(market, gamma, paths, seededUniform(seed), spreadRule);
}

/** As `simulateGamma`, from any uniform source (tests pass scripted ones). */
export function simulateGammaWith(
  market: MarketParams, gamma: number, paths: number, uniform: Uniform, spreadRule: SpreadRule = 'full',
): GammaResult {
  const draws = new Float64Array(stepCount(market) * DRAWS_PER_STEP);
  const acc = {
    inventory: { spread: new RunningStats(), profit: new RunningStats(), q: new RunningStats() },
    symmetric: { spread: new RunningStats(), profit: new RunningStats(), q: new RunningStats() },
  };
  for (let p = 0; p < paths; p++) {
    for (let j = 0; j < draws.length; j++) draws[j] = uniform();
    for (const strategy of STRATEGIES) {
      const out = simulatePath(market, gamma, strategy, draws, spreadRule);
      const a = acc[strategy];
      a.spread.add(out.averageSpread);
      a.profit.add(out.profit);
      a.q.add(out.inventory);
    }
  }
  const stats = (a: (typeof acc)[Strategy]): StrategyStats => ({
    averageSpread: a.spread.mean,
    meanProfit: a.profit.mean,
    stdProfit: a.profit.std,
    meanInventory: a.q.mean,
    stdInventory: a.q.std,
  });
  return {
    gamma,
    spreadAtHorizon: optimalSpread(gamma, market.sigma, 0, market.k),
    inventory: stats(acc.inventory),
    symmetric: stats(acc.symmetric),
  };
}
