/**
 * The stream's bookkeeping over random inputs: the sequence checks find
 * exactly the quotes a lossy channel dropped (counted independently, from the
 * list of what was dropped), never report a conflated skip as a gap, and
 * never deliver anything twice or backwards; the backoff stays within its
 * stated bounds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, SeqTracker } from '../../src/client/index.js';

describe('SeqTracker', () => {
  it('over a lossy channel: the gaps found are exactly the runs dropped, their sizes sum to the quotes lost', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 300 }),
      // per seq: delivered, dropped, or delivered twice (a resend)
      fc.array(fc.constantFrom('ok', 'ok', 'ok', 'drop', 'dup'), { minLength: 1, maxLength: 300 }),
      (start, fate) => {
        const t = new SeqTracker();
        const sent: number[] = [];
        fate.forEach((f, i) => {
          const seq = start + i;
          if (f !== 'drop') sent.push(seq);
          if (f === 'dup') sent.push(seq);
        });
        const verdicts = sent.map((seq) => t.check('S', { seq }));
        const accepted = sent.filter((_, i) => verdicts[i]!.kind !== 'stale');
        // nothing twice, nothing backwards
        expect(accepted).toEqual([...new Set(sent)]);
        // independent count: the dropped seqs after the first delivered one and before the last
        const delivered = [...new Set(sent)];
        if (delivered.length === 0) return;
        const lost = fate.map((f, i) => (f === 'drop' ? start + i : -1)).filter((s) => s > delivered[0]! && s < delivered.at(-1)!);
        const gaps = verdicts.filter((v) => v.kind === 'gap');
        expect(gaps.reduce((n, v) => n + (v.kind === 'gap' ? v.missed : 0), 0)).toBe(lost.length);
        // one gap per run of consecutive drops
        const runs = lost.filter((s, i) => i === 0 || lost[i - 1] !== s - 1).length;
        expect(gaps).toHaveLength(runs);
        expect(verdicts.filter((v) => v.kind === 'stale')).toHaveLength(sent.length - delivered.length);
      },
    ), { numRuns: 500 });
  });

  it('a conflated quote or a snapshot may skip without a gap; the first quote after a withdrawal too', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 1e3 }), (seq, skip) => {
      const t = new SeqTracker();
      t.check('S', { seq });
      expect(t.check('S', { seq: seq + 1 + skip, conflated: true })).toEqual({ kind: 'skip', missed: skip });
      expect(t.check('S', { seq: seq + 2 + 2 * skip, snapshot: true })).toEqual({ kind: 'skip', missed: skip });
      t.withdrawn('S');
      expect(t.check('S', { seq: seq + 3 + 3 * skip })).toEqual({ kind: 'skip', missed: skip });
      // and the next unmarked skip is a gap again
      expect(t.check('S', { seq: seq + 4 + 4 * skip })).toEqual({ kind: 'gap', expected: seq + 4 + 3 * skip, missed: skip });
    }));
  });

  it('a new epoch accepts any seq and restarts the numbering; the same epoch keeps the checks', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 1e6 }), fc.integer({ min: 1, max: 1e6 }), (last, next) => {
      const t = new SeqTracker();
      t.check('S', { seq: last, epoch: 'a' });
      expect(t.check('S', { seq: next, epoch: 'b' })).toEqual({ kind: 'epoch', previous: 'a', current: 'b' });
      expect(t.check('S', { seq: next + 1, epoch: 'b' })).toEqual({ kind: 'next' });
      expect(t.check('S', { seq: next, epoch: 'b' }).kind).toBe('stale');
    }));
  });

  it('symbols are independent; reset forgets them all', () => {
    const t = new SeqTracker();
    expect(t.check('A', { seq: 5 }).kind).toBe('first');
    expect(t.check('B', { seq: 1 }).kind).toBe('first');
    expect(t.check('A', { seq: 6 }).kind).toBe('next');
    expect(t.check('B', { seq: 3 })).toEqual({ kind: 'gap', expected: 2, missed: 1 });
    t.reset();
    expect(t.last('A')).toBeUndefined();
    expect(t.check('A', { seq: 1 }).kind).toBe('first');
  });
});

describe('backoffDelay', () => {
  it('attempt n waits within [cap/2, cap], cap = min(max, base·2ⁿ): growing, jittered, bounded', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 2_000 }),
      fc.integer({ min: 1, max: 5_000 }),
      fc.integer({ min: 1, max: 120_000 }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (n, baseMs, maxMs, u) => {
        const d = backoffDelay(n, { baseMs, maxMs }, () => u);
        const cap = Math.min(maxMs, baseMs * 2 ** n);
        expect(d).toBeGreaterThanOrEqual(cap / 2);
        expect(d).toBeLessThanOrEqual(cap);
        expect(Number.isFinite(d)).toBe(true);
        // equal jitter: the same draw gives a delay no shorter for a later attempt
        expect(backoffDelay(n + 1, { baseMs, maxMs }, () => u)).toBeGreaterThanOrEqual(d);
      },
    ));
  });

  it('the jitter spreads clients: 1 000 draws for one attempt cover most of [cap/2, cap]', () => {
    const ds = Array.from({ length: 1_000 }, () => backoffDelay(3, { baseMs: 100, maxMs: 10_000 }));
    // cap = 800: every draw in [400, 800]; with 1 000 uniform draws the extremes come within 5 of the ends
    expect(Math.min(...ds)).toBeGreaterThanOrEqual(400);
    expect(Math.max(...ds)).toBeLessThanOrEqual(800);
    expect(Math.min(...ds)).toBeLessThan(405);
    expect(Math.max(...ds)).toBeGreaterThan(795);
  });
});
