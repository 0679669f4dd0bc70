import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runServerToExit, spawnServer } from '../support/process.js';
import { post, StreamClient } from '../support/server.js';

describe('the server process', () => {
  it('starts with the embedded default agent, and on SIGTERM closes WebSockets with 1001 and exits 0', async () => {
    const srv = await spawnServer();
    try {
      await post(`${srv.url}/v1/agents/default/symbols/X/volatility`, { sigma: 2 });
      const r = await post(`${srv.url}/v1/agents/default/symbols/X/mid`, { mid: 100 });
      expect(r.body.outcome).toBe('quoted');
      const c = await StreamClient.connect(`ws://127.0.0.1:${srv.port}/v1/stream`);
      const closed = c.closed();
      srv.child.kill('SIGTERM');
      expect(await closed).toBe(1001);
      expect(await srv.exited).toBe(0);
      const lines = srv.output().trim().split('\n').map((l) => JSON.parse(l) as { msg: string; level: number });
      expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['quoting service ready', 'shutting down', 'stopped']));
      // no log line per update at info (level 30)
      expect(lines.filter((l) => l.level >= 30 && /request/.test(l.msg))).toEqual([]);
    } finally {
      srv.child.kill('SIGKILL');
    }
  });

  it('refuses to start on a bad configuration, naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ agents: { default: { gamma: -1 } } }));
    const bad = await runServerToExit({ CONFIG_FILE: file });
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('agents.default.gamma');

    const port = await runServerToExit({ PORT: 'eighty' });
    expect(port.code).toBe(1);
    expect(port.output).toContain('PORT');

    const missing = await runServerToExit({ CONFIG_FILE: join(dir, 'nope.json') });
    expect(missing.code).toBe(1);
    expect(missing.output).toContain('CONFIG_FILE');
  });

  it('takes agents from a JSON config file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ agents: { fx: { timeUnit: 'second', tickSize: 0.0001 } } }));
    const srv = await spawnServer({ CONFIG_FILE: file });
    try {
      const list = await fetch(`${srv.url}/v1/agents`).then((r) => r.json() as Promise<{ agents: { id: string }[] }>);
      expect(list.agents.map((a) => a.id)).toEqual(['fx']);
    } finally {
      srv.child.kill('SIGKILL');
    }
  });
});
