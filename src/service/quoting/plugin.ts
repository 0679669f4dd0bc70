/**
 * `app.quoting`: the agents (from the configuration, then the ledger's
 * snapshot and entries), warmed up, behind the quoting service that runs
 * every command. Needs `metrics`, `hub` and `ledger`.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ServiceConfig } from '../config.js';
import { AgentRegistry } from '../registry.js';
import { warmUp } from '../warm-up.js';
import { QuotingService } from './quoting.js';
import { recover } from './recover.js';

declare module 'fastify' {
  interface FastifyInstance {
    quoting: QuotingService;
  }
}

export interface QuotingPluginOptions {
  config: ServiceConfig;
  /** the clock for updates without a time of their own, Unix ms */
  now?: () => number;
}

async function quotingPlugin(app: FastifyInstance, opts: QuotingPluginOptions): Promise<void> {
  const { config } = opts;
  const configured = Object.keys(config.agents);
  const registry = new AgentRegistry(config.limits.maxAgents, config.limits.maxTotalSymbols);
  for (const [id, agentConfig] of Object.entries(config.agents)) registry.create(id, agentConfig);
  const { ledger } = app;
  if (ledger !== null) {
    try {
      recover(ledger, config.ledger, registry, app.log, configured);
    } catch (err) {
      void ledger.close();
      throw err;
    }
  }
  const quoting = new QuotingService({
    registry, hub: app.hub, metrics: app.metrics, ledger,
    snapshots: { everyEntries: config.ledger.snapshotEveryEntries, intervalMs: config.ledger.snapshotIntervalMs, configured },
    warn: (message) => app.log.warn(message),
    ...(opts.now ? { now: opts.now } : {}),
  });
  app.decorate('quoting', quoting);
  // scratch agents take the JIT through every update type (no real state touched); synchronous and
  // before any route is registered, so /readyz cannot answer ready before it is done
  const warm = warmUp(Array.from(registry.all(), (a) => a.config), app.metrics.scratch());
  app.log.info(warm, 'hot path warmed up');
  // what is queued is committed and applied, a last snapshot written, the ledger closed (idempotent)
  app.addHook('onClose', async () => quoting.close());
}

export default fp(quotingPlugin, { name: 'quoting', dependencies: ['metrics', 'websocket', 'ledger'] });
