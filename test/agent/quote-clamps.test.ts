/**
 * The spread clamps, the never-cross rule and tick rounding (quote-engine.ts steps 4–6).
 * Expected prices are worked out by hand in the comments, from the model's formulas.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarketMakerAgent, type MarketMakerConfigInput } from '../../src/agent/index.js';
import { mid, position, vol } from '../support/updates.js';

/** The example: γ 0.1, k 0.05, maxSpreadBps 500, σ 0.01, maxInventory 100, mid 100. */
const lopsided: MarketMakerConfigInput = {
  gamma: 0.1, k: 0.05, maxSpreadBps: 500, minSpreadBps: 1, maxInventory: 100, orderSize: 1,
  horizon: { mode: 'infinite', tau: 1 }, tickSize: 0.01,
};

function quoteAt(cfg: MarketMakerConfigInput, pos: number, m = 100, sigma = 0.01) {
  const a = new MarketMakerAgent('c', cfg);
  a.process(mid('X', m));
  if (pos !== 0) a.process(position('X', pos, m));
  return a.process(vol('X', sigma)).quote!;
}

describe('max spread clamp: each half-spread around the reservation price', () => {
  it('a long position keeps its ask above the mid (the midpoint clamp put it at 99.76)', () => {
    // r = 100 − 50·0.1·0.01²·1 = 99.9995; model half-spread (1/γ)ln(1 + γ/k) = 10·ln 3 = 10.986;
    // skew 0.25: bid half 13.73, ask half 8.24, both above the cap 500 bps/2 of 100 = 2.5.
    // Each half clamped to 2.5 around r: bid 97.4995, ask 102.4995; the bid is cut by the max
    // clamp so it rounds inwards (up) to 97.50, the ask down to 102.49.
    const q = quoteAt(lopsided, 50);
    expect(q.reservation).toBeCloseTo(99.9995, 12);
    expect([q.bidPrice, q.askPrice]).toEqual([97.5, 102.49]);
    expect(q.adjustments.spreadClamp).toBe('max');
    expect(q.adjustments.crossMidClamp).toBe('none');
    expect(q.bidPrice).toBeLessThan(q.mid);
    expect(q.askPrice).toBeGreaterThan(q.mid);
  });

  it('rounding after the max clamp stays within the limit (120 bps against 100 before)', () => {
    // max 100 bps of 100 = 1.00, halves 0.5 around r = 100 (flat): bid 99.5, ask 100.5. On a 0.3 grid
    // rounding outwards gave 99.3 / 100.5, 120 bps; inwards the bid goes up to 99.6 (332 ticks) and the
    // ask stays on 100.5 (335 ticks): 90 bps ≤ 100 bps
    const q = quoteAt({ ...lopsided, maxSpreadBps: 100, tickSize: 0.3 }, 0);
    expect([q.bidPrice, q.askPrice]).toEqual([99.6, 100.5]);
    expect(q.spreadBps).toBeLessThanOrEqual(100);
  });
});

describe('never across the mid', () => {
  /** a long position so large that the reservation price lies below the bid's place */
  const deep: MarketMakerConfigInput = {
    gamma: 1, k: 10, maxSpreadBps: 500, minSpreadBps: 0, maxInventory: 1_000, orderSize: 1,
    horizon: { mode: 'infinite', tau: 1 }, tickSize: 0.01,
  };

  it('an ask the model puts below the mid is placed one tick above it and reported', () => {
    // position 100 lots: r = 100 − 100·1·0.1²·1 = 99; half-spread (0.01 + 2·ln 1.1)/2 = 0.10031;
    // skew 0.5·100/1000 = 0.05: ask = 99 + 0.10031·0.95 = 99.0953 (below the mid) → 100.01;
    // bid = 99 − 0.10031·1.05 = 98.8947 → 98.89; width 1.12 ≤ 5
    const q = quoteAt(deep, 100, 100, 0.1);
    expect(q.reservation).toBeCloseTo(99, 12);
    expect([q.bidPrice, q.askPrice]).toEqual([98.89, 100.01]);
    expect(q.adjustments.crossMidClamp).toBe('ask');
  });

  it('and a short position puts the bid one tick below the mid', () => {
    const q = quoteAt(deep, -100, 100, 0.1);
    // mirror image: r = 101, bid at 101 − 0.10031·0.95 = 100.9047 → 99.99, ask 101 + 0.10031·1.05 = 101.1053 → 101.11
    expect([q.bidPrice, q.askPrice]).toEqual([99.99, 101.11]);
    expect(q.adjustments.crossMidClamp).toBe('bid');
  });

  it('the far side comes in when the never-cross rule would break the max spread', () => {
    // position 400 lots: r = 96, skew 0.2: ask 96 + 0.10031·0.8 = 96.08 → 100.01; bid 96 − 0.10031·1.2
    // = 95.8796 → 95.87, 4.14 wide, but max 200 bps of 100 = 2: the bid comes in to 100.01 − 2 = 98.01
    const q = quoteAt({ ...deep, maxSpreadBps: 200 }, 400, 100, 0.1);
    expect([q.bidPrice, q.askPrice]).toEqual([98.01, 100.01]);
    expect(q.adjustments.crossMidClamp).toBe('ask');
  });

  it('allowCrossMid keeps the model quote for aggressive unwinding', () => {
    const q = quoteAt({ ...deep, allowCrossMid: true }, 100, 100, 0.1);
    expect([q.bidPrice, q.askPrice]).toEqual([98.89, 99.1]);
    expect(q.adjustments.crossMidClamp).toBe('none');
  });
});

