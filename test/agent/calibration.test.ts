import { describe, expect, it } from 'vitest';
import { MarketMakerAgent, type MarketMakerConfigInput } from '../../src/agent/index.js';
import { runMarket, type MarketSimSpec } from '../support/market-sim.js';
import { seededRandom } from '../support/seeded-random.js';
import { mid, T0, vol } from '../support/updates.js';

const HOUR = 3_600_000;

/** Quotes in seconds on a 100 stock; the configured k and A are deliberately not the market's. */
const calibrating: MarketMakerConfigInput = {
  timeUnit: 'second', gamma: 0.1, k: 10, A: 1, horizon: { mode: 'infinite', tau: 1 },
  tickSize: 0.01, minSpreadBps: 0, maxSpreadBps: 10_000, orderSize: 1, maxInventory: 10_000,
  volatility: { source: 'estimated', default: null, halfLifeMs: HOUR, minSamples: 30 },
  intensity: { source: 'estimated', bucketWidth: 0.02, buckets: 25, minFills: 50, halfLifeMs: 24 * HOUR },
  // five levels 2 bps apart spread the quotes over several distance buckets
  levels: 5, levelStep: { unit: 'bps', value: 2 },
};

/** σ = 0.05 per √s, mids every ~1 s; bids hit with k = 20, A = 1/s; asks with k = 12, A = 1.5/s. */
const market = (startMid: number, startTime: number): MarketSimSpec => ({
  symbol: 'X', startMid, startTime, sigma: 0.05, unitMs: 1_000, meanMidIntervalMs: 1_000,
  bid: { k: 20, A: 1 }, ask: { k: 12, A: 1.5 },
});

describe('MarketMakerAgent: online calibration', () => {
  // seed 1 once ended with ask k −88 % and 72 ask fills in 4 h (the log-rate line's bias locking the quotes far out)
  it.each([1, 2, 3, 4, 5, 6, 7, 42])('seed %i: quotes from mids and fills alone once sigma is estimated, then fits k and A per side', (seed) => {
    // every quote published (no requote threshold), so that the last quote carries the last estimate
    const a = new MarketMakerAgent('cal', { ...calibrating, requote: { maxIntervalMs: 0 } });
    const rng = seededRandom(seed);
    // warm-up: with no sigma pushed and no default there is no quote until 30 returns back the
    // estimate (1 s apart with a 1 h half-life they weigh 29.92, which rounds to 30)
    let t = T0;
    let m = 100;
    let r = a.process(mid('X', m, t));
    let mids = 1;
    while (r.outcome !== 'quoted') {
      expect(r.decision.reason).toBe('no-volatility');
      t += 1_000;
      m += 0.05 * rng.normal();
      r = a.process(mid('X', m, t));
      mids++;
    }
    expect(mids).toBe(31); // 30 returns
    expect(r.quote!.sigmaSource).toBe('estimated');
    expect(a.view('X')!.volatilityEstimate.inUse).toBe(true);
    expect(a.view('X')!.intensity.bid.source).toBe('configured');

    // four hours of a simulated market against the agent's own quotes (≈ 14,000 mids, 19,000 fills a side).
    // A is extrapolated to δ = 0 from quotes 0.03–0.2 away, which multiplies an error in k by k·δ,
    // hence its wider tolerance.
    const run = runMarket(a, market(m, t + 1), rng, T0 + 4 * HOUR);
    expect(Math.min(run.buys, run.sells)).toBeGreaterThan(10_000);
    const v = a.view('X')!;
    const q = run.last!.quote!;
    expect(q.sigmaSource).toBe('estimated');
    expect(q.sigma).toBe(v.volatilityEstimate.sigma);
    expect(Math.abs(q.sigma / 0.05 - 1)).toBeLessThan(0.05);
    for (const [side, truth] of [[v.intensity.bid, { k: 20, A: 1 }], [v.intensity.ask, { k: 12, A: 1.5 }]] as const) {
      expect(side.source).toBe('estimated');
      expect(side.fills).toBeGreaterThan(50);
      expect(side.k).toBe(side.fittedK);
      expect(Math.abs(side.k / truth.k - 1)).toBeLessThan(0.1);
      expect(Math.abs(side.A / truth.A - 1)).toBeLessThan(0.15);
      expect(side.kStdErr! / side.k).toBeLessThan(0.05);
    }
  }, 30_000);
});

