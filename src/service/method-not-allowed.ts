/**
 * Unknown paths answer 404 ROUTE_NOT_FOUND; a known path with a method it
 * does not serve answers 405 METHOD_NOT_ALLOWED with `Allow` listing the
 * methods it does (RFC 9110 §15.5.6). The routes are recorded as they are
 * registered; `app.apiRoutes` lists those of the API (the quote board's
 * static files, marked `hide`, are served but not part of it).
 */
import type { FastifyInstance } from 'fastify';
import { errorResponse, METHOD_NOT_ALLOWED, ROUTE_NOT_FOUND } from './errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** every API route registered, method and URL pattern */
    apiRoutes: { method: string; url: string }[];
  }
}

interface Pattern {
  test: RegExp;
  methods: Set<string>;
}

/** `/v1/agents/:agentId` → a RegExp for concrete paths; `*` matches the rest of the path. */
function toRegExp(url: string): RegExp {
  const parts = url.split(/(:[A-Za-z0-9_]+|\*)/).map((p) => {
    if (p === '*') return '.*';
    if (p.startsWith(':')) return '[^/]+';
    return p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${parts.join('')}$`);
}

export function installMethodNotAllowed(app: FastifyInstance): void {
  const patterns = new Map<string, Pattern>();
  const api: FastifyInstance['apiRoutes'] = [];
  app.decorate('apiRoutes', api);
  app.addHook('onRoute', (r) => {
    const methods = [r.method].flat();
    let p = patterns.get(r.url);
    if (p === undefined) patterns.set(r.url, (p = { test: toRegExp(r.url), methods: new Set() }));
    for (const m of methods) p.methods.add(m);
    // routes hidden from the schema (the quote board's static files) are not part of the API
    if ((r.schema as { hide?: boolean } | undefined)?.hide === true) return;
    for (const method of methods) api.push({ method, url: r.url });
  });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    const allowed = new Set<string>();
    for (const p of patterns.values()) if (p.test.test(path)) for (const m of p.methods) allowed.add(m);
    const err = allowed.size === 0 ? new ROUTE_NOT_FOUND(req.method, path) : new METHOD_NOT_ALLOWED(req.method, path);
    if (allowed.size > 0) reply.header('allow', [...allowed].sort().join(', '));
    const { status, body } = errorResponse(err);
    return reply.code(status).send(body);
  });
}
