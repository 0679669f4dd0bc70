import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ServerProcess } from '../support/process.js';
import { describeWith } from '../support/system-programs.js';
import { startNats, type NatsServer } from './support/nats-server.js';
import { post, spawnGateway, spawnInstance, Subscriber, until } from './support/cluster-processes.js';
import { FillStream } from './support/oms.js';

/**
 * lease settings of this test: a lease not renewed for 1.5 s is taken over, renewed (and checked by standbys) every 0.4 s;
 * so a takeover comes at most 1.9 s after the last renewal, plus the time to read the ledger
 */
const LEASE = { LEASE_MS: '1500', LEASE_RENEW_MS: '400' };

describeWith(['nats-server'], 'failover of an agent to a standby instance', () => {
  let nats: NatsServer;
  let a: ServerProcess;
  let b: ServerProcess;
  let g: ServerProcess;
  const subs: Subscriber[] = [];

  beforeAll(async () => {
    nats = await startNats();
    a = await spawnInstance(nats.url, 'a', LEASE);
    await until(async () => (await fetch(`${a.url}/v1/agents/default`)).status === 200, 15_000, 'instance a to own agent default');
    b = await spawnInstance(nats.url, 'b', LEASE);
    g = await spawnGateway(nats.url, 'g');
  }, 60_000);

  afterAll(async () => {
    for (const s of subs) s.close();
    for (const p of [a, b, g]) if (p) p.child.kill('SIGKILL');
    await nats?.dispose();
  });

  it('a request to the standby is answered by the owner as if local: same outcome, same refusals naming the field', async () => {
    expect((await post(a.url, '/v1/agents/default/symbols/ETH/volatility', { sigma: 1 })).status).toBe(200);
    const viaB = await post(b.url, '/v1/agents/default/symbols/ETH/mid', { mid: 2000, time: 1_000 });
    expect(viaB.status).toBe(200);
    expect(viaB.body).toMatchObject({ outcome: 'quoted', quote: { symbol: 'ETH', seq: 1, mid: 2000 } });
    // the owner applied it: its next quote follows on
    const onA = await post(a.url, '/v1/agents/default/symbols/ETH/mid', { mid: 2001, time: 1_001 });
    expect(onA.body).toMatchObject({ outcome: 'quoted', quote: { seq: 2 } });
    const bad = await post(b.url, '/v1/agents/default/symbols/ETH/mid', { mid: -1 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'mid' } });
    const unknown = await post(b.url, '/v1/agents/nobody/symbols/ETH/mid', { mid: 1 });
    expect(unknown.status).toBe(404);
  });

  it('SIGKILL of the owner while fills stream in: the standby takes over within 3 s, with every acknowledged fill, none twice', async () => {
    const watcher = await Subscriber.open(g.url);
    subs.push(watcher);
    await watcher.subscribe('default', '*');
    // B is a standby: it answers for the agent by forwarding to A
    expect((await post(b.url, '/v1/agents/default/symbols/BTC/volatility', { sigma: 2 })).status).toBe(200);
    expect((await post(b.url, '/v1/agents/default/symbols/BTC/mid', { mid: 100 })).status).toBe(200);
    const before = await watcher.waitFor((m) => m.type === 'quote');
    expect(before.epoch).toBe(1);

    const oms = new FillStream('default', 'BTC', 18);
    // fills to both instances (B forwards them to A), then A is killed in the middle of the stream
    const alive = [a.url, b.url];
    const streaming = oms.send(300, () => alive);
    await until(() => oms.acknowledged.length >= 100, 30_000, '100 fills acknowledged');
    process.kill(a.child.pid!, 'SIGKILL');
    const killedAt = performance.now();
    alive.splice(0, 1);
    // each probe bounded: one forwarded to A as it died waits out the forwarding timeout, the next ones do not
    const owned = () => fetch(`${b.url}/v1/agents/default/inventory`, { signal: AbortSignal.timeout(200) }).then((r) => r.status === 200, () => false);
    await until(owned, 10_000, 'b to own the agent');
    const takeoverMs = performance.now() - killedAt;
    expect(takeoverMs).toBeLessThan(3_000);
    await streaming;

    expect(oms.acknowledged).toHaveLength(300);
    const inventory = (await (await fetch(`${b.url}/v1/agents/default/inventory`)).json()) as { symbols: { symbol: string; position: number; buyFills: number; sellFills: number }[] };
    const btc = inventory.symbols.find((s) => s.symbol === 'BTC')!;
    // every acknowledged fill is in the inventory, and none twice: the position and the fill counts are exactly those sent
    expect(btc.position).toBe(oms.position());
    expect(btc.buyFills + btc.sellFills).toBe(300);
    expect(btc.buyFills).toBe(oms.acknowledged.filter((f) => f.side === 'buy').length);

    // subscribers see the new owner's epoch, then its first quote as a fresh snapshot
    const changed = await watcher.waitFor((m) => m.type === 'withdrawn' && m.epoch === 2);
    expect(changed.reason).toBe('owner-changed');
    const from = watcher.raw.length;
    expect((await post(b.url, '/v1/agents/default/symbols/BTC/volatility', { sigma: 2 })).status).toBe(200);
    expect((await post(b.url, '/v1/agents/default/symbols/BTC/mid', { mid: 101 })).status).toBe(200);
    const fresh = await watcher.waitFor((m) => m.type === 'quote', 10_000, from);
    expect(fresh).toMatchObject({ epoch: 2, snapshot: true, inventory: oms.position() });
    console.log(`takeover ${Math.round(takeoverMs)} ms after SIGKILL; ${oms.failures} refused or failed posts retried; ${oms.acknowledged.filter((f) => f.outcome === 'duplicate').length} retries found already applied`);
  }, 120_000);
});
