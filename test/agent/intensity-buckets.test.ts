import { describe, expect, it } from 'vitest';
import { IntensityConfigSchema, type IntensityConfig } from '../../src/agent/config.js';
import { IntensityBuckets } from '../../src/agent/intensity-buckets.js';
import { seededRandom, type SeededRandom } from '../support/seeded-random.js';

const SECOND = 1_000;
const config = (over: Partial<IntensityConfig> = {}): IntensityConfig =>
  ({ ...IntensityConfigSchema.parse({ source: 'estimated', bucketWidth: 0.05, buckets: 20 }), ...over });

/**
 * One side quoted for `quotes` spells of ~Exp(1 s) each at a distance uniform in
 * [0, 1) price units, hit as a Poisson process with λ(δ) = A·e^(−kδ) per second.
 * Returns the end time.
 */
function simulate(b: IntensityBuckets, rng: SeededRandom, k: number, A: number, quotes: number, halfLifeMs: number, start = 0): number {
  let t = start;
  for (let i = 0; i < quotes; i++) {
    const rest = Math.max(1, Math.round(rng.exponential(1_000)));
    const distance = rng.uniform();
    const perMs = (A * Math.exp(-k * distance)) / SECOND;
    for (let f = rng.exponential(1 / perMs); f < rest; f += rng.exponential(1 / perMs)) b.addFill(distance, t + f, halfLifeMs);
    t += rest;
    b.addExposure(distance, rest, t, halfLifeMs);
  }
  return t;
}

describe('intensity buckets: hand-computed', () => {
  it('fits the line through two buckets exactly', () => {
    // 1 s at 0.05 with 4 fills, 1 s at 0.15 with 1 fill: λ̂ = 4 and 1 per second,
    // k = ln 4 / 0.1 = 13.862943611198906, A = 4·e^(0.05k) = 4·2 = 8
    const b = new IntensityBuckets(0.1, 10);
    const c = config({ minBuckets: 2, minFills: 5, halfLifeMs: 1e15, maxRelativeError: 1 });
    for (let i = 0; i < 4; i++) b.addFill(0.05, 100 * i, c.halfLifeMs);
    b.addFill(0.15, 500, c.halfLifeMs);
    b.addExposure(0.05, 1_000, 1_000, c.halfLifeMs);
    b.addExposure(0.15, 1_000, 1_000, c.halfLifeMs);
    b.refit(1_000, c, SECOND);
    expect(b.k).toBeCloseTo(13.862943611198906, 9);
    expect(b.A).toBeCloseTo(8, 9);
    expect([b.points, b.ready]).toEqual([2, true]);
    expect(b.sampleFills).toBeCloseTo(5, 9);
    // standard errors (hand-computed in intensity-fit.test.ts): 80.6 % of k and 90.1 % of A;
    // the default maxRelativeError of 10 % does not accept so few fills
    expect(b.kStdErr / b.k).toBeCloseTo(0.806491, 6);
    b.refit(1_000, { ...c, maxRelativeError: 0.1 }, SECOND);
    expect(b.ready).toBe(false);
  });

  it('is not ready below minFills, minBuckets or the precision asked, and keeps k in its bounds', () => {
    const b = new IntensityBuckets(0.1, 10);
    for (let i = 0; i < 400; i++) b.addFill(i % 2 === 0 ? 0.05 : 0.15, 0, 1e15);
    b.addExposure(0.05, 100_000, 1_000, 1e15);
    b.addExposure(0.15, 100_000, 1_000, 1e15);
    b.refit(1_000, config({ minFills: 401, minBuckets: 2, kBounds: [0.5, 10], halfLifeMs: 1e15, maxRelativeError: 1 }), SECOND);
    expect(b.ready).toBe(false); // 400 fills
    b.refit(1_000, config({ minFills: 2, minBuckets: 3, kBounds: [0.5, 10], halfLifeMs: 1e15, maxRelativeError: 1 }), SECOND);
    expect(b.ready).toBe(false); // 2 buckets
    // equal rates: k at its lower bound 0.5, A = 400 / (100 s·(e^(−0.025) + e^(−0.075))); SE(k) = 1/√(400·V),
    // V = 0.0025 at k = 0.5 (nearly equal weights) → SE ≈ 1.0: more than the estimate, so not precise
    b.refit(1_000, config({ minFills: 2, minBuckets: 2, kBounds: [0.5, 10], halfLifeMs: 1e15, maxRelativeError: 1 }), SECOND);
    expect(b.k).toBe(0.5);
    expect(b.A).toBeCloseTo(4 / (Math.exp(-0.025) + Math.exp(-0.075)), 10);
    expect(b.kStdErr).toBeGreaterThan(0.5);
    expect(b.ready).toBe(false);
  });

  it('the last bucket takes every distance beyond it, the first anything below zero', () => {
    const b = new IntensityBuckets(0.1, 10);
    expect([b.bucketOf(-0.01), b.bucketOf(0.05), b.bucketOf(0.95), b.bucketOf(1.0), b.bucketOf(25)]).toEqual([0, 0, 9, 9, 9]);
    // 10 s at 0.05 with 10 fills, then 10 s far out at 5 (beyond the buckets) with none:
    // counted, so the fit sees that far quotes are not filled
    for (let i = 0; i < 10; i++) b.addFill(0.05, 0, 1e15);
    b.addExposure(0.05, 10_000, 10_000, 1e15);
    b.addExposure(5, 10_000, 20_000, 1e15);
    b.refit(20_000, config({ kBounds: [0.01, 1_000] }), SECOND);
    expect(b.points).toBe(2);
    // the MLE of two distances with fills at only one sends k to its upper bound
    expect(b.k).toBe(1_000);
  });
});

