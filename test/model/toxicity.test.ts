import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adverseMarkout, fillImbalance, spreadMultiplier, toxicityScore } from '../../src/model/toxicity.js';

const params = { imbalanceWeight: 0.5, markoutScaleBps: 5, priorFills: 10 };

describe('toxicity', () => {
  it('hand-computed values', () => {
    // 30 buys, 0 sells, prior 10: 30/40
    expect(fillImbalance(30, 0, 10)).toBe(0.75);
    expect(fillImbalance(10, 10, 10)).toBe(0);
    // mark-outs summing to −60 bps over 20 fills, prior 10: mean −2 bps, scale 5 → 0.4
    expect(adverseMarkout(-60, 20, params)).toBeCloseTo(0.4, 12);
    // favourable mark-outs never count as toxic
    expect(adverseMarkout(60, 20, params)).toBe(0);
    expect(toxicityScore(0.75, 0.4, 0.5)).toBeCloseTo(0.575, 12);
    // multiplier: low 0.3, high 0.8, max 3 → 0.55 is half way: 2
    expect(spreadMultiplier(0.55, 0.3, 0.8, 3)).toBeCloseTo(2, 12);
    expect(spreadMultiplier(0.1, 0.3, 0.8, 3)).toBe(1);
    expect(spreadMultiplier(0.95, 0.3, 0.8, 3)).toBe(3);
  });

  it('score in [0, 1] and multiplier in [1, 3], rising with toxicity', () => {
    fc.assert(fc.property(
      fc.nat(5_000), fc.nat(5_000), fc.double({ min: -1e7, max: 1e7, noNaN: true }), fc.nat(1_000),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (b, s, sum, n, w) => {
        const score = toxicityScore(fillImbalance(b, s, 10), adverseMarkout(sum, n, params), w);
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(1);
        const m = spreadMultiplier(score, 0.3, 0.8, 3);
        expect(m).toBeGreaterThanOrEqual(1);
        expect(m).toBeLessThanOrEqual(3);
        expect(spreadMultiplier(Math.min(1, score + 0.1), 0.3, 0.8, 3)).toBeGreaterThanOrEqual(m);
      },
    ));
  });
});
