import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { askSizeFactor, bidSizeFactor } from '../../src/model/size-shaping.js';

describe('size shaping by inventory', () => {
  it('hand-computed factors', () => {
    // 5 lots long, η = 0.2: bids × e^(−1) = 0.36787944117144233, asks in full
    expect(bidSizeFactor(0.2, 5)).toBeCloseTo(0.36787944117144233, 15);
    expect(askSizeFactor(0.2, 5)).toBe(1);
    // 5 lots short: the reverse
    expect(askSizeFactor(0.2, -5)).toBeCloseTo(0.36787944117144233, 15);
    expect(bidSizeFactor(0.2, -5)).toBe(1);
    // η = 0 is off
    expect([bidSizeFactor(0, 7), askSizeFactor(0, -7)]).toEqual([1, 1]);
  });

  it('factors in (0, 1], one of the two sides always 1, shrinking with distance from target', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 5, noNaN: true }), fc.double({ min: -100, max: 100, noNaN: true }), (eta, q) => {
      const b = bidSizeFactor(eta, q);
      const a = askSizeFactor(eta, q);
      for (const f of [a, b]) {
        expect(f).toBeGreaterThanOrEqual(0);
        expect(f).toBeLessThanOrEqual(1);
      }
      expect(Math.max(a, b)).toBe(1);
      expect(bidSizeFactor(eta, q + 1)).toBeLessThanOrEqual(b);
      expect(askSizeFactor(eta, q - 1)).toBeLessThanOrEqual(a);
    }));
  });
});
