import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatencyWindow, select } from '../../src/service/latency-window.js';

/** nearest rank by the second method: a full sort of the last `capacity` values */
function bySort(values: number[], capacity: number, q: number): number {
  const last = values.slice(-capacity).sort((a, b) => a - b);
  return last[Math.max(0, Math.min(last.length - 1, Math.ceil(q * last.length) - 1))]!;
}

describe('LatencyWindow', () => {
  it('gives the nearest-rank quantiles a full sort gives, over random windows, wraps and ties', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: 0, max: 1e-2, noNaN: true }), fc.constantFrom(1e-6, 2e-6, 3e-4)), { minLength: 1, maxLength: 600 }),
        fc.integer({ min: 100, max: 300 }),
        fc.constantFrom(0.5, 0.9, 0.99, 0.999, 1),
        (values, capacity, q) => {
          const w = new LatencyWindow(capacity);
          for (const v of values) w.record(v);
          expect(w.quantile(q)).toBe(bySort(values, capacity, q));
          const [p99, p999] = w.quantiles([0.99, 0.999]);
          expect(p99).toBe(bySort(values, capacity, 0.99));
          expect(p999).toBe(bySort(values, capacity, 0.999));
          // reading does not disturb the window: the next read agrees as well
          expect(w.quantile(0.5)).toBe(bySort(values, capacity, 0.5));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is NaN when empty', () => {
    expect(new LatencyWindow(100).quantile(0.99)).toBeNaN();
  });

  it('p99 of 1..10,000 is 9,900 and p99.9 is 9,990 (nearest rank, by hand)', () => {
    const w = new LatencyWindow(10_000);
    // shuffled by a fixed stride (7919 is prime to 10,000), so selection does not see sorted input
    for (let i = 0; i < 10_000; i++) w.record(((i * 7919) % 10_000) + 1);
    expect(w.quantiles([0.99, 0.999])).toEqual([9_900, 9_990]);
  });

  it('select() partitions around the k-th value on sorted, reversed and constant input', () => {
    for (const make of [(i: number) => i, (i: number) => 1_000 - i, () => 5]) {
      const a = Float64Array.from({ length: 1_000 }, (_, i) => make(i));
      const sorted = [...a].sort((x, y) => x - y);
      const v = select(a, 0, a.length - 1, 990);
      expect(v).toBe(sorted[990]);
      for (let i = 0; i < 990; i++) expect(a[i]).toBeLessThanOrEqual(v);
      for (let i = 991; i < a.length; i++) expect(a[i]).toBeGreaterThanOrEqual(v);
    }
  });
});
