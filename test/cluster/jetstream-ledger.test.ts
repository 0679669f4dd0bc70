import fc from 'fast-check';
import { expect, it } from 'vitest';
import { JetStreamLedger } from '../../src/ledger/jetstream-ledger.js';
import { LedgerUnavailableError, type LedgerEntry } from '../../src/ledger/ledger.js';
import { token, untoken } from '../../src/cluster/subjects.js';
import { describeWith } from '../support/system-programs.js';
import { fill, position } from '../support/updates.js';
import { useNatsServer } from './support/nats-server.js';

const opts = (instance: string) => ({ replicas: 1, timeoutMs: 5_000, instance });
const fillEntry = (agent: string, id: string, qty: number): LedgerEntry => ({ t: 'update', agent, u: fill('BTC', id, 'buy', 100, qty) });

it('ids are one token each in subjects and KV keys, and come back unchanged', () => {
  fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/), (id) => {
    const t = token(id);
    expect(t).toMatch(/^[-/_=.a-zA-Z0-9]+$/);
    expect(t).not.toContain('.');
    expect(untoken(t)).toBe(id);
  }));
  // distinct ids, distinct tokens (a literal "=2e" is itself encoded)
  expect(token('a.b')).not.toBe(token('a=2eb'));
});

describeWith(['nats-server'], 'JetStream ledger on a real nats-server', () => {
  const { conn } = useNatsServer();

  it('gives back, to another instance, every appended entry of an agent in order, and nothing of other agents', async () => {
    const a = await JetStreamLedger.open(await conn(), opts('a'));
    expect((await a.adopt('alpha.1')).entries).toEqual([]);
    await a.adopt('beta:2');
    const written: LedgerEntry[] = [];
    for (let i = 0; i < 40; i++) {
      const e = fillEntry('alpha.1', `f${i}`, 1 + (i % 5));
      written.push(e);
      // every other append is a group holding both agents
      await a.append(i % 2 === 0 ? [e] : [e, fillEntry('beta:2', `g${i}`, 1)]);
    }
    await a.append([{ t: 'update', agent: 'alpha.1', u: position('ETH', 3, 2000) }]);
    written.push({ t: 'update', agent: 'alpha.1', u: position('ETH', 3, 2000) });
    const b = await JetStreamLedger.open(await conn(), opts('b'));
    const got = await b.adopt('alpha.1');
    expect(got.state).toBeNull();
    expect([...got.entries]).toEqual(written);
  });

  it('after a snapshot, adopting reads the snapshot and only the entries after it', async () => {
    const a = await JetStreamLedger.open(await conn(), opts('a'));
    await a.adopt('gamma');
    await a.append([fillEntry('gamma', 'x1', 1), fillEntry('gamma', 'x2', 2)]);
    const state = { agents: [], configured: ['gamma', 'other'] };
    await a.snapshot(state);
    const after = [fillEntry('gamma', 'x3', 3)];
    await a.append(after);
    const b = await JetStreamLedger.open(await conn(), opts('b'));
    const got = await b.adopt('gamma');
    // the snapshot holds only this agent's part
    expect(got.state).toEqual({ agents: [], configured: ['gamma'] });
    expect([...got.entries]).toEqual(after);
  });

  it('fences the previous owner: its appends after the takeover are refused, those before it are replayed', async () => {
    const a = await JetStreamLedger.open(await conn(), opts('a'));
    await a.adopt('delta');
    await a.append([fillEntry('delta', 'd1', 1)]);
    const b = await JetStreamLedger.open(await conn(), opts('b'));
    const got = await b.adopt('delta');
    expect([...got.entries]).toEqual([fillEntry('delta', 'd1', 1)]);
    const stale: string[] = [];
    a.hooks = { claim: () => Promise.resolve(false), deleted: () => {}, stale: (agent) => stale.push(agent) };
    await expect(a.append([fillEntry('delta', 'd2', 1)])).rejects.toThrow(/fenced/);
    // given up at once: the cluster node is told, and nothing more of it is written
    expect(stale).toEqual(['delta']);
    expect(a.owns('delta')).toBe(false);
    await expect(a.append([fillEntry('delta', 'd2', 1)])).rejects.toThrow(LedgerUnavailableError);
    await b.append([fillEntry('delta', 'd3', 1)]);
    // a third reader sees d1 and d3, never the refused d2
    const c = await JetStreamLedger.open(await conn(), opts('c'));
    expect([...(await c.adopt('delta')).entries]).toEqual([fillEntry('delta', 'd1', 1), fillEntry('delta', 'd3', 1)]);
  });

  it('refuses entries of an agent it has not adopted, and writes nothing of the group', async () => {
    const a = await JetStreamLedger.open(await conn(), opts('a'));
    await a.adopt('eps');
    await expect(a.append([fillEntry('eps', 'e1', 1), fillEntry('zeta', 'z1', 1)])).rejects.toThrow(/not owned/);
    const b = await JetStreamLedger.open(await conn(), opts('b'));
    expect([...(await b.adopt('eps')).entries]).toEqual([]);
  });
});
