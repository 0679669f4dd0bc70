/**
 * A fill id reused with other contents (an OMS id collision) is refused with 409 FILL_ID_CONFLICT
 * naming the differing fields, counted, never applied; the same contents stay a `duplicate`.
 * Both hold after a SIGKILL and restart, from the ledger's entries replayed and from a snapshot.
 */
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { MarketMakerAgent } from '../../src/agent/index.js';
import { build } from '../helper.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { post, request, startServer, tempLedger } from '../support/server.js';
import { fill } from '../support/updates.js';

const FILL = { id: 'oms-7', side: 'buy', price: 99.15, quantity: 3 } as const;

describe('agent: fill ids with their contents', () => {
  it('same contents → duplicate; other contents → FILL_ID_CONFLICT naming each differing field, nothing applied', () => {
    const a = new MarketMakerAgent('f', {});
    a.process(fill('X', FILL.id, FILL.side, FILL.price, FILL.quantity));
    expect(a.process(fill('X', FILL.id, FILL.side, FILL.price, FILL.quantity, 12_345)).outcome).toBe('duplicate'); // a retry at another time
    const before = a.view('X');
    let err: unknown;
    try {
      a.process(fill('X', FILL.id, 'sell', 99.2, FILL.quantity));
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'FILL_ID_CONFLICT', field: 'side', fields: ['side', 'price'] });
    expect(() => a.process(fill('Y', FILL.id, FILL.side, FILL.price, FILL.quantity))).toThrow(/symbol/);
    expect(a.view('X')).toEqual(before);
    expect([a.stats.fills, a.stats.duplicateFills, a.stats.fillIdConflicts]).toEqual([1, 1, 2]);
  });

  it('the memory of contents survives a snapshot', () => {
    const a = new MarketMakerAgent('f', {});
    a.process(fill('X', FILL.id, FILL.side, FILL.price, FILL.quantity));
    const b = MarketMakerAgent.fromSnapshot(JSON.parse(JSON.stringify(a.snapshot())));
    expect(b.process(fill('X', FILL.id, FILL.side, FILL.price, FILL.quantity)).outcome).toBe('duplicate');
    expect(() => b.process(fill('X', FILL.id, FILL.side, FILL.price, 4))).toThrow(expect.objectContaining({ code: 'FILL_ID_CONFLICT', fields: ['quantity'] }));
  });
});

describe('service: 409 FILL_ID_CONFLICT', () => {
  it('over HTTP, single and batch, counted in /metrics', async () => {
    const s = await startServer();
    try {
      const url = `${s.url}/v1/agents/default/symbols/AAA/fills`;
      expect((await post(url, FILL)).status).toBe(200);
      const dup = await post(url, FILL);
      expect([dup.status, dup.body.outcome]).toEqual([200, 'duplicate']);
      const conflict = await post(url, { ...FILL, quantity: 5 });
      expect(conflict.status).toBe(409);
      expect(conflict.body.error).toMatchObject({ code: 'FILL_ID_CONFLICT', field: 'quantity', fields: ['quantity'] });
      const batch = await post(`${s.url}/v1/agents/default/updates`, { updates: [{ type: 'fill', symbol: 'AAA', ...FILL, side: 'sell' }] });
      expect(batch.body.results[0]).toMatchObject({ ok: false, status: 409, error: { code: 'FILL_ID_CONFLICT', field: 'updates.0.side', fields: ['side'] } });
      const inv = (await request('GET', `${s.url}/v1/agents/default/inventory`)).body.symbols[0];
      expect([inv.position, inv.buyFills, inv.sellFills]).toEqual([3, 1, 0]);
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      expect(metrics).toMatch(/^mm_fill_id_conflicts_total\{agent="default"\} 2$/m);
      expect(metrics).toMatch(/^mm_updates_rejected_total\{agent="default",type="fill",reason="FILL_ID_CONFLICT"\} 2$/m);
    } finally {
      await s.close();
    }
  });

  async function killed(srv: ServerProcess): Promise<void> {
    srv.child.kill('SIGKILL');
    await srv.exited;
  }

  it('across a SIGKILL and restart, from the ledger replayed and from a snapshot', async () => {
    const env = { LEDGER_PATH: tempLedger() };
    const fills = (srv: ServerProcess) => `${srv.url}/v1/agents/default/symbols/AAA/fills`;
    const first = await spawnServer(env);
    try {
      expect((await post(fills(first), FILL)).status).toBe(200);
    } finally {
      await killed(first);
    }
    const second = await spawnServer(env); // replays the ledger's entries
    try {
      expect((await post(fills(second), FILL)).body.outcome).toBe('duplicate');
      expect((await post(fills(second), { ...FILL, price: 99.16 })).body.error).toMatchObject({ code: 'FILL_ID_CONFLICT', fields: ['price'] });
      expect((await post(`${second.url}/v1/ledger/snapshot`, {})).status).toBe(200);
    } finally {
      await killed(second);
    }
    const third = await spawnServer(env); // restores the snapshot
    try {
      expect((await post(fills(third), FILL)).body.outcome).toBe('duplicate');
      const c = await post(fills(third), { ...FILL, side: 'sell' });
      expect([c.status, c.body.error.fields]).toEqual([409, ['side']]);
      const inv = (await request('GET', `${third.url}/v1/agents/default/inventory`)).body.symbols[0];
      expect(inv.position).toBe(3);
    } finally {
      await killed(third);
    }
  });
});

describe('service: the same fill id in two requests of one event-loop turn', () => {
  it('same contents: written once, the second answers duplicate; other contents: 409, never written; the fills view lists what was applied', async () => {
    const path = tempLedger();
    const s = await build({ ledger: { path, importJournal: null } });
    const url = '/v1/agents/default/symbols/AAA/fills';
    try {
      const [a, b] = await Promise.all([s.post(url, FILL), s.post(url, FILL)]);
      expect([a.status, b.status, b.body.outcome]).toEqual([200, 200, 'duplicate']);
      expect(a.body.outcome).not.toBe('duplicate');
      const other = { ...FILL, id: 'oms-8' };
      const [c, d] = await Promise.all([s.post(url, other), s.post(url, { ...other, side: 'sell', quantity: 5 })]);
      expect([c.status, d.status]).toEqual([200, 409]);
      expect(d.body.error).toMatchObject({ code: 'FILL_ID_CONFLICT', field: 'side', fields: ['side', 'quantity'] });
      const inv = (await s.request('GET', '/v1/agents/default/inventory')).body.symbols[0];
      expect([inv.position, inv.buyFills, inv.sellFills]).toEqual([6, 2, 0]);
    } finally {
      await s.close();
    }
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      expect(db.prepare('SELECT id, side, quantity FROM fills ORDER BY seq').all().map((r) => ({ ...r }))).toEqual([
        { id: 'oms-7', side: 'buy', quantity: 3 },
        { id: 'oms-8', side: 'buy', quantity: 3 },
      ]);
    } finally {
      db.close();
    }
  });
});