const clampConfig = fc.record({
  model: fc.constantFrom('avellaneda-stoikov' as const, 'glft' as const),
  gamma: fc.double({ min: 1e-3, max: 5, noNaN: true }),
  k: fc.double({ min: 1e-2, max: 50, noNaN: true }),
  A: fc.double({ min: 1, max: 1e3, noNaN: true }),
  maxInventory: fc.double({ min: 10, max: 1e4, noNaN: true }),
  maxSkew: fc.double({ min: 0, max: 0.5, noNaN: true }),
  minSpreadBps: fc.double({ min: 0, max: 100, noNaN: true }),
  /** the band between min and max, in bps */
  bandBps: fc.double({ min: 1, max: 2_000, noNaN: true }),
  tickSize: fc.constantFrom(0.0001, 0.01, 0.05, 0.25, 1),
  allowCrossMid: fc.boolean(),
});
const clampMarket = fc.record({
  mid: fc.double({ min: 1, max: 1e5, noNaN: true }),
  sigma: fc.double({ min: 1e-4, max: 20, noNaN: true }),
  /** position as a fraction of maxInventory, past the limit too */
  fraction: fc.double({ min: -1.5, max: 1.5, noNaN: true }),
});

describe('property: bid < mid < ask and the spread within the bps limits after rounding', () => {
  it('over random configurations, positions and mids', () => {
    fc.assert(fc.property(clampConfig, clampMarket, (c, m) => {
      const tick = c.tickSize;
      const minWidth = (c.minSpreadBps * m.mid) / 1e4;
      const maxWidth = ((c.minSpreadBps + c.bandBps) * m.mid) / 1e4;
      // a grid that can hold the limits: room for two ticks between min and max, and for a quote
      // one tick each side of the mid (at most three ticks wide when the mid is off the grid)
      fc.pre(maxWidth - minWidth >= 2 * tick && maxWidth >= 3 * tick && m.mid > 3 * tick);
      const cfg: MarketMakerConfigInput = {
        model: c.model, gamma: c.gamma, k: c.k, A: c.A, maxInventory: c.maxInventory, maxSkew: c.maxSkew,
        minSpreadBps: c.minSpreadBps, maxSpreadBps: c.minSpreadBps + c.bandBps, tickSize: tick,
        allowCrossMid: c.allowCrossMid, orderSize: 1, horizon: { mode: 'infinite', tau: 1 },
      };
      const a = new MarketMakerAgent('p', cfg);
      a.process(mid('X', m.mid));
      a.process(position('X', m.fraction * c.maxInventory, m.mid));
      const q = a.process(vol('X', m.sigma)).quote;
      if (q === null) return; // e.g. short at the limit with no positive bid: nothing to check
      const eps = 1e-9 * m.mid;
      const width = q.askPrice - q.bidPrice;
      expect(width).toBeGreaterThanOrEqual(minWidth - eps);
      expect(width).toBeLessThanOrEqual(maxWidth + eps);
      expect(q.bidPrice).toBeLessThan(q.askPrice);
      if (!c.allowCrossMid) {
        expect(m.mid - q.bidPrice).toBeGreaterThanOrEqual(tick - eps);
        expect(q.askPrice - m.mid).toBeGreaterThanOrEqual(tick - eps);
      }
      // both on the grid
      // both on the grid, up to the double's precision at 10^9 ticks and more
      for (const p of [q.bidPrice, q.askPrice]) expect(Math.abs(p / tick - Math.round(p / tick))).toBeLessThan(1e-6 + 1e-12 * Math.abs(p / tick));
    }), { numRuns: 2_000 });
  });
});
