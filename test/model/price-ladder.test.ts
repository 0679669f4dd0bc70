import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ladderAsk, ladderBid } from '../../src/model/price-ladder.js';
import { tickGrid } from '../../src/model/price-grid.js';

describe('price ladder', () => {
  it('steps level i by i·step, rounded away from the mid', () => {
    const g = tickGrid(0.01);
    // 99.5 − 2·0.123 = 99.254 → down to 99.25; 100.5 + 2·0.123 = 100.746 → up to 100.75
    expect(ladderBid(99.5, 99.37, 2, 0.123, g)).toBe(99.25);
    expect(ladderAsk(100.5, 100.63, 2, 0.123, g)).toBe(100.75);
  });

  it('keeps at least a tick between levels when the step is below a tick', () => {
    const g = tickGrid(0.01);
    expect(ladderBid(99.5, 99.49, 2, 0.003, g)).toBe(99.48);
    expect(ladderAsk(100.5, 100.51, 2, 0.003, g)).toBe(100.52);
  });

  it('levels move strictly outward on the grid', () => {
    fc.assert(fc.property(
      fc.constantFrom(0.0001, 0.01, 0.05, 1), fc.integer({ min: 100, max: 1e6 }), fc.double({ min: 0, max: 50, noNaN: true }), fc.integer({ min: 2, max: 20 }),
      (tick, ticks, step, levels) => {
        const g = tickGrid(tick);
        const bid0 = ticks * tick;
        const ask0 = (ticks + 3) * tick;
        let bid = bid0;
        let ask = ask0;
        for (let i = 1; i < levels; i++) {
          const b = ladderBid(bid0, bid, i, step, g);
          const a = ladderAsk(ask0, ask, i, step, g);
          expect(b).toBeLessThan(bid);
          expect(a).toBeGreaterThan(ask);
          expect(Math.abs(b / tick - Math.round(b / tick))).toBeLessThan(1e-6);
          bid = b;
          ask = a;
        }
      },
    ));
  });
});
