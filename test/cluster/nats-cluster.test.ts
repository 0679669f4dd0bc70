import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ServerProcess } from '../support/process.js';
import { describeWith } from '../support/system-programs.js';
import { jetStreamReady, startNatsCluster, type NatsServer } from './support/nats-server.js';
import { post, spawnGateway, spawnInstance, Subscriber, until } from './support/cluster-processes.js';
import { FillStream } from './support/oms.js';

describeWith(['nats-server'], 'a three-node NATS cluster with replicas 3 loses a node', () => {
  let nodes: NatsServer[];
  let a: ServerProcess;
  let b: ServerProcess;
  let g: ServerProcess;
  let nc: NatsConnection;
  const subs: Subscriber[] = [];

  beforeAll(async () => {
    nodes = await startNatsCluster(3);
    const urls = nodes.map((n) => n.url).join(',');
    await jetStreamReady(urls, 30_000, 3);
    const env = { NATS_REPLICAS: '3' };
    a = await spawnInstance(urls, 'a', env);
    await until(async () => (await fetch(`${a.url}/v1/agents/default`)).status === 200, 20_000, 'instance a to own agent default');
    b = await spawnInstance(urls, 'b', env);
    g = await spawnGateway(urls, 'g', env);
    nc = await connect({ servers: urls.split(',') });
  }, 90_000);

  afterAll(async () => {
    for (const s of subs) s.close();
    await nc?.close();
    for (const p of [a, b, g]) if (p) p.child.kill('SIGKILL');
    for (const n of nodes ?? []) await n.dispose();
  });

  it('killing the ledger stream\'s leader during the fill stream loses nothing acknowledged, and quoting goes on', async () => {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info('MM_LEDGER');
    expect(info.config.num_replicas).toBe(3);
    expect(info.cluster?.replicas).toHaveLength(2);
    const watcher = await Subscriber.open(g.url);
    subs.push(watcher);
    await watcher.subscribe('default', ['BTC']);
    expect((await post(a.url, '/v1/agents/default/symbols/BTC/volatility', { sigma: 2 })).status).toBe(200);

    const oms = new FillStream('default', 'BTC', 33);
    // under the whole suite's load the ledger's new leader and a re-adoption can take tens of seconds: each fill is retried for 2 min
    const streaming = oms.send(300, () => [a.url, b.url], 120_000);
    await until(() => oms.acknowledged.length >= 100, 30_000, '100 fills acknowledged');
    // the node leading the ledger's Raft group: the hardest one to lose
    const leader = (await jsm.streams.info('MM_LEDGER')).cluster!.leader!;
    const victim = nodes.find((n) => `n${n.clusterPort}` === leader)!;
    await victim.kill();
    await streaming.catch((err: unknown) => {
      if (process.env.DEBUG_CLUSTER) console.log(a.output().slice(-6000), '\n-----B-----\n', b.output().slice(-6000));
      throw err;
    });

    expect(oms.acknowledged).toHaveLength(300);
    const owner = async () => {
      for (const url of [a.url, b.url]) {
        const r = await fetch(`${url}/v1/agents/default/inventory`, { signal: AbortSignal.timeout(6_000) }).catch(() => null);
        if (r?.status === 200) return (await r.json()) as { symbols: { symbol: string; position: number; buyFills: number; sellFills: number }[] };
      }
      return null;
    };
    const inventory = await owner();
    const btc = inventory!.symbols.find((s) => s.symbol === 'BTC')!;
    expect(btc.position).toBe(oms.position());
    expect(btc.buyFills + btc.sellFills).toBe(300);

    // the two nodes left elected a new leader for the ledger
    const info2 = await jsm.streams.info('MM_LEDGER');
    expect(info2.cluster?.leader).not.toBe(leader);

    // quoting goes on: a mid through either instance reaches the gateway's subscriber
    const from = watcher.raw.length;
    let posted = 0;
    await until(async () => {
      const r = await post(b.url, '/v1/agents/default/symbols/BTC/mid', { mid: 100 + posted++ / 100 }).catch(() => ({ status: 0, body: {} }));
      if (r.status === 200 && (r.body as { outcome?: string }).outcome !== 'quoted') {
        await post(b.url, '/v1/agents/default/symbols/BTC/volatility', { sigma: 2 });
      }
      return watcher.messages.slice(from).some((m) => m.type === 'quote');
    }, 20_000, 'a quote at the gateway after the node was lost');
    console.log(`lost node ${leader}; ${oms.failures} refused or failed posts retried; ${oms.acknowledged.filter((f) => f.outcome === 'duplicate').length} retries found already applied`);
  }, 300_000);
});
