import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/process.js';
import { spawnServer as spawn, runServerToExit } from '../support/process.js';
import { post, request, tempDir, tempLedger } from '../support/server.js';

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

describe('durability across a SIGKILL (the ledger)', () => {
  it('restores agents, configuration, inventory, P&L and fill history exactly; a retried fill stays a duplicate', async () => {
    const env = { LEDGER_PATH: tempLedger(), LEDGER_FSYNC: 'never' };
    const first = await spawn(env);
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
      await post(`${sym(first, 'default', 'AAA')}/mid`, { mid: 101 }); // market data: not in the ledger
      await post(`${sym(first, 'default', 'BBB')}/pause`, {});
      await post(`${first.url}/v1/agents/desk2/pause`, {});
      before = await durableState(first);
    } finally {
      await killed(first);
    }

    const second = await spawn(env);
    try {
      expect(await durableState(second)).toEqual(before);
      // f-1 as it was sent (i = 1: default, AAA, sell, 99.4 − 0.4 = 99, quantity 2); other contents would be a FILL_ID_CONFLICT
      const retry = await post(`${sym(second, 'default', 'AAA')}/fills`, { id: 'f-1', side: 'sell', price: 99, quantity: 2 });
      expect(retry.body.outcome).toBe('duplicate');
      expect(await durableState(second)).toEqual(before);
      const log = second.output();
      expect(log).toContain('ledger replayed');
    } finally {
      await killed(second);
    }
  });

  it('a snapshot on request keeps the state and the history; the next start reads it and nothing before it', async () => {
    const ledger = tempLedger();
    const env = { LEDGER_PATH: ledger };
    const first = await spawn(env);
    let before: Record<string, unknown>;
    try {
      for (let i = 0; i < 60; i++) await post(`${sym(first, 'default', 'C')}/position`, { quantity: i, averageCost: 50, time: i });
      await post(`${sym(first, 'default', 'C')}/fills`, { id: 'c-1', side: 'sell', price: 55, quantity: 2 });
      before = await durableState(first);
      const r = await post(`${first.url}/v1/ledger/snapshot`, {});
      expect([r.status, r.body.sequence, r.body.agents, r.body.location]).toEqual([200, 61, 1, ledger]);
    } finally {
      await killed(first);
    }
    const second = await spawn(env);
    try {
      expect(await durableState(second)).toEqual(before);
      expect(second.output()).toMatch(/"snapshot":true,"entries":0,/);
      // the snapshot kept the last position time: an older snapshot is still stale
      const stale = await post(`${sym(second, 'default', 'C')}/position`, { quantity: 1, averageCost: 50, time: 3 });
      expect(stale.status).toBe(409);
      expect((await post(`${sym(second, 'default', 'C')}/fills`, { id: 'c-1', side: 'sell', price: 55, quantity: 2 })).body.outcome).toBe('duplicate');
    } finally {
      await killed(second);
    }
    // the history stays, queryable
    const db = new DatabaseSync(ledger, { readOnly: true });
    const fills = db.prepare("SELECT id, side, price, quantity FROM fills WHERE symbol = 'C'").all().map((r) => ({ ...r }));
    const positions = (db.prepare('SELECT count(*) AS n FROM positions').get() as { n: number }).n;
    db.close();
    expect([fills, positions]).toEqual([[{ id: 'c-1', side: 'sell', price: 55, quantity: 2 }], 60]);
  });

  it('snapshots are written while running: after a SIGKILL the start replays only the entries since the last one', async () => {
    const dir = tempDir();
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ ledger: { snapshotEveryEntries: 100 } }));
    const env = { CONFIG_FILE: config, LEDGER_PATH: join(dir, 'quoting.db') };
    const first = await spawn(env);
    let before: Record<string, unknown>;
    try {
      // one at a time: each fill is a group of its own, so a snapshot follows entries 100, 200 and 300
      for (let i = 0; i < 350; i++) await post(`${sym(first, 'default', i % 2 ? 'S1' : 'S2')}/fills`, { id: `s-${i}`, side: i % 3 ? 'buy' : 'sell', price: 10 + (i % 7), quantity: 1 });
      before = await durableState(first);
    } finally {
      await killed(first);
    }
    const second = await spawn(env);
    try {
      expect(second.output()).toMatch(/"snapshot":true,"entries":50,"updates":50,/);
      expect(await durableState(second)).toEqual(before);
    } finally {
      await killed(second);
    }
  });

  it('refuses to start on a ledger changed outside the service, naming the file and the entry', async () => {
    const ledger = tempLedger();
    const first = await spawn({ LEDGER_PATH: ledger });
    try {
      for (let i = 0; i < 5; i++) await post(`${sym(first, 'default', 'T')}/fills`, { id: `t-${i}`, side: 'buy', price: 10 + i, quantity: 1 });
    } finally {
      await killed(first);
    }
    const db = new DatabaseSync(ledger);
    db.prepare('UPDATE entries SET price = 19 WHERE seq = 3').run();
    db.close();
    const r = await runServerToExit({ LEDGER_PATH: ledger });
    expect(r.code).toBe(1);
    expect(r.output).toContain(`ledger ${ledger}: entry 3 does not match its checksum`);
    expect(r.output).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('refuses to start on a file that is not a ledger, naming it', async () => {
    const ledger = tempLedger();
    writeFileSync(ledger, Buffer.alloc(8_192, 0x5a));
    const r = await runServerToExit({ LEDGER_PATH: ledger });
    expect(r.code).toBe(1);
    expect(r.output).toContain(`ledger ${ledger} is damaged: file is not a database`);
  });
});

