import { describe, expect, it } from 'vitest';
import { IntensityConfigSchema } from '../../src/agent/config.js';
import { IntensityTracker } from '../../src/agent/intensity-tracker.js';
import type { Quote, QuoteLevel } from '../../src/agent/quote.js';

const SECOND = 1_000;
const HALF_LIFE = 1e15; // no forgetting to speak of
const config = IntensityConfigSchema.parse({ source: 'estimated', bucketWidth: 0.1, buckets: 10, minFills: 2, minBuckets: 2, halfLifeMs: HALF_LIFE, maxRelativeError: 1 });

function quoteOf(mid: number, bids: QuoteLevel[], asks: QuoteLevel[]): Quote {
  const q: Quote = {
    symbol: 'X', seq: 1, time: 0, mid, bidPrice: bids[0]!.price, bidSize: bids[0]!.size, askPrice: asks[0]!.price, askSize: asks[0]!.size,
    reservation: mid, spread: asks[0]!.price - bids[0]!.price, spreadBps: 0, model: 'avellaneda-stoikov', sigma: 1, sigmaSource: 'pushed',
    horizon: 'infinite', tau: 1, inventory: 0, toxicity: 0, adjustments: { inventorySkew: 0, toxicityMultiplier: 1, spreadClamp: 'none', crossMidClamp: 'none' },
  };
  if (bids.length > 1 || asks.length > 1) q.levels = { bids, asks };
  return q;
}

describe('intensity tracker', () => {
  it('credits each resting level with the time until the next requote, and a fill to the nearest level', () => {
    const t = new IntensityTracker(0.1, 10);
    // bids rest at δ = 0.05 and 0.15 for 1 s; the third bid has size 0 and does not rest
    t.stand(quoteOf(100, [{ price: 99.95, size: 1 }, { price: 99.85, size: 1 }, { price: 99.75, size: 0 }], [{ price: 100.05, size: 1 }]), 0);
    // 4 fills at the first level, 1 at the second (a fill at 99.76 is nearest 99.85, the deepest resting bid)
    for (const [price, time] of [[99.95, 100], [99.95, 200], [99.95, 300], [99.95, 400], [99.76, 500]] as const) t.recordFill(1, price, time, HALF_LIFE);
    t.creditExposure(1_000, HALF_LIFE);
    t.refitIfStale(1_000, config, SECOND);
    // λ̂ = 4/s at 0.05 and 1/s at 0.15: k = ln 4 / 0.1, A = 4·e^(0.05k) = 8 (as in intensity-buckets.test.ts)
    expect(t.bid.k).toBeCloseTo(10 * Math.log(4), 9);
    expect(t.bid.A).toBeCloseTo(8, 9);
    expect(t.bid.ready).toBe(true);
    // the ask rested 1 s with no fill: its exposure counts, but there is nothing to fit
    expect([t.ask.points, t.ask.ready, t.ask.k]).toEqual([1, false, NaN]);
  });

  it('credits nothing while no quote rests, and ignores fills on a side not quoted', () => {
    const t = new IntensityTracker(0.1, 10);
    t.stand(quoteOf(100, [{ price: 99.95, size: 1 }], [{ price: 100.05, size: 0 }]), 0);
    t.recordFill(-1, 100.05, 10, HALF_LIFE); // our ask had size 0: not ours to count
    t.recordFill(1, 99.95, 500, HALF_LIFE);
    t.creditExposure(1_000, HALF_LIFE);
    t.stand(null, 1_000); // paused
    t.creditExposure(5_000, HALF_LIFE);
    t.stand(quoteOf(100, [{ price: 99.85, size: 1 }], [{ price: 100.05, size: 1 }]), 5_000);
    t.recordFill(1, 99.85, 5_500, HALF_LIFE);
    t.creditExposure(6_000, HALF_LIFE);
    t.refitIfStale(6_000, config, SECOND);
    // the bid rested 1 s at 0.05 and 1 s at 0.15 (the 4 s paused do not count), one fill at each:
    // equal rates of 1/s, so k goes to its lower bound 0.01 and A = 2 fills / Σ 1 s·e^(−0.01·δ).
    // Had the pause counted, λ̂ at 0.05 would be 1/5, k = ln 5 / 0.1 = 16.1.
    expect(t.bid.sampleFills).toBeCloseTo(2, 9);
    expect(t.bid.k).toBe(0.01);
    expect(t.bid.A).toBeCloseTo(2 / (Math.exp(-0.0005) + Math.exp(-0.0015)), 9);
    expect(t.ask.sampleFills).toBe(0);
  });

  it('refits after a fill, and every refitIntervalMs on time quoted alone', () => {
    const t = new IntensityTracker(0.1, 10);
    t.stand(quoteOf(100, [{ price: 99.95, size: 1 }], [{ price: 100.05, size: 1 }]), 0);
    t.recordFill(1, 99.95, 10, HALF_LIFE);
    t.creditExposure(1_000, HALF_LIFE);
    t.refitIfStale(1_000, config, SECOND);
    expect(t.bid.sampleFills).toBeCloseTo(1, 9);
    t.stand(quoteOf(100, [{ price: 99.85, size: 1 }], [{ price: 100.05, size: 1 }]), 1_000);
    t.recordFill(1, 99.85, 1_500, HALF_LIFE);
    t.creditExposure(2_000, HALF_LIFE);
    t.refitIfStale(2_000, config, SECOND);
    expect(t.bid.sampleFills).toBeCloseTo(2, 9);
    expect(t.bid.k).toBeCloseTo(0.01, 12); // equal rates: k at its lower bound
    t.creditExposure(3_000, HALF_LIFE);
    t.refitIfStale(3_000, config, SECOND); // no new fill and 1 s < refitIntervalMs (5 s): the fit stands
    expect(t.bid.k).toBeCloseTo(0.01, 12);
    // at 7 s (5 s after the last fit) the 6 s at 0.15 with one fill are refitted: λ̂ = 1/s at 0.05
    // and 1/6 per s at 0.15, k = ln 6 / 0.1 = 17.917594692280550, A = 1·e^(0.05k) = √6
    t.creditExposure(7_000, HALF_LIFE);
    t.refitIfStale(7_000, config, SECOND);
    expect(t.bid.k).toBeCloseTo(17.91759469228055, 9);
    expect(t.bid.A).toBeCloseTo(Math.sqrt(6), 9);
    expect(t.bid.points).toBe(2);
  });
});
