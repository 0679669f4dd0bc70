/**
 * `/ui/`: the live quote board, static files built by `npm run build`
 * (ui/ → dist/ui/), served only when the configuration says so (`ui`, on by
 * default for a loopback host). The page itself is open: it asks for the read
 * token (from `?token=` or a prompt) and sends it with its own requests. Its
 * content security policy lets it load its own script and style and talk to
 * this origin only (`'self'` covers ws:// to the same host).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifySchema } from 'fastify';
import type {} from '../plugins/auth.js';

const UI_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
  + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The built board: dist/ui seen from src/service/routes (tsx) or from dist/src/service/routes (compiled). */
export function uiRoot(): string | null {
  for (const rel of ['../../../dist/ui/', '../../../ui/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, 'index.html')) && existsSync(join(dir, 'board.js'))) return dir;
  }
  return null;
}

export async function uiRoutes(app: FastifyInstance, opts: { root: string }): Promise<void> {
  app.addHook('onRoute', (r) => {
    r.config = { ...(r.config ?? {}), access: 'open' };
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('content-security-policy', UI_CSP).header('cache-control', 'no-cache');
    return payload;
  });
  // `hide` marks these routes as outside the API: openapi.yaml does not list them
  await app.register(fastifyStatic, { root: opts.root, prefix: '/ui/', schemaHide: true });
  // the page's relative URLs need the slash; the query (agent, token) goes along
  // `hide` is the ecosystem's mark (@fastify/swagger, @fastify/static) for a route outside the API
  const hidden: FastifySchema = { hide: true } as FastifySchema;
  app.get('/ui', { schema: hidden }, (req, reply) => {
    const q = req.url.indexOf('?');
    return reply.redirect(`/ui/${q === -1 ? '' : req.url.slice(q)}`, 301);
  });
}
