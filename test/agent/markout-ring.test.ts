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

  it('a snapshot is packed and exact: each fill\'s side and mark-out bit for bit, a mark-out not taken as NaN', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 1, max: 40 }), (ops, cap) => {
      const ring = new MarkoutRing(cap);
      let t = 1.7e12;
      const pushed: { side: number; time: number; mid: number }[] = [];
      for (const o of ops) {
        t += o.dt + 0.125;
        if (o.kind === 'fill') {
          ring.push(o.side, t, o.mid);
          pushed.push({ side: o.side, time: t, mid: o.mid });
        } else ring.markOut(t, o.mid, 300);
      }
      const state = ring.toJSON();
      expect(typeof state.side).toBe('string');
      expect(state.count).toBe(ring.size);
      // decoded by hand (Buffer, little-endian), not by the code under test
      const f64 = (b64: string) => { const b = Buffer.from(b64, 'base64'); return Array.from({ length: b.length / 8 }, (_, i) => b.readDoubleLE(8 * i)); };
      const kept = pushed.slice(pushed.length - ring.size);
      expect(Array.from(Buffer.from(state.side, 'base64'), (x) => (x > 127 ? x - 256 : x))).toEqual(kept.map((f) => f.side));
      const marks = f64(state.markoutBps);
      expect(marks.filter((m) => !Number.isNaN(m)).length).toBe(ring.markoutCount);
      // the mark-outs, recomputed from the fills kept: side · (mid then − mid at the fill) / mid at the fill, in bps
      expect(marks.reduce((a, m) => a + (Number.isNaN(m) ? 0 : m), 0)).toBeCloseTo(ring.markoutSumBps, 6);
      const copy = MarkoutRing.fromJSON(JSON.parse(JSON.stringify(state)), cap);
      expect(copy.toJSON()).toEqual(state);
    }));
  });

  it('reads the listed form snapshots had before: the same ring as the packed form gives', () => {
    const ring = new MarkoutRing(5);
    for (let i = 0; i < 7; i++) ring.push(i % 3 === 0 ? -1 : 1, 1_000 * i, 100 + i / 10);
    ring.markOut(4_500, 101, 1_000); // marks out the fills at 2,000 and 3,000 (those at 0 and 1,000 were evicted)
    // the listed form, written out by hand: fills 2…6 oldest first, mark-outs of fills 2 and 3 in bps
    const listed = {
      side: [1, -1, 1, 1, -1] as (1 | -1)[],
      time: [2_000, 3_000, 4_000, 5_000, 6_000],
      refMid: [100.2, 100.3, 100.4, 100.5, 100.6],
      markoutBps: [((101 - 100.2) / 100.2) * 1e4, (-(101 - 100.3) / 100.3) * 1e4, null, null, null],
    };
    const fromListed = MarkoutRing.fromJSON(listed, 5);
    const fromPacked = MarkoutRing.fromJSON(JSON.parse(JSON.stringify(ring.toJSON())), 5);
    expect(fromListed.toJSON()).toEqual(fromPacked.toJSON());
    expect([fromListed.buys, fromListed.sells, fromListed.markoutCount]).toEqual([3, 2, 2]);
    expect(fromListed.markoutSumBps).toBeCloseTo(ring.markoutSumBps, 9);
  });

  it('a damaged packed ring is refused, naming the column', () => {
    const ring = new MarkoutRing(4);
    ring.push(1, 1, 100);
    ring.push(-1, 2, 100);
    const good = ring.toJSON();
    expect(() => MarkoutRing.fromJSON({ ...good, markoutBps: Buffer.alloc(8).toString('base64') }, 4)).toThrow(/markoutBps: 8 bytes for 2 values/);
    expect(() => MarkoutRing.fromJSON({ ...good, count: 3 }, 4)).toThrow(/side: 2 bytes for 3 values/);
    expect(() => MarkoutRing.fromJSON({ ...good, side: Buffer.from([1, 7]).toString('base64') }, 4)).toThrow(/side 7 at fill 1/);
    expect(() => MarkoutRing.fromJSON({ ...good, count: -1 }, 4)).toThrow(/count -1/);
  });

  it('a packed ring restored into a smaller ring keeps the sum of what it holds, not the sum written', () => {
    const ring = new MarkoutRing(4);
    for (let i = 0; i < 4; i++) ring.push(1, i, 100);
    ring.markOut(10_000, 101, 1_000); // each +100 bps
    const small = MarkoutRing.fromJSON(JSON.parse(JSON.stringify(ring.toJSON())), 2);
    expect([small.size, small.markoutCount]).toEqual([2, 2]);
    expect(small.markoutSumBps).toBeCloseTo(200, 9);
  });
});
