import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { glftAskDistance, glftBidDistance, glftInventoryCoefficient, glftQuote } from '../../src/model/glft.js';

// gamma = 0.1, k = 1.5, A = 140, sigma = 2, computed with Python's decimal module (30 digits):
//   (1 + γ/k)^(1 + k/γ) = (16/15)^16 = 2.808403965576447
//   C = sqrt(4·0.1/(2·1.5·140) · 2.808403965576447) = 0.051717216121966
//   (1/γ)·ln(1 + γ/k) = 0.645385211375712
//   q = 0:  δb = δa = 0.671243819436695
//   q = 1:  δb = 0.722961035558661, δa = 0.619526603314729
//   q = −2: δb = 0.567809387192763, δa = 0.774678251680627
describe('GLFT asymptotic quotes against hand-computed values', () => {
  it('coefficient C', () => {
    expect(glftInventoryCoefficient(0.1, 2, 1.5, 140)).toBeCloseTo(0.051717216121966, 12);
  });
  it.each([
    [0, 0.671243819436695, 0.671243819436695],
    [1, 0.722961035558661, 0.619526603314729],
    [-2, 0.567809387192763, 0.774678251680627],
  ])('q = %d', (q, bid, ask) => {
    expect(glftBidDistance(q, 0.1, 2, 1.5, 140)).toBeCloseTo(bid, 12);
    expect(glftAskDistance(q, 0.1, 2, 1.5, 140)).toBeCloseTo(ask, 12);
    const quote = glftQuote({ mid: 100, inventory: q, gamma: 0.1, sigma: 2, k: 1.5, A: 140 });
    expect(quote.bid).toBeCloseTo(100 - bid, 12);
    expect(quote.ask).toBeCloseTo(100 + ask, 12);
  });
  it('gamma → 0 keeps C finite (the power tends to e)', () => {
    const c = glftInventoryCoefficient(1e-15, 2, 1.5, 140);
    expect(Number.isFinite(c)).toBe(true);
    expect(c).toBeCloseTo(Math.sqrt(((4 * 1e-15) / (2 * 1.5 * 140)) * Math.E), 20);
  });
});

const args = fc.record({
  gamma: fc.double({ min: 1e-4, max: 5, noNaN: true }),
  sigma: fc.double({ min: 1e-4, max: 50, noNaN: true }),
  k: fc.double({ min: 1e-2, max: 50, noNaN: true }),
  A: fc.double({ min: 1e-2, max: 1e4, noNaN: true }),
});

describe('GLFT properties', () => {
  it('at q = 0 the quotes are symmetric around the mid', () => {
    fc.assert(fc.property(args, (a) => {
      expect(glftBidDistance(0, a.gamma, a.sigma, a.k, a.A)).toBeCloseTo(glftAskDistance(0, a.gamma, a.sigma, a.k, a.A), 9);
    }));
  });
  it('the skew grows linearly with q and the spread does not depend on q', () => {
    fc.assert(fc.property(args, fc.integer({ min: -50, max: 50 }), (a, q) => {
      const d = (n: number) => glftBidDistance(n, a.gamma, a.sigma, a.k, a.A) - glftAskDistance(n, a.gamma, a.sigma, a.k, a.A);
      const s = (n: number) => glftBidDistance(n, a.gamma, a.sigma, a.k, a.A) + glftAskDistance(n, a.gamma, a.sigma, a.k, a.A);
      const c = glftInventoryCoefficient(a.gamma, a.sigma, a.k, a.A);
      expect(d(q)).toBeCloseTo(2 * q * c, 6);
      expect(d(q + 1) - d(q)).toBeCloseTo(2 * c, 6);
      expect(s(q)).toBeCloseTo(s(0), 6);
    }));
  });
});
