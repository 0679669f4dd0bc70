import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarketMakerAgent, type ProcessResult, type Update } from '../../src/agent/index.js';
import { DECISIONS } from '../../src/agent/quote.js';
import { fill, mid, position, T0, vol } from '../support/updates.js';

const update: fc.Arbitrary<(t: number, i: number) => Update> = fc.oneof(
  fc.record({ s: fc.constantFrom('A', 'B'), m: fc.double({ min: 50, max: 150, noNaN: true }) }).map(({ s, m }) => (t: number) => mid(s, m, t)),
  fc.record({ s: fc.constantFrom('A', 'B'), v: fc.double({ min: 0.1, max: 5, noNaN: true }) }).map(({ s, v }) => (t: number) => vol(s, v, t)),
  fc.record({ s: fc.constantFrom('A', 'B'), q: fc.integer({ min: -5, max: 5 }) }).map(({ s, q }) => (t: number) => position(s, q, 100, t)),
  fc.record({ s: fc.constantFrom('A', 'B'), side: fc.constantFrom('buy' as const, 'sell' as const), p: fc.double({ min: 90, max: 110, noNaN: true }), dup: fc.boolean() })
    // a reused id carries the same contents (a retry): other contents would be FILL_ID_CONFLICT, refused
    .map(({ s, side, p, dup }) => (t: number, i: number) => (dup ? fill('A', 'same-id', 'buy', 100, 1, t) : fill(s, `f${i}`, side, p, 1, t))),
);

describe('process(u, out): the result written into a caller-owned object', () => {
  it('is the same result as process(u) at every step of random sessions (duplicates and withdrawals included), and is `out` itself', () => {
    fc.assert(
      fc.property(fc.array(update, { minLength: 1, maxLength: 60 }), (steps) => {
        const fresh = new MarketMakerAgent('fresh');
        const reused = new MarketMakerAgent('reused');
        const out: ProcessResult = { symbol: '', outcome: 'no-quote', quote: null, decision: DECISIONS.noMid, breach: false, withdrawn: false };
        steps.forEach((make, i) => {
          const u = make(T0 + i * 1_000, i);
          const expected = fresh.process(u);
          const got = reused.process(u, out);
          expect(got).toBe(out);
          expect({ ...got }).toEqual(expected);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('carries no risk change over from the call before: a duplicate fill after a breach answers without one, as process(u) does', () => {
    const config = { gamma: 0.1, k: 1.5, timeUnit: 'day' as const, horizon: { mode: 'infinite' as const, tau: 1 }, minSpreadBps: 0, maxSpreadBps: 10_000, tickSize: 0.01, orderSize: 1, maxInventory: 1_000, risk: { maxLoss: 5 } };
    const fresh = new MarketMakerAgent('fresh', config);
    const reused = new MarketMakerAgent('reused', config);
    const out: ProcessResult = { symbol: '', outcome: 'no-quote', quote: null, decision: DECISIONS.noMid, breach: false, withdrawn: false };
    const steps = [mid('X', 100), vol('X', 0.5), fill('X', 'f1', 'buy', 100, 10), mid('X', 99.5), fill('X', 'f1', 'buy', 100, 10)];
    const risks = steps.map((u) => {
      const expected = fresh.process(u);
      const got = reused.process(u, out);
      // no risk change: absent in a new result, null in a reused one
      expect({ ...got, risk: got.risk ?? undefined }).toEqual(expected);
      return got.risk?.breach?.hold.reason ?? null;
    });
    // the loss limit is reached at the mid of 99.5; the fill after it is the same fill again
    expect(risks).toEqual([null, null, null, 'loss-limit', null]);
  });

  it('leaves `out` as it was when the update is refused', () => {
    const a = new MarketMakerAgent('x');
    const out: ProcessResult = { symbol: 'before', outcome: 'no-quote', quote: null, decision: DECISIONS.noMid, breach: false, withdrawn: false };
    expect(() => a.process(mid('X', -1), out)).toThrow(/mid/);
    expect(out.symbol).toBe('before');
  });
});
