/**
 * Adverse-selection score from two signals over recent fills:
 * - fill-side imbalance |buys − sells| / (buys + sells + prior), in [0, 1);
 * - adverse mark-out: how far, in basis points, the mid moved against our
 *   fills after the mark-out horizon, averaged with the same prior and scaled
 *   by `scaleBps` (a mean adverse move of `scaleBps` or more scores 1).
 * The prior (a count of neutral pseudo-fills) stops one or two fills from
 * reading as total toxicity, without a warm-up during which nothing is measured.
 */
export interface ToxicityParams {
  imbalanceWeight: number;
  markoutScaleBps: number;
  priorFills: number;
}

export function fillImbalance(buys: number, sells: number, priorFills: number): number {
  const total = buys + sells + priorFills;
  return total > 0 ? Math.abs(buys - sells) / total : 0;
}

/** Mean mark-out in bps (positive = in our favour) turned into an adverse score in [0, 1]. */
export function adverseMarkout(markoutSumBps: number, markoutCount: number, p: ToxicityParams): number {
  const meanAgainst = -markoutSumBps / (markoutCount + p.priorFills);
  if (!(meanAgainst > 0)) return 0;
  return meanAgainst >= p.markoutScaleBps ? 1 : meanAgainst / p.markoutScaleBps;
}

export function toxicityScore(imbalance: number, adverse: number, imbalanceWeight: number): number {
  const score = imbalanceWeight * imbalance + (1 - imbalanceWeight) * adverse;
  return score < 0 ? 0 : score > 1 ? 1 : score;
}

/** 1 at or below `low`, `max` at or above `high`, linear in between. */
export function spreadMultiplier(toxicity: number, low: number, high: number, max: number): number {
  if (toxicity <= low) return 1;
  if (toxicity >= high) return max;
  return 1 + ((toxicity - low) / (high - low)) * (max - 1);
}
