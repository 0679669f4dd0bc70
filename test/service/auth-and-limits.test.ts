import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenHost, parseServiceConfig } from '../../src/service/config.js';
import { post, request, startServer, StreamClient, type Running } from '../support/server.js';

const WRITE = 'write-token-0123456789';
const WRITE2 = 'second-writer-abcdefgh';
const READ = 'read-only-token-0123456';
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('bearer tokens', () => {
  let s: Running;
  beforeAll(async () => {
    s = await startServer({ auth: { writeTokens: [WRITE, WRITE2], readTokens: [READ], protectMetrics: true } });
  });
  afterAll(() => s.close());
  const mid = () => `${s.url}/v1/agents/default/symbols/X/mid`;

  it('writes need a write token; any of several works', async () => {
    const none = await post(mid(), { mid: 100 });
    expect([none.status, none.body.error.code]).toEqual([401, 'UNAUTHORIZED']);
    const wrong = await post(mid(), { mid: 100 }, bearer('not-a-real-token-000000'));
    expect([wrong.status, wrong.body.error.code]).toEqual([401, 'UNAUTHORIZED']);
    const reader = await post(mid(), { mid: 100 }, bearer(READ));
    expect([reader.status, reader.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect((await post(mid(), { mid: 100 }, bearer(WRITE))).status).toBe(200);
    expect((await post(mid(), { mid: 100.5 }, bearer(WRITE2))).status).toBe(200);
    // the rejected attempts changed nothing: two updates applied
    const agent = await request('GET', `${s.url}/v1/agents/default`, undefined, bearer(READ));
    expect(agent.body.stats.updates).toBe(2);
    const create = await post(`${s.url}/v1/agents`, { id: 'sneaky' }, bearer(READ));
    expect(create.status).toBe(403);
  });

  it('reads need a read or write token when read tokens are configured', async () => {
    expect((await request('GET', `${s.url}/v1/agents`)).status).toBe(401);
    expect((await request('GET', `${s.url}/v1/agents`, undefined, bearer(READ))).status).toBe(200);
    expect((await request('GET', `${s.url}/v1/agents`, undefined, bearer(WRITE))).status).toBe(200);
  });

  it('metrics are protected when configured; health checks never are', async () => {
    expect((await request('GET', `${s.url}/metrics`)).status).toBe(401);
    expect((await request('GET', `${s.url}/metrics`, undefined, bearer(READ))).status).toBe(200);
    expect((await request('GET', `${s.url}/healthz`)).status).toBe(200);
    expect((await request('GET', `${s.url}/readyz`)).status).toBe(200);
  });

  it('the stream takes the token as a header or ?token=, and refuses the upgrade without one', async () => {
    await expect(StreamClient.connect(s.wsUrl)).rejects.toThrow(/401/);
    const viaHeader = await StreamClient.connect(s.wsUrl, bearer(READ));
    const viaQuery = await StreamClient.connect(`${s.wsUrl}?token=${READ}`);
    viaHeader.close();
    viaQuery.close();
  });

  it('sends security headers and no stack traces', async () => {
    const r = await request('GET', `${s.url}/v1/agents/nobody`, undefined, bearer(READ));
    expect(r.status).toBe(404);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(JSON.stringify(r.body)).not.toMatch(/at \S+ \(|\.ts:\d+/);
  });
});

describe('each kind of access is open until its tokens are configured', () => {
  it('write tokens only: reads and the stream stay open, writes need a token', async () => {
    const w = await startServer({ auth: { writeTokens: [WRITE] } });
    try {
      expect((await request('GET', `${w.url}/v1/agents`)).status).toBe(200);
      expect((await post(`${w.url}/v1/agents/default/symbols/X/mid`, { mid: 1 })).status).toBe(401);
      (await StreamClient.connect(w.wsUrl)).close();
    } finally {
      await w.close();
    }
  });
  it('read tokens only: reads need a token, writes stay open', async () => {
    const r = await startServer({ auth: { readTokens: [READ] } });
    try {
      expect((await request('GET', `${r.url}/v1/agents`)).status).toBe(401);
      expect((await post(`${r.url}/v1/agents/default/symbols/X/mid`, { mid: 1 })).status).toBe(200);
    } finally {
      await r.close();
    }
  });
});

describe('listening host without tokens', () => {
  it('stays on loopback and says why', () => {
    expect(listenHost(parseServiceConfig({ host: '0.0.0.0' }))).toEqual({ host: '127.0.0.1', warning: expect.stringContaining('refusing to listen on 0.0.0.0') });
    expect(listenHost(parseServiceConfig({})).host).toBe('127.0.0.1');
    expect(listenHost(parseServiceConfig({})).warning).toContain('unauthenticated');
    expect(listenHost(parseServiceConfig({ host: '0.0.0.0', auth: { writeTokens: [WRITE] } }))).toEqual({ host: '0.0.0.0' });
  });
  it('refuses short tokens at start-up, naming the field', () => {
    expect(() => parseServiceConfig({ auth: { writeTokens: ['short'] } })).toThrow(/auth\.writeTokens\.0/);
  });
});

describe('limits', () => {
  let s: Running;
  beforeAll(async () => {
    s = await startServer({
      agents: { default: { maxSymbols: 2, volatility: { default: 1 } } },
      limits: { maxAgents: 2, maxWsClients: 2 },
    });
  });
  afterAll(() => s.close());

  it('agents, symbols per agent, and WebSocket connections each stop at their limit with a clear answer', async () => {
    expect((await post(`${s.url}/v1/agents`, { id: 'two' })).status).toBe(201);
    const third = await post(`${s.url}/v1/agents`, { id: 'three' });
    expect([third.status, third.body.error.code]).toEqual([409, 'AGENT_LIMIT']);

    for (const x of ['A', 'B']) expect((await post(`${s.url}/v1/agents/default/symbols/${x}/mid`, { mid: 10 })).status).toBe(200);
    const c = await post(`${s.url}/v1/agents/default/symbols/C/mid`, { mid: 10 });
    expect([c.status, c.body.error.code, c.body.error.field]).toEqual([409, 'SYMBOL_LIMIT', 'symbol']);

    const a = await StreamClient.connect(s.wsUrl);
    const b = await StreamClient.connect(s.wsUrl);
    const extra = await StreamClient.connect(s.wsUrl);
    expect(await extra.closed()).toBe(1013);
    a.send({ op: 'subscribe', agent: 'default', symbols: ['A'] });
    await a.until((m) => m.some((x) => x.type === 'subscribed'));
    a.close();
    b.close();
  });
});
