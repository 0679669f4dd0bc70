import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { BudgetAttribution, CAUSE_GC, CAUSE_LEDGER, CAUSE_OTHER, PENDING_CAP, SETTLE_MS } from '../../src/service/budget-attribution.js';
import { ServiceMetrics, PROCESS_BUCKETS } from '../../src/service/metrics.js';
import { BucketCounts, ScrapedHistogram } from '../../src/service/scraped-histogram.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

describe('ScrapedHistogram', () => {
  it("exports exactly what prom-client's own Histogram exports for the same observations", async () => {
    await fc.assert(
      fc.asyncProperty(
        // values on, between and beyond the bounds, for two label sets
        fc.array(fc.tuple(fc.constantFrom('a', 'b'), fc.oneof(fc.double({ min: 0, max: 2e-3, noNaN: true }), fc.constantFrom(...PROCESS_BUCKETS))), { maxLength: 200 }),
        async (observations) => {
          const theirs = new Registry();
          const ours = new Registry();
          const reference = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['agent'], buckets: PROCESS_BUCKETS, registers: [theirs] });
          const counts = new Map<string, BucketCounts>();
          new ScrapedHistogram({
            name: 'h_seconds', help: 'h', labelNames: ['agent'], buckets: PROCESS_BUCKETS, registers: [ours],
            read: () => Array.from(counts, ([agent, c]) => [{ agent }, c] as const),
          });
          for (const [agent, v] of observations) {
            reference.observe({ agent }, v);
            let c = counts.get(agent);
            if (c === undefined) counts.set(agent, (c = new BucketCounts(PROCESS_BUCKETS)));
            c.observe(v);
          }
          // the sums add the same doubles in the same order, so even the text is identical
          expect(await ours.metrics()).toBe(await theirs.metrics());
          expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('BudgetAttribution', () => {
  const attribution = () => {
    const a = new BudgetAttribution();
    closers.push(() => a.close());
    return a;
  };

  it('counts a call overlapped by a GC pause as gc and one that was not as other, once every pause it could overlap is known', () => {
    const a = attribution();
    const counts = new Float64Array(3);
    // times beyond any real pause the observer may deliver meanwhile
    const t = performance.now() + 1e9;
    a.exceeded(counts, t + 1_000, t + 1_000.5); // a pause 1,000.2–1,000.4 lies inside it
    a.exceeded(counts, t + 2_000, t + 2_000.5); // a pause ends just before it starts
    a.exceeded(counts, t + 3_000, t + 3_000.5); // nothing near it
    a.pauses.add(t + 1_000.2, t + 1_000.4);
    a.pauses.add(t + 1_999, t + 1_999.99);
    a.pauses.add(t + 2_500, t + 2_501);
    a.settle(-Infinity);
    // the first two are settled (a later pause started after them), the third waits for a later pause or the settle time
    expect([...counts]).toEqual([1, 0, 1]);
    expect(a.waiting).toBe(1);
    a.settleAt(t + 3_000.5 + SETTLE_MS - 1);
    expect(a.waiting).toBe(1);
    a.settleAt(t + 3_000.5 + SETTLE_MS + 1);
    expect([...counts]).toEqual([1, 0, 2]);
    expect(a.waiting).toBe(0);
  });

  it('a pause that starts inside the call and ends after it, or starts before and ends inside, is an overlap', () => {
    const a = attribution();
    const counts = new Float64Array(3);
    const t = performance.now() + 1e9;
    a.exceeded(counts, t + 10, t + 11);
    a.exceeded(counts, t + 20, t + 21);
    a.pauses.add(t + 10.9, t + 12);
    a.pauses.add(t + 19, t + 20.1);
    a.settleAt(t + 1e6);
    expect(counts[CAUSE_GC]).toBe(2);
    expect(counts[CAUSE_OTHER]).toBe(0);
  });

  it(`holds at most ${PENDING_CAP} calls: the oldest is attributed when it is full, none is lost`, () => {
    const a = attribution();
    const counts = new Float64Array(3);
    const n = PENDING_CAP * 3 + 7;
    for (let i = 0; i < n; i++) a.exceeded(counts, i * 10, i * 10 + 1);
    expect(a.waiting).toBe(PENDING_CAP);
    a.settleAt(1e12);
    expect(a.waiting).toBe(0);
    expect(counts[CAUSE_GC]! + counts[CAUSE_OTHER]!).toBe(n);
  });
});

describe('AgentMetrics', () => {
  it('times every call, counts each over the budget once by cause, and the ledger apart', async () => {
    const m = new ServiceMetrics(0.0003, 1_000, { agents: () => [], wsClients: () => 0, wsSubscriptions: () => 0 });
    closers.push(() => m.close());
    const a = m.forAgent('x');
    // performance.now() values far in the past, so the scrape attributes them at once (the GC observer saw no pause then)
    a.timed(1, 1.2); // 0.2 ms
    a.timed(2, 2.4); // 0.4 ms: over
    a.timed(3, 5); // 2 ms: over, beyond the last bucket
    a.applied('mid');
    a.applied('mid');
    a.applied('fill');
    a.ledgerAppended(6, 6.1);
    a.ledgerAppended(7, 7.9); // over: cause ledger
    const text = await m.registry.metrics();
    const line = (l: string) => text.split('\n').find((x) => x.startsWith(l))?.split(' ').at(-1);
    expect(line('mm_process_duration_seconds_count{agent="x"}')).toBe('3');
    expect(line('mm_process_duration_seconds_bucket{le="0.0003",agent="x"}')).toBe('1');
    expect(line('mm_process_duration_seconds_bucket{le="0.001",agent="x"}')).toBe('2');
    expect(line('mm_process_duration_seconds_bucket{le="+Inf",agent="x"}')).toBe('3');
    expect(line('mm_ledger_append_duration_seconds_count{agent="x"}')).toBe('2');
    expect(line('mm_process_budget_exceeded_total{agent="x",cause="other"}')).toBe('2');
    expect(line('mm_process_budget_exceeded_total{agent="x",cause="gc"}')).toBe('0');
    expect(line('mm_process_budget_exceeded_total{agent="x",cause="ledger"}')).toBe('1');
    expect(line('mm_updates_total{agent="x",type="mid"}')).toBe('2');
    expect(line('mm_updates_total{agent="x",type="fill"}')).toBe('1');
    // nearest rank over 3 samples: p99 is the largest
    expect(Number(line('mm_process_duration_p99_seconds{agent="x"}'))).toBeCloseTo(0.002, 9);
    expect(a.exceeded[CAUSE_LEDGER]).toBe(1);
    m.dropAgent('x');
    expect(await m.registry.metrics()).not.toContain('agent="x"');
  });
});
