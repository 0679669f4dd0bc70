import { describe, expect, it } from 'vitest';
import { VolatilityEstimator } from '../../src/agent/volatility-estimator.js';
import { seededRandom, type SeededRandom } from '../support/seeded-random.js';

const SECOND = 1_000;
const HOUR = 3_600_000;

describe('volatility estimator: hand-computed', () => {
  it('decays the sums by elapsed time and chains returns end to end', () => {
    const e = new VolatilityEstimator();
    e.observe(0, 100, 1_000);
    expect(e.sigma(SECOND)).toBeNaN();
    e.observe(1_000, 101, 1_000); // r = 1 over 1 s: Σr² = 1, Σt = 1000 → σ = 1 per √s
    expect(e.sigma(SECOND)).toBeCloseTo(1, 15);
    // r = −2 over 2 s; the old sums keep 2^(−2) = 1/4: Σr² = 0.25 + 4, Σt = 250 + 2000 → σ² = 4.25/2.25
    e.observe(3_000, 99, 1_000);
    expect(e.sigma(SECOND)).toBeCloseTo(Math.sqrt(4.25 / 2.25), 14);
    expect(e.samples).toBeCloseTo(1.25, 15);
    expect(e.returns).toBe(2);
    // a mid at the same millisecond, or older, makes no return; the next one runs from 99 at 3000
    e.observe(3_000, 50, 1_000);
    e.observe(2_000, 10, 1_000);
    expect(e.returns).toBe(2);
    e.observe(4_000, 100, 1_000); // r = 1 over 1 s: Σr² = 4.25/2 + 1, Σt = 2250/2 + 1000
    expect(e.sigma(SECOND)).toBeCloseTo(Math.sqrt(3.125 / 2.125), 14);
    // 1.25/2 + 1 = 1.625 decayed returns, which round to 2
    expect(e.warmSigma(3, SECOND)).toBeNaN();
    expect(e.warmSigma(2, SECOND)).toBeCloseTo(Math.sqrt(3.125 / 2.125), 14);
  });
});

interface Walker { t: number; mid: number }

/**
 * Continues an arithmetic random walk with true sigma `sigma` per √second from
 * `w`, observed at the steps `step()` gives (ms), feeding `e`.
 */
function walk(e: VolatilityEstimator, w: Walker, steps: number, sigma: number, step: () => number, normal: () => number, halfLifeMs: number): void {
  e.observe(w.t, w.mid, halfLifeMs);
  for (let i = 0; i < steps; i++) {
    const dt = step();
    w.t += dt;
    w.mid += sigma * Math.sqrt(dt / SECOND) * normal();
    e.observe(w.t, w.mid, halfLifeMs);
  }
}

/** Half the steps ~Exp(10 ms), half ~Exp(5 s), in whole ms (at least 1). */
const burstyStep = (rng: SeededRandom) => () => Math.max(1, Math.round(rng.uniform() < 0.5 ? rng.exponential(10) : rng.exponential(5_000)));

function burstyWalkError(seed: number): number {
  const rng = seededRandom(seed);
  const e = new VolatilityEstimator();
  walk(e, { t: 0, mid: 100 }, 200_000, 0.05, burstyStep(rng), () => rng.normal(), 24 * HOUR);
  return e.sigma(SECOND) / 0.05 - 1;
}

describe('volatility estimator: simulated random walks', () => {
  it('recovers sigma within 2 % from irregular steps mixing 10 ms bursts with 5 s gaps', () => {
    // The time between updates varies by a factor of 500; 200,000 steps ≈ 139 h with a
    // 24 h half-life. This seed gives −0.42 % (measured with src/sim/random.ts, the project's generator).
    expect(Math.abs(burstyWalkError(20_261_124))).toBeLessThan(0.02);
  });

  it('weights returns by the time they cover, not by their number', () => {
    // one hour at σ = 0.02 updated every ~10 ms (≈ 360,000 returns), then one hour at
    // σ = 0.08 updated every ~10 s (≈ 360 returns), with no forgetting to speak of:
    // time-weighted, σ² is the mean of the two, (0.0004 + 0.0064)/2 → σ = 0.0583;
    // weighted by count it would be ≈ 0.020
    const rng = seededRandom(99);
    const e = new VolatilityEstimator();
    const w = { t: 0, mid: 100 };
    walk(e, w, 360_000, 0.02, () => Math.max(1, Math.round(rng.exponential(10))), () => rng.normal(), 1e15);
    const steps = Math.round((2 * HOUR - w.t) / 10_000);
    walk(e, w, steps, 0.08, () => Math.max(1, Math.round(rng.exponential(10_000))), () => rng.normal(), 1e15);
    const expected = Math.sqrt((0.02 ** 2 + 0.08 ** 2) / 2);
    expect(Math.abs(e.sigma(SECOND) / expected - 1)).toBeLessThan(0.1);
  });

  it('forgets an old regime within a few half-lives', () => {
    // 20,000 s at σ = 0.2, then 6,000 s (10 half-lives of 10 min) at σ = 0.05: the first
    // regime keeps a weight of 2^−10 and adds about 0.2²/0.05²·2^−10 ≈ 1.6 % to σ²
    const rng = seededRandom(3);
    const e = new VolatilityEstimator();
    const w = { t: 0, mid: 100 };
    const step = () => Math.max(1, Math.round(rng.exponential(1_000)));
    walk(e, w, 20_000, 0.2, step, () => rng.normal(), 10 * 60_000);
    walk(e, w, 6_000, 0.05, step, () => rng.normal(), 10 * 60_000);
    expect(Math.abs(e.sigma(SECOND) / 0.05 - 1)).toBeLessThan(0.1);
  });

  it('needs warm-up again after a gap of many half-lives', () => {
    const e = new VolatilityEstimator();
    for (let i = 0; i <= 100; i++) e.observe(i * 1_000, 100 + (i % 2), 60_000);
    expect(e.warmSigma(30, SECOND)).toBeGreaterThan(0);
    e.observe(101_000 + 20 * 60_000, 100, 60_000); // 20 half-lives later: 2^−20 of the window is left
    expect(e.samples).toBeLessThan(1.01);
    expect(e.warmSigma(30, SECOND)).toBeNaN();
  });
});