describe('intensity buckets: simulated fills', () => {
  it('recover A and k of each side within 5 %', () => {
    // bid: k = 4 per price unit, A = 2 per second; ask: k = 2.5, A = 1.5.
    // 20,000 quotes per side, ≈ 10,000 fills each; no forgetting to speak of.
    // This seed gives bid k −1.8 %, bid A −0.5 %, ask k −1.4 %, ask A −1.8 %.
    const c = config({ halfLifeMs: 1e12 });
    const rng = seededRandom(2026);
    const bid = new IntensityBuckets(c.bucketWidth, c.buckets);
    const ask = new IntensityBuckets(c.bucketWidth, c.buckets);
    const end = Math.max(simulate(bid, rng, 4, 2, 20_000, c.halfLifeMs), simulate(ask, rng, 2.5, 1.5, 20_000, c.halfLifeMs));
    bid.refit(end, c, SECOND);
    ask.refit(end, c, SECOND);
    expect([bid.ready, ask.ready]).toEqual([true, true]);
    expect(Math.abs(bid.k / 4 - 1)).toBeLessThan(0.05);
    expect(Math.abs(bid.A / 2 - 1)).toBeLessThan(0.05);
    expect(Math.abs(ask.k / 2.5 - 1)).toBeLessThan(0.05);
    expect(Math.abs(ask.A / 1.5 - 1)).toBeLessThan(0.05);
  });

  it('follows a change of k within a few half-lives', () => {
    // k = 4 for ~20,000 s, then k = 1.5 for ~20,000 s with a half-life of 1 h (≈ 5.5 half-lives);
    // this seed ends 4.9 % from 1.5
    const c = config({ halfLifeMs: 3_600_000 });
    const rng = seededRandom(11);
    const b = new IntensityBuckets(c.bucketWidth, c.buckets);
    const mid = simulate(b, rng, 4, 2, 20_000, c.halfLifeMs);
    const end = simulate(b, rng, 1.5, 2, 20_000, c.halfLifeMs, mid);
    b.refit(end, c, SECOND);
    expect(Math.abs(b.k / 1.5 - 1)).toBeLessThan(0.1);
  });
});
