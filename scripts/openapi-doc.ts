/**
 * openapi.yaml, generated: @fastify/swagger reads the schemas the routes carry
 * (src/service/route-schemas.ts: params and bodies from schemas.ts, replies
 * from replies.ts), then this adds what a route schema cannot say: the prose
 * of docs/openapi/overview.md and metrics.md, the WebSocket operation of
 * docs/openapi/stream.yaml with its message schemas, each operation's access
 * class (`x-access`, the auth plugin's rule) and security, and `X-Request-Id`.
 * `npm run openapi` writes it; test/service/openapi.test.ts fails when the
 * committed file differs.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import swagger from '@fastify/swagger';
import Fastify from 'fastify';
import { pino } from 'pino';
import { parse, stringify } from 'yaml';
import { quotingApp, serverOptions } from '../src/service/app.js';
import { parseServiceConfig } from '../src/service/config.js';
import * as replies from '../src/service/replies.js';
import { jsonSchema } from '../src/service/route-schemas.js';
import { BatchItem, StreamMessage } from '../src/service/schemas.js';
import { MarketMakerConfigSchema } from '../src/agent/index.js';

type Json = Record<string, unknown>;
const here = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const text = (p: string) => readFileSync(here(p), 'utf8');

export type Access = 'open' | 'metrics' | 'read' | 'write';

const X_REQUEST_ID = {
  description: "the request's `X-Request-Id`, or the id the server gave it, `^[0-9a-f]{8}-[0-9a-z]+$` (a random prefix per process, `-`, the request's number in base 36: `6b7fa97b-5`); test/service/http-updates.test.ts checks the server against it",
  schema: { type: 'string' },
};

export async function openApiDocument(): Promise<Json> {
  // no ledger, no board, no agents: the routes are the same whatever the configuration
  const config = parseServiceConfig({ port: 0, ledger: { path: null }, ui: false });
  const app = Fastify(serverOptions(config, pino({ level: 'silent' })));
  const access = new Map<string, Access>();
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) {
      const a = (r.config)?.access ?? (m === 'GET' || m === 'HEAD' ? 'read' : 'write');
      access.set(`${m.toLowerCase()} ${r.url.replace(/:(\w+)/g, '{$1}')}`, a);
    }
  });
  const info = parse(text('docs/openapi/info.yaml')) as Json;
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { ...(info.info as Json), description: text('docs/openapi/overview.md') } as never,
      servers: info.servers as never,
      tags: info.tags as never,
      components: { securitySchemes: info.securitySchemes as never },
    },
    hideUntagged: true,
  });
  await app.register(quotingApp, { config });
  await app.ready();
  const doc = app.swagger() as unknown as Json & { paths: Record<string, Record<string, Json>>; components: Json };
  await app.close();

  const stream = parse(text('docs/openapi/stream.yaml')) as Json;
  doc.paths['/v1/stream'] = stream as Record<string, Json>;
  doc.paths['/metrics']!.get!.description = text('docs/openapi/metrics.md');
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const a = access.get(`${method} ${path}`);
      if (a === undefined) throw new Error(`no route for ${method} ${path}`);
      op.operationId ??= operationId(method, path);
      op['x-access'] = a;
      op.security = a === 'open' ? [{}] : path === '/v1/stream' ? [{}, { bearerAuth: [] }, { streamToken: [] }] : [{}, { bearerAuth: [] }];
      for (const [status, r] of Object.entries(op.responses as Record<string, Json>)) {
        if (!(path === '/v1/stream' && status === '101')) r.headers = { ...(r.headers as Json), 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } };
      }
    }
  }
  const named: Record<string, Json> = {
    StreamClientMessage: jsonSchema(StreamMessage, 'input'),
    MarketMakerConfig: jsonSchema(MarketMakerConfigSchema, 'output'),
    MarketMakerConfigInput: jsonSchema(MarketMakerConfigSchema, 'input'),
    BatchItem: jsonSchema(BatchItem, 'input'),
  };
  for (const [name, s] of Object.entries(replies)) named[name] = jsonSchema(s, 'output');
  // @fastify/swagger writes `const` as a one-value `enum`; the shared schemas are written as it does
  for (const [name, s] of Object.entries(named)) named[name] = constAsEnum(s) as Json;
  const schemas = shareNamed(doc.paths, named);
  doc.components = { ...doc.components, headers: { 'X-Request-Id': X_REQUEST_ID }, schemas };
  return doc;
}

function constAsEnum(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(constAsEnum);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).map(([k, v]) => (k === 'const' ? ['enum', [v]] : [k, constAsEnum(v)])));
}

const canonical = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (x !== null && typeof x === 'object' && !Array.isArray(x)
  ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
const bare = (s: Json): string => {
  const { description: _d, ...rest } = s;
  return canonical(rest);
};

/**
 * The route schemas are inline (as the serializer takes them); in the document each reply schema of
 * replies.ts is written once under components/schemas and referred to wherever it appears whole.
 */
