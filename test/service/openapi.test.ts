/**
 * openapi.yaml is generated (scripts/openapi-doc.ts, `npm run openapi`) from the routes' schemas,
 * which test/service/reply-schemas.test.ts holds to what the server sends. Here:
 *   1. the committed file is the generated one;
 *   2. it lists every route the app registers (HEAD and the board aside), and every $ref resolves;
 *   3. each operation's access class (`x-access`) is what a server with tokens enforces;
 *   4. the WebSocket section's messages, both ways, are what a real server sends and takes
 *      (the zod schemas the section's message schemas are made from, strict);
 *   5. /metrics documents every mm_ metric served; /readyz answers its documented 503 while shutting down.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { openApiYaml } from '../../scripts/openapi-doc.js';
import { ERROR_CODES } from '../../src/service/errors.js';
import { NotReady, StreamServerMessage } from '../../src/service/replies.js';
import { StreamMessage } from '../../src/service/schemas.js';
import { build } from '../helper.js';
import { post, request, startServer, StreamClient, type Running } from '../support/server.js';

type Json = Record<string, any>;
const file = readFileSync(fileURLToPath(new URL('../../openapi.yaml', import.meta.url)), 'utf8');
const doc = parse(file) as Json;
const operations = () => Object.entries(doc.paths as Json).flatMap(([path, item]) =>
  Object.entries(item as Json).map(([method, op]) => ({ path, method: method.toUpperCase(), op: op as Json })));

let s: Running;
beforeAll(async () => {
  s = await startServer({
    limits: { maxSubscriptionsPerConnection: 3 },
    agents: { default: {}, c1: { maxSymbols: 2, volatility: { default: 1 } } },
  });
});
afterAll(() => s.close());

describe('openapi.yaml', () => {
  it('is what `npm run openapi` writes from the routes (run it after changing a route or a schema)', async () => {
    expect(file).toBe(await openApiYaml());
  });

  it('lists every route the app registers, and only those', async () => {
    const b = await build();
    try {
      const routes = new Set<string>();
      const registered = new Set<string>();
      for (const { path, method } of operations()) routes.add(`${method} ${path}`);
      for (const [path, item] of Object.entries(doc.paths as Json)) {
        for (const method of Object.keys(item as Json)) {
          const url = path.replace(/\{(\w+)\}/g, ':$1');
          expect(b.app.hasRoute({ method: method.toUpperCase(), url }), `${method} ${path}`).toBe(true);
        }
      }
      for (const r of b.app.apiRoutes) {
        if (r.method === 'HEAD' || r.url.startsWith('/ui')) continue;
        registered.add(`${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
      }
      expect([...registered].sort()).toEqual([...routes].sort());
    } finally {
      await b.close();
    }
  });

  it('every $ref resolves; every error code of the table is in ErrorDetail', () => {
    for (const [, ref] of file.matchAll(/\$ref: "?#\/([^"\n]+)"?/g)) {
      const target = ref!.split('/').reduce<Json | undefined>((o, k) => o?.[k], doc);
      expect(target, ref).toBeDefined();
    }
    expect(doc.components.schemas.ErrorDetail.properties.code.enum).toEqual(Object.keys(ERROR_CODES));
  });

  it('with tokens configured, every operation answers as its x-access says', async () => {
    const WRITE = 'openapi-write-token-0001';
    const READ = 'openapi-read-token-00001';
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    const t = await startServer({ auth: { writeTokens: [WRITE], readTokens: [READ], protectMetrics: true }, agents: { default: { volatility: { default: 1 } } } });
    try {
      expect((await post(`${t.url}/v1/agents/default/symbols/AAA/mid`, { mid: 100 }, bearer(WRITE))).status).toBe(200);
      for (const { path, method, op } of operations()) {
        const url = `${t.url}${path.replace('{agentId}', 'default').replace('{symbol}', 'AAA')}`;
        const where = `${method} ${path}`;
        const body = op.requestBody === undefined ? undefined : {};
        const none = await request(method, url, body);
        const bad = await request(method, url, body, bearer('not-a-configured-token'));
        expect(['open', 'metrics', 'read', 'write'], where).toContain(op['x-access']);
        if (op['x-access'] === 'open') {
          expect([none.status, bad.status], where).toEqual([200, 200]);
          expect(op.security, where).toEqual([{}]);
          continue;
        }
        expect(op.security, where).toContainEqual({ bearerAuth: [] });
        expect([none.status, bad.status], where).toEqual([401, 401]);
        if (op['x-access'] === 'write') {
          const reader = await request(method, url, body, bearer(READ));
          expect([reader.status, reader.body.error.code], where).toEqual([403, 'FORBIDDEN']);
        } else {
          for (const token of [READ, WRITE]) expect((await request(method, url, undefined, bearer(token))).status, where).toBe(path === '/v1/stream' ? 404 : 200);
        }
      }
      await expect(StreamClient.connect(t.wsUrl)).rejects.toThrow(/401/);
      const c = await StreamClient.connect(`${t.wsUrl}?token=${READ}`);
      c.close();
    } finally {
      await t.close();
    }
  });

  it('the WebSocket section: messages both ways as a real server sends and takes them', async () => {
    const c = await StreamClient.connect(s.wsUrl);
    const send = (m: unknown) => {
      expect(StreamMessage.safeParse(m).success, JSON.stringify(m)).toBe(true);
      c.send(m);
    };
    await post(`${s.url}/v1/agents/c1/symbols/AAA/mid`, { mid: 101 });
    send({ op: 'subscribe', agent: 'c1', symbols: ['AAA', 'AAA'] });
    await c.until((m) => m.some((x) => x.type === 'quote' && x.snapshot === true));
    send({ op: 'unsubscribe', agent: 'c1', symbols: ['AAA'] });
    send({ op: 'subscribe', agent: 'c1', symbols: '*' });
    await c.until((m) => m.some((x) => x.type === 'unsubscribed') && m.filter((x) => x.type === 'subscribed').length >= 2);
    await post(`${s.url}/v1/agents/c1/symbols/AAA/mid`, { mid: 102 });
    await post(`${s.url}/v1/agents/c1/symbols/AAA/pause`, {});
    await c.until((m) => m.some((x) => x.type === 'withdrawn'));
    c.send('{not json');
    c.send({ op: 'subscribe', agent: 'c1' });
    c.send({ op: 'subscribe', agent: 'ghost', symbols: '*' });
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    // c1's "*" counts one: three more symbols pass limits.maxSubscriptionsPerConnection (3)
    c.send({ op: 'subscribe', agent: 'default', symbols: ['B', 'C', 'D'] });
    await c.until((m) => m.filter((x) => x.type === 'error').length >= 5);
    await request('DELETE', `${s.url}/v1/agents/c1`);
    await c.until((m) => m.some((x) => x.type === 'agent-deleted'));
    c.close();
    for (const m of c.messages) expect(StreamServerMessage.safeParse(m).error, JSON.stringify(m)).toBeUndefined();
    expect(new Set(c.messages.map((m) => m.type))).toEqual(new Set(['subscribed', 'quote', 'withdrawn', 'error', 'unsubscribed', 'agent-deleted']));
    const documentedCodes = (doc.components.schemas.StreamServerMessage.oneOf as Json[]).find((b) => b.properties.type.enum?.[0] === 'error')!.properties.code.enum;
    expect(new Set(c.of('error').map((m) => m.code))).toEqual(new Set(documentedCodes));
    // the section refers to the generated message schemas
    expect(doc.paths['/v1/stream'].get['x-websocket'].serverMessages).toEqual({ $ref: '#/components/schemas/StreamServerMessage' });
  });

  it('/metrics documents every mm_ metric it serves', async () => {
    const text = String((await request('GET', `${s.url}/metrics`)).body);
    const description = String(doc.paths['/metrics'].get.description);
    const served = [...text.matchAll(/^# TYPE (mm_\w+)/gm)].map((m) => m[1]!);
    expect(served.length).toBeGreaterThan(5);
    for (const name of served) expect(description, name).toContain(`\`${name}\``);
  });

  it('/readyz answers its documented 503 while the server shuts down', async () => {
    expect(Object.keys(doc.paths['/readyz'].get.responses)).toContain('503');
    const r = await startServer({});
    const socket = connect(Number(new URL(r.url).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let raw = '';
    socket.on('data', (d) => {
      raw += d.toString();
    });
    // a request under way when the shutdown starts is still answered by the service
    socket.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const closed = r.close();
    while (r.app.server.listening) await new Promise((resolve) => setTimeout(resolve, 5));
    socket.write('\r\n');
    await new Promise((resolve) => socket.once('end', resolve));
    await closed;
    expect(raw.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
    expect(NotReady.strict().parse(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)))).toEqual({ status: 'not-ready', halted: false });
  });
});
