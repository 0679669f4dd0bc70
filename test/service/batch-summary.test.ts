/**
 * `?reply=summary` is the full reply read compactly, and changes nothing else. The same random
 * batches (mids, volatilities, positions, fills with reused ids: duplicates and conflicts, invalid
 * items), sent to two agents of the same configuration, one with each reply: each summary item must
 * be the full item's outcome and quote seq (errors in full), the two agents must end in the same
 * state, and the ledger must hold the same entries for both, including the breaches a loss limit
 * makes, which are journaled before the batch is answered.
 */
import { DatabaseSync } from 'node:sqlite';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, request, startServer, tempLedger, type Running } from '../support/server.js';

let s: Running;
const ledgerPath = tempLedger();
beforeAll(async () => {
  s = await startServer({ ledger: { path: ledgerPath, importJournal: null } });
});
afterAll(() => s.close());

// a loss limit a few ticks away, so that random fills and mids breach it
const config = { gamma: 0.1, k: 1.5, timeUnit: 'day', horizon: { mode: 'infinite', tau: 1 }, minSpreadBps: 0, maxSpreadBps: 10_000, tickSize: 0.01, orderSize: 1, maxInventory: 5, risk: { maxLoss: 3 } };

const symbol = fc.constantFrom('A', 'B', 'C');
const item = fc.oneof(
  fc.record({ type: fc.constant('mid'), symbol, mid: fc.integer({ min: 9_500, max: 10_500 }).map((c) => c / 100) }),
  fc.record({ type: fc.constant('volatility'), symbol, sigma: fc.constantFrom(0.5, 1, 2) }),
  // fill ids from a small set, each with its own contents: a reuse is mostly a duplicate, sometimes a conflict
  fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 9 })).map(([k, r]) => ({
    type: 'fill', symbol: 'ABC'[k % 3]!, id: `f${k}`, side: k % 2 === 0 ? 'buy' : 'sell', price: 99 + (k % 3), quantity: r === 0 ? 3 : 2,
  })),
  fc.record({ type: fc.constant('position'), symbol, quantity: fc.integer({ min: -6, max: 6 }), averageCost: fc.constant(100) }),
  fc.constant({ type: 'mid', symbol: 'A', mid: -1 }),
);
// times from the client, increasing, so that both agents see the same updates
const batches = fc.array(fc.array(item, { minLength: 1, maxLength: 25 }), { minLength: 1, maxLength: 4 });

type Item = { index: number; ok: boolean; outcome?: string; quote?: { seq: number } | null; seq?: number | null };

/** The batches sent to both agents. */
async function session(full: string, summ: string, bs: readonly (readonly object[])[]): Promise<void> {
  let t = Date.UTC(2026, 11, 3);
  for (const b of bs) {
    const updates = b.map((u) => ({ ...u, time: (t += 1_000) }));
    const f = await post(`${s.url}/v1/agents/${full}/updates`, { updates });
    const c = await post(`${s.url}/v1/agents/${summ}/updates?reply=summary`, { updates });
    expect([f.status, c.status]).toEqual([200, 200]);
    const expected = (f.body.results as Item[]).map((r) => (r.ok ? { index: r.index, ok: true, outcome: r.outcome, seq: r.quote?.seq ?? null } : r));
    expect(c.body.results).toEqual(expected);
  }
  const [a, b] = await Promise.all([full, summ].map((id) => request('GET', `${s.url}/v1/agents/${id}`)));
  expect({ ...b!.body, id: full }).toEqual(a!.body);
  // the same entries in the ledger, agent by agent (each reply waited for its own)
  const db = new DatabaseSync(ledgerPath, { readOnly: true });
  try {
    const rows = (agent: string) => db.prepare('SELECT kind, symbol, fill_id, side, price, quantity, average_cost, mark, time, body FROM entries WHERE agent = ? ORDER BY seq').all(agent);
    expect(rows(summ)).toEqual(rows(full));
  } finally {
    db.close();
  }
}

describe('?reply=summary against the full reply', () => {
  it('answers what the full reply answers, read compactly, and leaves the agent and the ledger as the full reply does', async () => {
    let run = 0;
    await fc.assert(fc.asyncProperty(batches, async (bs) => {
      run++;
      const full = `full-${run}`;
      const summ = `summ-${run}`;
      for (const id of [full, summ]) expect((await post(`${s.url}/v1/agents`, { id, config })).status).toBe(201);
      try {
        await session(full, summ, bs);
      } finally {
        // within the service's agent limit (maxAgents) over every run
        for (const id of [full, summ]) await request('DELETE', `${s.url}/v1/agents/${id}`);
      }
    }), { numRuns: 40 });
    // the random sessions reached the loss limit, and the breaches were journaled
    const db = new DatabaseSync(ledgerPath, { readOnly: true });
    const risks = db.prepare("SELECT side AS why, count(*) AS n FROM entries WHERE kind = 'risk' GROUP BY side").all();
    db.close();
    console.info(`batch-summary: risk entries journaled over the runs: ${JSON.stringify(risks)}`);
    expect(risks.find((r) => r.why === 'breach')?.n).toBeGreaterThan(0);
  }, 120_000);
});