function shareNamed(paths: Json, named: Record<string, Json>): Record<string, Json> {
  const byShape = new Map(Object.entries(named).map(([name, s]) => [bare(s), name]));
  const used = new Set<string>();
  const walk = (node: unknown, root: boolean): unknown => {
    if (Array.isArray(node)) return node.map((n) => walk(n, false));
    if (node === null || typeof node !== 'object') return node;
    const o = node as Json;
    // a nullable object, written `type: [object, null]` for the serializer: a $ref or null in the document
    const nullable = Array.isArray(o.type) && o.type.length === 2 && o.type[0] === 'object' && o.type[1] === 'null';
    const nullableName = root || !nullable ? undefined : byShape.get(bare({ ...o, type: 'object' }));
    if (nullableName !== undefined) {
      used.add(nullableName);
      return { anyOf: [{ $ref: `#/components/schemas/${nullableName}` }, { type: 'null' }], ...(o.description !== undefined && o.description !== named[nullableName]!.description ? { description: o.description } : {}) };
    }
    const name = root ? undefined : byShape.get(bare(o));
    if (name !== undefined) {
      used.add(name);
      return o.description !== undefined && o.description !== named[name]!.description
        ? { $ref: `#/components/schemas/${name}`, description: o.description } : { $ref: `#/components/schemas/${name}` };
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, walk(v, false)]));
  };
  Object.assign(paths, walk(paths, true));
  const out: Record<string, Json> = {};
  for (const [name, s] of Object.entries(named)) out[name] = walk(s, true) as Json;
  // only what the document refers to, and what those refer to
  const reachable = new Set(['StreamClientMessage', 'StreamServerMessage', ...used]);
  for (let grew = true; grew;) {
    grew = false;
    for (const n of [...reachable]) for (const [, r] of JSON.stringify(out[n]).matchAll(/#\/components\/schemas\/(\w+)/g)) if (!reachable.has(r!)) grew = reachable.add(r!) !== null;
  }
  return Object.fromEntries(Object.entries(out).filter(([n]) => reachable.has(n)).sort(([a], [b]) => a.localeCompare(b)));
}

/** `getAgentsAgentIdSymbolsSymbolQuote`-like names, stable as long as the route is */
function operationId(method: string, path: string): string {
  const words = path.split('/').filter((w) => w && w !== 'v1').map((w) => w.replace(/[{}]/g, ''));
  return method + words.map((w) => w.split(/[^A-Za-z0-9]/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('')).join('');
}

export async function openApiYaml(): Promise<string> {
  const header = '# Generated by `npm run openapi` (scripts/openapi-doc.ts) from the routes\' schemas and docs/openapi/. Do not edit.\n';
  return header + stringify(await openApiDocument(), { lineWidth: 0, aliasDuplicateObjects: false });
}
