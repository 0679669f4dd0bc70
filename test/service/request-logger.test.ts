import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/service/app.js';
import { parseServiceConfig } from '../../src/service/config.js';

/** The app with a pino logger at `level` writing its JSON lines into `lines`. */
async function appLogging(level: string, lines: Record<string, unknown>[]) {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const config = parseServiceConfig({ port: 0, ledger: { path: null, importJournal: null } });
  return buildApp({ config, logger: pino({ level }, sink) });
}

describe('request logger (a pino child made when the request first logs)', () => {
  it('every line a request logs carries its request id, as a pino child\'s would', async () => {
    const lines: Record<string, unknown>[] = [];
    const app = await appLogging('debug', lines);
    try {
      const res = await app.inject({ method: 'POST', url: '/v1/agents/default/symbols/A/mid', payload: { mid: -1 } });
      expect(res.statusCode).toBe(400);
      const rejected = lines.find((l) => l.msg === 'request rejected');
      expect(rejected).toMatchObject({ reqId: res.headers['x-request-id'], code: 'VALIDATION_FAILED', level: 20 });
    } finally {
      await app.close();
    }
  });

  it('below the logger\'s level nothing is written, and requests are answered as usual', async () => {
    const lines: Record<string, unknown>[] = [];
    const app = await appLogging('info', lines);
    try {
      const before = lines.length;
      const bad = await app.inject({ method: 'POST', url: '/v1/agents/default/symbols/A/mid', payload: { mid: -1 } });
      const good = await app.inject({ method: 'POST', url: '/v1/agents/default/symbols/A/volatility', payload: { sigma: 1 } });
      expect([bad.statusCode, good.statusCode]).toEqual([400, 200]);
      expect(lines.slice(before).filter((l) => l.reqId !== undefined)).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