/** Feeds `n` mids 1 s apart alternating 100 and 101: each return is ±1 over 1 s, so the estimate is 1 per √s. */
function zigzag(a: MarketMakerAgent, n: number, from = T0) {
  let r = a.process(mid('X', 100, from));
  for (let i = 1; i <= n; i++) r = a.process(mid('X', 100 + (i % 2), from + i * 1_000));
  return r;
}

describe('MarketMakerAgent: volatility sources', () => {
  const base: MarketMakerConfigInput = { timeUnit: 'second', minSpreadBps: 0, maxSpreadBps: 10_000, tickSize: 0.0001 };

  it('estimated: the default, or a pushed sigma, until the estimate is warm', () => {
    const a = new MarketMakerAgent('v', { ...base, volatility: { source: 'estimated', default: 2, minSamples: 5, halfLifeMs: 1e12 } });
    expect([a.process(mid('X', 100)).quote!.sigmaSource, a.process(mid('X', 101, T0 + 1_000)).quote!.sigma]).toEqual(['default', 2]);
    expect(a.process(vol('X', 3, T0 + 1_000)).quote!.sigmaSource).toBe('pushed');
    const warm = zigzag(a, 5, T0 + 2_000).quote!;
    expect(warm.sigmaSource).toBe('estimated');
    expect(warm.sigma).toBeCloseTo(1, 9);
  });

  it('pushed-else-estimated: the estimate until a sigma is pushed', () => {
    const a = new MarketMakerAgent('v', { ...base, volatility: { source: 'pushed-else-estimated', minSamples: 5, halfLifeMs: 1e12 } });
    expect(zigzag(a, 4).decision.reason).toBe('no-volatility');
    const est = a.process(mid('X', 101, T0 + 5_000)).quote!; // the fifth return
    expect([est.sigmaSource, est.sigma]).toEqual(['estimated', expect.closeTo(1, 9)]);
    expect(a.process(vol('X', 3, T0 + 20_000)).quote!.sigmaSource).toBe('pushed');
  });

  it('pushed (the default): the estimate is kept and shown but not used', () => {
    const a = new MarketMakerAgent('v', base);
    zigzag(a, 10);
    const q = a.process(vol('X', 3, T0 + 20_000)).quote!;
    expect([q.sigmaSource, q.sigma]).toEqual(['pushed', 3]);
    const v = a.view('X')!.volatilityEstimate;
    expect(v.sigma).toBeCloseTo(1, 3);
    expect([v.returns, v.inUse]).toEqual([10, false]);
  });
});

describe('MarketMakerAgent: intensity sources', () => {
  it('configured (the default): the view shows the configured k and A and no fit', () => {
    const a = new MarketMakerAgent('i', { k: 2, A: 50, volatility: { default: 1 } });
    a.process(mid('X', 100));
    expect(a.view('X')!.intensity).toEqual({
      bid: { k: 2, A: 50, source: 'configured', fittedK: null, fittedA: null, kStdErr: null, AStdErr: null, fills: 0, buckets: 0 },
      ask: { k: 2, A: 50, source: 'configured', fittedK: null, fittedA: null, kStdErr: null, AStdErr: null, fills: 0, buckets: 0 },
    });
  });

  it('estimated: the configured values quote until a side has enough fills', () => {
    const configured = new MarketMakerAgent('c', { volatility: { default: 1 } });
    const estimating = new MarketMakerAgent('e', { volatility: { default: 1 }, intensity: { source: 'estimated' } });
    for (const a of [configured, estimating]) a.process(mid('X', 100));
    const r = estimating.process(mid('X', 100.5, T0 + 1_000));
    expect(r.quote).toEqual(configured.process(mid('X', 100.5, T0 + 1_000)).quote);
    expect(estimating.view('X')!.intensity.bid.source).toBe('configured');
  });
});
