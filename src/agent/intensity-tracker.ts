/**
 * Order-arrival calibration of one symbol from our own quotes and fills.
 *
 * A quote is taken to rest from the update that produced it until the next
 * requote of the symbol; then each of its levels is credited with the elapsed
 * time at its distance from the mid at quote time. A fill is credited to the
 * distance of the level of our standing quote on its side whose price is
 * nearest the fill's. Levels with size 0 are not resting and get neither.
 * Per update that is O(levels); the refit (O(buckets) per Newton step) runs
 * at the first requote after a fill and every refitIntervalMs otherwise.
 */
import { MAX_LEVELS, type IntensityConfig } from './config.js';
import { IntensityBuckets } from './intensity-buckets.js';
import type { Quote, QuoteLevel } from './quote.js';

/** The levels of the standing quote on one side, in preallocated arrays. */
class StandingSide {
  readonly price = new Float64Array(MAX_LEVELS);
  readonly distance = new Float64Array(MAX_LEVELS);
  levels = 0;

  add(price: number, distance: number): void {
    this.price[this.levels] = price;
    this.distance[this.levels] = distance;
    this.levels++;
  }

  /** distance of the level nearest `price`, NaN when nothing rests */
  distanceNearest(price: number): number {
    let best = NaN;
    let gap = Infinity;
    for (let i = 0; i < this.levels; i++) {
      const g = Math.abs(this.price[i]! - price);
      if (g < gap) {
        gap = g;
        best = this.distance[i]!;
      }
    }
    return best;
  }
}

export class IntensityTracker {
  readonly bid: IntensityBuckets;
  readonly ask: IntensityBuckets;
  private readonly standingBid = new StandingSide();
  private readonly standingAsk = new StandingSide();
  private standingSince = -Infinity;
  /** a fill arrived since the last refit */
  private stale = false;

  constructor(readonly bucketWidth: number, readonly buckets: number) {
    this.bid = new IntensityBuckets(bucketWidth, buckets);
    this.ask = new IntensityBuckets(bucketWidth, buckets);
  }

  /** Whether the tracker was built for these buckets (a reconfiguration may change them). */
  fits(c: IntensityConfig): boolean {
    return c.bucketWidth === this.bucketWidth && c.buckets === this.buckets;
  }

  /** Credits the time since the standing quote was placed to the distances of its levels. */
  creditExposure(time: number, halfLifeMs: number): void {
    if (!(time > this.standingSince)) return;
    const ms = time - this.standingSince;
    const b = this.standingBid;
    for (let i = 0; i < b.levels; i++) this.bid.addExposure(b.distance[i]!, ms, time, halfLifeMs);
    const a = this.standingAsk;
    for (let i = 0; i < a.levels; i++) this.ask.addExposure(a.distance[i]!, ms, time, halfLifeMs);
    this.standingSince = time;
  }

  /** `side` is +1 for our buy (a bid filled), −1 for our sell. */
  recordFill(side: 1 | -1, price: number, time: number, halfLifeMs: number): void {
    const distance = (side > 0 ? this.standingBid : this.standingAsk).distanceNearest(price);
    if (distance !== distance) return;
    (side > 0 ? this.bid : this.ask).addFill(distance, time, halfLifeMs);
    this.stale = true;
  }

  /**
   * Refits both sides after a fill, and at least every `refitIntervalMs` while
   * quotes rest: time quoted without fills is evidence too, and it is what
   * pulls a fit that sent the quotes too far back in.
   */
  refitIfStale(time: number, c: IntensityConfig, unitMs: number): void {
    if (!this.stale && !(time - this.bid.fittedAt >= c.refitIntervalMs)) return;
    this.bid.refit(time, c, unitMs);
    this.ask.refit(time, c, unitMs);
    this.stale = false;
  }

  /** Records the quote now resting (null: none) from update time `time`. */
  stand(q: Quote | null, time: number): void {
    const b = this.standingBid;
    const a = this.standingAsk;
    b.levels = 0;
    a.levels = 0;
    if (time > this.standingSince) this.standingSince = time;
    if (q === null) return;
    if (q.levels === undefined) {
      if (q.bidSize > 0) b.add(q.bidPrice, q.mid - q.bidPrice);
      if (q.askSize > 0) a.add(q.askPrice, q.askPrice - q.mid);
      return;
    }
    standLevels(b, q.levels.bids, q.mid, 1);
    standLevels(a, q.levels.asks, q.mid, -1);
  }
}

function standLevels(side: StandingSide, levels: QuoteLevel[], mid: number, sign: 1 | -1): void {
  for (let i = 0; i < levels.length && i < MAX_LEVELS; i++) {
    const l = levels[i]!;
    if (l.size > 0) side.add(l.price, sign * (mid - l.price));
  }
}
