import { describe, expect, it } from 'vitest';
import { decayFactor } from '../../src/model/decay.js';
import { sigmaFromSums } from '../../src/model/realised-volatility.js';

describe('time decay', () => {
  it('halves per half-life and never grows', () => {
    expect(decayFactor(1_000, 1_000)).toBeCloseTo(0.5, 15);
    expect(decayFactor(3_000, 1_000)).toBeCloseTo(0.125, 15);
    expect(decayFactor(0, 1_000)).toBe(1);
    expect(decayFactor(-5, 1_000)).toBe(1);
  });
});

describe('sigma from the decayed sums', () => {
  it('is √(Σr² / Σt) per √unit', () => {
    // Σr² = 4.5 price² over 2,000 ms; per second: 4.5 / 2 = 2.25 → 1.5
    expect(sigmaFromSums(4.5, 2_000, 1_000)).toBeCloseTo(1.5, 15);
    // per minute: 2.25 · 60 = 135 → 11.61895003862225
    expect(sigmaFromSums(4.5, 2_000, 60_000)).toBeCloseTo(Math.sqrt(135), 12);
    expect(sigmaFromSums(0, 0, 1_000)).toBeNaN();
  });
});
