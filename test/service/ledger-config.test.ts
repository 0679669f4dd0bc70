/** The ledger's configuration: defaults, environment, and the journal section of earlier versions named when present. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadServiceConfig } from '../../src/service/config.js';
import { post, request, startServer, tempDir } from '../support/server.js';

describe('ledger configuration', () => {
  it('defaults: ./data/quoting.db, interval, the old journal imported from ./data/journal.jsonl', () => {
    expect(loadServiceConfig({}).ledger).toEqual({
      path: './data/quoting.db', fsync: 'interval', checkpointIntervalMs: 100, snapshotEveryEntries: 50_000, snapshotIntervalMs: 60_000,
      fullCheckAtStart: false, importJournal: './data/journal.jsonl',
    });
  });

  it('LEDGER_PATH, LEDGER_FSYNC and JOURNAL_PATH; "off" and "" turn a path off', () => {
    const c = loadServiceConfig({ LEDGER_PATH: '/var/lib/q.db', LEDGER_FSYNC: 'always', JOURNAL_PATH: '/old/j.jsonl' }).ledger;
    expect([c.path, c.fsync, c.importJournal]).toEqual(['/var/lib/q.db', 'always', '/old/j.jsonl']);
    for (const off of ['off', '']) {
      const d = loadServiceConfig({ LEDGER_PATH: off, JOURNAL_PATH: off }).ledger;
      expect([d.path, d.importJournal]).toEqual([null, null]);
    }
    expect(() => loadServiceConfig({ LEDGER_FSYNC: 'sometimes' })).toThrow(/invalid configuration: ledger\.fsync/);
  });

  it('a configuration file with the journal section of an earlier version stops the start, naming it', () => {
    const file = join(tempDir(), 'c.json');
    writeFileSync(file, JSON.stringify({ journal: { path: './data/journal.jsonl' } }));
    expect(() => loadServiceConfig({ CONFIG_FILE: file })).toThrow('invalid configuration: journal: Unrecognized key: "journal"');
  });

  it('agents of the configuration and the ledger: a deleted one stays deleted, one added to the configuration later is created', async () => {
    const path = join(tempDir(), 'quoting.db');
    const ledger = { path, importJournal: null };
    const first = await startServer({ ledger, agents: { a: {}, b: {} } });
    await post(`${first.url}/v1/agents/a/symbols/X/fills`, { id: 'f-1', side: 'buy', price: 10, quantity: 2 });
    expect((await request('DELETE', `${first.url}/v1/agents/b`)).status).toBe(204);
    await first.close(); // writes the last snapshot
    const second = await startServer({ ledger, agents: { a: {}, b: {}, c: {} } });
    try {
      const ids = ((await request('GET', `${second.url}/v1/agents`)).body as { agents: { id: string }[] }).agents.map((a) => a.id).sort();
      expect(ids).toEqual(['a', 'c']);
      expect(((await request('GET', `${second.url}/v1/agents/a/symbols/X`)).body as { position: number }).position).toBe(2);
    } finally {
      await second.close();
    }
  });
});
