/**
 * Every path's profit for one gamma, both strategies, for the paper's
 * profit histograms (`npm run simulate -- --plot DIR`). The same paths as
 * simulateGamma: the same stream from the seed, consumed in the same order,
 * so these profits' mean and standard deviation are that table's.
 */
import { DRAWS_PER_STEP, simulatePath, stepCount, STRATEGIES, type MarketParams, type SpreadRule, type Strategy } from './avellaneda-stoikov-simulation.js';
import { seededUniform } from './random.js';

export type ProfitSamples = Record<Strategy, Float64Array>;

export function profitSamples(market: MarketParams, gamma: number, paths: number, seed: number, spreadRule: SpreadRule = 'full'): ProfitSamples {
  const uniform = seededUniform(seed);
  const draws = new Float64Array(stepCount(market) * DRAWS_PER_STEP);
  const out: ProfitSamples = { inventory: new Float64Array(paths), symmetric: new Float64Array(paths) };
  for (let p = 0; p < paths; p++) {
    for (let j = 0; j < draws.length; j++) draws[j] = uniform();
    for (const strategy of STRATEGIES) out[strategy][p] = simulatePath(market, gamma, strategy, draws, spreadRule).profit;
  }
  return out;
}
