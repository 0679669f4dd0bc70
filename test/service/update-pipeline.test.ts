import { afterEach, describe, expect, it } from 'vitest';
import type { Journal, JournalEntry } from '../../src/journal/journal.js';
import { ServiceMetrics } from '../../src/service/metrics.js';
import { QuoteHub } from '../../src/service/quote-hub.js';
import { AgentRegistry } from '../../src/service/registry.js';
import { UpdatePipeline } from '../../src/service/update-pipeline.js';
import { warmUp } from '../../src/service/warm-up.js';
import { fill, mid, position, T0, vol } from '../support/updates.js';

const SLOW_MS = 20;
const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

/** A ledger whose every append takes SLOW_MS of wall time (a busy wait: a slow disk, as the pipeline sees it). */
function slowLedger(entries: JournalEntry[]): Journal {
  return {
    append(entry: JournalEntry) {
      const until = performance.now() + SLOW_MS;
      while (performance.now() < until);
      entries.push(entry);
    },
  } as unknown as Journal;
}

function pipeline(journal: Journal) {
  const registry = new AgentRegistry(10);
  registry.create('a', {});
  const metrics = new ServiceMetrics(0.0003, 1_000, { agents: () => registry.all(), wsClients: () => 0, wsSubscriptions: () => 0 });
  closers.push(() => metrics.close());
  const hub = new QuoteHub({ highWaterBytes: 1 << 20, onConflate: () => {} });
  closers.push(() => hub.close());
  // as the service does before it is ready, so the calls timed below run optimised code
  warmUp([], metrics.scratch());
  return { p: new UpdatePipeline(registry, hub, metrics, journal), metrics };
}

describe('UpdatePipeline timing', () => {
  it('times the ledger append apart from process(): a slow ledger shows in its own histogram and cause, not in process()', () => {
    const entries: JournalEntry[] = [];
    const { p, metrics } = pipeline(slowLedger(entries));
    p.apply('a', vol('X', 2));
    p.apply('a', mid('X', 100, T0 + 1));
    p.apply('a', position('X', 1, 100, T0 + 2));
    p.apply('a', fill('X', 'f1', 'buy', 99, 1, T0 + 3));
    p.apply('a', fill('X', 'f1', 'buy', 99, 1, T0 + 4)); // a duplicate: not journaled, still a process() call
    const m = metrics.forAgent('a');
    expect(entries).toHaveLength(2);
    expect(m.ledger.count).toBe(2);
    // each append took at least SLOW_MS; the five process() calls together far less than one of them
    expect(m.ledger.sum).toBeGreaterThanOrEqual((2 * SLOW_MS) / 1_000);
    expect(m.duration.count).toBe(5);
    expect(m.duration.sum).toBeLessThan(SLOW_MS / 1_000);
    expect(m.exceeded[1]).toBe(2); // cause: ledger
    expect([...m.updates]).toEqual([1, 1, 1, 2]); // mid, volatility, position, fill (the duplicate is applied as a no-op)
  });

  it('times and counts a process() call that throws, and returns one reused result object', () => {
    const { p, metrics } = pipeline(slowLedger([]));
    const first = p.apply('a', vol('Y', 2));
    expect(() => p.apply('a', mid('Y', -1))).toThrow(/mid/);
    const m = metrics.forAgent('a');
    expect(m.duration.count).toBe(2);
    expect(m.updates[0]).toBe(0);
    const second = p.apply('a', mid('Y', 100, T0 + 1));
    expect(second).toBe(first);
    expect(second.outcome).toBe('quoted');
  });
});
