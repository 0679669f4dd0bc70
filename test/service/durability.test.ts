import { appendFileSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { post, request, tempJournal } from '../support/server.js';

const sym = (srv: ServerProcess, agent: string, symbol: string) => `${srv.url}/v1/agents/${agent}/symbols/${symbol}`;

/** What must survive: the agents, their configuration, pause state, and per symbol inventory, P&L and fill history. */
async function durableState(srv: ServerProcess) {
  const agents = (await request('GET', `${srv.url}/v1/agents`)).body.agents as { id: string }[];
  const out: Record<string, unknown> = {};
  for (const { id } of agents) {
    const d = (await request('GET', `${srv.url}/v1/agents/${id}`)).body;
    out[id] = {
      config: d.config,
      paused: d.paused,
      fills: d.stats.fills,
      symbols: d.symbolStates.map((s: Record<string, unknown>) => ({
        symbol: s.symbol, position: s.position, averageCost: s.averageCost, realisedPnl: s.realisedPnl,
        buyFills: s.buyFills, sellFills: s.sellFills, fillsInHistory: s.fillsInHistory, paused: s.paused,
      })),
    };
  }
  return out;
}

async function killed(srv: ServerProcess): Promise<void> {
  srv.child.kill('SIGKILL');
  await srv.exited;
}

describe('durability across a SIGKILL', () => {
  it('restores agents, configuration, inventory, P&L and fill history exactly; a retried fill stays a duplicate', async () => {
    const journal = tempJournal();
    const env = { JOURNAL_PATH: journal, JOURNAL_FSYNC: 'never' };
    const first = await spawnServer(env);
    let before: Record<string, unknown>;
    try {
      await post(`${first.url}/v1/agents`, { id: 'desk2', config: { gamma: 0.2, tickSize: 0.001 } });
      await request('PATCH', `${first.url}/v1/agents/desk2/config`, { maxInventory: 500 });
      const t = Date.now();
      await post(`${sym(first, 'default', 'AAA')}/position`, { quantity: 10, averageCost: 99.5, time: t });
      let price = 100;
      for (let i = 0; i < 40; i++) {
        price += ((i * 7919) % 13) / 10 - 0.6;
        await post(`${sym(first, i % 3 ? 'default' : 'desk2', i % 2 ? 'AAA' : 'BBB')}/fills`, {
          id: `f-${i}`, side: i % 5 < 2 ? 'sell' : 'buy', price: Math.round(price * 100) / 100, quantity: 1 + (i % 4), time: t + i,
        });
      }
      await post(`${sym(first, 'default', 'AAA')}/mid`, { mid: 101 }); // market data: not journaled
      await post(`${sym(first, 'default', 'BBB')}/pause`, {});
      await post(`${first.url}/v1/agents/desk2/pause`, {});
      before = await durableState(first);
    } finally {
      await killed(first);
    }

    const second = await spawnServer(env);
    try {
      expect(await durableState(second)).toEqual(before);
      // f-1 as it was sent (i = 1: default, AAA, sell, 99.4 − 0.4 = 99, quantity 2); other contents would be a FILL_ID_CONFLICT
      const retry = await post(`${sym(second, 'default', 'AAA')}/fills`, { id: 'f-1', side: 'sell', price: 99, quantity: 2 });
      expect(retry.body.outcome).toBe('duplicate');
      expect(await durableState(second)).toEqual(before);
      const log = second.output();
      expect(log).toContain('journal replayed');
    } finally {
      await killed(second);
    }
  });

  it('survives a torn last line: warns, skips it, keeps every earlier entry, and appends cleanly after it', async () => {
    const journal = tempJournal();
    const env = { JOURNAL_PATH: journal };
    const first = await spawnServer(env);
    let before: Record<string, unknown>;
    try {
      for (let i = 0; i < 5; i++) await post(`${sym(first, 'default', 'T')}/fills`, { id: `t-${i}`, side: 'buy', price: 10 + i, quantity: 1 });
      before = await durableState(first);
    } finally {
      await killed(first);
    }
    // the process died half way through writing a sixth fill
    appendFileSync(journal, '{"t":"update","agent":"default","u":{"type":"fill","symbol":"T","id":"t-5","si');

    const second = await spawnServer(env);
    try {
      expect(second.output()).toMatch(/torn last line \(\d+ bytes without a newline\) skipped/);
      expect(await durableState(second)).toEqual(before);
      await post(`${sym(second, 'default', 'T')}/fills`, { id: 't-5', side: 'sell', price: 20, quantity: 1 });
    } finally {
      await killed(second);
    }
    const lines = readFileSync(journal, 'utf8').trim().split('\n');
    expect(() => lines.forEach((l) => JSON.parse(l))).not.toThrow();

    const third = await spawnServer(env);
    try {
      const t = (await request('GET', `${sym(third, 'default', 'T')}`)).body;
      expect([t.position, t.buyFills, t.sellFills, t.realisedPnl]).toEqual([4, 5, 1, 20 - 12]);
    } finally {
      await killed(third);
    }
  });

  it('compaction keeps the state and shrinks the journal', async () => {
    const journal = tempJournal();
    const env = { JOURNAL_PATH: journal };
    const first = await spawnServer(env);
    let before: Record<string, unknown>;
    try {
      for (let i = 0; i < 60; i++) await post(`${sym(first, 'default', 'C')}/position`, { quantity: i, averageCost: 50, time: i });
      await post(`${sym(first, 'default', 'C')}/fills`, { id: 'c-1', side: 'sell', price: 55, quantity: 2 });
      before = await durableState(first);
      const r = await post(`${first.url}/v1/journal/compact`, {});
      expect(r.status).toBe(200);
      expect(r.body.bytesAfter).toBeLessThan(r.body.bytesBefore);
    } finally {
      await killed(first);
    }
    const second = await spawnServer(env);
    try {
      expect(await durableState(second)).toEqual(before);
      // the snapshot kept the last position time: an older snapshot is still stale
      const stale = await post(`${sym(second, 'default', 'C')}/position`, { quantity: 1, averageCost: 50, time: 3 });
      expect(stale.status).toBe(409);
      expect((await post(`${sym(second, 'default', 'C')}/fills`, { id: 'c-1', side: 'sell', price: 55, quantity: 2 })).body.outcome).toBe('duplicate');
    } finally {
      await killed(second);
    }
  });

  it('refuses to start on a journal corrupted before its last line', async () => {
    const journal = tempJournal();
    const { runServerToExit } = await import('../support/process.js');
    appendFileSync(journal, '{"t":"delete","id":"x"}\nnot json\n{"t":"delete","id":"y"}\n');
    const r = await runServerToExit({ JOURNAL_PATH: journal });
    expect(r.code).toBe(1);
    expect(r.output).toContain('line 2 is complete but not JSON');
  });
});
