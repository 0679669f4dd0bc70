import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ServerProcess } from '../support/process.js';
import { describeWith } from '../support/system-programs.js';
import { startNats, type NatsServer } from './support/nats-server.js';
import { post, spawnGateway, spawnInstance, Subscriber, until } from './support/cluster-processes.js';

describeWith(['nats-server'], 'quotes through NATS to a gateway', () => {
  let nats: NatsServer;
  let a: ServerProcess;
  let g: ServerProcess;
  const subs: Subscriber[] = [];

  beforeAll(async () => {
    nats = await startNats();
    // one after the other, so that every process started is assigned for afterAll even if a later start fails
    a = await spawnInstance(nats.url, 'a');
    g = await spawnGateway(nats.url, 'g');
    await until(async () => (await fetch(`${a.url}/v1/agents/default`)).status === 200, 15_000, 'instance a to own agent default');
  }, 60_000);

  afterAll(async () => {
    for (const s of subs) s.close();
    for (const p of [a, g]) if (p) p.child.kill('SIGKILL');
    await nats?.dispose();
  });

  it('a quote made on instance A reaches a subscriber on gateway G with the same message and seq', async () => {
    const direct = await Subscriber.open(a.url);
    const viaGateway = await Subscriber.open(g.url);
    subs.push(direct, viaGateway);
    await direct.subscribe('default', ['BTC']);
    await viaGateway.subscribe('default', ['BTC']);
    expect((await post(a.url, '/v1/agents/default/symbols/BTC/volatility', { sigma: 2 })).status).toBe(200);
    // the gateway starts following an agent at its first subscriber's request: the quote it finds first is a snapshot
    expect((await post(a.url, '/v1/agents/default/symbols/BTC/mid', { mid: 100 })).status).toBe(200);
    const first = await viaGateway.waitFor((m) => m.type === 'quote');
    expect(first).toMatchObject({ snapshot: true, seq: 1, epoch: 1 });
    const fromA0 = direct.raw.length;
    const fromG0 = viaGateway.raw.length;
    // none equal to the first mid (100): an identical quote is held back by the requote threshold, not published
    const mids = Array.from({ length: 30 }, (_, i) => 100 + Math.sin(i + 1) * 2);
    for (const mid of mids) expect((await post(a.url, '/v1/agents/default/symbols/BTC/mid', { mid })).status).toBe(200);
    const end = mids.length + 1;
    await direct.waitFor((m) => m.type === 'quote' && m.seq === end);
    await viaGateway.waitFor((m) => m.type === 'quote' && m.seq === end);

    const fromA = direct.raw.slice(fromA0);
    const fromG = viaGateway.raw.slice(fromG0);
    // byte for byte what A sent its own subscriber: serialised once by A, relayed unchanged
    expect(fromA).toHaveLength(mids.length);
    expect(fromG, `gateway seqs ${viaGateway.messages.map((m) => `${m.type}:${m.seq}`).join(',')}`).toEqual(fromA);
    expect(viaGateway.messages.slice(fromG0).map((q) => q.seq)).toEqual(mids.map((_, i) => i + 2));
  });

  it('a newcomer on the gateway gets the last quote as a snapshot', async () => {
    const late = await Subscriber.open(g.url);
    subs.push(late);
    await late.subscribe('default', ['BTC']);
    const snap = await late.waitFor((m) => m.type === 'quote');
    expect(snap.snapshot).toBe(true);
    expect(snap.seq).toBe(31);
  });

  it('the kill switch is refused in cluster mode (not replicated yet) and changes nothing', async () => {
    const r = await post(a.url, '/v1/halt', {});
    expect(r.status).toBe(503);
    expect((r.body.error as { code: string }).code).toBe('LEDGER_UNAVAILABLE');
    expect(await (await fetch(`${a.url}/v1/halt`)).json()).toEqual({ halted: false });
    expect((await post(a.url, '/v1/agents/default/symbols/BTC/mid', { mid: 101.5 })).body.outcome).not.toBe('no-quote');
  });

  it('a subscribe to an agent nobody owns is refused by the gateway as by an instance', async () => {
    const s = await Subscriber.open(g.url);
    subs.push(s);
    s.ws.send(JSON.stringify({ op: 'subscribe', agent: 'nobody', symbols: ['BTC'] }));
    const reply = await s.waitFor((m) => m.type === 'error');
    expect(reply.code).toBe('AGENT_NOT_FOUND');
  });

  it('an update posted to the gateway is not served (the gateway has /v1/stream, health and metrics only)', async () => {
    expect((await post(g.url, '/v1/agents/default/symbols/BTC/mid', { mid: 100 })).status).toBe(404);
    expect((await fetch(`${g.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${g.url}/metrics`)).text();
    expect(metrics).toMatch(/mm_gateway_messages_received_total \d+/);
  });
});
