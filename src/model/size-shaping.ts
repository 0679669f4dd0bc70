/**
 * Quote sizes shaped by inventory: the side that would add to a position away
 * from target shrinks by e^(−η·|q|), the side that reduces it keeps its full
 * size. q is (position − target) in lots; η = 0 turns shaping off.
 */

/** Factor on bid (buy) sizes: below 1 only when long of target. */
export function bidSizeFactor(eta: number, lotsFromTarget: number): number {
  return lotsFromTarget > 0 ? Math.exp(-eta * lotsFromTarget) : 1;
}

/** Factor on ask (sell) sizes: below 1 only when short of target. */
export function askSizeFactor(eta: number, lotsFromTarget: number): number {
  return lotsFromTarget < 0 ? Math.exp(eta * lotsFromTarget) : 1;
}
