import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Book } from '../../src/backtest/exchange.js';
import { intensityFills, tradeThroughFills } from '../../src/backtest/fill-models.js';
import { fillProbability } from '../../src/model/arrival.js';
import { seededUniform } from '../../src/sim/random.js';

const order = fc.record({
  price: fc.integer({ min: 9_000, max: 11_000 }).map((c) => c / 100),
  remaining: fc.integer({ min: 1, max: 10 }),
  queueAhead: fc.integer({ min: 0, max: 5 }),
});
const book = fc.record({
  bids: fc.uniqueArray(order, { selector: (o) => o.price, maxLength: 4 }).map((os) => os.sort((a, b) => b.price - a.price)),
  asks: fc.uniqueArray(order, { selector: (o) => o.price, maxLength: 4 }).map((os) => os.sort((a, b) => a.price - b.price)),
});
const trade = fc.record({
  price: fc.integer({ min: 9_000, max: 11_000 }).map((c) => c / 100),
  quantity: fc.integer({ min: 1, max: 30 }),
  side: fc.constantFrom('buy' as const, 'sell' as const),
});

describe('trade-through fills (property)', () => {
  it('never more than the trade, never past our order, only at or through the print, units conserved', () => {
    fc.assert(fc.property(book, trade, (b: Book, t) => {
      const before = structuredClone(b);
      const ours = t.side === 'sell' ? before.bids : before.asks;
      const fills = tradeThroughFills(b, t);
      const total = fills.reduce((n, f) => n + f.quantity, 0);
      expect(total).toBeLessThanOrEqual(t.quantity);
      for (const f of fills) {
        expect(f.side).toBe(t.side === 'sell' ? 'buy' : 'sell');
        if (t.side === 'sell') expect(f.price).toBeGreaterThanOrEqual(t.price);
        else expect(f.price).toBeLessThanOrEqual(t.price);
      }
      // what rests after plus what filled is what rested before, price by price
      const after = t.side === 'sell' ? b.bids : b.asks;
      for (const o of ours) {
        const filled = fills.filter((f) => f.price === o.price).reduce((n, f) => n + f.quantity, 0);
        const left = after.find((a) => a.price === o.price)?.remaining ?? 0;
        expect(filled + left).toBe(o.remaining);
      }
      // the other side is untouched
      expect(t.side === 'sell' ? b.asks : b.bids).toEqual(t.side === 'sell' ? before.asks : before.bids);
      // with nobody ahead, the trade fills min(its size, all we rest at or through its price)
      const reachable = ours.filter((o) => (t.side === 'sell' ? o.price >= t.price : o.price <= t.price));
      if (reachable.every((o) => o.queueAhead === 0 || o.price !== t.price)) {
        expect(total).toBe(Math.min(t.quantity, reachable.reduce((n, o) => n + o.remaining, 0)));
      }
    }));
  });
});

describe('intensity fills (statistics over many seeds)', () => {
  // an order at distance δ fills in a step with probability p = 1 − e^(−A·e^(−kδ)·dt);
  // over n steps the count is Binomial(n, p): every seed must land within 4.5 standard deviations
  it.each([0.05, 0.1, 0.2])('fills a bid at distance %f at the rate 1 − e^(−λ(δ)·dt) on each of 20 seeds', (distance) => {
    const A = 1800, k = 20, dt = 1 / 3600, n = 20_000, mid = 100;
    const p = fillProbability(A, k, distance, dt);
    for (let seed = 1; seed <= 20; seed++) {
      const u = seededUniform(seed);
      let count = 0;
      for (let i = 0; i < n; i++) {
        const b: Book = { bids: [{ price: mid - distance, remaining: 1, queueAhead: 0 }], asks: [] };
        count += intensityFills(b, mid, dt, A, k, u).length;
      }
      expect(Math.abs(count - n * p)).toBeLessThan(4.5 * Math.sqrt(n * p * (1 - p)));
    }
  });

  it('a filled order leaves the book whole; one uniform per order, bids first', () => {
    const b: Book = { bids: [{ price: 99, remaining: 2, queueAhead: 0 }], asks: [{ price: 101, remaining: 3, queueAhead: 0 }] };
    const draws = [0, 0.999999];
    let i = 0;
    const fills = intensityFills(b, 100, 1, 1, 1, () => draws[i++]!);
    expect(fills).toEqual([{ side: 'buy', price: 99, quantity: 2, partial: false }]);
    expect(b).toEqual({ bids: [], asks: [{ price: 101, remaining: 3, queueAhead: 0 }] });
    expect(i).toBe(2);
  });
});
