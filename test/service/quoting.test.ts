/**
 * Group commit in the update pipeline, against the real SQLite ledger: the
 * fills that arrive in one turn of the event loop share one transaction, each
 * is acknowledged only once that transaction has committed, in the order
 * they came; a refused transaction applies none of its group; mids never
 * touch the ledger.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../src/ledger/ledger.js';
import { SqliteLedger } from '../../src/ledger/sqlite-ledger.js';
import { ServiceMetrics } from '../../src/service/metrics.js';
import { QuoteHub } from '../../src/service/quote-hub.js';
import { AgentRegistry } from '../../src/service/registry.js';
import { QuotingService } from '../../src/service/quoting/quoting.js';
import { restore } from '../../src/service/recovery.js';
import { warmUp } from '../../src/service/warm-up.js';
import { tempDir } from '../support/server.js';
import { fill as fill2, mid, position, T0, vol } from '../support/updates.js';

const pipelines: QuotingService[] = [];
afterEach(async () => {
  await Promise.all(pipelines.splice(0).map((p) => p.close()));
});

function setup(snapshotEvery = 1_000_000, maxPending?: number) {
  const ledger = SqliteLedger.open(join(tempDir(), 'q.db'), { fsync: 'interval', checkpointIntervalMs: 100 });
  const commits: LedgerEntry[][] = [];
  const append = ledger.append.bind(ledger);
  ledger.append = (entries) => {
    commits.push([...entries]);
    return append(entries);
  };
  const registry = new AgentRegistry(10);
  registry.create('a', { volatility: { default: 1 } });
  const hub = new QuoteHub({ highWaterBytes: 1 << 20, onConflate: () => {} });
  const metrics = new ServiceMetrics(0.0003, 1_000, { agents: () => registry.all(), wsClients: () => 0, wsSubscriptions: () => 0 });
  const pipeline = new QuotingService({ registry, hub, metrics, ledger, snapshots: { everyEntries: snapshotEvery, intervalMs: 3_600_000 }, ...(maxPending === undefined ? {} : { maxPending }) });
  pipelines.push(pipeline);
  return { ledger, commits, registry, pipeline, metrics };
}

const fill = (i: number) => ({ type: 'fill' as const, symbol: 'X', id: `f-${i}`, side: 'buy' as const, price: 100 + i, quantity: 1, time: 1_000 + i });

describe('QuotingService with the SQLite ledger', () => {
  it('fills of one turn: one transaction, each answered after it committed, applied in order', async () => {
    const { ledger, commits, registry, pipeline } = setup();
    const seen: number[] = [];
    const acks = Array.from({ length: 10 }, (_, i) => pipeline.update('a', fill(i)).then((r) => {
      // acknowledged only after the commit that holds it
      seen.push(ledger.lastSequence);
      return r.outcome;
    }));
    // nothing is applied before the commit
    expect(registry.get('a').view('X')).toBeUndefined();
    const outcomes = await Promise.all(acks);
    expect(commits.map((c) => c.length)).toEqual([10]);
    expect(seen).toEqual(Array(10).fill(10));
    expect(outcomes.every((o) => o === 'quoted' || o === 'no-quote')).toBe(true);
    // applied in the order they came: average cost of buys at 100..109 is 104.5, the last fill's price marks
    const x = registry.get('a').view('X')!;
    expect([x.position, x.averageCost]).toEqual([10, 104.5]);
    // the next turn is a transaction of its own; a mid is none
    await pipeline.update('a', { type: 'mid', symbol: 'X', mid: 105, time: 2_000 });
    await pipeline.update('a', fill(10));
    expect(commits.map((c) => c.length)).toEqual([10, 1]);
  });

  it('the entries waiting for the next commit are bounded: past the bound a change is refused, not queued', async () => {
    const { commits, registry, pipeline } = setup(1_000_000, 5);
    const r = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => pipeline.update('a', fill(i))));
    expect(r.map((x) => x.status)).toEqual([...Array(5).fill('fulfilled'), ...Array(3).fill('rejected')]);
    expect((r[7] as PromiseRejectedResult).reason.message).toMatch(/5 entries already wait for the next commit \(at most 5\)/);
    expect([commits.map((c) => c.length), registry.get('a').view('X')!.position]).toEqual([[5], 5]);
    // the next turn has room again
    await pipeline.update('a', fill(9));
    expect(registry.get('a').view('X')!.position).toBe(6);
  });

  it('a refused transaction applies none of its group, and the next one goes through', async () => {
    const { ledger, registry, pipeline } = setup();
    await pipeline.update('a', fill(0));
    const append = ledger.append.bind(ledger);
    ledger.append = () => Promise.reject(new Error('database or disk is full'));
    const refused = await Promise.allSettled([1, 2, 3].map((i) => pipeline.update('a', fill(i))));
    expect(refused.map((r) => r.status === 'rejected' && (r.reason as { code: string }).code)).toEqual(['LEDGER_UNAVAILABLE', 'LEDGER_UNAVAILABLE', 'LEDGER_UNAVAILABLE']);
    expect(registry.get('a').view('X')!.position).toBe(1);
    ledger.append = append;
    await pipeline.update('a', fill(1));
    expect(registry.get('a').view('X')!.position).toBe(2);
  });

  it('a batch: its fills and positions in one transaction, every item applied in order after it', async () => {
    const { commits, registry, pipeline } = setup();
    const out = await pipeline.batch('a', [
      fill(0), { type: 'mid', symbol: 'X', mid: 100, time: 1 }, fill(0), new Error('unparsable item'),
      { type: 'position', symbol: 'Y', quantity: 2, averageCost: 10, time: 5 }, fill(1),
    ]);
    // the repeated f-0 holds the id admitted just before it: it is not written again, and is applied as a duplicate
    expect(commits.map((c) => c.length)).toEqual([3]);
    expect(out.map((r) => (r instanceof Error ? 'error' : r.outcome))).toEqual(['no-quote', 'quoted', 'duplicate', 'error', 'no-quote', 'quoted']);
    expect([registry.get('a').view('X')!.position, registry.get('a').view('Y')!.position]).toEqual([2, 2]);
  });

  it('writes a snapshot by itself after snapshotEveryEntries, covering exactly what was applied', async () => {
    const { ledger, pipeline } = setup(5);
    for (let i = 0; i < 7; i++) await pipeline.update('a', fill(i));
    await pipeline.drain();
    const r = ledger.replay();
    expect(r.state!.agents[0]!.fillIds).toEqual(['f-0', 'f-1', 'f-2', 'f-3', 'f-4']);
    expect([...r.entries].map((e) => (e.t === 'update' && e.u.type === 'fill' ? e.u.id : e.t))).toEqual(['f-5', 'f-6']);
  });

  it('close(): finishes what is queued, writes a last snapshot, is idempotent, refuses later changes', async () => {
    const { ledger, registry, pipeline } = setup();
    const pending = Promise.all([0, 1, 2].map((i) => pipeline.update('a', fill(i))));
    await Promise.all([pipeline.close(), pipeline.close()]);
    await pending;
    expect(registry.get('a').view('X')!.position).toBe(3);
    await expect(pipeline.update('a', fill(3))).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
    const reopened = SqliteLedger.open(ledger.location, { fsync: 'never', checkpointIntervalMs: 100 });
    const r = reopened.replay();
    expect([r.state!.agents[0]!.fillIds.length, [...r.entries].length]).toEqual([3, 0]);
    await reopened.close();
  });
});

describe('fill ids pending in the group commit', () => {
  const fills = (ledger: SqliteLedger) => [...ledger.replay().entries].filter((e) => e.t === 'update' && e.u.type === 'fill').map((e) => (e as { u: { id: string } }).u.id);
  const code = (x: PromiseSettledResult<unknown>) => (x.status === 'fulfilled' ? (x.value as { outcome: string }).outcome : (x.reason as { code: string }).code);

  it('the same fill twice in one turn: written once, the second answers duplicate after the first commits', async () => {
    const { ledger, commits, registry, pipeline } = setup();
    const order: string[] = [];
    const [a, b] = await Promise.all([
      pipeline.update('a', fill(0)).then((r) => (order.push('first'), r)),
      pipeline.update('a', { ...fill(0), time: 5_000 }).then((r) => (order.push('second'), r)),
    ]);
    expect([a.outcome, b.outcome]).toEqual(['no-quote', 'duplicate']);
    expect(order).toEqual(['first', 'second']);
    expect(commits.map((c) => c.length)).toEqual([1]);
    expect(fills(ledger)).toEqual(['f-0']);
    expect(registry.get('a').view('X')!.position).toBe(1);
    expect(registry.get('a').stats.duplicateFills).toBe(1);
  });

  it('the same id with other contents in one turn: 409 FILL_ID_CONFLICT naming the fields, never written', async () => {
    const { ledger, registry, pipeline, metrics } = setup();
    const r = await Promise.allSettled([pipeline.update('a', fill(0)), pipeline.update('a', { ...fill(0), side: 'sell', quantity: 2 })]);
    expect(r.map(code)).toEqual(['no-quote', 'FILL_ID_CONFLICT']);
    expect((r[1] as PromiseRejectedResult).reason).toMatchObject({ field: 'side', fields: ['side', 'quantity'] });
    expect(fills(ledger)).toEqual(['f-0']);
    expect(registry.get('a').view('X')!.position).toBe(1);
    expect(registry.get('a').stats.fillIdConflicts).toBe(1);
    expect(metrics.forAgent('a').fillIdConflicts).toBe(1);
  });

  it('a batch repeating a fill another request is committing: one entry, the item answers duplicate; a conflict in it answers 409', async () => {
    const { ledger, pipeline } = setup();
    const [single, batch] = await Promise.all([
      pipeline.update('a', fill(0)),
      pipeline.batch('a', [fill(0), { ...fill(0), price: 1 }, fill(1)]),
    ]);
    expect(single.outcome).toBe('no-quote');
    expect(batch.map((x) => (x instanceof Error ? (x as Error & { code: string }).code : x.outcome))).toEqual(['duplicate', 'FILL_ID_CONFLICT', 'no-quote']);
    expect(fills(ledger)).toEqual(['f-0', 'f-1']);
  });

  it('when the first is refused by the ledger, the one waiting on it is refused too (nothing applied, nothing written)', async () => {
    const { ledger, registry, pipeline } = setup();
    const append = ledger.append.bind(ledger);
    ledger.append = () => Promise.reject(new Error('database or disk is full'));
    const r = await Promise.allSettled([pipeline.update('a', fill(0)), pipeline.update('a', fill(0))]);
    expect(r.map(code)).toEqual(['LEDGER_UNAVAILABLE', 'LEDGER_UNAVAILABLE']);
    expect(registry.get('a').view('X')).toBeUndefined();
    ledger.append = append;
    // the id is free again: a retry is applied as new
    expect((await pipeline.update('a', fill(0))).outcome).toBe('no-quote');
    expect(fills(ledger)).toEqual(['f-0']);
  });
});

describe('QuotingService timing', () => {
  const SLOW_MS = 20;

  /** The pipeline over a real ledger whose every commit takes SLOW_MS of event-loop time (a slow disk, as the pipeline sees it). */
  function slow() {
    const s = setup();
    const append = s.ledger.append.bind(s.ledger);
    s.ledger.append = (entries) => {
      const until = performance.now() + SLOW_MS;
      while (performance.now() < until);
      return append(entries);
    };
    // as the service does before it is ready, so the calls timed below run optimised code
    warmUp([], s.metrics.scratch());
    return s;
  }

  it('times the ledger commit apart from process(): a slow ledger shows in its own histogram and cause, not in process()', async () => {
    const { pipeline, metrics } = slow();
    await pipeline.update('a', vol('X', 2));
    await pipeline.update('a', mid('X', 100, T0 + 1));
    await pipeline.update('a', position('X', 1, 100, T0 + 2));
    await pipeline.update('a', fill2('X', 'f1', 'buy', 99, 1, T0 + 3));
    await pipeline.update('a', fill2('X', 'f1', 'buy', 99, 1, T0 + 4)); // a duplicate: not in the ledger, still a process() call
    const m = metrics.forAgent('a');
    expect(m.ledger.count).toBe(2);
    // each commit took at least SLOW_MS; the five process() calls together far less than one of them
    expect(m.ledger.sum).toBeGreaterThanOrEqual((2 * SLOW_MS) / 1_000);
    expect(m.duration.count).toBe(5);
    expect(m.duration.sum).toBeLessThan(SLOW_MS / 1_000);
    expect(m.exceeded[1]).toBe(2); // cause: ledger
    expect([...m.updates]).toEqual([1, 1, 1, 2]); // mid, volatility, position, fill (the duplicate is applied as a no-op)
  });

  it('times and counts a process() call that throws; the results of one commit group are distinct objects', async () => {
    const { pipeline, metrics } = setup();
    await pipeline.update('a', vol('Y', 2));
    await expect(pipeline.update('a', mid('Y', -1))).rejects.toThrow(/mid/);
    const m = metrics.forAgent('a');
    expect(m.duration.count).toBe(2);
    expect(m.updates[0]).toBe(0);
    await pipeline.update('a', mid('Y', 100, T0 + 1));
    // two fills in one turn share a transaction and are applied one after the other before either caller reads
    const [r1, r2] = await Promise.all([
      pipeline.update('a', fill2('Y', 'g1', 'buy', 99, 1, T0 + 2)),
      pipeline.update('a', fill2('Y', 'g2', 'buy', 99, 1, T0 + 3)),
    ]);
    expect(r1).not.toBe(r2);
    expect(r1.quote!.seq).toBeLessThan(r2.quote!.seq);
  });
});

