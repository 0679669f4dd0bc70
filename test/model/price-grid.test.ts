import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roundDown, roundUp, tickGrid } from '../../src/model/price-grid.js';

describe('tick grid', () => {
  it('rounds bids down and asks up to clean decimals', () => {
    const g = tickGrid(0.01);
    expect(roundDown(99.15461, g)).toBe(99.15);
    expect(roundUp(99.15461, g)).toBe(99.16);
    // prices already on the grid stay, despite 100/0.01 = 9999.999999999998 in binary
    expect(roundDown(100, g)).toBe(100);
    expect(roundUp(100, g)).toBe(100);
    expect(roundUp(0.1 + 0.2, g)).toBe(0.3);
    expect(roundDown(101.237, tickGrid(0.05))).toBe(101.2);
    expect(roundUp(101.237, tickGrid(0.05))).toBe(101.25);
    expect(roundUp(101.237, tickGrid(1))).toBe(102);
    expect(tickGrid(1e-9).scale).toBe(1e9);
    expect(roundDown(1.23456789012, tickGrid(1e-9))).toBe(1.23456789);
  });

  it('never moves a price by a tick or more, and in the stated direction', () => {
    const ticks = fc.constantFrom(0.0001, 0.001, 0.005, 0.01, 0.05, 0.25, 1);
    fc.assert(fc.property(fc.double({ min: 0.01, max: 1e5, noNaN: true }), ticks, (p, t) => {
      const g = tickGrid(t);
      const down = roundDown(p, g);
      const up = roundUp(p, g);
      expect(down).toBeLessThanOrEqual(p + t * 1e-6);
      expect(up).toBeGreaterThanOrEqual(p - t * 1e-6);
      expect(p - down).toBeLessThan(t * (1 + 1e-6));
      expect(up - p).toBeLessThan(t * (1 + 1e-6));
    }));
  });
});
