/**
 * Positions in whole quantity steps, and bounds on what an update may carry.
 * The property test checks the agent's position against a sum taken in BigInt steps (the second method).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentError, MarketMakerAgent } from '../../src/agent/index.js';
import { fill, mid, position } from '../support/updates.js';

const errorOf = (f: () => unknown): AgentError => {
  try {
    f();
  } catch (e) {
    if (e instanceof AgentError) return e;
    throw e;
  }
  throw new Error('no error');
};

describe('exact positions on the quantity step', () => {
  it('buy 0.1 and 0.2, sell 0.3: exactly flat, no average cost (was 5.55e-17 at 99.99999999999999)', () => {
    const a = new MarketMakerAgent('q', {});
    a.process(fill('X', 'a', 'buy', 100, 0.1));
    a.process(fill('X', 'b', 'buy', 100, 0.2));
    expect(a.view('X')!.position).toBe(0.3);
    a.process(fill('X', 'c', 'sell', 100, 0.3));
    const v = a.view('X')!;
    expect([v.position, v.averageCost, v.realisedPnl, v.unrealisedPnl]).toEqual([0, 0, 0, 0]);
  });

  it('property: the position is the decimal of the exact sum of steps, and flat means no average cost', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ buy: fc.boolean(), steps: fc.integer({ min: 1, max: 10_000_000_000 }), price: fc.integer({ min: 1, max: 100_000 }) }), { minLength: 1, maxLength: 40 }),
      (fills) => {
        const a = new MarketMakerAgent('q', {});
        let exact = 0n;
        fills.forEach((f, i) => {
          const qty = Number(`${f.steps}e-8`); // the decimal as a client would send it
          a.process(fill('X', `f${i}`, f.buy ? 'buy' : 'sell', f.price / 100, qty));
          exact += (f.buy ? 1n : -1n) * BigInt(f.steps);
        });
        const v = a.view('X')!;
        // the decimal exact·1e-8, written out and parsed: the double nearest the true position
        const neg = exact < 0n;
        const digits = (neg ? -exact : exact).toString().padStart(9, '0');
        const expected = Number(`${neg ? '-' : ''}${digits.slice(0, -8)}.${digits.slice(-8)}`);
        expect(v.position).toBe(expected);
        if (exact === 0n) expect(v.averageCost).toBe(0);
        expect(Number.isFinite(v.realisedPnl)).toBe(true);
      },
    ), { numRuns: 300 });
  });

  it('a quantity off the step is refused naming the field; a coarser step is configurable', () => {
    const a = new MarketMakerAgent('q', { quantityStep: 0.001 });
    expect(errorOf(() => a.process(fill('X', 'a', 'buy', 100, 0.0015)))).toMatchObject({ code: 'INVALID_UPDATE', field: 'quantity' });
    expect(errorOf(() => a.process({ ...position('X', 0, 0), quantity: 1.0001 }))).toMatchObject({ field: 'quantity' });
    a.process(fill('X', 'b', 'buy', 100, 0.007));
    expect(a.view('X')!.position).toBe(0.007);
    // a step that does not divide the position held cannot be configured
    expect(errorOf(() => a.reconfigure({ ...a.config, quantityStep: 0.01 }))).toMatchObject({ code: 'INVALID_CONFIG', field: 'quantityStep' });
    expect(errorOf(() => new MarketMakerAgent('q', { quantityStep: 1 / 3 }))).toMatchObject({ code: 'INVALID_CONFIG', field: 'quantityStep' });
  });
});

describe('bounds on price, quantity and notional per update', () => {
  it('huge finite numbers are refused naming the field, and nothing changes', () => {
    const a = new MarketMakerAgent('b', {});
    a.process(fill('X', 'ok', 'buy', 100, 1));
    const before = a.view('X');
    const cases: [() => unknown, string][] = [
      [() => a.process(fill('X', 'p', 'buy', 1e308, 1)), 'price'],
      [() => a.process(fill('X', 'q', 'buy', 100, 1e308)), 'quantity'],
      [() => a.process(fill('X', 'n', 'buy', 1e8, 1e6)), 'quantity'], // notional 1e14 > 1e12
      [() => a.process(mid('X', 1e300)), 'mid'],
      [() => a.process(position('X', 5, 1e300)), 'averageCost'],
      [() => a.process({ ...position('X', 5, 100), mark: 1e300 }), 'mark'],
      [() => a.process(position('X', 1e300, 100)), 'quantity'],
    ];
    for (const [f, field] of cases) expect(errorOf(f), field).toMatchObject({ code: 'INVALID_UPDATE', field });
    expect(a.view('X')).toEqual(before);
  });

  it('at the bounds every figure stays finite', () => {
    const a = new MarketMakerAgent('b', { maxPrice: 1e9, maxQuantity: 1e7, maxNotional: 1e16 });
    for (let i = 0; i < 50; i++) a.process(fill('X', `f${i}`, i % 2 ? 'sell' : 'buy', i % 2 ? 1e9 : 1e-2, 1e7));
    a.process(mid('X', 1e9));
    const v = a.view('X')!;
    for (const x of [v.position, v.averageCost, v.realisedPnl, v.unrealisedPnl]) expect(Number.isFinite(x)).toBe(true);
    expect(JSON.stringify(a.snapshot())).not.toContain('null,"averageCost"');
  });
});
