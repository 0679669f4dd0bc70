/** `app.metrics`: the service's Prometheus registry and the hot path's plain counters (ServiceMetrics). */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ServiceConfig } from '../config.js';
import { ServiceMetrics } from '../metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServiceMetrics;
  }
}

async function metricsPlugin(app: FastifyInstance, opts: { config: ServiceConfig }): Promise<void> {
  // the sources are read at scrape time, by when the hub and the registry exist
  const metrics = new ServiceMetrics(opts.config.processBudgetSeconds, opts.config.latencyWindow, {
    // a cluster gateway has no agents
    agents: () => (app.hasDecorator('quoting') ? app.quoting.registry.all() : []),
    halted: () => (app.hasDecorator('quoting') ? app.quoting.registry.halted : false),
    wsClients: () => app.hub.clients.size,
    wsSubscriptions: () => app.hub.subscriptionCount,
  }, opts.config.metrics);
  app.decorate('metrics', metrics);
  app.addHook('onClose', async () => metrics.close());
}

export default fp(metricsPlugin, { name: 'metrics' });
