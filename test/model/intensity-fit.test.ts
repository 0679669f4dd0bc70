import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clamp, weightedIntercept, weightedSlope } from '../../src/model/intensity-fit.js';

const f64 = (xs: number[]) => Float64Array.from(xs);

describe('weighted least squares of ln λ on δ', () => {
  it('hand-computed weighted line', () => {
    // x = 0, 1, 2; y = 1, 0, 0; w = 1, 1, 2: x̄ = 5/4, ȳ = 1/4,
    // Σw(x−x̄)² = 11/4, Σw(x−x̄)(y−ȳ) = −5/4 → slope −5/11, intercept ȳ − slope·x̄ = 9/11
    const x = f64([0, 1, 2]);
    const y = f64([1, 0, 0]);
    const w = f64([1, 1, 2]);
    const slope = weightedSlope(x, y, w, 3);
    expect(slope).toBeCloseTo(-5 / 11, 14);
    expect(weightedIntercept(x, y, w, 3, slope)).toBeCloseTo(9 / 11, 14);
    // only the first n entries count
    expect(weightedSlope(f64([0, 1, 2, 99]), f64([1, 0, 0, 99]), f64([1, 1, 2, 99]), 3)).toBeCloseTo(-5 / 11, 14);
  });

  it('is undefined without two distinct weighted distances', () => {
    expect(weightedSlope(f64([0.3, 0.3]), f64([1, 2]), f64([1, 1]), 2)).toBeNaN();
    expect(weightedSlope(f64([0.1, 0.2]), f64([1, 2]), f64([0, 0]), 2)).toBeNaN();
    expect(weightedSlope(f64([]), f64([]), f64([]), 0)).toBeNaN();
  });

  it('recovers ln A and k exactly from rates on the curve, whatever the weights', () => {
    fc.assert(fc.property(
      fc.double({ min: 0.01, max: 100, noNaN: true }), fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
      fc.uniqueArray(fc.integer({ min: 0, max: 200 }), { minLength: 2, maxLength: 12 }),
      fc.array(fc.double({ min: 0.5, max: 1e4, noNaN: true }), { minLength: 12, maxLength: 12 }),
      (k, A, cells, weights) => {
        const x = f64(cells.map((c) => c * 0.01));
        const y = x.map((d) => Math.log(A) - k * d);
        const w = f64(weights.slice(0, cells.length));
        const slope = weightedSlope(x, y, w, cells.length);
        expect(-slope).toBeCloseTo(k, 6);
        expect(weightedIntercept(x, y, w, cells.length, slope)).toBeCloseTo(Math.log(A), 6);
      },
    ));
  });

  it('clamps into the bounds', () => {
    expect([clamp(5, 1, 3), clamp(0, 1, 3), clamp(2, 1, 3)]).toEqual([3, 1, 2]);
  });
});
