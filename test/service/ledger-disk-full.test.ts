/**
 * The disk fills up under the ledger (a 4 MiB tmpfs filled by another file):
 * every fill is either acknowledged (200, and then present after a SIGKILL and
 * restart) or refused (503 LEDGER_UNAVAILABLE, and then applied nowhere); market
 * data goes on; once space returns the service takes fills again, without a
 * restart. A snapshot asked for with 4 KiB free loses nothing either.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { post, request } from '../support/server.js';
import { fillDisk, freeBytes, mountTmpfs, unfill, type Tmpfs } from '../support/tmpfs.js';

const mounted = mountTmpfs('4m');
const refused = 'refused' in mounted ? mounted.refused : null;
const label = refused === null ? 'the ledger on a full disk' : `the ledger on a full disk [skipped: cannot mount a tmpfs here (${refused}); run as root]`;

interface Fill { id: string; side: 'buy' | 'sell'; quantity: number; price?: number }

/** position, buy and sell fill counts of symbol X after exactly `fills` */
const expected = (fills: Fill[]) => ({
  position: fills.reduce((q, f) => q + (f.side === 'buy' ? f.quantity : -f.quantity), 0),
  buyFills: fills.filter((f) => f.side === 'buy').length,
  sellFills: fills.filter((f) => f.side === 'sell').length,
});

async function symbolX(srv: ServerProcess) {
  const r = await request('GET', `${srv.url}/v1/agents/default/symbols/X`);
  if (r.status === 404) return { position: 0, buyFills: 0, sellFills: 0 };
  const s = r.body as { position: number; buyFills: number; sellFills: number };
  return { position: s.position, buyFills: s.buyFills, sellFills: s.sellFills };
}

describe.skipIf(refused !== null)(label, () => {
  let fs: Tmpfs;
  let srv: ServerProcess | null = null;
  beforeAll(() => {
    fs = mounted as Tmpfs;
  });
  afterAll(async () => {
    if (srv) {
      srv.child.kill('SIGKILL');
      await srv.exited;
    }
    fs?.unmount();
  });
  const env = () => ({ LEDGER_PATH: join(fs.dir, 'quoting.db'), JOURNAL_PATH: join(fs.dir, 'journal.jsonl') });
  const X = () => `${srv!.url}/v1/agents/default/symbols/X`;
  const kill = async () => {
    srv!.child.kill('SIGKILL');
    await srv!.exited;
    srv = null;
  };

  it('fills streaming in while the disk fills: each acknowledged or refused, none half; recovers when space returns', async () => {
    srv = await spawnServer(env());
    const acked: Fill[] = [];
    const refusedFills: Fill[] = [];
    let n = 0;
    const send = async () => {
      const f: Fill = { id: `d-${n}`, side: n % 3 === 2 ? 'sell' : 'buy', quantity: 1 + (n % 5), price: 100 + ((n + 1) % 10) / 10 };
      n++;
      const r = await post(`${X()}/fills`, f);
      expect([200, 503], `fill ${f.id}: ${JSON.stringify(r.body)}`).toContain(r.status);
      if (r.status === 200) acked.push(f);
      else {
        expect(r.body.error.code).toBe('LEDGER_UNAVAILABLE');
        refusedFills.push(f);
      }
      return r.status;
    };
    for (let i = 0; i < 20; i++) expect(await send()).toBe(200);

    const filler = fillDisk(fs.dir);
    expect(freeBytes(fs.dir)).toBeLessThan(8_192);
    // bounded: at most 4,000 fills to meet the full disk, then 30 refusals in a row
    let streak = 0;
    for (let i = 0; i < 4_000 && streak < 30; i++) streak = (await send()) === 503 ? streak + 1 : 0;
    expect(streak, `no refusal within 4,000 fills (${acked.length} acknowledged)`).toBe(30);
    // what the service shows is exactly what was acknowledged; market data still goes through
    expect(await symbolX(srv)).toEqual(expected(acked));
    expect((await post(`${X()}/mid`, { mid: 100.5 })).status).toBe(200);

    unfill(filler);
    // space is back: fills are taken again without a restart (bounded: 100 tries, 50 ms apart)
    let back = false;
    for (let i = 0; i < 100 && !back; i++) {
      back = (await send()) === 200;
      if (!back) await new Promise((r) => setTimeout(r, 50));
    }
    expect(back).toBe(true);
    for (let i = 0; i < 10; i++) expect(await send()).toBe(200);
    const live = await symbolX(srv);
    expect(live).toEqual(expected(acked));

    await kill();
    srv = await spawnServer(env());
    // every acknowledged fill is there, no refused one is
    expect(await symbolX(srv)).toEqual(live);
    // a retry carries the same contents (other contents would be FILL_ID_CONFLICT)
    for (const f of acked.slice(-3)) expect((await post(`${X()}/fills`, f)).body.outcome, f.id).toBe('duplicate');
    const again = refusedFills[0]!;
    expect((await post(`${X()}/fills`, again)).body.outcome, `${again.id} was refused, so it is new now`).not.toBe('duplicate');
    await kill();
  });

  it('a snapshot asked for with 4 KiB free: answered 200 or 503, and every fill survives a restart', async () => {
    srv = await spawnServer(env());
    const before = await symbolX(srv);
    const fills: Fill[] = Array.from({ length: 120 }, (_, i) => ({ id: `c-${i}`, side: i % 4 === 3 ? 'sell' : 'buy', quantity: 1 }));
    for (const f of fills) expect((await post(`${X()}/fills`, { ...f, price: 50 })).status).toBe(200);
    const filler = fillDisk(fs.dir, 4_096);
    const r = await post(`${srv.url}/v1/ledger/snapshot`, {});
    expect([200, 503]).toContain(r.status);
    if (r.status === 503) expect(r.body.error.code).toBe('LEDGER_UNAVAILABLE');
    await kill();
    unfill(filler);
    srv = await spawnServer(env());
    const after = await symbolX(srv);
    const added = expected(fills);
    expect(after).toEqual({ position: before.position + added.position, buyFills: before.buyFills + added.buyFills, sellFills: before.sellFills + added.sellFills });
    await kill();
  });
});