describe('symbol limits with the group commit: live and replay agree', () => {
  /** A pipeline over a fresh ledger; after `go`, the ledger is replayed into a fresh registry (no snapshot: a crash). */
  async function liveAndReplayed(makeRegistry: () => AgentRegistry, go: (p: QuotingService) => Promise<unknown>) {
    const path = join(tempDir(), 'q.db');
    const ledger = SqliteLedger.open(path, { fsync: 'interval', checkpointIntervalMs: 100 });
    const registry = makeRegistry();
    const metrics = new ServiceMetrics(0.0003, 1_000, { agents: () => registry.all(), wsClients: () => 0, wsSubscriptions: () => 0 });
    const hub = new QuoteHub({ highWaterBytes: 1 << 20, onConflate: () => {} });
    const p = new QuotingService({ registry, hub, metrics, ledger, snapshots: { everyEntries: 1e9, intervalMs: 3_600_000 } });
    const answers = await go(p);
    const symbols = (r: AgentRegistry) => [...r.all()].map((a) => `${a.id}:${[...a.symbolNames()].join(',')}`);
    const live = symbols(registry);
    await ledger.close();
    metrics.close();
    hub.close();
    const again = SqliteLedger.open(path, { fsync: 'interval', checkpointIntervalMs: 100 });
    const replayed = makeRegistry();
    const report = restore(replayed, again.replay());
    await again.close();
    return { answers, live, replayed: symbols(replayed), skipped: report.skipped };
  }
  const outcome = (x: PromiseSettledResult<unknown>) => (x.status === 'fulfilled' ? 'ok' : (x.reason as { code: string }).code);

  it("an agent's last slot: a fill admitted before a mid in the same batch keeps it, the mid is refused", async () => {
    const r = await liveAndReplayed(() => {
      const reg = new AgentRegistry(10);
      reg.create('a', { volatility: { default: 1 }, maxSymbols: 1 });
      return reg;
    }, (p) => p.batch('a', [mid('X', 100, T0), fill2('Y', 'f1', 'buy', 100, 1, T0)]));
    const [midAnswer, fillAnswer] = r.answers as [Error & { code: string }, { outcome: string }];
    expect(midAnswer.code).toBe('SYMBOL_LIMIT');
    expect(fillAnswer.outcome).not.toBeUndefined();
    expect(r.live).toEqual(['a:Y']);
    expect(r.replayed).toEqual(r.live);
    expect(r.skipped).toEqual([]);
  });

  it('the service-wide limit: of two fills for two agents in one turn, the second is refused before the commit', async () => {
    const r = await liveAndReplayed(() => {
      const reg = new AgentRegistry(10, 1);
      reg.create('a', { volatility: { default: 1 } });
      reg.create('b', { volatility: { default: 1 } });
      return reg;
    }, async (p) => (await Promise.allSettled([
      p.update('a', fill2('X', 'f1', 'buy', 100, 1, T0)),
      p.update('b', fill2('Y', 'f2', 'buy', 100, 1, T0)),
    ])).map(outcome));
    expect(r.answers).toEqual(['ok', 'SYMBOL_LIMIT']);
    expect(r.live).toEqual(['a:X', 'b:']);
    expect(r.replayed).toEqual(r.live);
  });

  it('a slot held by a queued fill is given back when the ledger refuses it', async () => {
    const { pipeline, registry, ledger } = setup();
    registry.create('lim', { volatility: { default: 1 }, maxSymbols: 1 });
    const append = ledger.append.bind(ledger);
    ledger.append = () => Promise.reject(new Error('disk full'));
    await expect(pipeline.update('lim', fill2('Y', 'f1', 'buy', 100, 1, T0))).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
    ledger.append = append;
    // the slot is free again: a mid on another symbol takes it
    await expect(pipeline.update('lim', mid('Z', 100, T0))).resolves.toMatchObject({ symbol: 'Z' });
  });
});
