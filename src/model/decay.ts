/**
 * Exponential forgetting by elapsed time rather than by count, so an estimate
 * fed at irregular times forgets at the same pace however often it is fed.
 */

/** The weight left on something `elapsed` ago: 2^(−elapsed/halfLife); 1 for no or negative elapsed time. */
export function decayFactor(elapsed: number, halfLife: number): number {
  return elapsed > 0 ? Math.exp((-Math.LN2 * elapsed) / halfLife) : 1;
}
