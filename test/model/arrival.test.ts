import { describe, expect, it } from 'vitest';
import { arrivalIntensity, fillProbability } from '../../src/model/arrival.js';

describe('order arrivals λ(δ) = A·e^(−kδ)', () => {
  it('is A at the mid and falls by e^(−k) per price unit', () => {
    expect(arrivalIntensity(140, 1.5, 0)).toBe(140);
    // the paper's symmetric half-spread at γ = 0.1: δ = 10·ln(16/15) = 0.6453852…
    expect(arrivalIntensity(140, 1.5, 10 * Math.log(16 / 15))).toBeCloseTo(140 * (15 / 16) ** 15, 10);
    expect(arrivalIntensity(140, 1.5, 1) / arrivalIntensity(140, 1.5, 2)).toBeCloseTo(Math.exp(1.5), 12);
    expect(arrivalIntensity(140, 1.5, -1)).toBeGreaterThan(140);
  });

  it('fills within dt with probability 1 − e^(−λ·dt), in [0, 1], ≈ λ·dt when small', () => {
    expect(fillProbability(140, 1.5, 0, 0.005)).toBeCloseTo(1 - Math.exp(-0.7), 14);
    // 1 − e^(−x) = x − x²/2 + …: relative error x/2 for x = λ·dt ≈ 4e-5
    expect(fillProbability(140, 1.5, 0.8, 1e-6) / (arrivalIntensity(140, 1.5, 0.8) * 1e-6)).toBeCloseTo(1, 4);
    expect(fillProbability(140, 1.5, -5, 1)).toBe(1);
    expect(fillProbability(140, 1.5, 50, 0.005)).toBeGreaterThanOrEqual(0);
    expect(fillProbability(140, 1.5, 0.5, 0)).toBe(0);
    let last = 1;
    for (let d = -1; d <= 5; d += 0.25) {
      const p = fillProbability(140, 1.5, d, 0.005);
      expect(p).toBeLessThanOrEqual(last);
      last = p;
    }
  });
});