describe('the journal of an earlier version is imported once', () => {
  const old = (lines: unknown[]) => lines.map((l) => `${JSON.stringify(l)}\n`).join('');
  const cfg = { model: 'avellaneda-stoikov', gamma: 0.3 };

  it('on the first start, into a new ledger; never again', async () => {
    const dir = tempDir();
    const journal = join(dir, 'journal.jsonl');
    const env = { LEDGER_PATH: join(dir, 'quoting.db'), JOURNAL_PATH: journal };
    writeFileSync(journal, old([
      { t: 'agent', id: 'desk', config: cfg },
      { t: 'update', agent: 'desk', u: { type: 'fill', symbol: 'X', id: 'j-1', side: 'buy', price: 10, quantity: 3, time: 1 } },
      { t: 'update', agent: 'desk', u: { type: 'fill', symbol: 'X', id: 'j-2', side: 'sell', price: 12, quantity: 1, time: 2 } },
      { t: 'pause', id: 'desk', symbol: 'X' },
    ]) + '{"t":"update","agent":"desk","u":{"type":"fill","sym');
    const first = await spawn(env);
    let before: Record<string, unknown>;
    try {
      expect(first.output()).toContain('journal imported into the ledger');
      expect(first.output()).toMatch(/torn last line \(\d+ bytes without a newline\) left out/);
      before = await durableState(first);
      // long 3 at 10, sold 1 at 12: position 2, average cost 10, realised (12 − 10) × 1 = 2
      expect((before.desk as { symbols: unknown[] }).symbols).toEqual([{ symbol: 'X', position: 2, averageCost: 10, realisedPnl: 2, buyFills: 1, sellFills: 1, fillsInHistory: 2, paused: true }]);
      expect((await post(`${sym(first, 'desk', 'X')}/fills`, { id: 'j-1', side: 'buy', price: 10, quantity: 3 })).body.outcome).toBe('duplicate');
    } finally {
      await killed(first);
    }
    // whatever the old file says later is not imported again
    appendFileSync(journal, `\n${JSON.stringify({ t: 'delete', id: 'desk' })}\n`);
    const second = await spawn(env);
    try {
      expect(second.output()).not.toContain('journal imported');
      expect(await durableState(second)).toEqual(before);
    } finally {
      await killed(second);
    }
  });

  it('refuses a journal with a complete line that is not JSON, or an entry type it does not know', async () => {
    for (const [text, message] of [
      ['{"t":"delete","id":"x"}\nnot json\n{"t":"delete","id":"y"}\n', 'line 2 is complete but not JSON'],
      ['{"t":"delete","id":"x"}\n{"t":"bonus","id":"y"}\n', 'line 2 has an entry type this version does not know ("bonus")'],
    ]) {
      const dir = tempDir();
      writeFileSync(join(dir, 'journal.jsonl'), text!);
      const r = await runServerToExit({ LEDGER_PATH: join(dir, 'quoting.db'), JOURNAL_PATH: join(dir, 'journal.jsonl') });
      expect(r.code).toBe(1);
      expect(r.output).toContain(message);
    }
  });
});
