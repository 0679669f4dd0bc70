import type { FastifyInstance } from 'fastify';
import type {} from '../plugins/auth.js';
import type {} from '../plugins/metrics.js';

export async function opsRoutes(app: FastifyInstance, opts: { isReady: () => boolean; /** absent on a cluster gateway, which quotes nothing and has no kill switch */ isHalted?: () => boolean }): Promise<void> {
  /** the process is up */
  app.get('/healthz', { config: { access: 'open' } }, async () => ({ status: 'ok' }));

  /** the service takes traffic: listening and not shutting down; a halted service is still ready (it takes updates) and says so */
  app.get('/readyz', { config: { access: 'open' } }, async (_req, reply) =>
    opts.isReady() ? { status: 'ready', ...halted() } : reply.code(503).send({ status: 'not-ready', ...halted() }));
  const halted = (): { halted?: boolean } => (opts.isHalted === undefined ? {} : { halted: opts.isHalted() });

  app.get('/metrics', { config: { access: 'metrics' } }, async (_req, reply) => {
    const body = await app.metrics.scrape();
    return reply.type(app.metrics.registry.contentType).send(body);
  });
}
