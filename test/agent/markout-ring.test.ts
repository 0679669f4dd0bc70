import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarkoutRing } from '../../src/agent/markout-ring.js';

type Op = { kind: 'fill'; side: 1 | -1; dt: number; mid: number } | { kind: 'mid'; dt: number; mid: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('fill' as const), side: fc.constantFrom(1 as const, -1 as const), dt: fc.nat(500), mid: fc.double({ min: 90, max: 110, noNaN: true }) }),
  fc.record({ kind: fc.constant('mid' as const), dt: fc.nat(500), mid: fc.double({ min: 90, max: 110, noNaN: true }) }),
);

/** A plain list that recomputes everything from scratch: the second method the ring is checked against. */
function naive(ops: Op[], capacity: number, horizon: number) {
  const fills: { side: number; time: number; ref: number; markout: number | null }[] = [];
  let t = 0;
  for (const o of ops) {
    t += o.dt;
    if (o.kind === 'fill') {
      fills.push({ side: o.side, time: t, ref: o.mid, markout: null });
      if (fills.length > capacity) fills.shift();
    } else {
      // in arrival order, stopping at the first fill still inside its horizon
      for (const f of fills) {
        if (f.markout !== null) continue;
        if (f.time + horizon > t) break;
        f.markout = (f.side * (o.mid - f.ref) / f.ref) * 1e4;
      }
    }
  }
  const marked = fills.filter((f) => f.markout !== null);
  return {
    buys: fills.filter((f) => f.side > 0).length,
    sells: fills.filter((f) => f.side < 0).length,
    count: marked.length,
    sum: marked.reduce((a, f) => a + (f.markout ?? 0), 0),
  };
}

describe('MarkoutRing', () => {
  it('running sums equal a from-scratch recomputation, through evictions', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 300 }), fc.integer({ min: 1, max: 40 }), fc.nat(1_000), (ops, cap, horizon) => {
      const ring = new MarkoutRing(cap);
      let t = 0;
      for (const o of ops) {
        t += o.dt;
        if (o.kind === 'fill') ring.push(o.side, t, o.mid);
        else ring.markOut(t, o.mid, horizon);
      }
      const want = naive(ops, cap, horizon);
      expect(ring.buys).toBe(want.buys);
      expect(ring.sells).toBe(want.sells);
      expect(ring.markoutCount).toBe(want.count);
      expect(ring.markoutSumBps).toBeCloseTo(want.sum, 6);
      expect(ring.size).toBe(Math.min(cap, ops.filter((o) => o.kind === 'fill').length));
    }));
  });

  it('keeps the last 1,000 fills by default', () => {
    const ring = new MarkoutRing();
    for (let i = 0; i < 2_500; i++) ring.push(i < 2_000 ? 1 : -1, i, 100);
    expect(ring.capacity).toBe(1_000);
    expect(ring.size).toBe(1_000);
    expect([ring.buys, ring.sells]).toEqual([500, 500]);
  });

  it('a buy followed by a falling mid has a negative (adverse) mark-out', () => {
    const ring = new MarkoutRing(10);
    ring.push(1, 0, 100);
    ring.markOut(500, 99, 1_000); // before the horizon: not yet
    expect(ring.markoutCount).toBe(0);
    ring.markOut(1_000, 99.9, 1_000); // −0.1 / 100 = −10 bps
    expect(ring.markoutCount).toBe(1);
    expect(ring.markoutSumBps).toBeCloseTo(-10, 9);
  });
});

describe('MarkoutRing snapshots', () => {
  it('a ring restored from its JSON has the same fills and sums, and never marks out the unmarked ones', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 1, max: 30 }), (ops, cap) => {
      const ring = new MarkoutRing(cap);
      let t = 0;
      for (const o of ops) {
        t += o.dt;
        if (o.kind === 'fill') ring.push(o.side, t, o.mid);
        else ring.markOut(t, o.mid, 300);
      }
      const state = JSON.parse(JSON.stringify(ring.toJSON()));
      const copy = MarkoutRing.fromJSON(state, cap);
      expect(copy.toJSON()).toEqual(ring.toJSON());
      expect([copy.buys, copy.sells, copy.markoutCount, copy.size]).toEqual([ring.buys, ring.sells, ring.markoutCount, ring.size]);
      expect(copy.markoutSumBps).toBeCloseTo(ring.markoutSumBps, 6);
      copy.markOut(t + 1e9, 1, 300);
      expect(copy.markoutCount).toBe(ring.markoutCount);
    }));
  });
});
