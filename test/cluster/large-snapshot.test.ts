/**
 * Snapshots far over NATS's maximum payload (1 MiB): an agent remembering 100,000 fill ids with their
 * fingerprints (the default fillIdMemory) is several MB of JSON. Written as an Object Store body named by a
 * pointer; a new owner restores it exactly and replays only the entries after it; a deposed owner's late
 * snapshot is refused and is not what the next owner reads.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { expect, it } from 'vitest';
import { MarketMakerAgent } from '../../src/agent/market-maker-agent.js';
import { SNAPSHOT_BUCKET, snapshotSubject, SNAPSHOT_STREAM } from '../../src/cluster/subjects.js';
import { JetStreamLedger } from '../../src/ledger/jetstream-ledger.js';
import type { LedgerEntry, LedgerState } from '../../src/ledger/ledger.js';
import { historyFill } from '../../bench/support/ledger-history.js';
import { describeWith } from '../support/system-programs.js';
import { useNatsServer } from './support/nats-server.js';

const opts = (instance: string) => ({ replicas: 1, timeoutMs: 20_000, instance });
const FILLS = 100_000;
const fillEntry = (agent: string, i: number): LedgerEntry => ({ t: 'update', agent, u: { ...historyFill(i), id: `${agent}-${i}` } });

/** the state of an agent that remembers `FILLS` fills (ids and fingerprints) */
function bigState(agent: string, from: number): LedgerState {
  const a = new MarketMakerAgent(agent, { fillIdMemory: FILLS });
  for (let i = from; i < from + FILLS; i++) a.replay({ ...historyFill(i), id: `${agent}-${i}` });
  return { agents: [a.snapshot()], configured: [agent] };
}

describeWith(['nats-server'], 'JetStream ledger snapshots over the maximum payload', () => {
  const { conn } = useNatsServer();

  it('a ≥ 5 MB snapshot is restored exactly by a new owner, which replays only the entries after it', async () => {
    const nc = await conn();
    const state = bigState('big', 1);
    const size = JSON.stringify(state).length;
    expect(size).toBeGreaterThan(5_000_000);
    expect(size).toBeGreaterThan(nc.info!.max_payload * 4);

    const a = await JetStreamLedger.open(nc, opts('a'));
    await a.adopt('big');
    await a.append([fillEntry('big', 1), fillEntry('big', 2)]);
    await a.snapshot(state);
    const after = [fillEntry('big', FILLS + 1), fillEntry('big', FILLS + 2)];
    await a.append(after.slice(0, 1));
    await a.append(after.slice(1));

    const b = await JetStreamLedger.open(await conn(), opts('b'));
    const got = await b.adopt('big');
    expect(got.state).toEqual(state);
    expect([...got.entries]).toEqual(after);
    // the pointer message is small; the body is in the bucket
    const jsm = await jetstreamManager(nc);
    const pointer = await jsm.streams.getMessage(SNAPSHOT_STREAM, { last_by_subj: snapshotSubject('big') });
    expect(pointer!.data.length).toBeLessThan(1_000);
  }, 120_000);

  it("a deposed owner's late snapshot is refused, not read by the next owner, and leaves no body behind; two bodies are kept", async () => {
    const nc = await conn();
    const a = await JetStreamLedger.open(nc, opts('a'));
    await a.adopt('dep');
    await a.append([fillEntry('dep', 1)]);
    const first = { agents: [], configured: ['dep', 'first'] };
    await a.snapshot(first);
    await a.append([fillEntry('dep', 2)]);

    const b = await JetStreamLedger.open(await conn(), opts('b'));
    const atTakeover = await b.adopt('dep');
    expect(atTakeover.state).toEqual({ agents: [], configured: ['dep'] });
    await b.append([fillEntry('dep', 3)]);

    // a still believes it owns dep: its late snapshot (through its entry 2) must not replace the pointer
    const stale: string[] = [];
    a.hooks = { claim: () => Promise.resolve(false), deleted: () => {}, stale: (agent) => stale.push(agent) };
    const late = { agents: [], configured: ['dep', 'late'] };
    await expect(a.snapshot(late)).rejects.toThrow(/fenced/);
    expect(stale).toEqual(['dep']);
    expect(a.owns('dep')).toBe(false);

    const c = await JetStreamLedger.open(await conn(), opts('c'));
    const read = await c.adopt('dep');
    expect(read.state).toEqual({ agents: [], configured: ['dep'] });
    // the snapshot c read is a's first one (b re-published its pointer), so c replays a's entry 2 and b's entry 3
    expect([...read.entries]).toEqual([fillEntry('dep', 2), fillEntry('dep', 3)]);

    // c snapshots three times (with an append between): only the two latest bodies of dep stay
    for (let i = 4; i <= 6; i++) {
      await c.append([fillEntry('dep', i)]);
      await c.snapshot({ agents: [], configured: ['dep'] });
    }
    // a's refused body was deleted again; of c's three, the two latest stay
    const names = (await (await new Objm(nc).open(SNAPSHOT_BUCKET)).list()).map((o) => o.name).filter((n) => n.startsWith('dep/'));
    expect(names).toHaveLength(2);
    const d = await JetStreamLedger.open(await conn(), opts('d'));
    const last = await d.adopt('dep');
    expect(last.state).toEqual({ agents: [], configured: ['dep'] });
    expect([...last.entries]).toEqual([]);
  }, 60_000);
});
