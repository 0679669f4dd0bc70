import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyFill, emptyInventory } from '../../src/agent/inventory.js';
import { ASK_BLOCKED, BID_BLOCKED, blockedSides, breachOf, measure, sessionPeriodStart, usedRatio, type ScopeState } from '../../src/agent/risk-limits.js';
import { feeOf } from '../../src/agent/quote-hygiene.js';

describe('fees in realised P&L', () => {
  it('a round trip through zero with maker and taker fees, computed by hand', () => {
    const inv = emptyInventory();
    // buy 10 @ 100 as maker at 10 bps: fee 100·10·0.001 = 1
    applyFill(inv, 10, 100, undefined, feeOf(100, 10, 10));
    expect(inv.fees).toBe(1);
    expect(inv.realisedPnl).toBe(-1);
    // sell 15 @ 102 as taker at 20 bps: fee 102·15·0.002 = 3.06; closes 10 for 10·(102 − 100) = 20,
    // opens short 5 @ 102: realised −1 + 20 − 3.06 = 15.94
    applyFill(inv, -15, 102, undefined, feeOf(102, 15, 20));
    expect([inv.position, inv.averageCost]).toEqual([-5, 102]);
    expect(inv.realisedPnl).toBeCloseTo(15.94, 12);
    // buy 5 @ 101 with a rebate of 0.25 given by the OMS: closes 5 for 5·(102 − 101) = 5, +0.25 back
    applyFill(inv, 5, 101, undefined, -0.25);
    expect([inv.position, inv.averageCost]).toEqual([0, 0]);
    expect(inv.realisedPnl).toBeCloseTo(21.19, 12); // 25 gross − (1 + 3.06 − 0.25) fees
    expect(inv.fees).toBeCloseTo(3.81, 12);
  });

  it('feeOf is notional × bps / 10,000, for random fills (exact decimal arithmetic as the reference)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: -100, max: 100 }),
      (cents, qty, bps) => {
        // reference in integers: cents·qty·bps is exact, then one division
        const reference = (cents * qty * bps) / 1e6;
        expect(feeOf(cents / 100, qty, bps)).toBeCloseTo(reference, 6);
      },
    ));
  });
});

describe('loss and drawdown arithmetic', () => {
  it('measures P&L since the baseline and the fall from the peak (by hand)', () => {
    const s: ScopeState = { baseline: 50, peak: 0 };
    expect(measure(s, 60)).toEqual({ pnl: 10, drawdown: 0 });
    expect(measure(s, 45)).toEqual({ pnl: -5, drawdown: 15 });
    expect(s.peak).toBe(10);
    expect(breachOf({ pnl: -5, drawdown: 15 }, 10, 20)).toBeNull();
    expect(breachOf({ pnl: -10, drawdown: 15 }, 10, 20)).toBe('loss-limit'); // at the limit
    expect(breachOf({ pnl: -5, drawdown: 20 }, 10, 20)).toBe('drawdown-limit');
    expect(breachOf({ pnl: -50, drawdown: 50 }, null, null)).toBeNull();
    expect(usedRatio(8, 10)).toBe(0.8);
    expect(usedRatio(-3, 10)).toBe(0);
    expect(usedRatio(5, null)).toBe(0);
  });

  it('drawdown is never negative and equals the running maximum minus the P&L (a second computation)', () => {
    fc.assert(fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 200 }), (baseline, path) => {
      const s: ScopeState = { baseline, peak: 0 };
      let max = 0;
      for (const total of path) {
        const f = measure(s, total);
        max = Math.max(max, total - baseline);
        expect(f.drawdown).toBeGreaterThanOrEqual(0);
        expect(f.drawdown).toBe(max - (total - baseline));
      }
    }));
  });

  it('the session period starts at the latest reset at or before the time', () => {
    const day = 86_400_000;
    const t = Date.UTC(2026, 11, 2, 15, 0);
    expect(sessionPeriodStart(t, 16 * 3_600_000)).toBe(Date.UTC(2026, 11, 1, 16, 0));
    expect(sessionPeriodStart(Date.UTC(2026, 11, 2, 16, 0), 16 * 3_600_000)).toBe(Date.UTC(2026, 11, 2, 16, 0));
    fc.assert(fc.property(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 0, max: day - 1 }), (time, reset) => {
      const start = sessionPeriodStart(time, reset);
      expect(start).toBeLessThanOrEqual(time);
      expect(time - start).toBeLessThan(day);
      expect(((start % day) + day) % day).toBe(reset);
    }));
  });

  it('a notional limit keeps off exactly the side that would grow the breached figure', () => {
    fc.assert(fc.property(
      fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true }), fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.option(fc.double({ min: 1, max: 1e6, noNaN: true })), fc.option(fc.double({ min: 1, max: 1e6, noNaN: true })),
      (position, gross, net, maxGross, maxNet) => {
        const bits = blockedSides(position, gross, net, maxGross, maxNet);
        const b = { bid: (bits & BID_BLOCKED) !== 0, ask: (bits & ASK_BLOCKED) !== 0 };
        // a buy adds +q·mark to net and grows gross unless it reduces a short; a sell the reverse
        const buyGrows = (maxNet !== null && net >= maxNet) || (maxGross !== null && gross >= maxGross && position >= 0);
        const sellGrows = (maxNet !== null && net <= -maxNet) || (maxGross !== null && gross >= maxGross && position <= 0);
        expect(b).toEqual({ bid: buyGrows, ask: sellGrows });
      },
    ));
  });
});
