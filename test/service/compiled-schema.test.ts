import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compiledCheck } from '../../src/service/compiled-schema.js';
import { BatchItem } from '../../src/service/schemas.js';

const KEYS = ['type', 'symbol', 'mid', 'sigma', 'quantity', 'averageCost', 'mark', 'time', 'id', 'side', 'price', 'extra'] as const;

/** Values near every edge the item schemas draw: ids, lengths, signs, integers, the time's bounds, non-finite numbers JSON can produce (1e400). */
const value = fc.oneof(
  fc.constantFrom('mid', 'volatility', 'position', 'fill', 'buy', 'sell', 'Mid', '', '\u{1F600}'.repeat(128), '\u{1F600}'.repeat(129), 'AAPL', 'BRK.B', 'a:b-c_d', '-X', 'x y', 'é', '\u{1F600}'.repeat(100), '\u{1F600}'.repeat(64), 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(128), 'x'.repeat(129)),
  fc.string({ maxLength: 70 }),
  fc.double({ noNaN: true }),
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom(0, -0, 1.5, 8.64e15, 8.64e15 + 2, 2 ** 53, Number.MAX_VALUE, Infinity, -Infinity, 1e-300),
  fc.constantFrom(null, true, false, [], {}, [1]),
);

/** Items of every type, with their fields mostly right, sometimes wrong, missing or extra. */
const item = fc.record({
  type: fc.constantFrom('mid', 'volatility', 'position', 'fill', 'other'),
  fields: fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 8 }),
  good: fc.record({
    symbol: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/),
    mid: fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
    sigma: fc.double({ min: 1e-6, max: 1e3, noNaN: true }),
    quantity: fc.integer({ min: -1_000, max: 1_000 }),
    averageCost: fc.double({ min: 0, max: 1e6, noNaN: true }),
    time: fc.integer({ min: 0, max: 8.64e15 }),
    id: fc.string({ minLength: 1, maxLength: 128 }),
    side: fc.constantFrom('buy', 'sell'),
    price: fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
  }),
  keep: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
}).map(({ type, fields, good, keep }) => {
  const base: Record<string, unknown> = { type, symbol: good.symbol };
  if (type === 'mid') base.mid = good.mid;
  if (type === 'volatility') base.sigma = good.sigma;
  if (type === 'position') Object.assign(base, { quantity: good.quantity, averageCost: good.averageCost });
  if (type === 'fill') Object.assign(base, { id: good.id, side: good.side, price: good.price, quantity: Math.abs(good.quantity) + 1 });
  if (keep[0]) base.time = good.time;
  // some fields replaced by edge values (or added where they do not belong), some removed
  KEYS.forEach((k, i) => {
    if (k in fields && !keep[i]) base[k] = fields[k];
  });
  if (keep[11] && keep[10] && 'symbol' in base && !keep[1]) delete base.symbol;
  return base;
});

describe('compiledCheck (zod → JSON Schema → ajv)', () => {
  const check = compiledCheck(BatchItem);

  it('agrees with zod on every batch item, and what it accepts is what zod returns (property)', () => {
    let accepted = 0;
    fc.assert(fc.property(item, (x) => {
      const z = BatchItem.safeParse(x);
      expect(check(x)).toBe(z.success);
      if (z.success) {
        accepted++;
        expect(z.data).toEqual(x);
      }
    }), { numRuns: 5_000 });
    // the generator reaches both verdicts often
    expect(accepted).toBeGreaterThan(500);
    expect(accepted).toBeLessThan(4_500);
  });

  it('counts string lengths as zod does (in code points: 128 emoji are 256 UTF-16 units and a valid id)', () => {
    const id = (n: number) => ({ type: 'fill', symbol: 'A', id: '\u{1F600}'.repeat(n), side: 'buy', price: 1, quantity: 1 });
    for (const [n, ok] of [[64, true], [65, true], [128, true], [129, false]] as const) {
      expect(BatchItem.safeParse(id(n)).success).toBe(ok);
      expect(check(id(n))).toBe(ok);
    }
  });
});
